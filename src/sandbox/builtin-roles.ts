// Built-in Azure role definitions (real GUIDs, actions and data actions from the built-in roles reference)
// that the sandbox serves and evaluates. ABAC conditions (e.g. Key Vault Data Access Administrator's) are
// not modelled.

/** One built-in role: what it grants. */
export interface BuiltinRole {
  guid: string;
  roleName: string;
  description: string;
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

const KV_READ_ACTIONS = [
  'Microsoft.Authorization/*/read',
  'Microsoft.Insights/alertRules/*',
  'Microsoft.Resources/deployments/*',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
  'Microsoft.Support/*',
  'Microsoft.KeyVault/checkNameAvailability/read',
  'Microsoft.KeyVault/deletedVaults/read',
  'Microsoft.KeyVault/locations/*/read',
  'Microsoft.KeyVault/vaults/*/read',
  'Microsoft.KeyVault/operations/read',
];

const role = (
  guid: string,
  roleName: string,
  description: string,
  actions: string[],
  dataActions: string[] = [],
  notActions: string[] = [],
): BuiltinRole => ({
  guid,
  roleName,
  description,
  actions,
  notActions,
  dataActions,
  notDataActions: [],
});

export const BUILTIN_ROLES: readonly BuiltinRole[] = [
  role(
    '8e3af657-a8ff-443f-a75c-2fe8c4bcb635',
    'Owner',
    'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    ['*'],
  ),
  role(
    'b24988ac-6180-42a0-ab88-20f7382dd24c',
    'Contributor',
    'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.',
    ['*'],
    [],
    [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
      'Microsoft.Subscription/cancel/action',
      'Microsoft.Subscription/enable/action',
    ],
  ),
  role('acdd72a7-3385-48ef-bd42-f606fba81ae7', 'Reader', 'View all resources, but does not allow you to make any changes.', ['*/read']),
  role('18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', 'User Access Administrator', 'Lets you manage user access to Azure resources.', [
    '*/read',
    'Microsoft.Authorization/*',
    'Microsoft.Support/*',
  ]),
  role(
    'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
    'Role Based Access Control Administrator',
    'Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage access using other ways, such as Azure Policy.',
    ['Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete', '*/read', 'Microsoft.Support/*'],
  ),
  role(
    '00482a5a-887f-4fb3-b363-3b7fe8e74483',
    'Key Vault Administrator',
    "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    KV_READ_ACTIONS,
    ['Microsoft.KeyVault/vaults/*'],
  ),
  role(
    'a4417e6f-fecd-4de8-b567-7b0420556985',
    'Key Vault Certificates Officer',
    "Perform any action on the certificates of a key vault, excluding reading the secret and key portions, and managing permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    KV_READ_ACTIONS,
    [
      'Microsoft.KeyVault/vaults/certificatecas/*',
      'Microsoft.KeyVault/vaults/certificates/*',
      'Microsoft.KeyVault/vaults/certificatecontacts/write',
    ],
  ),
  role(
    'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba',
    'Key Vault Certificate User',
    "Read entire certificate contents including secret and key portion. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    [],
    [
      'Microsoft.KeyVault/vaults/certificates/read',
      'Microsoft.KeyVault/vaults/secrets/getSecret/action',
      'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
      'Microsoft.KeyVault/vaults/keys/read',
    ],
  ),
  role(
    '4633458b-17de-408a-b874-0445c86b69e6',
    'Key Vault Secrets User',
    "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    [],
    ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
  ),
  role(
    '21090545-7ca7-4776-b22c-e363652d74d2',
    'Key Vault Reader',
    "Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such as secret contents or key material. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    KV_READ_ACTIONS,
    ['Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
  ),
  role(
    'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
    'Key Vault Secrets Officer',
    "Perform any action on the secrets of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    KV_READ_ACTIONS,
    ['Microsoft.KeyVault/vaults/secrets/*'],
  ),
  role(
    'f25e0fa2-a7c8-4377-a976-54943a77a395',
    'Key Vault Contributor',
    'Lets you manage key vaults, but not access to them.',
    [
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Support/*',
      'Microsoft.KeyVault/*',
    ],
    [],
    ['Microsoft.KeyVault/locations/deletedVaults/purge/action', 'Microsoft.KeyVault/hsmPools/*', 'Microsoft.KeyVault/managedHsms/*'],
  ),
  role(
    '8b54135c-b56d-4d72-a534-26097cfdc8d8',
    'Key Vault Data Access Administrator',
    'Manage access to Azure Key Vault by adding or removing role assignments for the Key Vault Administrator, Key Vault Certificates Officer, Key Vault Crypto Officer, Key Vault Crypto Service Encryption User, Key Vault Crypto User, Key Vault Reader, Key Vault Secrets Officer, or Key Vault Secrets User roles. Includes an ABAC condition to constrain role assignments.',
    [
      'Microsoft.Authorization/roleAssignments/write',
      'Microsoft.Authorization/roleAssignments/delete',
      'Microsoft.Authorization/*/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Management/managementGroups/read',
      'Microsoft.Resources/subscriptions/read',
      'Microsoft.Support/*',
      'Microsoft.KeyVault/vaults/*/read',
    ],
  ),
  role('312a565d-c81f-4fd8-895a-4e21e48d571c', 'API Management Service Contributor', 'Can manage service and the APIs', [
    'Microsoft.ApiManagement/service/*',
    'Microsoft.Authorization/*/read',
    'Microsoft.Insights/alertRules/*',
    'Microsoft.ResourceHealth/availabilityStatuses/read',
    'Microsoft.Resources/deployments/*',
    'Microsoft.Resources/subscriptions/resourceGroups/read',
    'Microsoft.Support/*',
  ]),
  role(
    'e022efe7-f5ba-4159-bbe4-b44f577e9b61',
    'API Management Service Operator Role',
    'Can manage service but not the APIs',
    [
      'Microsoft.ApiManagement/service/*/read',
      'Microsoft.ApiManagement/service/backup/action',
      'Microsoft.ApiManagement/service/delete',
      'Microsoft.ApiManagement/service/managedeployments/action',
      'Microsoft.ApiManagement/service/read',
      'Microsoft.ApiManagement/service/restore/action',
      'Microsoft.ApiManagement/service/updatecertificate/action',
      'Microsoft.ApiManagement/service/updatehostname/action',
      'Microsoft.ApiManagement/service/write',
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.ResourceHealth/availabilityStatuses/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Support/*',
    ],
    [],
    ['Microsoft.ApiManagement/service/users/keys/read'],
  ),
  role(
    '71522526-b88f-4d52-b57f-d31fc3546d0d',
    'API Management Service Reader Role',
    'Read-only access to service and APIs',
    [
      'Microsoft.ApiManagement/service/*/read',
      'Microsoft.ApiManagement/service/read',
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.ResourceHealth/availabilityStatuses/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Support/*',
    ],
    [],
    ['Microsoft.ApiManagement/service/users/keys/read'],
  ),
  role('4d97b98b-1d4f-4787-a291-c67834d212e7', 'Network Contributor', 'Lets you manage networks, but not access to them.', [
    'Microsoft.Authorization/*/read',
    'Microsoft.Insights/alertRules/*',
    'Microsoft.Network/*',
    'Microsoft.ResourceHealth/availabilityStatuses/read',
    'Microsoft.Resources/deployments/*',
    'Microsoft.Resources/subscriptions/resourceGroups/read',
    'Microsoft.Support/*',
  ]),
];

const BY_GUID = new Map(BUILTIN_ROLES.map((r) => [r.guid, r]));

/** A built-in role by GUID or by any role definition id ending in the GUID. */
export function builtinRole(guidOrId: string): BuiltinRole | undefined {
  const guid = guidOrId.split('/').pop()!.toLowerCase();
  return BY_GUID.get(guid);
}

/** The role definition resource, as ARM returns it at a subscription (or tenant, when `subscriptionId` is absent). */
export function roleDefinitionResource(role: BuiltinRole, subscriptionId: string | undefined): Record<string, unknown> {
  return {
    id: `${subscriptionId ? `/subscriptions/${subscriptionId}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`,
    name: role.guid,
    type: 'Microsoft.Authorization/roleDefinitions',
    properties: {
      roleName: role.roleName,
      type: 'BuiltInRole',
      description: role.description,
      assignableScopes: ['/'],
      // RoleDefinitionProperties (authorization 2022-04-01) has no createdOn/updatedOn/createdBy/updatedBy.
      permissions: [
        { actions: role.actions, notActions: role.notActions, dataActions: role.dataActions, notDataActions: role.notDataActions },
      ],
    },
  };
}
