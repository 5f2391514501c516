import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { AZURE_CHINA_CLOUD } from '../../src/azure/cloud.ts';
import { createCredential, decodeTokenClaims, SignInError } from '../../src/azure/credential.ts';
import { toAzureError } from '../../src/azure/errors.ts';

function jwt(payload: object): string {
  return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
}

/** A fake az first on PATH for this test (testing-notes §1.6); returns the path of its calls log. */
function azOnPath(t: TestContext, script: (dir: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'apimkv-az-'));
  writeFileSync(join(dir, 'az'), script(dir));
  chmodSync(join(dir, 'az'), 0o755);
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}${delimiter}${oldPath}`;
  t.after(() => {
    process.env.PATH = oldPath;
    rmSync(dir, { recursive: true, force: true });
  });
  return join(dir, 'calls.log');
}

// Claims per https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference and
// optional-claims-reference: idtyp "app" marks an app-only token, scp is in user tokens only, and a user is shown
// preferred_username or unique_name rather than the UPN (alternate login IDs).
test('decodeTokenClaims reads who is signed in without verifying', () => {
  assert.deepEqual(
    decodeTokenClaims(
      jwt({ oid: 'o1', tid: 't1', upn: 'sre@contoso.com', name: 'Sam Reyes', appid: 'a1', scp: 'user_impersonation', aud: 'x' }),
    ),
    { oid: 'o1', tid: 't1', upn: 'sre@contoso.com', name: 'Sam Reyes', appid: 'a1' },
  );
  assert.deepEqual(
    decodeTokenClaims(jwt({ oid: 'o2', preferred_username: 'guest@fabrikam.com', upn: 'guest_fabrikam.com#EXT#@contoso.com', azp: 'a2' })),
    { oid: 'o2', tid: undefined, upn: 'guest@fabrikam.com', name: undefined, appid: 'a2' },
  );
  assert.deepEqual(
    decodeTokenClaims(jwt({ oid: 'o3', unique_name: 'live.com#sre@outlook.com', scp: 'x' })).upn,
    'live.com#sre@outlook.com',
  );
  assert.deepEqual(decodeTokenClaims('not-a-token'), {});
  assert.deepEqual(decodeTokenClaims('a.%%%.c'), {});
});

test('decodeTokenClaims tells an app-only token (a service principal) from a user', () => {
  assert.deepEqual(decodeTokenClaims(jwt({ oid: 'o4', appid: 'a4', idtyp: 'app', app_displayname: 'deploy-bot', roles: [] })), {
    oid: 'o4',
    tid: undefined,
    upn: undefined,
    name: undefined,
    appid: 'a4',
    app: true,
    appDisplayName: 'deploy-bot',
  });
  // Without idtyp (an optional claim) an app-only token still has no scp and no user name.
  assert.equal(decodeTokenClaims(jwt({ oid: 'o5', appid: 'a5' })).app, true);
  assert.equal(decodeTokenClaims(jwt({ oid: 'o6', appid: 'a6', scp: 'user_impersonation' })).app, undefined);
  assert.equal(decodeTokenClaims(jwt({ oid: 'o7', upn: 'sre@contoso.com' })).app, undefined);
});

test('the static credential returns the given token, asking a function each time', async () => {
  let n = 0;
  const cred = createCredential({ kind: 'static', token: () => `t${++n}` });
  assert.equal((await cred.getToken('https://127.0.0.1/.default'))?.token, 't1');
  assert.equal((await cred.getToken('https://127.0.0.1/.default'))?.token, 't2');
  assert.throws(() => createCredential({ kind: 'static' }), { message: 'A static credential needs a token.' });
  assert.throws(() => createCredential({ kind: 'cli' }), { message: 'The cli credential needs a cloud profile.' });
});

test('an Azure CLI that is not logged in gives a SignInError naming the attempt and az login --tenant', async (t) => {
  // Exits 1 the way a logged-out az does.
  azOnPath(t, () => '#!/bin/sh\necho "ERROR: Please run \'az login\' to setup account." >&2\nexit 1\n');
  const cred = createCredential({ kind: 'cli', profile: AZURE_CHINA_CLOUD, tenantId: '72f988bf-0000-0000-0000-000000000000' });
  const error = await cred.getToken(AZURE_CHINA_CLOUD.armScope).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof SignInError);
  assert.match(
    error.message,
    /^Sign-in failed \(Azure CLI: az account get-access-token --resource https:\/\/management\.chinacloudapi\.cn --tenant 72f988bf-0000-0000-0000-000000000000\): /,
  );
  assert.equal(
    error.hint,
    'Run "az login --tenant 72f988bf-0000-0000-0000-000000000000" (and "az cloud set --name AzureChinaCloud" if az is on another cloud), or use --device-code.',
  );
  const info = toAzureError(error);
  assert.deepEqual([info.kind, info.code, info.hint], ['Unknown', 'SignInFailed', error.hint]);
});

test('clients share one token per scope: parallel callers start one az process, another scope another; a claims challenge is never answered from the share', async (t) => {
  // Slow enough that the parallel callers all arrive while the first is still running.
  const calls = azOnPath(
    t,
    (dir) =>
      `#!/bin/sh\necho "$@" >> ${join(dir, 'calls.log')}\nsleep 0.3\necho '{"accessToken":"${jwt({ oid: 'o1' })}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}'\n`,
  );
  const cred = createCredential({ kind: 'cli', profile: AZURE_CHINA_CLOUD });
  const abort = new AbortController();
  const tokens = await Promise.all(
    Array.from({ length: 6 }, (_, i) => cred.getToken(AZURE_CHINA_CLOUD.armScope, i === 0 ? { abortSignal: abort.signal } : {})),
  );
  assert.equal(new Set(tokens.map((tk) => tk?.token)).size, 1);
  const count = () => readFileSync(calls, 'utf8').trim().split('\n').length;
  assert.equal(count(), 1, 'one az process for six parallel callers');
  await cred.getToken(AZURE_CHINA_CLOUD.armScope);
  assert.equal(count(), 1, 'a token far from expiry is reused');
  await cred.getToken(AZURE_CHINA_CLOUD.kvScope);
  assert.equal(count(), 2, 'another scope is another token');
  // A claims challenge never gets the shared token: it goes to az (which sends the operator to az login).
  await assert.rejects(
    cred.getToken(AZURE_CHINA_CLOUD.armScope, { claims: '{"access_token":{"nbf":{"essential":true}}}' }),
    /az login --claims-challenge/,
  );
});
