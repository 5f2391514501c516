// Real PKCS#12 files made at test time (node:crypto keys for speed, node-forge for certificates and the
// .pfx). The password is a constant of this file and never printed.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import forge from 'node-forge';
import { Secret } from '../../src/checks/secret.ts';
import { checkPfxFile, expandHome, inspectPfx, MAX_PFX_BYTES, readPfxSecret } from '../../src/runbook/pfx.ts';
import type { Facts } from '../../src/checks/facts.ts';
import { checkFile } from '../../src/checks/upload.ts';

const PASSWORD = 'S3cret-pfx-Pa55';
let dir: string;
const keys = new Map<string, forge.pki.rsa.PrivateKey>();

function rsaKey(bits: number, label = 'default'): forge.pki.rsa.PrivateKey {
  let key = keys.get(`${bits}:${label}`);
  if (!key) {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: bits,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
    keys.set(`${bits}:${label}`, key);
  }
  return key;
}

function certificate(opts: {
  cn: string;
  key: forge.pki.rsa.PrivateKey;
  issuer?: { cn: string; key: forge.pki.rsa.PrivateKey };
  notBefore: string;
  notAfter: string;
  serial: string;
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(opts.key.n, opts.key.e);
  cert.serialNumber = opts.serial;
  cert.validity.notBefore = new Date(opts.notBefore);
  cert.validity.notAfter = new Date(opts.notAfter);
  cert.setSubject([
    { name: 'commonName', value: opts.cn },
    { name: 'organizationName', value: 'Contoso' },
  ]);
  cert.setIssuer([
    { name: 'commonName', value: opts.issuer?.cn ?? opts.cn },
    { name: 'organizationName', value: 'Contoso' },
  ]);
  cert.sign(opts.issuer?.key ?? opts.key, forge.md.sha256.create());
  return cert;
}

function writePfx(
  name: string,
  key: forge.pki.rsa.PrivateKey | null,
  certs: forge.pki.Certificate[],
  algorithm: '3des' | 'aes256' = '3des',
): string {
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, PASSWORD, { algorithm });
  const path = join(dir, name);
  writeFileSync(path, Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'));
  return path;
}

const paths: Record<string, string> = {};
let leafThumbprint = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'apimkv-pfx-'));
  const key = rsaKey(2048);
  const leaf = certificate({
    cn: 'api.contoso.com',
    key,
    notBefore: '2026-01-01T00:00:00Z',
    notAfter: '2027-01-01T00:00:00Z',
    serial: '01',
  });
  leafThumbprint = forge.md.sha1
    .create()
    .update(forge.asn1.toDer(forge.pki.certificateToAsn1(leaf)).getBytes())
    .digest()
    .toHex()
    .toUpperCase();
  paths.valid = writePfx('valid.pfx', key, [leaf]);
  paths.expired = writePfx('expired.pfx', key, [
    certificate({ cn: 'old.contoso.com', key, notBefore: '2020-01-01T00:00:00Z', notAfter: '2021-01-01T00:00:00Z', serial: '02' }),
  ]);
  paths.noKey = writePfx('nokey.pfx', null, [leaf]);
  // PBES2 with AES-256: what OpenSSL 3 writes unless told -legacy.
  paths.aes = writePfx('aes.pfx', key, [leaf], 'aes256');
  const small = rsaKey(1024);
  paths.weak = writePfx('weak.pfx', small, [
    certificate({ cn: 'weak.contoso.com', key: small, notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', serial: '03' }),
  ]);
  const caKey = rsaKey(2048, 'ca');
  const leafKey = rsaKey(2048, 'leaf');
  const ca = certificate({
    cn: 'Contoso CA',
    key: caKey,
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2030-01-01T00:00:00Z',
    serial: '10',
  });
  const issued = certificate({
    cn: 'chain.contoso.com',
    key: leafKey,
    issuer: { cn: 'Contoso CA', key: caKey },
    notBefore: '2026-01-01T00:00:00Z',
    notAfter: '2027-01-01T00:00:00Z',
    serial: '11',
  });
  // CA first on purpose: the leaf must be found by its key, not by position.
  paths.chain = writePfx('chain.pfx', leafKey, [ca, issued]);
  paths.pem = join(dir, 'cert.pem');
  writeFileSync(paths.pem, forge.pki.certificateToPem(leaf));
  paths.garbage = join(dir, 'garbage.pfx');
  writeFileSync(paths.garbage, Buffer.from('this is not a certificate at all'));
  paths.large = join(dir, 'large.pfx');
  writeFileSync(paths.large, Buffer.alloc(MAX_PFX_BYTES + 1, 0x30));
});

after(() => rmSync(dir, { recursive: true, force: true }));

const pw = () => new Secret(PASSWORD, 'pfx password');

describe('inspectPfx', () => {
  it('describes a valid self-signed file', async () => {
    const r = await inspectPfx(paths.valid, pw());
    assert.equal(r.ok, true);
    if (!r.ok) return;
    assert.deepEqual(
      {
        subject: r.subject,
        issuer: r.issuer,
        thumbprint: r.thumbprint,
        notBefore: r.notBefore,
        notAfter: r.notAfter,
        keyType: r.keyType,
        keyBits: r.keyBits,
        hasPrivateKey: r.hasPrivateKey,
        chainLength: r.chainLength,
        selfSigned: r.selfSigned,
      },
      {
        subject: 'CN=api.contoso.com, O=Contoso',
        issuer: 'CN=api.contoso.com, O=Contoso',
        thumbprint: leafThumbprint,
        notBefore: '2026-01-01T00:00:00.000Z',
        notAfter: '2027-01-01T00:00:00.000Z',
        keyType: 'RSA',
        keyBits: 2048,
        hasPrivateKey: true,
        chainLength: 1,
        selfSigned: true,
      },
    );
    assert.match(r.thumbprint, /^[0-9A-F]{40}$/);
  });
  // configure-custom-domain: the .pfx must be encrypted with triple DES; OpenSSL 3 needs -legacy for that.
  // https://learn.microsoft.com/azure/api-management/configure-custom-domain
  it('tells triple-DES files from AES-256 (PBES2) ones, and UPL-FILE refuses AES with the -legacy re-export', async () => {
    const des = await inspectPfx(paths.valid, pw());
    const aes = await inspectPfx(paths.aes, pw());
    assert.deepEqual([des.ok && des.encryption, aes.ok && aes.encryption], ['3des', 'aes']);
    const facts = {
      intent: { kind: 'pfx', certificateId: 'c', path: paths.aes, inspection: aes, pfx: pw(), password: pw() },
    } as unknown as Facts;
    const r = checkFile(facts);
    assert.equal(r.status, 'fail');
    assert.match(r.cause, /AES-256 .*Microsoft requires triple-DES encryption.*openssl pkcs12 -export -legacy/);
  });
  it('refuses a wrong password without echoing it', async () => {
    const wrong = 'Wrong-Password-123';
    const r = await inspectPfx(paths.valid, new Secret(wrong));
    assert.deepEqual(r, { ok: false, reason: 'wrong-password', message: `The password does not open ${paths.valid}.` });
    assert.equal(JSON.stringify(r).includes(wrong), false);
    assert.equal(JSON.stringify(await inspectPfx(paths.garbage, pw())).includes(PASSWORD), false);
  });
  it('recognises PEM', async () => {
    const r = await inspectPfx(paths.pem, pw());
    assert.equal(r.ok === false && r.reason, 'pem');
  });
  it('rejects garbage as not PKCS#12', async () =>
    assert.deepEqual(await inspectPfx(paths.garbage, pw()), {
      ok: false,
      reason: 'not-pkcs12',
      message: `${paths.garbage} is not a PKCS#12 (.pfx) file, or it is damaged (truncated?): export the certificate with its private key as .pfx and use that file.`,
    }));
  it('refuses a file over 256 KiB before parsing', async () => {
    const r = await inspectPfx(paths.large, pw());
    assert.equal(r.ok === false && r.reason, 'too-large');
  });
  it('reports a missing file in words, never as an errno code', async () =>
    assert.deepEqual(await inspectPfx(join(dir, 'missing.pfx'), pw()), {
      ok: false,
      reason: 'unreadable',
      message: `no such file: ${join(dir, 'missing.pfx')}`,
    }));
  it('expands ~ and ~/ like a shell (the upload screen never meets one); ~user and inner ~ stay', () => {
    assert.equal(expandHome('~', '/home/sre'), '/home/sre');
    assert.equal(expandHome(' ~/certs/a.pfx ', '/home/sre'), '/home/sre/certs/a.pfx');
    assert.equal(expandHome('~other/a.pfx', '/home/sre'), '~other/a.pfx');
    assert.equal(expandHome('/tmp/~/a.pfx', '/home/sre'), '/tmp/~/a.pfx');
  });
  it('checks the file before any password: missing, a directory, empty, PEM, not PKCS#12, or fine', async () => {
    assert.deepEqual(await checkPfxFile(join(dir, 'missing.pfx')), {
      ok: false,
      reason: 'unreadable',
      message: `no such file: ${join(dir, 'missing.pfx')}`,
    });
    assert.equal(((await checkPfxFile(dir)) as { message: string }).message, `${dir} is not a file.`);
    assert.equal(((await checkPfxFile(paths.pem)) as { reason: string }).reason, 'pem');
    assert.equal(((await checkPfxFile(paths.garbage)) as { reason: string }).reason, 'not-pkcs12');
    assert.equal(((await checkPfxFile(paths.large)) as { reason: string }).reason, 'too-large');
    // DER, but a certificate rather than a PFX (RFC 7292 section 4: SEQUENCE { version 3, authSafe, ... }).
    const der = join(dir, 'cert.der');
    writeFileSync(
      der,
      Buffer.from(
        forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(readFileSync(paths.pem, 'utf8')))).getBytes(),
        'binary',
      ),
    );
    assert.equal(((await checkPfxFile(der)) as { reason: string }).reason, 'not-pkcs12');
    const ok = await checkPfxFile(paths.valid);
    assert.deepEqual(ok.ok && [ok.path, ok.encryption], [paths.valid, '3des']);
  });
  it('reads an expired certificate (the checks judge it)', async () => {
    const r = await inspectPfx(paths.expired, pw());
    assert.equal(r.ok && r.notAfter, '2021-01-01T00:00:00.000Z');
  });
  it('reports a file without a private key', async () => {
    const r = await inspectPfx(paths.noKey, pw());
    assert.deepEqual(r.ok && [r.hasPrivateKey, r.chainLength], [false, 1]);
  });
  it('reports a 1024-bit key', async () => {
    const r = await inspectPfx(paths.weak, pw());
    assert.equal(r.ok && r.keyBits, 1024);
  });
  it('finds the leaf of a chain by its key', async () => {
    const r = await inspectPfx(paths.chain, pw());
    assert.deepEqual(r.ok && [r.subject, r.issuer, r.chainLength, r.selfSigned], [
      'CN=chain.contoso.com, O=Contoso',
      'CN=Contoso CA, O=Contoso',
      2,
      false,
    ]);
  });
});

describe('readPfxSecret', () => {
  it('returns the bytes as a base64 Secret that prints as [redacted]', async () => {
    const secret = await readPfxSecret(paths.valid);
    assert.equal(String(secret), '[redacted]');
    assert.equal(JSON.stringify({ secret }), '{"secret":"[redacted]"}');
    assert.equal(Buffer.from(secret.reveal(), 'base64').length > 1000, true);
  });
  it('refuses a too-large file', async () => assert.rejects(readPfxSecret(paths.large), /limit 256 KiB/));
});
