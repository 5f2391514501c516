import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCloud, checkWhoAmI } from '../../src/checks/context.ts';
import {
  checkApim,
  checkIdentityPick,
  checkManagedIdentity,
  checkTenant,
  checkVault,
  checkWorkspaces,
} from '../../src/checks/prerequisites.ts';
import { runChecks } from '../../src/checks/index.ts';
import { terminalText } from '../../src/checks/escape.ts';
import type { ApimWorkspaceFacts } from '../../src/checks/facts.ts';
import {
  APIM_ID,
  apimOf,
  baseline,
  forbidden,
  SYSTEM_PRINCIPAL,
  TENANT,
  UAI_CLIENT,
  UAI_ID,
  UAI_PRINCIPAL,
  VAULT_ID,
  vaultOf,
} from './builders.ts';

describe('CTX-CLOUD', () => {
  it('passes when the vault is in the run cloud', () => assert.equal(checkCloud(baseline()).status, 'pass'));
  it('fails for a vault in another cloud', () => {
    const f = baseline();
    vaultOf(f).vaultUri = 'https://kv-contoso.vault.azure.cn/';
    const r = checkCloud(f);
    assert.equal(r.status, 'fail');
    assert.equal(
      r.cause,
      "The vault's address kv-contoso.vault.azure.cn does not end in .vault.azure.net, the Key Vault suffix of AzureCloud: API Management in this cloud cannot use a vault from another cloud. Run against the vault's cloud (az cloud set) or use a vault in AzureCloud.",
    );
  });
  it('accepts the sandbox vault host with its port', () => {
    const f = baseline();
    f.context.kvDnsSuffix = '.vault.localhost';
    vaultOf(f).vaultUri = 'https://kv-contoso.vault.localhost:8443/';
    assert.equal(checkCloud(f).status, 'pass');
  });
  it('is unknown when the vault could not be read', () => {
    const f = baseline();
    f.vault = forbidden('Microsoft.KeyVault/vaults/read');
    const r = checkCloud(f);
    assert.deepEqual([r.status, r.missingAction], ['unknown', 'Microsoft.KeyVault/vaults/read']);
    assert.equal(
      r.cause,
      "Could not check: the key vault could not be read (you are not allowed to read it: The client does not have authorization to perform action 'Microsoft.KeyVault/vaults/read'.).",
    );
  });
});

describe('CTX-WHOAMI', () => {
  it('passes with the operator named', () => assert.equal(checkWhoAmI(baseline()).cause, 'Signed in as sre@contoso.com.'));
  it('names the operator beside the object id in evidence: user name and name, or the service principal', () => {
    const f = baseline();
    assert.equal(checkWhoAmI(f).evidence?.[0], 'operator: sre@contoso.com (object id dddddddd-0000-0000-0000-000000000004)');
    f.context.operator = { objectId: 'o1', kind: 'user', displayName: 'alice@contoso.com', name: 'Alice Smith' };
    assert.equal(checkWhoAmI(f).cause, 'Signed in as alice@contoso.com (Alice Smith).');
    assert.equal(checkWhoAmI(f).evidence?.[0], 'operator: alice@contoso.com, Alice Smith (object id o1)');
    f.context.operator = { objectId: 'o2', kind: 'servicePrincipal', appId: 'a2' };
    assert.equal(checkWhoAmI(f).cause, 'Signed in as the service principal of app a2.');
    assert.equal(checkWhoAmI(f).evidence?.[0], 'operator: service principal (app id a2, object id o2)');
  });
  it('warns when signed in to another tenant than the identity', () => {
    const f = baseline();
    f.context.tenantId = '99999999-9999-9999-9999-999999999999';
    const r = checkWhoAmI(f);
    assert.equal(r.status, 'warn');
    assert.match(r.cause, /az login --tenant 22222222-2222-2222-2222-222222222222/);
  });
});

describe('PRE-VAULT', () => {
  it('passes when found', () => assert.equal(checkVault(baseline()).status, 'pass'));
  // https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview: recoverable until the scheduled purge;
  // with purge protection nobody can purge it first; role assignments are deleted with the vault and not restored.
  it('offers recovery of a soft-deleted vault, naming it, its purge date and purge protection', () => {
    const f = baseline();
    f.vault = { ok: false, unknown: 'NotFound', message: 'Vault not found', from: { resourceId: VAULT_ID, readAt: 'x' } };
    f.deletedVault = {
      ok: true,
      value: {
        id: '/subscriptions/s/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-contoso',
        name: 'kv-contoso',
        location: 'westeurope',
        deletionDate: '2026-09-21T00:00:00Z',
        scheduledPurgeDate: '2026-12-20T00:00:00Z',
        purgeProtectionEnabled: true,
      },
    };
    const r = checkVault(f);
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.fix?.operations, [{ kind: 'vault.recover', vaultId: VAULT_ID, location: 'westeurope' }]);
    assert.deepEqual(r.fix?.az, ['az keyvault recover --name kv-contoso --location westeurope --resource-group rg-app']);
    assert.equal(
      r.cause,
      'The vault kv-contoso was deleted on 2026-09-21T00:00:00Z and is soft-deleted, recoverable until its scheduled purge on 2026-12-20T00:00:00Z. Purge protection is on: nobody can purge it before then, and its name cannot be used for a new vault until then. Recover it rather than creating a new one, so existing references keep working; role assignments on it were deleted with it and must be granted again.',
    );
    assert.ok(r.evidence.includes('purge protection: on'));
    assert.match(r.fix!.disruption!, /Role assignments on the vault do not come back/);
    f.deletedVault.value!.purgeProtectionEnabled = false;
    assert.match(
      checkVault(f).cause,
      / Purge protection is off: purging it would destroy its secrets and certificates for good\. Recover it/,
    );
  });
  it('fails without a fix when not found and not soft-deleted', () => {
    const f = baseline();
    f.vault = { ok: false, unknown: 'NotFound', message: 'Vault not found' };
    f.deletedVault = { ok: true, value: null };
    const r = checkVault(f);
    assert.deepEqual([r.status, r.fix], ['fail', undefined]);
    assert.equal(
      r.cause,
      'The key vault was not found and is not among the soft-deleted vaults. Check --vault (a name, or the resource id of a vault in another subscription) and --subscription, or create the vault and import the certificate first.',
    );
    // Where it was looked for, when the read says so: the operator sees which name and subscription to correct.
    f.vault = {
      ok: false,
      unknown: 'NotFound',
      message: 'Vault not found',
      from: { resourceId: '/subscriptions/s1/providers/Microsoft.KeyVault/vaults/kv-typo', readAt: 'x' },
    };
    assert.match(
      checkVault(f).cause,
      /^The key vault kv-typo was not found in subscription s1 and is not among the soft-deleted vaults\. Check --vault /,
    );
    f.vault = { ok: false, unknown: 'NotFound', message: 'Vault not found', from: { resourceId: VAULT_ID, readAt: 'x' } };
    assert.match(
      checkVault(f).cause,
      /^The key vault kv-contoso was not found in resource group rg-app of subscription 11111111-1111-1111-1111-111111111111 /,
    );
  });
  it('is unknown when forbidden', () => {
    const f = baseline();
    f.vault = forbidden('Microsoft.KeyVault/vaults/read');
    assert.equal(checkVault(f).status, 'unknown');
  });
});

describe('PRE-TENANT', () => {
  it('passes in one tenant', () => assert.equal(checkTenant(baseline()).status, 'pass'));
  it('fails across tenants', () => {
    const f = baseline();
    vaultOf(f).tenantId = '99999999-9999-9999-9999-999999999999';
    assert.equal(checkTenant(f).status, 'fail');
  });
  it('is skipped without an identity', () => {
    const f = baseline();
    apimOf(f).identity = { type: 'None', userAssigned: [] };
    assert.equal(checkTenant(f).status, 'skipped');
  });
});

describe('PRE-APIM', () => {
  it('fails while an operation is in progress', () => {
    const f = baseline();
    apimOf(f).provisioningState = 'Updating';
    assert.equal(
      checkApim(f).cause,
      'The instance is "Updating": API Management refuses changes until its current operation finishes. Wait for it to reach Succeeded, then re-check.',
    );
  });
  it('fails on stv1', () => {
    const f = baseline();
    apimOf(f).platformVersion = 'stv1';
    assert.equal(checkApim(f).status, 'fail');
  });
  it('fails when not found', () => {
    const f = baseline();
    f.apim = { ok: false, unknown: 'NotFound', message: 'ResourceNotFound' };
    assert.equal(checkApim(f).status, 'fail');
    f.apim = { ok: false, unknown: 'NotFound', message: 'ResourceNotFound', from: { resourceId: APIM_ID, readAt: 'x' } };
    assert.equal(
      checkApim(f).cause,
      'The API Management instance apim-contoso was not found in resource group rg-app of subscription 11111111-1111-1111-1111-111111111111. Check --service, -g (--resource-group) and --subscription, or pass --service-id.',
    );
  });
  it('notes the Consumption tier', () => {
    const f = baseline();
    apimOf(f).sku = 'Consumption';
    assert.match(checkApim(f).cause, /Consumption tier: no virtual network and no dedicated outbound IP/);
  });
});

describe('PRE-MI', () => {
  it('passes with identities', () => assert.equal(checkManagedIdentity(baseline()).status, 'pass'));
  it('offers to enable the system identity', () => {
    const f = baseline();
    apimOf(f).identity = { type: 'None', userAssigned: [] };
    const r = checkManagedIdentity(f);
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.fix?.operations, [{ kind: 'apim.enableSystemIdentity', apimId: APIM_ID }]);
    assert.deepEqual(r.fix?.requiredActions, ['Microsoft.ApiManagement/service/write']);
    assert.deepEqual(r.fix?.requiredRoles, [{ role: 'API Management Service Contributor', scope: APIM_ID }]);
    assert.deepEqual(r.fix?.az, [
      `az rest --method patch --url 'https://management.azure.com${APIM_ID}?api-version=2024-05-01' --body '{"identity":{"type":"SystemAssigned"}}'`,
      `az apim wait --resource-group rg-app --name apim-contoso --updated --interval 10`,
    ]);
  });
  it('is unknown when APIM cannot be read', () => {
    const f = baseline();
    f.apim = forbidden('Microsoft.ApiManagement/service/read');
    assert.deepEqual(
      [checkManagedIdentity(f).status, checkManagedIdentity(f).missingAction],
      ['unknown', 'Microsoft.ApiManagement/service/read'],
    );
  });
});

describe('PRE-MI-PICK', () => {
  it('picks the system identity by default, named after the instance', () =>
    assert.deepEqual(checkIdentityPick(baseline()).evidence, [
      `identity: apim-contoso (system identity), principal id ${SYSTEM_PRINCIPAL}`,
    ]));
  it('picks the identity chosen in step 5', () => {
    const f = baseline();
    f.intent = {
      kind: 'keyVault',
      certificateId: 'c',
      secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/c',
      identity: { userAssignedId: UAI_ID },
    };
    const r = checkIdentityPick(f);
    assert.equal(r.status, 'info');
    assert.deepEqual(r.evidence, [
      `identity: uai-certs, resource id ${UAI_ID}`,
      `principal id: ${UAI_PRINCIPAL}`,
      `client id: ${UAI_CLIENT}`,
    ]);
  });
  it('falls back to the only user-assigned identity', () => {
    const f = baseline();
    apimOf(f).identity = { type: 'UserAssigned', userAssigned: apimOf(f).identity.userAssigned, tenantId: TENANT };
    assert.match(checkIdentityPick(f).cause, /the only identity attached/);
  });
});

describe('PRE-MI with a choice', () => {
  it('fails with a fix when the system identity chosen in step 5 is not enabled', () => {
    const f = baseline();
    apimOf(f).identity = { type: 'UserAssigned', userAssigned: apimOf(f).identity.userAssigned };
    f.intent = {
      kind: 'keyVault',
      certificateId: 'c',
      secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/c',
      identity: 'system',
    };
    const r = checkManagedIdentity(f);
    assert.deepEqual(
      [r.status, r.cause, r.fix?.operations],
      [
        'fail',
        'The system-assigned identity was chosen in step 5 but is not enabled: enable it.',
        [{ kind: 'apim.enableSystemIdentity', apimId: APIM_ID }],
      ],
    );
  });
});

// Workspaces hold their own named values, certificates and backends, and "do not support using managed identity for
// features such as storing secrets in Azure Key Vault": https://learn.microsoft.com/azure/api-management/workspaces-overview
// ("Workspaces constraints"). apimkv says what it covers: the service-level references.
describe('PRE-WORKSPACES (workspaces-overview)', () => {
  const withWorkspaces = (value: ApimWorkspaceFacts[]) => {
    const f = baseline();
    f.workspaces = { ok: true, value, from: { resourceId: `${APIM_ID}/workspaces`, readAt: '2026-11-22T10:00:00Z' } };
    return f;
  };

  it('names every workspace and says what apimkv diagnoses and what it does not, citing the page', () => {
    const r = checkWorkspaces(
      withWorkspaces([
        { id: `${APIM_ID}/workspaces/payments`, name: 'payments', displayName: 'Payments team' },
        { id: `${APIM_ID}/workspaces/partners`, name: 'partners', displayName: 'partners' },
      ]),
    );
    assert.equal(r?.status, 'info');
    assert.equal(r.step, 'prerequisites');
    assert.equal(
      r.cause,
      'This instance has 2 workspaces: "partners", "payments" (Payments team). apimkv diagnoses the service-level Key Vault references (the service\'s certificates, named values and custom domains); it does not read the workspaces\' own named values, certificates or backends. Microsoft: workspaces don\'t support the instance\'s managed identity for features such as Key Vault secrets.',
    );
    assert.equal(r.docLink, 'https://learn.microsoft.com/azure/api-management/workspaces-overview#workspaces-constraints');
    assert.deepEqual(r.evidence, [
      `workspace: payments (Payments team), id ${APIM_ID}/workspaces/payments`,
      `workspace: partners, id ${APIM_ID}/workspaces/partners`,
    ]);
  });

  it('says nothing when there are none, or when they were not read (a tier without workspaces)', () => {
    assert.equal(checkWorkspaces(withWorkspaces([])), undefined);
    assert.equal(checkWorkspaces(baseline()), undefined);
    assert.equal(
      runChecks(withWorkspaces([])).some((x) => x.checkId === 'PRE-WORKSPACES'),
      false,
    );
  });

  it('sits in Prerequisites after PRE-APIM', () => {
    const ids = runChecks(withWorkspaces([{ id: `${APIM_ID}/workspaces/w`, name: 'w' }])).map((x) => x.checkId);
    assert.equal(ids.indexOf('PRE-WORKSPACES'), ids.indexOf('PRE-APIM') + 1);
  });

  it('a refused read is unknown, naming Microsoft.ApiManagement/service/workspaces/read', () => {
    const f = baseline();
    f.workspaces = forbidden('Microsoft.ApiManagement/service/workspaces/read');
    const r = checkWorkspaces(f);
    assert.equal(r?.status, 'unknown');
    assert.equal(r.missingAction, 'Microsoft.ApiManagement/service/workspaces/read');
    assert.match(r.cause, /^Could not check: the instance's workspaces could not be read \(you are not allowed to read it: /);
    assert.equal(r.docLink, 'https://learn.microsoft.com/azure/api-management/workspaces-overview#workspaces-constraints');
  });

  it("a workspace's display name is kept exact in the fact and neutralised for the terminal", () => {
    const r = checkWorkspaces(
      withWorkspaces([{ id: `${APIM_ID}/workspaces/evil`, name: 'evil', displayName: 'Evil\u001b[2J\u0007 team' }]),
    );
    assert.match(r!.cause, /\(Evil\u001b\[2J\u0007 team\)/);
    const shown = terminalText(r!.cause);
    assert.equal(/[\u0000-\u001f\u007f]/.test(shown), false);
    assert.match(shown, /"evil" \(Evil.*team\)/);
  });
});
