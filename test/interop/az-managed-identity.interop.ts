// Debian's Azure CLI 2.45 (apt-get install azure-cli python3-azure) signed in with a managed identity to a
// standalone `apimkv sandbox serve`, then apimkv's own Azure CLI sign-in through that az. az refuses
// `get-access-token --tenant` for such accounts (azure-cli Profile.get_raw_token: "Tenant shouldn't be
// specified for managed identity account"), and before the fix FW-CLIENTIP ended unknown because the Key
// Vault token request carried the vault's tenant. https://learn.microsoft.com/cli/azure/authenticate-azure-cli
// The sign-in (loopback token endpoint, registered cloud, `az login --identity`) is ../shared/interop/az-signin.sh.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI } from '../e2e/harness.ts';
import { serveSandbox, tempDir, type Served } from '../e2e/support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// ../shared beside the clone (CI), or beside the worktrees' parent.
const SIGNIN =
  [join(ROOT, '..', 'shared'), join(ROOT, '..', '..', 'shared')]
    .map((d) => join(d, 'interop', 'az-signin.sh'))
    .find((f) => existsSync(f)) ?? 'az-signin.sh: ../shared/interop not found';
const TENANT = '8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90';
let sandbox: Served;
let config = '';
let env: NodeJS.ProcessEnv = {};
// apimkv's az calls, through a wrapper that logs each one's exit code and arguments, then runs the real az.
// Needed to tell az's tokens from a fallback: with MSI_ENDPOINT set (az needs it), the chain's
// ManagedIdentityCredential would also get a token after az failed.
let azLog = '';
const azCalls = () => (existsSync(azLog) ? readFileSync(azLog, 'utf8').trim().split('\n').filter(Boolean) : []);

before(async () => {
  sandbox = await serveSandbox(['--world', 'healthy']);
  config = join(tempDir('h19-az245-'), 'az');
  const exports = execFileSync('bash', [SIGNIN, sandbox.endpoint, sandbox.ca, sandbox.token, config], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  env = { ...process.env, NO_COLOR: '1', AZURE_SUBSCRIPTION_ID: '' };
  for (const m of exports.matchAll(/^export (\w+)='([^']*)'$/gm)) env[m[1]!] = m[2]!;
  env.AZURE_CORE_COLLECT_TELEMETRY = 'no';
  const realAz = execFileSync('sh', ['-c', 'command -v az'], { encoding: 'utf8' }).trim();
  const bin = tempDir('h19-az-wrap-');
  azLog = join(bin, 'calls.log');
  writeFileSync(join(bin, 'az'), `#!/bin/sh\n${realAz} "$@"\nrc=$?\necho "$rc $*" >> ${azLog}\nexit $rc\n`);
  chmodSync(join(bin, 'az'), 0o755);
  env.PATH = `${bin}:${process.env.PATH}`;
});
after(() => {
  sandbox?.stop();
  try {
    process.kill(Number(readFileSync(join(config, 'msi-server.pid'), 'utf8')));
  } catch {
    // already gone
  }
});

test('az 2.45 with a managed identity: it is such an account, and it refuses --tenant', () => {
  const account = JSON.parse(execFileSync('az', ['account', 'show', '-o', 'json'], { env, encoding: 'utf8', timeout: 120_000 }));
  assert.equal(account.user.name, 'systemAssignedIdentity');
  assert.equal(account.tenantId, TENANT);
  const refused = spawnSync('az', ['account', 'get-access-token', '--tenant', TENANT, '-o', 'json'], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /Tenant shouldn't be specified for managed identity account/);
});

test('apimkv check through that az: every check reads, the vault firewall (FW-CLIENTIP) included', () => {
  writeFileSync(azLog, '');
  const r = spawnSync(process.execPath, [CLI, 'check', '--json', '--arm-endpoint', sandbox.endpoint, '--ca-cert', sandbox.ca], {
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr + r.stdout.slice(0, 2000));
  const findings = JSON.parse(r.stdout).findings as { checkId: string; status: string }[];
  assert.deepEqual(
    findings.filter((f) => f.status === 'unknown').map((f) => f.checkId),
    [],
  );
  assert.equal(findings.find((f) => f.checkId === 'FW-CLIENTIP')?.status, 'pass');
  // The tokens came from az (ARM and the vault), and az never had to refuse a request.
  const tokens = azCalls().filter((c) => / account get-access-token /.test(c));
  assert.ok(tokens.length >= 2, azCalls().join('\n'));
  assert.deepEqual(
    tokens.filter((c) => !c.startsWith('0 ') || c.includes('--tenant')),
    [],
    'a refused or --tenant token request',
  );
});

test('apimkv with --tenant of another tenant through that az: says the identity cannot reach it', () => {
  const other = '11111111-2222-3333-4444-555555555555';
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'check',
      '--arm-endpoint',
      sandbox.endpoint,
      '--ca-cert',
      sandbox.ca,
      '--tenant',
      other,
      '--subscription',
      '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34',
    ],
    { env, encoding: 'utf8', timeout: 300_000 },
  );
  assert.equal(r.status, 2, r.stdout);
  assert.match(
    r.stderr,
    new RegExp(
      `managed identity account of tenant ${TENANT}, which gets tokens only for its own tenant; tenant ${other} cannot be reached`,
    ),
  );
});

test('apimkv doctor through that az: the managed identity, its tenant, and why other tenants are out of reach', () => {
  const r = spawnSync(process.execPath, [CLI, 'doctor', '--json', '--arm-endpoint', sandbox.endpoint, '--ca-cert', sandbox.ca], {
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stdout);
  const lines = JSON.parse(r.stdout).lines as { id: string; status: string; detail: string }[];
  assert.equal(lines.find((l) => l.id === 'az')?.detail, 'azure-cli 2.45.0');
  assert.match(
    lines.find((l) => l.id === 'az-login')!.detail,
    new RegExp(`^systemAssignedIdentity \\(servicePrincipal\\), tenant ${TENANT}, .*cloud ApimkvSandbox$`),
  );
  assert.match(lines.find((l) => l.id === 'az-tenant')!.detail, /a managed identity login gets tokens only for its own tenant/);
  assert.equal(lines.find((l) => l.id === 'endpoint')?.status, 'ok');
});
