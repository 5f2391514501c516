// The journal across processes: apimkv killed with SIGKILL in the middle of a write (against a standalone
// sandbox whose world outlives it), then the next start settles the write by reading the resource, and
// `cleanup` removes the temporary firewall opening it made, and only that.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI } from './harness.ts';
import { azHandingOut, serveSandbox, tempDir, type Served } from './support.ts';

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const dir = tempDir();
let ca = '';
let endpoint = '';
let path = '';

function control(method: string, route: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${endpoint}${route}`,
      { method, ca: readFileSync(ca), agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text ? JSON.parse(text) : undefined));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

let sandbox: Served;
before(async () => {
  sandbox = await serveSandbox();
  ({ endpoint, ca } = sandbox);
  path = azHandingOut(sandbox.token);
});
after(() => sandbox.stop());

const stateDir = join(dir, 'state');
const journalFile = join(stateDir, 'journal.json');
const connection = () => ['--arm-endpoint', endpoint, '--ca-cert', ca, '--subscription', SUB, '--state-dir', stateDir];
const env = () => ({ ...process.env, PATH: path, NO_COLOR: '1' });
const journal = () =>
  existsSync(journalFile)
    ? (
        JSON.parse(readFileSync(journalFile, 'utf8')) as {
          entries: { planId: string; status: string; message?: string; temporary?: { value: string; removedAt?: string } }[];
        }
      ).entries
    : [];
const vaultAcls = async () => {
  const world = (await control('GET', '/__sandbox/world')) as {
    resources: { type: string; properties: { networkAcls: { bypass: string; ipRules: { value: string }[] } } }[];
  };
  return world.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults')!.properties.networkAcls;
};

/** Start a fix that will hang on its write, wait until the journal shows it pending, then kill -9. */
const VAULT = 'Microsoft\\.KeyVault/vaults/kv-contoso-certs$';
const APIM = 'Microsoft\\.ApiManagement/service/apim-contoso-dev$';

async function killMidWrite(checkId: string, when: 'before' | 'after', path = VAULT): Promise<void> {
  await control('POST', '/__sandbox/faults', { match: { method: 'PATCH', path, times: 1 }, respond: { hang: true }, when });
  const child = spawn(process.execPath, [CLI, 'fix', checkId, '--yes', ...connection()], { env: env(), stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  while (!journal().some((e) => e.planId.startsWith(checkId) && e.status === 'pending')) {
    if (Date.now() > deadline) throw new Error(`${checkId} never reached its write`);
    await new Promise((r) => setTimeout(r, 25));
  }
  // Give an "after" fault time to apply the write before the process dies waiting for the answer.
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await control('DELETE', '/__sandbox/faults');
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args, ...connection()], { encoding: 'utf8', env: env(), timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('killed after the write reached Azure: the next start settles it as made', async () => {
  await killMidWrite('FW-BYPASS', 'after');
  assert.equal(
    journal().find((e) => e.planId.startsWith('FW-BYPASS'))!.status,
    'pending',
    'the journal recorded the write before sending it',
  );
  assert.equal((await vaultAcls()).bypass, 'AzureServices', 'the world holds the change');
  const r = run(['check']);
  assert.match(
    r.stderr,
    /journal: Settled: Allowing trusted Microsoft services through the vault firewall \(FW-BYPASS:fix, .*\) — it was made\./,
  );
  assert.equal(journal().find((e) => e.planId.startsWith('FW-BYPASS'))!.status, 'done');
  assert.match(r.stdout, /✔ pass +FW-BYPASS/);
});

test('killed while adding the temporary IP rule: the opening is not forgotten, and cleanup removes only it', async () => {
  const others = (await vaultAcls()).ipRules.map((r) => r.value);
  await killMidWrite('FW-CLIENTIP', 'after');
  assert.deepEqual(
    (await vaultAcls()).ipRules.map((r) => r.value),
    [...others, '203.0.113.50/32'],
  );
  const check = run(['check']);
  assert.match(check.stderr, /Settled: Adding 203\.0\.113\.50\/32 to the vault firewall \(temporary\) .* — it was made/);
  assert.match(check.stderr, /Temporary changes still in place: 203\.0\.113\.50\/32/);
  const cleanup = run(['cleanup', '--yes']);
  assert.equal(cleanup.code, 0, cleanup.stdout + cleanup.stderr);
  assert.deepEqual(
    (await vaultAcls()).ipRules.map((r) => r.value),
    others,
    'only the rule apimkv added is gone',
  );
  assert.ok(journal().find((e) => e.temporary?.value === '203.0.113.50/32')!.temporary!.removedAt);
  assert.match(run(['cleanup']).stdout, /No temporary changes to remove/);
});

test('killed before the write reached Azure: the next start settles it as not made, and the fix is still offered', async () => {
  await killMidWrite('PRE-MI', 'before', APIM);
  const r = run(['check']);
  assert.match(
    r.stderr,
    /journal: Settled: Enabling the system-assigned identity on API Management \(PRE-MI:fix, .*\) — it was not made\./,
  );
  assert.equal(journal().find((e) => e.planId.startsWith('PRE-MI'))!.status, 'failed');
  assert.match(r.stdout, /✖ fail +PRE-MI .*\n.*\n.*\n.*fix: apimkv fix PRE-MI/);
});
