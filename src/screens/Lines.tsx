// Pre-laid-out lines: every line is one terminal row, cut to the width, and the block is cut to its
// height with a "n more lines" hint, so nothing Ink renders can spill past the screen.
import { Box, Text } from 'ink';
import { truncate, wrap } from './text.ts';
import type { ThemeColor } from './theme.ts';

/** One row of text with its style. */
export interface Line {
  text: string;
  color?: ThemeColor;
  bold?: boolean;
  /** Rendered without colour but in inverse video: buttons, badges. */
  inverse?: boolean;
  /** A command or JSON line kept whole for copying: it may be wider than the screen (cut when drawn). */
  wide?: boolean;
}

/** Word-wrap a paragraph into styled lines. */
export function para(text: string, width: number, style: Omit<Line, 'text'> = {}, indent = ''): Line[] {
  return wrap(text, width, indent).map((t) => ({ text: t, ...style }));
}

/** Cut to `height` rows; the last row then says how many were left out. */
export function capLines(lines: readonly Line[], height: number, more = 'more lines'): Line[] {
  if (lines.length <= height) return [...lines];
  if (height <= 0) return [];
  const kept = lines.slice(0, height - 1);
  return [...kept, { text: `  … ${lines.length - kept.length} ${more}`, color: 'gray' }];
}

export function Lines({
  lines,
  height,
  more,
  width = Infinity,
}: {
  lines: readonly Line[];
  height: number;
  more?: string;
  width?: number;
}) {
  const shown = capLines(lines, height, more);
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      {shown.map((l, i) => (
        <Text key={i} color={l.color} bold={l.bold} inverse={l.inverse} wrap="truncate">
          {l.text === '' ? ' ' : l.wide ? truncate(l.text, width) : l.text}
        </Text>
      ))}
    </Box>
  );
}
