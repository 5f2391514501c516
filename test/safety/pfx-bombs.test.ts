// Bounded .pfx parsing (issue 15, item 4). A .pfx names its own MAC and PBE iteration counts, so a 2.5 KB
// file can ask for 2^31-1 rounds of key derivation (hours). Bombs are built here with forge, whose key
// derivation is stubbed while the file is written (so writing one is instant); apimkv must refuse them
// before deriving anything, parse off the main thread (the event loop keeps ticking during a legal but slow
// parse), and upload exactly the bytes it inspected.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import forge from 'node-forge';
import { Secret } from '../../src/checks/secret.ts';
import { MAX_PFX_ITERATIONS, inspectPfx, openPfx } from '../../src/runbook/pfx.ts';
import { tempDir } from '../e2e/support.ts';

const dir = tempDir('apimkv-pfx-bombs-');
const PASSWORD = 'Bomb-Pfx-Pw1!';

const keys = (() => {
  const pem = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(pem.privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(pem.publicKey),
  };
})();
const cert = (() => {
  const c = forge.pki.createCertificate();
  c.publicKey = keys.publicKey;
  c.serialNumber = '0b';
  c.validity.notBefore = new Date(Date.now() - 86_400_000);
  c.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  c.setSubject([{ name: 'commonName', value: 'bomb.contoso.com' }]);
  c.setIssuer([{ name: 'commonName', value: 'bomb.contoso.com' }]);
  c.sign(keys.privateKey, forge.md.sha256.create());
  return c;
})();

type Derive = (...args: unknown[]) => unknown;
/** Write a .pfx whose every MAC/PBE step names `count` iterations, without running them. */
function bomb(name: string, count: number, options: { useMac?: boolean; algorithm?: '3des' | 'aes256' } = {}): string {
  const f = forge as unknown as {
    pkcs12: { generateKey: Derive };
    pki: { pbe: { generatePkcs12Key: Derive } };
    pkcs5: { pbkdf2: Derive };
    pbkdf2: Derive;
  };
  const saved = { mac: f.pkcs12.generateKey, p12: f.pki.pbe.generatePkcs12Key, pbkdf2: f.pkcs5.pbkdf2 };
  const fakeBuffer = (...args: unknown[]) => forge.util.createBuffer('\u0001'.repeat(Number(args[4])));
  f.pkcs12.generateKey = fakeBuffer;
  f.pki.pbe.generatePkcs12Key = fakeBuffer;
  f.pkcs5.pbkdf2 = (...args: unknown[]) => '\u0001'.repeat(Number(args[3]));
  try {
    const asn1 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], PASSWORD, {
      algorithm: options.algorithm ?? '3des',
      count,
      useMac: options.useMac ?? true,
    });
    const path = join(dir, name);
    writeFileSync(path, Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'));
    return path;
  } finally {
    f.pkcs12.generateKey = saved.mac;
    f.pki.pbe.generatePkcs12Key = saved.p12;
    f.pkcs5.pbkdf2 = saved.pbkdf2;
    f.pbkdf2 = saved.pbkdf2;
  }
}

const pw = () => new Secret(PASSWORD, 'pfx password');

test('a MAC iteration count of 2^31-1 is refused before any key is derived, with how to re-export', { timeout: 30_000 }, async () => {
  const path = bomb('mac-bomb.pfx', 2 ** 31 - 1);
  const t0 = performance.now();
  const r = await inspectPfx(path, pw());
  const ms = performance.now() - t0;
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.reason, 'too-costly');
  assert.match(!r.ok ? r.message : '', /asks for 2,147,483,647 key-derivation iterations; apimkv opens none above 1,000,000 .*-iter 2048/);
  assert.ok(!(!r.ok && r.message.includes(PASSWORD)));
  // Not a timed assert: this only proves no derivation ran (one round of 2^31-1 would take hours).
  assert.ok(ms < 20_000, `${ms} ms`);
});

test('PBE bombs without a MAC (PKCS#12 PBE and PBES2/PBKDF2) are refused the same way', { timeout: 30_000 }, async () => {
  for (const algorithm of ['3des', 'aes256'] as const) {
    const r = await inspectPfx(bomb(`pbe-bomb-${algorithm}.pfx`, 10_000_000, { useMac: false, algorithm }), pw());
    assert.equal(!r.ok && r.reason, 'too-costly', `${algorithm}: ${JSON.stringify(r)}`);
  }
});

test('the parse runs off the main thread: the event loop keeps ticking during a slow but legal parse', { timeout: 120_000 }, async () => {
  // At the cap: allowed, and slow in forge's JavaScript key derivation (the MAC is wrong, so it ends there).
  const path = bomb('slow.pfx', MAX_PFX_ITERATIONS);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const t0 = performance.now();
  try {
    const r = await inspectPfx(path, pw());
    assert.equal(!r.ok && r.reason, 'wrong-password');
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - t0;
  // A parse on the main thread would leave no tick at all until it ended.
  assert.ok(ticks >= Math.min(10, ms / 40), `${ticks} ticks in ${Math.round(ms)} ms`);
});

test('a parse in flight can be cancelled', { timeout: 60_000 }, async () => {
  const path = bomb('slow-cancel.pfx', MAX_PFX_ITERATIONS);
  const controller = new AbortController();
  const pending = openPfx(path, pw(), controller.signal);
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(pending, /cancelled/);
});

test('read once: the bytes uploaded are the bytes inspected, even if the file changes after', { timeout: 30_000 }, async () => {
  const path = join(dir, 'good.pfx');
  const good = Buffer.from(
    forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], PASSWORD, { algorithm: '3des' })).getBytes(),
    'binary',
  );
  writeFileSync(path, good);
  const opened = await openPfx(path, pw());
  assert.equal(opened.inspection.ok, true);
  writeFileSync(path, Buffer.from('swapped after inspection'));
  assert.equal(opened.pfx!.reveal(), good.toString('base64'));
});
