// ARM behaviour clients written elsewhere rely on (az 2.45 above all): LROs finishing on the clock whether or
// not anyone polls, the generic resource list and provider metadata, PUT and PATCH of a service under the
// same server rules, ARM's token buckets, Azure Policy deny, and the managed-identity token endpoint.
import assert from 'node:assert/strict';
import https from 'node:https';
import { test } from 'node:test';
import { loadWorld, startSandbox, type Sandbox, type World } from '../../src/sandbox/index.ts';
import { APIM_ID, APIM_PRINCIPAL, KV_ID, RG_ID, SUB, SUBNET_ID } from './clients.ts';

function call(
  sandbox: Sandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Record<string, any>; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Authorization: `Bearer ${sandbox.token()}` };
    if (payload) headers['Content-Type'] = 'application/json';
    const req = https.request(`${sandbox.endpoint}${path}`, { method, headers, agent: sandbox.agent }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const APIM_V = 'api-version=2021-08-01';

// https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations: the operation runs on
// the service's side; polling only observes it. Retry-After says how long to wait.
test('an LRO nobody polls still finishes on the sandbox clock; Retry-After counts down the seconds left', async () => {
  let now = Date.parse('2026-03-01T10:00:00Z');
  const sandbox = await startSandbox({ world: 'everything-broken', lroMs: 5000, clock: () => now });
  try {
    const patch = await call(sandbox, 'PATCH', `${APIM_ID}?${APIM_V}`, { identity: { type: 'SystemAssigned' } });
    assert.equal(patch.status, 202);
    assert.equal(patch.headers['retry-after'], '5');
    now += 2500;
    const status = await call(
      sandbox,
      'GET',
      new URL(patch.headers['azure-asyncoperation']).pathname + new URL(patch.headers['azure-asyncoperation']).search,
    );
    assert.equal(status.body.status, 'InProgress');
    assert.equal(status.headers['retry-after'], '3');
    now += 2500;
    // No poll: a plain GET of the service shows the change.
    const after = await call(sandbox, 'GET', `${APIM_ID}?${APIM_V}`);
    assert.equal(after.body.identity.principalId, APIM_PRINCIPAL);
    assert.equal(after.body.properties.provisioningState, 'Succeeded');
  } finally {
    await sandbox.close();
  }
});

test('with the real clock the operation finishes by itself (no request at all)', async () => {
  const sandbox = await startSandbox({ world: 'everything-broken', lroMs: 30 });
  try {
    await call(sandbox, 'PATCH', `${APIM_ID}?${APIM_V}`, { identity: { type: 'SystemAssigned' } });
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(sandbox.world().resources.find((r) => r.id === APIM_ID)!.identity.principalId, APIM_PRINCIPAL);
  } finally {
    await sandbox.close();
  }
});

// az apim update sends a PUT of the whole resource it read (https://learn.microsoft.com/rest/api/apimanagement/api-management-service/create-or-update).
test('a service PUT applies the PATCH rules: system identity gets its principal, computed properties stay, invalid identity values refused', async () => {
  const sandbox = await startSandbox({ world: 'everything-broken' });
  try {
    const before = (await call(sandbox, 'GET', `${APIM_ID}?${APIM_V}`)).body;
    const { gatewayUrl, publicIPAddresses, ...writable } = before.properties;
    assert.ok(gatewayUrl);
    const put = await call(sandbox, 'PUT', `${APIM_ID}?${APIM_V}`, {
      ...before,
      identity: { type: 'SystemAssigned' },
      properties: writable,
    });
    assert.equal(put.status, 202);
    await new Promise((r) => setTimeout(r, 5));
    const after = (await call(sandbox, 'GET', `${APIM_ID}?${APIM_V}`)).body;
    assert.deepEqual(after.identity, { type: 'SystemAssigned', principalId: APIM_PRINCIPAL, tenantId: sandbox.tenantId });
    assert.equal(after.properties.gatewayUrl, gatewayUrl);
    assert.deepEqual(after.properties.publicIPAddresses, publicIPAddresses);
    const bad = await call(sandbox, 'PUT', `${APIM_ID}?${APIM_V}`, {
      ...before,
      identity: {
        type: 'UserAssigned',
        userAssignedIdentities: {
          '/subscriptions/x/resourceGroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z': { principalId: 'p' },
        },
      },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'InvalidIdentityValues');
  } finally {
    await sandbox.close();
  }
});

// https://learn.microsoft.com/rest/api/resources/resources/list and .../providers/get
test('GET /subscriptions/{id}/resources lists top-level resources with $filter; provider metadata lists api-versions newest first', async () => {
  const sandbox = await startSandbox({ world: 'everything-broken' });
  try {
    const vaults = await call(
      sandbox,
      'GET',
      `/subscriptions/${SUB}/resources?$filter=${encodeURIComponent("resourceType eq 'Microsoft.KeyVault/vaults'")}&api-version=2022-09-01`,
    );
    assert.equal(vaults.status, 200);
    assert.deepEqual(
      vaults.body.value.map((v: any) => v.id),
      [KV_ID],
    );
    assert.deepEqual(
      Object.keys(vaults.body.value[0]).sort(),
      ['id', 'location', 'name', 'type'].concat(vaults.body.value[0].tags ? ['tags'] : []).sort(),
    );
    const all = await call(sandbox, 'GET', `/subscriptions/${SUB}/resourceGroups/rg-apim-demo/resources?api-version=2021-04-01`);
    assert.ok(
      all.body.value.every((r: any) => r.type.split('/').length === 2),
      'child resources are not listed',
    );
    assert.ok(all.body.value.some((r: any) => r.id === APIM_ID));
    const bad = await call(
      sandbox,
      'GET',
      `/subscriptions/${SUB}/resources?$filter=${encodeURIComponent('location eq 1')}&api-version=2022-09-01`,
    );
    assert.equal(bad.body.error.code, 'InvalidFilterInQueryString');
    const kv = await call(sandbox, 'GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault?api-version=2022-09-01`);
    assert.equal(kv.body.registrationState, 'Registered');
    const vaultsType = kv.body.resourceTypes.find((t: any) => t.resourceType === 'vaults');
    assert.equal(vaultsType.apiVersions[0], '2026-02-01');
    assert.ok(vaultsType.apiVersions.includes('2022-07-01'));
    const none = await call(sandbox, 'GET', `/subscriptions/${SUB}/providers/Microsoft.Nope?api-version=2022-09-01`);
    assert.equal(none.status, 404);
  } finally {
    await sandbox.close();
  }
});

test('a subnet delegation keeps its actions when a client leaves the read-only field out', async () => {
  const sandbox = await startSandbox({ world: 'everything-broken' });
  try {
    const subnet = (await call(sandbox, 'GET', `${SUBNET_ID}?api-version=2022-01-01`)).body;
    const put = await call(sandbox, 'PUT', `${SUBNET_ID}?api-version=2022-01-01`, {
      properties: { ...subnet.properties, delegations: [{ name: 'web', properties: { serviceName: 'Microsoft.Web/serverFarms' } }] },
    });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.properties.delegations[0].properties.actions, ['Microsoft.Network/virtualNetworks/subnets/action']);
    assert.equal(put.body.properties.delegations[0].type, 'Microsoft.Network/virtualNetworks/subnets/delegations');
  } finally {
    await sandbox.close();
  }
});

// https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling
test('ARM token buckets: remaining reads/writes in x-ms-ratelimit headers, 429 SubscriptionRequestsThrottled + Retry-After when empty, refilled by the clock', async () => {
  let now = Date.parse('2026-03-01T10:00:00Z');
  const world: World = { ...loadWorld('everything-broken'), armThrottling: { enabled: true, reads: { capacity: 3, refillPerSecond: 1 } } };
  const sandbox = await startSandbox({ world, clock: () => now });
  try {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(sandbox, 'GET', `${KV_ID}?api-version=2022-07-01`);
      seen.push(`${r.status}:${r.headers['x-ms-ratelimit-remaining-subscription-reads']}`);
      if (r.status === 429) {
        assert.equal(r.body.error.code, 'SubscriptionRequestsThrottled');
        assert.equal(r.headers['retry-after'], '1');
      }
    }
    assert.deepEqual(seen, ['200:2', '200:1', '200:0', '429:0']);
    const write = await call(sandbox, 'PATCH', `${KV_ID}?api-version=2022-07-01`, { tags: { a: 'b' } });
    assert.equal(write.headers['x-ms-ratelimit-remaining-subscription-writes'], '199');
    now += 1000;
    assert.equal((await call(sandbox, 'GET', `${KV_ID}?api-version=2022-07-01`)).status, 200);
  } finally {
    await sandbox.close();
  }
  const off = await startSandbox({ world: 'everything-broken' });
  try {
    assert.equal(
      (await call(off, 'GET', `${KV_ID}?api-version=2022-07-01`)).headers['x-ms-ratelimit-remaining-subscription-reads'],
      undefined,
    );
  } finally {
    await off.close();
  }
});

// https://learn.microsoft.com/azure/governance/policy/troubleshoot/general#scenario-requestdisallowedbypolicy
test('a world policy deny refuses the matching write with 403 RequestDisallowedByPolicy naming the assignment; other writes pass', async () => {
  const world: World = {
    ...loadWorld('everything-broken'),
    policyDenies: [
      {
        assignmentName: 'deny-kv-public-network',
        scope: RG_ID,
        resourceType: 'Microsoft.KeyVault/vaults',
        field: 'properties.publicNetworkAccess',
        equals: 'Enabled',
      },
    ],
  };
  const sandbox = await startSandbox({ world });
  try {
    const denied = await call(sandbox, 'PATCH', `${KV_ID}?api-version=2026-02-01`, { properties: { publicNetworkAccess: 'Enabled' } });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'RequestDisallowedByPolicy');
    assert.match(
      denied.body.error.message,
      /^Resource 'kv-contoso-certs' was disallowed by policy\. Policy identifiers: .*deny-kv-public-network/,
    );
    assert.equal(denied.body.error.additionalInfo[0].info.policyAssignmentName, 'deny-kv-public-network');
    const allowed = await call(sandbox, 'PATCH', `${KV_ID}?api-version=2026-02-01`, { tags: { owner: 'x' } });
    assert.equal(allowed.status, 200);
  } finally {
    await sandbox.close();
  }
});

test('the loopback managed-identity endpoint answers POST resource=… and GET ?resource= with the operator token, times as strings', async () => {
  const sandbox = await startSandbox({ world: 'everything-broken' });
  try {
    const post = await new Promise<any>((resolve, reject) => {
      const req = https.request(
        `${sandbox.endpoint}/msi/token`,
        { method: 'POST', agent: sandbox.agent, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
        (res) => {
          let t = '';
          res.on('data', (c) => (t += c));
          res.on('end', () => resolve(JSON.parse(t)));
        },
      );
      req.on('error', reject);
      req.end(`resource=${encodeURIComponent(`${sandbox.endpoint}/`)}`);
    });
    assert.equal(post.token_type, 'Bearer');
    assert.equal(post.resource, `${sandbox.endpoint}/`);
    assert.match(post.expires_on, /^\d+$/);
    const claims = JSON.parse(Buffer.from(post.access_token.split('.')[1], 'base64url').toString());
    assert.equal(claims.tid, sandbox.tenantId);
  } finally {
    await sandbox.close();
  }
});
