// The device code sign-in's "open … and enter the code …", carried from the connection (which signs in
// behind the first frame) to whichever screen is up, and cleared once the code has been entered.
import { useSyncExternalStore } from 'react';
import type { SignInHooks } from '../runbook/connect.ts';

export class SignInPrompt {
  private message: string | undefined;
  private readonly listeners = new Set<() => void>();

  /** What the connection calls; `copy` also gets the message (stderr when it is not the terminal). */
  hooks(copy?: { write(text: string): unknown }): SignInHooks {
    return {
      onDeviceCode: (message) => {
        copy?.write(`${message}\n`);
        this.set(message);
      },
      onSignInDone: () => this.set(undefined),
    };
  }

  get current(): string | undefined {
    return this.message;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(message: string | undefined): void {
    this.message = message;
    for (const l of this.listeners) l();
  }
}

/** The message to show now, if a sign-in waits for its code. */
export function useSignInPrompt(prompt: SignInPrompt | undefined): string | undefined {
  return useSyncExternalStore(prompt?.subscribe ?? noSubscribe, () => prompt?.current);
}

const noSubscribe = () => () => undefined;

/** In the full-screen TUI stderr is the same terminal: copy the message there only when it is redirected. */
export function signInCopy(): { write(text: string): unknown } | undefined {
  return process.stderr.isTTY ? undefined : process.stderr;
}
