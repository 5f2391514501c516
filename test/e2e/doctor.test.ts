// `apimkv doctor` as an SRE runs it on a new machine: with no az on PATH, against a standalone sandbox with a
// signed-in (stand-in) az, in a small terminal, and with secrets in the environment that must not show.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI, start } from './harness.ts';
import { serveSandbox, tempDir, type Served } from './support.ts';

interface Line {
  id: string;
  status: string;
  title: string;
  detail: string;
  fix?: string;
}
const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const TENANT = '8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90';
const NODE_ONLY = dirname(process.execPath);

function doctor(args: string[], env: Record<string, string | undefined>) {
  const r = spawnSync(process.execPath, [CLI, 'doctor', ...args], {
    encoding: 'utf8',
    env: { HOME: tempDir('h19-home-'), LANG: 'C.UTF-8', ...env },
    timeout: 90_000,
  });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    lines: args.includes('--json') && r.stdout ? (JSON.parse(r.stdout).lines as Line[]) : [],
  };
}
const byId = (lines: Line[], id: string) => lines.find((l) => l.id === id);

let sandbox: Served;
let azBin = '';
before(async () => {
  sandbox = await serveSandbox();
  azBin = tempDir('h19-doctor-az-');
  writeFileSync(
    join(azBin, 'az'),
    `#!/bin/sh
case "$1 $2" in
  "account show") echo '{"id":"${SUB}","name":"Contoso Dev","tenantId":"${TENANT}","environmentName":"AzureCloud","user":{"name":"sre@contoso.com","type":"user"}}' ;;
  "version --output") echo '{"azure-cli":"2.67.0","azure-cli-core":"2.67.0"}' ;;
  *) exit 1 ;;
esac
`,
  );
  chmodSync(join(azBin, 'az'), 0o755);
});
after(() => sandbox.stop());

test('no az on PATH: doctor still runs, says az is missing and how to sign in instead; exit 0', () => {
  const r = doctor(['--json', '--state-dir', join(tempDir(), 'state')], { PATH: NODE_ONLY });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(byId(r.lines, 'node')?.status, 'ok');
  assert.match(byId(r.lines, 'node')!.detail, new RegExp(`^${process.version.replace(/\./g, '\\.')} `));
  const azLine = byId(r.lines, 'az')!;
  assert.equal(azLine.status, 'warn');
  assert.match(azLine.detail, /not found on PATH/);
  assert.match(azLine.fix!, /--device-code/);
  assert.equal(byId(r.lines, 'az-login'), undefined, 'no sign-in line without az');
  const text = doctor([], { PATH: NODE_ONLY });
  assert.match(text.stdout, /^apimkv doctor — what this machine gives apimkv/);
  assert.match(text.stdout, /! warn +Azure CLI +not found on PATH[^\n]*\n +fix: install it/);
});

test('against the sandbox: az signed in (account, tenant, cloud, never a token), the endpoint reachable with its CA', () => {
  const r = doctor(['--json', '--arm-endpoint', sandbox.endpoint, '--ca-cert', sandbox.ca, '--state-dir', join(tempDir(), 'state')], {
    PATH: `${azBin}:${NODE_ONLY}`,
  });
  assert.equal(r.code, 0, r.stdout);
  assert.equal(byId(r.lines, 'az')?.detail, 'azure-cli 2.67.0');
  assert.equal(
    byId(r.lines, 'az-login')?.detail,
    `sre@contoso.com (user), tenant ${TENANT}, subscription Contoso Dev ${SUB}, cloud AzureCloud`,
  );
  assert.equal(byId(r.lines, 'dns-ARM')?.status, 'ok');
  assert.match(byId(r.lines, 'endpoint')!.detail, /reachable, its certificate is trusted \(--ca-cert\) \(TLSv1\.[23]\)/);
  assert.ok(!r.stdout.includes(sandbox.token.split('.')[1]!), 'no token in the output');
  // Without the CA the endpoint's certificate is not trusted: a failure with its fix, exit 1.
  const untrusted = doctor(['--json', '--arm-endpoint', sandbox.endpoint], { PATH: `${azBin}:${NODE_ONLY}` });
  assert.equal(untrusted.code, 1);
  assert.equal(byId(untrusted.lines, 'endpoint')?.status, 'fail');
  assert.match(byId(untrusted.lines, 'endpoint')!.fix!, /--ca-cert/);
});

test('credential variables by name only, proxies without their password; offline hosts are "not checked"', () => {
  const r = doctor(['--json', '--cloud', 'AzureChinaCloud', '--vault', 'kv-contoso'], {
    PATH: NODE_ONLY,
    AZURE_CLIENT_ID: '00000000-0000-0000-0000-0000000000c1',
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_SECRET: 'correct-horse-battery',
    HTTPS_PROXY: 'http://svc-proxy:hunter2@proxy.contoso.com:8080',
    NO_PROXY: 'localhost,127.0.0.1',
  });
  assert.ok(!r.stdout.includes('correct-horse-battery') && !r.stdout.includes('hunter2'), r.stdout);
  assert.match(
    byId(r.lines, 'env-credentials')!.detail,
    /^set: AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET \(a service principal/,
  );
  assert.equal(byId(r.lines, 'proxy')?.detail, 'HTTPS_PROXY=http://***@proxy.contoso.com:8080, NO_PROXY=localhost,127.0.0.1');
  assert.deepEqual(
    ['dns-ARM', 'dns-sign-in', 'dns-Key Vault'].map((id) => byId(r.lines, id)?.detail.split(' ')[0]),
    ['management.chinacloudapi.cn', 'login.chinacloudapi.cn', 'kv-contoso.vault.azure.cn'],
  );
  // This machine has no DNS for public names: each host is said to be unchecked, not failed.
  for (const id of ['dns-ARM', 'dns-sign-in', 'dns-Key Vault']) assert.ok(['ok', 'unknown'].includes(byId(r.lines, id)!.status), id);
});

test('the state directory: open to others is a warning, and a temporary change still open is listed with cleanup', () => {
  const state = join(tempDir(), 'state');
  mkdirSync(state, { mode: 0o755 });
  chmodSync(state, 0o755);
  const vaultId = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-contoso-certs`;
  writeFileSync(
    join(state, 'journal.json'),
    JSON.stringify({
      version: 1,
      entries: [
        {
          id: '1',
          runId: 'r',
          planId: 'FW-CLIENTIP',
          startedAt: '2026-12-01T08:00:00Z',
          finishedAt: '2026-12-01T08:00:01Z',
          status: 'done',
          operation: {},
          temporary: { kind: 'vault.ipRule', vaultId, value: '203.0.113.7/32', addedAt: '2026-12-01T08:00:00Z' },
        },
      ],
    }),
  );
  const r = doctor(['--json', '--state-dir', state], { PATH: NODE_ONLY });
  assert.equal(byId(r.lines, 'state-dir')?.status, 'warn');
  assert.match(byId(r.lines, 'state-dir')!.fix!, /chmod 700/);
  assert.equal(byId(r.lines, 'temporary')?.detail, 'still in place: 203.0.113.7/32 on kv-contoso-certs');
  assert.match(byId(r.lines, 'temporary')!.fix!, /apimkv cleanup --yes/);
  chmodSync(state, 0o700);
  assert.equal(byId(doctor(['--json', '--state-dir', state], { PATH: NODE_ONLY }).lines, 'state-dir')?.status, 'ok');
});

test('in a 70x20 terminal: the size is a warning (the runbook needs 80x24); a non-UTF-8 locale is one too', async () => {
  const s = start(['doctor'], { cols: 70, rows: 20, env: { PATH: NODE_ONLY, LANG: 'C', LC_ALL: '' } });
  // The screen is 70 columns wide: the lines wrap.
  const text = (await s.waitFor(/not checked/)).replace(/\n/g, '');
  assert.match(text, /Terminal +70x20 \(TERM=xterm-256color\): the full-screen/);
  assert.match(text, /UTF-8 +locale C is not UTF-8/);
  assert.equal(await s.exited, 0);
});
