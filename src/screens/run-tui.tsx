// Entry point of the full-screen runbook. Paints the first frame (header + "connecting…") before the
// engine (and with it the Azure SDKs) is even loaded.
import type { RunbookEngine, RunContext } from '../runbook/engine-types.ts';
import { App } from './App.tsx';
import { runFullScreen } from './full-screen.tsx';
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

/** Run the runbook until the operator quits; resolves with the process exit code. */
export function runTui(options: RunTuiOptions): Promise<number> {
  return runFullScreen(
    (finish, firstPaint) => {
      const loadEngine = async () => {
        await firstPaint;
        return options.loadEngine();
      };
      return <App context={options.context} loadEngine={loadEngine} onExit={finish} signIn={options.signIn} />;
    },
    { stdin: options.stdin, stdout: options.stdout },
  );
}
