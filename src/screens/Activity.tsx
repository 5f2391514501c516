// The one line that shows something is happening: a spinner, the elapsed seconds and what the gateway
// last did. Only this leaf ticks (once a second, ~60 bytes over SSH), and only while it is mounted:
// an idle screen runs no timer at all.
import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { truncate } from './text.ts';
import { THEME } from './theme.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Seconds since `since` (a Date.now() value), re-rendered once a second. */
export function useElapsed(since: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [since]);
  return Math.max(0, Math.floor((now - since) / 1000));
}

export function activityText(label: string, seconds: number, detail?: string): string {
  return `${FRAMES[seconds % FRAMES.length]} ${label} · ${seconds} s${detail ? ` · ${detail}` : ''}`;
}

/** `read` is called at each tick (once a second): what is happening, without a render per event. */
export function Activity({ label, since, detail, read, width }: { label: string; since?: number; detail?: string; read?: () => string | undefined; width: number }) {
  const [mounted] = useState(() => Date.now());
  const seconds = useElapsed(since ?? mounted);
  return (
    <Text color={THEME.caution} wrap="truncate">
      {truncate(activityText(label, seconds, read?.() ?? detail), width)}
    </Text>
  );
}
