// The device code sign-in's "open … and enter the code …", carried from the connection (which signs in
// behind the first frame) to whichever screen is up, and cleared once the code has been entered.
import type { SignInHooks } from '../checks/ports.ts';

export class SignInPrompt {
  private static readonly waitingPrompts = new Set<SignInPrompt>();
  private message: string | undefined;

  /** True while some sign-in still waits for its code (its library sleeps between polls, up to 5 s). */
  static anyWaiting(): boolean {
    return SignInPrompt.waitingPrompts.size > 0;
  }
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
    if (message) SignInPrompt.waitingPrompts.add(this);
    else SignInPrompt.waitingPrompts.delete(this);
    for (const l of this.listeners) l();
  }
}

/** In the full-screen TUI stderr is the same terminal: copy the message there only when it is redirected. */
export function signInCopy(): { write(text: string): unknown } | undefined {
  return process.stderr.isTTY ? undefined : process.stderr;
}
