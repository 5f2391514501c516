import { useContext } from 'react';
import { StateContext } from './runbook-context.ts';
import type { State } from './state.ts';

/** The screen state; only inside <RunbookProvider>. */
export function useRunbook(): State {
  const state = useContext(StateContext);
  if (!state) throw new Error('useRunbook() used outside <RunbookProvider>');
  return state;
}
