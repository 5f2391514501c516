// API Management re-reads its Key Vault references on its own schedule, with no client call: certificates and named
// values "within four hours" (https://learn.microsoft.com/azure/api-management/api-management-howto-use-managed-service-identity),
// custom-domain certificates likewise by default ("refreshes certificates from Azure Key Vault every 4 hours",
// https://azure.microsoft.com/updates/azure-api-management-update-april-19/; up to 1-2 days per
// https://learn.microsoft.com/azure/api-management/configure-custom-domain, which a world can set).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { derivedThumbprint } from '../../src/sandbox/providers/apim-fetch.ts';
import { loadWorld, startSandbox, type World } from '../../src/sandbox/index.ts';
import { APIM_ID, APIM_PRINCIPAL, SECRET_ID, clientsFor, worldWith } from './clients.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T08:00:00Z');
const VERSIONS = loadWorld('healthy').vaultData!['kv-contoso-certs'].certificates!['contoso-api-client'].versions;
const OLD = derivedThumbprint('kv-contoso-certs', 'contoso-api-client', VERSIONS[0].version);

/** healthy, with api.contoso.com served from the versionless secret; APIM's cached copy is the version before the renewal. */
function renewedInVault(change: (w: World) => void = () => {}): World {
  return worldWith(loadWorld('healthy'), (w) => {
    const apim = w.resources.find((r) => r.id === APIM_ID)!;
    apim.properties.hostnameConfigurations.push({
      type: 'Proxy',
      hostName: 'api.contoso.com',
      keyVaultId: SECRET_ID,
      negotiateClientCertificate: false,
      defaultSslBinding: false,
      certificateSource: 'KeyVault',
      certificateStatus: 'Completed',
      certificate: { expiry: '2026-11-01T09:00:00Z', thumbprint: OLD, subject: 'CN=api.contoso.com' },
    });
    change(w);
  });
}

const hostname = (w: World) =>
  w.resources
    .find((r) => r.id === APIM_ID)!
    .properties.hostnameConfigurations.find((h: { hostName: string }) => h.hostName === 'api.contoso.com');
const backendStatus = (w: World) =>
  w.resources.find((r) => r.id === `${APIM_ID}/certificates/backend-client`)!.properties.keyVault.lastStatus;

test('the renewed version is picked up four hours after start, with no refresh call; not a moment before', async () => {
  const world = renewedInVault();
  const current = VERSIONS[1].version;
  assert.ok(Date.parse(VERSIONS[1].created!) > Date.parse(VERSIONS[0].created!), 'the second version is the renewal');
  let now = T0;
  const sandbox = await startSandbox({ world, clock: () => now });
  try {
    now = T0 + 4 * HOUR - 1;
    assert.equal(hostname(sandbox.world()).certificate.thumbprint, OLD);
    assert.equal(backendStatus(sandbox.world()).timeStampUtc, '2026-11-20T06:12:09Z');

    now = T0 + 4 * HOUR;
    // Read as a client sees it: the GET goes through the pipeline, which runs what the clock has made due.
    const apim = await clientsFor(sandbox).apim.apiManagementService.get('rg-apim-demo', 'apim-contoso-dev');
    const h = apim.hostnameConfigurations?.find((x) => x.hostName === 'api.contoso.com');
    assert.equal(h?.certificate?.thumbprint, derivedThumbprint('kv-contoso-certs', 'contoso-api-client', current));
    assert.equal(h?.certificate?.expiry?.toISOString(), '2027-10-15T09:00:00.000Z');
    assert.equal(h?.certificateStatus, 'Completed');
    assert.deepEqual(backendStatus(sandbox.world()), { code: 'Success', message: '', timeStampUtc: '2026-12-01T12:00:00Z' });

    // Next due at +8 h: nothing happens at +7 h.
    now = T0 + 7 * HOUR;
    assert.equal(backendStatus(sandbox.world()).timeStampUtc, '2026-12-01T12:00:00Z');
    now = T0 + 8 * HOUR;
    assert.equal(backendStatus(sandbox.world()).timeStampUtc, '2026-12-01T16:00:00Z');
  } finally {
    await sandbox.close();
  }
});

test("access lost since the last sync: the hostname keeps its cached certificate with status Failed, the certificate's lastStatus says why", async () => {
  const world = renewedInVault((w) => {
    w.resources = w.resources.filter((r) => !(r.type.endsWith('/roleAssignments') && r.properties.principalId === APIM_PRINCIPAL));
  });
  let now = T0;
  const sandbox = await startSandbox({ world, clock: () => now });
  try {
    now = T0 + 4 * HOUR;
    const w = sandbox.world();
    assert.equal(hostname(w).certificateStatus, 'Failed');
    assert.equal(hostname(w).certificate.thumbprint, OLD);
    assert.equal(backendStatus(w).code, 'ForbiddenByRbac');
    assert.equal(backendStatus(w).timeStampUtc, '2026-12-01T12:00:00Z');
  } finally {
    await sandbox.close();
  }
});

test('a world sets the intervals: hostnames every two days, references hourly; 0 turns one off', async () => {
  const world = renewedInVault((w) => (w.keyVaultRefresh = { hostnamesMs: 48 * HOUR, referencesMs: HOUR }));
  let now = T0;
  const sandbox = await startSandbox({ world, clock: () => now });
  try {
    now = T0 + HOUR;
    assert.equal(backendStatus(sandbox.world()).timeStampUtc, '2026-12-01T09:00:00Z');
    now = T0 + 47 * HOUR;
    assert.equal(hostname(sandbox.world()).certificate.thumbprint, OLD);
    now = T0 + 48 * HOUR;
    assert.notEqual(hostname(sandbox.world()).certificate.thumbprint, OLD);
  } finally {
    await sandbox.close();
  }
  const off = await startSandbox({
    world: renewedInVault((w) => (w.keyVaultRefresh = { hostnamesMs: 0, referencesMs: 0 })),
    clock: () => now,
  });
  try {
    now += 100 * HOUR;
    assert.equal(hostname(off.world()).certificate.thumbprint, OLD);
    assert.equal(backendStatus(off.world()).timeStampUtc, '2026-11-20T06:12:09Z');
  } finally {
    await off.close();
  }
});
