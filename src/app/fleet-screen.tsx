// The target picker and the audit table: full screen, connected to the fleet only once the first frame
// is on the terminal (the Azure SDKs take ~200 ms to load), with the device code sign-in shown on screen,
// and that sign-in ended with the screen (quitting while the code waits must not leave it polling).
import type { ReactElement } from 'react';
import type { FleetSession } from '../runbook/fleet-session.ts';
import { runFullScreen } from '../screens/full-screen.tsx';
import { SignInPrompt, signInCopy } from '../screens/sign-in-prompt.ts';
import type { RunConfig } from './run-config.ts';

export interface FleetScreen {
  connect(): Promise<FleetSession>;
  signIn: SignInPrompt;
  finish(code: number): void;
}

/** Resolves with the exit code the screen (or a signal) finished with. */
export async function runFleetScreen(
  config: RunConfig,
  defaultWorld: string,
  element: (screen: FleetScreen) => ReactElement,
): Promise<number> {
  const signIn = new SignInPrompt();
  const session = new AbortController();
  let painted: Promise<void> = Promise.resolve();
  const connect = async () => {
    await painted;
    return (await import('./connect.ts')).connectFleet(config, defaultWorld, {
      signIn: signIn.hooks(signInCopy()),
      signal: session.signal,
    });
  };
  const code = await runFullScreen((finish, firstPaint) => {
    painted = firstPaint;
    return element({ connect, signIn, finish });
  });
  session.abort();
  return code;
}
