// Ownership evidence read by the real gateway (the Resources SDK clients) from the sandbox: each scope once,
// bounded, and turned into plan evidence; a stack's deny refuses the fix before anything is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClients } from '../../src/azure/clients.ts';
import { createAzureGateway } from '../../src/azure/gateway.ts';
import { OWNERSHIP_LIMITS } from '../../src/azure/ownership.ts';
import { connectToSandbox } from '../../src/azure/sandbox-connection.ts';
import { createEngine } from '../../src/runbook/engine.ts';
import { Journal } from '../../src/runbook/journal.ts';
import { loadWorld, startSandbox, type World } from '../../src/sandbox/index.ts';

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-apim-demo`;
const target = {
  subscriptionId: SUB,
  apim: { resourceGroup: 'rg-apim-demo', name: 'apim-contoso-dev' },
  vault: { name: 'kv-contoso-certs', resourceGroup: 'rg-apim-demo' },
};

async function rig(world: string | World) {
  const sb = await startSandbox({ world });
  const link = connectToSandbox(sb, SUB);
  const clients = createClients({ ...link, retry: { retryDelayInMs: 10, maxRetryDelayInMs: 50 }, lroIntervalMs: 10 });
  const gateway = createAzureGateway({ clients, profile: link.profile, context: { subscriptionId: SUB, sandbox: true } });
  return { sb, gateway };
}

test('gather reads the deployments and stacks of each scope once: the resource group and the subscription', async () => {
  const { sb, gateway } = await rig('deployed-by-iac');
  try {
    const facts = await gateway.gather(target);
    const scopes = facts.ownership!.scopes.map((s) => s.scope).sort();
    assert.deepEqual(scopes, [RG, `/subscriptions/${SUB}`].sort());
    const rg = facts.ownership!.scopes.find((s) => s.scope === RG)!;
    assert.ok(rg.deployments.ok && rg.stacks.ok);
    assert.deepEqual(
      rg.deployments.value.items.map((d) => d.name),
      ['nsg-rules-1020', 'network-stack-20260915-7c2e1', 'apim-prod-0412', 'kv-bootstrap-0301'],
    );
    assert.equal(rg.deployments.value.truncated, false);
    // Only the deployment without output resources has its operations read.
    assert.deepEqual(rg.deployments.value.items.find((d) => d.name === 'nsg-rules-1020')!.operationTargets, [
      `${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-apim/securityRules/Deny-Internet-443-Outbound`,
    ]);
    const opsReads = sb
      .requests()
      .filter((r) => /\/operations$/i.test(r.path))
      .map((r) => r.path.split('/').at(-2));
    assert.deepEqual(opsReads, ['nsg-rules-1020']);
    assert.deepEqual(
      rg.stacks.value.map((s) => [s.name, s.denyMode, s.applyToChildScopes]),
      [['network-stack', 'denyWriteAndDelete', false]],
    );
    const lists = sb
      .requests()
      .filter((r) => /\/providers\/Microsoft\.Resources\/(deployments|deploymentStacks)$/i.test(r.path))
      .map((r) => r.path.toLowerCase());
    assert.equal(lists.length, new Set(lists).size, 'each scope listed once');
    assert.equal(lists.length, 4);
    assert.ok(facts.vault.ok && facts.vault.value.tags?.['azd-env-name'] === 'contoso-prod');
  } finally {
    await sb.close();
  }
});

test(`a resource group with 250 deployments costs ${OWNERSHIP_LIMITS.deploymentPages} pages; the newest ${OWNERSHIP_LIMITS.newestDeployments} are kept and the rest is said to be unread`, async () => {
  const base = loadWorld('deployed-by-iac');
  const world: World = { ...base, pageSize: 100, resources: [...base.resources] };
  for (let i = 0; i < 250; i++) {
    const name = `ci-${String(i).padStart(3, '0')}`;
    world.resources.push({
      id: `${RG}/providers/Microsoft.Resources/deployments/${name}`,
      name,
      type: 'Microsoft.Resources/deployments',
      properties: {
        provisioningState: 'Succeeded',
        timestamp: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
        outputResources: [],
      },
    });
  }
  const { sb, gateway } = await rig(world);
  try {
    const facts = await gateway.gather(target);
    const rg = facts.ownership!.scopes.find((s) => s.scope === RG)!;
    assert.ok(rg.deployments.ok);
    assert.equal(rg.deployments.value.truncated, true);
    assert.equal(rg.deployments.value.items.length, OWNERSHIP_LIMITS.newestDeployments);
    const pages = sb.requests().filter((r) => /resourceGroups\/rg-apim-demo\/providers\/Microsoft\.Resources\/deployments$/i.test(r.path));
    assert.equal(pages.length, OWNERSHIP_LIMITS.deploymentPages);
    assert.ok(sb.requests().filter((r) => /\/operations$/i.test(r.path)).length <= OWNERSHIP_LIMITS.operationReads);
  } finally {
    await sb.close();
  }
});

test('a stack with denyWriteAndDelete on the subnet: the plan says so and the engine refuses it without sending a write', async () => {
  const { sb, gateway } = await rig('deployed-by-iac');
  try {
    const engine = createEngine({
      gateway,
      journal: new Journal(),
      target,
      context: {
        cloud: 'Sandbox',
        subscriptionId: SUB,
        apimName: 'apim-contoso-dev',
        vaultName: 'kv-contoso-certs',
        sandbox: true,
        readOnly: false,
      },
    });
    const evaluation = await engine.evaluate();
    const plan = evaluation.findings.find((f) => f.checkId === 'VNET-SE')!.fix!;
    assert.match(
      plan.denied!.message,
      /deny assignment of deployment stack network-stack refuses Microsoft\.Network\/virtualNetworks\/subnets\/write on snet-apim/,
    );
    assert.ok(plan.ownership!.some((l) => /^snet-apim is managed by deployment stack network-stack/.test(l)));
    const before = sb.requests().length;
    const outcome = await engine.apply(plan);
    assert.equal(outcome.ok, false);
    assert.match(outcome.message, /^Not applied: The deny assignment/);
    assert.deepEqual(
      sb
        .requests()
        .slice(before)
        .filter((r) => r.method !== 'GET'),
      [],
    );
    // The NSG fix is evidence only: deployed by a deployment, no stack, so it applies.
    const nsg = evaluation.findings.find((f) => f.checkId === 'VNET-NSG-KV')!.fix!;
    assert.equal(nsg.denied, undefined);
    assert.ok(
      nsg.ownership!.some((l) =>
        /^nsg-apim was deployed by deployment apim-prod-0412 at resource group rg-apim-demo on 12 April 2026 from template hash 1482693044571927485/.test(
          l,
        ),
      ),
    );
  } finally {
    await sb.close();
  }
});
