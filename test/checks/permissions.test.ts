import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePlan } from '../../src/checks/plan.ts';
import { fixPermission } from '../../src/checks/permissions.ts';
import { baseline, forbidden, SUBNET_ID, VAULT_ID } from './builders.ts';

const bypassPlan = (facts = baseline()) =>
  makePlan('FW-BYPASS', facts, { title: 't', operations: [{ kind: 'vault.setBypass', vaultId: VAULT_ID, bypass: 'AzureServices' }] });

describe('fixPermission', () => {
  it('allows with a wildcard grant', () => assert.deepEqual(fixPermission(bypassPlan(), baseline()), { allowed: true }));
  it('refuses with the missing action and the least-privileged role', () => {
    const facts = baseline();
    facts.operatorPermissions.vault = { ok: true, value: [{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }] };
    assert.deepEqual(fixPermission(bypassPlan(facts), facts), {
      allowed: false,
      missing: ['Microsoft.KeyVault/vaults/write'],
      needs: `Key Vault Contributor on ${VAULT_ID}`,
    });
  });
  it('notActions remove a wildcard grant', () => {
    const facts = baseline();
    facts.operatorPermissions.vault = {
      ok: true,
      value: [{ actions: ['Microsoft.KeyVault/*'], notActions: ['Microsoft.KeyVault/vaults/write'], dataActions: [], notDataActions: [] }],
    };
    assert.equal(fixPermission(bypassPlan(facts), facts).allowed, false);
  });
  it('is unknown when the permissions could not be read', () => {
    const facts = baseline();
    facts.operatorPermissions.vault = forbidden('Microsoft.Authorization/permissions/read');
    assert.deepEqual(fixPermission(bypassPlan(facts), facts), {
      allowed: 'unknown',
      reason:
        "your permissions on the key vault could not be read (The client does not have authorization to perform action 'Microsoft.Authorization/permissions/read'.)",
    });
  });
  it('checks every resource a multi-resource plan touches', () => {
    const facts = baseline();
    const plan = makePlan('VNET-SE', facts, {
      title: 't',
      operations: [
        { kind: 'subnet.addServiceEndpoint', subnetId: SUBNET_ID, service: 'Microsoft.KeyVault' },
        { kind: 'vault.addVirtualNetworkRule', vaultId: VAULT_ID, subnetId: SUBNET_ID },
      ],
    });
    assert.deepEqual(
      plan.requiredRoles.map((r) => r.role),
      ['Network Contributor', 'Key Vault Contributor'],
    );
    facts.operatorPermissions.subnet = {
      ok: true,
      value: [{ actions: ['Microsoft.Network/virtualNetworks/subnets/write'], notActions: [], dataActions: [], notDataActions: [] }],
    };
    const r = fixPermission(plan, facts);
    assert.equal(r.allowed === false && r.missing.join(), 'Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action');
    delete facts.operatorPermissions.subnet;
    assert.deepEqual(fixPermission(plan, facts), { allowed: 'unknown', reason: 'your permissions on the subnet were not read' });
  });
  it('role assignments need roleAssignments/write on the vault scope', () => {
    const facts = baseline();
    const plan = makePlan('ACC-RBAC', facts, {
      title: 't',
      operations: [
        {
          kind: 'roleAssignment.create',
          scope: VAULT_ID,
          name: 'n',
          roleDefinitionId: 'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba',
          principalId: 'p',
          principalType: 'ServicePrincipal',
        },
      ],
    });
    assert.deepEqual(plan.requiredActions, ['Microsoft.Authorization/roleAssignments/write']);
    facts.operatorPermissions.vault = {
      ok: true,
      value: [{ actions: ['Microsoft.KeyVault/*'], notActions: [], dataActions: [], notDataActions: [] }],
    };
    assert.deepEqual(fixPermission(plan, facts), {
      allowed: false,
      missing: ['Microsoft.Authorization/roleAssignments/write'],
      needs: `Role Based Access Control Administrator on ${VAULT_ID}`,
    });
  });
});
