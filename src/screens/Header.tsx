// Two rows: what this is (with SANDBOX / READ-ONLY badges), and what it is pointed at.
import { Box, Text } from 'ink';
import { Activity } from './Activity.tsx';
import { useRunbook } from './use-runbook.ts';
import { shortId, truncate } from './text.ts';
import { THEME } from './theme.ts';

export const HEADER_ROWS = 2;

export function Header({ width }: { width: number }) {
  const { context, checking, connection, evaluation, activity } = useRunbook();
  const badges = [context.sandbox ? ' SANDBOX ' : '', context.readOnly ? ' READ-ONLY ' : ''].filter(Boolean);
  const badgeWidth = badges.reduce((n, b) => n + b.length + 1, 0);
  const title = truncate('apimkv · API Management + Key Vault certificates', Math.max(0, width - badgeWidth));
  // A re-check over the list shows its spinner here; the first check shows it in the body instead.
  const ticking = checking && Boolean(evaluation);
  const state = connection.kind === 'connecting' ? 'connecting…' : checking && !ticking ? 'checking…' : ticking ? ' '.repeat(18) : '';
  const where = `${context.cloud} · sub ${context.subscriptionName ?? shortId(context.subscriptionId)} · APIM ${context.apimName} · vault ${context.vaultName}`;
  return (
    <Box flexDirection="column" width={width} height={HEADER_ROWS}>
      <Box width={width}>
        <Box flexGrow={1}>
          <Text bold color={THEME.accent} wrap="truncate">
            {title}
          </Text>
        </Box>
        {badges.map((b) => (
          <Box key={b} marginLeft={1}>
            <Text inverse bold color={THEME.badge}>
              {b}
            </Text>
          </Box>
        ))}
      </Box>
      <Box width={width}>
        <Box flexGrow={1}>
          <Text color={THEME.muted} wrap="truncate">
            {truncate(where, width - state.length - 1)}
          </Text>
        </Box>
        {ticking ? (
          <Box width={18}>
            <Activity label="checking" since={activity?.since} width={18} />
          </Box>
        ) : (
          state && <Text color={THEME.caution}>{state}</Text>
        )}
      </Box>
    </Box>
  );
}
