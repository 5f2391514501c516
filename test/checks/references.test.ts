// References as the unit of diagnosis, on plain facts: every Key Vault reference with the identity it uses, steps 2-3
// per (identity, vault) pair in use, the secrets they read, and failures explained by the pair's own checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCreate, checkExpiry, explainFailure } from '../../src/checks/certificate.ts';
import type { Facts } from '../../src/checks/facts.ts';
import { runChecks } from '../../src/checks/index.ts';
import { checkNamedValues, checkReferencedSecrets, pairChecks, pairsInUse, referencesOf } from '../../src/checks/references.ts';
import { APIM_ID, apimOf, baseline, find, SECRET_ID, UAI_CLIENT, UAI_ID, VERSION, vaultOf } from './builders.ts';

const certs = (f: Facts) => (f.apimCertificates.ok ? f.apimCertificates.value : []);
const KEY = 'https://kv-contoso.vault.azure.net/secrets/gateway-client';

/** The baseline's certificate read by the user-assigned identity, its last fetch refused by the firewall. */
function uaiReference(f: Facts = baseline()): Facts {
  certs(f)[0]!.keyVault = {
    secretIdentifier: KEY,
    identityClientId: UAI_CLIENT,
    lastStatus: { code: 'Forbidden', message: 'Client address is not authorized and caller is not a trusted service.' },
  };
  return f;
}

function secrets(
  f: Facts,
  versions: { version: string; enabled?: boolean; created: string; expiresOn?: string; contentType?: string }[],
  key = KEY,
): Facts {
  f.referencedSecrets = {
    [key]: {
      ok: true,
      value: {
        secretId: key,
        name: key.split('/').pop()!,
        versions: versions.map((v) => ({ enabled: true, contentType: 'application/x-pkcs12', ...v })),
      },
    },
  };
  return f;
}

describe('referencesOf and pairsInUse', () => {
  it('lists certificates, named values and hostnames, each with its identity by name', () => {
    const f = uaiReference();
    f.namedValues = {
      ok: true,
      value: [
        { id: `${APIM_ID}/namedValues/db`, name: 'db', keyVault: { secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/db' } },
        { id: `${APIM_ID}/namedValues/plain`, name: 'plain' },
      ],
    };
    apimOf(f).hostnameConfigurations = [
      {
        type: 'Proxy',
        hostName: 'api.contoso.com',
        keyVaultId: 'https://other-kv.vault.azure.net/secrets/tls',
        certificateStatus: 'Completed',
      },
    ];
    assert.deepEqual(
      referencesOf(f).map((r) => [r.kind, r.name, r.identity]),
      [
        ['certificate', 'gateway-client', 'uai-certs'],
        ['named value', 'db', 'apim-contoso (system identity)'],
        ['hostname', 'api.contoso.com', 'apim-contoso (system identity)'],
      ],
    );
    // Only references on the target vault make pairs; the other vault's hostname does not.
    assert.deepEqual(
      pairsInUse(f).map((p) => [p.identity, p.references.map((r) => r.name)]),
      [
        ['apim-contoso (system identity)', ['db']],
        ['uai-certs', ['gateway-client']],
      ],
    );
  });
  it('names an identity the instance does not have as such, never only by GUID', () => {
    const f = baseline();
    certs(f)[0]!.keyVault!.identityClientId = '99999999-0000-0000-0000-000000000009';
    assert.equal(referencesOf(f)[0]!.identity, 'client id 99999999-0000-0000-0000-000000000009 (not attached to apim-contoso)');
    const r = find(pairChecks(f), 'PRE-MI@client-id-99999999-0000-0000-0000-000000000009-not-attached-to-apim-contoso-');
    assert.equal(r.status, 'fail');
  });
});

describe('steps 2-3 for each pair in use (api-management-howto-use-managed-service-identity: firewall => system identity)', () => {
  it('a certificate read by a user-assigned identity behind the firewall fails FW-IDENTITY for that identity, by name, with a switch', () => {
    const findings = pairChecks(uaiReference());
    const fw = find(findings, 'FW-IDENTITY@uai-certs');
    assert.equal(fw.status, 'fail');
    assert.deepEqual(fw.about, { identity: 'uai-certs', vault: 'kv-contoso', references: ['certificate gateway-client'] });
    assert.match(fw.cause, /^certificate gateway-client reads kv-contoso with the user-assigned identity uai-certs/);
    assert.deepEqual(fw.fix?.operations, [
      {
        kind: 'apim.putKeyVaultCertificate',
        apimId: APIM_ID,
        certificateId: 'gateway-client',
        secretIdentifier: KEY,
        ifMatch: '"cert-etag"',
      },
    ]);
    assert.equal(fw.fix?.checkId, 'FW-IDENTITY@uai-certs');
    // No grant to an identity the firewall will refuse anyway.
    assert.equal(find(findings, 'ACC-RBAC@uai-certs').status, 'skipped');
  });
  // api-management-howto-use-managed-service-identity#requirements-for-key-vault-firewall: only the system-assigned
  // identity passes the trusted-services exception, custom domains included (configure-custom-domain).
  it('a hostname read by a user-assigned identity behind the firewall is switched by a service PATCH that keeps every other hostname', () => {
    const f = baseline();
    apimOf(f).hostnameConfigurations = [
      { type: 'Proxy', hostName: 'apim-contoso.azure-api.net', certificateSource: 'BuiltIn' },
      { type: 'Proxy', hostName: 'api.contoso.com', keyVaultId: KEY, identityClientId: UAI_CLIENT, certificateStatus: 'Completed' },
      { type: 'DeveloperPortal', hostName: 'portal.contoso.com', keyVaultId: KEY, certificateStatus: 'Completed' },
    ];
    const fw = find(pairChecks(f), 'FW-IDENTITY@uai-certs');
    assert.equal(fw.status, 'fail');
    assert.deepEqual(fw.fix?.operations, [
      { kind: 'apim.hostnameToSystemIdentity', apimId: APIM_ID, hostName: 'api.contoso.com', hostType: 'Proxy', keyVaultId: KEY },
    ]);
    assert.equal(fw.fix?.title, 'Switch hostname "api.contoso.com" to apim-contoso (system identity)');
    const request = fw.fix!.preview[0]!;
    assert.equal(request.method, 'PATCH');
    assert.deepEqual((request.body as { properties: { hostnameConfigurations: unknown[] } }).properties.hostnameConfigurations, [
      { type: 'Proxy', hostName: 'apim-contoso.azure-api.net', certificateSource: 'BuiltIn' },
      { type: 'Proxy', hostName: 'api.contoso.com', keyVaultId: KEY },
      { type: 'DeveloperPortal', hostName: 'portal.contoso.com', keyVaultId: KEY },
    ]);
    assert.deepEqual(request.diff, [
      '  hostname apim-contoso.azure-api.net (Proxy): kept as it is',
      `- hostname api.contoso.com (Proxy): ${KEY}, identity user-assigned (client ${UAI_CLIENT})`,
      `+ hostname api.contoso.com (Proxy): ${KEY}, identity system-assigned`,
      '  hostname portal.contoso.com (DeveloperPortal): kept as it is',
    ]);
  });
  it('a named value read by a user-assigned identity behind the firewall is switched too, listed in the same plan', () => {
    const f = uaiReference();
    f.namedValues = {
      ok: true,
      value: [
        {
          id: `${APIM_ID}/namedValues/db`,
          name: 'db',
          displayName: 'db',
          keyVault: { secretIdentifier: KEY, identityClientId: UAI_CLIENT },
        },
      ],
    };
    const fix = find(pairChecks(f), 'FW-IDENTITY@uai-certs').fix!;
    assert.deepEqual(
      fix.operations.map((o) => o.kind),
      ['apim.putKeyVaultCertificate', 'apim.namedValueToSystemIdentity'],
    );
    assert.equal(fix.title, 'Switch "gateway-client", named value "db" to apim-contoso (system identity)');
    assert.equal(fix.preview[1]!.method, 'PUT');
    assert.deepEqual(fix.preview[1]!.body, { properties: { displayName: 'db', secret: true, keyVault: { secretIdentifier: KEY } } });
  });
  it('the switch grants the system identity on the vault first when it has no access there', () => {
    const f = uaiReference();
    f.vaultRoleAssignments = { ok: true, value: [] };
    const ops = find(pairChecks(f), 'FW-IDENTITY@uai-certs').fix!.operations;
    assert.deepEqual(
      ops.map((o) => o.kind),
      ['roleAssignment.create', 'apim.putKeyVaultCertificate'],
    );
    assert.equal(ops[0]!.kind === 'roleAssignment.create' && ops[0]!.principalId, apimOf(f).identity.principalId);
  });
  it('outside the firewall the pair gets its own access check (and its own fix, to its own principal)', () => {
    const f = uaiReference();
    vaultOf(f).networkAcls.defaultAction = 'Allow';
    const acc = find(pairChecks(f), 'ACC-RBAC@uai-certs');
    assert.equal(acc.status, 'fail');
    // The cause names the identity itself, so the pair's prefix does not name it a second time.
    assert.equal(
      acc.cause,
      'For certificate gateway-client: uai-certs has no role on the vault: API Management cannot read the certificate.',
    );
    const op = acc.fix?.operations[0];
    assert.equal(op?.kind === 'roleAssignment.create' && op.principalId, 'bbbbbbbb-0000-0000-0000-000000000002');
  });
  it('the pair a new certificate uses is not repeated', () => assert.deepEqual(pairChecks(baseline()), []));
  it("CERT-REFRESH explains each reference with its own identity's checks, not the new certificate's", () => {
    const findings = runChecks(uaiReference());
    assert.equal(find(findings, 'FW-IDENTITY').status, 'pass');
    assert.match(
      find(findings, 'CERT-REFRESH').evidence[0]!,
      /gateway-client \(identity uai-certs\): .* -> the vault firewall refused API Management .* \(FW-IDENTITY@uai-certs fail\)$/,
    );
  });
  it('a message that points at checks which all pass says so and quotes it', () => {
    const f = baseline();
    const earlier = runChecks(f);
    const text = explainFailure(
      { code: 'Forbidden', message: 'Client address is not authorized and caller is not a trusted service.' },
      earlier,
      'apim-contoso (system identity)',
      f,
    );
    assert.match(
      text,
      /^the message points at FW-IDENTITY, FW-BYPASS, FW-LOS, VNET-KVRULE, VNET-PE, but they pass now: .* the message was: Forbidden: Client address is not authorized/,
    );
  });
});

describe('REF-SECRET (configure-custom-domain: PKCS#12 content type; Key Vault: enabled, unexpired)', () => {
  it('passes for an enabled PKCS#12 secret', () =>
    assert.equal(
      checkReferencedSecrets(secrets(baseline(), [{ version: 'a1', created: '2026-01-01T00:00:00Z', expiresOn: '2027-01-01T00:00:00Z' }]))
        .status,
      'pass',
    ));
  it('fails for a PEM secret behind a certificate, naming the reference', () => {
    const r = checkReferencedSecrets(
      secrets(baseline(), [{ version: 'a1', created: '2026-01-01T00:00:00Z', contentType: 'application/x-pem-file' }]),
    );
    assert.equal(r.status, 'fail');
    assert.match(
      r.cause,
      /^certificate gateway-client \(identity apim-contoso \(system identity\)\) on kv-contoso: the secret's content type is application\/x-pem-file, not application\/x-pkcs12/,
    );
  });
  it('fails for a disabled current version', () =>
    assert.match(
      checkReferencedSecrets(secrets(baseline(), [{ version: 'a1', created: '2026-01-01T00:00:00Z', enabled: false }])).cause,
      /is disabled in Key Vault/,
    ));
  it('is unknown, naming the read, when the metadata could not be read', () => {
    const f = baseline();
    f.referencedSecrets = {
      [KEY]: {
        ok: false,
        unknown: 'Forbidden',
        message: 'Forbidden',
        missingAction: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
      },
    };
    const r = checkReferencedSecrets(f);
    assert.equal(r.status, 'unknown');
    assert.match(r.cause, /needs Microsoft\.KeyVault\/vaults\/secrets\/readMetadata\/action, e\.g\. Key Vault Reader/);
  });
  it('named values may hold any content type', () => {
    const f = secrets(
      baseline(),
      [{ version: 'a1', created: '2026-01-01T00:00:00Z', contentType: 'text/plain' }],
      'https://kv-contoso.vault.azure.net/secrets/db',
    );
    f.apimCertificates = { ok: true, value: [] };
    f.namedValues = {
      ok: true,
      value: [{ id: 'nv', name: 'db', keyVault: { secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/db' } }],
    };
    assert.equal(checkReferencedSecrets(f).status, 'pass');
  });
});

describe('CERT-EXPIRY with a renewed version in Key Vault', () => {
  it('a pinned reference: re-add versionless (not "renew")', () => {
    const f = baseline();
    certs(f)[0]!.expirationDate = '2026-11-01T00:00:00Z';
    certs(f)[0]!.keyVault!.secretIdentifier = `${KEY}/${VERSION}`;
    secrets(f, [
      { version: VERSION, created: '2025-11-01T00:00:00Z', expiresOn: '2026-11-01T00:00:00Z' },
      { version: 'b2', created: '2026-10-15T00:00:00Z', expiresOn: '2027-10-15T00:00:00Z' },
    ]);
    const r = checkExpiry(f);
    assert.equal(r.status, 'fail');
    assert.match(
      r.cause,
      /Key Vault already has a renewed version \(valid until 2027-10-15\), but the reference is pinned to 01234567…: re-add it versionless \(apimkv add-cert --certificate-id gateway-client --secret-id https:\/\/kv-contoso\.vault\.azure\.net\/secrets\/gateway-client\)/,
    );
    assert.doesNotMatch(r.cause, /renew it in Key Vault/);
  });
  it('a versionless reference: refresh, offered as the fix', () => {
    const f = baseline();
    certs(f)[0]!.expirationDate = '2026-11-01T00:00:00Z';
    secrets(f, [
      { version: 'a1', created: '2025-11-01T00:00:00Z', expiresOn: '2026-11-01T00:00:00Z' },
      { version: 'b2', created: '2026-10-15T00:00:00Z', expiresOn: '2027-10-15T00:00:00Z' },
    ]);
    const r = checkExpiry(f);
    assert.deepEqual(r.fix?.operations, [{ kind: 'apim.refreshCertificate', apimId: APIM_ID, certificateId: 'gateway-client' }]);
  });
  it('without a renewed version: renew in Key Vault', () => {
    const f = baseline();
    delete f.referencedSecrets;
    certs(f)[0]!.expirationDate = '2026-11-01T00:00:00Z';
    assert.match(checkExpiry(f).cause, /renew it in Key Vault/);
  });
});

describe('the add flow refuses before the preview (same rules as the checks)', () => {
  const intent = (f: Facts, identity: 'system' | { userAssignedId: string } = 'system') => {
    f.intent = { kind: 'keyVault', certificateId: 'new', secretIdentifier: SECRET_ID, identity };
    return f;
  };
  it('a PEM secret: CERT-CREATE fails with no plan', () => {
    const f = secrets(
      intent(baseline()),
      [{ version: 'a1', created: '2026-01-01T00:00:00Z', contentType: 'application/x-pem-file' }],
      SECRET_ID,
    );
    const r = checkCreate(f, []);
    assert.deepEqual([r.status, r.fix], ['fail', undefined]);
    assert.match(r.cause, /^Not ready: the secret's content type is application\/x-pem-file/);
  });
  it('an expired version: refused', () => {
    const f = secrets(
      intent(baseline()),
      [{ version: 'a1', created: '2025-01-01T00:00:00Z', expiresOn: '2026-01-01T00:00:00Z' }],
      SECRET_ID,
    );
    assert.match(checkCreate(f, []).cause, /expired on 2026-01-01 in Key Vault/);
  });
  it('a user-assigned identity behind the firewall: refused, naming the identity and the check', () => {
    const f = intent(baseline(), { userAssignedId: UAI_ID });
    const r = find(runChecks(f), 'CERT-CREATE');
    assert.deepEqual([r.status, r.fix], ['fail', undefined]);
    assert.match(r.cause, /not uai-certs \(FW-IDENTITY\)/);
  });
  it('the chosen identity lacks access: warned, naming the failing check, with the plan still offered', () => {
    const f = intent(baseline());
    f.vaultRoleAssignments = { ok: true, value: [] };
    const r = find(runChecks(f), 'CERT-CREATE');
    assert.equal(r.status, 'warn');
    assert.match(r.cause, /ACC-RBAC/);
    assert.ok(r.fix);
  });
});

describe('REF-NAMED-VALUE (api-management-howto-properties: refreshSecret)', () => {
  it('lists each failing named value with its identity and the explanation, and refreshes them', () => {
    const f = baseline();
    f.namedValues = {
      ok: true,
      value: [
        {
          id: 'nv',
          name: 'db',
          keyVault: {
            secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/db',
            lastStatus: { code: 'Forbidden', message: 'does not have secrets get permission' },
          },
        },
      ],
    };
    const r = checkNamedValues(f, () => 'EXPLAINED');
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.evidence, ['db (identity apim-contoso (system identity)): Forbidden -> EXPLAINED']);
    assert.deepEqual(r.fix?.operations, [{ kind: 'apim.refreshNamedValue', apimId: APIM_ID, namedValueId: 'db' }]);
  });
});

// Another vault, another subscription: the reference's own (identity, vault) pair is diagnosed there. Key Vault RBAC:
// API Management's identity needs a data-plane role on the vault that holds the secret
// (https://learn.microsoft.com/azure/key-vault/general/rbac-guide, Key Vault Secrets User), wherever the vault lives
// (https://learn.microsoft.com/azure/api-management/api-management-howto-properties).
describe('pairs on another vault (any subscription)', () => {
  const OTHER_SUB = '33333333-3333-3333-3333-333333333333';
  const OTHER_ID = `/subscriptions/${OTHER_SUB}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-shared`;
  const HOST = 'kv-shared.vault.azure.net';
  function sharedNamedValue(f: Facts = baseline()): Facts {
    f.namedValues = {
      ok: true,
      value: [
        {
          id: `${APIM_ID}/namedValues/partner`,
          name: 'partner',
          keyVault: {
            secretIdentifier: `https://${HOST}/secrets/partner`,
            lastStatus: {
              code: 'Forbidden',
              message:
                "Caller is not authorized to perform action on resource. Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'",
            },
          },
        },
      ],
    };
    return f;
  }
  it('runs step 2 for the system identity on the other vault and grants Key Vault Secrets User there (its subscription)', () => {
    const f = sharedNamedValue();
    f.otherVaults = {
      [HOST]: {
        ok: true,
        value: { ...vaultOf(f), id: OTHER_ID, name: 'kv-shared', vaultUri: `https://${HOST}/`, enableRbacAuthorization: true },
      },
    };
    f.otherVaultRoleAssignments = { [HOST]: { ok: true, value: [] } };
    const rbac = find(pairChecks(f), 'ACC-RBAC@apim-contoso-system@kv-shared');
    assert.equal(rbac.status, 'fail');
    assert.deepEqual(rbac.about, { identity: 'apim-contoso (system identity)', vault: 'kv-shared', references: ['named value partner'] });
    const op = rbac.fix?.operations[0];
    assert.equal(op?.kind, 'roleAssignment.create');
    assert.ok(op && 'scope' in op && op.scope === OTHER_ID);
    assert.ok(op && 'roleDefinitionId' in op && op.roleDefinitionId.startsWith(`/subscriptions/${OTHER_SUB}/`));
    assert.match(op && 'roleDefinitionId' in op ? op.roleDefinitionId : '', /4633458b-17de-408a-b874-0445c86b69e6$/);
    // The named value's failure is explained by the other vault's check, not by the target vault's passing one.
    const nv = find(runChecks(f), 'REF-NAMED-VALUE');
    assert.match(nv.evidence.join('\n'), /partner .*ACC-RBAC@apim-contoso-system@kv-shared fail/);
  });
  it('passes when the identity holds a role that covers getSecret on the other vault', () => {
    const f = sharedNamedValue();
    f.otherVaults = {
      [HOST]: {
        ok: true,
        value: { ...vaultOf(f), id: OTHER_ID, name: 'kv-shared', vaultUri: `https://${HOST}/`, enableRbacAuthorization: true },
      },
    };
    f.otherVaultRoleAssignments = {
      [HOST]: {
        ok: true,
        value: [
          {
            id: `${OTHER_ID}/providers/Microsoft.Authorization/roleAssignments/r1`,
            name: 'r1',
            principalId: 'aaaaaaaa-0000-0000-0000-000000000001',
            roleDefinitionId: `/subscriptions/${OTHER_SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
            scope: OTHER_ID,
          },
        ],
      },
    };
    assert.equal(find(pairChecks(f), 'ACC-RBAC@apim-contoso-system@kv-shared').status, 'pass');
  });
  it('an unreadable vault: REF-VAULT names the missing read and the role that grants it, and offers no fix', () => {
    const f = sharedNamedValue();
    f.otherVaults = {
      [HOST]: {
        ok: false,
        unknown: 'NotFound',
        message: `The vault ${HOST} is not visible to you in subscription s or any other subscription you can read: reading it needs Microsoft.KeyVault/vaults/read, granted by Reader or Key Vault Reader on the vault (or its resource group or subscription).`,
        missingAction: 'Microsoft.KeyVault/vaults/read',
      },
    };
    const r = find(pairChecks(f), 'REF-VAULT@kv-shared.vault.azure.net');
    assert.equal(r.status, 'unknown');
    assert.equal(r.fix, undefined);
    assert.equal(r.missingAction, 'Microsoft.KeyVault/vaults/read');
    assert.match(r.cause, /named value partner \(identity apim-contoso \(system identity\)\) reads kv-shared\.vault\.azure\.net/);
    assert.match(r.cause, /Reader or Key Vault Reader/);
  });
  // Issue 13, "Bad input": nothing is written for a reference whose vault cannot be read, not even a refresh, and its
  // failure is not explained by a step whose checks ran on another vault.
  it('a named value on an unreadable vault: no refresh is planned and its failure points at REF-VAULT, not step 2', () => {
    const f = sharedNamedValue();
    f.otherVaults = {
      [HOST]: { ok: false, unknown: 'NotFound', message: 'not visible', missingAction: 'Microsoft.KeyVault/vaults/read' },
    };
    const earlier = runChecks(f);
    const r = checkNamedValues(f, (s, identity, id) => explainFailure(s, earlier, identity, f, id));
    assert.equal(r.status, 'fail');
    assert.equal(r.fix, undefined);
    assert.match(r.cause, /Nothing is refreshed for partner: its vault could not be read \(REF-VAULT@kv-shared\.vault\.azure\.net\)/);
    assert.match(
      r.evidence.join('\n'),
      /-> not diagnosed: its vault could not be read \(REF-VAULT@kv-shared\.vault\.azure\.net unknown\); the message was: Forbidden/,
    );
    assert.doesNotMatch(r.evidence.join('\n'), /see step 2/);
  });
});
