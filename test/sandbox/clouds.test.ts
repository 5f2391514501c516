// The sandbox answering as a cloud: a request on a cloud's ARM host reads the world in that cloud's names, and
// what it writes in those names is stored as the world spells it, so the sandbox's own lookups (APIM fetching a
// Key Vault certificate) still find the vault. The end-to-end view is test/e2e/clouds.test.ts.
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { APIM_ID, KV_ID } from './clients.ts';

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ world: 'healthy', cloudHosts: true });
});
after(() => sandbox.close());

/** A request as a client routed here under `host` would send it (certificate verified for that name). */
function call(host: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const port = Number(new URL(sandbox.endpoint).port);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        servername: host.replace(/:\d+$/, ''),
        ca: sandbox.caPem,
        agent: false,
        headers: { host, authorization: `Bearer ${sandbox.token()}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

test('a vault read on a cloud ARM host has that cloud vault URI (no sandbox port); on the sandbox endpoint, its own', async () => {
  const gov = await call('management.usgovcloudapi.net', 'GET', `${KV_ID}?api-version=2026-02-01`);
  assert.equal(gov.json.properties.vaultUri, 'https://kv-contoso-certs.vault.usgovcloudapi.net/');
  const local = await call(`localhost:${new URL(sandbox.endpoint).port}`, 'GET', `${KV_ID}?api-version=2026-02-01`);
  assert.equal(local.json.properties.vaultUri, `https://kv-contoso-certs.vault.localhost:${new URL(sandbox.endpoint).port}/`);
});

test('a certificate added in China names a .vault.azure.cn secret, is resolved against the world vault, and is stored in world names', async () => {
  const id = `${APIM_ID}/certificates/china-cert`;
  const put = await call('management.chinacloudapi.cn', 'PUT', `${id}?api-version=2024-05-01`, {
    properties: { keyVault: { secretIdentifier: 'https://kv-contoso-certs.vault.azure.cn/secrets/contoso-api-client' } },
  });
  assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put.json));
  assert.equal(put.json.properties.keyVault.secretIdentifier, 'https://kv-contoso-certs.vault.azure.cn/secrets/contoso-api-client');
  const stored = sandbox.world().resources.find((r) => r.id === id)!;
  assert.equal(stored.properties.keyVault.secretIdentifier, 'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client');
  const pub = await call('management.azure.com', 'GET', `${id}?api-version=2024-05-01`);
  assert.equal(pub.json.properties.keyVault.secretIdentifier, 'https://kv-contoso-certs.vault.azure.net/secrets/contoso-api-client');
});
