// Whether the terminal can take the full-screen runbook. TERM=dumb (Emacs shell buffers, some CI
// consoles, serial lines) or no TERM at all means no cursor addressing and no alternate screen: the
// plain report is what such a terminal can show.

/** Why the full screen cannot be used here, or undefined when it can. */
export function plainTerminalReason(
  env: NodeJS.ProcessEnv,
  stdinTTY: boolean | undefined,
  stdoutTTY: boolean | undefined,
): string | undefined {
  if (!stdinTTY || !stdoutTTY) return 'not a terminal';
  const term = env.TERM?.trim() ?? '';
  if (term === '' || term === 'dumb') return `TERM=${term || '(unset)'} has no cursor addressing`;
  return undefined;
}
