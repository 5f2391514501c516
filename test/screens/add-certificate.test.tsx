import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CertificateIntent, VaultCertificateFacts } from '../../src/checks/facts.ts';
import type { Evaluation } from '../../src/runbook/engine-types.ts';
import { FakeEngine } from './fake-engine.ts';
import { APIM_ID, evaluation, facts, finding, plan, UAI_ID, VAULT_ID } from './fixtures.ts';
import { READY } from './fixtures.ts';
import { KEY, oversizedFrames, renderApp } from './harness.tsx';

const flat = (s: string) => s.replace(/\s+/g, ' ');

const CERTS: VaultCertificateFacts[] = Array.from({ length: 5000 }, (_, i) => ({
  name: `cert-${String(i).padStart(4, '0')}`,
  secretId: `https://kv-contoso.vault.azure.net/secrets/cert-${String(i).padStart(4, '0')}`,
  enabled: i !== 3,
  expiresOn: i === 1 ? '2026-12-01T00:00:00Z' : '2027-06-01T00:00:00Z',
  contentType: 'application/x-pkcs12',
}));

/** Evaluations that answer an intent with the CERT-CREATE plan, and after the write a lastStatus. */
function withCertificatePlan(intent: CertificateIntent | undefined): Evaluation {
  const base = evaluation();
  if (!intent || intent.kind !== 'keyVault') return base;
  const create = plan('CERT-CREATE', {
    title: `Add certificate "${intent.certificateId}" from Key Vault`,
    operations: [
      {
        kind: 'apim.putKeyVaultCertificate',
        apimId: APIM_ID,
        certificateId: intent.certificateId,
        secretIdentifier: intent.secretIdentifier,
      },
    ],
    requiredActions: [],
  });
  return { ...base, findings: [...base.findings, finding('CERT-CREATE', 'certificate', 'info', { fix: create })] };
}

async function openPicker(engine: FakeEngine) {
  const r = renderApp(engine);
  await r.waitFor(READY);
  await r.press('a');
  await r.waitFor('Add a Key Vault certificate (step 5)');
  return r;
}

test('the picker lists 5,000 certificates in a window with expiry and state, and filters with /', async () => {
  const engine = new FakeEngine({ list: async () => ({ ok: true, value: CERTS }) });
  const r = await openPicker(engine);
  const f = await r.waitFor('cert-0000');
  assert.match(f, /5000 of 5000 certificates/);
  assert.match(f, /› cert-0000 +expires 2027-06-01 {2}✔ enabled$/m);
  assert.match(f, /cert-0001 +expires 2026-12-01 {2}▲ 8 d left/);
  assert.match(f, /cert-0003 +expires 2027-06-01 {2}✖ disabled/);
  assert.match(f, /↓ 49\d\d more/);
  await r.press('1', '2', '3');
  assert.match(r.frame(), /› cert-0000/);
  await r.press('/', '4', '9', '9');
  assert.match(r.frame(), /Filter: 499/);
  assert.match(r.frame(), /11 of 5000 certificates|cert-0499/);
  await r.press('9', KEY.enter);
  const g = r.frame();
  assert.match(g, /1 of 5000 certificates matching "4999"/);
  assert.match(g, /› cert-4999/);
  assert.match(g, /https:\/\/kv-contoso\.vault\.azure\.net\/secrets\/cert-4999 {2}\(versionless/);
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  r.unmount();
});

test('a disabled certificate is refused with the reason', async () => {
  const engine = new FakeEngine({ list: async () => ({ ok: true, value: CERTS.slice(0, 10) }) });
  const r = await openPicker(engine);
  await r.waitFor('cert-0000');
  await r.press('j', 'j', 'j', KEY.enter);
  assert.match(flat(r.frame()), /✖ cert-0003 is disabled in the vault: API Management could not fetch it\./);
  r.unmount();
});

test('pick, refuse the user-assigned identity behind the firewall, choose system, name, confirm -> setIntent and the CERT-CREATE fix', async () => {
  const engine = new FakeEngine({
    list: async () => ({ ok: true, value: CERTS.slice(0, 5) }),
    evaluate: withCertificatePlan,
    apply: async (p) => {
      const after = evaluation({
        facts: facts({
          apimCertificates: {
            ok: true,
            value: [
              {
                id: `${APIM_ID}/certificates/cert-0002`,
                name: 'cert-0002',
                subject: 'CN=api.contoso.com',
                expirationDate: '2027-06-01T00:00:00Z',
                keyVault: { secretIdentifier: 'x', lastStatus: { code: 'Success', timeStampUtc: '2026-11-22T10:01:00Z' } },
              },
            ],
          },
        }),
      });
      after.findings.push(
        finding('FW-CLIENTIP-CLEANUP', 'firewall', 'warn', {
          fix: plan('FW-CLIENTIP-CLEANUP', {
            title: 'Remove 203.0.113.7/32',
            operations: [{ kind: 'vault.removeIpRule', vaultId: VAULT_ID, value: '203.0.113.7/32' }],
          }),
        }),
      );
      return { ok: true, message: `Applied and verified — ${p.checkId}.`, results: [], evaluation: after };
    },
    temporary: [{ kind: 'vault.ipRule', vaultId: VAULT_ID, value: '203.0.113.7/32', addedAt: '2026-11-22T09:59:00Z' }],
  });
  const r = await openPicker(engine);
  await r.waitFor('cert-0000');
  await r.press('j', 'j', KEY.enter);
  let f = await r.waitFor('Which identity');
  assert.match(f, /› System-assigned identity \(principal sys-principal\)/);
  assert.match(f, /User-assigned uai-certs \(client uai-client\) {2}✖ refused behind the firewall/);
  await r.press('j');
  assert.match(
    flat(r.frame()),
    /✖ fail Refused: the vault firewall is on, and behind it API Management must use its system-assigned identity/,
  );
  await r.press(KEY.enter);
  assert.match(flat(r.frame()), /Fix: enable the system-assigned identity \(PRE-MI\), grant it access \(step 2\), then choose it here\./);
  assert.match(r.frame(), /Which identity/);
  await r.press('k', KEY.enter);
  f = await r.waitFor('Certificate id in API Management:');
  assert.match(f, /› cert-0002/);
  await r.press(KEY.enter);
  f = await r.waitFor('About to plan:');
  assert.match(f, /Identifier {3}https:\/\/kv-contoso\.vault\.azure\.net\/secrets\/cert-0002/);
  assert.match(f, /✔ pass {2}versionless: renewals are picked up within 4 hours/);
  await r.press(KEY.enter);
  await pastWarning(r);
  await r.waitFor('Fix CERT-CREATE: Add certificate "cert-0002" from Key Vault');
  assert.deepEqual(
    // The warning's Enter re-checks with the same choice: one distinct intent.
    [...new Set(engine.callsOf('setIntent').map((c) => JSON.stringify(c.intent)))].map((j) => JSON.parse(j)),
    [
      {
        kind: 'keyVault',
        certificateId: 'cert-0002',
        secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/cert-0002',
        identity: 'system',
      },
    ],
  );
  await r.press('y');
  f = flat(await r.waitFor('lastStatus'));
  assert.match(f, /Key Vault fetch \(lastStatus\): ✔ pass Success \(2026-11-22T10:01:00Z\)/);
  assert.match(f, /c remove the temporary client IP rule apimkv added/);
  await r.press('c');
  await r.waitFor('Fix FW-CLIENTIP-CLEANUP: Remove 203.0.113.7/32');
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  r.unmount();
});

/**
 * The fixture's checks fail ACC-RBAC and FW-BYPASS for the chosen identity: the add flow warns before the preview,
 * naming them and offering the first one's fix; Enter previews anyway.
 */
async function pastWarning(r: Awaited<ReturnType<typeof openPicker>>): Promise<void> {
  const f = flat(await r.waitFor('Warning:'));
  assert.match(f, /Warning: ACC-RBAC, FW-BYPASS fail for this identity/);
  assert.match(f, /f fixes ACC-RBAC first/);
  assert.doesNotMatch(f, /Fix CERT-CREATE/);
  await r.press(KEY.enter);
}

// The wizard and --secret-id parse identifiers with the same rules (checks/identifiers.ts): a version is 32
// hexadecimal characters (https://learn.microsoft.com/en-us/azure/key-vault/general/about-keys-secrets-certificates#object-identifiers).
const VERSION = '0123abcd0123abcd0123abcd0123abcd';

test('a typed, versioned identifier is warned about and the versionless one is used', async () => {
  const engine = new FakeEngine({ list: async () => ({ ok: true, value: [] }), evaluate: withCertificatePlan });
  const r = await openPicker(engine);
  await r.waitFor('The vault has no certificates');
  await r.press('t');
  await r.waitFor('Secret identifier:');
  // Typing "q" here is text, not quit.
  await r.press(`https://kv-contoso.vault.azure.net/certificates/web-q/${VERSION}`);
  let f = r.frame();
  assert.deepEqual(r.exits, []);
  assert.match(f, /→ versionless: https:\/\/kv-contoso\.vault\.azure\.net\/secrets\/web-q/);
  assert.match(f, new RegExp(`▲ warn {2}versioned \\(${VERSION}\\): no auto-rotation`));
  await r.press(KEY.enter);
  f = flat(r.frame());
  assert.match(f, new RegExp(`▲ warn This identifier pins version ${VERSION}: API Management will not pick up renewals`));
  assert.match(f, /Versionless: https:\/\/kv-contoso\.vault\.azure\.net\/secrets\/web-q/);
  await r.press(KEY.enter);
  await r.waitFor('Which identity');
  await r.press(KEY.enter, KEY.enter);
  f = flat(await r.waitFor('About to plan:'));
  assert.match(f, /Normalised: rewrote \/certificates\/ to \/secrets\/ \(API Management only accepts the secret endpoint\)\./);
  await r.press(KEY.enter);
  await pastWarning(r);
  await r.waitFor('Fix CERT-CREATE');
  const [call] = engine.callsOf('setIntent');
  assert.deepEqual(call.intent, {
    kind: 'keyVault',
    certificateId: 'web-q',
    secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/web-q',
    identity: 'system',
  });
  r.unmount();
});

test('v keeps the versioned identifier; a user-assigned identity is accepted when there is no firewall', async () => {
  const open = facts();
  if (open.vault.ok) open.vault.value.networkAcls.defaultAction = 'Allow';
  const engine = new FakeEngine({
    list: async () => ({ ok: true, value: [] }),
    evaluate: (intent) => ({ ...withCertificatePlan(intent), facts: open }),
  });
  const r = await openPicker(engine);
  await r.waitFor('The vault has no certificates');
  await r.press('t');
  await r.press(`https://kv-contoso.vault.azure.net/secrets/web/${VERSION}`, KEY.enter, 'v');
  await r.waitFor('Which identity');
  assert.doesNotMatch(r.frame(), /refused/);
  await r.press('j', KEY.enter);
  await r.waitFor('Certificate id in API Management:');
  await r.press(KEY.enter);
  await r.waitFor('versioned: no auto-rotation');
  await r.press(KEY.enter);
  await pastWarning(r);
  await r.waitFor('Fix CERT-CREATE');
  assert.deepEqual(engine.callsOf('setIntent')[0].intent, {
    kind: 'keyVault',
    certificateId: 'web',
    secretIdentifier: `https://kv-contoso.vault.azure.net/secrets/web/${VERSION}`,
    identity: { userAssignedId: UAI_ID },
  });
  r.unmount();
});

test('a typed identifier the CLI refuses is refused here with the same reason (privatelink host, non-hex version)', async () => {
  const engine = new FakeEngine({ list: async () => ({ ok: true, value: [] }), evaluate: withCertificatePlan });
  const r = await openPicker(engine);
  await r.waitFor('The vault has no certificates');
  await r.press('t');
  await r.waitFor('Secret identifier:');
  await r.press('https://kv-contoso.privatelink.vaultcore.azure.net/secrets/web', KEY.enter);
  assert.match(
    flat(await r.waitFor('privatelink host')),
    /Use the vault's public name \(<vault>\.vault\.azure\.net\), not its privatelink host/,
  );
  assert.doesNotMatch(r.frame(), /Which identity/);
  r.unmount();
});

test('when the vault cannot be listed (firewall) it says why and offers FW-CLIENTIP or typing', async () => {
  const engine = new FakeEngine({
    list: async () => ({
      ok: false,
      unknown: 'Forbidden',
      message: 'Client address is not authorized and caller is not a trusted service. Client address: 203.0.113.7',
    }),
  });
  const r = await openPicker(engine);
  const f = flat(await r.waitFor('cannot be listed'));
  assert.match(
    f,
    /✖ fail The vault's certificates cannot be listed: your address is blocked by the vault firewall\. Client address is not authorized/,
  );
  assert.match(f, /f Add 203\.0\.113\.7\/32 to the vault firewall — FW-CLIENTIP \(temporary/);
  assert.match(f, /t type the identifier instead/);
  await r.press('f');
  await r.waitFor('Fix FW-CLIENTIP: Add 203.0.113.7/32 to the vault firewall');
  assert.match(flat(r.frame()), /Temporary: yes — apimkv records it and offers to remove it when you are done\./);
  // Esc from that preview goes back to the certificate screen, not the checklist.
  await r.press(KEY.esc);
  await r.waitFor('Add a Key Vault certificate (step 5)');
  await r.waitFor('cannot be listed');
  await r.press('t');
  await r.waitFor('Secret identifier:');
  assert.deepEqual(engine.callsOf('apply'), []);
  r.unmount();
});

test('a 403 listing (not the firewall) says the permission is missing; Esc goes back to the checklist', async () => {
  const engine = new FakeEngine({
    list: async () => ({
      ok: false,
      unknown: 'Forbidden',
      message: 'Caller is not authorized to perform action on resource.',
      missingAction: 'Microsoft.KeyVault/vaults/certificates/list/action',
    }),
  });
  const e = evaluation();
  e.facts.operatorDataPlane = { ok: true, value: { status: 'forbidden', message: 'no' } };
  engine['options'].evaluate = () => e;
  const r = await openPicker(engine);
  const f = flat(await r.waitFor('cannot be listed'));
  assert.match(f, /cannot be listed: you may not list this vault \(403\)\. Caller is not authorized/);
  assert.doesNotMatch(f, /FW-CLIENTIP/);
  await r.press(KEY.esc);
  await r.waitFor(READY);
  r.unmount();
});
