// The runbook's steps in the order of Microsoft's documents, with the "why this matters" shown during
// onboarding and the Learn page each step follows.
import type { StepId, StepInfo } from './types.ts';

const LEARN = 'https://learn.microsoft.com/azure';

export const STEPS: StepInfo[] = [
  {
    id: 'context',
    title: 'Context',
    why: 'Every check and fix acts on one cloud, subscription and sign-in: a vault from another cloud or tenant can never be reached by this API Management instance.',
    docLink: `${LEARN}/api-management/api-management-howto-use-managed-service-identity`,
  },
  {
    id: 'prerequisites',
    title: 'Prerequisites',
    why: "API Management reads Key Vault with a managed identity: the vault must exist and the instance needs an identity in the vault's tenant before anything can be granted.",
    docLink: `${LEARN}/api-management/api-management-howto-mutual-certificates#prerequisites`,
  },
  {
    id: 'access',
    title: 'Key vault access',
    why: 'The identity must be allowed to get and list secrets (access policy) or hold Key Vault Secrets User (RBAC) - in the model the vault actually uses.',
    docLink: `${LEARN}/api-management/api-management-howto-mutual-certificates#configure-access-to-key-vault`,
  },
  {
    id: 'firewall',
    title: 'Key Vault firewall',
    why: 'Behind the vault firewall only the system-assigned identity gets in: through the trusted-services exception (certificates, named values, custom domains) or a network line of sight (the gateway itself needs a line of sight since 15 March 2026, but only for policies and backends that call the vault).',
    docLink: `${LEARN}/api-management/api-management-howto-mutual-certificates#requirements-for-key-vault-firewall`,
  },
  {
    id: 'network',
    title: 'Virtual network',
    why: 'In a virtual network, API Management reaches Key Vault and Microsoft Entra ID through the subnet: it needs the Key Vault service endpoint (or a private endpoint) and NSG rules allowing outbound 443.',
    docLink: `${LEARN}/api-management/virtual-network-reference`,
  },
  {
    id: 'certificate',
    title: 'Add the certificate',
    why: 'Reference the secret without a version so API Management picks up renewals within four hours; an uploaded .pfx never rotates on its own.',
    docLink: `${LEARN}/api-management/api-management-howto-mutual-certificates#add-a-key-vault-certificate`,
  },
];

/** The Learn link for a step. */
export function stepDoc(id: StepId): string {
  return STEPS.find((s) => s.id === id)!.docLink;
}

/** Docs the checks point at besides the step pages. */
export const DOCS = {
  retirement: `${LEARN}/api-management/breaking-changes/trusted-service-connectivity-retirement-march-2026`,
  customDomain: `${LEARN}/api-management/configure-custom-domain#domain-certificate-options`,
  keyVaultNetwork: `${LEARN}/key-vault/general/overview-vnet-service-endpoints`,
  rbacRoles: `${LEARN}/key-vault/general/rbac-guide#azure-built-in-roles-for-key-vault-data-plane-operations`,
  v2Network: `${LEARN}/api-management/virtual-network-concepts`,
  softDelete: `${LEARN}/key-vault/general/key-vault-recovery`,
  identity: `${LEARN}/api-management/api-management-howto-use-managed-service-identity`,
  workspaces: `${LEARN}/api-management/workspaces-overview#workspaces-constraints`,
} as const;
