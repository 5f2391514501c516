// What the operator needs for each kind of write: the ARM actions (checked against the permissions API
// before a fix is offered as applicable) and the least-privileged built-in role that grants them.
import type { Facts } from './facts.ts';
import { KEY_VAULT_SECRETS_USER, OPERATOR_ROLES, roleGuid } from './roles.ts';
import { vnetOfSubnet } from './resource-id.ts';
import type { FixPlan, Operation } from './types.ts';

/** Which of the operator's permission sets an action is checked against. */
export type PermissionTarget = keyof Facts['operatorPermissions'];

/** One requirement: an action on a target resource. */
export interface Requirement {
  action: string;
  target: PermissionTarget;
}

export function operationRequirements(op: Operation): Requirement[] {
  switch (op.kind) {
    case 'apim.enableSystemIdentity':
    case 'apim.setCustomProperty':
      return [{ action: 'Microsoft.ApiManagement/service/write', target: 'apim' }];
    case 'apim.putKeyVaultCertificate':
    case 'apim.uploadCertificate':
      return [{ action: 'Microsoft.ApiManagement/service/certificates/write', target: 'apim' }];
    case 'apim.refreshCertificate':
      return [{ action: 'Microsoft.ApiManagement/service/certificates/refreshSecret/action', target: 'apim' }];
    case 'vault.recover':
    case 'vault.setBypass':
    case 'vault.addIpRule':
    case 'vault.removeIpRule':
      return [{ action: 'Microsoft.KeyVault/vaults/write', target: 'vault' }];
    case 'vault.addAccessPolicy':
      return [{ action: 'Microsoft.KeyVault/vaults/accessPolicies/write', target: 'vault' }];
    case 'vault.addVirtualNetworkRule':
      // Key Vault also checks that the caller may join the subnet through its service endpoint.
      return [
        { action: 'Microsoft.KeyVault/vaults/write', target: 'vault' },
        { action: 'Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action', target: 'subnet' },
      ];
    case 'roleAssignment.create':
      return [{ action: 'Microsoft.Authorization/roleAssignments/write', target: 'vault' }];
    case 'subnet.addServiceEndpoint':
      return [{ action: 'Microsoft.Network/virtualNetworks/subnets/write', target: 'subnet' }];
    case 'nsg.putRule':
      return [{ action: 'Microsoft.Network/networkSecurityGroups/securityRules/write', target: 'nsg' }];
  }
}

/** The permission set an action belongs to, from its provider and type. */
export function targetOfAction(action: string): PermissionTarget {
  const a = action.toLowerCase();
  if (a.startsWith('microsoft.apimanagement/')) return 'apim';
  if (a.startsWith('microsoft.network/virtualnetworks/')) return 'subnet';
  if (a.startsWith('microsoft.network/networksecuritygroups/')) return 'nsg';
  return 'vault';
}

/** Least-privileged built-in role (and where) for one operation. */
export function operationRoles(op: Operation): { role: string; scope: string }[] {
  switch (op.kind) {
    case 'apim.enableSystemIdentity':
    case 'apim.setCustomProperty':
    case 'apim.putKeyVaultCertificate':
    case 'apim.uploadCertificate':
    case 'apim.refreshCertificate':
      return [{ role: OPERATOR_ROLES.apim, scope: op.apimId }];
    case 'vault.recover':
    case 'vault.setBypass':
    case 'vault.addIpRule':
    case 'vault.removeIpRule':
    case 'vault.addAccessPolicy':
      return [{ role: OPERATOR_ROLES.vault, scope: op.vaultId }];
    case 'vault.addVirtualNetworkRule':
      return [
        { role: OPERATOR_ROLES.vault, scope: op.vaultId },
        { role: OPERATOR_ROLES.network, scope: vnetOfSubnet(op.subnetId) },
      ];
    case 'roleAssignment.create':
      // Key Vault Data Access Administrator may assign Secrets User (not Certificate User): the least privilege for that grant.
      return [{ role: roleGuid(op.roleDefinitionId) === KEY_VAULT_SECRETS_USER ? OPERATOR_ROLES.rbacSecretsUserOnly : OPERATOR_ROLES.rbac, scope: op.scope }];
    case 'subnet.addServiceEndpoint':
      return [{ role: OPERATOR_ROLES.network, scope: vnetOfSubnet(op.subnetId) }];
    case 'nsg.putRule':
      return [{ role: OPERATOR_ROLES.network, scope: op.nsgId }];
  }
}

const unique = <T,>(items: T[], key: (t: T) => string) => items.filter((t, i) => items.findIndex((u) => key(u) === key(t)) === i);

/** Required actions and roles for a list of operations, de-duplicated, in operation order. */
export function planRequirements(operations: readonly Operation[]): Pick<FixPlan, 'requiredActions' | 'requiredRoles'> {
  return {
    requiredActions: unique(operations.flatMap(operationRequirements).map((r) => r.action), (a) => a.toLowerCase()),
    requiredRoles: unique(operations.flatMap(operationRoles), (r) => `${r.role}|${r.scope.toLowerCase()}`),
  };
}
