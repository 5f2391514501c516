// Azure RBAC as the emulator enforces it: role assignments at or above a scope, built-in role definitions,
// wildcard action matching, and the 403 AuthorizationFailed ARM answers.
import { builtinRole } from './builtin-roles.ts';
import { actionMatches } from './action-match.ts';
import { denyingAssignment } from './deny.ts';
import { ArmError, type Ctx } from './http.ts';
import { scopeCovers } from './resource-id.ts';
import type { SandboxState } from './state.ts';
import type { ArmResource } from './types.ts';

/** One role's grant (ARM applies a role's notActions to that role only). */
export interface Grant {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export { actionMatches } from './action-match.ts';

export function grantAllows(grant: Grant, action: string, plane: 'control' | 'data'): boolean {
  const [allow, deny] = plane === 'data' ? [grant.dataActions, grant.notDataActions] : [grant.actions, grant.notActions];
  return allow.some((p) => actionMatches(p, action)) && !deny.some((p) => actionMatches(p, action));
}

const RA_TYPE = 'microsoft.authorization/roleassignments';

/** The scope of a role assignment (its property, else its id without the extension suffix). */
export function assignmentScope(ra: ArmResource): string {
  return ra.properties?.scope ?? ra.id.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i, '') ?? '/';
}

export function roleAssignments(state: SandboxState): ArmResource[] {
  return state.ofType(RA_TYPE);
}

/** Assignments of a principal that apply at `scope` (assigned there or above). */
export function assignmentsFor(
  state: SandboxState,
  principalId: string,
  scope: string,
  opts: { propagated?: boolean } = {},
): ArmResource[] {
  const delay = state.world.rbacPropagationMs ?? 0;
  return state.assignmentsOf(principalId).filter((ra) => {
    if (!scopeCovers(assignmentScope(ra), scope)) return false;
    if (opts.propagated && delay > 0) {
      const created = Date.parse(ra.properties?.createdOn ?? '');
      if (!Number.isNaN(created) && created + delay > state.clock()) return false;
    }
    return true;
  });
}

/** The grants a principal holds at a scope. */
export function grantsFor(state: SandboxState, principalId: string, scope: string, opts: { propagated?: boolean } = {}): Grant[] {
  const grants: Grant[] = [];
  for (const ra of assignmentsFor(state, principalId, scope, opts)) {
    const role = builtinRole(String(ra.properties?.roleDefinitionId ?? ''));
    if (role)
      grants.push({
        actions: role.actions,
        notActions: role.notActions,
        dataActions: role.dataActions,
        notDataActions: role.notDataActions,
      });
  }
  return grants;
}

export function hasAction(
  state: SandboxState,
  principalId: string,
  action: string,
  scope: string,
  plane: 'control' | 'data' = 'control',
): boolean {
  return grantsFor(state, principalId, scope, { propagated: plane === 'data' }).some((g) => grantAllows(g, action, plane));
}

/** Who the caller is, as ARM prints it in errors. */
export function callerName(ctx: Ctx): string {
  const op = ctx.state.world.operator;
  return op.principalId.toLowerCase() === ctx.principalId.toLowerCase() && op.upn ? op.upn : ctx.principalId;
}

/** Throw ARM's 403 unless the caller may perform `action` over `scope`. */
export function requireAction(ctx: Ctx, action: string, scope: string): void {
  if (hasAction(ctx.state, ctx.principalId, action, scope)) return requireNotDenied(ctx, action, scope);
  // ARM looks the subscription up before it authorizes: a subscription that is not there is a 404 for
  // every resource in it, not a 403 for some and a 404 for others.
  const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
  if (sub && !ctx.state.subscription(sub)) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  throw new ArmError(
    403,
    'AuthorizationFailed',
    `The client '${callerName(ctx)}' with object id '${ctx.principalId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/**
 * A deny assignment wins over every role (a deployment stack's deny settings): ARM's 403
 * DenyAssignmentAuthorizationFailed names the assignment and the scope it sits on.
 */
function requireNotDenied(ctx: Ctx, action: string, scope: string): void {
  const deny = denyingAssignment(ctx.state, ctx.principalId, action, scope);
  if (!deny) return;
  throw new ArmError(
    403,
    'DenyAssignmentAuthorizationFailed',
    `The client '${callerName(ctx)}' with object id '${ctx.principalId}' has permission to perform action '${action}' on scope '${scope}'; however, the access is denied because of the deny assignment with name '${deny.displayName}' and Id '${deny.guid.replace(/-/g, '')}' at scope '${deny.scope}'.`,
  );
}
