// The `?` overlay: the bindings of the key table that work on this screen (the runbook or the fleet
// audit), in two columns so it fits 80x24.
import { Box, Text } from 'ink';
import { KEYS, type KeyBinding } from './keys.ts';
import { ScreenFrame, FRAME_ROWS } from './ScreenFrame.tsx';
import { fit, truncate } from './text.ts';
import { THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';

const LABEL = 6;

const TIP = {
  runbook: 'Digits do nothing. Esc only goes back. Fixes always show a preview and wait for y or Enter.',
  audit: "Enter opens the selected instance's runbook; q there returns to this table.",
};

/** The audit's table uses its own keys and Esc; the runbook uses every key but the audit's. */
const onScreen = (screen: 'runbook' | 'audit') => (k: KeyBinding) =>
  screen === 'audit' ? k.contexts.includes('audit') || k.id === 'back' : k.contexts.some((c) => c !== 'audit');

export function HelpOverlay({ width, height, screen = 'runbook' }: { width: number; height: number; screen?: 'runbook' | 'audit' }) {
  useKeyScope('overlay', true);
  const keys = KEYS.filter(onScreen(screen));
  const column = Math.floor(width / 2);
  const perColumn = Math.ceil(keys.length / 2);
  const rows = Array.from({ length: perColumn }, (_, i) => [keys[i]!, keys[i + perColumn]] as const);
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
        {truncate(TIP[screen], width)}
      </Text>
    </ScreenFrame>
  );
}
