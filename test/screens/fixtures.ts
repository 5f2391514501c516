// Hand-built Facts, Findings and FixPlans for the screen tests: one of every status, fixes with
// previews, a vault behind its firewall with a user-assigned identity attached.
import type { Facts } from '../../src/checks/facts.ts';
import type { Finding, FixPlan, Status, StepId, StepInfo } from '../../src/checks/types.ts';
import type { Evaluation, RunContext } from '../../src/runbook/engine-types.ts';

export const SUB = '00000000-0000-0000-0000-000000000001';
export const APIM_ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim-contoso`;
export const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-contoso`;
export const VAULT_URI = 'https://kv-contoso.vault.azure.net/';
export const UAI_ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-certs`;

export function runContext(overrides: Partial<RunContext> = {}): RunContext {
  return {
    cloud: 'AzureCloud',
    subscriptionId: SUB,
    apimName: 'apim-contoso',
    vaultName: 'kv-contoso',
    sandbox: false,
    readOnly: false,
    ...overrides,
  };
}

export const STEPS: StepInfo[] = [
  {
    id: 'context',
    title: 'Context',
    why: 'Checks run against the right cloud and subscription.',
    docLink: 'https://learn.microsoft.com/azure/api-management/',
  },
  {
    id: 'prerequisites',
    title: 'Prerequisites',
    why: 'API Management needs a managed identity to read the vault.',
    docLink: 'https://learn.microsoft.com/azure/api-management/prereq',
  },
  {
    id: 'access',
    title: 'Key vault access',
    why: 'The identity must be allowed to get secrets.',
    docLink: 'https://learn.microsoft.com/azure/api-management/access',
  },
  {
    id: 'firewall',
    title: 'Key Vault firewall',
    why: 'Behind the firewall only trusted services and listed networks get through.',
    docLink: 'https://learn.microsoft.com/azure/api-management/firewall',
  },
  {
    id: 'network',
    title: 'Virtual network',
    why: 'A VNet needs service endpoints and NSG rules to reach the vault.',
    docLink: 'https://learn.microsoft.com/azure/api-management/vnet',
  },
  {
    id: 'certificate',
    title: 'Add the certificate',
    why: 'Reference the secret without a version so renewals are picked up.',
    docLink: 'https://learn.microsoft.com/azure/api-management/cert',
  },
];

export function plan(checkId: string, overrides: Partial<FixPlan> = {}): FixPlan {
  return {
    id: `${checkId}-fix`,
    checkId,
    title: `Fix for ${checkId}`,
    operations: [{ kind: 'vault.setBypass', vaultId: VAULT_ID, bypass: 'AzureServices' }],
    preview: [
      {
        method: 'PATCH',
        path: `${VAULT_ID}?api-version=2026-02-01`,
        body: { properties: { networkAcls: { bypass: 'AzureServices' } } },
        diff: ['  defaultAction: Deny', '- bypass: None', '+ bypass: AzureServices'],
      },
    ],
    az: ['az keyvault update --name kv-contoso --bypass AzureServices'],
    requiredRoles: [{ role: 'Key Vault Contributor', scope: 'kv-contoso' }],
    requiredActions: ['Microsoft.KeyVault/vaults/write'],
    disruption: 'none: the vault keeps serving requests',
    ...overrides,
  };
}

export function finding(checkId: string, step: StepId, status: Status, overrides: Partial<Finding> = {}): Finding {
  return {
    checkId,
    step,
    status,
    title: `Title of ${checkId}`,
    cause: `Cause of ${checkId}.`,
    evidence: [`evidence for ${checkId}`],
    docLink: `https://learn.microsoft.com/${checkId.toLowerCase()}`,
    ...overrides,
  };
}

export function facts(overrides: Partial<Facts> = {}): Facts {
  const read = { readAt: '2026-11-22T10:00:00Z' };
  return {
    context: {
      cloud: 'AzureCloud',
      armEndpoint: 'https://management.azure.com',
      kvDnsSuffix: '.vault.azure.net',
      kvPrivateDnsZone: 'privatelink.vaultcore.azure.net',
      subscriptionId: SUB,
      operator: { objectId: 'op-1', publicIp: '203.0.113.7' },
      sandbox: false,
      now: '2026-11-22T10:00:00Z',
    },
    apim: {
      ok: true,
      from: { resourceId: APIM_ID, ...read },
      value: {
        id: APIM_ID,
        name: 'apim-contoso',
        resourceGroup: 'rg',
        location: 'westeurope',
        sku: 'Developer',
        virtualNetworkType: 'None',
        publicIPAddresses: ['198.51.100.10'],
        outboundPublicIPAddresses: [],
        privateIPAddresses: [],
        customProperties: {},
        hostnameConfigurations: [],
        identity: {
          type: 'SystemAssigned, UserAssigned',
          principalId: 'sys-principal',
          tenantId: 't',
          userAssigned: [{ id: UAI_ID, principalId: 'uai-principal', clientId: 'uai-client' }],
        },
      },
    },
    vault: {
      ok: true,
      value: {
        id: VAULT_ID,
        name: 'kv-contoso',
        resourceGroup: 'rg',
        location: 'westeurope',
        tenantId: 't',
        vaultUri: VAULT_URI,
        enableRbacAuthorization: true,
        accessPolicies: [],
        networkAcls: { bypass: 'None', defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [] },
        publicNetworkAccess: 'Enabled',
        privateEndpointConnections: [],
      },
    },
    vaultRoleAssignments: { ok: true, value: [] },
    roleDefinitions: {},
    operatorPermissions: {
      vault: { ok: true, value: [{ actions: ['Microsoft.KeyVault/*'], notActions: [], dataActions: [], notDataActions: [] }] },
      apim: { ok: true, value: [{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }] },
    },
    operatorDataPlane: {
      ok: true,
      value: { status: 'firewall', clientAddress: '203.0.113.7', message: 'Client address is not authorized' },
    },
    apimCertificates: { ok: true, value: [] },
    temporaryChanges: [],
    ...overrides,
  };
}

/** One finding of every status, two failing with fixes (fix-all has something to walk through). */
export function evaluation(overrides: { findings?: Finding[]; facts?: Facts } = {}): Evaluation {
  return {
    facts: overrides.facts ?? facts(),
    steps: STEPS,
    gatherMs: 42,
    journalNotes: [],
    findings: overrides.findings ?? [
      finding('CTX-CLOUD', 'context', 'pass'),
      finding('PRE-APIM', 'prerequisites', 'info'),
      finding('PRE-MI', 'prerequisites', 'pass'),
      finding('ACC-RBAC', 'access', 'fail', {
        fix: plan('ACC-RBAC', {
          title: 'Grant Key Vault Certificate User',
          operations: [
            {
              kind: 'roleAssignment.create',
              scope: VAULT_ID,
              name: 'g1',
              roleDefinitionId: 'r',
              principalId: 'sys-principal',
              principalType: 'ServicePrincipal',
            },
          ],
          requiredActions: ['Microsoft.Authorization/roleAssignments/write'],
        }),
      }),
      finding('ACC-OPERATOR', 'access', 'unknown', { missingAction: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action' }),
      finding('FW-BYPASS', 'firewall', 'fail', { fix: plan('FW-BYPASS', { title: 'Allow trusted Microsoft services' }) }),
      finding('FW-CLIENTIP', 'firewall', 'warn', {
        fix: plan('FW-CLIENTIP', {
          title: 'Add 203.0.113.7/32 to the vault firewall',
          temporary: true,
          operations: [{ kind: 'vault.addIpRule', vaultId: VAULT_ID, value: '203.0.113.7/32', temporary: true }],
        }),
      }),
      finding('VNET-MODE', 'network', 'skipped'),
    ],
  };
}

/** The checklist is on screen (its summary line ends in the evaluation's gather time). */
export const READY = '· 42 ms';
