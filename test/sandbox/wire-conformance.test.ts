// The sandbox judged by Microsoft's REST API specifications (test/specs: verbatim subsets of
// Azure/azure-rest-api-specs, see test/specs/README.md) through oav's LiveValidator: every request and response
// on the wire while apimkv checks every shipped world, applies every fix (fix all) and checks again, each pair
// validated as recorded by the sandbox's log (URL as sent, headers, bodies). A pair the specs describe must
// validate; a pair they do not describe is "unmatched", and only the operations listed in UNCOVERED (not yet in
// the subsets) may be unmatched: any other unmatched pair fails, so nothing slips through as "not judged".
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createClients } from '../../src/azure/clients.ts';
import { createAzureGateway } from '../../src/azure/gateway.ts';
import { connectToSandbox } from '../../src/azure/sandbox-connection.ts';
import { createEngine } from '../../src/runbook/engine.ts';
import { markTried, nextFix, type Tried } from '../../src/runbook/fix-sequence.ts';
import { Journal } from '../../src/runbook/journal.ts';
import type { Target } from '../../src/checks/run-types.ts';
import { startSandbox, WORLD_NAMES, type LoggedRequest } from '../../src/sandbox/index.ts';

const require = createRequire(import.meta.url);
const { LiveValidator } = require('oav') as {
  LiveValidator: new (o: unknown) => { initialize(): Promise<void>; validateLiveRequestResponse(p: unknown): Promise<any> };
};
const SPECS = fileURLToPath(new URL('../specs/specification', import.meta.url));

/**
 * Operations the spec subsets do not hold yet (method and path with names replaced by {}), each a known gap to
 * close by extending test/specs verbatim. Everything else must be matched.
 */
const UNCOVERED: [string, RegExp][] = [
  ['virtualNetworks GET', /^GET .*\/providers\/Microsoft\.Network\/virtualNetworks\/\{\}$/],
  ['subnets list', /^GET .*\/providers\/Microsoft\.Network\/virtualNetworks\/\{\}\/subnets$/],
  ['managed identities', /\/providers\/Microsoft\.ManagedIdentity\//],
  ['subscriptions and resource groups', /^GET \/subscriptions(\/\{\}(\/resourceGroups(\/\{\})?)?)?$/],
  ['long-running operation status', /\/locations\/\{\}\/(operations|operationsStatus|operationResults)\/\{\}$/],
  [
    'Key Vault vaults list by subscription (the other vaults a service endpoint affects)',
    /^GET \/subscriptions\/\{\}\/providers\/Microsoft\.KeyVault\/vaults$/,
  ],
  ['Key Vault deleted vaults', /\/providers\/Microsoft\.KeyVault\/(locations\/\{\}\/)?deletedVaults(\/\{\})?$/],
  // Deployments 2025-04-01 (172 KB) and DeploymentStacks 2024-03-01 (72 KB) are not in test/specs yet: the sandbox's
  // answers are checked against the Resources SDKs' models instead (test/sandbox/conformance.test.ts).
  [
    'Resources deployments, their operations and deployment stacks (ownership evidence)',
    /\/(providers\/Microsoft\.Resources\/)?(deployments|deploymentStacks)(\/\{\}\/operations)?$/i,
  ],
];

/** Names become {}: "GET /subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}", "GET /secrets/{}/{}". */
function template(e: LoggedRequest): string {
  const segs = e.path.split('/').filter(Boolean);
  const p = segs.map((x) => x.toLowerCase()).lastIndexOf('providers');
  const arm = segs[0]?.toLowerCase() === 'subscriptions' || p >= 0;
  const out = segs.map((s, i) => {
    if (!arm) return i === 0 ? s : '{}';
    if (p < 0 || i < p) return i % 2 === 1 ? '{}' : s;
    const rel = i - p;
    return rel >= 3 && rel % 2 === 1 ? '{}' : s;
  });
  return `${e.method} /${out.join('/')}`;
}

/**
 * The URL handed to oav. Permissions_ListForResource is specified as `{namespace}/{parentResourcePath}/{type}/{name}`
 * and oav binds neither an empty segment nor one holding a slash, while ARM takes the resource id as it is (apimkv
 * sends `…/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Authorization/permissions`, the SDK would send
 * `Microsoft.KeyVault//vaults`). So only for matching: the parent path is encoded into one segment, an empty one as
 * `%20`. Every other URL is validated exactly as sent.
 */
function oavUrl(url: string): string {
  const m = /^(.*\/providers\/)([^/]+)\/((?:[^/]+\/)*?)([^/]+\/[^/]+)(\/providers\/Microsoft\.Authorization\/permissions)(\?.*)?$/i.exec(
    url,
  );
  if (!m) return url;
  const parent = m[3]!.replace(/\/$/, '');
  return `${m[1]}${m[2]}/${parent ? encodeURIComponent(parent) : '%20'}/${m[4]}${m[5]}${m[6] ?? ''}`;
}

interface Row {
  operation: string;
  apiVersion: string;
  pairs: number;
  pass: number;
  fail: number;
  unmatched: number;
  problems: string[];
}

const rows = new Map<string, Row>();

async function runbookOn(world: string): Promise<LoggedRequest[]> {
  const sb = await startSandbox({ world });
  try {
    const w = sb.world();
    const subscriptionId = w.subscriptions[0]!.subscriptionId;
    const link = connectToSandbox(sb, subscriptionId);
    const clients = createClients({ ...link, retry: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 }, lroIntervalMs: 5 });
    const gateway = createAzureGateway({ clients, profile: link.profile, context: { subscriptionId, sandbox: true } });
    const apim = w.resources.find((r) => r.type === 'Microsoft.ApiManagement/service')!;
    const vault = w.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults')!;
    const rg = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)![1]!;
    const target: Target = {
      subscriptionId,
      apim: { resourceGroup: rg(apim.id), name: apim.name },
      vault: { name: vault.name, resourceGroup: rg(vault.id) },
    };
    const engine = createEngine({
      gateway,
      target,
      journal: new Journal(),
      context: { cloud: 'Sandbox', subscriptionId, apimName: apim.name, vaultName: vault.name, sandbox: true, readOnly: false },
      propagation: { maxWaitMs: 0, firstStepMs: 1, maxStepMs: 1 },
      sleep: async () => {},
    });
    // check, fix all (each next fix from the latest evaluation), check again.
    let evaluation = await engine.evaluate();
    let tried: Tried = { checks: [], plans: [] };
    for (let next = nextFix(evaluation, tried); next?.fix; next = nextFix(evaluation, tried)) {
      tried = markTried(tried, next.fix);
      await engine.apply(next.fix);
      evaluation = await engine.evaluate();
    }
    return sb.requests();
  } finally {
    await sb.close();
  }
}

test(
  "every wire pair of a runbook on every shipped world validates against Microsoft's specs (oav LiveValidator)",
  { timeout: 600_000 },
  async () => {
    const validator = new LiveValidator({
      directory: SPECS,
      git: { shouldClone: false },
      swaggerPathsPattern: ['**/*.json'],
      excludedSwaggerPathsPattern: ['**/examples/**'],
      isPathCaseSensitive: false,
      loadValidatorInBackground: false,
    });
    await validator.initialize();
    const unexpected: string[] = [];
    for (const world of WORLD_NAMES) {
      for (const e of await runbookOn(world)) {
        if (!e.url || e.fault) continue;
        const r = await validator.validateLiveRequestResponse({
          liveRequest: {
            url: `https://${e.host}${oavUrl(e.url)}`,
            method: e.method.toLowerCase(),
            headers: e.requestHeaders ?? {},
            body: e.requestBody,
          },
          liveResponse: { statusCode: String(e.status), headers: e.responseHeaders ?? {}, body: e.responseBody },
        });
        const req = r.requestValidationResult;
        const res = r.responseValidationResult;
        const exception = req.runtimeException ?? res.runtimeException;
        const version = new URLSearchParams(e.query).get('api-version') ?? '';
        const operation = exception ? template(e) : (res.operationInfo?.operationId ?? req.operationInfo?.operationId ?? template(e));
        const key = `${operation} ${version}`;
        const row: Row = rows.get(key) ?? { operation, apiVersion: version, pairs: 0, pass: 0, fail: 0, unmatched: 0, problems: [] };
        rows.set(key, row);
        row.pairs++;
        if (exception) {
          row.unmatched++;
          if (!UNCOVERED.some(([, re]) => re.test(template(e)))) unexpected.push(`${world}: ${template(e)} ${version}: ${exception.code}`);
          continue;
        }
        const errors = [...(req.errors ?? []), ...(res.errors ?? [])];
        if (errors.length) {
          row.fail++;
          row.problems.push(
            `${world} ${e.status}: ${errors
              .map((x: any) => `${x.code} ${x.path ?? x.jsonPathsInPayload?.join(',') ?? ''} ${x.message}`)
              .join('; ')
              .slice(0, 400)}`,
          );
        } else row.pass++;
      }
    }
    const table = [...rows.values()].sort((a, b) => a.operation.localeCompare(b.operation));
    console.log(
      `conformance (oav LiveValidator, test/specs):\n| operation | api-version | pairs | pass | fail | unmatched |\n|---|---|---|---|---|---|\n${table.map((r) => `| ${r.operation} | ${r.apiVersion} | ${r.pairs} | ${r.pass} | ${r.fail} | ${r.unmatched} |`).join('\n')}`,
    );
    const failures = table.filter((r) => r.fail).map((r) => `${r.operation} ${r.apiVersion}: ${r.problems.slice(0, 3).join(' || ')}`);
    assert.deepEqual(failures, [], 'pairs the specs describe must validate');
    assert.deepEqual([...new Set(unexpected)], [], 'operations neither matched nor listed as a known gap');
    assert.ok(
      table.some((r) => r.pass > 0),
      'something was judged',
    );
  },
);

test('the operation template names every name segment and keeps provider namespaces and types', () => {
  const e = (method: string, path: string) => ({ method, path }) as LoggedRequest;
  assert.equal(
    template(e('GET', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv')),
    'GET /subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}',
  );
  assert.equal(
    template(e('GET', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets')),
    'GET /subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/{}/subnets',
  );
  assert.equal(template(e('GET', '/secrets/name/version')), 'GET /secrets/{}/{}');
  assert.equal(
    template(e('GET', '/subscriptions/s/providers/Microsoft.Network/locations/westeurope/operations/op')),
    'GET /subscriptions/{}/providers/Microsoft.Network/locations/{}/operations/{}',
  );
  assert.ok(UNCOVERED.some(([, re]) => re.test('GET /subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/{}')));
  assert.ok(
    !UNCOVERED.some(([, re]) => re.test('GET /subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}')),
    'vault GET is in the specs: it must match',
  );
});

test('permissions URLs are reshaped for oav only where the parent path is empty or nested', () => {
  const base = '/subscriptions/s/resourceGroups/rg/providers/';
  const perm = '/providers/Microsoft.Authorization/permissions?api-version=2022-04-01';
  assert.equal(oavUrl(`${base}Microsoft.KeyVault/vaults/kv${perm}`), `${base}Microsoft.KeyVault/%20/vaults/kv${perm}`);
  assert.equal(
    oavUrl(`${base}Microsoft.Network/virtualNetworks/v/subnets/s${perm}`),
    `${base}Microsoft.Network/virtualNetworks%2Fv/subnets/s${perm}`,
  );
  const vault = `${base}Microsoft.KeyVault/vaults/kv?api-version=2026-02-01`;
  assert.equal(oavUrl(vault), vault);
});
