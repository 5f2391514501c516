// The deny assignments a deployment stack places on the resources it manages, as Azure derives them from the
// stack's denySettings, and the 403 a write then gets even from a caller whose roles allow it.
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/deployment-stacks#protect-managed-resources
// https://learn.microsoft.com/azure/role-based-access-control/deny-assignments
import { createHash } from 'node:crypto';
import { actionMatches } from './action-match.ts';
import { keyOf } from './resource-id.ts';
import type { SandboxState } from './state.ts';
import type { ArmResource } from './types.ts';

const STACK_TYPE = 'Microsoft.Resources/deploymentStacks';

/** One deny assignment: where it is, what it denies, and who is exempt. */
export interface StackDenyAssignment {
  /** GUID, as Azure names the assignment. */
  guid: string;
  displayName: string;
  /** The managed resource the assignment sits on. */
  scope: string;
  actions: string[];
  notActions: string[];
  excludedPrincipals: string[];
  doNotApplyToChildScopes: boolean;
  stackId: string;
}

/** A GUID fixed by the stack and the resource, so the same world always names the same assignment. */
function assignmentGuid(stackId: string, resourceId: string): string {
  const h = createHash('sha256')
    .update(`${keyOf(stackId)}|${keyOf(resourceId)}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The mode's denied actions: denyWriteAndDelete denies everything but '*\/read' (and deleting locks), denyDelete
 * only deletes; Azure appends those exclusions to excludedActions itself (DenySettings.excludedActions, 2024-03-01).
 */
function permissionsOf(mode: string, excludedActions: string[]): { actions: string[]; notActions: string[] } | undefined {
  if (mode === 'denyWriteAndDelete')
    return { actions: ['*'], notActions: [...excludedActions, '*/read', 'Microsoft.Authorization/locks/delete'] };
  if (mode === 'denyDelete') return { actions: ['*/delete'], notActions: [...excludedActions, 'Microsoft.Authorization/locks/delete'] };
  return undefined;
}

/** Every deny assignment the world's stacks hold. */
export function stackDenyAssignments(state: SandboxState): StackDenyAssignment[] {
  const out: StackDenyAssignment[] = [];
  for (const stack of state.ofType(STACK_TYPE) as ArmResource[]) {
    const settings = stack.properties?.denySettings ?? {};
    const perms = permissionsOf(String(settings.mode ?? 'none'), (settings.excludedActions ?? []) as string[]);
    if (!perms) continue;
    for (const r of (stack.properties?.resources ?? []) as { id?: string; denyStatus?: string }[]) {
      if (!r.id || (r.denyStatus !== 'denyWriteAndDelete' && r.denyStatus !== 'denyDelete')) continue;
      const guid = assignmentGuid(stack.id, r.id);
      out.push({
        guid,
        displayName: `Deny assignment '${guid}' created by Deployment Stack '${stack.id}'.`,
        scope: r.id,
        ...perms,
        excludedPrincipals: (settings.excludedPrincipals ?? []) as string[],
        doNotApplyToChildScopes: settings.applyToChildScopes !== true,
        stackId: stack.id,
      });
    }
  }
  return out;
}

/** The assignment that denies `principalId` the action at `scope`, if any. */
export function denyingAssignment(
  state: SandboxState,
  principalId: string,
  action: string,
  scope: string,
): StackDenyAssignment | undefined {
  const target = keyOf(scope);
  return stackDenyAssignments(state).find((d) => {
    const at = keyOf(d.scope);
    const covers = target === at || (!d.doNotApplyToChildScopes && target.startsWith(`${at}/`));
    if (!covers) return false;
    if (d.excludedPrincipals.some((p) => p.toLowerCase() === principalId.toLowerCase())) return false;
    return d.actions.some((p) => actionMatches(p, action)) && !d.notActions.some((p) => actionMatches(p, action));
  });
}
