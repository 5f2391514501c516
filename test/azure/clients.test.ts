import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClients } from '../../src/azure/clients.ts';
import { AZURE_CHINA_CLOUD, AZURE_PUBLIC_CLOUD, AZURE_US_GOVERNMENT, customCloud, type CloudProfile } from '../../src/azure/cloud.ts';
import { fakeHttp, recordingCredential } from './fake-http.ts';

const SUB = '00000000-0000-0000-0000-000000000001';

function bodyFor(url: string): unknown {
  if (url.includes('Microsoft.ResourceGraph')) return { totalRecords: 0, count: 0, resultTruncated: 'false', data: [] };
  if (url.includes('Microsoft.KeyVault'))
    return { id: '/x', name: 'kv', properties: { tenantId: 't', sku: { family: 'A', name: 'standard' } } };
  if (url.includes('Microsoft.ApiManagement'))
    return {
      id: '/x',
      name: 'apim',
      location: 'westeurope',
      sku: { name: 'Developer', capacity: 1 },
      properties: { publisherEmail: 'a@b.c', publisherName: 'c' },
    };
  return { id: '/x', name: 'x' };
}

async function exercise(profile: CloudProfile) {
  const http = fakeHttp((req) => ({ status: 200, body: bodyFor(req.url) }));
  const credential = recordingCredential();
  const c = createClients({ profile, credential, subscriptionId: SUB, httpClient: http, retry: { maxRetries: 0 } });
  await c.apim.apiManagementService.get('rg', 'apim');
  await c.authorization.roleDefinitions.getById('providers/Microsoft.Authorization/roleDefinitions/db79e9a7-68ee-4b58-9aeb-b90e7c24fcba');
  await c.keyVault.vaults.get('rg', 'kv');
  await c.network.subnets.get('rg', 'vnet', 'snet');
  await c.resourceGraph.resources({ query: 'resources | take 1' });
  return { urls: http.requests.map((r) => new URL(r.url)), scopes: credential.scopes };
}

for (const profile of [AZURE_PUBLIC_CLOUD, AZURE_CHINA_CLOUD, AZURE_US_GOVERNMENT, customCloud('https://127.0.0.1:8443')]) {
  test(`every ARM client calls ${profile.armEndpoint} and asks for ${profile.armScope}`, async () => {
    const { urls, scopes } = await exercise(profile);
    assert.equal(urls.length, 5);
    assert.deepEqual(
      urls.map((u) => u.origin),
      Array(5).fill(profile.armEndpoint),
    );
    // One token request per client (each client has its own auth policy and cache).
    assert.deepEqual(scopes, Array(5).fill([profile.armScope]));
  });
}

test('the modular network and resource-graph clients never ask for the public-cloud scope in China or US Government', async () => {
  for (const profile of [AZURE_CHINA_CLOUD, AZURE_US_GOVERNMENT]) {
    const { scopes } = await exercise(profile);
    assert.equal(scopes.flat().includes('https://management.azure.com/.default'), false, profile.name);
  }
});

test('the api-versions on the wire are the SDK defaults the sandbox emulates', async () => {
  const { urls } = await exercise(AZURE_PUBLIC_CLOUD);
  assert.deepEqual(
    urls.map((u) => u.searchParams.get('api-version')),
    ['2024-05-01', '2022-04-01', '2026-02-01', '2026-01-01', '2024-04-01'],
  );
});

test('data-plane clients are built once per vault URI', () => {
  const c = createClients({ profile: AZURE_PUBLIC_CLOUD, credential: recordingCredential(), subscriptionId: SUB });
  assert.equal(c.certificateClient('https://kv1.vault.azure.net/'), c.certificateClient('https://KV1.vault.azure.net/'));
  assert.notEqual(c.certificateClient('https://kv1.vault.azure.net/'), c.certificateClient('https://kv2.vault.azure.net/'));
  assert.equal(c.secretClient('https://kv1.vault.azure.net/').vaultUrl, 'https://kv1.vault.azure.net/');
});
