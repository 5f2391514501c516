// The built-in roles the runbook reasons about (GUIDs are the same in every Azure cloud). The data actions
// are those of the built-in roles reference, used only when a role definition was not read with the facts.

/** A built-in role: its GUID, name and the data actions that matter here. */
export interface BuiltInRole {
  guid: string;
  name: string;
  dataActions: string[];
  notDataActions: string[];
}

export const KEY_VAULT_CERTIFICATE_USER = 'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba';
export const KEY_VAULT_SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';
export const KEY_VAULT_READER = '21090545-7ca7-4776-b22c-e363652d74d2';
export const KEY_VAULT_SECRETS_OFFICER = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7';
export const KEY_VAULT_CERTIFICATES_OFFICER = 'a4417e6f-fecd-4de8-b567-7b0420556985';
export const KEY_VAULT_ADMINISTRATOR = '00482a5a-887f-4fb3-b363-3b7fe8e74483';
export const KEY_VAULT_CONTRIBUTOR = 'f25e0fa2-a7c8-4377-a976-54943a77a395';
export const KEY_VAULT_DATA_ACCESS_ADMINISTRATOR = '8b54135c-b56d-4d72-a534-26097cfdc8d8';

/** What API Management needs on the data plane to fetch a certificate's secret. */
export const GET_SECRET_ACTION = 'Microsoft.KeyVault/vaults/secrets/getSecret/action';
/** What the operator needs to browse secrets in the picker. */
export const READ_SECRET_METADATA_ACTION = 'Microsoft.KeyVault/vaults/secrets/readMetadata/action';

export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  {
    guid: KEY_VAULT_CERTIFICATE_USER,
    name: 'Key Vault Certificate User',
    dataActions: [
      'Microsoft.KeyVault/vaults/certificates/read',
      'Microsoft.KeyVault/vaults/secrets/getSecret/action',
      'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
      'Microsoft.KeyVault/vaults/keys/read',
    ],
    notDataActions: [],
  },
  {
    guid: KEY_VAULT_SECRETS_USER,
    name: 'Key Vault Secrets User',
    dataActions: ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
    notDataActions: [],
  },
  {
    guid: KEY_VAULT_READER,
    name: 'Key Vault Reader',
    dataActions: ['Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
    notDataActions: [],
  },
  {
    guid: KEY_VAULT_SECRETS_OFFICER,
    name: 'Key Vault Secrets Officer',
    dataActions: ['Microsoft.KeyVault/vaults/secrets/*'],
    notDataActions: [],
  },
  {
    guid: KEY_VAULT_CERTIFICATES_OFFICER,
    name: 'Key Vault Certificates Officer',
    dataActions: [
      'Microsoft.KeyVault/vaults/certificatecas/*',
      'Microsoft.KeyVault/vaults/certificates/*',
      'Microsoft.KeyVault/vaults/certificatecontacts/write',
    ],
    notDataActions: [],
  },
  { guid: KEY_VAULT_ADMINISTRATOR, name: 'Key Vault Administrator', dataActions: ['Microsoft.KeyVault/vaults/*'], notDataActions: [] },
  { guid: KEY_VAULT_CONTRIBUTOR, name: 'Key Vault Contributor', dataActions: [], notDataActions: [] },
  { guid: KEY_VAULT_DATA_ACCESS_ADMINISTRATOR, name: 'Key Vault Data Access Administrator', dataActions: [], notDataActions: [] },
];

/** Least-privileged operator roles, by what a fix touches. */
export const OPERATOR_ROLES = {
  apim: 'API Management Service Contributor',
  vault: 'Key Vault Contributor',
  rbac: 'Role Based Access Control Administrator',
  rbacSecretsUserOnly: 'Key Vault Data Access Administrator',
  network: 'Network Contributor',
} as const;

/** The GUID at the end of a role definition id (or the GUID itself), lower-cased. */
export function roleGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split('/').pop() ?? roleDefinitionId).toLowerCase();
}

/** A built-in role by GUID or full role definition id. */
export function builtInRole(roleDefinitionId: string): BuiltInRole | undefined {
  const guid = roleGuid(roleDefinitionId);
  return BUILT_IN_ROLES.find((r) => r.guid === guid);
}

/** The full role definition id ARM wants, for a subscription. */
export function roleDefinitionId(subscriptionId: string, guid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}
