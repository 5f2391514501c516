import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Facts, PfxInspection } from '../../src/checks/facts.ts';
import { Secret } from '../../src/checks/secret.ts';
import { uploadChecks } from '../../src/checks/upload.ts';
import { APIM_ID, baseline, find } from './builders.ts';

const PFX = new Secret('TUlJS0pnSUJBekNDQ2VJR0NTcUdTSWIzRFFFSEFhQ0NDZE1FZ2dueU1JSUo=', 'pfx');
const PASSWORD = new Secret('upload-Pa55word', 'pfx password');

const good: Extract<PfxInspection, { ok: true }> = {
  ok: true,
  subject: 'CN=backend.contoso.com',
  issuer: 'CN=Contoso CA',
  thumbprint: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-06-01T00:00:00.000Z',
  keyType: 'RSA',
  keyBits: 2048,
  hasPrivateKey: true,
  chainLength: 2,
  selfSigned: false,
  sizeBytes: 4321,
};

function withPfx(inspection: PfxInspection, certificateId = 'backend-mtls'): Facts {
  const f = baseline();
  f.intent = { kind: 'pfx', certificateId, path: '/home/sre/backend.pfx', inspection, pfx: PFX, password: PASSWORD };
  return f;
}

const statuses = (f: Facts) => uploadChecks(f).map((x) => [x.checkId, x.status]);

describe('upload checks', () => {
  it('before a choice all four are info', () =>
    assert.deepEqual(statuses(baseline()), [
      ['UPL-FILE', 'info'],
      ['UPL-KEY', 'info'],
      ['UPL-CREATE', 'info'],
      ['UPL-ROTATE', 'info'],
    ]));
  it('are skipped for a Key Vault choice', () => {
    const f = baseline();
    f.intent = {
      kind: 'keyVault',
      certificateId: 'c',
      secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/c',
      identity: 'system',
    };
    assert.deepEqual(statuses(f), [
      ['UPL-FILE', 'skipped'],
      ['UPL-KEY', 'skipped'],
      ['UPL-CREATE', 'skipped'],
      ['UPL-ROTATE', 'skipped'],
    ]);
  });
  it('a good file: pass, pass, upload plan with redacted secrets, rotation info', () => {
    const findings = uploadChecks(withPfx(good));
    assert.deepEqual(
      findings.map((x) => x.status),
      ['pass', 'pass', 'warn', 'info'],
    );
    const create = find(findings, 'UPL-CREATE');
    assert.deepEqual(create.fix?.operations, [
      { kind: 'apim.uploadCertificate', apimId: APIM_ID, certificateId: 'backend-mtls', pfx: PFX, password: PASSWORD },
    ]);
    assert.deepEqual(create.fix?.preview, [
      {
        method: 'PUT',
        path: `${APIM_ID}/certificates/backend-mtls?api-version=2024-05-01`,
        body: { properties: { data: '[redacted]', password: '[redacted]' } },
        diff: ['+ certificate: backend-mtls', '+ data: [redacted]', '+ password: [redacted]'],
      },
    ]);
    // The body comes from a private file built from PFX_FILE and PFX_PASSWORD: no secret on any command line.
    assert.equal(
      create.fix?.az[1],
      `az rest --method put --url 'https://management.azure.com${APIM_ID}/certificates/backend-mtls?api-version=2024-05-01' --body @"$body"; rm -f "$body"`,
    );
    assert.match(create.fix!.az[0]!, /os\.environ\["PFX_PASSWORD"\]/);
    const text = JSON.stringify(findings);
    assert.equal(text.includes(PASSWORD.reveal()), false);
    assert.equal(text.includes(PFX.reveal()), false);
  });
  it('replacing an existing certificate sends If-Match', () => {
    const create = find(uploadChecks(withPfx(good, 'gateway-client')), 'UPL-CREATE');
    const op = create.fix?.operations[0];
    assert.equal(op?.kind === 'apim.uploadCertificate' && op.ifMatch, '"cert-etag"');
    assert.equal(create.fix?.title, 'Replace certificate "gateway-client" (CN=backend.contoso.com)');
  });
  it('a wrong password fails UPL-FILE and blocks the upload', () => {
    const findings = uploadChecks(
      withPfx({ ok: false, reason: 'wrong-password', message: 'The password does not open /home/sre/backend.pfx.' }),
    );
    assert.deepEqual(
      findings.map((x) => x.status),
      ['fail', 'skipped', 'fail', 'info'],
    );
    assert.equal(findings[0].cause, 'The password does not open /home/sre/backend.pfx.');
    assert.equal(findings[2].fix, undefined);
  });
  it('no private key fails', () => {
    const findings = uploadChecks(withPfx({ ...good, hasPrivateKey: false }));
    assert.deepEqual(
      findings.map((x) => x.status),
      ['pass', 'fail', 'fail', 'info'],
    );
  });
  it('expired fails', () =>
    assert.equal(
      find(uploadChecks(withPfx({ ...good, notAfter: '2026-01-31T00:00:00.000Z' })), 'UPL-KEY').cause,
      'The certificate expired on 2026-01-31T00:00:00.000Z: use a current one.',
    ));
  it('a 1024-bit key, a missing chain and near expiry warn', () => {
    const key = find(uploadChecks(withPfx({ ...good, keyBits: 1024, chainLength: 1, notAfter: '2026-12-02T10:00:00.000Z' })), 'UPL-KEY');
    assert.equal(key.status, 'warn');
    assert.equal(
      key.cause,
      'Usable, but the 1024-bit key is below the 2048 bits custom domains require; it expires in 10 days; the file holds only the leaf certificate; custom domains need the full chain (intermediates) in the file.',
    );
  });
  it('the same certificate already uploaded passes', () => {
    const f = withPfx(good, 'same');
    if (f.apimCertificates.ok)
      f.apimCertificates.value.push({
        id: `${APIM_ID}/certificates/same`,
        name: 'same',
        thumbprint: good.thumbprint.toLowerCase(),
        etag: '"e"',
      });
    assert.equal(find(uploadChecks(f), 'UPL-CREATE').status, 'pass');
  });
});
