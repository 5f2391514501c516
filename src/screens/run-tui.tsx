// Entry point of the full-screen runbook. Paints the first frame (header + "connecting…") before the
// engine (and with it the Azure SDKs) is even loaded, runs in the alternate screen, and gives the
// terminal back (cursor, raw mode, primary screen) on quit, Ctrl-C, SIGTERM and SIGHUP.
import { render } from 'ink';
import { takeExitSummary } from './exit-summary.ts';
import type { RunbookEngine, RunContext } from '../runbook/engine-types.ts';
import { App } from './App.tsx';
import type { SignInPrompt } from './sign-in-prompt.ts';

export interface RunTuiOptions {
  /** Connects and builds the engine; awaited only after the first frame is on screen. */
  loadEngine: () => Promise<RunbookEngine>;
  /** What the header shows until the engine knows better. */
  context: RunContext;
  /** Where a device code sign-in's message arrives. */
  signIn?: SignInPrompt;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

/** Exit codes for the signals that end a session (128 + signal number, as shells report them). */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Frames per second at most: enough for typing and progress, few bytes over a slow SSH link. */
const MAX_FPS = 15;

/** Run the runbook until the operator quits; resolves with the process exit code. */
export async function runTui(options: RunTuiOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  let code: number | undefined;
  let painted!: () => void;
  const firstPaint = new Promise<void>((resolve) => (painted = resolve));
  const loadEngine = async () => {
    await firstPaint;
    return options.loadEngine();
  };
  // eslint-disable-next-line prefer-const
  let instance: ReturnType<typeof render> | undefined;
  const finish = (exitCode: number) => {
    if (code !== undefined) return;
    code = exitCode;
    instance?.unmount();
  };
  instance = render(<App context={options.context} loadEngine={loadEngine} onExit={finish} signIn={options.signIn} />, {
    stdout,
    stdin,
    alternateScreen: true,
    // The caller only runs this on a terminal; don't let a stray CI variable turn it into a log.
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
    painted();
    await instance.waitUntilExit();
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
  // Back on the normal screen: what this session changed and left open stays in the scrollback.
  const summary = takeExitSummary();
  if (summary.length) stdout.write(`${summary.join('\n')}\n`);
  return code ?? 0;
}
