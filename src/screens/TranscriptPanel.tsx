// The `l` panel: the tail of the session transcript (checks, fixes, requests), scrollable.
import { Text } from 'ink';
import { useMemo, useState } from 'react';
import { Lines, para, type Line } from './Lines.tsx';
import { FRAME_ROWS, ScreenFrame } from './ScreenFrame.tsx';
import { THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';
import { useKeys } from './use-keys.ts';
import { useRunbook } from './use-runbook.ts';
import { useRunbookActions } from './use-runbook-actions.ts';

export function TranscriptPanel({ width, height }: { width: number; height: number }) {
  useKeyScope('overlay', true);
  const actions = useRunbookActions();
  // Re-read when an evaluation or fix lands (the transcript only grows then).
  const { evaluation, fix } = useRunbook();
  const lines = useMemo<Line[]>(
    () =>
      actions
        .transcript()
        .split('\n')
        .flatMap((l) => para(l, width, {}, '  ')),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [actions, evaluation, fix, width],
  );
  const rows = Math.max(1, height - FRAME_ROWS - 1);
  // Offset from the bottom: 0 shows the tail.
  const [fromEnd, setFromEnd] = useState(0);
  const maxOffset = Math.max(0, lines.length - rows);
  const offset = Math.min(fromEnd, maxOffset);
  const scroll = (d: number) => setFromEnd(Math.max(0, Math.min(maxOffset, offset + d)));
  useKeys('overlay', { up: () => scroll(1), down: () => scroll(-1), pageUp: () => scroll(rows), pageDown: () => scroll(-rows) });
  const end = lines.length - offset;
  const shown = lines.slice(Math.max(0, end - rows), end);
  return (
    <ScreenFrame height={height} width={width} context="overlay">
      <Text bold color={THEME.accent}>
        {`Transcript (last ${shown.length} of ${lines.length} lines)`}
      </Text>
      <Lines lines={shown.length ? shown : [{ text: 'Nothing recorded yet.', color: THEME.muted }]} height={rows} />
    </ScreenFrame>
  );
}
