// `apimkv audit` as scripts use it: the built CLI over pipes against generated fleet worlds. The JSON
// against its schema, CSV, exit codes, scope (repeated --subscription, --management-group), Resource
// Graph paging and truncation, throttling and a refused list; and `sandbox generate` itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import type { World } from '../../src/sandbox/index.ts';
import { offersWorkspaces } from '../../src/checks/posture.ts';
import { CLI } from './harness.ts';
import { tempDir, worldFile } from './support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = tempDir('apimkv-audit-');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface AuditReport {
  scope: { subscriptions: string[]; managementGroups: string[] };
  summary: { instances: number; vaults: number; references: number; fail: number; unknown: number; warn: number; truncated: boolean };
  stats: { graphPages: number; armLists: number; requests: number; throttled: number };
  findings: { severity: string; kind: string; instance: string; subscriptionId: string; message: string; docs?: string }[];
}

function generate(name: string, args: string[], edit?: (w: World) => void): { path: string; world: World } {
  const path = join(dir, `${name}.json`);
  const r = run(['sandbox', 'generate', ...args, '--out', path]);
  assert.equal(r.code, 0, r.stderr);
  const world = JSON.parse(readFileSync(path, 'utf8')) as World;
  if (edit) {
    edit(world);
    writeFileSync(path, JSON.stringify(world));
  }
  return { path, world };
}

function audit(world: string, ...args: string[]): { code: number | null; report: AuditReport; stderr: string } {
  const r = run(['audit', '--sandbox', '--world', world, '--json', ...args]);
  assert.ok(r.stdout.startsWith('{'), `no JSON (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as AuditReport, stderr: r.stderr };
}

const apims = (w: World) =>
  Object.values(w.resources).filter((r) => (r as { type: string }).type === 'Microsoft.ApiManagement/service') as unknown as {
    id: string;
    name: string;
    sku: { name: string };
  }[];
/** One workspaces list per instance on a tier that has workspaces (workspaces-overview). */
const workspaceLists = (w: World) => apims(w).filter((x) => offersWorkspaces(x.sku.name)).length;

const fleet = generate('fleet', ['--instances', '30', '--vaults', '45', '--subscriptions', '3', '--seed', '7']);

test('sandbox generate is deterministic for a seed and refuses bad arguments with exit 2', () => {
  const again = generate('fleet-again', ['--instances', '30', '--vaults', '45', '--subscriptions', '3', '--seed', '7']);
  assert.equal(readFileSync(again.path, 'utf8'), readFileSync(fleet.path, 'utf8'));
  assert.notEqual(
    readFileSync(generate('fleet-other', ['--instances', '30', '--vaults', '45', '--subscriptions', '3', '--seed', '8']).path, 'utf8'),
    readFileSync(fleet.path, 'utf8'),
  );
  assert.equal(apims(fleet.world).length, 30);
  assert.equal(fleet.world.subscriptions.length, 3);
  const bad = run(['sandbox', 'generate', '--instances', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--instances/);
  assert.equal(run(['sandbox', 'frobnicate']).code, 2);
});

test('audit --json follows docs/audit.schema.json; every instance read with one certificate and one named-value list (and one workspaces list on the tiers that have them)', () => {
  const { code, report } = audit(fleet.path);
  const ajv = new Ajv2020.default({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'docs/audit.schema.json'), 'utf8')));
  assert.ok(validate(report), JSON.stringify(validate.errors));
  assert.equal(validate({ ...report, findings: [{ ...report.findings[0], severity: 'bad' }] }), false);
  assert.equal(report.summary.instances, 30);
  assert.equal(report.summary.vaults, 45);
  assert.equal(report.stats.graphPages, 2);
  assert.ok(workspaceLists(fleet.world) > 0);
  assert.equal(report.stats.armLists, 60 + workspaceLists(fleet.world));
  assert.equal(code, report.summary.fail + report.summary.unknown > 0 ? 1 : report.summary.warn > 0 ? 3 : 0);
  // The generated fleet has broken and at-risk references of several kinds.
  assert.ok(report.summary.fail > 0 && report.summary.warn > 0, JSON.stringify(report.summary));
  assert.ok(new Set(report.findings.map((f) => f.kind)).size >= 5, [...new Set(report.findings.map((f) => f.kind))].join());
  const lean = audit(fleet.path, '--no-named-values').report;
  assert.equal(lean.stats.armLists, 30 + workspaceLists(fleet.world));
});

test('audit --csv: a header and one row per finding, the same findings as --json', () => {
  const json = audit(fleet.path).report;
  const r = run(['audit', '--sandbox', '--world', fleet.path, '--csv']);
  const lines = r.stdout.split('\r\n').filter(Boolean);
  assert.equal(lines[0], 'severity,kind,subscriptionId,resourceGroup,instance,reference,vault,date,message');
  assert.equal(lines.length - 1, json.findings.length);
  assert.equal(r.code, 1);
});

test('audit exit codes: 0 on a healthy world, 3 when only at risk, 1 when something is broken, 2 for usage', () => {
  assert.equal(audit('healthy').code, 0);
  const pinned = worldFile(dir, 'healthy', (w) => {
    for (const r of Object.values(w.resources) as unknown as { type: string; properties: { keyVault?: { secretIdentifier: string } } }[]) {
      if (r.type === 'Microsoft.ApiManagement/service/certificates' && r.properties.keyVault)
        r.properties.keyVault.secretIdentifier += '/0123456789abcdef0123456789abcdef';
    }
  });
  const warned = audit(pinned);
  assert.equal(warned.code, 3, JSON.stringify(warned.report.findings));
  assert.deepEqual(
    warned.report.findings.map((f) => f.kind),
    ['versioned-identifier'],
  );
  assert.equal(audit('everything-broken').code, 1);
  const usage = run(['audit', '--sandbox', '--service', 'apim-x']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--subscription or --management-group, not --service/);
  assert.equal(run(['check', '--sandbox', '--subscription', 'a', '--subscription', 'b']).code, 2);
  assert.match(run(['check', '--sandbox', '--csv']).stderr, /--csv is an option of "apimkv audit"/);
});

test('audit scope: repeated --subscription and --management-group narrow the fleet; an unknown group is a clear error', () => {
  const [a, b, c] = fleet.world.subscriptions.map((s) => s.subscriptionId);
  const two = audit(fleet.path, '--subscription', a!, '--subscription', b!).report;
  assert.deepEqual(two.scope.subscriptions, [a, b]);
  const perSub = (id: string) => apims(fleet.world).filter((x) => x.id.includes(id)).length;
  assert.equal(two.summary.instances, perSub(a!) + perSub(b!));
  assert.ok(two.findings.every((f) => !f.subscriptionId || f.subscriptionId === a || f.subscriptionId === b));
  assert.ok(perSub(c!) > 0);
  const [group, members] = Object.entries(fleet.world.managementGroups!)[0]!;
  const byGroup = audit(fleet.path, '--management-group', group).report;
  assert.deepEqual(byGroup.scope.managementGroups, [group]);
  assert.equal(
    byGroup.summary.instances,
    members.reduce((n, s) => n + perSub(s), 0),
  );
  const unknown = run(['audit', '--sandbox', '--world', fleet.path, '--management-group', 'mg-nowhere', '--json']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /mg-nowhere/);
  assert.doesNotMatch(unknown.stderr, /\n\s+at /, 'no stack trace');
});

test('audit pages Resource Graph past 1,000 rows and reports a truncated answer as fleet-truncated', () => {
  const big = generate('big', ['--instances', '1100', '--vaults', '150', '--subscriptions', '5', '--seed', '3']);
  const { report } = audit(big.path, '--no-named-values', '--concurrency', '32');
  assert.equal(report.summary.instances, 1100);
  assert.equal(report.stats.graphPages, 3, 'two instance pages and one vault page');
  assert.equal(report.stats.armLists, 1100 + workspaceLists(big.world));
  assert.equal(report.summary.truncated, false);
  const cut = generate('cut', ['--instances', '30', '--vaults', '45', '--subscriptions', '3', '--seed', '7'], (w) => {
    w.graphTruncateAfter = 10;
  });
  const truncated = audit(cut.path).report;
  assert.equal(truncated.summary.truncated, true);
  assert.equal(truncated.summary.instances, 10);
  assert.ok(truncated.findings.some((f) => f.kind === 'fleet-truncated' && /--subscription or --management-group/.test(f.message)));
});

test('audit under 429s waits out Retry-After and completes; a refused list makes that instance unknown, the rest carries on', () => {
  const victim = apims(fleet.world)[4]!;
  const faulty = generate('faulty', ['--instances', '30', '--vaults', '45', '--subscriptions', '3', '--seed', '7'], (w) => {
    w.faults = [
      {
        match: { path: '/providers/Microsoft\\.ApiManagement/service/[^/]+/certificates$', times: 3 },
        respond: {
          status: 429,
          headers: { 'Retry-After': '1' },
          body: { error: { code: 'TooManyRequests', message: 'Rate limit exceeded.' } },
        },
      },
      {
        match: { path: `/service/${victim.name}/namedValues$` },
        respond: {
          status: 403,
          body: {
            error: {
              code: 'AuthorizationFailed',
              message: `The client 'ops@contoso.com' does not have authorization to perform action 'Microsoft.ApiManagement/service/namedValues/read' over scope '${victim.id}' or the scope is invalid.`,
            },
          },
        },
      },
    ];
  });
  const { report, stderr } = audit(faulty.path);
  assert.ok(report.stats.throttled >= 1, JSON.stringify(report.stats));
  assert.equal(report.summary.instances, 30);
  const unreadable = report.findings.filter((f) => f.kind === 'unreadable');
  assert.deepEqual(
    unreadable.map((f) => f.instance),
    [victim.name],
    stderr,
  );
  assert.match(unreadable[0]!.message, /named values.*Microsoft\.ApiManagement\/service\/namedValues\/read/);
  assert.equal(unreadable[0]!.severity, 'unknown');
  // The throttled certificate lists were retried, not reported as unreadable.
  assert.equal(report.stats.armLists, 60 + workspaceLists(faulty.world));
});

test('a vault in another subscription than the instance: check --vault <resource id> finds it; a malformed id is a usage error', () => {
  const resources = Object.values(fleet.world.resources) as unknown as {
    id: string;
    type: string;
    properties: { keyVault?: { secretIdentifier: string } };
  }[];
  const subOf = (id: string) => id.split('/')[2]!.toLowerCase();
  // An instance with a certificate from a vault in another subscription (the generator spreads vaults).
  const pair = resources
    .filter((r) => r.type === 'Microsoft.ApiManagement/service/certificates' && r.properties.keyVault)
    .map((c) => ({
      apim: c.id.split('/certificates/')[0]!,
      vault: resources.find(
        (v) =>
          v.type === 'Microsoft.KeyVault/vaults' && c.properties.keyVault!.secretIdentifier.startsWith(`https://${v.id.split('/').pop()}.`),
      ),
    }))
    .find((p) => p.vault && subOf(p.vault.id) !== subOf(p.apim));
  assert.ok(pair, 'the fleet has a cross-subscription reference');
  const [, , sub, , rg, , , , service] = pair.apim.split('/');
  const r = run([
    'check',
    '--sandbox',
    '--world',
    fleet.path,
    '--subscription',
    sub!,
    '-g',
    rg!,
    '--service',
    service!,
    '--vault',
    pair.vault!.id,
    '--json',
  ]);
  const report = JSON.parse(r.stdout) as { target: { vaultSubscriptionId?: string }; findings: { checkId: string; status: string }[] };
  assert.equal(report.findings.find((f) => f.checkId === 'PRE-VAULT')?.status, 'pass', r.stderr);
  assert.equal(report.target.vaultSubscriptionId, pair.vault!.id.split('/')[2]);
  // The sandbox finds a vault named alone wherever it is in the world (as the demo's auto-target does).
  const byName = run([
    'check',
    '--sandbox',
    '--world',
    fleet.path,
    '--subscription',
    sub!,
    '-g',
    rg!,
    '--service',
    service!,
    '--vault',
    pair.vault!.id.split('/').pop()!,
  ]);
  assert.match(byName.stdout, /✔ pass +PRE-VAULT/);
  const bad = run(['check', '--sandbox', '--world', fleet.path, '--vault', '/subscriptions/x/vaults/y']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /is not a key vault id/);
});

// Workspaces hold their own named values, certificates and backends, and don't support the instance's managed identity
// for Key Vault secrets (https://learn.microsoft.com/azure/api-management/workspaces-overview#workspaces-constraints):
// the audit says, per instance, that it covers the service-level references only.
test('audit on the workspaces world: one info note naming both workspaces, exit 0', () => {
  const { code, report } = audit('workspaces');
  assert.equal(code, 0, JSON.stringify(report.findings));
  const notes = report.findings.filter((f) => f.kind === 'workspaces');
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!.severity, 'info');
  assert.equal(notes[0]!.instance, 'apim-contoso-dev');
  assert.match(notes[0]!.message, /2 workspaces: "partner-apis" \(Partner APIs\), "payments-team" \(Payments team\)/);
  assert.match(notes[0]!.message, /does not read the workspaces' own named values, certificates or backends/);
  assert.equal(notes[0]!.docs, 'https://learn.microsoft.com/azure/api-management/workspaces-overview#workspaces-constraints');
  assert.equal(audit('healthy').report.findings.filter((f) => f.kind === 'workspaces').length, 0);
});
