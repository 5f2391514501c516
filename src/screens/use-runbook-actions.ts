import { useContext } from 'react';
import { ActionsContext, type RunbookActions } from './runbook-context.ts';

/** The intents (stable across renders); only inside <RunbookProvider>. */
export function useRunbookActions(): RunbookActions {
  const actions = useContext(ActionsContext);
  if (!actions) throw new Error('useRunbookActions() used outside <RunbookProvider>');
  return actions;
}
