// Local inspection of a .pfx before anything is uploaded: is it PKCS#12, does the password open it, is there
// a private key, and what certificate is inside. node-forge parses PKCS#12 (Node's crypto cannot); Node's
// X509Certificate reads the certificates, so EC certificates (which forge cannot decode) work too.
// The password is only ever passed to the parser: no message built here contains it.
import { InputError } from '../error-model.ts';
//
// A .pfx is attacker-shaped input: its MAC and PBE iteration counts decide how long key derivation takes
// (2^31-1 iterations froze apimkv for hours). Every derivation forge makes is capped (MAX_PFX_ITERATIONS)
// before it starts, the parse runs in a worker thread so Esc, q and Ctrl-C stay live, and the file is read
// once, bounded: the bytes inspected are the bytes uploaded.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import forge from 'node-forge';
import type { PfxInspection } from '../checks/facts.ts';
import { Secret } from '../checks/secret.ts';
import type { PfxFileCheck } from './engine-types.ts';

/** API Management's limit is well below this; anything larger is refused before parsing. */
export const MAX_PFX_BYTES = 256 * 1024;

/**
 * The most key-derivation iterations apimkv will run for one MAC or PBE step. Real exporters use 2,048
 * (OpenSSL before 3.0, Windows) to 600,000 (OWASP's PBKDF2 advice); above this a file is refused unopened.
 */
export const MAX_PFX_ITERATIONS = 1_000_000;

class IterationCapError extends Error {
  constructor(readonly iterations: number) {
    super(`iteration count ${iterations} is above the cap`);
  }
}

/** Wrap every key derivation forge's PKCS#12 code calls (MAC, PKCS#12 PBE, PBKDF2) with the cap. */
function capIterations(): void {
  type Derive = (...args: never[]) => unknown;
  const guard = <F extends Derive>(fn: F, countAt: number): F =>
    ((...args: Parameters<F>) => {
      const count = Number(args[countAt]);
      if (!(count <= MAX_PFX_ITERATIONS)) throw new IterationCapError(count);
      return fn(...args);
    }) as F;
  const f = forge as unknown as {
    pkcs12: { generateKey: Derive };
    pki: { pbe: { generatePkcs12Key: Derive } };
    pkcs5: { pbkdf2: Derive };
    pbkdf2: Derive;
  };
  if ((f.pkcs12.generateKey as { capped?: boolean }).capped) return;
  f.pkcs12.generateKey = Object.assign(guard(f.pkcs12.generateKey, 3), { capped: true });
  f.pki.pbe.generatePkcs12Key = guard(f.pki.pbe.generatePkcs12Key, 3);
  f.pkcs5.pbkdf2 = guard(f.pkcs5.pbkdf2, 2);
  f.pbkdf2 = f.pkcs5.pbkdf2;
}
capIterations();

type Failure = Extract<PfxInspection, { ok: false }>;
const failure = (reason: Failure['reason'], message: string): Failure => ({ ok: false, reason, message });

/** `~` and `~/…` as a shell would expand them (a path typed into the upload screen never meets a shell). */
export function expandHome(path: string, home: string = homedir()): string {
  const p = path.trim();
  return p === '~' ? home : p.startsWith('~/') ? `${home}${p.slice(1)}` : p;
}

/** Why a file cannot be read, in words (an errno code means nothing at 3 a.m.). */
function unreadable(path: string, e: unknown): Failure {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return failure('unreadable', `no such file: ${path}`);
  if (code === 'EACCES' || code === 'EPERM') return failure('unreadable', `cannot read ${path}: permission denied`);
  if (code === 'ELOOP') return failure('unreadable', `cannot read ${path}: too many symbolic links`);
  return failure('unreadable', `cannot read ${path}${code ? ` (${code})` : ''}`);
}

/** Read the file (bounded), or say why not. */
async function readBounded(path: string): Promise<Buffer | Failure> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return failure('unreadable', `${path} is not a file.`);
    size = info.size;
  } catch (e) {
    return unreadable(path, e);
  }
  if (size === 0)
    return failure('not-pkcs12', `${path} is empty (0 bytes): export the certificate with its private key as .pfx and use that file.`);
  if (size > MAX_PFX_BYTES)
    return failure(
      'too-large',
      `${path} is ${Math.ceil(size / 1024)} KiB; a certificate file is far smaller (limit ${MAX_PFX_BYTES / 1024} KiB). Is this the right file?`,
    );
  try {
    return await readFile(path);
  } catch (e) {
    return unreadable(path, e);
  }
}

/** Truncated downloads and other formats look alike to the parser: say both, and what to produce instead. */
const notPkcs12 = (path: string) =>
  `${path} is not a PKCS#12 (.pfx) file, or it is damaged (truncated?): export the certificate with its private key as .pfx and use that file.`;

function looksLikePem(bytes: Buffer): boolean {
  return /^\s*-----BEGIN [A-Z0-9 ]+-----/.test(bytes.subarray(0, 200).toString('latin1'));
}

interface Bag {
  cert?: forge.pki.Certificate | null;
  key?: forge.pki.PrivateKey | null;
  asn1?: forge.asn1.Asn1;
  attributes?: Record<string, unknown[]>;
}

function bagsOf(p12: forge.pkcs12.Pkcs12Pfx, bagType: string): Bag[] {
  return (p12.getBags({ bagType })[bagType] ?? []) as Bag[];
}

/** The DER bytes of a certificate bag: forge leaves undecodable (e.g. EC) certificates as raw ASN.1. */
function certDer(bag: Bag): Buffer | undefined {
  const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
  return asn1 ? Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary') : undefined;
}

/** The public key (SPKI, base64) of a key bag's private key; forge decodes RSA keys only, others stay ASN.1. */
function publicKeyOf(bag: Bag): string | undefined {
  try {
    const key = bag.key
      ? createPrivateKey(forge.pki.privateKeyToPem(bag.key))
      : bag.asn1
        ? createPrivateKey({ key: Buffer.from(forge.asn1.toDer(bag.asn1).getBytes(), 'binary'), format: 'der', type: 'pkcs8' })
        : undefined;
    return key ? createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64') : undefined;
  } catch {
    return undefined;
  }
}

function dn(text: string): string {
  return text.split('\n').filter(Boolean).join(', ');
}

function keyBitsOf(cert: X509Certificate): { keyType: string; keyBits?: number } {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const type = (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  if (details.modulusLength) return { keyType: type, keyBits: details.modulusLength };
  const curveBits: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };
  const bits = details.namedCurve ? curveBits[details.namedCurve] : undefined;
  return bits ? { keyType: type, keyBits: bits } : { keyType: type };
}

/** What the bytes say before any password: PEM, not DER, or not a PKCS#12 PFX (SEQUENCE { version 3, … }, RFC 7292 §4). */
function outerShape(bytes: Buffer, path: string): forge.asn1.Asn1 | Failure {
  if (looksLikePem(bytes)) {
    return failure(
      'pem',
      `${path} is a PEM (text) file. API Management needs PKCS#12: convert it with "openssl pkcs12 -export -in cert.pem -inkey key.pem -out cert.pfx".`,
    );
  }
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
  } catch {
    return failure('not-pkcs12', notPkcs12(path));
  }
  const parts = Array.isArray(asn1.value) ? asn1.value : [];
  const version = parts[0];
  const isPfx =
    asn1.type === forge.asn1.Type.SEQUENCE &&
    parts.length >= 2 &&
    version?.type === forge.asn1.Type.INTEGER &&
    typeof version.value === 'string' &&
    forge.util.createBuffer(version.value).getInt(version.value.length * 8) === 3;
  return isPfx ? asn1 : failure('not-pkcs12', notPkcs12(path));
}

/** Describe a .pfx from its bytes (on whatever thread calls it); never throws for a bad file. */
export function inspectBytes(bytes: Buffer, path: string, password: Secret): PfxInspection {
  const asn1 = outerShape(bytes, path);
  if ('ok' in asn1) return asn1;
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password.reveal());
  } catch (e) {
    if (e instanceof IterationCapError) {
      return failure(
        'too-costly',
        `${path} asks for ${e.iterations.toLocaleString('en-US')} key-derivation iterations; apimkv opens none above ${MAX_PFX_ITERATIONS.toLocaleString('en-US')} (exporters use 2,048 to 600,000). Re-export it, e.g. "openssl pkcs12 -export -iter 2048 -maciter ...".`,
      );
    }
    const text = e instanceof Error ? e.message : '';
    // forge reports a bad password as a MAC mismatch or a failed decryption; anything else is not PKCS#12.
    if (/password|MAC|decrypt/i.test(text)) return failure('wrong-password', `The password does not open ${path}.`);
    return failure('not-pkcs12', notPkcs12(path));
  }
  const certBags = bagsOf(p12, forge.pki.oids.certBag);
  const keyBags = [...bagsOf(p12, forge.pki.oids.pkcs8ShroudedKeyBag), ...bagsOf(p12, forge.pki.oids.keyBag)];
  const certs = certBags.flatMap((bag) => {
    const der = certDer(bag);
    if (!der) return [];
    try {
      return [{ bag, x509: new X509Certificate(der) }];
    } catch {
      return [];
    }
  });
  if (certs.length === 0) return failure('no-certificate', `${path} opens, but holds no certificate.`);
  // The leaf: the certificate whose public key matches the private key (exporters disagree on the order),
  // else the one that issued none of the others.
  const keyIds = new Set(keyBags.map(publicKeyOf).filter((id): id is string => !!id));
  const leaf =
    certs.find((c) => keyIds.has(c.x509.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'))) ??
    certs.find((c) => !certs.some((o) => o !== c && o.x509.checkIssued(c.x509))) ??
    certs[0];
  const x = leaf.x509;
  const selfSigned = x.checkIssued(x) && x.verify(x.publicKey);
  return {
    ok: true,
    subject: dn(x.subject),
    issuer: dn(x.issuer),
    thumbprint: x.fingerprint.replace(/:/g, '').toUpperCase(),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    ...keyBitsOf(x),
    hasPrivateKey: keyBags.length > 0,
    chainLength: certs.length,
    selfSigned,
    sizeBytes: bytes.length,
    encryption: pfxEncryption(bytes),
  };
}

/** The parse in a worker (bundle: dist/pfx-worker.js; source: pfx-worker.ts), or undefined to parse here. */
function workerFile(): URL | undefined {
  const here = import.meta.url;
  const candidates = here.endsWith('.ts')
    ? [new URL('./pfx-worker.ts', here)]
    : [new URL('../pfx-worker.js', here), new URL('./pfx-worker.js', here)];
  return candidates.find((u) => u.protocol === 'file:' && existsSync(fileURLToPath(u)));
}

function inspectInWorker(file: URL, bytes: Buffer, path: string, password: Secret, signal?: AbortSignal): Promise<PfxInspection> {
  return new Promise((resolve, reject) => {
    // The password goes by message, in memory: never argv or the environment.
    const worker = new Worker(file, { workerData: { bytes, path, password: password.reveal() } });
    // A parse must never keep the process alive after the operator quit.
    worker.unref();
    const stop = () => {
      void worker.terminate();
      reject(Object.assign(new Error('The .pfx inspection was cancelled.'), { name: 'AbortError' }));
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop, { once: true });
    worker.once('message', (inspection: PfxInspection) => {
      signal?.removeEventListener('abort', stop);
      void worker.terminate();
      resolve(inspection);
    });
    worker.once('error', (e) => {
      signal?.removeEventListener('abort', stop);
      reject(e);
    });
  });
}

/** A .pfx read once (bounded) and inspected off the main thread; `pfx` holds exactly the bytes inspected. */
export async function openPfx(typed: string, password: Secret, signal?: AbortSignal): Promise<{ inspection: PfxInspection; pfx?: Secret }> {
  const path = expandHome(typed);
  const bytes = await readBounded(path);
  if (!Buffer.isBuffer(bytes)) return { inspection: bytes };
  const file = workerFile();
  const inspection = file ? await inspectInWorker(file, bytes, path, password, signal) : inspectBytes(bytes, path, password);
  return { inspection, ...(inspection.ok ? { pfx: new Secret(bytes.toString('base64'), 'pfx') } : {}) };
}

/** Open a .pfx with its password and describe it; never throws for a bad file. */
export async function inspectPfx(path: string, password: Secret, signal?: AbortSignal): Promise<PfxInspection> {
  return (await openPfx(path, password, signal)).inspection;
}

// DER of the encryption algorithm identifiers a .pfx can name (they sit in clear text around the encrypted bags).
const PBES2 = Buffer.from('06092a864886f70d01050d', 'hex'); // 1.2.840.113549.1.5.13 (OpenSSL 3's default, AES-256)
const TRIPLE_DES = Buffer.from('060a2a864886f70d010c0103', 'hex'); // 1.2.840.113549.1.12.1.3 pbeWithSHAAnd3-KeyTripleDES-CBC

/** How the bags are encrypted: API Management wants triple DES (configure-custom-domain); PBES2/AES needs -legacy. */
export function pfxEncryption(bytes: Buffer): 'aes' | '3des' | 'other' {
  if (bytes.includes(PBES2)) return 'aes';
  return bytes.includes(TRIPLE_DES) ? '3des' : 'other';
}

/** The file's bytes, base64-encoded, as a Secret (what the upload body carries). */
export async function readPfxSecret(typed: string): Promise<Secret> {
  const bytes = await readBounded(expandHome(typed));
  if (!Buffer.isBuffer(bytes)) throw new InputError(bytes.message);
  return new Secret(bytes.toString('base64'), 'pfx');
}

/**
 * Everything that can be said about a .pfx without its password (exists, readable, size, PEM or PKCS#12
 * at all), so the operator is not asked for a password only to hear the path was wrong. `path` is `~`-expanded.
 */
export async function checkPfxFile(typed: string): Promise<PfxFileCheck> {
  const path = expandHome(typed);
  const bytes = await readBounded(path);
  if (!Buffer.isBuffer(bytes)) return bytes;
  const shape = outerShape(bytes, path);
  if ('ok' in shape) return shape;
  return { ok: true, path, sizeBytes: bytes.length, encryption: pfxEncryption(bytes) };
}
