import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionMatches, permitted } from '../../src/checks/action-match.ts';
import { ipv4Contains, isPrivateIpv4, sameIpRule } from '../../src/checks/ipv4.ts';
import { parseResourceId, vnetOfSubnet } from '../../src/checks/resource-id.ts';
import { builtInRole, roleDefinitionId } from '../../src/checks/roles.ts';
import { STEPS } from '../../src/checks/steps.ts';
import { roleAssignmentName, uuidV5 } from '../../src/checks/uuid.ts';
import { explainStatus } from '../../src/checks/key-vault-status.ts';
import { SUBNET_ID } from './builders.ts';

describe('uuidV5', () => {
  it('matches the RFC test vector (DNS namespace, www.example.com)', () => {
    assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
  it('role assignment names are stable and case-insensitive', () => {
    const a = roleAssignmentName(
      '/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/KV',
      'P',
      'DB79E9A7-68EE-4B58-9AEB-B90E7C24FCBA',
    );
    const b = roleAssignmentName(
      '/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv',
      'p',
      'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba',
    );
    assert.equal(a, b);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(
      a,
      roleAssignmentName(
        '/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv',
        'other',
        'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba',
      ),
    );
  });
});

describe('ARM action matching', () => {
  const table: [string, string, boolean][] = [
    ['*', 'Microsoft.KeyVault/vaults/write', true],
    ['Microsoft.KeyVault/*', 'Microsoft.KeyVault/vaults/write', true],
    ['microsoft.keyvault/vaults/*/read', 'Microsoft.KeyVault/vaults/secrets/read', true],
    ['Microsoft.KeyVault/vaults/secrets/*', 'Microsoft.KeyVault/vaults/secrets/getSecret/action', true],
    ['Microsoft.KeyVault/vaults/certificates/*', 'Microsoft.KeyVault/vaults/secrets/getSecret/action', false],
    ['*/read', 'Microsoft.KeyVault/vaults/write', false],
  ];
  for (const [pattern, action, expected] of table)
    it(`${pattern} ${expected ? 'covers' : 'does not cover'} ${action}`, () => assert.equal(actionMatches(pattern, action), expected));
  it('notActions subtract within one role only', () => {
    const perms = [
      { actions: ['*'], notActions: ['Microsoft.Authorization/*/write'], dataActions: [], notDataActions: [] },
      { actions: ['Microsoft.Authorization/roleAssignments/write'], notActions: [], dataActions: [], notDataActions: [] },
    ];
    assert.equal(permitted(perms, 'Microsoft.Authorization/roleAssignments/write'), true);
    assert.equal(permitted(perms.slice(0, 1), 'Microsoft.Authorization/roleAssignments/write'), false);
    assert.equal(
      permitted(
        [
          {
            actions: [],
            notActions: [],
            dataActions: ['Microsoft.KeyVault/vaults/secrets/*'],
            notDataActions: ['Microsoft.KeyVault/vaults/secrets/getSecret/action'],
          },
        ],
        'Microsoft.KeyVault/vaults/secrets/getSecret/action',
        'data',
      ),
      false,
    );
  });
});

describe('small helpers', () => {
  it('IPv4 ranges', () => {
    assert.equal(ipv4Contains('20.50.0.0/16', '20.50.1.10'), true);
    assert.equal(ipv4Contains('20.50.1.10/32', '20.50.1.11'), false);
    assert.equal(ipv4Contains('AzureKeyVault', '20.50.1.10'), false);
    assert.equal(isPrivateIpv4('10.1.2.3'), true);
    assert.equal(isPrivateIpv4('20.1.2.3'), false);
    assert.equal(sameIpRule('1.2.3.4', '1.2.3.4/32'), true);
  });
  it('resource ids', () => {
    assert.deepEqual(parseResourceId(SUBNET_ID), {
      subscriptionId: '11111111-1111-1111-1111-111111111111',
      resourceGroup: 'rg-app',
      name: 'apim',
      parentName: 'vnet-apim',
    });
    assert.equal(
      vnetOfSubnet(SUBNET_ID),
      '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/vnet-apim',
    );
  });
  it('roles', () => {
    assert.equal(
      builtInRole('/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/4633458B-17DE-408A-B874-0445C86B69E6')?.name,
      'Key Vault Secrets User',
    );
    assert.equal(roleDefinitionId('s', 'g'), '/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/g');
  });
  it('steps in the documents order, each with a Learn link', () => {
    assert.deepEqual(
      STEPS.map((s) => s.id),
      ['context', 'prerequisites', 'access', 'firewall', 'network', 'certificate'],
    );
    for (const s of STEPS) assert.match(s.docLink, /^https:\/\/learn\.microsoft\.com\//);
  });
});

describe('explainStatus maps a failed fetch to its step', () => {
  const table: [string, string, string | undefined][] = [
    ['ForbiddenByFirewall', 'Client address is not authorized and caller is not a trusted service.', 'firewall'],
    ['Forbidden', "The user, group or application does not have secrets get permission on key vault 'kv'.", 'access'],
    ['ForbiddenByRbac', 'Caller is not authorized to perform action on resource.', 'access'],
    ['BadRequest', 'Can not find Managed Identity with provided IdentityClientId', 'prerequisites'],
    ['SecretNotFound', 'A secret with (name/id) gw was not found in this key vault.', 'identifier'],
    ['BadRequest', 'ApiManagement service only accepts KeyVault SecretsType', 'identifier'],
    ['InvalidContentType', 'The secret content type is not supported.', 'certificate'],
    ['Timeout', 'The operation timed out.', 'network'],
    ['Unknown', 'Something odd happened.', undefined],
  ];
  for (const [code, message, area] of table) it(`${code}: ${message}`, () => assert.equal(explainStatus({ code, message })?.area, area));
});
