// The sandbox judged by Microsoft's REST API specifications (test/specs: verbatim subsets of
// Azure/azure-rest-api-specs, see test/specs/README.md) through oav's LiveValidator: every request and response
// on the wire while apimkv runs its whole runbook on every shipped world (the target picker, check, fix all,
// add-cert, upload-cert, cleanup, the fleet audit), each pair validated as recorded by the sandbox's log (URL as
// sent, headers, bodies). A pair the specs describe must validate, and a pair they do not describe ("unmatched")
// fails too, so nothing slips through as "not judged". The few pairs no spec operation describes but a verbatim
// definition does (BY_DEFINITION) are validated against that definition.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createClients } from '../../src/azure/clients.ts';
import { createAzureGateway } from '../../src/azure/gateway.ts';
import { connectToSandbox } from '../../src/azure/sandbox-connection.ts';
import { createEngine } from '../../src/runbook/engine.ts';
import { listInstances, listSubscriptions, listVaults } from '../../src/azure/discover.ts';
import { readFleet } from '../../src/azure/fleet.ts';
import type { PfxInspection } from '../../src/checks/facts.ts';
import { Secret } from '../../src/checks/secret.ts';
import type { Evaluation, RunbookEngine } from '../../src/runbook/engine-types.ts';
import { markTried, nextFix, type Tried } from '../../src/runbook/fix-sequence.ts';
import { Journal } from '../../src/runbook/journal.ts';
import type { Target } from '../../src/checks/run-types.ts';
import { startSandbox, WORLD_NAMES, type LoggedRequest } from '../../src/sandbox/index.ts';
import { tempDir, writePfx } from '../e2e/support.ts';
import { livePair } from './live-pair.ts';
import { definitionJudge } from './spec-definition.ts';

const require = createRequire(import.meta.url);
const { LiveValidator } = require('oav') as {
  LiveValidator: new (o: unknown) => { initialize(): Promise<void>; validateLiveRequestResponse(p: unknown): Promise<any> };
};
const SPECS = fileURLToPath(new URL('../specs/specification', import.meta.url));

/**
 * Known defects of a spec subset, each tolerated only for the operations and the exact error it names (any other
 * error in the same pair still fails). Deployments 2025-04-01 (TypeSpec output) points CloudError.error,
 * DeploymentPropertiesExtended.error and StatusMessage.error at common-types v3 ErrorResponse, which wraps the
 * detail once more ({ error: { code, message } }); ARM sends the detail itself there ({ code, message }, the shape
 * of every ARM error body), and Microsoft's own client generated from the same TypeSpec,
 * @azure/arm-resourcesdeployments 2.0.0, models both as the flat ErrorResponse { code, message, target, details,
 * additionalInfo }. So the sandbox keeps ARM's shape and these additional-property reports are the spec's.
 */
const SPEC_DEFECTS: { operation: RegExp; error: RegExp }[] = [
  {
    operation: /^(Deployments|DeploymentOperations)_/,
    error:
      /^OBJECT_ADDITIONAL_PROPERTIES \$(\.value\[\d+\]\.properties(\.statusMessage)?)?\.error\.(code|message|target|details|additionalInfo)$/,
  },
];

function specDefect(operation: string, e: { code?: string; path?: string; jsonPathsInPayload?: string[] }): boolean {
  const where = e.path ?? e.jsonPathsInPayload?.join(',') ?? '';
  return SPEC_DEFECTS.some((d) => d.operation.test(operation) && d.error.test(`${e.code} ${where}`));
}

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
  if (APIM_LRO.test(url)) return url.replace(/([?&]api-version=)2024-05-01(?=&|$)/, '$12025-03-01-preview');
  const m = /^(.*\/providers\/)([^/]+)\/((?:[^/]+\/)*?)([^/]+\/[^/]+)(\/providers\/Microsoft\.Authorization\/permissions)(\?.*)?$/i.exec(
    url,
  );
  if (!m) return url;
  const parent = m[3]!.replace(/\/$/, '');
  return `${m[1]}${m[2]}/${parent ? encodeURIComponent(parent) : '%20'}/${m[4]}${m[5]}${m[6] ?? ''}`;
}

/**
 * API Management's status and result URLs (OperationStatus_Get, OperationsResults_Get). Microsoft's own client for
 * 2024-05-01, @azure/arm-apimanagement 10.0.0 (node_modules: operations/operationStatus.js, operationsResults.js),
 * sends both on these paths with these responses (200 OperationStatusResult; 200 empty or 202 with Location), from
 * examples under stable/2024-05-01; the 2024-05-01 swagger text that holds them is not in the spec index, the
 * TypeSpec-emitted 2025-03-01-preview openapi.json is (test/specs). So only for matching, a 2024-05-01 poll of
 * these two URLs is handed to oav as 2025-03-01-preview.
 */
const APIM_LRO = /\/providers\/Microsoft\.ApiManagement\/locations\/[^/]+\/(operationStatuses|operationResults)\/[^/?]+(\?|$)/i;

/**
 * Pairs no spec operation describes but whose body a verbatim definition does: judged by definitionJudge (the
 * same rules oav applies, ajv underneath). Network's Azure-AsyncOperation URL answers 200 with
 * AzureAsyncOperationResult (network.json 2025-07-01; https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
 */
const BY_DEFINITION: { template: RegExp; operation: string; statuses: number[]; file: string; definition: string }[] = [
  {
    template: /^GET \/subscriptions\/\{\}\/providers\/Microsoft\.Network\/locations\/\{\}\/operations\/\{\}$/,
    operation: 'Network Azure-AsyncOperation (AzureAsyncOperationResult)',
    statuses: [200],
    file: 'network/resource-manager/Microsoft.Network/stable/2025-07-01/network.json',
    definition: 'AzureAsyncOperationResult',
  },
];

interface Row {
  operation: string;
  apiVersion: string;
  pairs: number;
  pass: number;
  fail: number;
  unmatched: number;
  /** Pairs that validate but for a known spec defect (SPEC_DEFECTS); counted apart from pass. */
  specDefect: number;
  problems: string[];
}

const rows = new Map<string, Row>();

function rowFor(operation: string, apiVersion: string): Row {
  const key = `${operation} ${apiVersion}`;
  const row = rows.get(key) ?? { operation, apiVersion, pairs: 0, pass: 0, fail: 0, unmatched: 0, specDefect: 0, problems: [] };
  rows.set(key, row);
  return row;
}

const judges = new Map<string, (body: unknown) => string[]>();
function judge(file: string, definition: string): (body: unknown) => string[] {
  const key = `${file}#${definition}`;
  if (!judges.has(key)) judges.set(key, definitionJudge(`${SPECS}/${file}`, definition));
  return judges.get(key)!;
}

const PFX_PASSWORD = 'conformance-Pa55word';

/** The parts of the runbook that ran in at least one world (each must have, or it judged nothing). */
const ran = new Set<string>();
let uploadFile: { inspection: PfxInspection; pfx: Secret } | undefined;

/** Apply every fix fix-all would, each next one from the latest evaluation; returns the last evaluation. */
async function fixAll(engine: RunbookEngine, evaluation: Evaluation): Promise<Evaluation> {
  let tried: Tried = { checks: [], plans: [] };
  for (let next = nextFix(evaluation, tried); next?.fix; next = nextFix(evaluation, tried)) {
    tried = markTried(tried, next.fix);
    await engine.apply(next.fix);
    evaluation = await engine.evaluate();
  }
  return evaluation;
}

/** Apply the fixes these checks offer now (the add-certificate screen opening the vault, cleanup). */
async function applyOffered(engine: RunbookEngine, evaluation: Evaluation, checkIds: string[]): Promise<Evaluation> {
  for (const id of checkIds) {
    const fix = evaluation.findings.find((f) => f.checkId === id && f.fix && f.status !== 'pass' && f.status !== 'skipped')?.fix;
    if (fix) evaluation = (await engine.apply(fix)).evaluation ?? (await engine.evaluate());
  }
  return evaluation;
}

/**
 * The whole runbook as the product drives it, with the product's own code for each part: the target picker
 * (subscriptions, instances, vaults), check, fix all, add-cert (the vault opened for the picker, its
 * certificates listed, a Key Vault reference added), upload-cert (a .pfx inspected, read and uploaded), cleanup
 * (the temporary IP rule removed), and the fleet audit over the subscription.
 */
async function runbookOn(world: string, pfxPath: string): Promise<LoggedRequest[]> {
  const sb = await startSandbox({ world });
  try {
    const w = sb.world();
    const subscriptionId = w.subscriptions[0]!.subscriptionId;
    const link = connectToSandbox(sb, subscriptionId);
    const clients = createClients({ ...link, retry: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 }, lroIntervalMs: 5 });
    const gateway = createAzureGateway({ clients, profile: link.profile, context: { subscriptionId, sandbox: true } });
    // The picker: what the operator chooses the target from.
    await listSubscriptions(clients);
    await listInstances(clients, subscriptionId);
    await listVaults(clients);
    ran.add('picker');
    const apim = w.resources.find((r) => r.type === 'Microsoft.ApiManagement/service')!;
    // deleted-vault's target is soft-deleted: the runbook reads the deleted vault, recovers it and goes on.
    const vault = w.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults') ?? w.deletedVaults![0]!.vault;
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
    // check, fix all
    let evaluation = await fixAll(engine, await engine.evaluate());
    // add-cert: open the vault for the picker where it is closed, list its certificates, reference the first.
    evaluation = await applyOffered(engine, evaluation, ['FW-CLIENTIP', 'ACC-OPERATOR']);
    const listed = await engine.listVaultCertificates();
    const chosen = listed.ok ? listed.value.find((c) => c.enabled) : undefined;
    if (chosen) {
      engine.setIntent({ kind: 'keyVault', certificateId: 'conformance-kv', secretIdentifier: chosen.secretId, identity: 'system' });
      evaluation = await applyOffered(engine, await fixAll(engine, await engine.evaluate()), ['CERT-CREATE']);
      ran.add('add-cert');
    }
    // upload-cert. The .pfx is inspected and read once (local work, ~0.4 s a time, no traffic) and reused.
    const password = new Secret(PFX_PASSWORD, 'pfx password');
    uploadFile ??= { inspection: await engine.inspectPfx(pfxPath, password), pfx: await engine.readPfx(pfxPath) };
    engine.setIntent({ kind: 'pfx', certificateId: 'conformance-upload', path: pfxPath, password, ...uploadFile });
    evaluation = await applyOffered(engine, await engine.evaluate(), ['UPL-CREATE']);
    ran.add('upload-cert');
    engine.setIntent(undefined);
    // cleanup
    if (engine.temporaryChanges().length) ran.add('cleanup');
    await applyOffered(engine, await engine.evaluate(), ['FW-CLIENTIP-CLEANUP']);
    // audit
    const fleet = await readFleet(clients, { subscriptions: [subscriptionId], managementGroups: [] });
    if (fleet.instances.length) ran.add('audit');
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
    const dir = tempDir('apimkv-conformance-');
    const pfx = writePfx(dir, PFX_PASSWORD);
    const ms = { runbook: 0, validation: 0 };
    for (const world of WORLD_NAMES) {
      let t = performance.now();
      const log = await runbookOn(world, pfx.path);
      ms.runbook += performance.now() - t;
      t = performance.now();
      for (const e of log) {
        if (!e.url || e.fault) continue;
        const version = new URLSearchParams(e.query).get('api-version') ?? '';
        const byDefinition = BY_DEFINITION.find((d) => d.template.test(template(e)));
        if (byDefinition) {
          const row = rowFor(byDefinition.operation, version);
          row.pairs++;
          const problems = [
            ...(byDefinition.statuses.includes(e.status) ? [] : [`status ${e.status} is not one of ${byDefinition.statuses}`]),
            ...judge(byDefinition.file, byDefinition.definition)(e.responseBody),
          ];
          if (problems.length) {
            row.fail++;
            row.problems.push(`${world} ${e.status}: ${problems.join('; ').slice(0, 400)}`);
          } else row.pass++;
          continue;
        }
        const r = await validator.validateLiveRequestResponse(livePair(e, oavUrl(e.url)));
        const req = r.requestValidationResult;
        const res = r.responseValidationResult;
        const exception = req.runtimeException ?? res.runtimeException;
        const operation = exception ? template(e) : (res.operationInfo?.operationId ?? req.operationInfo?.operationId ?? template(e));
        const row = rowFor(operation, version);
        row.pairs++;
        if (exception) {
          row.unmatched++;
          unexpected.push(`${world}: ${template(e)} ${version}: ${exception.code}`);
          continue;
        }
        const reported = [...(req.errors ?? []), ...(res.errors ?? [])];
        const errors = reported.filter((x: any) => !specDefect(operation, x));
        if (errors.length) {
          row.fail++;
          row.problems.push(
            `${world} ${e.status}: ${errors
              .map((x: any) => `${x.code} ${x.path ?? x.jsonPathsInPayload?.join(',') ?? ''} ${x.message}`)
              .join('; ')
              .slice(0, 400)}`,
          );
        } else if (reported.length) row.specDefect++;
        else row.pass++;
      }
      ms.validation += performance.now() - t;
    }
    rmSync(dir, { recursive: true, force: true });
    console.log(`runbooks ${Math.round(ms.runbook)} ms, oav validation ${Math.round(ms.validation)} ms (${WORLD_NAMES.length} worlds)`);
    const table = [...rows.values()].sort((a, b) => a.operation.localeCompare(b.operation));
    console.log(
      `conformance (oav LiveValidator, test/specs):\n| operation | api-version | pairs | pass | fail | unmatched | spec defect |\n|---|---|---|---|---|---|---|\n${table.map((r) => `| ${r.operation} | ${r.apiVersion} | ${r.pairs} | ${r.pass} | ${r.fail} | ${r.unmatched} | ${r.specDefect} |`).join('\n')}`,
    );
    const failures = table.filter((r) => r.fail).map((r) => `${r.operation} ${r.apiVersion}: ${r.problems.slice(0, 3).join(' || ')}`);
    assert.deepEqual(failures, [], 'pairs the specs describe must validate');
    assert.deepEqual([...new Set(unexpected)], [], 'operations the specs do not describe');
    assert.deepEqual([...ran].sort(), ['add-cert', 'audit', 'cleanup', 'picker', 'upload-cert'], 'every part of the runbook ran somewhere');
    const judged = (op: string) => table.filter((r) => r.operation === op).reduce((n, r) => n + r.pass, 0);
    // deleted-vault: the target vault is looked up among the soft-deleted ones, then recovered.
    assert.ok(
      judged('Vaults_GetDeleted') >= 1 && judged('Vaults_CreateOrUpdate') >= 1,
      'the deleted-vault reads and the recovery were judged',
    );
    const created = table.filter((r) => r.operation === 'Certificate_CreateOrUpdate').reduce((n, r) => n + r.pass, 0);
    assert.ok(created >= WORLD_NAMES.length, `a certificate was uploaded in every world (${created} creations judged)`);
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
  assert.ok(BY_DEFINITION.some((d) => d.template.test('GET /subscriptions/{}/providers/Microsoft.Network/locations/{}/operations/{}')));
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

test('a known spec defect is set aside only for its operations and its exact error', () => {
  const extra = (path: string) => ({ code: 'OBJECT_ADDITIONAL_PROPERTIES', path });
  assert.ok(specDefect('Deployments_ListByResourceGroup', extra('$.value[3].properties.error.code')));
  assert.ok(specDefect('Deployments_ListAtSubscriptionScope', extra('$.error.message')));
  assert.ok(specDefect('DeploymentOperations_List', extra('$.value[0].properties.statusMessage.error.code')));
  assert.ok(!specDefect('Vaults_Get', extra('$.error.code')), 'other operations keep the wrapped-error rule');
  assert.ok(!specDefect('Deployments_ListByResourceGroup', extra('$.value[3].properties.invented')));
  assert.ok(!specDefect('Deployments_ListByResourceGroup', { code: 'INVALID_TYPE', path: '$.value[3].properties.error.code' }));
});

test('only API Management status and result polls at 2024-05-01 are handed to oav as 2025-03-01-preview', () => {
  const loc = '/subscriptions/s/providers/Microsoft.ApiManagement/locations/westeurope';
  assert.equal(oavUrl(`${loc}/operationStatuses/op?api-version=2024-05-01`), `${loc}/operationStatuses/op?api-version=2025-03-01-preview`);
  assert.equal(oavUrl(`${loc}/operationResults/op?api-version=2024-05-01`), `${loc}/operationResults/op?api-version=2025-03-01-preview`);
  const other = `${loc}/operationStatuses/op?api-version=2021-08-01`;
  assert.equal(oavUrl(other), other, 'another version is left to fail as unmatched');
  const service = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/a?api-version=2024-05-01';
  assert.equal(oavUrl(service), service);
});

test('a Network status body is judged against AzureAsyncOperationResult as oav would: invented properties fail', () => {
  const d = BY_DEFINITION[0]!;
  assert.ok(d.template.test('GET /subscriptions/{}/providers/Microsoft.Network/locations/{}/operations/{}'));
  const j = judge(d.file, d.definition);
  assert.deepEqual(j({ status: 'InProgress' }), []);
  assert.deepEqual(j({ status: 'Failed', error: { code: 'X', message: 'y' } }), []);
  assert.match(j({ status: 'Succeeded', startTime: '2026-01-01T00:00:00Z' }).join(), /additional properties \(startTime\)/);
  assert.match(j({ status: 7 }).join(), /must be string/);
});
