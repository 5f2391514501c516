// Whether the operator may apply a fix, for the preview. The engine checks again right before writing;
// this is only so the preview can say up front "you may apply this" or which permission is missing.
import type { Fact, Facts, PermissionFacts } from '../checks/facts.ts';
import { operationSpec } from '../checks/operations/index.ts';
import type { FixPlan, Operation } from '../checks/types.ts';

/** The preview's answer to "may I apply this?". */
export type MayApply = { may: 'yes' } | { may: 'no'; missing: string[] } | { may: 'unknown'; reason: string };

const resourceOf = (op: Operation) => operationSpec(op).target(op).resource;

/** ARM action patterns are case-insensitive globs with `*`. */
function globMatch(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

function allows(perms: PermissionFacts[], action: string): boolean {
  return perms.some(
    (p) =>
      ([...p.actions, ...p.dataActions].some((a) => globMatch(a, action)) &&
        ![...p.notActions, ...p.notDataActions].some((a) => globMatch(a, action))),
  );
}

/** Check the plan's required actions against the operator's effective permissions on what it touches. */
export function mayApply(plan: FixPlan, facts: Facts): MayApply {
  if (plan.requiredActions.length === 0) return { may: 'yes' };
  const resources = new Set(plan.operations.map(resourceOf));
  if (resources.size === 0) resources.add('apim');
  const perms: PermissionFacts[] = [];
  for (const r of resources) {
    const fact: Fact<PermissionFacts[]> | undefined = facts.operatorPermissions[r];
    if (!fact) return { may: 'unknown', reason: `your permissions on the ${r} were not read` };
    if (!fact.ok) return { may: 'unknown', reason: `your permissions on the ${r} could not be read (${fact.message})` };
    perms.push(...fact.value);
  }
  const missing = plan.requiredActions.filter((a) => !allows(perms, a));
  return missing.length ? { may: 'no', missing } : { may: 'yes' };
}
