// Device code sign-in for SSH sessions with no browser, as in production: the real DeviceCodeCredential
// (MSAL) signs in against a standalone `apimkv sandbox serve`, which plays Entra ID. The code and URL are
// on screen in the TUI (and on stderr for the plain commands); "entering the code" is a POST to the
// sandbox's /devicelogin, as a person would do in a browser on another machine.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { CLI, KEY, start } from './harness.ts';
import { serveSandbox, tempDir, type Served } from './support.ts';

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const TENANT = '8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90';
const OPERATOR = '5a1f0c2e-7d3b-4e8a-9c6f-2b4d8e1a3c57';
const TARGET = ['-g', 'rg-apim-demo', '--service', 'apim-contoso-dev', '--vault', 'kv-contoso-certs'];
let sandbox: Served;
let endpoint = '';
let ca = '';

before(async () => {
  sandbox = await serveSandbox(['--world', 'healthy']);
  ({ endpoint, ca } = sandbox);
});
after(() => sandbox.stop());

function curl(path: string, form?: string): unknown {
  const r = spawnSync('curl', ['-s', '--cacert', ca, ...(form ? ['-d', form] : []), `${endpoint}${path}`], { encoding: 'utf8' });
  return JSON.parse(r.stdout || 'null');
}

const pending = () => (curl('/__sandbox/signins') as { pending: string[] }).pending;
const log = () =>
  curl('/__sandbox/log') as { seq: number; method: string; path: string; host: string; status: number; principalId?: string }[];
const since = (seq: number) => log().filter((e) => e.seq > seq);
const lastSeq = () => log().at(-1)?.seq ?? 0;
/** The code as the screen shows it (the message wraps, the code never does). */
const codeOn = (screen: string) => /enter the code ([A-Z0-9]{9})/.exec(screen.replace(/\s+/g, ' '))?.[1];
const noAz = { PATH: `${tempDir('apimkv-noaz-')}:/usr/bin:/bin`, AZURE_SUBSCRIPTION_ID: '' };

test(
  'TUI: the device code and URL are on screen while the checks wait; entering the code signs in once and the runbook runs',
  { timeout: 90_000 },
  async () => {
    const from = lastSeq();
    const s = start(['--arm-endpoint', endpoint, '--ca-cert', ca, '--device-code', '--tenant', TENANT, '--subscription', SUB, ...TARGET], {
      env: noAz,
    });
    try {
      const screen = await s.waitFor(/Sign in with a device code[\s\S]*enter the code [A-Z0-9]{9}[\s\S]*Waiting for the code/);
      assert.match(
        screen.replace(/\s+/g, ' '),
        new RegExp(`open the page ${endpoint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/devicelogin`),
      );
      const code = codeOn(screen)!;
      assert.deepEqual(pending(), [code], 'the code on screen is the one the authority issued');
      // stderr is this same terminal: the message is drawn by the TUI, never written across the frame.
      assert.equal(s.output().split(code).length - 1, 1, 'the code was written once');
      assert.equal(screen.split('\n').length, 24);

      assert.equal((curl('/devicelogin', `code=${code}`) as { outcome: string }).outcome, 'approved');
      await s.waitFor(/^.*✔ pass.* ms$/m, 30_000);
      // At a glance a passing step is closed: filter for the check.
      await s.press('/', ...'PRE-VAULT', KEY.enter);
      const runbook = await s.waitFor(/PRE-VAULT +The key vault exists +✔ pass/);
      assert.doesNotMatch(runbook, /Sign in with a device code|enter the code/);
      assert.match(runbook, /APIM apim-contoso-dev · vault kv-contoso-certs/);

      const seen = since(from);
      assert.equal(
        seen.filter((e) => /\/oauth2\/v2\.0\/devicecode$/.test(e.path)).length,
        1,
        'one sign-in for ARM and the vault data plane',
      );
      assert.ok(
        seen.some((e) => e.path === `/${TENANT}/v2.0/.well-known/openid-configuration`),
        'the authority is the tenant given with --tenant',
      );
      const tokens = seen.filter((e) => /\/oauth2\/v2\.0\/token$/.test(e.path));
      assert.ok(tokens.some((e) => e.status === 400) && tokens.some((e) => e.status === 200), 'polled while pending, then a token');
      const arm = seen.filter((e) => e.path.startsWith('/subscriptions/') || e.path.startsWith('/providers/'));
      assert.ok(arm.length > 5 && arm.every((e) => e.principalId === OPERATOR), 'every ARM call carries the signed-in operator');
      assert.ok(
        seen.some((e) => /\.vault\.localhost/.test(e.host) && e.status === 200 && e.principalId === OPERATOR),
        'the data plane too',
      );
      await s.press('q');
      assert.equal(await s.exited, 0);
    } finally {
      s.kill();
    }
  },
);

test('TUI picker: the sign-in shows in the picker before any choice is read', { timeout: 90_000 }, async () => {
  const s = start(
    [
      '--arm-endpoint',
      endpoint,
      '--ca-cert',
      ca,
      '--device-code',
      '--tenant',
      TENANT,
      '--subscription',
      SUB,
      '--state-dir',
      tempDir('apimkv-dc-state-'),
    ],
    { env: noAz },
  );
  try {
    const screen = await s.waitFor(
      /choose the instance and vault[\s\S]*Sign in with a device code[\s\S]*enter the code [A-Z0-9]{9}[\s\S]*the choices appear after that/,
    );
    curl('/devicelogin', `code=${codeOn(screen)}`);
    // One instance and one vault in this world: both taken without asking, straight into the runbook.
    await s.waitFor(/APIM apim-contoso-dev · vault kv-contoso-certs[\s\S]*✔ pass.* ms$/m, 30_000);
    await s.press('/', ...'PRE-VAULT', KEY.enter);
    await s.waitFor(/PRE-VAULT +The key vault exists +✔ pass/);
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill();
  }
});

test('audit TUI: the sign-in shows in the table while the fleet waits; then the fleet is read', { timeout: 90_000 }, async () => {
  const s = start(['audit', '--arm-endpoint', endpoint, '--ca-cert', ca, '--device-code', '--tenant', TENANT, '--subscription', SUB], {
    env: noAz,
  });
  try {
    const screen = await s.waitFor(
      /apimkv audit[\s\S]*Sign in with a device code[\s\S]*enter the code [A-Z0-9]{9}[\s\S]*the audit starts after that/,
    );
    curl('/devicelogin', `code=${codeOn(screen)}`);
    const table = await s.waitFor(/1 instances · \d+ vaults/, 30_000);
    assert.match(table, /apim-contoso-dev/);
    assert.doesNotMatch(table, /enter the code/);
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill();
  }
});

test('TUI: a declined sign-in says what was tried and what to run, and q quits', { timeout: 90_000 }, async () => {
  const s = start(['--arm-endpoint', endpoint, '--ca-cert', ca, '--device-code', '--tenant', TENANT, '--subscription', SUB, ...TARGET], {
    env: noAz,
  });
  try {
    const screen = await s.waitFor(/enter the code [A-Z0-9]{9}/);
    curl('/devicelogin', `code=${codeOn(screen)}&action=decline`);
    const failed = (await s.waitFor(/Sign-in failed[\s\S]*az\s+login --tenant/, 30_000)).replace(/\s+/g, ' ');
    assert.match(failed, /device code sign-in at https:\/\/127\.0\.0\.1:\d+ for tenant 8f3c2a1e/);
    assert.match(failed, /declined/);
    assert.match(
      failed,
      new RegExp(`${endpoint.slice(8).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · sub 3f2b7c1d`),
      'the header names the endpoint, not a guessed cloud',
    );
    assert.doesNotMatch(failed, /enter the code/);
    await s.press('q');
    assert.equal(await s.exited, 2, 'a failed connection exits with the connect code');
  } finally {
    s.kill();
  }
});

for (const [what, args] of [
  ['runbook', TARGET],
  ['picker', []],
  ['audit', ['audit']],
] as const) {
  test(`${what}: q while the code still waits quits, and the sign-in stops polling`, { timeout: 60_000 }, async () => {
    const base = ['--arm-endpoint', endpoint, '--ca-cert', ca, '--device-code', '--tenant', TENANT, '--subscription', SUB];
    const s = start(what === 'audit' ? ['audit', ...base] : [...base, ...args], { env: noAz });
    try {
      const code = codeOn(await s.waitFor(/enter the code [A-Z0-9]{9}/))!;
      await s.press('q');
      assert.equal(await s.exited, 0);
      const stopped = lastSeq();
      // Longer than the sandbox's polling interval (1 s): a sign-in left running would poll again.
      await new Promise((r) => setTimeout(r, 2_500));
      assert.deepEqual(
        since(stopped).filter((e) => /\/token$/.test(e.path)),
        [],
        'no token poll after quitting',
      );
      assert.ok(pending().includes(code), 'the code was never used');
    } finally {
      s.kill();
    }
  });
}

test('check --device-code: the message goes to stderr, stdout stays the report', { timeout: 90_000 }, async () => {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'check',
      '--json',
      '--arm-endpoint',
      endpoint,
      '--ca-cert',
      ca,
      '--device-code',
      '--tenant',
      TENANT,
      '--subscription',
      SUB,
      ...TARGET,
    ],
    {
      env: { ...process.env, ...noAz },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<string>((resolve) =>
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const c = codeOn(stderr);
      if (c) resolve(c);
    }),
  );
  assert.match(
    stderr,
    /^To sign in, use a web browser to open the page https:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code [A-Z0-9]{9} to authenticate\.\n$/,
  );
  curl('/devicelogin', `code=${code}`);
  const exit = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(exit, 0, stderr);
  const report = JSON.parse(stdout) as { summary: { fail: number; unknown: number } };
  assert.deepEqual([report.summary.fail, report.summary.unknown], [0, 0]);
});

test('--device-code with the embedded sandbox says how to practise it instead', () => {
  const r = spawnSync(process.execPath, [CLI, 'check', '--sandbox', '--device-code'], {
    encoding: 'utf8',
    env: { ...process.env, ...noAz },
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the embedded sandbox needs no sign-in[\s\S]*apimkv sandbox serve[\s\S]*--device-code/);
});
