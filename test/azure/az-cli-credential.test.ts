// Azure CLI logins that refuse --tenant: `az login --identity` (a VM's or jump box's managed identity) and
// Azure Cloud Shell. A stand-in az answers the way azure-cli's Profile.get_raw_token does for them (2.45
// and today): "Tenant shouldn't be specified for managed identity account" whenever --tenant is passed.
// https://learn.microsoft.com/cli/azure/authenticate-azure-cli
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ownTenantAccount } from '../../src/azure/az-cli.ts';
import { AZURE_PUBLIC_CLOUD } from '../../src/azure/cloud.ts';
import { createCredential, SignInError } from '../../src/azure/credential.ts';

const OWN = '8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90';
const OTHER = '11111111-2222-3333-4444-555555555555';

function jwt(payload: object): string {
  return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
}

/** A stand-in az for an account of `kind` in tenant OWN; returns its calls log. */
function refusingAz(t: TestContext, kind: 'managed identity' | 'Cloud Shell'): () => string[] {
  const dir = mkdtempSync(join(tmpdir(), 'h19-az-'));
  const log = join(dir, 'calls.log');
  const token = jwt({ tid: OWN, oid: 'mi-oid' });
  writeFileSync(
    join(dir, 'az'),
    `#!/bin/sh
echo "$*" >> ${log}
case " $* " in
  *" --tenant "*) echo "ERROR: Tenant shouldn't be specified for ${kind} account" >&2; exit 1 ;;
esac
echo '{"accessToken":"${token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer","tenant":"${OWN}"}'
`,
  );
  chmodSync(join(dir, 'az'), 0o755);
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}${delimiter}${oldPath}`;
  t.after(() => {
    process.env.PATH = oldPath;
    rmSync(dir, { recursive: true, force: true });
  });
  return () => readFileSync(log, 'utf8').trim().split('\n');
}

const KV = 'https://vault.azure.net/.default';

test('az account show: managed identity and Cloud Shell accounts are the ones that refuse --tenant', () => {
  assert.equal(ownTenantAccount({ name: 'systemAssignedIdentity', type: 'servicePrincipal' }), 'managed identity');
  assert.equal(ownTenantAccount({ name: 'userAssignedIdentity', type: 'servicePrincipal' }), 'managed identity');
  assert.equal(ownTenantAccount({ name: 'sre@contoso.com', type: 'user', cloudShellID: true }), 'Cloud Shell');
  assert.equal(ownTenantAccount({ name: 'sre@contoso.com', type: 'user' }), undefined);
  assert.equal(ownTenantAccount({ name: '0b1f...-app-id', type: 'servicePrincipal' }), undefined);
  assert.equal(ownTenantAccount(undefined), undefined);
});

test('a managed-identity az refusing --tenant: learnt from the refusal, then asked without it (ARM and a Key Vault challenge)', async (t) => {
  const calls = refusingAz(t, 'managed identity');
  const cred = createCredential({ kind: 'chain', profile: AZURE_PUBLIC_CLOUD, tenantId: OWN });
  assert.equal((await cred.getToken(AZURE_PUBLIC_CLOUD.armScope))?.token.split('.').length, 3);
  // A vault's challenge names its tenant (the same one here), which the SDK would pass as --tenant.
  assert.ok(await cred.getToken(KV, { tenantId: OWN }));
  assert.deepEqual(calls(), [
    'account get-access-token --output json --resource https://management.azure.com --tenant 8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90',
    'account get-access-token --output json --resource https://management.azure.com',
    'account get-access-token --output json --resource https://vault.azure.net',
  ]);
});

test('known from az account show: never a --tenant; a vault in another tenant is refused with the reason and the way', async (t) => {
  const calls = refusingAz(t, 'Cloud Shell');
  const cred = createCredential({ kind: 'cli', profile: AZURE_PUBLIC_CLOUD, tenantId: OWN, azOwnTenantOnly: 'Cloud Shell' });
  assert.ok(await cred.getToken(AZURE_PUBLIC_CLOUD.armScope));
  const error = await cred.getToken(KV, { tenantId: OTHER }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof SignInError, String(error));
  assert.equal(
    error.message,
    `Sign-in failed (Azure CLI: az account get-access-token --resource https://management.azure.com): az is signed in with a Cloud Shell account of tenant ${OWN}, which gets tokens only for its own tenant; tenant ${OTHER} cannot be reached with it.`,
  );
  assert.equal(
    error.hint,
    `To reach tenant ${OTHER}, sign az in there as a user or service principal ("az login --tenant ${OTHER}"), or run apimkv with --device-code --tenant ${OTHER}.`,
  );
  assert.ok(
    calls().every((c) => !c.includes('--tenant')),
    calls().join('\n'),
  );
});

test("--tenant naming another tenant than the managed identity's own is refused the same way", async (t) => {
  refusingAz(t, 'managed identity');
  const cred = createCredential({ kind: 'chain', profile: AZURE_PUBLIC_CLOUD, tenantId: OTHER });
  await assert.rejects(
    cred.getToken(AZURE_PUBLIC_CLOUD.armScope),
    (e: Error) =>
      e instanceof SignInError && /managed identity account of tenant 8f3c2a1e-.*tenant 11111111-.* cannot be reached/.test(e.message),
  );
});
