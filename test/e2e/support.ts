// Shared pieces for end-to-end tests: throw-away directories, sandbox world files with edits, a .pfx, and
// a standalone `apimkv sandbox serve` reached as production reaches Azure (--arm-endpoint, --ca-cert).
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { loadWorld, type World } from '../../src/sandbox/index.ts';
import { CLI } from './harness.ts';

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
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
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

export interface Served {
  /** https://127.0.0.1:<port> */
  endpoint: string;
  /** The sandbox's own token for the world's operator. */
  token: string;
  /** Its CA certificate, for --ca-cert. */
  ca: string;
  stop(): void;
}

/** `apimkv sandbox serve` on a free port, resolved once it prints its endpoint and token. */
export function serveSandbox(args: string[] = []): Promise<Served> {
  const ca = join(tempDir('apimkv-serve-'), 'ca.pem');
  const child = spawn(process.execPath, [CLI, 'sandbox', 'serve', '--port', '0', '--ca-out', ca, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox serve did not start: ${out}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`sandbox serve exited (${code}): ${out}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /emulator on (https:\/\/\S+)[\s\S]*Bearer ([\w.-]+)[\s\S]*Stop with/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({ endpoint: m[1]!, token: m[2]!, ca, stop: () => child.kill('SIGTERM') });
    });
  });
}

/** A stand-in `az` first on PATH that hands out `token` (the production sign-in path, no browser); returns the PATH. */
export function azHandingOut(token: string): string {
  const bin = tempDir('apimkv-az-');
  writeFileSync(
    join(bin, 'az'),
    `#!/bin/sh\ncase "$2" in\n  get-access-token) echo '{"accessToken":"${token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}' ;;\n  *) exit 1 ;;\nesac\n`,
  );
  chmodSync(join(bin, 'az'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

/** The demo worlds' target (apim-contoso-dev + kv-contoso-certs in the Contoso subscription), as flags. */
export const DEMO_TARGET = [
  '--subscription',
  '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34',
  '-g',
  'rg-apim-demo',
  '--service',
  'apim-contoso-dev',
  '--vault',
  'kv-contoso-certs',
];
