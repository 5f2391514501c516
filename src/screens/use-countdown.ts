import { useEffect, useState } from 'react';

/**
 * Seconds left, counting down once a second from `from` and restarting whenever `from` or `restartKey`
 * changes. Only leaf components use it, and only while something is actually waiting: an idle screen
 * runs no timer (every repaint costs bytes over SSH).
 */
export function useCountdown(from: number, restartKey?: unknown): number {
  const [left, setLeft] = useState(from);
  useEffect(() => {
    setLeft(from);
    if (from <= 0) return;
    const timer = setInterval(() => {
      setLeft((s) => {
        if (s <= 1) clearInterval(timer);
        return Math.max(0, s - 1);
      });
    }, 1000);
    return () => clearInterval(timer);
  }, [from, restartKey]);
  return left;
}
