import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { azForOperation, previewOperation, shellQuote } from '../../src/checks/operations/index.ts';
import { Secret } from '../../src/checks/secret.ts';
import type { Operation, PreviewRequest } from '../../src/checks/types.ts';
import { APIM_ID, baseline, NSG_ID, SUBNET_ID, SYSTEM_PRINCIPAL, TENANT, UAI_ID, VAULT_ID } from './builders.ts';

const ARM = 'https://management.azure.com';
const ROLE_ID = `/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Authorization/roleDefinitions/db79e9a7-68ee-4b58-9aeb-b90e7c24fcba`;

const table: { op: Operation; preview: PreviewRequest; az: string[] }[] = [
  {
    op: { kind: 'apim.enableSystemIdentity', apimId: APIM_ID },
    preview: {
      method: 'PATCH',
      path: `${APIM_ID}?api-version=2024-05-01`,
      body: { identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAI_ID]: {} } } },
      diff: ['  identity.type: SystemAssigned, UserAssigned', `  userAssignedIdentity: ${UAI_ID}`],
    },
    // The same PATCH as apimkv's (az apim update would drop the user-assigned identity).
    az: [
      `az rest --method patch --url '${ARM}${APIM_ID}?api-version=2024-05-01' --body '${JSON.stringify({ identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAI_ID]: {} } } })}'`,
      `az apim wait --resource-group rg-app --name apim-contoso --updated --interval 10`,
    ],
  },
  {
    op: { kind: 'apim.refreshCertificate', apimId: APIM_ID, certificateId: 'gateway-client' },
    preview: {
      method: 'POST',
      path: `${APIM_ID}/certificates/gateway-client/refreshSecret?api-version=2024-05-01`,
      diff: [
        '  keyVault.secretIdentifier: https://kv-contoso.vault.azure.net/secrets/gateway-client',
        '- keyVault.lastStatus: Success',
        '+ keyVault.lastStatus: (from a fresh read of the secret)',
      ],
    },
    az: [`az rest --method post --url '${ARM}${APIM_ID}/certificates/gateway-client/refreshSecret?api-version=2024-05-01'`],
  },
  {
    op: {
      kind: 'vault.addAccessPolicy',
      vaultId: VAULT_ID,
      tenantId: TENANT,
      objectId: SYSTEM_PRINCIPAL,
      permissions: { secrets: ['get', 'list'], certificates: ['get', 'list'] },
    },
    preview: {
      method: 'PUT',
      path: `${VAULT_ID}/accessPolicies/add?api-version=2026-02-01`,
      body: {
        properties: {
          accessPolicies: [
            { tenantId: TENANT, objectId: SYSTEM_PRINCIPAL, permissions: { secrets: ['get', 'list'], certificates: ['get', 'list'] } },
          ],
        },
      },
      diff: [`+ apim-contoso (system identity ${SYSTEM_PRINCIPAL}): secrets get,list; certificates get,list`],
    },
    // accessPolicies/add merges on the server (az keyvault set-policy would replace the principal's lists).
    az: [
      `az rest --method put --url '${ARM}${VAULT_ID}/accessPolicies/add?api-version=2026-02-01' --body '${JSON.stringify({ properties: { accessPolicies: [{ tenantId: TENANT, objectId: SYSTEM_PRINCIPAL, permissions: { secrets: ['get', 'list'], certificates: ['get', 'list'] } }] } })}'`,
    ],
  },
  {
    op: { kind: 'vault.setBypass', vaultId: VAULT_ID, bypass: 'AzureServices' },
    preview: {
      method: 'PATCH',
      path: `${VAULT_ID}?api-version=2026-02-01`,
      body: {
        properties: {
          networkAcls: {
            bypass: 'AzureServices',
            defaultAction: 'Deny',
            ipRules: [{ value: '203.0.113.0/24' }],
            virtualNetworkRules: [{ id: SUBNET_ID }],
          },
        },
      },
      diff: ['  defaultAction: Deny', '  bypass: AzureServices', '  ipRule: 203.0.113.0/24', `  virtualNetworkRule: ${SUBNET_ID}`],
    },
    az: ['az keyvault update --name kv-contoso --resource-group rg-app --bypass AzureServices'],
  },
  {
    op: { kind: 'vault.addIpRule', vaultId: VAULT_ID, value: '1.2.3.4/32', temporary: true },
    preview: {
      method: 'PATCH',
      path: `${VAULT_ID}?api-version=2026-02-01`,
      body: {
        properties: {
          networkAcls: {
            bypass: 'AzureServices',
            defaultAction: 'Deny',
            ipRules: [{ value: '203.0.113.0/24' }, { value: '1.2.3.4/32' }],
            virtualNetworkRules: [{ id: SUBNET_ID }],
          },
        },
      },
      diff: [
        '  defaultAction: Deny',
        '  bypass: AzureServices',
        '  ipRule: 203.0.113.0/24',
        '+ ipRule: 1.2.3.4/32',
        `  virtualNetworkRule: ${SUBNET_ID}`,
      ],
    },
    az: ['az keyvault network-rule add --name kv-contoso --resource-group rg-app --ip-address 1.2.3.4/32'],
  },
  {
    op: { kind: 'vault.addVirtualNetworkRule', vaultId: VAULT_ID, subnetId: `${SUBNET_ID}2` },
    preview: {
      method: 'PATCH',
      path: `${VAULT_ID}?api-version=2026-02-01`,
      body: {
        properties: {
          networkAcls: {
            bypass: 'AzureServices',
            defaultAction: 'Deny',
            ipRules: [{ value: '203.0.113.0/24' }],
            virtualNetworkRules: [{ id: SUBNET_ID }, { id: `${SUBNET_ID}2` }],
          },
        },
      },
      diff: [
        '  defaultAction: Deny',
        '  bypass: AzureServices',
        '  ipRule: 203.0.113.0/24',
        `  virtualNetworkRule: ${SUBNET_ID}`,
        `+ virtualNetworkRule: ${SUBNET_ID}2`,
      ],
    },
    az: [`az keyvault network-rule add --name kv-contoso --resource-group rg-app --subnet ${SUBNET_ID}2`],
  },
  {
    op: {
      kind: 'roleAssignment.create',
      scope: VAULT_ID,
      name: '5f0c3c8e-0000-5000-8000-000000000000',
      roleDefinitionId: ROLE_ID,
      principalId: SYSTEM_PRINCIPAL,
      principalType: 'ServicePrincipal',
    },
    preview: {
      method: 'PUT',
      path: `${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/5f0c3c8e-0000-5000-8000-000000000000?api-version=2022-04-01`,
      body: { properties: { roleDefinitionId: ROLE_ID, principalId: SYSTEM_PRINCIPAL, principalType: 'ServicePrincipal' } },
      diff: [
        `  Key Vault Certificate User for apim-contoso (system identity ${SYSTEM_PRINCIPAL}) at ${VAULT_ID}`,
        `+ Key Vault Certificate User for apim-contoso (system identity ${SYSTEM_PRINCIPAL}) at ${VAULT_ID}`,
      ],
    },
    az: [
      `az role assignment create --assignee-object-id ${SYSTEM_PRINCIPAL} --assignee-principal-type ServicePrincipal --role 'Key Vault Certificate User' --scope ${VAULT_ID} --name 5f0c3c8e-0000-5000-8000-000000000000`,
    ],
  },
  {
    op: { kind: 'subnet.addServiceEndpoint', subnetId: SUBNET_ID, service: 'Microsoft.KeyVault' },
    preview: {
      method: 'PUT',
      path: `${SUBNET_ID}?api-version=2026-01-01`,
      body: {
        properties: {
          addressPrefixes: ['10.0.1.0/24'],
          networkSecurityGroup: { id: NSG_ID },
          serviceEndpoints: [
            { service: 'Microsoft.Storage', locations: ['westeurope'] },
            { service: 'Microsoft.KeyVault', locations: ['*'] },
          ],
        },
      },
      diff: [
        '  addressPrefix: 10.0.1.0/24',
        `  networkSecurityGroup: ${NSG_ID}`,
        '  serviceEndpoint: Microsoft.Storage',
        '  serviceEndpoint: Microsoft.KeyVault',
      ],
    },
    // --add keeps the other endpoints as they are (--service-endpoints would reset their locations).
    az: [
      `az network vnet subnet update --resource-group rg-app --vnet-name vnet-apim --name apim --add serviceEndpoints '{"service":"Microsoft.KeyVault","locations":["*"]}'`,
    ],
  },
  {
    op: {
      kind: 'nsg.putRule',
      nsgId: NSG_ID,
      ruleName: 'Allow-AzureActiveDirectory-443-Out',
      rule: {
        priority: 190,
        direction: 'Outbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: 'VirtualNetwork',
        sourcePortRange: '*',
        destinationAddressPrefix: 'AzureActiveDirectory',
        destinationPortRange: '443',
      },
    },
    preview: {
      method: 'PUT',
      path: `${NSG_ID}/securityRules/Allow-AzureActiveDirectory-443-Out?api-version=2026-01-01`,
      body: {
        properties: {
          priority: 190,
          direction: 'Outbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: 'VirtualNetwork',
          sourcePortRange: '*',
          destinationAddressPrefix: 'AzureActiveDirectory',
          destinationPortRange: '443',
        },
      },
      diff: [
        '  200 Allow Tcp VirtualNetwork -> AzureKeyVault:443 (Allow-AzureKeyVault)',
        '  210 Allow Tcp VirtualNetwork -> AzureActiveDirectory:443 (Allow-Entra)',
        '  4000 Deny * * -> Internet:* (Deny-Internet)',
        '+ 190 Allow Tcp VirtualNetwork -> AzureActiveDirectory:443 (Allow-AzureActiveDirectory-443-Out)',
      ],
    },
    az: [
      "az network nsg rule create --resource-group rg-app --nsg-name nsg-apim --name Allow-AzureActiveDirectory-443-Out --priority 190 --direction Outbound --access Allow --protocol Tcp --source-address-prefixes VirtualNetwork --source-port-ranges '*' --destination-address-prefixes AzureActiveDirectory --destination-port-ranges 443",
    ],
  },
  {
    op: { kind: 'vault.recover', vaultId: VAULT_ID, location: 'westeurope' },
    preview: {
      method: 'PUT',
      path: `${VAULT_ID}?api-version=2026-02-01`,
      body: { location: 'westeurope', properties: { tenantId: TENANT, sku: { family: 'A', name: 'standard' }, createMode: 'recover' } },
      diff: [
        '+ vault: kv-contoso (recovered from soft-delete with its secrets, certificates, access policies and network rules; not its role assignments)',
      ],
    },
    az: ['az keyvault recover --name kv-contoso --location westeurope --resource-group rg-app'],
  },
];

describe('preview and az per operation kind', () => {
  for (const { op, preview, az } of table) {
    it(op.kind, () => {
      assert.deepEqual(previewOperation(op, baseline()), preview);
      assert.deepEqual(azForOperation(op, baseline()), az);
    });
  }

  it('apim.uploadCertificate never shows the secrets', () => {
    const op: Operation = {
      kind: 'apim.uploadCertificate',
      apimId: APIM_ID,
      certificateId: 'c',
      pfx: new Secret('QUJD', 'pfx'),
      password: new Secret('hunter2-Pa55', 'pw'),
      ifMatch: '*',
    };
    const text = JSON.stringify([previewOperation(op, baseline()), azForOperation(op, baseline())]);
    assert.equal(text.includes('hunter2-Pa55') || text.includes('QUJD'), false);
    // Neither the password nor the .pfx is ever an argument: az rest reads the body from a private file.
    const lines = azForOperation(op, baseline());
    assert.match(lines[0]!, /^body=\$\(mktemp\) && chmod 600 "\$body" && python3 -c '.*os\.environ\["PFX_PASSWORD"\].*' > "\$body"$/);
    assert.equal(
      lines[1],
      `az rest --method put --url '${ARM}${APIM_ID}/certificates/c?api-version=2024-05-01' --headers 'If-Match=*' --body @"$body"; rm -f "$body"`,
    );
  });

  it('apim.setCustomProperty sends the whole map with az rest', () => {
    const op: Operation = { kind: 'apim.setCustomProperty', apimId: APIM_ID, key: 'K', value: 'True' };
    assert.deepEqual(azForOperation(op, baseline()), [
      `az rest --method patch --url '${ARM}${APIM_ID}?api-version=2024-05-01' --body '{"properties":{"customProperties":{"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10":"False","K":"True"}}}'`,
      `az apim wait --resource-group rg-app --name apim-contoso --updated --interval 10`,
    ]);
  });

  it('vault.removeIpRule treats 1.2.3.4 and 1.2.3.4/32 as the same rule', () => {
    const facts = baseline();
    if (facts.vault.ok) facts.vault.value.networkAcls.ipRules.push('1.2.3.4');
    const p = previewOperation({ kind: 'vault.removeIpRule', vaultId: VAULT_ID, value: '1.2.3.4/32' }, facts);
    assert.deepEqual(p.diff, [
      '  defaultAction: Deny',
      '  bypass: AzureServices',
      '  ipRule: 203.0.113.0/24',
      '- ipRule: 1.2.3.4',
      `  virtualNetworkRule: ${SUBNET_ID}`,
    ]);
  });

  it('shell quoting', () => {
    assert.equal(shellQuote('plain-1.2/3'), 'plain-1.2/3');
    assert.equal(shellQuote('Key Vault Certificate User'), "'Key Vault Certificate User'");
    assert.equal(shellQuote(`it's "quoted" $x`), `'it'\\''s "quoted" $x'`);
  });
});

describe('previews of changes that add something', () => {
  it('a service endpoint added to a subnet without one keeps the others', () => {
    const facts = baseline();
    if (facts.subnet?.ok) facts.subnet.value.serviceEndpoints = [{ service: 'Microsoft.Storage', locations: ['westeurope'] }];
    const p = previewOperation({ kind: 'subnet.addServiceEndpoint', subnetId: SUBNET_ID, service: 'Microsoft.KeyVault' }, facts);
    assert.deepEqual(p.diff.slice(-2), ['  serviceEndpoint: Microsoft.Storage', '+ serviceEndpoint: Microsoft.KeyVault']);
  });
  it('enabling the system identity on a user-assigned-only instance', () => {
    const facts = baseline();
    if (facts.apim.ok) facts.apim.value.identity.type = 'UserAssigned';
    assert.deepEqual(previewOperation({ kind: 'apim.enableSystemIdentity', apimId: APIM_ID }, facts).diff, [
      '- identity.type: UserAssigned',
      '+ identity.type: SystemAssigned, UserAssigned',
      `  userAssignedIdentity: ${UAI_ID}`,
    ]);
  });
});
