// A healthy baseline of Facts (APIM Developer in an External VNet, RBAC vault behind its firewall with the
// trusted-services exception and a VNet rule, every grant in place) and small helpers to break one thing.
import type { ApimFacts, Facts, NsgFacts, NsgRuleFacts, SubnetFacts, VaultFacts } from '../../src/checks/facts.ts';
import type { Finding, Operation } from '../../src/checks/types.ts';

export const SUB = '11111111-1111-1111-1111-111111111111';
export const TENANT = '22222222-2222-2222-2222-222222222222';
export const RG = `/subscriptions/${SUB}/resourceGroups/rg-app`;
export const APIM_ID = `${RG}/providers/Microsoft.ApiManagement/service/apim-contoso`;
export const VAULT_ID = `${RG}/providers/Microsoft.KeyVault/vaults/kv-contoso`;
export const VNET_ID = `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-apim`;
export const SUBNET_ID = `${VNET_ID}/subnets/apim`;
export const NSG_ID = `${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-apim`;
export const UAI_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-certs`;
export const SYSTEM_PRINCIPAL = 'aaaaaaaa-0000-0000-0000-000000000001';
export const UAI_PRINCIPAL = 'bbbbbbbb-0000-0000-0000-000000000002';
export const UAI_CLIENT = 'cccccccc-0000-0000-0000-000000000003';
export const OPERATOR = 'dddddddd-0000-0000-0000-000000000004';
export const CERT_USER_GUID = 'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba';
export const NOW = '2026-11-22T10:00:00Z';
export const SECRET_ID = 'https://kv-contoso.vault.azure.net/secrets/backend-client';
export const VERSION = '0123456789abcdef0123456789abcdef';

const read = { readAt: NOW };

export function rule(partial: Partial<NsgRuleFacts> & Pick<NsgRuleFacts, 'name' | 'priority'>): NsgRuleFacts {
  return {
    direction: 'Outbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourceAddressPrefixes: ['VirtualNetwork'],
    destinationAddressPrefixes: ['*'],
    destinationPortRanges: ['443'],
    isDefault: false,
    ...partial,
  };
}

export function baseline(): Facts {
  const apim: ApimFacts = {
    id: APIM_ID,
    name: 'apim-contoso',
    resourceGroup: 'rg-app',
    location: 'westeurope',
    sku: 'Developer',
    capacity: 1,
    provisioningState: 'Succeeded',
    platformVersion: 'stv2',
    createdAtUtc: '2024-03-01T00:00:00Z',
    virtualNetworkType: 'External',
    subnetId: SUBNET_ID,
    publicIPAddresses: ['20.50.1.10'],
    outboundPublicIPAddresses: [],
    privateIPAddresses: [],
    customProperties: { 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': 'False' },
    hostnameConfigurations: [],
    identity: {
      type: 'SystemAssigned, UserAssigned',
      principalId: SYSTEM_PRINCIPAL,
      tenantId: TENANT,
      userAssigned: [{ id: UAI_ID, principalId: UAI_PRINCIPAL, clientId: UAI_CLIENT }],
    },
    etag: '"apim-etag"',
  };
  const vault: VaultFacts = {
    id: VAULT_ID,
    name: 'kv-contoso',
    resourceGroup: 'rg-app',
    location: 'westeurope',
    tenantId: TENANT,
    vaultUri: 'https://kv-contoso.vault.azure.net/',
    enableRbacAuthorization: true,
    accessPolicies: [],
    networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: ['203.0.113.0/24'], virtualNetworkRules: [{ id: SUBNET_ID }] },
    publicNetworkAccess: 'Enabled',
    privateEndpointConnections: [],
    enableSoftDelete: true,
    enablePurgeProtection: true,
  };
  const subnet: SubnetFacts = {
    id: SUBNET_ID,
    name: 'apim',
    addressPrefixes: ['10.0.1.0/24'],
    serviceEndpoints: [
      { service: 'Microsoft.Storage', locations: ['westeurope'], provisioningState: 'Succeeded' },
      { service: 'Microsoft.KeyVault', locations: ['*'], provisioningState: 'Succeeded' },
    ],
    nsgId: NSG_ID,
    delegations: [],
  };
  const nsg: NsgFacts = {
    id: NSG_ID,
    name: 'nsg-apim',
    location: 'westeurope',
    rules: [
      rule({ name: 'Allow-AzureKeyVault', priority: 200, destinationAddressPrefixes: ['AzureKeyVault'] }),
      rule({ name: 'Allow-Entra', priority: 210, destinationAddressPrefixes: ['AzureActiveDirectory'] }),
      rule({
        name: 'Deny-Internet',
        priority: 4000,
        access: 'Deny',
        protocol: '*',
        sourceAddressPrefixes: ['*'],
        destinationAddressPrefixes: ['Internet'],
        destinationPortRanges: ['*'],
      }),
    ],
  };
  return {
    context: {
      cloud: 'AzureCloud',
      armEndpoint: 'https://management.azure.com',
      kvDnsSuffix: '.vault.azure.net',
      kvPrivateDnsZone: 'privatelink.vaultcore.azure.net',
      subscriptionId: SUB,
      tenantId: TENANT,
      operator: { objectId: OPERATOR, displayName: 'sre@contoso.com', publicIp: '198.51.100.7' },
      sandbox: false,
      now: NOW,
    },
    apim: { ok: true, value: apim, from: { resourceId: APIM_ID, apiVersion: '2024-05-01', ...read } },
    vault: { ok: true, value: vault, from: { resourceId: VAULT_ID, apiVersion: '2026-02-01', ...read } },
    vaultRoleAssignments: {
      ok: true,
      value: [
        {
          id: `${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/ra-1`,
          name: 'ra-1',
          scope: VAULT_ID,
          roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${CERT_USER_GUID}`,
          principalId: SYSTEM_PRINCIPAL,
          principalType: 'ServicePrincipal',
        },
      ],
    },
    roleDefinitions: {
      [CERT_USER_GUID]: {
        id: `/providers/Microsoft.Authorization/roleDefinitions/${CERT_USER_GUID}`,
        roleName: 'Key Vault Certificate User',
        actions: [],
        notActions: [],
        dataActions: [
          'Microsoft.KeyVault/vaults/certificates/read',
          'Microsoft.KeyVault/vaults/secrets/getSecret/action',
          'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
        ],
        notDataActions: [],
      },
    },
    operatorPermissions: {
      vault: {
        ok: true,
        value: [
          { actions: ['*'], notActions: [], dataActions: ['Microsoft.KeyVault/vaults/secrets/readMetadata/action'], notDataActions: [] },
        ],
      },
      apim: { ok: true, value: [{ actions: ['Microsoft.ApiManagement/service/*'], notActions: [], dataActions: [], notDataActions: [] }] },
      subnet: { ok: true, value: [{ actions: ['Microsoft.Network/*'], notActions: [], dataActions: [], notDataActions: [] }] },
      nsg: { ok: true, value: [{ actions: ['Microsoft.Network/*'], notActions: [], dataActions: [], notDataActions: [] }] },
    },
    operatorDataPlane: { ok: true, value: { status: 'ok', canListSecrets: true, canListCertificates: true } },
    subnet: { ok: true, value: subnet },
    nsg: { ok: true, value: nsg },
    privateEndpoints: { ok: true, value: [] },
    apimCertificates: {
      ok: true,
      value: [
        {
          id: `${APIM_ID}/certificates/gateway-client`,
          name: 'gateway-client',
          subject: 'CN=gateway-client',
          thumbprint: 'A1B2C3',
          expirationDate: '2027-06-01T00:00:00Z',
          keyVault: {
            secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/gateway-client',
            lastStatus: { code: 'Success', message: '', timeStampUtc: '2026-11-22T09:00:00Z' },
          },
          etag: '"cert-etag"',
        },
      ],
    },
    namedValues: { ok: true, value: [] },
    referencedSecrets: {
      'https://kv-contoso.vault.azure.net/secrets/gateway-client': {
        ok: true,
        value: {
          secretId: 'https://kv-contoso.vault.azure.net/secrets/gateway-client',
          name: 'gateway-client',
          versions: [
            {
              version: 'c0ffee00c0ffee00c0ffee00c0ffee00',
              enabled: true,
              created: '2026-06-01T00:00:00Z',
              expiresOn: '2027-06-01T00:00:00Z',
              contentType: 'application/x-pkcs12',
            },
          ],
        },
      },
    },
    temporaryChanges: [],
  };
}

export function apimOf(facts: Facts): ApimFacts {
  if (!facts.apim.ok) throw new Error('apim not ok');
  return facts.apim.value;
}

export function vaultOf(facts: Facts): VaultFacts {
  if (!facts.vault.ok) throw new Error('vault not ok');
  return facts.vault.value;
}

export function subnetOf(facts: Facts): SubnetFacts {
  if (!facts.subnet?.ok) throw new Error('subnet not ok');
  return facts.subnet.value;
}

export function nsgOf(facts: Facts): NsgFacts {
  if (!facts.nsg?.ok) throw new Error('nsg not ok');
  return facts.nsg.value;
}

/** Baseline APIM outside any VNet (public IP rule gives the line of sight). */
export function noVnet(facts: Facts = baseline()): Facts {
  const apim = apimOf(facts);
  apim.virtualNetworkType = 'None';
  delete apim.subnetId;
  delete facts.subnet;
  delete facts.nsg;
  vaultOf(facts).networkAcls.virtualNetworkRules = [];
  vaultOf(facts).networkAcls.ipRules = ['20.50.1.10/32'];
  return facts;
}

export const forbidden = (missingAction: string) => ({
  ok: false as const,
  unknown: 'Forbidden' as const,
  message: `The client does not have authorization to perform action '${missingAction}'.`,
  missingAction,
});

/** The finding for one check id (fails the test when absent). */
export function find(findings: Finding[], checkId: string): Finding {
  const f = findings.find((x) => x.checkId === checkId);
  if (!f) throw new Error(`no finding ${checkId}`);
  return f;
}

/** Operation kinds of a finding's fix, for compact assertions. */
export function opKinds(f: Finding): string[] {
  return f.fix?.operations.map((o: Operation) => o.kind) ?? [];
}
