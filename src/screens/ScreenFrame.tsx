// Every screen's body sits in the same frame: the body, one notice row, one footer row.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { Footer } from './Footer.tsx';
import type { KeyContext } from './keys.ts';
import { truncate } from './text.ts';
import { THEME } from './theme.ts';
import { useContext } from 'react';
import { ActionsContext, StateContext } from './runbook-context.ts';
import { writeInFlight } from './state.ts';

/** The quit question for what is true now (it changes while asked: a write finishes, a rule is removed). */
export function quitQuestion(writing: boolean, temporary: number): string {
  if (writing) return 'A write is in flight. Quit anyway (its outcome will be unknown)? y quit  n stay';
  if (temporary) return 'The temporary firewall rule is still open. c remove it  y quit, keep it  n stay';
  return 'Nothing is in flight now. Quit? y quit  n stay';
}

/** Rows the frame takes besides the body. */
export const FRAME_ROWS = 2;

export function NoticeLine({ width }: { width: number }) {
  // The help overlay is also shown by the fleet audit, which has no runbook state (and no notice).
  const state = useContext(StateContext);
  const actions = useContext(ActionsContext);
  if (!state) return <Text> </Text>;
  const { notice, confirmQuit } = state;
  if (confirmQuit) {
    return (
      <Text color={THEME.danger} bold wrap="truncate">
        {truncate(quitQuestion(writeInFlight(state), actions?.temporaryChanges().length ?? 0), width)}
      </Text>
    );
  }
  if (!notice) return <Text> </Text>;
  const text = notice.hint ? `${notice.text} — ${notice.hint}` : notice.text;
  return (
    <Text color={notice.tone === 'error' ? THEME.danger : THEME.accent} wrap="truncate">
      {truncate(`${notice.tone === 'error' ? '✖ ' : 'i '}${text}`, width)}
    </Text>
  );
}

export function ScreenFrame({
  height,
  width,
  context,
  footerExtra,
  children,
}: {
  height: number;
  width: number;
  context: KeyContext;
  footerExtra?: string;
  children: ReactNode;
}) {
  return (
    <Box flexDirection="column" height={height} width={width} overflow="hidden">
      <Box flexDirection="column" height={Math.max(0, height - FRAME_ROWS)} overflow="hidden">
        {children}
      </Box>
      <NoticeLine width={width} />
      <Footer context={context} width={width} extra={footerExtra} />
    </Box>
  );
}
