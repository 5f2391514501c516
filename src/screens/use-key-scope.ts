import { useContext } from 'react';
import type { KeyContext } from './keys.ts';
import { KeyScopeContext } from './runbook-context.ts';

/**
 * Declare the key context of the component that has the keyboard, so the global keys (help, transcript,
 * quit) know whether they apply: in a text field, "q" is a letter, not quit.
 */
export function useKeyScope(context: KeyContext, active: boolean): void {
  const scope = useContext(KeyScopeContext);
  if (active) scope.current = context;
}
