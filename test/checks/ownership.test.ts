// Ownership evidence as pure logic on plain facts: what a deny setting refuses (Azure's documented rules for
// deployment stacks), what is only evidence, and what could not be read.
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/deployment-stacks#protect-managed-resources
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Facts, StackFacts } from '../../src/checks/facts.ts';
import { writeEvidence } from '../../src/checks/ownership.ts';
import { NSG_ID, OPERATOR, RG, SUB, SUBNET_ID, VAULT_ID, VNET_ID, baseline } from './builders.ts';

const WRITE = 'Microsoft.Network/virtualNetworks/subnets/write';
const stack = (over: Partial<StackFacts> = {}): StackFacts => ({
  id: `${RG}/providers/Microsoft.Resources/deploymentStacks/net`,
  name: 'net',
  scope: RG,
  denyMode: 'denyWriteAndDelete',
  excludedPrincipals: [],
  excludedActions: [],
  applyToChildScopes: false,
  resources: [{ id: SUBNET_ID, denyStatus: 'denyWriteAndDelete' }],
  ...over,
});

function withStacks(...stacks: StackFacts[]): Facts {
  const facts = baseline();
  facts.ownership = {
    scopes: [{ scope: RG, deployments: { ok: true, value: { items: [], truncated: false } }, stacks: { ok: true, value: stacks } }],
  };
  return facts;
}

const subnetWrite = (facts: Facts) => writeEvidence(facts, SUBNET_ID, [{ action: WRITE, on: SUBNET_ID }]);

test('denyWriteAndDelete on the written resource refuses the write, naming the stack', () => {
  const e = subnetWrite(withStacks(stack()));
  assert.match(
    e.denied!.message,
    /deny assignment of deployment stack net refuses Microsoft\.Network\/virtualNetworks\/subnets\/write on apim \(403 DenyAssignmentAuthorizationFailed\)/,
  );
  assert.equal(e.denied!.stackId, stack().id);
});

test('an excluded principal, an excluded action, denyDelete or mode none: evidence only', () => {
  const facts = withStacks(stack({ excludedPrincipals: [OPERATOR.toUpperCase()] }));
  facts.context.operator.objectId = OPERATOR;
  assert.equal(subnetWrite(facts).denied, undefined);
  // Named as the operator knows themself, not by the object id the deny assignment lists.
  assert.ok(
    subnetWrite(facts).lines.some((l) => l.startsWith('Its deny assignment excludes you (sre@contoso.com), so the write is allowed')),
  );
  assert.ok(!subnetWrite(facts).lines.some((l) => l.toLowerCase().includes(OPERATOR.toLowerCase())));
  assert.equal(subnetWrite(withStacks(stack({ excludedActions: ['Microsoft.Network/virtualNetworks/subnets/*'] }))).denied, undefined);
  assert.equal(
    subnetWrite(withStacks(stack({ denyMode: 'denyDelete', resources: [{ id: SUBNET_ID, denyStatus: 'denyDelete' }] }))).denied,
    undefined,
  );
  const none = subnetWrite(withStacks(stack({ denyMode: 'none', resources: [{ id: SUBNET_ID, denyStatus: 'none' }] })));
  assert.equal(none.denied, undefined);
  assert.match(none.lines[0]!, /^apim is managed by deployment stack net/);
});

test('a stack on the parent VNet covers the subnet only with applyToChildScopes', () => {
  const vnet = (applyToChildScopes: boolean) =>
    withStacks(stack({ applyToChildScopes, resources: [{ id: VNET_ID, denyStatus: 'denyWriteAndDelete' }] }));
  assert.equal(subnetWrite(vnet(false)).denied, undefined);
  assert.ok(subnetWrite(vnet(true)).denied);
});

test('a deny on a linked resource (joining the subnet) warns without refusing', () => {
  const e = writeEvidence(withStacks(stack()), VAULT_ID, [
    { action: 'Microsoft.KeyVault/vaults/write', on: VAULT_ID },
    { action: 'Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action', on: SUBNET_ID },
  ]);
  assert.equal(e.denied, undefined);
});

test('deployments: output resources, operations of a failed one; tags IaC tools leave; unreadable scopes said', () => {
  const facts = baseline();
  if (facts.nsg?.ok) facts.nsg.value.tags = { 'managed-by': 'terraform', env: 'prod' };
  facts.ownership = {
    scopes: [
      {
        scope: RG,
        deployments: {
          ok: true,
          value: {
            items: [
              {
                id: `${RG}/providers/Microsoft.Resources/deployments/net-0412`,
                name: 'net-0412',
                scope: RG,
                timestamp: '2026-04-12T08:17:41Z',
                templateHash: '1482',
                createdBy: 'ci',
                createdByType: 'Application',
                outputResources: [NSG_ID],
              },
              {
                id: `${RG}/providers/Microsoft.Resources/deployments/hotfix`,
                name: 'hotfix',
                scope: RG,
                provisioningState: 'Failed',
                timestamp: '2026-10-20T16:40:02Z',
                outputResources: [],
                operationTargets: [`${NSG_ID}/securityRules/other`],
              },
            ],
            truncated: true,
          },
        },
        stacks: { ok: false, unknown: 'Forbidden', message: 'no', missingAction: 'Microsoft.Resources/deploymentStacks/read' },
      },
      {
        scope: `/subscriptions/${SUB}`,
        deployments: { ok: false, unknown: 'Forbidden', message: 'no', missingAction: 'Microsoft.Resources/deployments/read' },
        stacks: { ok: true, value: [] },
      },
    ],
  };
  const e = writeEvidence(facts, `${NSG_ID}/securityRules/Allow-AzureKeyVault-443-Out`, [
    { action: 'Microsoft.Network/networkSecurityGroups/securityRules/write', on: `${NSG_ID}/securityRules/Allow-AzureKeyVault-443-Out` },
  ]);
  assert.deepEqual(e.lines, [
    'nsg-apim was deployed by deployment net-0412 at resource group rg-app on 12 April 2026 from template hash 1482, run by ci (Application): the next deployment of that template may revert this change.',
    'nsg-apim was written by deployment hotfix (its operations name other, Failed) at resource group rg-app on 20 October 2026 from an inline template: the next deployment of that template may revert this change.',
    'nsg-apim has the tag managed-by=terraform, which IaC tools leave: the next run of that tool may revert this change.',
    'Deployment stacks at resource group rg-app could not be read (Forbidden: needs Microsoft.Resources/deploymentStacks/read): a deny setting may refuse this write.',
    'Only the newest 2 of the first deployments listed at resource group rg-app were read: older ones may also have deployed it.',
    `Deployments at subscription ${SUB} could not be read (Forbidden: needs Microsoft.Resources/deployments/read): the evidence may be incomplete.`,
  ]);
  assert.equal(e.denied, undefined);
});
