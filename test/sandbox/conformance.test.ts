// Conformance: every resource of every shipped world, as the sandbox serves it on GET, checked against the
// SDKs' own models (classic clients: their Mappers through core-client's serializer, which rejects missing
// required properties and wrong types; modular clients: a structural check of the fields their models
// require), so the sandbox cannot drift from ARM's shapes.
import assert from 'node:assert/strict';
import https from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { createSerializer, type CompositeMapper } from '@azure/core-client';
import { WORLD_NAMES, startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { REFUSED_READS } from './refused-reads.ts';

const require = createRequire(import.meta.url);
// The classic packages do not export their mappers; load the module files directly.
const apimMappers = (await import(
  pathToFileURL(join(dirname(require.resolve('@azure/arm-apimanagement')), '../esm/models/mappers.js')).href
)) as Record<string, CompositeMapper>;
const authMappers = (await import(
  pathToFileURL(join(dirname(require.resolve('@azure/arm-authorization')), '../dist-esm/src/models/mappers.js')).href
)) as Record<string, CompositeMapper>;
const stackMappers = (await import(
  pathToFileURL(join(dirname(require.resolve('@azure/arm-resourcesdeploymentstacks')), '../dist-esm/src/models/mappers.js')).href
)) as Record<string, CompositeMapper>;
const apimSerializer = createSerializer(apimMappers);
const stackSerializer = createSerializer(stackMappers);
const authSerializer = createSerializer(authMappers);

/** Round-trip through the SDK model: deserialize as a response, then serialize, which validates. */
function viaMapper(serializer: ReturnType<typeof createSerializer>, mapper: CompositeMapper, body: unknown): void {
  const model = serializer.deserialize(mapper, body, 'body');
  serializer.serialize(mapper, model, 'body');
  // Every top-level REST field must be known to the model (no invented fields).
  const known = new Set(Object.values(mapper.type.modelProperties ?? {}).map((p) => String(p.serializedName).split('.')[0]));
  for (const key of Object.keys(body as object)) assert.equal(known.has(key), true, `${mapper.type.className} has no field "${key}"`);
}

type Check = (v: any) => boolean;
const str: Check = (v) => typeof v === 'string' && v.length > 0;
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    values.includes(v);
const arr: Check = Array.isArray;
const int: Check = Number.isInteger;
const optional =
  (c: Check): Check =>
  (v) =>
    v === undefined || c(v);

/** Required fields of the modular clients' models, by REST path. */
const STRUCTURE: Record<string, Record<string, Check>> = {
  'microsoft.keyvault/vaults': {
    location: str,
    'properties.tenantId': str,
    'properties.sku.family': oneOf('A'),
    'properties.sku.name': oneOf('standard', 'premium'),
    'properties.vaultUri': (v) => /^https:\/\/[a-z0-9-]+\.vault\.localhost:\d+\/$/.test(v),
    'properties.accessPolicies': arr,
    'properties.networkAcls.defaultAction': optional(oneOf('Allow', 'Deny')),
    'properties.networkAcls.bypass': optional(oneOf('AzureServices', 'None')),
    'properties.publicNetworkAccess': optional(oneOf('Enabled', 'Disabled', 'SecuredByPerimeter')),
  },
  'microsoft.network/virtualnetworks': { location: str, 'properties.addressSpace.addressPrefixes': arr, 'properties.subnets': arr },
  'microsoft.network/virtualnetworks/subnets': {
    'properties.addressPrefix': str,
    'properties.serviceEndpoints': arr,
    'properties.provisioningState': oneOf('Succeeded'),
  },
  'microsoft.network/networksecuritygroups': {
    location: str,
    'properties.securityRules': arr,
    'properties.defaultSecurityRules': (v) => arr(v) && v.length === 6,
  },
  'microsoft.network/networksecuritygroups/securityrules': {
    'properties.protocol': oneOf('Tcp', 'Udp', 'Icmp', 'Esp', '*', 'Ah'),
    'properties.access': oneOf('Allow', 'Deny'),
    'properties.direction': oneOf('Inbound', 'Outbound'),
    'properties.priority': (v) => int(v) && v >= 100 && v <= 4096,
  },
  'microsoft.network/privateendpoints': { location: str, 'properties.subnet.id': str, 'properties.privateLinkServiceConnections': arr },
  'microsoft.network/privateendpoints/privatednszonegroups': { 'properties.privateDnsZoneConfigs': arr },
  // Deployments 2025-04-01 (DeploymentExtended): the fields the ownership evidence reads.
  // Private DNS 2024-06-01 (privatedns.json): zones and their VNet links live in the global location.
  'microsoft.network/privatednszones': { location: oneOf('global'), 'properties.provisioningState': str },
  'microsoft.network/privatednszones/virtualnetworklinks': {
    location: oneOf('global'),
    'properties.virtualNetwork.id': str,
    'properties.registrationEnabled': (v) => typeof v === 'boolean',
  },
  'microsoft.resources/deployments': {
    'properties.provisioningState': str,
    'properties.timestamp': (v) => str(v) && !Number.isNaN(Date.parse(v)),
    'properties.templateHash': optional(str),
    'properties.outputResources': optional((v) => arr(v) && v.every((r: any) => str(r.id))),
    'systemData.createdBy': optional(str),
  },
  'microsoft.managedidentity/userassignedidentities': {
    location: str,
    'properties.principalId': str,
    'properties.clientId': str,
    'properties.tenantId': str,
  },
};

const at = (v: any, path: string) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), v);

function checkBody(type: string, body: any): void {
  // PrivateDnsZoneGroup (network 2026-01-01) has no type; every other resource has id, name and type.
  const typed = type === 'microsoft.network/privateendpoints/privatednszonegroups' ? body.type === undefined : str(body.type);
  assert.equal(str(body.id) && str(body.name) && typed, true, `${type}: id, name and type are required`);
  switch (type) {
    case 'microsoft.apimanagement/service':
      return viaMapper(apimSerializer, apimMappers.ApiManagementServiceResource, body);
    case 'microsoft.apimanagement/service/certificates':
      return viaMapper(apimSerializer, apimMappers.CertificateContract, body);
    case 'microsoft.apimanagement/service/namedvalues':
      return viaMapper(apimSerializer, apimMappers.NamedValueContract, body);
    case 'microsoft.apimanagement/service/workspaces':
      return viaMapper(apimSerializer, apimMappers.WorkspaceContract, body);
    case 'microsoft.authorization/roleassignments':
      return viaMapper(authSerializer, authMappers.RoleAssignment, body);
    case 'microsoft.resources/deploymentstacks':
      return viaMapper(stackSerializer, stackMappers.DeploymentStack, body);
  }
  const spec = STRUCTURE[type];
  assert.ok(spec, `no conformance rule for ${type}`);
  for (const [path, check] of Object.entries(spec))
    assert.equal(check(at(body, path)), true, `${type} ${body.id}: ${path} = ${JSON.stringify(at(body, path))}`);
}

const VERSIONS: Record<string, string> = {
  'microsoft.apimanagement': '2024-05-01',
  'microsoft.keyvault': '2026-02-01',
  'microsoft.network': '2026-01-01',
  'microsoft.authorization': '2022-04-01',
  'microsoft.managedidentity': '2023-01-31',
  'microsoft.resources': '2025-04-01',
};

function get(sandbox: Sandbox, path: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    https
      .get(`${sandbox.endpoint}${path}`, { agent: sandbox.agent, headers: { Authorization: `Bearer ${sandbox.token()}` } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      })
      .on('error', reject);
  });
}

for (const name of WORLD_NAMES) {
  test(`conformance: every resource of ${name} as GET serves it`, async () => {
    const sandbox = await startSandbox({ world: name });
    try {
      const resources = sandbox.world().resources;
      assert.equal(resources.length >= 3, true);
      for (const r of resources) {
        const type = r.type.toLowerCase();
        // Private DNS is its own provider under Microsoft.Network, at its own versions (2024-06-01: privatedns.json).
        const version =
          type === 'microsoft.resources/deploymentstacks'
            ? '2024-03-01'
            : type.startsWith('microsoft.network/privatednszones')
              ? '2024-06-01'
              : VERSIONS[type.split('/')[0]];
        const res = await get(sandbox, `${r.id}?api-version=${version}`);
        if (REFUSED_READS[name]?.test(r.id)) {
          assert.equal(res.status, 403, `${r.id} is refused by design: ${JSON.stringify(res.body)}`);
          assert.equal((res.body as { error?: { code?: string } }).error?.code, 'AuthorizationFailed');
          continue;
        }
        assert.equal(res.status, 200, `${r.id}: ${JSON.stringify(res.body)}`);
        checkBody(type, res.body);
      }
    } finally {
      await sandbox.close();
    }
  });
}

test('conformance: role definitions and the response shapes tests receive', async () => {
  const sandbox = await startSandbox({ world: 'healthy' });
  try {
    const defs = await get(
      sandbox,
      `/subscriptions/3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01`,
    );
    assert.equal(defs.body.value.length, 17);
    for (const d of defs.body.value) viaMapper(authSerializer, authMappers.RoleDefinition, d);
    const list = await get(sandbox, `${sandbox.world().resources[1].id}/certificates?api-version=2024-05-01`);
    viaMapper(apimSerializer, apimMappers.CertificateCollection, list.body);
    const status = await get(
      sandbox,
      '/subscriptions/3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34/resourceGroups/rg-apim-demo/providers/Microsoft.ApiManagement/service/nope?api-version=2024-05-01',
    );
    assert.deepEqual(Object.keys(status.body), ['error']);
    assert.deepEqual(Object.keys(status.body.error).sort(), ['code', 'message']);
  } finally {
    await sandbox.close();
  }
});

test('conformance checks catch drift: a missing required field, a wrong type, an invented field', () => {
  const apim = {
    id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/a',
    name: 'a',
    type: 'Microsoft.ApiManagement/service',
    location: 'westeurope',
    sku: { name: 'Developer', capacity: 1 },
    properties: { publisherEmail: 'a@b.c', publisherName: 'A' },
  };
  assert.doesNotThrow(() => checkBody('microsoft.apimanagement/service', apim));
  assert.throws(() => checkBody('microsoft.apimanagement/service', { ...apim, properties: { publisherName: 'A' } }), /publisherEmail/);
  assert.throws(() => checkBody('microsoft.apimanagement/service', { ...apim, sku: { name: 'Developer', capacity: 'one' } }), /capacity/);
  assert.throws(() => checkBody('microsoft.apimanagement/service', { ...apim, invented: true }), /has no field "invented"/);
  assert.throws(
    () =>
      checkBody('microsoft.network/networksecuritygroups/securityrules', {
        id: 'x',
        name: 'x',
        type: 't',
        properties: { protocol: 'TCP', access: 'Allow', direction: 'Outbound', priority: 100 },
      }),
    /properties\.protocol/,
  );
});
