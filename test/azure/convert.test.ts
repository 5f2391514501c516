import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apimCertificateFromSdk,
  apimFromSdk,
  nsgFromSdk,
  nsgRuleFromSdk,
  privateEndpointFromSdk,
  resourceGroupOf,
  roleAssignmentFromSdk,
  roleDefinitionFromSdk,
  roleDefinitionGuid,
  subnetFromSdk,
  vaultCertificateFromSdk,
  vaultFromSdk,
} from '../../src/azure/convert.ts';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000001';
const APIM_ID = `${SUB}/resourceGroups/rg-apim/providers/Microsoft.ApiManagement/service/apim1`;
const VAULT_ID = `${SUB}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv1`;
const SUBNET_ID = `${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim`;
const UAI_ID = `${SUB}/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai1`;

test('apimFromSdk reads the flattened classic model', () => {
  const facts = apimFromSdk({
    id: APIM_ID,
    name: 'apim1',
    location: 'westeurope',
    sku: { name: 'Developer', capacity: 1 },
    publisherEmail: 'a@b.c',
    publisherName: 'c',
    provisioningState: 'Succeeded',
    virtualNetworkType: 'External',
    virtualNetworkConfiguration: { subnetResourceId: SUBNET_ID },
    publicIPAddresses: ['20.1.2.3'],
    customProperties: { 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': 'False' },
    hostnameConfigurations: [
      {
        type: 'Proxy',
        hostName: 'api.contoso.com',
        keyVaultId: 'https://kv1.vault.azure.net/secrets/gw',
        certificateSource: 'KeyVault',
        certificateStatus: 'Completed',
        certificate: { expiry: new Date('2027-01-01T00:00:00Z'), thumbprint: 'AB', subject: 'CN=api' },
      },
    ],
    identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAI_ID]: { principalId: 'p-uai', clientId: 'c-uai' } } },
    systemData: { createdAt: new Date('2025-06-01T10:00:00Z') },
    etag: 'AAAA',
  } as never);
  assert.deepEqual(facts, {
    id: APIM_ID,
    name: 'apim1',
    resourceGroup: 'rg-apim',
    location: 'westeurope',
    sku: 'Developer',
    capacity: 1,
    provisioningState: 'Succeeded',
    platformVersion: undefined,
    createdAtUtc: '2025-06-01T10:00:00.000Z',
    virtualNetworkType: 'External',
    subnetId: SUBNET_ID,
    publicIPAddresses: ['20.1.2.3'],
    outboundPublicIPAddresses: [],
    privateIPAddresses: [],
    publicNetworkAccess: undefined,
    customProperties: { 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': 'False' },
    hostnameConfigurations: [
      {
        type: 'Proxy',
        hostName: 'api.contoso.com',
        keyVaultId: 'https://kv1.vault.azure.net/secrets/gw',
        identityClientId: undefined,
        certificateSource: 'KeyVault',
        certificateStatus: 'Completed',
        expiry: '2027-01-01T00:00:00.000Z',
      },
    ],
    identity: {
      type: 'SystemAssigned, UserAssigned',
      principalId: undefined,
      tenantId: undefined,
      userAssigned: [{ id: UAI_ID, principalId: 'p-uai', clientId: 'c-uai' }],
    },
    etag: 'AAAA',
  });
});

test('apimFromSdk: no identity and no VNet give None', () => {
  const f = apimFromSdk({
    id: APIM_ID,
    sku: { name: 'Consumption', capacity: 0 },
    location: 'x',
    publisherEmail: 'a',
    publisherName: 'b',
  } as never);
  assert.deepEqual(
    [f.identity, f.virtualNetworkType, f.subnetId, f.name],
    [{ type: 'None', principalId: undefined, tenantId: undefined, userAssigned: [] }, 'None', undefined, 'apim1'],
  );
});

test('vaultFromSdk reads the modular model (properties kept) and fills ARM defaults', () => {
  const f = vaultFromSdk({
    id: VAULT_ID,
    name: 'kv1',
    location: 'westeurope',
    properties: {
      tenantId: 't1',
      sku: { family: 'A', name: 'standard' },
      vaultUri: 'https://kv1.vault.azure.net/',
      enableRbacAuthorization: true,
      accessPolicies: [{ tenantId: 't1', objectId: 'o1', permissions: { secrets: ['get', 'list'] } }],
      networkAcls: {
        defaultAction: 'Deny',
        ipRules: [{ value: '198.51.100.0/24' }],
        virtualNetworkRules: [{ id: SUBNET_ID, ignoreMissingVnetServiceEndpoint: false }],
      },
      privateEndpointConnections: [
        {
          id: `${VAULT_ID}/privateEndpointConnections/pe1`,
          privateEndpoint: { id: `${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe1` },
          privateLinkServiceConnectionState: { status: 'Approved' },
        },
      ],
      enableSoftDelete: true,
    },
  } as never);
  assert.deepEqual(f, {
    id: VAULT_ID,
    name: 'kv1',
    resourceGroup: 'rg-kv',
    location: 'westeurope',
    tenantId: 't1',
    vaultUri: 'https://kv1.vault.azure.net/',
    enableRbacAuthorization: true,
    accessPolicies: [
      { tenantId: 't1', objectId: 'o1', applicationId: undefined, permissions: { secrets: ['get', 'list'], certificates: [], keys: [] } },
    ],
    networkAcls: {
      bypass: 'AzureServices',
      defaultAction: 'Deny',
      ipRules: ['198.51.100.0/24'],
      virtualNetworkRules: [{ id: SUBNET_ID, ignoreMissingVnetServiceEndpoint: false }],
    },
    publicNetworkAccess: 'Enabled',
    privateEndpointConnections: [
      {
        id: `${VAULT_ID}/privateEndpointConnections/pe1`,
        privateEndpointId: `${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe1`,
        status: 'Approved',
      },
    ],
    enableSoftDelete: true,
    enablePurgeProtection: undefined,
    etag: undefined,
  });
});

test('vaultFromSdk: an absent enableRbacAuthorization is the access-policy model; absent ACLs allow all', () => {
  const f = vaultFromSdk({ id: VAULT_ID, properties: { tenantId: 't', sku: { family: 'A', name: 'standard' } } } as never);
  assert.equal(f.enableRbacAuthorization, false);
  assert.deepEqual(f.networkAcls, { bypass: 'AzureServices', defaultAction: 'Allow', ipRules: [], virtualNetworkRules: [] });
});

test('NSG rules: singular and plural fields merged, default rules flagged, sorted by direction and priority', () => {
  const nsg = nsgFromSdk({
    id: `${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg1`,
    name: 'nsg1',
    location: 'westeurope',
    securityRules: [
      {
        name: 'deny-internet',
        priority: 4000,
        direction: 'Outbound',
        access: 'Deny',
        protocol: '*',
        sourceAddressPrefix: '*',
        destinationAddressPrefix: 'Internet',
        destinationPortRange: '443',
      },
      {
        name: 'multi',
        priority: 300,
        direction: 'Outbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: 'VirtualNetwork',
        destinationAddressPrefix: '',
        destinationAddressPrefixes: ['Storage', 'Sql'],
        destinationPortRange: '',
        destinationPortRanges: ['443', '1433'],
      },
      {
        name: 'mgmt',
        priority: 100,
        direction: 'Inbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: 'ApiManagement',
        destinationAddressPrefix: 'VirtualNetwork',
        destinationPortRange: '3443',
      },
    ],
    defaultSecurityRules: [
      {
        name: 'DenyAllOutBound',
        priority: 65500,
        direction: 'Outbound',
        access: 'Deny',
        protocol: '*',
        sourceAddressPrefix: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '*',
      },
    ],
  } as never);
  assert.deepEqual(
    nsg.rules.map((r) => [r.name, r.direction, r.priority, r.isDefault]),
    [
      ['mgmt', 'Inbound', 100, false],
      ['multi', 'Outbound', 300, false],
      ['deny-internet', 'Outbound', 4000, false],
      ['DenyAllOutBound', 'Outbound', 65500, true],
    ],
  );
  assert.deepEqual(nsg.rules[1], {
    name: 'multi',
    priority: 300,
    direction: 'Outbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourceAddressPrefixes: ['VirtualNetwork'],
    destinationAddressPrefixes: ['Storage', 'Sql'],
    destinationPortRanges: ['443', '1433'],
    isDefault: false,
  });
  assert.deepEqual(nsgRuleFromSdk({ name: 'x' }, true), {
    name: 'x',
    priority: 0,
    direction: 'Outbound',
    access: 'Deny',
    protocol: '*',
    sourceAddressPrefixes: [],
    destinationAddressPrefixes: [],
    destinationPortRanges: [],
    isDefault: true,
  });
});

test('subnetFromSdk keeps endpoints, NSG, route table and delegations', () => {
  assert.deepEqual(
    subnetFromSdk({
      id: SUBNET_ID,
      name: 'apim',
      addressPrefix: '10.0.1.0/24',
      serviceEndpoints: [{ service: 'Microsoft.Storage', locations: ['westeurope'], provisioningState: 'Succeeded' }],
      networkSecurityGroup: { id: 'nsg-id' },
      routeTable: { id: 'rt-id' },
      delegations: [{ name: 'd', serviceName: 'Microsoft.Web/serverFarms' }],
      etag: 'W/"1"',
    } as never),
    {
      id: SUBNET_ID,
      name: 'apim',
      addressPrefixes: ['10.0.1.0/24'],
      serviceEndpoints: [{ service: 'Microsoft.Storage', locations: ['westeurope'], provisioningState: 'Succeeded' }],
      nsgId: 'nsg-id',
      routeTableId: 'rt-id',
      delegations: ['Microsoft.Web/serverFarms'],
      etag: 'W/"1"',
    },
  );
});

test('role assignments and definitions', () => {
  assert.deepEqual(
    roleAssignmentFromSdk({
      id: `${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/ra1`,
      name: 'ra1',
      scope: VAULT_ID,
      roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/DB79E9A7-68EE-4B58-9AEB-B90E7C24FCBA`,
      principalId: 'p',
      principalType: 'ServicePrincipal',
    }),
    {
      id: `${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/ra1`,
      name: 'ra1',
      scope: VAULT_ID,
      roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/DB79E9A7-68EE-4B58-9AEB-B90E7C24FCBA`,
      principalId: 'p',
      principalType: 'ServicePrincipal',
    },
  );
  assert.equal(
    roleDefinitionGuid(`${SUB}/providers/Microsoft.Authorization/roleDefinitions/DB79E9A7-68EE-4B58-9AEB-B90E7C24FCBA`),
    'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba',
  );
  assert.deepEqual(
    roleDefinitionFromSdk({
      id: 'rd',
      roleName: 'Key Vault Certificate User',
      permissions: [
        { dataActions: ['Microsoft.KeyVault/vaults/certificates/read', 'Microsoft.KeyVault/vaults/secrets/getSecret/action'] },
        { actions: ['a'], notDataActions: ['n'] },
      ],
    }),
    {
      id: 'rd',
      roleName: 'Key Vault Certificate User',
      actions: ['a'],
      notActions: [],
      dataActions: ['Microsoft.KeyVault/vaults/certificates/read', 'Microsoft.KeyVault/vaults/secrets/getSecret/action'],
      notDataActions: ['n'],
    },
  );
});

test('private endpoints collect zone ids from every group', () => {
  assert.deepEqual(
    privateEndpointFromSdk({ id: 'pe1', subnet: { id: SUBNET_ID } } as never, 'Approved', [
      { privateDnsZoneConfigs: [{ privateDnsZoneId: 'zone-a' }, { privateDnsZoneId: 'zone-a' }] },
      { privateDnsZoneConfigs: [{ privateDnsZoneId: 'zone-b' }] },
    ]),
    { id: 'pe1', subnetId: SUBNET_ID, connectionStatus: 'Approved', privateDnsZoneIds: ['zone-a', 'zone-b'] },
  );
});

test('APIM certificate with Key Vault status and ETag', () => {
  assert.deepEqual(
    apimCertificateFromSdk({
      id: `${APIM_ID}/certificates/backend-client`,
      name: 'backend-client',
      subject: 'CN=backend',
      thumbprint: 'ABC',
      expirationDate: new Date('2027-01-01T07:00:00Z'),
      keyVault: {
        secretIdentifier: 'https://kv1.vault.azure.net/secrets/backend-client/v1',
        identityClientId: '',
        lastStatus: { code: 'Forbidden', message: 'denied', timeStampUtc: new Date('2026-11-22T00:24:53Z') },
      },
      eTag: '"e1"',
    } as never),
    {
      id: `${APIM_ID}/certificates/backend-client`,
      name: 'backend-client',
      subject: 'CN=backend',
      thumbprint: 'ABC',
      expirationDate: '2027-01-01T07:00:00.000Z',
      keyVault: {
        secretIdentifier: 'https://kv1.vault.azure.net/secrets/backend-client/v1',
        identityClientId: undefined,
        lastStatus: { code: 'Forbidden', message: 'denied', timeStampUtc: '2026-11-22T00:24:53.000Z' },
      },
      etag: '"e1"',
    },
  );
});

test('vault certificates get a versionless /secrets/ identifier on the canonical host', () => {
  assert.deepEqual(
    vaultCertificateFromSdk(
      {
        id: 'https://kv1.vault.localhost/certificates/contoso-api-client/abc',
        name: 'contoso-api-client',
        enabled: true,
        expiresOn: new Date('2027-05-01T00:00:00Z'),
      } as never,
      'application/x-pkcs12',
    ),
    {
      name: 'contoso-api-client',
      secretId: 'https://kv1.vault.localhost/secrets/contoso-api-client',
      enabled: true,
      expiresOn: '2027-05-01T00:00:00.000Z',
      contentType: 'application/x-pkcs12',
    },
  );
  assert.equal(resourceGroupOf('/subscriptions/s/providers/Microsoft.KeyVault/vaults/kv'), '');
});
