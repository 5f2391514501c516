// The `?` overlay: every binding in the key table, in two columns so it fits 80x24.
import { Box, Text } from 'ink';
import { KEYS } from './keys.ts';
import { ScreenFrame, FRAME_ROWS } from './ScreenFrame.tsx';
import { fit, truncate } from './text.ts';
import { THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';

const LABEL = 6;

export function HelpOverlay({ width, height }: { width: number; height: number }) {
  useKeyScope('overlay', true);
  const column = Math.floor(width / 2);
  const perColumn = Math.ceil(KEYS.length / 2);
  const rows = Array.from({ length: perColumn }, (_, i) => [KEYS[i], KEYS[i + perColumn]] as const);
  const body = height - FRAME_ROWS;
  return (
    <ScreenFrame height={height} width={width} context="overlay">
      <Text bold color={THEME.accent}>
        Keys
      </Text>
      <Box flexDirection="column" height={Math.max(0, body - 2)} overflow="hidden">
        {rows.map(([a, b]) => (
          <Box key={a.id} width={width}>
            <Text>{fit(`${fit(a.label, LABEL)} ${a.help}`, column)}</Text>
            {b && <Text>{truncate(`${fit(b.label, LABEL)} ${b.help}`, width - column)}</Text>}
          </Box>
        ))}
      </Box>
      <Text color={THEME.muted} wrap="truncate">
        {truncate('Digits do nothing. Esc only goes back. Fixes always show a preview and wait for y or Enter.', width)}
      </Text>
    </ScreenFrame>
  );
}
