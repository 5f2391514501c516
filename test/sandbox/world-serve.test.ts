// World files (validation with JSON paths, shipped worlds) and `apimkv sandbox serve` answering curl.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { WORLD_NAMES, WorldError, loadWorld, startSandbox, validateWorld } from '../../src/sandbox/index.ts';
import { serveSandbox } from '../../src/sandbox/serve.ts';
import { SUB } from './clients.ts';

const run = promisify(execFile);

test('every shipped world loads and starts', async () => {
  assert.deepEqual(WORLD_NAMES, [
    'everything-broken',
    'healthy',
    'access-policy-vault',
    'uai-behind-firewall',
    'private-endpoint',
    'internal-vnet',
    'v2-tier',
    'consumption-tier',
    'access-policy-certificates-only',
    'v2-no-nsg',
    'private-endpoint-nsg-deny-internet',
    'public-access-disabled',
    'pem-certificate',
    'ipv6-operator',
    'custom-domain-uai-behind-firewall',
    'policy-denies-grant',
    'uai-reference-behind-firewall',
    'renewed-version-pinned',
    'named-value-access-lost',
    'deployed-by-iac',
    'service-endpoint-other-vault',
    'other-subscription-vault',
    'workspaces',
    'deleted-vault',
    'other-subscription-vault-network',
    'gateway-retirement-control-plane',
    'consumption-firewalled-vault',
    'pfx-upload-aes',
    'private-endpoint-no-dns-zone',
    'vault-tenant-mismatch',
    'disabled-secret-version',
    'firewall-bypass-off',
    'unreadable-other-vault',
    'network-security-perimeter',
  ]);
  for (const name of WORLD_NAMES) {
    const sb = await startSandbox({ world: name });
    assert.equal(sb.world().subscriptions[0].subscriptionId, SUB);
    await sb.close();
  }
});

test('a malformed world names the JSON path of the problem', () => {
  const world = loadWorld('healthy');
  const bad = (change: (w: any) => void) => {
    const copy: any = structuredClone(world);
    change(copy);
    try {
      validateWorld(copy);
    } catch (e) {
      assert.equal(e instanceof WorldError, true);
      return (e as Error).message;
    }
    return 'valid';
  };
  assert.equal(
    bad((w) => (w.resources[3].id = '/not/an/arm/id')),
    'resources[3].id: must be an ARM resource id',
  );
  assert.equal(
    bad((w) => (w.resources[1].name = 'other')),
    `resources[1].name: must be "apim-contoso-dev" (the last segment of the id)`,
  );
  assert.equal(
    bad((w) => (w.resources[1].type = 'Microsoft.Web/sites')),
    'resources[1].type: must be "Microsoft.ApiManagement/service" for this id',
  );
  assert.equal(
    bad((w) => delete w.operator.principalId),
    'operator.principalId: must be a non-empty string',
  );
  assert.equal(
    bad((w) => (w.vaultData['kv-contoso-certs'].certificates['legacy-pem'].versions[0].expires = 'soon')),
    'vaultData.kv-contoso-certs.certificates.legacy-pem.versions[0].expires: must be an ISO date',
  );
  assert.equal(
    bad((w) => (w.faults = [{ match: { path: '(' }, respond: { status: 500 } }])),
    'faults[0].match.path: must be a valid regular expression',
  );
  assert.equal(
    bad((w) => w.resources.push(structuredClone(w.resources[0]))),
    `resources[${world.resources.length}].id: duplicates an earlier resource (${world.resources[0].id})`,
  );
  // world.schema.json (through ajv) refuses unknown keys by their JSON path: a typo is not silently ignored.
  assert.equal(
    bad((w) => (w.vaultdata = w.vaultData)),
    'vaultdata: unknown key "vaultdata" (not in world.schema.json)',
  );
  assert.equal(
    bad((w) => (w.operator.publicIP = '203.0.113.9')),
    'operator.publicIP: unknown key "publicIP" (not in world.schema.json)',
  );
  assert.equal(
    bad((w) => (w.faults = [{ match: { path: 'x', time: 1 }, respond: { status: 500 } }])),
    'faults[0].match.time: unknown key "time" (not in world.schema.json)',
  );
  assert.equal(
    bad((w) => (w.vaultData['kv-contoso-certs'].certificates['legacy-pem'].versions[0].expiry = 'x')),
    'vaultData.kv-contoso-certs.certificates.legacy-pem.versions[0].expiry: unknown key "expiry" (not in world.schema.json)',
  );
  assert.equal(
    bad((w) => (w.lro = { durationMs: -1 })),
    'lro.durationMs: must be >= 0',
  );
  assert.equal(
    bad(() => {}),
    'valid',
  );
});

test('every shipped world names the schema, and the schema is the one the loader uses', () => {
  const schema = JSON.parse(readFileSync(new URL('../../src/sandbox/world.schema.json', import.meta.url), 'utf8'));
  assert.equal(schema.additionalProperties, false);
  for (const name of WORLD_NAMES) {
    const top = new URL(`../../src/sandbox/worlds/${name}.json`, import.meta.url);
    const file = existsSync(top) ? top : new URL(`../../src/sandbox/worlds/situations/${name}.json`, import.meta.url);
    const text = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(text.$schema, existsSync(top) ? '../world.schema.json' : '../../world.schema.json', name);
  }
});

test('loadWorld reads a file path and reports unreadable or invalid JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apimkv-world-'));
  const file = join(dir, 'w.json');
  writeFileSync(file, JSON.stringify(loadWorld('healthy')));
  assert.equal(loadWorld(file).tenantId, '8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90');
  writeFileSync(file, '{ nope');
  assert.throws(
    () => loadWorld(file),
    (e: Error) => e instanceof WorldError && e.message.startsWith(`$: ${file} is not valid JSON`),
  );
  assert.throws(
    () => loadWorld(join(dir, 'missing.json')),
    (e: Error) =>
      e instanceof WorldError &&
      /^cannot read world ".*missing\.json" \(ENOENT\); shipped worlds: everything-broken, healthy/.test(e.message),
  );
});

test('sandbox serve: answers curl with only the CA file, then saves the world on stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apimkv-serve-'));
  const ca = join(dir, 'ca.pem');
  const save = join(dir, 'saved.json');
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const printed: string[] = [];
  let served!: Promise<number>;
  const info = await new Promise<{ endpoint: string; caPath: string; token: string }>((resolve) => {
    served = serveSandbox(['--world', 'healthy', '--ca-out', ca, '--save', save], {
      out: (s) => printed.push(s),
      err: (s) => printed.push(s),
      stop: stopped,
      onReady: resolve,
    });
  });
  assert.match(printed.join(''), new RegExp(`curl --cacert ${ca} -H "Authorization: Bearer `));
  assert.equal(info.caPath, ca);
  const url = `${info.endpoint}/subscriptions/${SUB}/providers/Microsoft.ApiManagement/service?api-version=2024-05-01`;
  const { stdout } = await run('curl', ['-sS', '--cacert', ca, '-H', `Authorization: Bearer ${info.token}`, url]);
  assert.deepEqual(
    JSON.parse(stdout).value.map((s: { name: string }) => s.name),
    ['apim-contoso-dev'],
  );
  stop();
  assert.equal(await served, 0);
  assert.equal(JSON.parse(readFileSync(save, 'utf8')).tenantId, '8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90');
});

test("sandbox serve: bad flags and bad worlds exit 2 (the CLI's usage code) with a message", async () => {
  const err: string[] = [];
  assert.equal(await serveSandbox(['--bogus'], { err: (s) => err.push(s) }), 2);
  assert.match(err.join(''), /Usage: apimkv sandbox serve/);
  assert.equal(await serveSandbox(['--port', 'x'], { err: (s) => err.push(s) }), 2);
  assert.equal(await serveSandbox(['--port=70000'], { err: (s) => err.push(s) }), 2);
  assert.equal(await serveSandbox(['--world', '/nonexistent.json'], { err: (s) => err.push(s) }), 2);
  assert.match(err.join(''), /the world "\/nonexistent\.json" cannot be used: cannot read world/);
});
