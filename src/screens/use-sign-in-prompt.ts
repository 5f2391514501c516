// The device code message as React state, for the screens that show it.
import { useSyncExternalStore } from 'react';
import type { SignInPrompt } from './sign-in-prompt.ts';

/** The message to show now, if a sign-in waits for its code. */
export function useSignInPrompt(prompt: SignInPrompt | undefined): string | undefined {
  return useSyncExternalStore(prompt?.subscribe ?? noSubscribe, () => prompt?.current);
}

const noSubscribe = () => () => undefined;
