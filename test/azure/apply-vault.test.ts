// apply() on the vault's network rules against a tiny in-memory ARM (one vault, as Key Vault's API has it:
// no ETag, no If-Match), to pin the read-modify-write rules without the sandbox: full lists, 'already'
// without a write, a re-read right before the write, and `lost` naming every entry seen during the operation
// that is gone after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClients } from '../../src/azure/clients.ts';
import { AZURE_PUBLIC_CLOUD } from '../../src/azure/cloud.ts';
import { createAzureGateway } from '../../src/azure/gateway.ts';
import type { Operation } from '../../src/checks/types.ts';
import { fakeHttp, recordingCredential, type FakeAnswer } from './fake-http.ts';

const SUB = '00000000-0000-0000-0000-000000000001';
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv1`;
const SUBNET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim`;

interface Acls {
  bypass: string;
  defaultAction: string;
  ipRules: { value: string }[];
  virtualNetworkRules: { id: string }[];
}

function fakeVaultArm(initial: Acls, options: { dropOnWrite?: string } = {}) {
  const state = { acls: structuredClone(initial) };
  const body = () => ({
    id: VAULT_ID,
    name: 'kv1',
    location: 'westeurope',
    properties: {
      tenantId: 't',
      sku: { family: 'A', name: 'standard' },
      vaultUri: 'https://kv1.vault.azure.net/',
      networkAcls: state.acls,
    },
  });
  const http = fakeHttp((req): FakeAnswer => {
    if (req.method === 'GET') return { status: 200, body: body() };
    if (req.method === 'PATCH') {
      const patch = JSON.parse(String(req.body)) as { properties: { networkAcls: Acls } };
      state.acls = patch.properties.networkAcls;
      if (options.dropOnWrite) state.acls.ipRules = state.acls.ipRules.filter((r) => r.value !== options.dropOnWrite);
      return { status: 200, body: body() };
    }
    return { status: 404, body: { error: { code: 'NotFound', message: req.url } } };
  });
  const clients = createClients({
    profile: AZURE_PUBLIC_CLOUD,
    credential: recordingCredential(),
    subscriptionId: SUB,
    httpClient: http,
    retry: { maxRetries: 0 },
  });
  /** A concurrent writer: changes the vault as someone else would. */
  const concurrentEdit = (f: (a: Acls) => void) => f(state.acls);
  return { http, clients, state, concurrentEdit };
}

const ACLS: Acls = {
  bypass: 'None',
  defaultAction: 'Deny',
  ipRules: [{ value: '198.51.100.0/24' }],
  virtualNetworkRules: [{ id: SUBNET }],
};
const addIp: Operation = { kind: 'vault.addIpRule', vaultId: VAULT_ID, value: '203.0.113.50/32', temporary: true };

test('addIpRule PATCHes the FULL lists without If-Match, then verifies every old entry survived', async () => {
  const arm = fakeVaultArm(ACLS);
  const gateway = createAzureGateway({
    clients: arm.clients,
    profile: AZURE_PUBLIC_CLOUD,
    context: { subscriptionId: SUB, sandbox: false },
  });
  const result = await gateway.apply(addIp);
  assert.deepEqual([result.outcome, result.verified, result.lost], ['applied', true, []]);
  const patch = arm.http.requests.find((r) => r.method === 'PATCH')!;
  assert.equal(patch.headers['if-match'], undefined);
  assert.deepEqual(JSON.parse(patch.body!), {
    properties: {
      networkAcls: {
        bypass: 'None',
        defaultAction: 'Deny',
        ipRules: [{ value: '198.51.100.0/24' }, { value: '203.0.113.50/32' }],
        virtualNetworkRules: [{ id: SUBNET }],
      },
    },
  });
  assert.deepEqual(
    arm.http.requests.map((r) => r.method),
    ['GET', 'GET', 'PATCH', 'GET'],
  );
  assert.deepEqual(result.after, {
    publicNetworkAccess: undefined,
    networkAcls: { bypass: 'None', defaultAction: 'Deny', ipRules: ['198.51.100.0/24', '203.0.113.50/32'], virtualNetworkRules: [SUBNET] },
  });
});

test('a second apply is "already" and sends no write; 1.2.3.4 equals 1.2.3.4/32', async () => {
  const arm = fakeVaultArm({ ...ACLS, ipRules: [...ACLS.ipRules, { value: '203.0.113.50' }] });
  const gateway = createAzureGateway({
    clients: arm.clients,
    profile: AZURE_PUBLIC_CLOUD,
    context: { subscriptionId: SUB, sandbox: false },
  });
  const result = await gateway.apply(addIp);
  assert.equal(result.outcome, 'already');
  assert.deepEqual(
    arm.http.requests.map((r) => r.method),
    ['GET'],
  );
});

test('a concurrent edit after the first read is kept: the write is rebuilt from a read right before it', async () => {
  const arm = fakeVaultArm(ACLS);
  let staged = false;
  const gateway = createAzureGateway({
    clients: arm.clients,
    profile: AZURE_PUBLIC_CLOUD,
    context: { subscriptionId: SUB, sandbox: false },
    beforeWrite: async () => {
      if (staged) return;
      staged = true;
      arm.concurrentEdit((a) => a.ipRules.push({ value: '192.0.2.10/32' }));
    },
  });
  const result = await gateway.apply(addIp);
  assert.deepEqual([result.outcome, result.verified, result.lost], ['applied', true, []]);
  assert.deepEqual(
    arm.state.acls.ipRules.map((r) => r.value),
    ['198.51.100.0/24', '192.0.2.10/32', '203.0.113.50/32'],
  );
  assert.deepEqual(
    arm.http.requests.map((r) => `${r.method} ${r.headers['if-match'] ?? ''}`.trim()),
    ['GET', 'GET', 'PATCH', 'GET'],
  );
});

test('a rule seen during the operation and gone after it is named in lost, and the result is not verified', async () => {
  const arm = fakeVaultArm(ACLS);
  let staged = false;
  const gateway = createAzureGateway({
    clients: arm.clients,
    profile: AZURE_PUBLIC_CLOUD,
    context: { subscriptionId: SUB, sandbox: false },
    beforeWrite: async () => {
      if (staged) return;
      staged = true;
      // Someone else removes a rule we read, between our two reads: we cannot tell their removal from a loss.
      arm.concurrentEdit((a) => a.ipRules.splice(0, 1));
    },
  });
  const result = await gateway.apply(addIp);
  assert.deepEqual([result.outcome, result.verified, result.lost], ['applied', false, ['ipRule 198.51.100.0/24']]);
  assert.match(result.message, /entries present during the operation are gone: ipRule 198\.51\.100\.0\/24/);
});

test('an entry that disappears in the write is reported in lost and the result is not verified', async () => {
  const arm = fakeVaultArm(ACLS, { dropOnWrite: '198.51.100.0/24' });
  const gateway = createAzureGateway({
    clients: arm.clients,
    profile: AZURE_PUBLIC_CLOUD,
    context: { subscriptionId: SUB, sandbox: false },
  });
  const result = await gateway.apply(addIp);
  assert.deepEqual([result.outcome, result.verified, result.lost], ['applied', false, ['ipRule 198.51.100.0/24']]);
  assert.equal(
    result.message,
    'IP rule 203.0.113.50/32 on kv1: applied, but entries present during the operation are gone: ipRule 198.51.100.0/24.',
  );
});

test('setBypass, addVirtualNetworkRule and removeIpRule keep the other lists', async () => {
  const arm = fakeVaultArm({ ...ACLS, ipRules: [...ACLS.ipRules, { value: '203.0.113.50/32' }], virtualNetworkRules: [] });
  const gateway = createAzureGateway({
    clients: arm.clients,
    profile: AZURE_PUBLIC_CLOUD,
    context: { subscriptionId: SUB, sandbox: false },
  });
  assert.equal((await gateway.apply({ kind: 'vault.setBypass', vaultId: VAULT_ID, bypass: 'AzureServices' })).outcome, 'applied');
  assert.equal((await gateway.apply({ kind: 'vault.addVirtualNetworkRule', vaultId: VAULT_ID, subnetId: SUBNET })).outcome, 'applied');
  assert.equal(
    (await gateway.apply({ kind: 'vault.addVirtualNetworkRule', vaultId: VAULT_ID, subnetId: SUBNET.toUpperCase() })).outcome,
    'already',
  );
  const removed = await gateway.apply({ kind: 'vault.removeIpRule', vaultId: VAULT_ID, value: '203.0.113.50' });
  assert.deepEqual([removed.outcome, removed.verified, removed.lost], ['applied', true, []]);
  assert.deepEqual(arm.state.acls, {
    bypass: 'AzureServices',
    defaultAction: 'Deny',
    ipRules: [{ value: '198.51.100.0/24' }],
    virtualNetworkRules: [{ id: SUBNET }],
  });
  assert.equal((await gateway.apply({ kind: 'vault.removeIpRule', vaultId: VAULT_ID, value: '203.0.113.50' })).outcome, 'already');
});

test('a refused write is outcome failed with Forbidden and the missing action', async () => {
  const http = fakeHttp((req): FakeAnswer =>
    req.method === 'GET'
      ? {
          status: 200,
          body: { id: VAULT_ID, name: 'kv1', properties: { tenantId: 't', sku: { family: 'A', name: 'standard' }, networkAcls: ACLS } },
        }
      : {
          status: 403,
          body: {
            error: {
              code: 'AuthorizationFailed',
              message: `The client 'sre@contoso.com' with object id 'o' does not have authorization to perform action 'Microsoft.KeyVault/vaults/write' over scope '${VAULT_ID}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
            },
          },
        },
  );
  const clients = createClients({
    profile: AZURE_PUBLIC_CLOUD,
    credential: recordingCredential(),
    subscriptionId: SUB,
    httpClient: http,
    retry: { maxRetries: 0 },
  });
  const result = await createAzureGateway({ clients, profile: AZURE_PUBLIC_CLOUD, context: { subscriptionId: SUB, sandbox: false } }).apply(
    addIp,
  );
  assert.deepEqual(
    [result.outcome, result.error?.kind, result.error?.missingAction, result.verified],
    ['failed', 'Forbidden', 'Microsoft.KeyVault/vaults/write', false],
  );
});
