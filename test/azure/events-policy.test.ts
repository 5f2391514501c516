import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClients } from '../../src/azure/clients.ts';
import { AZURE_PUBLIC_CLOUD } from '../../src/azure/cloud.ts';
import { toAzureError } from '../../src/azure/errors.ts';
import { withEventSink } from '../../src/azure/events-policy.ts';
import type { GatewayEvent } from '../../src/checks/ports.ts';
import { fakeHttp, recordingCredential, type FakeAnswer } from './fake-http.ts';

const SUB = '00000000-0000-0000-0000-000000000001';
const VAULT = {
  id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv',
  name: 'kv',
  properties: { tenantId: 't', sku: { family: 'A', name: 'standard' } },
};
const FAST = { retryDelayInMs: 10, maxRetryDelayInMs: 50 };

function strip(events: GatewayEvent[]) {
  return events.map((e) => (e.type === 'request' ? { ...e, ms: 0 } : e));
}

test('429 with x-ms-retry-after-ms then 200: request, throttled, retry and request events', async () => {
  const http = fakeHttp((_req, i): FakeAnswer =>
    i === 0
      ? {
          status: 429,
          headers: { 'x-ms-retry-after-ms': '15', 'retry-after': '30' },
          body: { error: { code: 'TooManyRequests', message: 'slow' } },
        }
      : { status: 200, body: VAULT, headers: { 'x-ms-request-id': 'rid-2' } },
  );
  const events: GatewayEvent[] = [];
  const clients = createClients({
    profile: AZURE_PUBLIC_CLOUD,
    credential: recordingCredential(),
    subscriptionId: SUB,
    httpClient: http,
    retry: FAST,
    onEvent: (e) => events.push(e),
  });
  const vault = await clients.keyVault.vaults.get('rg', 'kv');
  assert.equal(vault.name, 'kv');
  const url = `https://management.azure.com/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv?api-version=2026-02-01`;
  assert.deepEqual(strip(events), [
    { type: 'request', method: 'GET', url, status: 429, ms: 0, requestId: undefined },
    { type: 'throttled', method: 'GET', url, status: 429, retryInMs: 15 },
    { type: 'retry', method: 'GET', url, status: 429, attempt: 2, reason: 'HTTP 429' },
    { type: 'request', method: 'GET', url, status: 200, ms: 0, requestId: 'rid-2' },
  ]);
});

test("per-call sinks receive only their own call's events, alongside the client-wide sink", async () => {
  const http = fakeHttp(() => ({ status: 200, body: VAULT }));
  const all: GatewayEvent[] = [];
  const mine: GatewayEvent[] = [];
  const clients = createClients({
    profile: AZURE_PUBLIC_CLOUD,
    credential: recordingCredential(),
    subscriptionId: SUB,
    httpClient: http,
    onEvent: (e) => all.push(e),
  });
  await withEventSink(
    (e) => mine.push(e),
    () => clients.keyVault.vaults.get('rg', 'kv'),
  );
  await clients.keyVault.vaults.get('rg', 'kv2');
  assert.equal(all.length, 2);
  assert.equal(mine.length, 1);
  assert.equal(mine[0]!.type === 'request' && mine[0]!.url.endsWith('/vaults/kv?api-version=2026-02-01'), true);
});

test('a throwing listener does not fail the call', async () => {
  const http = fakeHttp(() => ({ status: 200, body: VAULT }));
  const clients = createClients({
    profile: AZURE_PUBLIC_CLOUD,
    credential: recordingCredential(),
    subscriptionId: SUB,
    httpClient: http,
    onEvent: () => {
      throw new Error('listener bug');
    },
  });
  assert.equal((await clients.keyVault.vaults.get('rg', 'kv')).name, 'kv');
});

test('an attempt with no answer fails as a Network timeout after the retries', async () => {
  // The fake never answers but honours the abort signal, like a dead TCP connection.
  const http = fakeHttp(
    (req) =>
      new Promise((_resolve, reject) => {
        req.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      }),
  );
  const events: GatewayEvent[] = [];
  const clients = createClients({
    profile: AZURE_PUBLIC_CLOUD,
    credential: recordingCredential(),
    subscriptionId: SUB,
    httpClient: http,
    retry: { ...FAST, maxRetries: 1 },
    requestTimeoutMs: 5,
    onEvent: (e) => events.push(e),
  });
  const error = await clients.keyVault.vaults.get('rg', 'kv').then(
    () => undefined,
    (e: unknown) => e,
  );
  const info = toAzureError(error);
  assert.deepEqual([info.kind, info.code, info.message], ['Network', 'ETIMEDOUT', 'No answer from management.azure.com in time.']);
  assert.equal(http.requests.length, 2);
  assert.deepEqual(
    events.map((e) => e.type),
    ['request', 'retry', 'request'],
  );
  assert.equal(events[1]!.type === 'retry' && events[1]!.reason, 'no answer within 5 ms');
});

test("the caller's abort is an abort, not a timeout", async () => {
  const http = fakeHttp(
    (req) =>
      new Promise((_resolve, reject) => {
        req.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      }),
  );
  const clients = createClients({
    profile: AZURE_PUBLIC_CLOUD,
    credential: recordingCredential(),
    subscriptionId: SUB,
    httpClient: http,
    retry: FAST,
  });
  const controller = new AbortController();
  const pending = clients.keyVault.vaults.get('rg', 'kv', { abortSignal: controller.signal }).then(
    () => undefined,
    (e: unknown) => e,
  );
  // Abort once the request is on the wire.
  while (http.requests.length === 0) await new Promise((r) => setImmediate(r));
  controller.abort();
  assert.equal(toAzureError(await pending).kind, 'Aborted');
  assert.equal(http.requests.length, 1);
});
