// The built CLI against a standalone sandbox, signed in through a stand-in az that behaves like a managed
// identity's (`az login --identity`): `az account show` reports user.name systemAssignedIdentity, and
// `az account get-access-token --tenant …` is refused as azure-cli refuses it for such accounts. The Key
// Vault reads (which carry the vault's tenant in their challenge) must still get their token.
// https://learn.microsoft.com/cli/azure/authenticate-azure-cli
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI } from './harness.ts';
import { serveSandbox, tempDir, type Served } from './support.ts';

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const TENANT = '8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90';
let sandbox: Served;
let bin = '';
before(async () => {
  sandbox = await serveSandbox(['--world', 'healthy']);
  bin = tempDir('h19-az-mi-');
  writeFileSync(
    join(bin, 'az'),
    `#!/bin/sh
echo "$*" >> ${bin}/calls.log
case "$1 $2" in
  "account show") echo '{"id":"${SUB}","tenantId":"${TENANT}","environmentName":"AzureCloud","user":{"name":"systemAssignedIdentity","type":"servicePrincipal","assignedIdentityInfo":"MSI"}}' ;;
  "account get-access-token")
    case " $* " in *" --tenant "*) echo "ERROR: Tenant shouldn't be specified for managed identity account" >&2; exit 1 ;; esac
    echo '{"accessToken":"${sandbox.token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}' ;;
  *) exit 1 ;;
esac
`,
  );
  chmodSync(join(bin, 'az'), 0o755);
});
after(() => sandbox.stop());

const check = (args: string[]) => {
  writeFileSync(join(bin, 'calls.log'), '');
  const r = spawnSync(process.execPath, [CLI, 'check', '--json', '--arm-endpoint', sandbox.endpoint, '--ca-cert', sandbox.ca, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', AZURE_SUBSCRIPTION_ID: '' },
    timeout: 90_000,
  });
  return { ...r, calls: readFileSync(join(bin, 'calls.log'), 'utf8').trim().split('\n') };
};

test('az signed in with a managed identity: every check reads, the vault included, and no token request names a tenant', () => {
  // No --subscription: apimkv asks az account show, sees the managed identity, and never passes --tenant.
  const r = check([]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const findings = JSON.parse(r.stdout).findings as { checkId: string; status: string }[];
  assert.deepEqual(
    findings.filter((f) => f.status === 'unknown').map((f) => f.checkId),
    [],
  );
  assert.equal(findings.find((f) => f.checkId === 'FW-CLIENTIP')?.status, 'pass');
  const tokens = r.calls.filter((c) => c.startsWith('account get-access-token'));
  assert.ok(tokens.length >= 2 && tokens.every((c) => !c.includes('--tenant')), r.calls.join('\n'));
});

test('the same az when apimkv does not ask az account show (--subscription given): learnt from the refusal', () => {
  const r = check(['--subscription', SUB, '--tenant', TENANT]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    (JSON.parse(r.stdout).findings as { checkId: string; status: string }[]).find((f) => f.checkId === 'FW-CLIENTIP')?.status,
    'pass',
  );
  assert.equal(r.calls.filter((c) => c.includes('--tenant')).length, 1, r.calls.join('\n'));
});

test("--tenant of another tenant than the managed identity's: a clear sign-in error, exit 2", () => {
  const other = '11111111-2222-3333-4444-555555555555';
  const r = check(['--subscription', SUB, '--tenant', other]);
  assert.equal(r.status, 2, r.stdout);
  assert.match(
    r.stderr,
    new RegExp(
      `managed identity account of tenant ${TENANT}, which gets tokens only for its own tenant; tenant ${other} cannot be reached with it`,
    ),
  );
  assert.match(r.stderr, /az login --tenant 11111111-2222-3333-4444-555555555555/);
});
