// Deployments, their operations and deployment stacks through the real SDK clients (@azure/arm-resourcesdeployments,
// @azure/arm-resourcesdeploymentstacks), and a stack's deny settings refusing a write as Azure does: 403
// DenyAssignmentAuthorizationFailed naming the deny assignment, whatever roles the caller holds.
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/deployment-stacks#protect-managed-resources
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeploymentsClient } from '@azure/arm-resourcesdeployments';
import { DeploymentStacksClient } from '@azure/arm-resourcesdeploymentstacks';
import { loadWorld, type Sandbox, type World } from '../../src/sandbox/index.ts';
import { KV_ID, NSG_ID, RG_ID, SUB, SUBNET_ID, collect, credentialFor, rejection, RETRY, setup, worldWith } from './clients.ts';

const RG = 'rg-apim-demo';
const PIPELINE = '2c9d7e4f-1a3b-4c5d-8e6f-7a8b9c0d1e2f';
const VNET_ID = SUBNET_ID.replace(/\/subnets\/[^/]+$/, '');
const STACK_ID = `${RG_ID}/providers/Microsoft.Resources/deploymentStacks/network-stack`;

function resourceClients(sandbox: Sandbox, principalId?: string) {
  const cred = credentialFor(sandbox, principalId);
  const transport = { agent: sandbox.agent, retryOptions: RETRY };
  return {
    deployments: new DeploymentsClient(cred, SUB, {
      ...transport,
      endpoint: sandbox.endpoint,
      apiVersion: '2025-04-01',
      credentials: { scopes: [`${sandbox.endpoint}/.default`] },
    }),
    stacks: new DeploymentStacksClient(cred, SUB, {
      ...transport,
      endpoint: sandbox.endpoint,
      $host: sandbox.endpoint,
      credentialScopes: [`${sandbox.endpoint}/.default`],
    }),
  };
}

const stackOf = (w: World) => w.resources.find((r) => r.id === STACK_ID)!;

/** The subnet as it is, with one more service endpoint (what the VNET-SE fix sends). */
async function subnetWithKeyVault(t: Awaited<ReturnType<typeof setup>>) {
  const subnet = await t.network.subnets.get(RG, 'vnet-apim', 'snet-apim');
  return { ...subnet, serviceEndpoints: [...(subnet.serviceEndpoints ?? []), { service: 'Microsoft.KeyVault', locations: ['*'] }] };
}

describe('deployments and deployment stacks', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  let r: ReturnType<typeof resourceClients>;
  before(async () => {
    t = await setup({ world: 'deployed-by-iac' });
    r = resourceClients(t.sandbox);
  });
  after(() => t.close());

  test('a resource group lists its own deployments, with output resources, template hash and who ran it', async () => {
    const list = await collect(r.deployments.deployments.listByResourceGroup(RG));
    assert.deepEqual(list.map((d) => d.name).sort(), [
      'apim-prod-0412',
      'kv-bootstrap-0301',
      'network-stack-20260915-7c2e1',
      'nsg-rules-1020',
    ]);
    const prod = list.find((d) => d.name === 'apim-prod-0412')!;
    assert.deepEqual(
      prod.properties?.outputResources?.map((o) => o.id),
      [KV_ID, NSG_ID],
    );
    assert.equal(prod.properties?.templateHash, '1482693044571927485');
    assert.equal(prod.properties?.timestamp?.toISOString(), '2026-04-12T08:17:41.501Z');
    assert.equal(prod.systemData?.createdBy, PIPELINE);
    assert.equal(
      list.find((d) => d.name === 'kv-bootstrap-0301')!.properties?.templateLink?.uri,
      'https://stcontosoinfra.blob.core.windows.net/templates/keyvault.json',
    );
    assert.equal((await collect(r.deployments.deployments.listByResourceGroup(RG, { top: 2 }))).length, 2);
  });

  test('the subscription lists only its own deployments, not those of its resource groups', async () => {
    const list = await collect(r.deployments.deployments.listAtSubscriptionScope());
    assert.deepEqual(
      list.map((d) => d.name),
      ['platform-baseline-1101'],
    );
  });

  test("a deployment's operations name the resources it wrote, a failed one included", async () => {
    const ops = await collect(r.deployments.deploymentOperations.list(RG, 'nsg-rules-1020'));
    assert.deepEqual(
      ops.map((o) => [o.properties?.provisioningState, o.properties?.targetResource?.id]),
      [['Failed', `${NSG_ID}/securityRules/Deny-Internet-443-Outbound`]],
    );
    const missing = await rejection(collect(r.deployments.deploymentOperations.list(RG, 'no-such-deployment')));
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.code, 'DeploymentNotFound');
  });

  test('stacks list at their scope with managed resources and deny settings', async () => {
    const stacks = await collect(r.stacks.deploymentStacks.listAtResourceGroup(RG));
    assert.equal(stacks.length, 1);
    assert.equal(stacks[0]!.properties!.denySettings.mode, 'denyWriteAndDelete');
    assert.deepEqual(stacks[0]!.properties!.denySettings.excludedPrincipals, [PIPELINE]);
    assert.deepEqual(
      stacks[0]!.properties!.resources?.map((x) => [x.id, x.denyStatus]),
      [
        [VNET_ID, 'denyWriteAndDelete'],
        [SUBNET_ID, 'denyWriteAndDelete'],
      ],
    );
    assert.deepEqual(await collect(r.stacks.deploymentStacks.listAtSubscription()), []);
  });

  test('a write to a resource under denyWriteAndDelete is refused with 403 naming the deny assignment (Owner or not)', async () => {
    const err = await rejection(
      t.network.subnets.beginCreateOrUpdateAndWait(RG, 'vnet-apim', 'snet-apim', await subnetWithKeyVault(t), { updateIntervalInMs: 10 }),
    );
    assert.equal(err.statusCode, 403);
    assert.equal(err.code, 'DenyAssignmentAuthorizationFailed');
    assert.match(
      err.message,
      /has permission to perform action 'Microsoft\.Network\/virtualNetworks\/subnets\/write' on scope '[^']+\/subnets\/snet-apim'; however, the access is denied because of the deny assignment with name 'Deny assignment '[0-9a-f-]{36}' created by Deployment Stack '[^']+\/deploymentStacks\/network-stack'\.' and Id '[0-9a-f]{32}' at scope '[^']+\/subnets\/snet-apim'\./,
    );
    assert.deepEqual(
      t.sandbox
        .world()
        .resources.find((x) => x.id === SUBNET_ID)!
        .properties.serviceEndpoints.map((e: { service: string }) => e.service),
      ['Microsoft.Storage'],
    );
    // Reads are never denied (Azure appends */read to the excluded actions).
    assert.equal((await t.network.subnets.get(RG, 'vnet-apim', 'snet-apim')).name, 'snet-apim');
  });

  test('a resource outside the stack (the NSG, deployed by a plain deployment) is written as usual', async () => {
    const rule = await t.network.securityRules.beginCreateOrUpdateAndWait(
      RG,
      'nsg-apim',
      'Allow-AzureKeyVault-443-Out',
      {
        priority: 210,
        direction: 'Outbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: 'VirtualNetwork',
        sourcePortRange: '*',
        destinationAddressPrefix: 'AzureKeyVault',
        destinationPortRange: '443',
      },
      { updateIntervalInMs: 10 },
    );
    assert.equal(rule.provisioningState, 'Succeeded');
  });
});

describe('deny settings: modes, excluded principals, child scopes', () => {
  const owner = (principalId: string) => ({
    id: `${RG_ID}/providers/Microsoft.Authorization/roleAssignments/4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a`,
    name: '4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a',
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443f-a75c-2fe8c4bcb635`,
      principalId,
      principalType: 'ServicePrincipal',
      scope: RG_ID,
    },
  });

  async function subnetWrite(world: World, principalId?: string) {
    const t = await setup({ world }, principalId);
    try {
      return await t.network.subnets
        .beginCreateOrUpdateAndWait(RG, 'vnet-apim', 'snet-apim', await subnetWithKeyVault(t), { updateIntervalInMs: 10 })
        .then(
          () => 'written',
          (e: { code?: string }) => e.code,
        );
    } finally {
      await t.close();
    }
  }

  test('an excluded principal (the pipeline) may write; the operator may not', async () => {
    const world = worldWith(loadWorld('deployed-by-iac'), (w) => w.resources.push(owner(PIPELINE)));
    assert.equal(await subnetWrite(world, PIPELINE), 'written');
    assert.equal(await subnetWrite(world), 'DenyAssignmentAuthorizationFailed');
  });

  test('denyDelete lets writes through; mode none denies nothing', async () => {
    for (const mode of ['denyDelete', 'none']) {
      const world = worldWith(loadWorld('deployed-by-iac'), (w) => (stackOf(w).properties.denySettings.mode = mode));
      assert.equal(await subnetWrite(world), 'written', mode);
    }
  });

  test('an excluded action is let through', async () => {
    const world = worldWith(
      loadWorld('deployed-by-iac'),
      (w) => (stackOf(w).properties.denySettings.excludedActions = ['Microsoft.Network/virtualNetworks/subnets/write']),
    );
    assert.equal(await subnetWrite(world), 'written');
  });

  test('a managed VNet covers its subnets only with applyToChildScopes', async () => {
    const vnetOnly = (applyToChildScopes: boolean) =>
      worldWith(loadWorld('deployed-by-iac'), (w) => {
        const stack = stackOf(w);
        stack.properties.resources = stack.properties.resources.filter((x: { id: string }) => x.id === VNET_ID);
        stack.properties.denySettings.applyToChildScopes = applyToChildScopes;
      });
    assert.equal(await subnetWrite(vnetOnly(false)), 'written');
    assert.equal(await subnetWrite(vnetOnly(true)), 'DenyAssignmentAuthorizationFailed');
  });
});
