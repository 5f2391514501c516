// The runbook engine with the real gateway and SDK clients against the sandbox: the demo world fixed to
// green by applying each fix from the latest evaluation, RBAC propagation waited out on the sandbox's
// clock, the permission pre-check, and read-only mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClients } from '../../src/azure/clients.ts';
import { createAzureGateway } from '../../src/azure/gateway.ts';
import { connectToSandbox } from '../../src/azure/sandbox-connection.ts';
import type { Finding } from '../../src/checks/types.ts';
import type { ApplyProgress, Evaluation, RunbookEngine } from '../../src/runbook/engine-types.ts';
import { createEngine } from '../../src/runbook/engine.ts';
import { Journal } from '../../src/runbook/journal.ts';
import { readOnlyGateway } from '../../src/runbook/read-only-gateway.ts';
import { loadWorld, startSandbox, type Sandbox, type World } from '../../src/sandbox/index.ts';

interface Rig {
  sb: Sandbox;
  engine: RunbookEngine;
  progress: ApplyProgress[];
}

const rgOf = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)![1]!;

/** Sandbox and engine share one fake clock: the engine's waits move the sandbox's time (no real sleeping). */
async function rig(world: string | World, opts: { readOnly?: boolean } = {}): Promise<Rig> {
  let offset = 0;
  const sb = await startSandbox({ world, clock: () => Date.now() + offset });
  const w = sb.world();
  const subscriptionId = w.subscriptions[0]!.subscriptionId;
  const link = connectToSandbox(sb, subscriptionId);
  const clients = createClients({ ...link, retry: { retryDelayInMs: 10, maxRetryDelayInMs: 50 }, lroIntervalMs: 10 });
  const azure = createAzureGateway({ clients, profile: link.profile, context: { subscriptionId, sandbox: true } });
  const apim = w.resources.find((r) => r.type === 'Microsoft.ApiManagement/service')!;
  const vault = w.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults')!;
  const engine = createEngine({
    gateway: opts.readOnly ? readOnlyGateway(azure) : azure,
    journal: new Journal(),
    target: {
      subscriptionId,
      apim: { resourceGroup: rgOf(apim.id), name: apim.name },
      vault: { name: vault.name, resourceGroup: rgOf(vault.id) },
    },
    context: { cloud: 'Sandbox', subscriptionId, apimName: apim.name, vaultName: vault.name, sandbox: true, readOnly: !!opts.readOnly },
    propagation: { maxWaitMs: 120_000, firstStepMs: 2_000, maxStepMs: 8_000 },
    sleep: async (ms) => {
      offset += ms;
    },
  });
  return { sb, engine, progress: [] };
}

const byId = (e: Evaluation, id: string): Finding => e.findings.find((f) => f.checkId === id)!;
const statuses = (e: Evaluation, status: Finding['status']) => e.findings.filter((f) => f.status === status).map((f) => f.checkId);

async function applyFix(r: Rig, e: Evaluation, checkId: string): Promise<Evaluation> {
  const fix = byId(e, checkId).fix;
  assert.ok(fix, `${checkId} offers a fix (it is ${byId(e, checkId).status}: ${byId(e, checkId).cause})`);
  const outcome = await r.engine.apply(fix, { onProgress: (p) => r.progress.push(p) });
  assert.ok(outcome.ok, `${checkId}: ${outcome.message}`);
  return outcome.evaluation!;
}

test('the everything-broken world is fixed to green: each fix from the latest evaluation, then the certificate, then cleanup', async () => {
  const r = await rig('everything-broken');
  try {
    let e = await r.engine.evaluate();
    const before = r.sb.world();
    assert.deepEqual(statuses(e, 'unknown'), []);
    const fixed: string[] = [];
    for (
      let f = e.findings.find((x) => x.status === 'fail' && x.fix);
      f;
      f = e.findings.find((x) => x.status === 'fail' && x.fix && !fixed.includes(x.checkId))
    ) {
      fixed.push(f.checkId);
      e = await applyFix(r, e, f.checkId);
    }
    assert.deepEqual(fixed, ['PRE-MI', 'ACC-RBAC', 'FW-BYPASS', 'VNET-SE', 'VNET-NSG-KV', 'VNET-NSG-AAD', 'CERT-REFRESH']);
    // The expired, version-pinned certificate needs the versionless identifier: the operator opens the
    // vault for the picker (temporary IP rule, own read access), re-adds it, then closes the vault again.
    assert.deepEqual(statuses(e, 'fail'), ['CERT-EXPIRY']);
    e = await applyFix(r, e, 'FW-CLIENTIP');
    e = await applyFix(r, e, 'ACC-OPERATOR');
    assert.equal(byId(e, 'ACC-OPERATOR').status, 'pass', 'the grant was waited out until the picker works');
    assert.ok(
      r.progress.some((p) => p.phase === 'propagation'),
      'the wait was shown as a countdown',
    );
    const listed = await r.engine.listVaultCertificates();
    assert.ok(listed.ok && listed.value.some((c) => c.name === 'contoso-api-client'));
    r.engine.setIntent({
      kind: 'keyVault',
      certificateId: 'backend-client',
      secretIdentifier: 'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client',
      identity: 'system',
    });
    e = await r.engine.evaluate();
    e = await applyFix(r, e, 'CERT-CREATE');
    assert.equal(byId(e, 'CERT-VERIFY').status, 'pass');
    e = await applyFix(r, e, 'FW-CLIENTIP-CLEANUP');
    assert.deepEqual([statuses(e, 'fail'), statuses(e, 'unknown'), statuses(e, 'warn')], [[], [], []]);
    assert.deepEqual(r.engine.temporaryChanges(), []);

    // Nothing anyone else configured was lost on the way.
    const after = r.sb.world();
    const get = (w: World, type: string, name?: string) =>
      w.resources.find((x) => x.type === type && (!name || x.name === name)) as unknown as { properties: unknown };
    const acls = (w: World) =>
      (get(w, 'Microsoft.KeyVault/vaults').properties as { networkAcls: { ipRules: { value: string }[] } }).networkAcls;
    assert.deepEqual(
      acls(after).ipRules.map((i) => i.value),
      acls(before).ipRules.map((i) => i.value),
      'the temporary rule is gone, the others stay',
    );
    const endpoints = (w: World) =>
      (get(w, 'Microsoft.Network/virtualNetworks/subnets').properties as { serviceEndpoints: { service: string }[] }).serviceEndpoints.map(
        (s) => s.service,
      );
    assert.deepEqual(endpoints(after), [...endpoints(before), 'Microsoft.KeyVault']);
    const rules = (w: World) =>
      w.resources
        .filter((x) => x.type === 'Microsoft.Network/networkSecurityGroups/securityRules')
        .map((x) => x.name)
        .sort();
    assert.deepEqual(rules(after), [...rules(before), 'Allow-AzureActiveDirectory-443-Out', 'Allow-AzureKeyVault-443-Out'].sort());
  } finally {
    await r.sb.close();
  }
});

test('a fix the operator may not apply is refused before any write, naming the role', async () => {
  const world = loadWorld('everything-broken');
  const reader = '/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7';
  for (const res of world.resources) {
    const p = res.properties as { principalId?: string; roleDefinitionId?: string };
    if (res.type === 'Microsoft.Authorization/roleAssignments' && p.principalId === world.operator.principalId)
      p.roleDefinitionId = `/subscriptions/${world.subscriptions[0]!.subscriptionId}${reader}`;
  }
  const r = await rig(world);
  try {
    const e = await r.engine.evaluate();
    const writesBefore = r.sb
      .requests()
      .filter((q) => q.method !== 'GET' && !/resourcegraph|\/secrets|\/certificates\b/i.test(q.path)).length;
    const outcome = await r.engine.apply(byId(e, 'FW-BYPASS').fix!);
    assert.equal(outcome.ok, false);
    assert.match(outcome.message, /^Not applied: you need Key Vault Contributor .*missing Microsoft\.KeyVault\/vaults\/write/);
    assert.equal(
      r.sb.requests().filter((q) => q.method !== 'GET' && !/resourcegraph|\/secrets|\/certificates\b/i.test(q.path)).length,
      writesBefore,
      'nothing was sent',
    );
  } finally {
    await r.sb.close();
  }
});

test('read-only mode: the engine refuses, and the gateway itself cannot write', async () => {
  const r = await rig('everything-broken', { readOnly: true });
  try {
    const e = await r.engine.evaluate();
    const outcome = await r.engine.apply(byId(e, 'PRE-MI').fix!);
    assert.deepEqual([outcome.ok, /Read-only/.test(outcome.message)], [false, true]);
    assert.equal(r.sb.requests().filter((q) => q.method === 'PATCH' || q.method === 'PUT').length, 0);
  } finally {
    await r.sb.close();
  }
});
