// Key Vault's management API as specified (keyvault 2026-02-01 openapi: no ETag on vaults, no If-Match parameter
// on vault PATCH/PUT) and its firewall's IPv4-only rules (https://learn.microsoft.com/azure/key-vault/general/network-security).
import assert from 'node:assert/strict';
import https from 'node:https';
import { test } from 'node:test';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { KV_ID } from './clients.ts';

function call(
  sandbox: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, any>; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      `${sandbox.endpoint}${path}`,
      {
        method,
        agent: sandbox.agent,
        headers: { Authorization: `Bearer ${sandbox.token()}`, 'Content-Type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const V = 'api-version=2026-02-01';

test('vaults carry no ETag, and a stale If-Match changes nothing: Key Vault has no conditional vault writes', async () => {
  const sandbox = await startSandbox({ world: 'everything-broken' });
  try {
    const get = await call(sandbox, 'GET', `${KV_ID}?${V}`);
    assert.equal(get.headers.etag, undefined);
    assert.equal(get.body.etag, undefined);
    const patch = await call(sandbox, 'PATCH', `${KV_ID}?${V}`, { tags: { team: 'sre' } }, { 'If-Match': '"stale"' });
    assert.equal(patch.status, 200);
    assert.equal(patch.headers.etag, undefined);
    assert.deepEqual(patch.body.tags, { team: 'sre' });
  } finally {
    await sandbox.close();
  }
});

test('IP rules: IPv4 addresses and CIDR ranges only; IPv6, a dangling slash, bad octets and private ranges are 400', async () => {
  const sandbox = await startSandbox({ world: 'everything-broken' });
  try {
    const acls = (value: string) => ({
      properties: { networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: [{ value: '198.51.100.0/24' }, { value }] } },
    });
    for (const good of ['203.0.113.7', '203.0.113.0/24', '0.0.0.0/0']) {
      const r = await call(sandbox, 'PATCH', `${KV_ID}?${V}`, acls(good));
      assert.equal(r.status, 200, `${good}: ${JSON.stringify(r.body)}`);
    }
    for (const bad of ['1.2.3.4/', '2001:db8::/32', '256.1.1.1', '1.2.3.4/33', '01.2.3.4', ' 1.2.3.4']) {
      const r = await call(sandbox, 'PATCH', `${KV_ID}?${V}`, acls(bad));
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.error.code, 'BadRequest');
      assert.equal(
        r.body.error.message,
        `Invalid value found at properties.networkAcls.ipRules[1].value: '${bad}' is not a valid IPv4 address or CIDR range.`,
      );
    }
    const priv = await call(sandbox, 'PATCH', `${KV_ID}?${V}`, acls('10.1.0.0/16'));
    assert.equal(
      priv.body.error.message,
      'Invalid value found at properties.networkAcls.ipRules[1].value: 10.1.0.0/16 belongs to forbidden range 10.0.0.0–10.255.255.255 (private IP addresses)',
    );
    // Nothing of a refused PATCH was stored.
    const now = await call(sandbox, 'GET', `${KV_ID}?${V}`);
    assert.deepEqual(
      now.body.properties.networkAcls.ipRules.map((r: any) => r.value),
      ['198.51.100.0/24', '0.0.0.0/0'],
    );
  } finally {
    await sandbox.close();
  }
});

test('a vault created with an older api-version defaults to access policies; 2026-02-01 defaults to Azure RBAC', async () => {
  const sandbox = await startSandbox({ world: 'everything-broken' });
  try {
    const body = { location: 'westeurope', properties: { tenantId: sandbox.tenantId, sku: { family: 'A', name: 'standard' } } };
    const old = await call(sandbox, 'PUT', `${KV_ID.replace('kv-contoso-certs', 'kv-old')}?api-version=2022-07-01`, body);
    assert.equal(old.body.properties.enableRbacAuthorization, false);
    const fresh = await call(sandbox, 'PUT', `${KV_ID.replace('kv-contoso-certs', 'kv-new')}?${V}`, body);
    assert.equal(fresh.body.properties.enableRbacAuthorization, true);
  } finally {
    await sandbox.close();
  }
});
