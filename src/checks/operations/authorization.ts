// Authorization writes: role assignments that let API Management's identity read the vault.
import type { Facts } from '../facts.ts';
import { builtInRole, KEY_VAULT_SECRETS_USER, OPERATOR_ROLES, roleGuid } from '../roles.ts';
import { principalWithName } from '../principals.ts';
import type { PreviewRequest } from '../types.ts';
import { API_VERSIONS, at, cmd, same, valueOf } from './shared.ts';
import { bodyOf, pathAndVersion, pick, type TemplateChange } from '../templates/change.ts';
import type { OperationFamily, OperationOf } from './types.ts';

function roleAssignmentPreview(op: OperationOf<'roleAssignment.create'>, facts: Facts): PreviewRequest {
  const name = (id: string) => builtInRole(id)?.name ?? facts.roleDefinitions[roleGuid(id)]?.roleName ?? roleGuid(id);
  const existing = facts.vaultRoleAssignments.ok
    ? facts.vaultRoleAssignments.value.filter((a) => a.principalId.toLowerCase() === op.principalId.toLowerCase())
    : [];
  return {
    method: 'PUT',
    path: at(`${op.scope}/providers/Microsoft.Authorization/roleAssignments/${op.name}`, API_VERSIONS.authorization),
    body: {
      properties: {
        roleDefinitionId: op.roleDefinitionId,
        principalId: op.principalId,
        principalType: op.principalType,
        ...(op.description ? { description: op.description } : {}),
      },
    },
    diff: [
      ...existing.map((a) => `  ${name(a.roleDefinitionId)} for ${principalWithName(facts, a.principalId)} at ${a.scope}`),
      `+ ${name(op.roleDefinitionId)} for ${principalWithName(facts, op.principalId)} at ${op.scope}`,
    ],
  };
}

/** roleAssignment.create as a template change (the properties it writes, from its request's body). */
function createTemplate(_op: OperationOf<'roleAssignment.create'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  return {
    type: 'Microsoft.Authorization/roleAssignments',
    apiVersion,
    id,
    mode: 'create',
    body: pick(bodyOf(request), [
      'properties.roleDefinitionId',
      'properties.principalId',
      'properties.principalType',
      'properties.description',
    ]),
    azurerm: {
      resource: 'azurerm_role_assignment',
      attributes: [
        { path: 'name', from: { id: 'name' } },
        { path: 'scope', from: { id: 'scope' } },
        { path: 'role_definition_id', from: { body: 'properties.roleDefinitionId' } },
        { path: 'principal_id', from: { body: 'properties.principalId' } },
        { path: 'principal_type', from: { body: 'properties.principalType' } },
        { path: 'description', from: { body: 'properties.description' } },
      ],
    },
  };
}

export const authorizationOperations: OperationFamily<'roleAssignment.'> = {
  'roleAssignment.create': {
    summary: () => 'Creating the role assignment on the vault',
    target: (op) => ({ resource: 'vault', id: op.scope }),
    requirements: () => [{ action: 'Microsoft.Authorization/roleAssignments/write', target: 'vault' }],
    // Key Vault Data Access Administrator may assign Secrets User (not Certificate User): the least privilege for that grant.
    roles: (op) => [
      {
        role: roleGuid(op.roleDefinitionId) === KEY_VAULT_SECRETS_USER ? OPERATOR_ROLES.rbacSecretsUserOnly : OPERATOR_ROLES.rbac,
        scope: op.scope,
      },
    ],
    preview: roleAssignmentPreview,
    template: createTemplate,
    az(op) {
      const role = builtInRole(op.roleDefinitionId)?.name ?? roleGuid(op.roleDefinitionId);
      return [
        cmd(
          'az',
          'role',
          'assignment',
          'create',
          '--assignee-object-id',
          op.principalId,
          '--assignee-principal-type',
          op.principalType,
          '--role',
          role,
          '--scope',
          op.scope,
          // The same name as apimkv's PUT (derived from scope, principal and role): a re-run finds the same assignment.
          '--name',
          op.name,
          ...(op.description ? ['--description', op.description] : []),
        ),
      ];
    },
    // Found under its name, for its principal and role: made. Not found: not made only when the facts list
    // that principal's assignments (the gather reads API Management's identities', not the operator's).
    isDone(op, observed) {
      const assignments = valueOf(observed.vaultRoleAssignments);
      if (!assignments) return undefined;
      if (
        assignments.some(
          (a) =>
            same(a.name, op.name) && same(a.principalId, op.principalId) && roleGuid(a.roleDefinitionId) === roleGuid(op.roleDefinitionId),
        )
      )
        return true;
      const apim = valueOf(observed.apim);
      const listed =
        assignments.some((a) => same(a.principalId, op.principalId)) ||
        (!!apim &&
          [apim.identity.principalId, ...apim.identity.userAssigned.map((u) => u.principalId)].some((p) => same(p, op.principalId)));
      return listed ? false : undefined;
    },
    grantsAccess: true,
  },
};
