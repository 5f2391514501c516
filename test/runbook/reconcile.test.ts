// Settling a write of unknown outcome by reading: for each operation kind, the effect is seen when it is
// there, not seen when it is not, and "cannot tell" when the facts do not show it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Operation } from '../../src/checks/types.ts';
import { isDone } from '../../src/checks/operations/index.ts';
import { APIM_ID, baseline, NSG_ID, nsgOf, SUBNET_ID, subnetOf, SYSTEM_PRINCIPAL, TENANT, VAULT_ID, vaultOf } from '../checks/builders.ts';

test('each kind of write is seen in the facts when it was made, and not when it was not', () => {
  const f = baseline();
  vaultOf(f).networkAcls.bypass = 'None';
  subnetOf(f).serviceEndpoints = [];
  const cases: [Operation, () => void][] = [
    [
      { kind: 'vault.addIpRule', vaultId: VAULT_ID, value: '203.0.113.9/32', temporary: true },
      () => vaultOf(f).networkAcls.ipRules.push('203.0.113.9'),
    ],
    [{ kind: 'vault.setBypass', vaultId: VAULT_ID, bypass: 'AzureServices' }, () => (vaultOf(f).networkAcls.bypass = 'AzureServices')],
    [
      { kind: 'vault.addVirtualNetworkRule', vaultId: VAULT_ID, subnetId: `${SUBNET_ID}-2` },
      () => vaultOf(f).networkAcls.virtualNetworkRules.push({ id: `${SUBNET_ID}-2` }),
    ],
    [
      { kind: 'vault.addAccessPolicy', vaultId: VAULT_ID, tenantId: TENANT, objectId: 'op-1', permissions: { secrets: ['list'] } },
      () =>
        vaultOf(f).accessPolicies.push({
          tenantId: TENANT,
          objectId: 'OP-1',
          permissions: { secrets: ['list'], certificates: [], keys: [] },
        }),
    ],
    [
      { kind: 'subnet.addServiceEndpoint', subnetId: SUBNET_ID, service: 'Microsoft.KeyVault' },
      () => subnetOf(f).serviceEndpoints.push({ service: 'Microsoft.KeyVault', locations: ['*'] }),
    ],
    [
      {
        kind: 'nsg.putRule',
        nsgId: NSG_ID,
        ruleName: 'Allow-New',
        rule: {
          priority: 3000,
          direction: 'Outbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: 'VirtualNetwork',
          sourcePortRange: '*',
          destinationAddressPrefix: 'AzureKeyVault',
          destinationPortRange: '443',
        },
      },
      () => nsgOf(f).rules.push({ ...nsgOf(f).rules[0]!, name: 'Allow-New', priority: 3000 }),
    ],
    [
      { kind: 'apim.setCustomProperty', apimId: APIM_ID, key: 'X', value: 'True' },
      () => (f.apim.ok ? (f.apim.value.customProperties.X = 'true') : undefined),
    ],
    [
      {
        kind: 'roleAssignment.create',
        scope: VAULT_ID,
        name: 'ra-new',
        roleDefinitionId: 'r',
        principalId: SYSTEM_PRINCIPAL,
        principalType: 'ServicePrincipal',
      },
      () =>
        f.vaultRoleAssignments.ok
          ? f.vaultRoleAssignments.value.push({
              id: 'x/ra-new',
              name: 'ra-new',
              scope: VAULT_ID,
              roleDefinitionId: 'r',
              principalId: SYSTEM_PRINCIPAL,
            })
          : undefined,
    ],
  ];
  for (const [op, make] of cases) {
    assert.equal(isDone(op, f), false, `${op.kind} before`);
    make();
    assert.equal(isDone(op, f), true, `${op.kind} after`);
  }
  const removal: Operation = { kind: 'vault.removeIpRule', vaultId: VAULT_ID, value: '203.0.113.9/32' };
  assert.equal(isDone(removal, f), false, 'the rule is still there: the removal was not made');
});

test("cannot tell: an unread resource, another resource, a refresh, the operator's own role assignment", () => {
  const f = baseline();
  const ipRule: Operation = { kind: 'vault.addIpRule', vaultId: VAULT_ID, value: '203.0.113.9/32' };
  assert.equal(isDone({ ...ipRule, vaultId: `${VAULT_ID}-other` }, f), undefined);
  f.vault = { ok: false, unknown: 'Forbidden', message: '403' };
  assert.equal(isDone(ipRule, f), undefined);
  assert.equal(isDone({ kind: 'apim.refreshCertificate', apimId: APIM_ID, certificateId: 'c' }, f), undefined);
  assert.equal(
    isDone(
      {
        kind: 'roleAssignment.create',
        scope: VAULT_ID,
        name: 'ra-op',
        roleDefinitionId: 'r',
        principalId: 'the-operator',
        principalType: 'User',
      },
      baseline(),
    ),
    undefined,
  );
});
