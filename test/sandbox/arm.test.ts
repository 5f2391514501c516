// Generic ARM behaviour and faults, through the real SDK clients and raw HTTPS where the SDK hides the
// wire (401, api-version, double slashes, unknown paths, loopback bind).
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { loadWorld, startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { APIM_ID, KV_ID, OPERATOR, RG_ID, SUB, collect, rejection, setup, worldWith } from './clients.ts';

const subscriptionReader = {
  id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d`,
  name: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
  type: 'Microsoft.Authorization/roleAssignments',
  properties: {
    roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
    principalId: OPERATOR,
    principalType: 'User',
    scope: `/subscriptions/${SUB}`,
  },
};

const RG = 'rg-apim-demo';

/** A raw request with the sandbox's trust and DNS. */
function raw(
  sandbox: Sandbox,
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown; host?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${opts.host ? `https://${opts.host}` : sandbox.endpoint}${path}`);
    const headers: Record<string, string> = {};
    if (opts.token !== null) headers.Authorization = `Bearer ${opts.token ?? sandbox.token()}`;
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (payload) headers['Content-Type'] = 'application/json';
    const req = https.request(url, { method, headers, agent: sandbox.agent }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('generic ARM', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    t = await setup();
  });
  after(() => t.close());

  test('binds 127.0.0.1 only and serves https', () => {
    assert.match(t.sandbox.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test('no Authorization header: 401 AuthenticationFailed', async () => {
    const r = await raw(t.sandbox, 'GET', `${APIM_ID}?api-version=2024-05-01`, { token: null });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'AuthenticationFailed');
  });

  // ARM serves every published api-version of a type (az 2.45 sends APIM 2021-08-01, Key Vault 2022-07-01, Network
  // 2022-01-01, Authorization 2020-04-01-preview, Managed Identity 2022-01-31-preview); an unknown one is refused with
  // NoRegisteredProviderFound listing the supported versions (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider).
  test('the versions az 2.45 and the Python SDK send are served; an unknown one is NoRegisteredProviderFound listing the supported', async () => {
    const nsg = `${RG_ID}/providers/Microsoft.Network/networkSecurityGroups/nsg-apim`;
    for (const url of [
      `${APIM_ID}?api-version=2021-08-01`,
      `${APIM_ID}?api-version=2025-03-01-preview`,
      `${KV_ID}?api-version=2022-07-01`,
      `${nsg}?api-version=2022-01-01`,
      `${nsg}?api-version=2022-07-01`,
      `${KV_ID}/providers/Microsoft.Authorization/roleAssignments?api-version=2020-04-01-preview`,
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions?api-version=2018-01-01-preview`,
      `/subscriptions/${SUB}/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=2022-01-31-preview`,
    ]) {
      const ok = await raw(t.sandbox, 'GET', url);
      assert.equal(ok.status, 200, `${url}: ${JSON.stringify(ok.body)}`);
    }
    const bad = await raw(t.sandbox, 'GET', `${APIM_ID}?api-version=2099-01-01`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'NoRegisteredProviderFound');
    assert.match(
      bad.body.error.message,
      /^No registered resource provider found for location 'West Europe' and API version '2099-01-01' for type 'service'\. The supported api-versions are '2016-07-07, .*2021-08-01, .*2024-05-01, 2024-06-01-preview, 2025-03-01-preview'\.$/,
    );
    const malformed = await raw(t.sandbox, 'GET', `/subscriptions/${SUB}/resourceGroups?api-version=latest`);
    assert.equal(malformed.body.error.code, 'InvalidApiVersionParameter');
    assert.match(malformed.body.error.message, /^The api-version 'latest' is invalid\. The supported versions are '2025-04-01,.*'\.$/);
  });

  // Private DNS is its own provider under Microsoft.Network, with its own versions (Azure/azure-rest-api-specs
  // specification/privatedns/resource-manager/Microsoft.Network/PrivateDns: stable 2018-09-01, 2020-01-01, 2020-06-01,
  // 2024-06-01; preview 2026-06-01-preview); ARM lists a type's own versions when it refuses one
  // (https://github.com/Azure/azure-cli/issues/26863 for DNS zones).
  test("private DNS zones and VNet links are served at Private DNS's versions; a Network version is refused listing them", async () => {
    const pe = await startSandbox({ world: 'private-endpoint' });
    try {
      const zone = `${RG_ID}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`;
      for (const v of ['2018-09-01', '2020-01-01', '2020-06-01', '2024-06-01', '2026-06-01-preview']) {
        for (const path of [zone, `${zone}/virtualNetworkLinks/link-vnet-apim`, `${zone}/virtualNetworkLinks`]) {
          const r = await raw(pe, 'GET', `${path}?api-version=${v}`);
          assert.equal(r.status, 200, `${path} ${v}: ${JSON.stringify(r.body)}`);
        }
      }
      const bad = await raw(pe, 'GET', `${zone}/virtualNetworkLinks/link-vnet-apim?api-version=2022-01-01`);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'NoRegisteredProviderFound');
      assert.equal(
        bad.body.error.message,
        "No registered resource provider found for location 'global' and API version '2022-01-01' for type 'privateDnsZones/virtualNetworkLinks'. The supported api-versions are '2018-09-01, 2020-01-01, 2020-06-01, 2024-06-01, 2026-06-01-preview'.",
      );
      const nsgAtDnsVersion = await raw(pe, 'GET', `${RG_ID}/providers/Microsoft.Network/networkSecurityGroups?api-version=2018-09-01`);
      assert.equal(nsgAtDnsVersion.body?.error?.code, 'NoRegisteredProviderFound');
      const meta = await raw(pe, 'GET', `/subscriptions/${SUB}/providers/Microsoft.Network?api-version=2021-04-01`);
      const types = new Map(meta.body.resourceTypes.map((t: { resourceType: string }) => [t.resourceType, t]));
      const zones = types.get('privateDnsZones') as { apiVersions: string[]; defaultApiVersion: string; locations: string[] };
      assert.deepEqual(zones.apiVersions, ['2026-06-01-preview', '2024-06-01', '2020-06-01', '2020-01-01', '2018-09-01']);
      assert.equal(zones.defaultApiVersion, '2024-06-01');
      assert.deepEqual(zones.locations, ['global']);
      assert.ok((types.get('virtualNetworks') as { apiVersions: string[] }).apiVersions.includes('2022-01-01'));
    } finally {
      await pe.close();
    }
  });

  test('double slashes are normalised', async () => {
    const r = await raw(t.sandbox, 'GET', `/${KV_ID}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`);
    assert.equal(r.status, 200);
    assert.equal(r.body.value.length, 2);
  });

  test('unknown path: 404 NotFound', async () => {
    const r = await raw(t.sandbox, 'GET', '/foo/bar?api-version=2024-05-01');
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'NotFound');
  });

  test('404 shapes: ResourceNotFound, ResourceGroupNotFound, ParentResourceNotFound', async () => {
    const missing = await rejection(t.kv.vaults.get(RG, 'kv-missing'));
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.code, 'ResourceNotFound');
    assert.equal(
      missing.message,
      "The Resource 'Microsoft.KeyVault/vaults/kv-missing' under resource group 'rg-apim-demo' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    );
    // Without rights at the subscription, ARM answers 403 for a resource group you cannot see.
    const hidden = await rejection(t.kv.vaults.get('rg-nope', 'kv-contoso-certs'));
    assert.equal(hidden.code, 'AuthorizationFailed');
    const reader = await setup({ world: worldWith(loadWorld('everything-broken'), (w) => w.resources.push(subscriptionReader)) });
    const rg = await rejection(reader.kv.vaults.get('rg-nope', 'kv-contoso-certs')).finally(() => reader.close());
    assert.equal(rg.code, 'ResourceGroupNotFound');
    assert.equal(rg.message, "Resource group 'rg-nope' could not be found.");
    const parent = await rejection(
      t.network.securityRules
        .createOrUpdate(RG, 'nsg-missing', 'r', { protocol: 'Tcp', access: 'Allow', direction: 'Outbound', priority: 200 })
        .pollUntilDone(),
    );
    assert.equal(parent.code, 'ParentResourceNotFound');
  });

  test('subscriptions and resource groups', async () => {
    const subs = await raw(t.sandbox, 'GET', '/subscriptions?api-version=2022-12-01');
    assert.deepEqual(
      subs.body.value.map((s: { subscriptionId: string }) => s.subscriptionId),
      [SUB],
    );
    const rg = await raw(t.sandbox, 'GET', `${RG_ID}?api-version=2021-04-01`);
    assert.deepEqual([rg.status, rg.body.name, rg.body.location], [200, 'rg-apim-demo', 'westeurope']);
  });

  test('generic PUT upsert (201 then 200), PATCH merge, DELETE', async () => {
    const id = `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-test?api-version=2023-01-31`;
    const created = await raw(t.sandbox, 'PUT', id, { body: { location: 'westeurope', tags: { a: '1' } } });
    assert.equal(created.status, 201);
    const again = await raw(t.sandbox, 'PUT', id, { body: { location: 'westeurope', tags: { a: '1' } } });
    assert.equal(again.status, 200);
    const patched = await raw(t.sandbox, 'PATCH', id, { body: { tags: { b: '2' }, properties: { extra: true } } });
    // Tags are replaced as a whole; properties merge.
    assert.deepEqual(patched.body.tags, { b: '2' });
    assert.deepEqual(patched.body.properties, { provisioningState: 'Succeeded', extra: true });
    assert.equal((await raw(t.sandbox, 'DELETE', id)).status, 200);
    assert.equal((await raw(t.sandbox, 'DELETE', id)).status, 204);
  });

  test('403 AuthorizationFailed with ARM wording for a caller without the action', async () => {
    const stranger = '11111111-2222-4333-8444-555555555555';
    const { clientsFor } = await import('./clients.ts');
    const c = clientsFor(t.sandbox, stranger);
    const err = await rejection(c.kv.vaults.get(RG, 'kv-contoso-certs'));
    assert.equal(err.statusCode, 403);
    assert.equal(err.code, 'AuthorizationFailed');
    assert.equal(
      err.message,
      `The client '${stranger}' with object id '${stranger}' does not have authorization to perform action 'Microsoft.KeyVault/vaults/read' over scope '${KV_ID}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  });

  test('the log redacts Authorization and records every request', async () => {
    const log = t.sandbox.requests();
    assert.equal(log.length > 5, true);
    assert.equal(JSON.stringify(log).includes(t.sandbox.token()), false);
    const entry = log.find((r) => r.status === 200)!;
    assert.deepEqual(Object.keys(entry).sort(), [
      'audience',
      'host',
      'method',
      'ms',
      'path',
      'principalId',
      'query',
      'requestHeaders',
      'responseBody',
      'responseHeaders',
      'seq',
      'status',
      'time',
      'url',
    ]);
    assert.equal(entry.audience, t.sandbox.endpoint, "the token's aud, not the token");
    // A wire record: the URL as sent (a leading // kept), headers both ways, Authorization replaced.
    const doubled = log.find((r) => r.url?.startsWith('//'))!;
    assert.equal(doubled.path.startsWith('//'), false);
    assert.equal(entry.requestHeaders!.authorization, '[redacted]');
    assert.match(entry.responseHeaders!['content-type'], /^application\/json/);
  });
});

describe('faults', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    t = await setup();
  });
  after(() => t.close());
  const vaultPath = 'Microsoft\\.KeyVault/vaults/kv-contoso-certs$';

  test('429 twice then success: retried with x-ms-retry-after-ms', async () => {
    t.sandbox.addFault({ match: { method: 'GET', path: vaultPath, times: 2 }, respond: { status: 429 } });
    const vault = await t.kv.vaults.get(RG, 'kv-contoso-certs');
    assert.equal(vault.name, 'kv-contoso-certs');
    const hits = t.sandbox
      .requests()
      .filter((r) => r.path.endsWith('kv-contoso-certs'))
      .map((r) => r.status);
    assert.deepEqual(hits.slice(-3), [429, 429, 200]);
  });

  test('429 four times: RestError TooManyRequests after 1 + 3 retries', async () => {
    const n = t.sandbox.requests().length;
    t.sandbox.addFault({ match: { path: vaultPath, times: 4 }, respond: { status: 429 } });
    const err = await rejection(t.kv.vaults.get(RG, 'kv-contoso-certs'));
    assert.equal(err.statusCode, 429);
    assert.equal(err.code, 'TooManyRequests');
    assert.equal(t.sandbox.requests().length - n, 4);
  });

  test('500 once: retried; reset once: retried', async () => {
    t.sandbox.addFault({ match: { path: vaultPath, times: 1 }, respond: { status: 500 } });
    assert.equal((await t.kv.vaults.get(RG, 'kv-contoso-certs')).name, 'kv-contoso-certs');
    t.sandbox.addFault({ match: { path: vaultPath, times: 1 }, respond: { reset: true } });
    assert.equal((await t.kv.vaults.get(RG, 'kv-contoso-certs')).name, 'kv-contoso-certs');
    assert.equal(t.sandbox.requests().filter((r) => r.fault === 'reset').length, 1);
  });

  test("'after' performs the operation, then answers with the fault", async () => {
    t.sandbox.addFault({ match: { method: 'PATCH', path: vaultPath, times: 4 }, respond: { status: 500 }, when: 'after' });
    const err = await rejection(t.kv.vaults.update(RG, 'kv-contoso-certs', { tags: { touched: 'yes' } }));
    assert.equal(err.statusCode, 500);
    assert.deepEqual((await t.kv.vaults.get(RG, 'kv-contoso-certs')).tags, { touched: 'yes' });
  });

  test('faults match LRO status polls', async () => {
    t.sandbox.addFault({ match: { path: '/operationStatuses/', times: 4 }, respond: { status: 500 } });
    const err = await rejection(
      t.apim.apiManagementService.beginUpdateAndWait(RG, 'apim-contoso-dev', { tags: { x: 'y' } }, { updateIntervalInMs: 10 }),
    );
    assert.equal(err.statusCode, 500);
    t.sandbox.clearFaults();
  });

  test('control endpoints: faults and latency over HTTP, world and log', async () => {
    const added = await raw(t.sandbox, 'POST', '/__sandbox/faults', {
      token: null,
      body: { match: { path: 'resourceGroups$' }, respond: { status: 503 } },
    });
    assert.equal(added.status, 201);
    const hit = await raw(t.sandbox, 'GET', `/subscriptions/${SUB}/resourceGroups?api-version=2021-04-01`);
    assert.equal(hit.status, 503);
    assert.equal(hit.headers['retry-after'], '1');
    assert.equal(hit.headers['x-ms-retry-after-ms'], '20');
    assert.equal((await raw(t.sandbox, 'DELETE', '/__sandbox/faults', { token: null })).status, 204);
    assert.equal((await raw(t.sandbox, 'GET', `/subscriptions/${SUB}/resourceGroups?api-version=2021-04-01`)).status, 200);
    const bad = await raw(t.sandbox, 'POST', '/__sandbox/faults', { token: null, body: { match: {} } });
    assert.deepEqual(bad.body, { error: { code: 'InvalidRequest', message: 'body.match.path: must be a non-empty string' } });
    assert.deepEqual((await raw(t.sandbox, 'POST', '/__sandbox/latency', { token: null, body: { baseMs: 0, jitterMs: 0 } })).body, {
      baseMs: 0,
      jitterMs: 0,
    });
    const world = await raw(t.sandbox, 'GET', '/__sandbox/world', { token: null });
    assert.equal(world.body.tenantId, t.sandbox.tenantId);
    const log = await raw(t.sandbox, 'GET', '/__sandbox/log', { token: null });
    assert.equal(log.body.length, t.sandbox.requests().length);
  });

  test('hang: the request stays open until the client aborts', async () => {
    t.sandbox.addFault({ match: { path: 'Microsoft\\.Network/virtualNetworks/vnet-apim$', times: 1 }, respond: { hang: true } });
    const controller = new AbortController();
    const pending = rejection(t.network.virtualNetworks.get(RG, 'vnet-apim', { abortSignal: controller.signal }));
    while (!t.sandbox.requests().some((r) => r.fault === 'hang')) await new Promise((r) => setImmediate(r));
    controller.abort();
    assert.match((await pending).message, /abort/i);
  });
});

test('a port in use is refused; two sandboxes get different ports', async () => {
  const a = await startSandbox({ world: 'healthy' });
  try {
    const port = Number(new URL(a.endpoint).port);
    await assert.rejects(startSandbox({ world: 'healthy', port }), { code: 'EADDRINUSE' });
  } finally {
    await a.close();
  }
});

test('collection GET at subscription level lists that type across resource groups', async () => {
  const t = await setup();
  try {
    const vaults = await collect(t.kv.vaults.listBySubscription());
    assert.deepEqual(
      vaults.map((v) => v.name),
      ['kv-contoso-certs'],
    );
  } finally {
    await t.close();
  }
});
