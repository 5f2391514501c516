// Secrets, end to end (issue 6, item 8): the whole upload flow run as an operator would — in the
// full-screen runbook in a pseudo-terminal, and with the plain command under the Azure SDK's verbose
// logging — against a standalone sandbox, then every byte apimkv wrote is searched for the .pfx password
// and the .pfx data, and for the bearer token (issue 15, item 3): the terminal, stdout, stderr (with the
// SDK's verbose log, which used to serialise the HTTPS agent's sockets and their Authorization header), the
// transcript, every file under the state directory (journal, transcripts, targets, sessions), the
// sandbox's request log, and the environment of every `az` child apimkv started.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI, KEY, start } from '../e2e/harness.ts';
import { azHandingOut, serveSandbox, tempDir, writePfx, type Served } from '../e2e/support.ts';
import { figure } from './figures.ts';

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const TARGET = ['--subscription', SUB, '-g', 'rg-apim-demo', '--service', 'apim-contoso-dev', '--vault', 'kv-contoso-certs'];
const PASSWORD = 'S3cret-Pfx-Passw0rd!';
let sandbox: Served;
const dir = tempDir('apimkv-secrets-');
const pfx = writePfx(dir, PASSWORD);

before(async () => {
  sandbox = await serveSandbox(['--world', 'healthy']);
});
after(() => sandbox.stop());

/** Every file under a directory, as text. */
function filesUnder(root: string): { path: string; text: string }[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((p) => join(root, p))
    .filter((p) => statSync(p).isFile())
    .map((p) => ({ path: p, text: readFileSync(p, 'utf8') }));
}

function sandboxLog(): string {
  return spawnSync('curl', ['-s', '--cacert', sandbox.ca, `${sandbox.endpoint}/__sandbox/log`], { encoding: 'utf8' }).stdout;
}

/** The secret in the forms it could leak in: the password, and the .pfx as base64 (whole or a run of it). */
const NEEDLES = [PASSWORD, pfx.base64.slice(0, 40), pfx.base64.slice(-40, -4), Buffer.from(PASSWORD).toString('base64')];
/** The bearer token apimkv is handed, whole and as its payload (what a log would show of it). */
const tokenNeedles = () => [sandbox.token, sandbox.token.split('.')[1]!];

/** A stand-in `az` that hands out the token and leaves a copy of its own environment in `envDir`. */
function azRecordingEnv(envDir: string): string {
  const bin = tempDir('apimkv-az-env-');
  writeFileSync(
    join(bin, 'az'),
    `#!/bin/sh
env > '${envDir}'/env-$$.txt
case "$2" in
  get-access-token) echo '{"accessToken":"${sandbox.token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}' ;;
  *) exit 1 ;;
esac
`,
  );
  chmodSync(join(bin, 'az'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

const searched = { places: 0, bytes: 0, found: 0 };

function assertClean(where: string, text: string): void {
  searched.places++;
  searched.bytes += Buffer.byteLength(text);
  figure('places searched for secrets', 1);
  for (const needle of [...NEEDLES, ...tokenNeedles()]) {
    if (text.includes(needle)) searched.found++;
    figure('secret copies found (outputs, logs, files, child environments)', text.split(needle).length - 1);
    assert.ok(!text.includes(needle), `${where} holds a secret (${needle.slice(0, 6)}…)`);
  }
}

after(() =>
  console.log(
    `secrets: ${searched.places} places, ${searched.bytes} bytes searched for ${NEEDLES.length} forms of the password and .pfx; found ${searched.found}; also for the bearer token`,
  ),
);

test('the full-screen upload flow: the password and the .pfx appear nowhere apimkv wrote', { timeout: 90_000 }, async () => {
  const state = tempDir('apimkv-secrets-state-');
  const transcript = join(state, 'session.md');
  const uploadsBefore = (sandboxLog().match(/\/certificates\/tui-upload/g) ?? []).length;
  const s = start(
    ['--arm-endpoint', sandbox.endpoint, '--ca-cert', sandbox.ca, ...TARGET, '--state-dir', state, '--transcript', transcript],
    { env: { PATH: azHandingOut(sandbox.token), AZURE_SUBSCRIPTION_ID: '' } },
  );
  try {
    await s.waitFor(/^.*✔ pass.* ms$/m, 30_000);
    await s.press('u');
    await s.waitFor('Path to the .pfx file');
    s.pty.write(`${pfx.path}\r`);
    await s.waitFor('Password for upload.pfx');
    s.pty.write(`${PASSWORD}\r`);
    await s.waitFor('Thumbprint');
    await s.press(KEY.enter);
    await s.waitFor('Certificate id in API Management');
    // The default id is replaced in one chunk, as typed ahead over a slow link.
    s.type(KEY.backspace.repeat(30));
    await s.press(...'tui-upload', KEY.enter);
    await s.waitFor('About to plan');
    await s.press(KEY.enter);
    await s.waitFor(/ Apply +y applies/);
    await s.press('y');
    await s.waitFor(/Re-check: UPL-CREATE is now ✔ pass/, 60_000);
    await s.press('T');
    await s.waitFor(/Transcript written to/);
    await s.press(KEY.esc, 'q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill('SIGKILL');
  }
  const log = sandboxLog();
  assert.equal((log.match(/\/certificates\/tui-upload/g) ?? []).length > uploadsBefore, true, 'the upload really happened');
  assertClean('the terminal (screen, stdout and stderr)', s.output());
  const files = filesUnder(state);
  assert.ok(
    files.some((f) => /journal\.json$/.test(f.path)) && files.some((f) => f.path === transcript),
    files.map((f) => f.path).join('\n'),
  );
  for (const f of files) assertClean(f.path, f.text);
  assertClean('the sandbox request log', log);
});

test('upload-cert under the Azure SDK verbose log: stdout, stderr (the log), transcript and state are clean', { timeout: 90_000 }, () => {
  const state = tempDir('apimkv-secrets-state-');
  const transcript = join(state, 'cli.md');
  const envDir = tempDir('apimkv-secrets-env-');
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'upload-cert',
      '--arm-endpoint',
      sandbox.endpoint,
      '--ca-cert',
      sandbox.ca,
      ...TARGET,
      '--state-dir',
      state,
      '--transcript',
      transcript,
      '--file',
      pfx.path,
      '--password-env',
      'PFX_PW',
      '--certificate-id',
      'cli-upload',
      '--yes',
    ],
    {
      encoding: 'utf8',
      timeout: 90_000,
      // The verbose log is long.
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, PATH: azRecordingEnv(envDir), AZURE_SUBSCRIPTION_ID: '', PFX_PW: PASSWORD, AZURE_LOG_LEVEL: 'verbose' },
    },
  );
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.match(r.stdout, /UPL-CREATE is now pass/);
  assert.match(r.stderr, /azure:core-rest-pipeline/, 'the SDK log was on');
  assertClean('stdout', r.stdout);
  assertClean('stderr with the SDK verbose log', r.stderr);
  for (const f of filesUnder(state)) assertClean(f.path, f.text);
  assertClean('the sandbox request log', sandboxLog());
  // The password variable is read and removed before the first child (az, for the token) starts.
  const children = filesUnder(envDir);
  assert.ok(children.length > 0, 'no az child ran');
  for (const f of children) assertClean(`the environment of an az child (${f.path})`, f.text);
  for (const f of children) assert.doesNotMatch(f.text, /^PFX_PW=/m, 'an az child inherited the password variable');
});
