// May the operator apply a fix? Checked against the ARM permissions API (actions with wildcards, minus
// notActions) for every resource the fix writes to, so the UI can say "needs role X on Y" up front.
import { permitted } from './action-match.ts';
import type { Facts, PermissionFacts } from './facts.ts';
import { targetOfAction, type PermissionTarget } from './operations/index.ts';
import type { FixPlan } from './types.ts';

/** The answer, with what is missing or why it cannot be told. */
export type FixPermission =
  { allowed: true } | { allowed: false; missing: string[]; needs: string } | { allowed: 'unknown'; reason: string };

const TARGET_WORDS: Record<PermissionTarget, string> = {
  apim: 'API Management instance',
  vault: 'key vault',
  subnet: 'subnet',
  nsg: 'network security group',
};

export function fixPermission(plan: FixPlan, facts: Facts): FixPermission {
  const missing: string[] = [];
  for (const action of plan.requiredActions) {
    const target = targetOfAction(action);
    const fact = facts.operatorPermissions[target];
    if (!fact) return { allowed: 'unknown', reason: `your permissions on the ${TARGET_WORDS[target]} were not read` };
    if (!fact.ok)
      return { allowed: 'unknown', reason: `your permissions on the ${TARGET_WORDS[target]} could not be read (${fact.message})` };
    if (!permitted(fact.value as PermissionFacts[], action)) missing.push(action);
  }
  if (missing.length === 0) return { allowed: true };
  const needs = plan.requiredRoles.map((r) => `${r.role} on ${r.scope}`).join(' and ') || 'a role that grants them';
  return { allowed: false, missing, needs };
}
