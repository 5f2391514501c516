// Microsoft.Authorization: role assignments at any scope (list with inheritance and filters, PUT by GUID,
// DELETE, GET by id), built-in role definitions, and the caller's permissions at a scope.
import { BUILTIN_ROLES, builtinRole, roleDefinitionResource } from '../builtin-roles.ts';
import { ArmError, ok, type Ctx, type Reply } from '../http.ts';
import { assignmentScope, grantsFor, requireAction, roleAssignments } from '../rbac.ts';
import { keyOf, resourceGroupOf, scopeCovers, subscriptionOf } from '../resource-id.ts';
import type { ArmResource } from '../types.ts';
import { page } from './arm.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `scope` as ARM names it: '/' for the root, else the path. */
const scopeText = (scope: string) => scope || '/';

/** Does the scope exist (subscription, resource group or resource)? */
function requireScope(ctx: Ctx, scope: string): void {
  if (scope === '/' || scope === '') return;
  const sub = subscriptionOf(scope);
  if (!sub || !ctx.state.subscription(sub))
    throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub ?? scope}' could not be found.`);
  const rg = resourceGroupOf(scope);
  if (rg && !ctx.state.resourceGroup(sub, rg))
    throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  if (/\/providers\//i.test(scope) && !ctx.state.get(scope)) {
    throw new ArmError(
      404,
      'ResourceNotFound',
      `The Resource '${scope.split('/providers/').pop()}' under resource group '${rg ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }
}

export function listRoleAssignments(ctx: Ctx, scope: string): Reply {
  const s = scopeText(scope);
  requireAction(ctx, 'Microsoft.Authorization/roleAssignments/read', s);
  requireScope(ctx, scope);
  const filter = ctx.query.get('$filter') ?? '';
  const principal = /assignedTo\('([^']+)'\)/i.exec(filter)?.[1] ?? /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
  const atScope = /atScope\(\)/i.test(filter);
  const items = roleAssignments(ctx.state)
    .filter((ra) => {
      const raScope = assignmentScope(ra);
      const above = scopeCovers(raScope, s);
      const below = !atScope && scopeCovers(s, raScope);
      return (above || below) && (!principal || String(ra.properties?.principalId).toLowerCase() === principal.toLowerCase());
    })
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((ra) => structuredClone(ra));
  return ok(page(ctx, items));
}

function findAssignment(ctx: Ctx, scope: string, name: string): ArmResource | undefined {
  return ctx.state.get(`${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
}

export function getRoleAssignment(ctx: Ctx, scope: string, name: string): Reply {
  const s = scopeText(scope);
  requireAction(ctx, 'Microsoft.Authorization/roleAssignments/read', s);
  const ra = findAssignment(ctx, s, name);
  if (!ra) throw new ArmError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
  return ok(structuredClone(ra));
}

export function putRoleAssignment(ctx: Ctx, scope: string, name: string): Reply {
  const s = scopeText(scope);
  requireAction(ctx, 'Microsoft.Authorization/roleAssignments/write', s);
  if (!GUID.test(name))
    throw new ArmError(
      400,
      'InvalidRoleAssignmentId',
      `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
    );
  requireScope(ctx, scope);
  const props = ctx.body?.properties ?? {};
  const roleDefinitionId = String(props.roleDefinitionId ?? '');
  const role = builtinRole(roleDefinitionId);
  if (!role)
    throw new ArmError(
      400,
      'RoleDefinitionDoesNotExist',
      `The specified role definition with ID '${roleDefinitionId.split('/').pop()}' does not exist.`,
    );
  const principalId = String(props.principalId ?? '');
  if (!GUID.test(principalId)) throw new ArmError(400, 'InvalidPrincipalId', `A valid principal ID must be provided for role assignment.`);
  const same = roleAssignments(ctx.state).find(
    (ra) =>
      keyOf(assignmentScope(ra)) === keyOf(s) &&
      String(ra.properties?.principalId).toLowerCase() === principalId.toLowerCase() &&
      builtinRole(String(ra.properties?.roleDefinitionId ?? ''))?.guid === role.guid,
  );
  const existing = findAssignment(ctx, s, name);
  if (same && (!existing || keyOf(same.id) !== keyOf(existing.id)))
    throw new ArmError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
  if (existing) {
    if (same) return { status: 201, body: structuredClone(existing) };
    throw new ArmError(
      400,
      'RoleAssignmentUpdateNotPermitted',
      'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
    );
  }
  const now = ctx.state.now().toISOString();
  const sub = subscriptionOf(s) ?? ctx.state.world.subscriptions[0].subscriptionId;
  const ra: ArmResource = {
    id: `${s === '/' ? '' : s}/providers/Microsoft.Authorization/roleAssignments/${name.toLowerCase()}`,
    name: name.toLowerCase(),
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`,
      principalId,
      principalType: props.principalType ?? 'User',
      scope: s,
      condition: props.condition ?? null,
      conditionVersion: props.conditionVersion ?? null,
      createdOn: now,
      updatedOn: now,
      createdBy: ctx.principalId,
      updatedBy: ctx.principalId,
      delegatedManagedIdentityResourceId: null,
      description: props.description ?? null,
    },
  };
  ctx.state.put(ra);
  return { status: 201, body: structuredClone(ra) };
}

export function deleteRoleAssignment(ctx: Ctx, scope: string, name: string): Reply {
  const s = scopeText(scope);
  requireAction(ctx, 'Microsoft.Authorization/roleAssignments/delete', s);
  const ra = findAssignment(ctx, s, name);
  if (!ra) return { status: 204 };
  ctx.state.delete(ra.id);
  return ok(structuredClone(ra));
}

export function getRoleDefinition(ctx: Ctx, scope: string, guid: string): Reply {
  const role = builtinRole(guid);
  if (!role) throw new ArmError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${guid}' does not exist.`);
  return ok(roleDefinitionResource(role, subscriptionOf(scope)));
}

export function listRoleDefinitions(ctx: Ctx, scope: string): Reply {
  const filter = ctx.query.get('$filter') ?? '';
  const byName = /roleName\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
  const byType = /type\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
  const roles = BUILTIN_ROLES.filter(
    (r) => (!byName || r.roleName.toLowerCase() === byName.toLowerCase()) && (!byType || byType.toLowerCase() === 'builtinrole'),
  );
  return ok(
    page(
      ctx,
      roles.map((r) => roleDefinitionResource(r, subscriptionOf(scope))),
    ),
  );
}

/** The caller's effective permissions at a scope, one entry per role (as ARM lists them). */
export function listPermissions(ctx: Ctx, scope: string): Reply {
  requireScope(ctx, scope);
  const grants = grantsFor(ctx.state, ctx.principalId, scopeText(scope));
  return ok(
    page(
      ctx,
      grants.map((g) => ({ actions: g.actions, notActions: g.notActions, dataActions: g.dataActions, notDataActions: g.notDataActions })),
    ),
  );
}
