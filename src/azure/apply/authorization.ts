// Authorization executor: role assignments, named deterministically so a re-run finds its own.
import type { RoleAssignment } from '@azure/arm-authorization';
import type { OperationOf } from '../../checks/operations/index.ts';
import type { OperationResult } from '../../checks/ports.ts';
import { scopeForSdk } from '../arm-id.ts';
import { roleAssignmentFromSdk } from '../convert.ts';
import { toAzureError } from '../errors.ts';
import { done, seen, type ApplyContext, type ExecutorFamily } from './read-modify-write.ts';

async function createRoleAssignment(ctx: ApplyContext, op: OperationOf<'roleAssignment.create'>): Promise<OperationResult> {
  const auth = ctx.clients.authorization;
  const id = `${op.scope.replace(/\/+$/, '')}/providers/Microsoft.Authorization/roleAssignments/${op.name}`;
  const read = async () => {
    try {
      return await auth.roleAssignments.getById(scopeForSdk(id), { abortSignal: ctx.signal });
    } catch (e) {
      if (toAzureError(e).kind === 'NotFound') return undefined;
      throw e;
    }
  };
  const matches = (ra: RoleAssignment | undefined) =>
    !!ra && done(op, { vaultRoleAssignments: seen([{ ...roleAssignmentFromSdk(ra), name: ra.name ?? op.name }]) });
  const view = (ra: RoleAssignment | undefined) =>
    ra ? { name: op.name, principalId: ra.principalId, roleDefinitionId: ra.roleDefinitionId, scope: ra.scope ?? op.scope } : undefined;

  const existing = await read();
  if (matches(existing))
    return {
      outcome: 'already',
      message: 'The role assignment exists already.',
      before: view(existing),
      after: view(existing),
      verified: true,
      lost: [],
    };
  if (existing) {
    return {
      outcome: 'failed',
      message: `A different role assignment already uses the name ${op.name}.`,
      before: view(existing),
      verified: false,
      lost: [],
      error: {
        kind: 'Conflict',
        status: 409,
        code: 'RoleAssignmentNameInUse',
        message: `Role assignment ${op.name} exists with another role or principal.`,
        hint: 'Re-check (r): the plan will pick a fresh name.',
      },
    };
  }
  await ctx.beforeWrite?.(op);
  try {
    await auth.roleAssignments.create(
      scopeForSdk(op.scope),
      op.name,
      {
        roleDefinitionId: op.roleDefinitionId,
        principalId: op.principalId,
        // ServicePrincipal avoids PrincipalNotFound for a just-created identity (domain.md §6 #8).
        principalType: op.principalType,
        ...(op.description ? { description: op.description } : {}),
      },
      { abortSignal: ctx.signal },
    );
  } catch (e) {
    const info = toAzureError(e);
    if (info.code === 'RoleAssignmentExists') {
      return { outcome: 'already', message: 'An equal role assignment exists already (under another name).', verified: true, lost: [] };
    }
    throw e;
  }
  const after = await read();
  return {
    outcome: 'applied',
    message: matches(after)
      ? 'Role assignment created. Azure RBAC can take a few minutes to apply it.'
      : 'Role assignment created, but it is not visible on re-read yet.',
    after: view(after),
    verified: matches(after),
    lost: [],
  };
}

export const authorizationExecutors: ExecutorFamily<'roleAssignment.'> = {
  'roleAssignment.create': createRoleAssignment,
};
