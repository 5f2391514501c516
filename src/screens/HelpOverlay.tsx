// The `?` overlay: the keys of the screen it was opened from (from the key table, so it cannot drift
// from what works), in two columns of at most 40 so it fits 80x24, Ctrl-C included.
import { Box, Text } from 'ink';
import { KEYS, type KeyBinding, type KeyContext } from './keys.ts';
import { ScreenFrame, FRAME_ROWS } from './ScreenFrame.tsx';
import { fit, truncate } from './text.ts';
import { THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';

const LABEL = 6;

const TIP: Partial<Record<KeyContext, string>> = {
  checklist: 'Enter opens a check full-screen. Digits do nothing. Only y applies a fix, after its preview.',
  preview: 'Only y applies, and only here at the top of the preview. Enter and Esc never write.',
  applying: 'Esc stops waiting; the outcome is then settled by reading Azure, as on the next run.',
  audit: "Enter opens the selected instance's runbook; q there returns to this table.",
};
const DEFAULT_TIP = 'Digits do nothing. Esc only goes back. Fixes always show a preview and wait for y.';

const NAMES: Partial<Record<KeyContext, string>> = {
  checklist: 'the checklist',
  detail: 'a check, full-screen',
  preview: 'a fix preview',
  applying: 'a fix being applied',
  result: 'a fix result',
  picker: 'the certificate picker',
  wizard: 'this step',
  text: 'a text field',
  audit: 'the fleet audit',
  target: 'the target picker',
  blocked: 'this screen',
};

/** The keys that work in a context, in table order (pairs like n/N on one line). */
export function contextKeys(context: KeyContext): KeyBinding[] {
  return KEYS.filter((k) => !k.hidden && k.contexts.includes(context));
}

export function HelpOverlay({ width, height, context }: { width: number; height: number; context: KeyContext }) {
  useKeyScope('overlay', true);
  const keys = contextKeys(context);
  const column = Math.floor(width / 2);
  const perColumn = Math.ceil(keys.length / 2);
  const rows = Array.from({ length: perColumn }, (_, i) => [keys[i]!, keys[i + perColumn]] as const);
  const body = height - FRAME_ROWS;
  return (
    <ScreenFrame height={height} width={width} context="overlay">
      <Text bold color={THEME.accent} wrap="truncate">
        {truncate(`Keys on ${NAMES[context] ?? 'this screen'} (Esc or ? closes)`, width)}
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
        {truncate(TIP[context] ?? DEFAULT_TIP, width)}
      </Text>
    </ScreenFrame>
  );
}
