// The first line of the audit table and the target picker: the title, and a SANDBOX badge in sandbox mode.
import { Box, Text } from 'ink';
import { truncate } from './text.ts';
import { THEME } from './theme.ts';

export function TitleBar({ title, sandbox, width }: { title: string; sandbox: boolean; width: number }) {
  return (
    <Box width={width}>
      <Box flexGrow={1}>
        <Text bold color={THEME.accent} wrap="truncate">
          {truncate(title, width - (sandbox ? 10 : 0))}
        </Text>
      </Box>
      {sandbox && (
        <Text inverse bold color={THEME.badge}>
          {' SANDBOX '}
        </Text>
      )}
    </Box>
  );
}
