// Ctrl-Z suspends as in any terminal program: raw mode turns the key into input instead of SIGTSTP, so
// the screen does it itself. Ink gives the terminal back first (primary screen, cursor shown, raw mode
// off), the process group stops, and on `fg` (SIGCONT) Ink takes the terminal again and repaints.
import { useApp, useInput } from 'ink';

/** Stop this process group until SIGCONT. */
export function stopUntilContinued(): void {
  // SIGSTOP, not SIGTSTP: SIGTSTP is discarded for an orphaned process group (a program started
  // directly by a terminal emulator or ssh without a shell), which would leave the screen given back
  // but the program running. Group 0 is ours: a wrapper (npx) stops with us, as ^Z does.
  process.kill(0, 'SIGSTOP');
}

// One suspension at a time: the fleet audit and the runbook it opened both listen for the key.
let suspended = false;

export function useSuspendKey(isActive = true): void {
  const { suspendTerminal } = useApp();
  useInput(
    (input, key) => {
      if (!key.ctrl || input !== 'z' || suspended) return;
      suspended = true;
      suspendTerminal(stopUntilContinued)
        .catch(() => undefined)
        .finally(() => (suspended = false));
    },
    { isActive },
  );
}
