// One progress line while a fix applies. Throttling and RBAC propagation count down here, in the leaf,
// so the rest of the screen does not re-render every second.
import { Text } from 'ink';
import type { ApplyProgress } from '../runbook/engine-types.ts';
import { truncate } from './text.ts';
import { THEME, type ThemeColor } from './theme.ts';
import { useCountdown } from './use-countdown.ts';

/** The text of a progress line, given the seconds left for the phases that wait. */
export function progressText(p: ApplyProgress, secondsLeft?: number): { text: string; color?: ThemeColor } {
  switch (p.phase) {
    case 'permission':
      return { text: `· ${p.message}` };
    case 'write':
      return { text: `→ [${p.operationIndex + 1}/${p.operationCount}] ${p.message}` };
    case 'throttled':
      return { text: `▲ throttled, retrying in ${secondsLeft ?? p.retryInSeconds}s — ${p.message}`, color: THEME.caution };
    case 'lro':
      return { text: `… ${p.message}` };
    case 'verify':
      return { text: `· ${p.message}` };
    case 'propagation':
      return {
        text: `▲ waiting for access to propagate: retrying in ${secondsLeft ?? p.secondsLeft}s — ${p.message}`,
        color: THEME.caution,
      };
    case 'recheck':
      return { text: `· ${p.message}` };
  }
}

function Waiting({ progress, seconds, width }: { progress: ApplyProgress; seconds: number; width: number }) {
  // Restart on every new event object: the engine re-announces propagation each second.
  const left = useCountdown(seconds, progress);
  const { text, color } = progressText(progress, left);
  return (
    <Text color={color} wrap="truncate">
      {truncate(text, width)}
    </Text>
  );
}

export function ProgressLine({ progress, current, width }: { progress: ApplyProgress; current: boolean; width: number }) {
  if (current && progress.phase === 'throttled') return <Waiting progress={progress} seconds={progress.retryInSeconds} width={width} />;
  if (current && progress.phase === 'propagation') return <Waiting progress={progress} seconds={progress.secondsLeft} width={width} />;
  const { text, color } = progressText(progress);
  // An LRO line the apply has moved past is done: its "Waiting for Azure" ended, say so.
  const shown = !current && progress.phase === 'lro' ? text.replace(/^…/, '✔') : text;
  return (
    <Text color={current ? (color ?? THEME.accent) : THEME.muted} wrap="truncate">
      {truncate(shown, width)}
    </Text>
  );
}
