// The one line that shows something is happening: a spinner, the elapsed seconds and what the gateway
// last did. Only this leaf ticks, and only while it is mounted: an idle screen runs no timer at all. A tick
// costs ~150 bytes over SSH (Ink walks the cursor over every row of the frame), so it comes every 2 s:
// under 100 bytes a second while waiting.
import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { truncate } from './text.ts';
import { THEME } from './theme.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const TICK_MS = 2000;

/** Seconds since `since` (a Date.now() value), re-rendered every TICK_MS. */
export function useElapsed(since: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [since]);
  return Math.max(0, Math.floor((now - since) / 1000));
}

export function activityText(label: string, seconds: number, detail?: string): string {
  return `${FRAMES[Math.floor(seconds / 2) % FRAMES.length]} ${label} · ${seconds} s${detail ? ` · ${detail}` : ''}`;
}

/** `read` is called at each tick (every 2 s): what is happening, without a render per event. */
export function Activity({
  label,
  since,
  detail,
  read,
  width,
}: {
  label: string;
  since?: number;
  detail?: string;
  read?: () => string | undefined;
  width: number;
}) {
  const [mounted] = useState(() => Date.now());
  const seconds = useElapsed(since ?? mounted);
  return (
    <Text color={THEME.caution} wrap="truncate">
      {truncate(activityText(label, seconds, read?.() ?? detail), width)}
    </Text>
  );
}
