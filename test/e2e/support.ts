// Shared pieces for end-to-end tests: throw-away directories, sandbox world files with edits, a .pfx.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { loadWorld, type World } from '../../src/sandbox/index.ts';

export function tempDir(prefix = 'apimkv-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A shipped world, edited, written to a file the CLI can load with --world. */
export function worldFile(dir: string, name: string, edit: (w: World) => void): string {
  const world = loadWorld(name);
  edit(world);
  const path = join(dir, `${name}-edited.json`);
  writeFileSync(path, JSON.stringify(world));
  return path;
}

/** A self-signed RSA 2048 certificate with its key in a password-protected .pfx. */
export function writePfx(dir: string, password: string, cn = 'upload.contoso.com'): { path: string; base64: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '0a';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  cert.setIssuer([{ name: 'commonName', value: cn }]);
  cert.sign(key, forge.md.sha256.create());
  const der = forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: '3des' })).getBytes();
  const bytes = Buffer.from(der, 'binary');
  const path = join(dir, 'upload.pfx');
  writeFileSync(path, bytes);
  return { path, base64: bytes.toString('base64') };
}
