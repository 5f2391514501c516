// Bad input, one row each, through the real product path: the built CLI (a pipe, or a pseudo-terminal when
// the row is about the terminal) talks to a sandbox over HTTPS with --arm-endpoint/--ca-cert and a stand-in
// `az` for the token, exactly as it would talk to Azure. Every row asserts the message (what is wrong and
// what to do instead, and the exit code) and that nothing changed: the sandbox's world is the same, its
// request log holds no write, and the journal in --state-dir has no entry. The two rows whose input is
// accepted with a note (a versioned and a /certificates/ identifier) assert what was written instead.
//
// Each row gets its own in-process sandbox (the emulator `apimkv sandbox serve` runs, started in ~50 ms):
// the world before is the shipped world, the log is the row's own, and rows can run two at a time.
import assert from 'node:assert/strict';
import { spawn as spawnChild } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import forge from 'node-forge';
import { spawn as spawnPty } from 'node-pty';
import { MAX_PFX_BYTES } from '../../src/runbook/pfx.ts';
import { startSandbox, type LoggedRequest, type World } from '../../src/sandbox/index.ts';
import { childEnv, CLI, start } from '../e2e/harness.ts';
import { tempDir } from '../e2e/support.ts';

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const UNKNOWN_SUB = '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const VAULT_HOST = 'kv-contoso-certs.vault.localhost';
const SECRET = `https://${VAULT_HOST}/secrets/contoso-api-client`;
const VERSION = '0b8f3c1a9d2e4f6a8b7c5d4e3f2a1b0c';
/** The current (unexpired) version of contoso-api-client; VERSION is the older, expired one. */
const CURRENT_VERSION = '3e7a9c2b5d1f4e8a9b6c0d2e4f6a8b1c';
const TARGET = ['-g', 'rg-apim-demo', '--service', 'apim-contoso-dev', '--vault', 'kv-contoso-certs'];

// --- files the rows feed the CLI --------------------------------------------------------------------
const files = tempDir('apimkv-bad-input-');
const PASSWORD = 'Bad-Input-Pfx-Pw1!';
const passwordFile = join(files, 'pfx-password.txt');
writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });

const pfx = (() => {
  // One key for every file (Node generates it; forge's own generator is slow).
  const pem = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const keys = {
    privateKey: forge.pki.privateKeyFromPem(pem.privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(pem.publicKey),
  };
  const certificate = (notBefore: Date, notAfter: Date) => {
    const c = forge.pki.createCertificate();
    c.publicKey = keys.publicKey;
    c.serialNumber = '0c';
    c.validity.notBefore = notBefore;
    c.validity.notAfter = notAfter;
    c.setSubject([{ name: 'commonName', value: 'bad-input.contoso.com' }]);
    c.setIssuer([{ name: 'commonName', value: 'bad-input.contoso.com' }]);
    c.sign(keys.privateKey, forge.md.sha256.create());
    return c;
  };
  const p12 = (key: forge.pki.rsa.PrivateKey | null, cert: forge.pki.Certificate) =>
    Buffer.from(forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(key, [cert], PASSWORD, { algorithm: '3des' })).getBytes(), 'binary');
  const current = certificate(new Date(Date.now() - 86_400_000), new Date(Date.now() + 365 * 86_400_000));
  const write = (name: string, bytes: Buffer | string) => {
    const path = join(files, name);
    writeFileSync(path, bytes);
    return path;
  };
  const good = p12(keys.privateKey, current);
  return {
    good: write('good.pfx', good),
    goodBase64: good.toString('base64'),
    truncated: write('truncated.pfx', good.subarray(0, good.length >> 1)),
    empty: write('empty.pfx', Buffer.alloc(0)),
    huge: write('huge.pfx', Buffer.alloc(MAX_PFX_BYTES + 1, 0x30)),
    pem: write('certificate.pem', forge.pki.certificateToPem(current)),
    expired: write('expired.pfx', p12(keys.privateKey, certificate(new Date('2020-01-01T00:00:00Z'), new Date('2021-01-01T00:00:00Z')))),
    noKey: write('no-key.pfx', p12(null, current)),
    // upload-cert's default certificate id is the file name: one too long for APIM, and one with no name at all.
    longName: write(`${'contoso-api-client-'.repeat(5)}.pfx`, good),
    noName: write('.pfx', good),
  };
})();

// A stand-in `az` that hands out the row's sandbox token (the real AzureCliCredential runs it).
const azBin = tempDir('apimkv-bad-input-az-');
writeFileSync(
  join(azBin, 'az'),
  '#!/bin/sh\ncase "$2" in\n  get-access-token) printf \'{"accessToken":"%s","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}\\n\' "$BAD_INPUT_TOKEN" ;;\n  *) exit 1 ;;\nesac\n',
);
chmodSync(join(azBin, 'az'), 0o755);

// --- running one row ----------------------------------------------------------------------------------
interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Run {
  /** --arm-endpoint, --ca-cert and --state-dir, for every row. */
  connection: string[];
  env: Record<string, string>;
  /** Aborted when the row times out: whatever the row started is killed rather than left hanging. */
  signal: AbortSignal;
}

type WorldName = 'healthy' | 'everything-broken' | 'uai-behind-firewall';

interface Row {
  /** The bad input, as the operator would describe it. */
  input: string;
  world?: WorldName;
  run: (r: Run) => Promise<Outcome>;
  code: number;
  /** Exact words, each on stderr (or stdout where the report carries them). */
  stderr?: string[];
  stdout?: string[];
  /** The rows whose input is accepted with a note: what was written, instead of "nothing changed". */
  wrote?: { certificateId: string; secretIdentifier: string };
  /** Never in any output (the .pfx password and bytes). */
  secrets?: string[];
}

/** A row's arguments and the connection; the subscription too, unless the row names its own. */
const withConnection = (r: Run, args: string[]) => [
  ...args,
  ...r.connection,
  ...(args.includes('--subscription') ? [] : ['--subscription', SUB]),
];

/** The built CLI as a script runs it: stdin /dev/null, stdout and stderr pipes. */
function cli(r: Run, args: string[], opts: { env?: Record<string, string> } = {}): Promise<Outcome> {
  const child = spawnChild(process.execPath, [CLI, ...withConnection(r, args)], {
    env: { ...process.env, ...r.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  r.signal.addEventListener('abort', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The CLI in a pseudo-terminal (stdout is a terminal) with stdin redirected by the shell, as in
 * `apimkv < /dev/null` or `printf … | apimkv`: the case where Ink would crash on raw mode. The pty merges
 * stdout and stderr; both fields carry everything.
 */
function inTerminalWithStdin(r: Run, args: string[], redirect: string): Promise<Outcome> {
  const quoted = [process.execPath, CLI, ...withConnection(r, args)].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const pty = spawnPty('/bin/sh', ['-c', redirect.replace('CLI', `exec ${quoted}`)], {
    name: 'xterm-256color',
    cols: 100,
    rows: 30,
    env: childEnv({ ...r.env, NO_COLOR: '1' }),
  });
  let out = '';
  pty.onData((d) => (out += d));
  r.signal.addEventListener('abort', () => pty.kill('SIGKILL'));
  return new Promise((resolve) =>
    pty.onExit(({ exitCode }) => {
      const text = out.replace(/\r\n/g, '\n');
      resolve({ code: exitCode, stdout: text, stderr: text });
    }),
  );
}

const SUMMARY = /(✔ pass|✖ fail).* ms$/m;

/**
 * The full-screen runbook below 80x24. Keys that would apply every fix (F, then y) are typed while the
 * "too small" line is up, after the checks have run at a usable size, so the only thing that can stop
 * them is the size guard; q then quits from the small screen.
 */
async function tooSmall(r: Run): Promise<Outcome> {
  const s = start(withConnection(r, TARGET), { cols: 60, rows: 20, env: { ...r.env, NO_COLOR: '1' } });
  r.signal.addEventListener('abort', () => s.kill('SIGKILL'));
  try {
    const first = await s.waitFor('terminal too small');
    s.resize(80, 24);
    await s.waitFor(SUMMARY, 30_000);
    s.resize(60, 20);
    const small = await s.waitFor('have 60x20');
    await s.press('F', 'y', 'f', 'y', 'y');
    assert.match(await s.screen(), /terminal too small/, 'a key left the small screen');
    await s.press('q');
    const code = await s.exited;
    return { code, stdout: `${first}\n${small}`, stderr: s.output() };
  } finally {
    s.kill('SIGKILL');
  }
}

/** Resource Graph queries are POSTs that only read; every other non-GET is a write. */
const WRITE = (e: LoggedRequest) =>
  !['GET', 'HEAD'].includes(e.method) && !(e.method === 'POST' && /^\/providers\/Microsoft\.ResourceGraph\/resources$/i.test(e.path));

function journal(stateDir: string): { planId: string; status: string }[] {
  const path = join(stateDir, 'journal.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { entries: { planId: string; status: string }[] }).entries : [];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- world JSON, read loosely
type Resource = { id: string; type: string; name: string; properties?: Record<string, any> };
const resources = (w: World) => w.resources as unknown as Resource[];

// --- the table ----------------------------------------------------------------------------------------
const add =
  (secretId: string, ...more: string[]) =>
  (r: Run) =>
    cli(r, ['add-cert', '--secret-id', secretId, ...more]);
const upload =
  (file: string, ...more: string[]) =>
  (r: Run) =>
    cli(r, ['upload-cert', '--file', file, '--password-file', passwordFile, '--yes', ...more]);
const LEAK = [PASSWORD, pfx.goodBase64.slice(0, 40)];

const ROWS: Row[] = [
  // Key Vault identifiers (add-cert). A version is dropped with a note unless --keep-version: it never rotates.
  {
    input: 'a versioned secret identifier',
    run: add(`${SECRET}/${VERSION}`, '--certificate-id', 'pinned', '--yes'),
    code: 0,
    stderr: [
      `note: ${SECRET}/${VERSION} names version ${VERSION}, which never rotates; using the versionless ${SECRET} (pass --keep-version to pin the version).`,
    ],
    stdout: ['CERT-VERIFY: pass — API Management read the secret'],
    wrote: { certificateId: 'pinned', secretIdentifier: SECRET },
  },
  {
    input: 'a versioned secret identifier with --keep-version (no --yes)',
    // The current version: the older one has expired, and an expired version is refused before any plan.
    run: add(`${SECRET}/${CURRENT_VERSION}`, '--keep-version'),
    code: 0,
    stdout: [
      `CERT-ID-VERSION  The identifier names version ${CURRENT_VERSION}: API Management will keep that version and never pick up a renewal. Use ${SECRET} so renewals arrive within four hours.`,
    ],
    stderr: ['Nothing was changed. Run again with --yes to apply'],
  },
  {
    input: 'an identifier that is not a URL (no scheme)',
    run: add(`${VAULT_HOST}/secrets/contoso-api-client`, '--yes'),
    code: 2,
    stderr: [`"${VAULT_HOST}/secrets/contoso-api-client" is not a URL: expected https://<vault>.vault.localhost/secrets/<name>.`],
  },
  {
    input: 'an http:// identifier',
    run: add(`http://${VAULT_HOST}/secrets/contoso-api-client`, '--yes'),
    code: 2,
    stderr: ['Key Vault identifiers use https, not http.'],
  },
  {
    input: 'a /keys/ path',
    run: add(`https://${VAULT_HOST}/keys/contoso-api-client`, '--yes'),
    code: 2,
    stderr: ['The path starts with /keys/: API Management reads certificates through /secrets/<name>.'],
  },
  {
    input: 'an identifier with an empty name',
    run: add(`https://${VAULT_HOST}/secrets/`, '--yes'),
    code: 2,
    stderr: ['The identifier names no secret: expected /secrets/<name>.'],
  },
  {
    input: 'an empty --secret-id',
    run: add('', '--yes'),
    code: 2,
    stderr: ['add-cert needs --secret-id https://<vault>.vault.azure.net/secrets/<name> (the versionless identifier is best).'],
  },
  {
    input: 'an identifier with a query string',
    run: add(`${SECRET}?api-version=7.4`, '--yes'),
    code: 2,
    stderr: [
      'The identifier must not have a query string or fragment (?api-version=7.4): API Management takes https://<vault>.vault.localhost/secrets/<name> with nothing after it.',
    ],
  },
  {
    input: 'an identifier on another host',
    run: add('https://example.com/secrets/contoso-api-client', '--yes'),
    code: 2,
    stderr: ['example.com is not a Key Vault host in this cloud: vault hosts end in .vault.localhost.'],
  },
  {
    input: 'a /certificates/ identifier',
    run: add(`https://${VAULT_HOST}/certificates/contoso-api-client`, '--certificate-id', 'from-certificates-url', '--yes'),
    code: 0,
    stderr: ['note: rewrote /certificates/ to /secrets/ (API Management only accepts the secret endpoint)'],
    stdout: [`Add certificate "from-certificates-url" from ${SECRET} to apim-contoso-dev`, 'CERT-VERIFY: pass'],
    wrote: { certificateId: 'from-certificates-url', secretIdentifier: SECRET },
  },
  {
    input: 'a vault in another cloud (.vault.azure.cn)',
    run: add('https://kv-contoso-certs.vault.azure.cn/secrets/contoso-api-client', '--yes'),
    code: 2,
    stderr: [
      'The vault kv-contoso-certs.vault.azure.cn is in Azure China (.vault.azure.cn), but this run is connected to a cloud whose vaults end in .vault.localhost: run apimkv with --cloud AzureChinaCloud, or use a vault in this cloud.',
    ],
  },

  // .pfx files (upload-cert --yes): refused before anything is sent; the password only from a variable or a file.
  {
    input: 'a wrong .pfx password (from --password-env)',
    run: (r) =>
      cli(r, ['upload-cert', '--file', pfx.good, '--password-env', 'PFX_PASSWORD', '--yes'], {
        env: { PFX_PASSWORD: 'Not-The-Password-9' },
      }),
    code: 2,
    stderr: [`The password does not open ${pfx.good}. Nothing was uploaded: check the password in the variable PFX_PASSWORD.`],
    secrets: [...LEAK, 'Not-The-Password-9'],
  },
  {
    // APIM's rule: apimanagement.json 2024-05-01, CertificateIdParameter (1 to 80 characters, ^[^*#&+:<>?]+$).
    input: 'a .pfx whose file name makes a certificate id longer than APIM allows (no --certificate-id)',
    run: upload(pfx.longName),
    code: 2,
    stderr: [
      `The certificate id "${'contoso-api-client-'.repeat(5)}" taken from the file name is 95 characters long; API Management allows 1 to 80. Nothing was uploaded: pass --certificate-id ${'contoso-api-client-'.repeat(5).slice(0, 80).replace(/-+$/, '')} (or another id`,
    ],
    secrets: LEAK,
  },
  {
    input: 'a .pfx named only ".pfx" (no --certificate-id)',
    run: upload(pfx.noName),
    code: 2,
    stderr: [
      'The certificate id "" taken from the file name is 0 characters long; API Management allows 1 to 80. Nothing was uploaded: pass --certificate-id certificate (or another id',
    ],
    secrets: LEAK,
  },
  {
    input: 'a corrupt (truncated) .pfx',
    run: upload(pfx.truncated),
    code: 2,
    stderr: [
      `${pfx.truncated} is not a PKCS#12 (.pfx) file, or it is damaged (truncated?): export the certificate with its private key as .pfx and use that file. Nothing was uploaded.`,
    ],
    secrets: LEAK,
  },
  {
    input: 'an empty .pfx',
    run: upload(pfx.empty),
    code: 2,
    stderr: [
      `${pfx.empty} is empty (0 bytes): export the certificate with its private key as .pfx and use that file. Nothing was uploaded.`,
    ],
    secrets: LEAK,
  },
  {
    input: `a .pfx over the ${MAX_PFX_BYTES / 1024} KiB limit`,
    run: upload(pfx.huge),
    code: 2,
    stderr: [`${pfx.huge} is 257 KiB; a certificate file is far smaller (limit 256 KiB). Is this the right file? Nothing was uploaded.`],
    secrets: LEAK,
  },
  {
    input: 'a PEM file instead of PKCS#12',
    run: upload(pfx.pem),
    code: 2,
    stderr: [
      `${pfx.pem} is a PEM (text) file. API Management needs PKCS#12: convert it with "openssl pkcs12 -export -in cert.pem -inkey key.pem -out cert.pfx".`,
    ],
    secrets: LEAK,
  },
  {
    input: 'an expired certificate',
    run: upload(pfx.expired),
    code: 1,
    stdout: ['UPL-KEY          The certificate expired on 2021-01-01T00:00:00.000Z: use a current one.'],
    stderr: ['Not ready to add it: the certificate has expired (UPL-KEY).'],
    secrets: LEAK,
  },
  {
    input: 'a .pfx without its private key',
    run: upload(pfx.noKey),
    code: 1,
    stdout: [
      'UPL-KEY          The file has no private key: API Management cannot present the certificate. Export it again with the private key.',
    ],
    stderr: ['Not ready to add it: the file has no private key (UPL-KEY).'],
    secrets: LEAK,
  },
  {
    input: 'the .pfx password on the command line',
    run: (r) => cli(r, ['upload-cert', '--file', pfx.good, '--password', PASSWORD, '--yes']),
    code: 2,
    stderr: [
      'A password on the command line is visible to others (ps, shell history): use --password-env VAR, --password-file FILE, or the masked prompt.',
    ],
    secrets: LEAK,
  },
  {
    input: 'no password source and stdin not a terminal',
    run: (r) => cli(r, ['upload-cert', '--file', pfx.good, '--yes']),
    code: 2,
    stderr: ['No terminal to ask for the .pfx password: pass --password-env VAR or --password-file FILE.'],
    secrets: LEAK,
  },

  // Identity: behind the vault firewall only the system-assigned identity is admitted.
  {
    input: 'a user-assigned identity behind the vault firewall',
    world: 'uai-behind-firewall',
    run: add(SECRET, '--identity', 'id-apim-kv', '--certificate-id', 'via-uai', '--yes'),
    code: 1,
    stderr: [
      'Not ready to add it: the firewall of kv-contoso-certs admits API Management only with its system-assigned identity (the user-assigned identity id-apim-kv gets no trusted-service exception, and the vault gives API Management no network line of sight). Choose the system-assigned identity (FW-IDENTITY).',
      'Fix these first: FW-IDENTITY (apimkv fix FW-IDENTITY).',
      'Then run add-cert again with --identity system.',
    ],
  },

  // The target: what was not found, and the flag that names it.
  {
    input: 'an unknown subscription',
    run: (r) => cli(r, ['check', '--subscription', UNKNOWN_SUB]),
    code: 2,
    stderr: [`No API Management instance is visible in subscription ${UNKNOWN_SUB}. Check --subscription, or pass --service-id.`],
  },
  {
    input: 'an unknown subscription (instance and vault fully named)',
    run: (r) =>
      cli(r, [
        'check',
        '--subscription',
        UNKNOWN_SUB,
        '-g',
        'rg-apim-demo',
        '--service',
        'apim-contoso-dev',
        '--vault',
        'kv-contoso-certs',
        '--vault-resource-group',
        'rg-apim-demo',
      ]),
    code: 1,
    // Both reads say the same thing: the subscription is not there (not a 403 for one and a 404 for the other).
    stdout: [
      `✖ fail     PRE-APIM`,
      `The API Management instance apim-contoso-dev was not found in resource group rg-apim-demo of subscription ${UNKNOWN_SUB}.`,
      `✖ fail     PRE-VAULT`,
      `· read: The subscription '${UNKNOWN_SUB}' could not be found.`,
    ],
  },
  {
    input: 'an unknown API Management service (by name)',
    run: (r) => cli(r, ['check', '--service', 'apim-nope']),
    code: 2,
    stderr: [`No API Management instance named "apim-nope" is visible in subscription ${SUB}. Check --subscription, or pass --service-id.`],
  },
  {
    input: 'an unknown API Management service (fully named)',
    run: (r) => cli(r, ['check', '-g', 'rg-apim-demo', '--service', 'apim-nope', '--vault', 'kv-contoso-certs']),
    code: 1,
    stdout: [
      `✖ fail     PRE-APIM`,
      `The API Management instance apim-nope was not found in resource group rg-apim-demo of subscription ${SUB}. Check --service, -g (--resource-group) and --subscription, or pass --service-id.`,
    ],
  },
  {
    input: 'an unknown key vault',
    run: (r) => cli(r, ['check', '--vault', 'kv-nope']),
    code: 1,
    stdout: [
      `✖ fail     PRE-VAULT`,
      `The key vault kv-nope was not found in subscription ${SUB}. Check --vault (a name, or the resource id of a vault in another subscription) and --subscription, or create the vault and import the certificate first.`,
    ],
  },
  {
    input: 'a certificate from a key vault that does not exist',
    run: (r) =>
      cli(r, ['add-cert', '--vault', 'kv-nope', '--secret-id', 'https://kv-nope.vault.localhost/secrets/contoso-api-client', '--yes']),
    code: 1,
    stderr: [
      'Not ready to add it: the key vault kv-nope does not exist (PRE-VAULT): API Management could not fetch the certificate from it. Check the identifier and --vault, or recover the vault if it was deleted.',
    ],
  },
  {
    input: 'an unknown check id for fix --yes',
    world: 'everything-broken',
    run: (r) => cli(r, ['fix', 'NO-SUCH-CHECK', '--yes']),
    code: 2,
    stderr: ['No check named NO-SUCH-CHECK. "apimkv check" lists the check ids.'],
  },

  // The terminal. everything-broken has a fix for almost every check, so a key that got through would write.
  {
    input: 'a terminal too small (60x20)',
    world: 'everything-broken',
    run: tooSmall,
    code: 0,
    stdout: ['terminal too small (need 80x24, have 60x20)', 'enlarge the window, or press q to quit'],
  },
  {
    input: 'stdin not a terminal (/dev/null) while stdout is one',
    world: 'everything-broken',
    run: (r) => inTerminalWithStdin(r, TARGET, 'CLI < /dev/null'),
    code: 1,
    stderr: [
      'apimkv: not a terminal, so printing the check report instead of the full-screen runbook (use "apimkv check" to say so explicitly).',
      'fix: apimkv fix PRE-MI',
    ],
  },
  {
    input: 'stdin a pipe of keystrokes (F, y) while stdout is a terminal',
    world: 'everything-broken',
    run: (r) => inTerminalWithStdin(r, TARGET, "printf 'Fyyyy' | CLI"),
    code: 1,
    stderr: [
      'apimkv: not a terminal, so printing the check report instead of the full-screen runbook (use "apimkv check" to say so explicitly).',
    ],
  },
];

// --- the assertions -------------------------------------------------------------------------------------
async function check(row: Row, signal: AbortSignal): Promise<void> {
  const sandbox = await startSandbox({ world: row.world ?? 'healthy' });
  try {
    const stateDir = join(tempDir('apimkv-bad-input-state-'), 'state');
    const ca = join(files, `ca-${new URL(sandbox.endpoint).port}.pem`);
    writeFileSync(ca, sandbox.caPem);
    const r: Run = {
      connection: ['--arm-endpoint', sandbox.endpoint, '--ca-cert', ca, '--state-dir', stateDir],
      env: { PATH: `${azBin}:${process.env.PATH}`, AZURE_SUBSCRIPTION_ID: '', NO_COLOR: '1', BAD_INPUT_TOKEN: sandbox.token() },
      signal,
    };
    const before = sandbox.world();
    const out = await row.run(r);
    const all = `${out.stdout}\n${out.stderr}`;
    const show = `exit ${out.code}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`;

    // (1) The message: exit code and the exact words; never a stack trace or a raw-mode crash.
    assert.equal(out.code, row.code, show);
    for (const words of row.stderr ?? []) assert.ok(out.stderr.includes(words), `stderr lacks: ${words}\n${show}`);
    for (const words of row.stdout ?? []) assert.ok(out.stdout.includes(words), `stdout lacks: ${words}\n${show}`);
    assert.doesNotMatch(all, /\n\s+at .+:\d+:\d+\)?\n|Raw mode is not supported|TypeError|ReferenceError/, show);
    for (const secret of row.secrets ?? []) assert.ok(!all.includes(secret), 'a secret reached the output');

    // (2) Nothing changed, or exactly the one accepted write.
    const after = sandbox.world();
    const writes = sandbox.requests().filter(WRITE);
    if (!row.wrote) {
      assert.deepEqual(after, before, 'the world changed');
      assert.deepEqual(
        writes.map((e) => `${e.method} ${e.path}`),
        [],
        'a write was sent',
      );
      assert.deepEqual(journal(stateDir), [], 'the journal has entries');
      return;
    }
    const certId = `/subscriptions/${SUB}/resourceGroups/rg-apim-demo/providers/Microsoft.ApiManagement/service/apim-contoso-dev/certificates/${row.wrote.certificateId}`;
    assert.deepEqual(
      writes.map((e) => `${e.method} ${e.path} ${e.status}`),
      [`PUT ${certId} 201`],
    );
    const added = resources(after).find((x) => x.id.toLowerCase() === certId.toLowerCase());
    assert.equal(added?.properties?.keyVault?.secretIdentifier, row.wrote.secretIdentifier);
    assert.deepEqual(
      { ...after, resources: resources(after).filter((x) => x !== added) },
      before,
      'something besides the certificate changed',
    );
    assert.deepEqual(
      journal(stateDir).map((e) => `${e.planId.split(':')[0]} ${e.status}`),
      ['CERT-CREATE done'],
    );
  } finally {
    await sandbox.close();
  }
}

describe('bad input: a specific message, and nothing changed', { concurrency: 2 }, () => {
  for (const row of ROWS) it(row.input, { timeout: 90_000 }, (t) => check(row, t.signal));
});
