import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAccessPolicy, checkModel, checkOperator, checkRbac, checkWrongModel } from '../../src/checks/access.ts';
import type { Facts } from '../../src/checks/facts.ts';
import { roleAssignmentName } from '../../src/checks/uuid.ts';
import {
  apimOf,
  baseline,
  CERT_USER_GUID,
  forbidden,
  OPERATOR,
  SUB,
  SYSTEM_PRINCIPAL,
  TENANT,
  UAI_CLIENT,
  UAI_ID,
  UAI_PRINCIPAL,
  VAULT_ID,
  vaultOf,
} from './builders.ts';

const READER = '21090545-7ca7-4776-b22c-e363652d74d2';
const SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';

function withRole(f: Facts, guid: string, scope = VAULT_ID): Facts {
  f.vaultRoleAssignments = {
    ok: true,
    value: [
      {
        id: 'ra',
        name: 'ra',
        scope,
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
        principalId: SYSTEM_PRINCIPAL,
      },
    ],
  };
  f.roleDefinitions = {};
  return f;
}

function accessPolicyVault(f: Facts, secrets: string[], certificates: string[] = [], objectId = SYSTEM_PRINCIPAL): Facts {
  const v = vaultOf(f);
  v.enableRbacAuthorization = false;
  v.accessPolicies = [{ tenantId: TENANT, objectId, permissions: { secrets, certificates, keys: [] } }];
  return f;
}

describe('ACC-MODEL', () => {
  it('is info for RBAC', () =>
    assert.deepEqual(
      [checkModel(baseline()).status, checkModel(baseline()).cause],
      ['info', 'The vault uses Azure RBAC: access is granted with role assignments.'],
    ));
  it('notes inert access policies on an RBAC vault, and warns while the role that counts is missing', () => {
    const f = baseline();
    vaultOf(f).accessPolicies = [
      { tenantId: TENANT, objectId: SYSTEM_PRINCIPAL, permissions: { secrets: ['get'], certificates: [], keys: [] } },
    ];
    assert.equal(checkModel(f).status, 'info');
    f.vaultRoleAssignments = { ok: true, value: [] };
    assert.equal(checkModel(f).status, 'warn');
  });
});

describe('ACC-RBAC', () => {
  it('passes with Key Vault Certificate User', () => assert.equal(checkRbac(baseline()).status, 'pass'));
  it('passes with Secrets User from the built-in table when the definition was not read', () =>
    assert.equal(checkRbac(withRole(baseline(), SECRETS_USER)).status, 'pass'));
  it('passes with a custom role whose wildcard covers getSecret', () => {
    const f = withRole(baseline(), 'eeeeeeee-0000-0000-0000-000000000000');
    f.roleDefinitions = {
      'eeeeeeee-0000-0000-0000-000000000000': {
        id: 'x',
        roleName: 'Custom KV',
        actions: [],
        notActions: [],
        dataActions: ['Microsoft.KeyVault/vaults/secrets/*'],
        notDataActions: [],
      },
    };
    assert.equal(checkRbac(f).status, 'pass');
  });
  it('fails when notDataActions remove getSecret', () => {
    const f = withRole(baseline(), 'eeeeeeee-0000-0000-0000-000000000000');
    f.roleDefinitions = {
      'eeeeeeee-0000-0000-0000-000000000000': {
        id: 'x',
        roleName: 'Custom KV',
        actions: [],
        notActions: [],
        dataActions: ['Microsoft.KeyVault/vaults/*'],
        notDataActions: ['Microsoft.KeyVault/vaults/secrets/getSecret/action'],
      },
    };
    assert.equal(checkRbac(f).status, 'fail');
  });
  // configure-custom-domain (06/03/2026) assigns Key Vault Secrets User, the least-privileged role that reads the secret:
  // https://learn.microsoft.com/azure/api-management/configure-custom-domain
  it('fails with Key Vault Reader only and grants Secrets User', () => {
    const r = checkRbac(withRole(baseline(), READER));
    assert.equal(r.status, 'fail');
    assert.equal(
      r.cause,
      "apim-contoso (system identity) holds Key Vault Reader, which does not include getSecret (Key Vault Reader and Certificates Officer only see metadata and certificate objects): API Management cannot read the certificate's secret.",
    );
    assert.deepEqual(r.fix?.operations, [
      {
        kind: 'roleAssignment.create',
        scope: VAULT_ID,
        name: roleAssignmentName(VAULT_ID, SYSTEM_PRINCIPAL, SECRETS_USER),
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_USER}`,
        principalId: SYSTEM_PRINCIPAL,
        principalType: 'ServicePrincipal',
        description: 'apimkv: API Management apim-contoso reads certificates from kv-contoso',
      },
    ]);
    assert.equal(r.fix?.propagation, 'rbac');
    assert.deepEqual(r.fix?.requiredRoles, [{ role: 'Key Vault Data Access Administrator', scope: VAULT_ID }]);
    assert.deepEqual(r.fix?.az, [
      `az role assignment create --assignee-object-id ${SYSTEM_PRINCIPAL} --assignee-principal-type ServicePrincipal --role 'Key Vault Secrets User' --scope ${VAULT_ID} --name ${roleAssignmentName(VAULT_ID, SYSTEM_PRINCIPAL, SECRETS_USER)} --description 'apimkv: API Management apim-contoso reads certificates from kv-contoso'`,
    ]);
  });
  it('fails with Certificates Officer only', () =>
    assert.equal(checkRbac(withRole(baseline(), 'a4417e6f-fecd-4de8-b567-7b0420556985')).status, 'fail'));
  it('grants Secrets User when the operator only has Key Vault Data Access Administrator (which may assign it)', () => {
    const f = withRole(baseline(), READER);
    f.operatorPermissions.vault = {
      ok: true,
      value: [
        {
          actions: [
            'Microsoft.Authorization/roleAssignments/write',
            'Microsoft.Authorization/roleAssignments/delete',
            '*/read',
            'Microsoft.KeyVault/vaults/*/read',
          ],
          notActions: [],
          dataActions: [],
          notDataActions: [],
        },
      ],
    };
    const r = checkRbac(f);
    const op = r.fix?.operations[0];
    assert.equal(
      op?.kind === 'roleAssignment.create' && op.roleDefinitionId,
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_USER}`,
    );
    assert.deepEqual(r.fix?.requiredRoles, [{ role: 'Key Vault Data Access Administrator', scope: VAULT_ID }]);
    assert.equal(op?.kind === 'roleAssignment.create' && op.name, roleAssignmentName(VAULT_ID, SYSTEM_PRINCIPAL, SECRETS_USER));
  });
  it('fails with no role at all', () => {
    const f = baseline();
    f.vaultRoleAssignments = { ok: true, value: [] };
    assert.equal(
      checkRbac(f).cause,
      'apim-contoso (system identity) has no role on the vault: API Management cannot read the certificate.',
    );
  });
  it('warns when granted only at management-group scope', () => {
    const r = checkRbac(withRole(baseline(), CERT_USER_GUID, '/providers/Microsoft.Management/managementGroups/mg1'));
    assert.equal(r.status, 'warn');
    assert.equal(r.fix?.operations[0].kind, 'roleAssignment.create');
  });
  it('checks the user-assigned identity chosen in step 5', () => {
    const f = baseline();
    f.intent = {
      kind: 'keyVault',
      certificateId: 'c',
      secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/c',
      identity: { userAssignedId: UAI_ID },
    };
    const r = checkRbac(f);
    assert.equal(r.status, 'fail');
    const op = r.fix?.operations[0];
    assert.equal(op?.kind === 'roleAssignment.create' && op.principalId, UAI_PRINCIPAL);
    // A person reads the identity's resource name; the GUID stays beside it, as role assignments show it.
    assert.equal(r.evidence?.[0], `identity: uai-certs, principal id ${UAI_PRINCIPAL}`);
  });
  it('names the system identity after the instance, with its principal id', () =>
    assert.equal(checkRbac(baseline()).evidence?.[0], `identity: apim-contoso (system identity), principal id ${SYSTEM_PRINCIPAL}`));
  it('is unknown when the role assignments cannot be read', () => {
    const f = baseline();
    f.vaultRoleAssignments = forbidden('Microsoft.Authorization/roleAssignments/read');
    const r = checkRbac(f);
    assert.deepEqual([r.status, r.missingAction], ['unknown', 'Microsoft.Authorization/roleAssignments/read']);
  });
  it('is unknown when a custom role definition was not read', () => {
    const r = checkRbac(withRole(baseline(), 'eeeeeeee-0000-0000-0000-000000000000'));
    assert.deepEqual([r.status, r.missingAction], ['unknown', 'Microsoft.Authorization/roleDefinitions/read']);
  });
  it('is skipped on an access-policy vault', () =>
    assert.equal(checkRbac(accessPolicyVault(baseline(), ['get', 'list'])).status, 'skipped'));
  it('fails without an identity', () => {
    const f = baseline();
    apimOf(f).identity = { type: 'None', userAssigned: [] };
    assert.deepEqual([checkRbac(f).status, checkRbac(f).fix], ['fail', undefined]);
  });
});

describe('ACC-AP', () => {
  it('passes with secrets get and list', () =>
    assert.equal(checkAccessPolicy(accessPolicyVault(baseline(), ['Get', 'List'])).status, 'pass'));
  it('names the identity beside its object id', () =>
    assert.equal(
      checkAccessPolicy(accessPolicyVault(baseline(), ['Get', 'List'])).evidence?.[0],
      `identity: apim-contoso (system identity), principal (object) id ${SYSTEM_PRINCIPAL}`,
    ));
  // API Management's fetch needs secrets get; the documented policy is Get + List, and configure-custom-domain's
  // "Restore" grants only Get: https://learn.microsoft.com/azure/api-management/configure-custom-domain
  it('warns with get only (the fetch works) and offers list, the rest of the documented policy', () => {
    const r = checkAccessPolicy(accessPolicyVault(baseline(), ['get']));
    assert.equal(r.status, 'warn');
    assert.deepEqual(r.fix?.operations, [
      {
        kind: 'vault.addAccessPolicy',
        vaultId: VAULT_ID,
        tenantId: TENANT,
        objectId: SYSTEM_PRINCIPAL,
        permissions: { secrets: ['list'] },
      },
    ]);
    assert.deepEqual(r.fix?.requiredActions, ['Microsoft.KeyVault/vaults/accessPolicies/write']);
  });
  // api-management-howto-mutual-certificates: the identity needs Get and List on *secrets* (the secret endpoint).
  it('fails with certificate permissions but no secrets get, and grants secrets get+list only', () => {
    const r = checkAccessPolicy(accessPolicyVault(baseline(), [], ['get', 'list']));
    assert.equal(r.status, 'fail');
    assert.match(r.cause, /certificate permissions \(get, list\) but no secrets get/);
    assert.deepEqual(r.fix?.operations, [
      {
        kind: 'vault.addAccessPolicy',
        vaultId: VAULT_ID,
        tenantId: TENANT,
        objectId: SYSTEM_PRINCIPAL,
        permissions: { secrets: ['get', 'list'] },
      },
    ]);
    // accessPolicies/add merges on the server: az keyvault set-policy would replace the principal's lists.
    assert.deepEqual(r.fix?.az, [
      `az rest --method put --url 'https://management.azure.com${VAULT_ID}/accessPolicies/add?api-version=2026-02-01' --body '${JSON.stringify({ properties: { accessPolicies: [{ tenantId: TENANT, objectId: SYSTEM_PRINCIPAL, permissions: { secrets: ['get', 'list'], certificates: [] } }] } })}'`,
    ]);
  });
  it('fails when the policy names the client id, and grants the principal id', () => {
    const f = accessPolicyVault(baseline(), ['get', 'list'], [], UAI_CLIENT);
    f.intent = {
      kind: 'keyVault',
      certificateId: 'c',
      secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/c',
      identity: { userAssignedId: UAI_ID },
    };
    const r = checkAccessPolicy(f);
    assert.equal(r.status, 'fail');
    assert.equal(
      r.cause,
      'A policy exists for the client id of uai-certs, but access policies match the principal (object) id: it grants nothing. Add one for the principal id.',
    );
    const op = r.fix?.operations[0];
    assert.equal(op?.kind === 'vault.addAccessPolicy' && op.objectId, UAI_PRINCIPAL);
  });
  it('fails with no policy', () =>
    assert.equal(
      checkAccessPolicy(accessPolicyVault(baseline(), ['get', 'list'], [], 'someone-else')).cause,
      'No access policy grants apim-contoso (system identity) anything: API Management cannot read the certificate.',
    ));
  it('is skipped on an RBAC vault', () => assert.equal(checkAccessPolicy(baseline()).status, 'skipped'));
});

describe('ACC-WRONG-MODEL', () => {
  it('passes on the baseline', () => assert.equal(checkWrongModel(baseline()).status, 'pass'));
  it('warns about an access policy on an RBAC vault while the role that counts is missing; a note once it is granted', () => {
    const f = baseline();
    vaultOf(f).accessPolicies = [
      { tenantId: TENANT, objectId: SYSTEM_PRINCIPAL, permissions: { secrets: ['get', 'list'], certificates: [], keys: [] } },
    ];
    assert.equal(checkWrongModel(f).status, 'info');
    f.vaultRoleAssignments = { ok: true, value: [] };
    assert.equal(checkWrongModel(f).status, 'warn');
  });
  it('warns about a role on an access-policy vault', () => {
    const r = checkWrongModel(accessPolicyVault(baseline(), []));
    assert.equal(
      r.cause,
      'apim-contoso (system identity) holds Key Vault Certificate User, but this vault uses access policies and ignores data-plane roles: the grant that counts is an access policy (ACC-AP).',
    );
  });
});

describe('ACC-OPERATOR', () => {
  it('passes when the probe lists secrets', () => assert.equal(checkOperator(baseline()).status, 'pass'));
  it('warns when the probe is refused', () => {
    const f = baseline();
    f.operatorDataPlane = { ok: true, value: { status: 'forbidden', message: 'Forbidden' } };
    const r = checkOperator(f);
    assert.deepEqual([r.status, r.missingAction], ['info', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action']);
  });
  it('falls back to RBAC permissions behind the firewall', () => {
    const f = baseline();
    f.operatorDataPlane = {
      ok: true,
      value: { status: 'firewall', clientAddress: '198.51.100.7', message: 'Client address is not authorized' },
    };
    assert.equal(checkOperator(f).cause, 'Your roles allow listing secrets. The firewall blocks you for now (FW-CLIENTIP).');
    f.operatorPermissions.vault = { ok: true, value: [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }] };
    assert.equal(checkOperator(f).status, 'info');
  });
  it('is unknown when neither probe nor permissions are available', () => {
    const f = baseline();
    f.operatorDataPlane = { ok: false, unknown: 'Network', message: 'ECONNRESET' };
    f.operatorPermissions.vault = forbidden('Microsoft.Authorization/permissions/read');
    assert.deepEqual([checkOperator(f).status, checkOperator(f).missingAction], ['unknown', 'Microsoft.Authorization/permissions/read']);
  });
  it('reads the operator access policy on an access-policy vault', () => {
    const f = accessPolicyVault(baseline(), ['get', 'list']);
    f.operatorDataPlane = { ok: true, value: { status: 'firewall', message: 'blocked' } };
    assert.equal(checkOperator(f).status, 'info');
    vaultOf(f).accessPolicies.push({
      tenantId: TENANT,
      objectId: OPERATOR,
      permissions: { secrets: ['list'], certificates: [], keys: [] },
    });
    assert.equal(checkOperator(f).status, 'pass');
  });
  it('offers the operator metadata-only read access: Key Vault Reader on an RBAC vault, a list policy otherwise', () => {
    const f = baseline();
    f.operatorDataPlane = { ok: true, value: { status: 'forbidden', message: 'Forbidden' } };
    const op = checkOperator(f).fix?.operations[0];
    assert.equal(op?.kind, 'roleAssignment.create');
    assert.ok(
      op?.kind === 'roleAssignment.create' &&
        op.principalId === OPERATOR &&
        op.roleDefinitionId.endsWith('/21090545-7ca7-4776-b22c-e363652d74d2') &&
        op.scope === vaultOf(f).id,
    );
    const p = accessPolicyVault(baseline(), ['get', 'list']);
    p.operatorDataPlane = { ok: true, value: { status: 'firewall', message: 'blocked' } };
    assert.deepEqual(checkOperator(p).fix?.operations[0], {
      kind: 'vault.addAccessPolicy',
      vaultId: vaultOf(p).id,
      tenantId: vaultOf(p).tenantId,
      objectId: OPERATOR,
      permissions: { secrets: ['list'], certificates: ['list'] },
    });
  });
  it('names the operator in its evidence, and a service principal gets principalType ServicePrincipal', () => {
    const f = baseline();
    f.operatorDataPlane = { ok: true, value: { status: 'forbidden', message: 'Forbidden' } };
    const r = checkOperator(f);
    assert.equal(r.evidence?.[0], `operator: sre@contoso.com (object id ${OPERATOR})`);
    const user = r.fix?.operations[0];
    assert.equal(user?.kind === 'roleAssignment.create' && user.principalType, 'User');
    assert.match(r.fix!.preview[0]!.diff!.at(-1)!, new RegExp(`^\\+ Key Vault Reader for you, sre@contoso\\.com \\(${OPERATOR}\\) at `));
    // A role assignment whose principalType does not match the directory is refused, so an app-only sign-in says so.
    f.context.operator = { objectId: OPERATOR, kind: 'servicePrincipal', displayName: 'deploy-bot', appId: 'app-1' };
    const sp = checkOperator(f);
    assert.equal(sp.evidence?.[0], `operator: service principal deploy-bot (app id app-1, object id ${OPERATOR})`);
    const op = sp.fix?.operations[0];
    assert.equal(op?.kind === 'roleAssignment.create' && op.principalType, 'ServicePrincipal');
  });
});
