// Runs one full-screen Ink element (the audit table, the target picker and the runbooks they open):
// alternate screen, 15 fps at most, and the terminal given back on quit, Ctrl-C, SIGTERM and SIGHUP.
import { render } from 'ink';
import { takeExitSummary } from './exit-summary.ts';
import type { ReactElement } from 'react';

/** Exit codes for the signals that end a session (128 + signal number, as shells report them). */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Frames per second at most: enough for typing and progress, few bytes over a slow SSH link. */
const MAX_FPS = 15;

/**
 * Resolves with the exit code the element (or a signal) finished with. `painted` resolves once the first
 * frame is on the terminal: load the Azure SDKs after it, or their ~200 ms of module evaluation delays it.
 */
export async function runFullScreen(
  element: (finish: (code: number) => void, painted: Promise<void>) => ReactElement,
  io: { stdin?: NodeJS.ReadStream; stdout?: NodeJS.WriteStream } = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  let code: number | undefined;
  let firstPaint!: () => void;
  const painted = new Promise<void>((resolve) => (firstPaint = resolve));
  // eslint-disable-next-line prefer-const
  let instance: ReturnType<typeof render> | undefined;
  const finish = (exitCode: number) => {
    if (code !== undefined) return;
    code = exitCode;
    instance?.unmount();
  };
  instance = render(element(finish, painted), {
    stdout,
    stdin: io.stdin ?? process.stdin,
    alternateScreen: true,
    // The callers only run this on a terminal; don't let a stray CI variable turn it into a log.
    interactive: Boolean(stdout.isTTY),
    exitOnCtrlC: false,
    maxFps: MAX_FPS,
    incrementalRendering: true,
  });
  const onSignal = (signal: NodeJS.Signals) => finish(SIGNAL_EXIT[signal as keyof typeof SIGNAL_EXIT] ?? 1);
  const signals = Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[];
  for (const s of signals) process.on(s, onSignal);
  try {
    await instance.waitUntilRenderFlush();
    firstPaint();
    await instance.waitUntilExit();
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
  // Back on the normal screen: what this session changed and left open stays in the scrollback.
  const summary = takeExitSummary();
  if (summary.length) stdout.write(`${summary.join('\n')}\n`);
  return code ?? 0;
}
