import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CertificateIntent } from '../../src/checks/facts.ts';
import type { Evaluation } from '../../src/runbook/engine-types.ts';
import { FakeEngine } from './fake-engine.ts';
import { APIM_ID, evaluation, finding, plan } from './fixtures.ts';
import { READY } from './fixtures.ts';
import { KEY, oversizedFrames, renderApp } from './harness.tsx';

const PASSWORD = 'S3cr3t-Passw0rd!';
const dir = mkdtempSync(join(tmpdir(), 'apimkv-upload-'));
const PFX = join(dir, 'api-contoso.pfx');
// The outer shape of a PKCS#12 PFX (SEQUENCE { INTEGER 3, SEQUENCE {} }): enough for the check made before
// the password; what the password opens is the fake engine's canned inspection.
const PFX_BYTES = Buffer.from([0x30, 0x05, 0x02, 0x01, 0x03, 0x30, 0x00]);
writeFileSync(PFX, PFX_BYTES);

function withUploadPlan(intent: CertificateIntent | undefined): Evaluation {
  const base = evaluation();
  if (intent?.kind !== 'pfx') return base;
  const upload = plan('UPL-CREATE', {
    title: `Upload certificate "${intent.certificateId}"`,
    operations: [
      { kind: 'apim.uploadCertificate', apimId: APIM_ID, certificateId: intent.certificateId, pfx: intent.pfx, password: intent.password },
    ],
    preview: [
      {
        method: 'PUT',
        path: `${APIM_ID}/certificates/${intent.certificateId}?api-version=2024-05-01`,
        body: { properties: { data: '[redacted]', password: '[redacted]' } },
        diff: ['+ certificate api-contoso'],
      },
    ],
    requiredActions: [],
  });
  return { ...base, findings: [...base.findings, finding('UPL-CREATE', 'certificate', 'info', { fix: upload })] };
}

const INSPECTION = {
  ok: true as const,
  subject: 'CN=api.contoso.com',
  issuer: 'CN=Contoso CA',
  thumbprint: 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678',
  notBefore: '2026-01-01T00:00:00Z',
  notAfter: '2027-01-01T00:00:00Z',
  keyType: 'RSA',
  keyBits: 2048,
  hasPrivateKey: true,
  chainLength: 3,
  selfSigned: false,
  sizeBytes: 5,
};

test('upload: the password is masked in every frame, the file is inspected before upload, then UPL-CREATE', async () => {
  const engine = new FakeEngine({ evaluate: withUploadPlan, inspect: async () => INSPECTION });
  const r = renderApp(engine);
  await r.waitFor(READY);
  await r.press('u');
  await r.waitFor('Path to the .pfx file:');
  await r.press(PFX, KEY.enter);
  await r.waitFor('Password for api-contoso.pfx:');
  // Typed one key at a time, and once as a paste; a backspace too.
  for (const ch of PASSWORD) await r.press(ch);
  await r.press('x', KEY.backspace);
  assert.match(r.frame(), /•••••••• \(hidden\)/);
  await r.press(KEY.enter);
  let f = await r.waitFor('Thumbprint');
  assert.match(f, /Subject {5}CN=api\.contoso\.com/);
  assert.match(f, /Thumbprint {2}A1B2C3D4E5F60718293A4B5C6D7E8F9012345678/);
  assert.match(f, /Valid {7}2026-01-01T00:00:00Z → 2027-01-01T00:00:00Z \(39 d left\)/);
  assert.match(f, /Key {9}RSA 2048 bits, private key present/);
  assert.match(f, /Chain {7}3 certificates \(leaf included\)/);
  const [inspect] = engine.callsOf('inspectPfx');
  assert.equal(inspect.path, PFX);
  assert.equal(inspect.password.reveal(), PASSWORD);
  await r.press(KEY.enter);
  f = await r.waitFor('Certificate id in API Management:');
  assert.match(f, /› api-contoso/);
  await r.press(KEY.enter);
  f = await r.waitFor('About to plan:');
  assert.match(f, /Password {5}\(hidden\)/);
  await r.press(KEY.enter);
  await r.waitFor('Fix UPL-CREATE: Upload certificate "api-contoso"');
  const [{ intent }] = engine.callsOf('setIntent');
  assert.ok(intent?.kind === 'pfx');
  assert.equal(intent.certificateId, 'api-contoso');
  assert.equal(intent.path, PFX);
  assert.equal(intent.password.reveal(), PASSWORD);
  assert.equal(intent.pfx.reveal(), PFX_BYTES.toString('base64'));
  assert.deepEqual(intent.inspection, INSPECTION);
  // Not in any frame, raw or stripped, nor any prefix of it longer than a few characters.
  for (const raw of r.stdout.frames) {
    assert.ok(!raw.includes(PASSWORD.slice(0, 6)), 'the password leaked into a frame');
  }
  assert.ok(!JSON.stringify(engine.calls).includes(PASSWORD));
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  r.unmount();
});

test('upload: a wrong password goes back to the password field with the reason', async () => {
  const engine = new FakeEngine({
    inspect: async () => ({ ok: false, reason: 'wrong-password', message: 'The password does not open this .pfx.' }),
  });
  const r = renderApp(engine);
  await r.waitFor(READY);
  await r.press('u');
  await r.waitFor('Path to the .pfx file:');
  await r.press(PFX, KEY.enter);
  await r.waitFor('Password for');
  await r.press('wrong', KEY.enter);
  const f = await r.waitFor('does not open');
  assert.match(f, /✖ The password does not open this \.pfx\./);
  assert.match(f, /What to do: Type the password again\./);
  assert.match(f, /Password for api-contoso\.pfx:/);
  assert.ok(!r.stdout.frames.some((x) => x.includes('wrong')));
  await r.press(KEY.esc, KEY.esc);
  await r.waitFor(READY);
  r.unmount();
});

test('upload: a file the password shows is not usable is refused at the path with the reason', async () => {
  const engine = new FakeEngine({
    inspect: async () => ({ ok: false, reason: 'pem', message: 'This is a PEM file; API Management needs a .pfx (PKCS#12).' }),
  });
  const r = renderApp(engine);
  await r.waitFor(READY);
  await r.press('u');
  await r.waitFor('Path to the .pfx file:');
  await r.press(PFX, KEY.enter);
  await r.waitFor('Password for');
  await r.press(KEY.enter);
  const f = await r.waitFor('PEM file');
  assert.match(f, /Path to the \.pfx file:/);
  assert.deepEqual(engine.callsOf('setIntent'), []);
  r.unmount();
});

test('upload: ~ is expanded and a missing file is named in words at the path, before any password is asked', async () => {
  const engine = new FakeEngine({ inspect: async () => INSPECTION });
  const r = renderApp(engine);
  await r.waitFor(READY);
  await r.press('u');
  await r.waitFor('Path to the .pfx file:');
  const missing = `apimkv-missing-${process.pid}.pfx`;
  await r.press(`~/${missing}`, KEY.enter);
  const f = await r.waitFor('no such file');
  assert.ok(f.includes(`✖ no such file: ${join(homedir(), missing)}`), f);
  assert.match(f, /Path to the \.pfx file:/);
  assert.doesNotMatch(r.frames().join('\n'), /ENOENT|Password for/);
  assert.deepEqual(engine.callsOf('inspectPfx'), []);
  r.unmount();
});

test('upload: a file that is not PKCS#12 at all is refused before the password (no password typed for nothing)', async () => {
  const pem = join(dir, 'cert.pem');
  writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const engine = new FakeEngine({ inspect: async () => INSPECTION });
  const r = renderApp(engine);
  await r.waitFor(READY);
  await r.press('u');
  await r.waitFor('Path to the .pfx file:');
  await r.press(pem, KEY.enter);
  const f = await r.waitFor('PEM (text) file');
  assert.match(f, /Path to the \.pfx file:/);
  assert.doesNotMatch(r.frames().join('\n'), /Password for/);
  assert.deepEqual(engine.callsOf('inspectPfx'), []);
  r.unmount();
});
