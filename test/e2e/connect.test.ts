// Connecting as in production: the real AzureCliCredential (a stand-in `az` first on PATH prints a token)
// against a standalone `apimkv sandbox serve` reached with --arm-endpoint and --ca-cert, the target
// completed from Resource Graph, --service-id, and a sign-in failure that says what to run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI } from './harness.ts';
import { serveSandbox, tempDir, type Served } from './support.ts';

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
let sandbox: Served;
let endpoint = '';
let token = '';
let ca = '';

before(async () => {
  sandbox = await serveSandbox(['--world', 'healthy']);
  ({ endpoint, token, ca } = sandbox);
});
after(() => sandbox.stop());

/** A stand-in `az`: `account show` and `account get-access-token`, each call logged with its arguments. */
function fakeAz(behaviour: 'logged-in' | 'logged-out'): { path: string; log: string } {
  const bin = tempDir('apimkv-az-');
  const log = join(bin, 'calls.log');
  const script =
    behaviour === 'logged-out'
      ? `#!/bin/sh\necho "$@" >> ${log}\necho "ERROR: Please run 'az login' to setup account." >&2\nexit 1\n`
      : `#!/bin/sh
echo "$@" >> ${log}
case "$2" in
  show) echo '{"id":"${SUB}","tenantId":"8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90","environmentName":"AzureCloud","user":{"name":"sre@contoso.com"}}' ;;
  get-access-token) echo '{"accessToken":"${token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}' ;;
  *) exit 2 ;;
esac
`;
  writeFileSync(join(bin, 'az'), script);
  chmodSync(join(bin, 'az'), 0o755);
  return { path: `${bin}:${process.env.PATH}`, log };
}

function run(args: string[], path: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PATH: path, AZURE_SUBSCRIPTION_ID: '' },
    timeout: 90_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--arm-endpoint + --ca-cert with the Azure CLI sign-in: the target is found, the token asked for that audience', () => {
  const az = fakeAz('logged-in');
  const r = run(['check', '--json', '--arm-endpoint', endpoint, '--ca-cert', ca], az.path);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { target: Record<string, string>; context: { sandbox: boolean } };
  assert.deepEqual(report.target, {
    subscriptionId: SUB,
    resourceGroup: 'rg-apim-demo',
    service: 'apim-contoso-dev',
    vault: 'kv-contoso-certs',
    vaultResourceGroup: 'rg-apim-demo',
  });
  const calls = readFileSync(az.log, 'utf8');
  assert.match(calls, /^account show --output json$/m, 'the subscription came from az');
  assert.match(
    calls,
    new RegExp(`account get-access-token --output json --resource ${endpoint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    'the ARM token is for that endpoint',
  );
  assert.match(calls, /--resource https:\/\/vault\.localhost/, 'the data-plane token is for the vault audience');
  // The sandbox saw the operator (the token's oid) on every call.
  const log = JSON.parse(spawnSync('curl', ['-s', '--cacert', ca, `${endpoint}/__sandbox/log`], { encoding: 'utf8' }).stdout || '[]') as {
    principalId?: string;
  }[];
  assert.ok(log.length > 0 && log.every((e) => !e.principalId || e.principalId === '5a1f0c2e-7d3b-4e8a-9c6f-2b4d8e1a3c57'));
});

test('--service-id names the instance; a malformed one is refused with the expected shape', () => {
  const az = fakeAz('logged-in');
  const id = `/subscriptions/${SUB}/resourceGroups/rg-apim-demo/providers/Microsoft.ApiManagement/service/apim-contoso-dev`;
  const ok = run(
    ['check', '--json', '--arm-endpoint', endpoint, '--ca-cert', ca, '--service-id', id, '--vault', 'kv-contoso-certs'],
    az.path,
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { target: { service: string } }).target.service, 'apim-contoso-dev');
  const bad = run(['check', '--arm-endpoint', endpoint, '--ca-cert', ca, '--service-id', '/subscriptions/x/apim'], az.path);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /is not an API Management id: expected \/subscriptions\/<id>\/resourceGroups\/<rg>\/providers\/Microsoft\.ApiManagement\/service\/<name>/,
  );
  const missing = run(['check', '--arm-endpoint', endpoint, '--ca-cert', ca, '--service', 'apim-nope'], az.path);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /No API Management instance named "apim-nope" is visible in subscription/);
});

test('a logged-out Azure CLI: the error names what was tried and the command that fixes it', () => {
  const az = fakeAz('logged-out');
  const r = run(
    ['check', '--arm-endpoint', endpoint, '--ca-cert', ca, '--subscription', SUB, '--tenant', '8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90'],
    az.path,
  );
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /Sign-in failed \(Azure CLI/);
  assert.match(r.stderr, /az login --tenant 8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90/);
});

test('an unreadable CA file and a CA without --arm-endpoint are usage errors', () => {
  const az = fakeAz('logged-in');
  const r = run(['check', '--arm-endpoint', endpoint, '--ca-cert', join(tempDir(), 'missing.pem')], az.path);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Cannot read the CA certificate .*missing\.pem/);
  const u = run(['check', '--ca-cert', ca], az.path);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /--ca-cert is for --arm-endpoint/);
});
