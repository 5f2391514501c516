import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  certificateChecks,
  checkCertIdentity,
  checkCreate,
  checkExisting,
  checkExpiry,
  checkHostname,
  checkIdFormat,
  checkIdVersion,
  checkRefresh,
  checkVerify,
  checkVersioned,
} from '../../src/checks/certificate.ts';
import type { Facts } from '../../src/checks/facts.ts';
import type { Finding } from '../../src/checks/types.ts';
import {
  APIM_ID,
  apimOf,
  baseline,
  forbidden,
  noVnet,
  NOW,
  SECRET_ID,
  UAI_CLIENT,
  UAI_ID,
  VAULT_ID,
  VERSION,
  vaultOf,
} from './builders.ts';

function intent(
  f: Facts,
  secretIdentifier = SECRET_ID,
  identity: 'system' | { userAssignedId: string } = 'system',
  certificateId = 'backend-client',
): Facts {
  f.intent = { kind: 'keyVault', certificateId, secretIdentifier, identity };
  return f;
}

function certs(f: Facts) {
  if (!f.apimCertificates.ok) throw new Error('certs');
  return f.apimCertificates.value;
}

describe('step 5 before a choice', () => {
  it('intent-dependent checks are info "choose what to add"; fleet checks still run', () => {
    const findings = certificateChecks(baseline(), []);
    assert.deepEqual(
      findings.map((x) => [x.checkId, x.status]),
      [
        ['CERT-ID-FORMAT', 'info'],
        ['CERT-ID-VERSION', 'info'],
        ['CERT-IDENTITY', 'info'],
        ['CERT-EXISTING', 'info'],
        ['CERT-CREATE', 'info'],
        ['CERT-VERIFY', 'info'],
        ['CERT-EXPIRY', 'pass'],
        ['CERT-REFRESH', 'pass'],
        ['CERT-VERSIONED', 'pass'],
        ['CERT-HOSTNAME', 'skipped'],
      ],
    );
    assert.equal(findings[0].cause, 'Choose what to add in step 5: a certificate from Key Vault, or a .pfx file to upload.');
  });
});

describe('CERT-ID-FORMAT / CERT-ID-VERSION', () => {
  it('passes a versionless secret identifier', () => {
    assert.equal(checkIdFormat(intent(baseline())).status, 'pass');
    assert.equal(checkIdVersion(intent(baseline())).status, 'pass');
  });
  it('rewrites /certificates/ with a warning', () => {
    const r = checkIdFormat(intent(baseline(), 'https://kv-contoso.vault.azure.net/certificates/backend-client'));
    assert.equal(r.status, 'warn');
    assert.equal(
      r.cause,
      'The identifier used /certificates/, which API Management rejects ("only accepts KeyVault Secrets type"): it will be sent as https://kv-contoso.vault.azure.net/secrets/backend-client.',
    );
  });
  it('fails garbage and another cloud', () => {
    assert.equal(checkIdFormat(intent(baseline(), 'kv/secret')).status, 'fail');
    assert.equal(checkIdFormat(intent(baseline(), 'https://kv-contoso.vault.usgovcloudapi.net/secrets/x')).status, 'fail');
    assert.equal(checkIdVersion(intent(baseline(), 'kv/secret')).status, 'skipped');
  });
  it('warns when the identifier names another vault than the one checked', () =>
    assert.equal(checkIdFormat(intent(baseline(), 'https://kv-other.vault.azure.net/secrets/x')).status, 'warn'));
  it('warns about a version', () => {
    const r = checkIdVersion(intent(baseline(), `${SECRET_ID}/${VERSION}`));
    assert.equal(r.status, 'warn');
    assert.equal(
      r.cause,
      `The identifier names version ${VERSION}: API Management will keep that version and never pick up a renewal. Use ${SECRET_ID} so renewals arrive within four hours.`,
    );
  });
  it('is skipped for a .pfx choice', () => {
    const f = baseline();
    f.intent = {
      kind: 'pfx',
      certificateId: 'c',
      path: '/x.pfx',
      inspection: { ok: false, reason: 'unreadable', message: 'm' },
      pfx: undefined as never,
      password: undefined as never,
    };
    assert.equal(checkIdFormat(f).status, 'skipped');
  });
});

describe('CERT-IDENTITY', () => {
  it('system identity omits the client id', () => assert.equal(checkCertIdentity(intent(baseline())).status, 'pass'));
  it('user-assigned identity uses its client id', () =>
    assert.deepEqual(checkCertIdentity(intent(baseline(), SECRET_ID, { userAssignedId: UAI_ID })).evidence, [
      `client id: ${UAI_CLIENT}`,
      'principal id: bbbbbbbb-0000-0000-0000-000000000002',
    ]));
  it('fails for an identity that is not attached', () =>
    assert.equal(checkCertIdentity(intent(baseline(), SECRET_ID, { userAssignedId: '/other/uai' })).status, 'fail'));
  it('fails for a system identity that is not enabled', () => {
    const f = intent(baseline());
    apimOf(f).identity = { type: 'UserAssigned', userAssigned: apimOf(f).identity.userAssigned };
    assert.equal(checkCertIdentity(f).cause, 'The system-assigned identity is chosen but not enabled: enable it first (PRE-MI).');
  });
});

describe('CERT-EXISTING and CERT-CREATE', () => {
  it('creates a new certificate without If-Match', () => {
    const f = intent(baseline());
    assert.equal(checkExisting(f).status, 'pass');
    const r = checkCreate(f, []);
    assert.equal(r.status, 'warn');
    assert.equal(r.cause, 'Not added yet: everything it needs checks out. Apply to add "backend-client".');
    assert.deepEqual(r.fix?.operations, [
      { kind: 'apim.putKeyVaultCertificate', apimId: APIM_ID, certificateId: 'backend-client', secretIdentifier: SECRET_ID },
    ]);
    assert.deepEqual(r.fix?.preview, [
      {
        method: 'PUT',
        path: `${APIM_ID}/certificates/backend-client?api-version=2024-05-01`,
        body: { properties: { keyVault: { secretIdentifier: SECRET_ID } } },
        diff: ['+ certificate: backend-client', `+ keyVault.secretIdentifier: ${SECRET_ID}`, '+ identity: system-assigned'],
      },
    ]);
    assert.deepEqual(r.fix?.az, [
      `az rest --method put --url 'https://management.azure.com${APIM_ID}/certificates/backend-client?api-version=2024-05-01' --body '{"properties":{"keyVault":{"secretIdentifier":"${SECRET_ID}"}}}'`,
    ]);
  });
  it('updates an existing certificate with If-Match from its etag and the UAI client id', () => {
    const f = intent(baseline(), 'https://kv-contoso.vault.azure.net/certificates/new-one', { userAssignedId: UAI_ID }, 'gateway-client');
    assert.equal(checkExisting(f).status, 'warn');
    const r = checkCreate(f, []);
    assert.deepEqual(r.fix?.operations, [
      {
        kind: 'apim.putKeyVaultCertificate',
        apimId: APIM_ID,
        certificateId: 'gateway-client',
        secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/new-one',
        identityClientId: UAI_CLIENT,
        ifMatch: '"cert-etag"',
      },
    ]);
    assert.deepEqual(r.fix?.preview[0].diff, [
      '- keyVault.secretIdentifier: https://kv-contoso.vault.azure.net/secrets/gateway-client',
      '+ keyVault.secretIdentifier: https://kv-contoso.vault.azure.net/secrets/new-one',
      '- identity: system-assigned',
      `+ identity: user-assigned (client ${UAI_CLIENT})`,
      '  If-Match: "cert-etag"',
    ]);
  });
  it('passes when the same reference is already fetched', () => {
    const f = intent(baseline(), 'https://kv-contoso.vault.azure.net/secrets/gateway-client', 'system', 'gateway-client');
    assert.deepEqual([checkCreate(f, []).status, checkCreate(f, []).fix], ['pass', undefined]);
  });
  it('names failing earlier checks but still offers the plan', () => {
    const earlier: Finding[] = [{ checkId: 'ACC-RBAC', step: 'access', status: 'fail', title: 't', cause: 'c', evidence: [] }];
    const r = checkCreate(intent(baseline()), earlier);
    assert.equal(
      r.cause,
      'Not added yet, and ACC-RBAC is still failing or unknown: API Management may be unable to fetch it. Fix those first, or add it now and read the verdict in CERT-VERIFY.',
    );
    assert.equal(r.fix?.operations[0].kind, 'apim.putKeyVaultCertificate');
  });
  it('fails without a plan when the identifier or identity is unusable', () => {
    assert.deepEqual(
      [checkCreate(intent(baseline(), 'garbage'), []).status, checkCreate(intent(baseline(), 'garbage'), []).fix],
      ['fail', undefined],
    );
    assert.equal(checkCreate(intent(baseline(), SECRET_ID, { userAssignedId: '/other' }), []).status, 'fail');
  });
  it('refuses a user-assigned identity behind the firewall when nothing gives API Management a line of sight', () => {
    const f = intent(noVnet(), SECRET_ID, { userAssignedId: UAI_ID });
    // The public IP rule is the line of sight: the fetch can work, so the plan stays on offer.
    assert.equal(checkCreate(f, []).fix?.operations[0].kind, 'apim.putKeyVaultCertificate');
    vaultOf(f).networkAcls.ipRules = ['203.0.113.0/24'];
    const r = checkCreate(f, []);
    assert.deepEqual([r.status, r.fix], ['fail', undefined]);
    assert.equal(
      r.cause,
      'Not ready: the firewall of kv-contoso admits API Management only with its system-assigned identity (the user-assigned identity uai-certs gets no trusted-service exception, and the vault gives API Management no network line of sight). Choose the system-assigned identity (FW-IDENTITY).',
    );
    // Another vault's firewall says nothing about this identifier's vault.
    assert.equal(checkCreate(intent(f, 'https://kv-elsewhere.vault.azure.net/secrets/c', { userAssignedId: UAI_ID }), []).status, 'warn');
    vaultOf(f).networkAcls.defaultAction = 'Allow';
    assert.equal(checkCreate(intent(f, SECRET_ID, { userAssignedId: UAI_ID }), []).status, 'warn');
  });
  it("refuses, unsent, a certificate from a vault that does not exist; another vault's identifier is not affected", () => {
    const f = intent(baseline());
    f.vault = { ok: false, unknown: 'NotFound', message: 'not found', from: { resourceId: VAULT_ID, readAt: NOW } };
    const r = checkCreate(f, []);
    assert.deepEqual([r.status, r.fix], ['fail', undefined]);
    assert.equal(
      r.cause,
      'Not ready: the key vault kv-contoso does not exist (PRE-VAULT): API Management could not fetch the certificate from it. Check the identifier and --vault, or recover the vault if it was deleted.',
    );
    assert.equal(
      checkCreate(intent(f, 'https://kv-elsewhere.vault.azure.net/secrets/c'), []).fix?.operations[0].kind,
      'apim.putKeyVaultCertificate',
    );
  });
  it('is unknown when the certificates cannot be listed', () => {
    const f = intent(baseline());
    f.apimCertificates = forbidden('Microsoft.ApiManagement/service/certificates/read');
    assert.deepEqual(
      [checkCreate(f, []).status, checkCreate(f, []).missingAction],
      ['unknown', 'Microsoft.ApiManagement/service/certificates/read'],
    );
    assert.equal(checkExisting(f).status, 'unknown');
  });
});

describe('CERT-VERIFY', () => {
  it('is info before the certificate exists', () => assert.equal(checkVerify(intent(baseline())).status, 'info'));
  it('passes on Success', () => assert.equal(checkVerify(intent(baseline(), SECRET_ID, 'system', 'gateway-client')).status, 'pass'));
  // Key Vault's own wording (network-security, troubleshooting-access-issues, rest-error-codes on learn.microsoft.com).
  const failures: [string, string, string][] = [
    [
      'ForbiddenByFirewall',
      'Client address is not authorized and caller is not a trusted service.',
      'the vault firewall refused API Management (its address is not allowed and it was not admitted as a trusted service): see step 3 (Key Vault firewall)',
    ],
    [
      'Forbidden',
      'Client address is not authorized and caller is not a trusted service.',
      'the vault firewall refused API Management (its address is not allowed and it was not admitted as a trusted service): see step 3 (Key Vault firewall)',
    ],
    [
      'Forbidden',
      'does not have secrets get permission',
      "the vault's access policies do not give the identity secrets get: see step 2 (Key vault access)",
    ],
    [
      'SecretNotFound',
      'Secret not found',
      'the identifier names a secret (or version) the vault does not have: check it, or recover a deleted certificate',
    ],
    ['Timeout', 'timed out', 'API Management could not reach the vault over the network: see step 4 (Virtual network)'],
    ['Failed', 'Something nobody documented', 'apimkv does not recognise this message'],
  ];
  for (const [code, message, advice] of failures) {
    it(`maps ${code} (${message}) back to its step`, () => {
      const f = intent(baseline(), SECRET_ID, 'system', 'gateway-client');
      certs(f)[0].keyVault!.lastStatus = { code, message };
      const r = checkVerify(f);
      assert.equal(r.status, 'fail');
      assert.equal(
        r.cause,
        `API Management could not fetch the secret (${code}: ${message}): ${advice}. After fixing it, refresh the certificate (CERT-REFRESH).`,
      );
    });
  }
});

describe('existing certificates', () => {
  it('CERT-EXPIRY: warn under 30 days, fail when expired', () => {
    const f = baseline();
    certs(f)[0].expirationDate = '2026-12-01T00:00:00Z';
    assert.equal(checkExpiry(f).cause, 'gateway-client (8 d) expires within 30 days: renew it now.');
    certs(f)[0].expirationDate = '2026-11-01T00:00:00Z';
    assert.equal(checkExpiry(f).status, 'fail');
    f.apimCertificates = { ok: true, value: [] };
    assert.equal(checkExpiry(f).status, 'info');
  });
  it('CERT-REFRESH: refresh failed certificates', () => {
    const f = baseline();
    certs(f)[0].keyVault!.lastStatus = { code: 'ForbiddenByFirewall', message: 'blocked' };
    const r = checkRefresh(f);
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.fix?.operations, [{ kind: 'apim.refreshCertificate', apimId: APIM_ID, certificateId: 'gateway-client' }]);
    assert.deepEqual(r.fix?.preview[0], {
      method: 'POST',
      path: `${APIM_ID}/certificates/gateway-client/refreshSecret?api-version=2024-05-01`,
      diff: [
        '  keyVault.secretIdentifier: https://kv-contoso.vault.azure.net/secrets/gateway-client',
        '- keyVault.lastStatus: ForbiddenByFirewall',
        '+ keyVault.lastStatus: (from a fresh read of the secret)',
      ],
    });
    assert.deepEqual(r.fix?.requiredActions, ['Microsoft.ApiManagement/service/certificates/refreshSecret/action']);
  });
  it('CERT-VERSIONED flags existing versioned references (sandbox host with port)', () => {
    const f = baseline();
    f.context.kvDnsSuffix = '.vault.localhost';
    certs(f)[0].keyVault!.secretIdentifier = `https://kv-contoso.vault.localhost:8443/secrets/gateway-client/${VERSION}`;
    const r = checkVersioned(f);
    assert.equal(r.status, 'warn');
    assert.deepEqual(r.evidence, [
      `gateway-client: https://kv-contoso.vault.localhost:8443/secrets/gateway-client/${VERSION} -> https://kv-contoso.vault.localhost/secrets/gateway-client`,
    ]);
  });
  it('CERT-HOSTNAME: failed, versioned, bypass off', () => {
    const f = baseline();
    apimOf(f).hostnameConfigurations = [
      {
        type: 'Proxy',
        hostName: 'api.contoso.com',
        keyVaultId: `https://kv-contoso.vault.azure.net/secrets/gw/${VERSION}`,
        certificateSource: 'KeyVault',
        certificateStatus: 'Completed',
      },
    ];
    assert.equal(checkHostname(f).cause, `api.contoso.com: the identifier names version ${VERSION}, so renewals are never picked up.`);
    vaultOf(f).networkAcls.bypass = 'None';
    assert.match(checkHostname(f).cause, /the vault is not public and the trusted-services exception is off/);
    apimOf(f).hostnameConfigurations[0].certificateStatus = 'Failed';
    assert.equal(checkHostname(f).status, 'fail');
  });
});
