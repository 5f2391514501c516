// Every fix of every shipped world (and one plan per operation kind) as Bicep and Terraform, held to the ARM
// request the fix sends: the Terraform parses (@cdktf/hcl2json), the Bicep reads back, both bodies are
// subtrees of the request body (azurerm attributes equal the request paths they name), and every body is
// checked against Microsoft's REST spec definition of that request (test/specs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { createClients } from '../../src/azure/clients.ts';
import { createAzureGateway } from '../../src/azure/gateway.ts';
import { connectToSandbox } from '../../src/azure/sandbox-connection.ts';
import type { Facts } from '../../src/checks/facts.ts';
import { runChecks } from '../../src/checks/index.ts';
import { templateForOperation, type OperationKind } from '../../src/checks/operations/index.ts';
import { makePlan } from '../../src/checks/plan.ts';
import { Secret } from '../../src/checks/secret.ts';
import type { TemplateChange } from '../../src/checks/templates/change.ts';
import { attributeValue, valueAt } from '../../src/checks/templates/render.ts';
import type { FixPlan, Operation } from '../../src/checks/types.ts';
import { startSandbox, WORLD_NAMES } from '../../src/sandbox/index.ts';
import { parseBicep } from '../checks/bicep-parse.ts';
import { problems, requestSchema } from '../checks/spec-body.ts';

const rgOf = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)![1]!;

async function factsOf(world: string): Promise<Facts> {
  const sb = await startSandbox({ world });
  try {
    const w = sb.world();
    const subscriptionId = w.subscriptions[0]!.subscriptionId;
    const link = connectToSandbox(sb, subscriptionId);
    const gateway = createAzureGateway({
      clients: createClients({ ...link, retry: { retryDelayInMs: 10, maxRetryDelayInMs: 50 } }),
      profile: link.profile,
      context: { subscriptionId, sandbox: true },
    });
    const apim = w.resources.find((r) => r.type === 'Microsoft.ApiManagement/service')!;
    // deleted-vault's target is soft-deleted (its fix is the recovery).
    const vault = w.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults') ?? w.deletedVaults![0]!.vault;
    const gathered = await gateway.gather({
      subscriptionId,
      apim: { resourceGroup: rgOf(apim.id), name: apim.name },
      vault: { name: vault.name, resourceGroup: rgOf(vault.id) },
    });
    return { ...gathered, temporaryChanges: [] };
  } finally {
    await sb.close();
  }
}

/** HCL keeps `$${` and `%%{` escaped in hcl2json's output; the value they stand for. */
const unescapeHcl = (v: unknown): unknown =>
  typeof v === 'string'
    ? v.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')
    : Array.isArray(v)
      ? v.map(unescapeHcl)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unescapeHcl(x)]))
        : v;

/** The change's body with its expressions in the form a language writes them. */
function withExpressions(change: TemplateChange, form: (e: { bicep: string; terraform: string }) => unknown): Record<string, unknown> {
  const body = structuredClone(change.body);
  for (const [path, e] of Object.entries(change.expressions ?? {})) {
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce<any>((o, k) => o[k], body);
    parent[keys.at(-1)!] = form(e.expression);
  }
  return body;
}

/** Every leaf of `sub` is the same in `whole` (the template body is the request's own subtree). */
function assertSubtree(sub: unknown, whole: unknown, where: string): void {
  if (sub && typeof sub === 'object' && !Array.isArray(sub)) {
    for (const [k, v] of Object.entries(sub)) assertSubtree(v, (whole as Record<string, unknown> | undefined)?.[k], `${where}.${k}`);
  } else assert.deepEqual(sub, whole, `${where}: the template's value is not the request's`);
}

const hclBlock = (v: unknown) => (Array.isArray(v) && v.length === 1 && v[0] && typeof v[0] === 'object' ? v[0] : v);

async function checkPlan(plan: FixPlan, label: string): Promise<void> {
  const tf = (await parseHcl(`${plan.id}.tf`, plan.templates!.terraform)) as {
    resource?: Record<string, Record<string, unknown[]>>;
    provider?: Record<string, unknown[]>;
  };
  const bicep = parseBicep(plan.templates!.bicep);
  for (const [i, op] of plan.operations.entries()) {
    const request = plan.preview[i]!;
    const change = templateForOperation(op, request);
    const at = `${label} ${op.kind}`;
    if (change.mode === 'action') continue;
    // The body is the request's own: same names, same values, nothing added.
    assertSubtree(
      withExpressions(change, () => '[redacted]'),
      request.body,
      at,
    );
    // And it is what Microsoft's spec of that request allows.
    const schema = requestSchema(request.method, request.path);
    assert.deepEqual(
      problems(
        schema,
        withExpressions(change, () => 'x'),
      ),
      [],
      `${at}: body against the REST spec`,
    );

    // A plan may write two resources of one type (the service endpoint fix adds VNet rules on several vaults): match by name too.
    const ofType = bicep.resources.filter((r) => !r.existing && r.type === `${change.type}@${change.apiVersion}`);
    const declared = ofType.length > 1 ? ofType.find((r) => r.body.name === change.id.split('/').pop()) : ofType[0];
    assert.ok(declared, `${at}: no Bicep resource of type ${change.type}@${change.apiVersion}`);
    const { name: _n, scope: _s, ...bicepBody } = declared.body;
    assert.deepEqual(
      bicepBody,
      withExpressions(change, (e) => ({ expression: e.bicep })),
      `${at}: Bicep body`,
    );

    if (change.azurerm?.resource === 'provider') {
      assert.ok(tf.provider?.azurerm, `${at}: no azurerm provider block`);
      continue;
    }
    if (change.azurerm) {
      const blocks = Object.values(tf.resource?.[change.azurerm.resource] ?? {}).map((b) => b[0] as Record<string, unknown>);
      assert.ok(blocks.length, `${at}: no ${change.azurerm.resource} in the Terraform`);
      const block = blocks.find((b) =>
        change.azurerm!.attributes.every((a) => {
          const want = attributeValue(change, a.from);
          const got = a.path.split('.').reduce<unknown>((o, k) => (hclBlock(o) as Record<string, unknown> | undefined)?.[k], b);
          return want === undefined
            ? got === undefined
            : JSON.stringify(unescapeHcl(got)) ===
                JSON.stringify(
                  'literal' in a.from && typeof want === 'object' && want && 'terraform' in want
                    ? `\${${(want as { terraform: string }).terraform}}`
                    : want,
                );
        }),
      );
      assert.ok(block, `${at}: ${change.azurerm.resource} attributes differ from the request (${JSON.stringify(blocks)})`);
      for (const a of change.azurerm.attributes)
        if ('body' in a.from)
          assert.notEqual(
            valueAt(request.body, a.from.body.split('.')[0]!),
            undefined,
            `${at}: ${a.path} names ${a.from.body}, which the request does not send`,
          );
    } else {
      const azapi = Object.values({ ...(tf.resource?.azapi_resource ?? {}), ...(tf.resource?.azapi_update_resource ?? {}) }).map(
        (b) => b[0] as { type: string; body: unknown },
      );
      const mine = azapi.find((b) => b.type === `${change.type}@${change.apiVersion}`);
      assert.ok(mine, `${at}: no azapi resource of type ${change.type}@${change.apiVersion}`);
      assert.deepEqual(
        unescapeHcl(mine.body),
        withExpressions(change, (e) => `\${${e.terraform}}`),
        `${at}: azapi body`,
      );
    }
  }
}

for (const world of WORLD_NAMES) {
  test(`templates: every fix of ${world} parses and matches its ARM request and the REST spec`, async () => {
    const plans = runChecks(await factsOf(world)).flatMap((f) => (f.fix ? [f.fix] : []));
    for (const plan of plans) await checkPlan(plan, `${world} ${plan.id}`);
  });
}

test('templates: one plan per operation kind (those no shipped world fixes included)', async () => {
  const facts = await factsOf('everything-broken');
  const apim = facts.apim.ok ? facts.apim.value : assert.fail('no APIM');
  const vault = facts.vault.ok ? facts.vault.value : assert.fail('no vault');
  const subnetId = apim.subnetId!;
  const nsgId = facts.nsg?.ok ? facts.nsg.value.id : assert.fail('no NSG');
  const ops: { [K in OperationKind]: Extract<Operation, { kind: K }> } = {
    'apim.enableSystemIdentity': { kind: 'apim.enableSystemIdentity', apimId: apim.id },
    'apim.setCustomProperty': {
      kind: 'apim.setCustomProperty',
      apimId: apim.id,
      key: 'Microsoft.WindowsAzure.ApiManagement.Gateway.ManagedIdentity.DisableOverPrivilegedAccess',
      value: 'True',
    },
    'apim.putKeyVaultCertificate': {
      kind: 'apim.putKeyVaultCertificate',
      apimId: apim.id,
      certificateId: 'client-cert',
      secretIdentifier: 'https://kv-contoso-certs.vault.localhost/secrets/client',
      identityClientId: '0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a',
    },
    'apim.uploadCertificate': {
      kind: 'apim.uploadCertificate',
      apimId: apim.id,
      certificateId: 'uploaded',
      pfx: new Secret('cGZ4'),
      password: new Secret('pw'),
    },
    'apim.refreshCertificate': { kind: 'apim.refreshCertificate', apimId: apim.id, certificateId: 'backend-client' },
    'apim.refreshNamedValue': { kind: 'apim.refreshNamedValue', apimId: apim.id, namedValueId: 'backend-key' },
    'apim.hostnameToSystemIdentity': {
      kind: 'apim.hostnameToSystemIdentity',
      apimId: apim.id,
      hostName: 'api.contoso.com',
      hostType: 'Proxy',
      keyVaultId: 'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client',
    },
    'apim.namedValueToSystemIdentity': {
      kind: 'apim.namedValueToSystemIdentity',
      apimId: apim.id,
      namedValueId: 'backend-key',
      secretIdentifier: 'https://kv-contoso-certs.vault.localhost/secrets/backend-key',
    },
    'vault.recover': { kind: 'vault.recover', vaultId: vault.id, location: 'westeurope' },
    'vault.addAccessPolicy': {
      kind: 'vault.addAccessPolicy',
      vaultId: vault.id,
      tenantId: vault.tenantId,
      objectId: '9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d',
      permissions: { secrets: ['get', 'list'] },
    },
    'vault.setBypass': { kind: 'vault.setBypass', vaultId: vault.id, bypass: 'AzureServices' },
    'vault.addIpRule': { kind: 'vault.addIpRule', vaultId: vault.id, value: '203.0.113.50/32', temporary: true },
    'vault.removeIpRule': { kind: 'vault.removeIpRule', vaultId: vault.id, value: '198.51.100.0/24' },
    'vault.addVirtualNetworkRule': { kind: 'vault.addVirtualNetworkRule', vaultId: vault.id, subnetId },
    'roleAssignment.create': {
      kind: 'roleAssignment.create',
      scope: vault.id,
      name: '3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d',
      roleDefinitionId: `/subscriptions/${facts.context.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
      principalId: '9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d',
      principalType: 'ServicePrincipal',
      description: "it's ${not} interpolated \u001b[31m red \u202e",
    },
    'subnet.addServiceEndpoint': { kind: 'subnet.addServiceEndpoint', subnetId, service: 'Microsoft.KeyVault' },
    'nsg.putRule': {
      kind: 'nsg.putRule',
      nsgId,
      ruleName: 'Allow-AzureKeyVault-443-Out',
      rule: {
        priority: 3999,
        direction: 'Outbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: 'VirtualNetwork',
        sourcePortRange: '*',
        destinationAddressPrefix: 'AzureKeyVault',
        destinationPortRange: '443',
        description: "quote ' and %{ and ${x}",
      },
    },
  };
  for (const op of Object.values(ops)) {
    const plan = makePlan('TEST', facts, { title: op.kind, operations: [op] });
    await checkPlan(plan, 'kind');
    // Secrets never reach a template: the .pfx and its password are a file and a parameter.
    assert.doesNotMatch(`${plan.templates!.bicep}\n${plan.templates!.terraform}`, /cGZ4|\bpw\b/);
    // Remote text with controls or bidi overrides is written as escapes, never raw (it still reads back the same).
    assert.doesNotMatch(`${plan.templates!.bicep}\n${plan.templates!.terraform}`, /[\u001b\u202e]/);
  }
});

test('templates: a misspelled property is caught against the spec, and a broken snippet does not parse', async () => {
  const schema = requestSchema('PATCH', '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v?api-version=2026-02-01');
  assert.deepEqual(problems(schema, { properties: { networkAcls: { bypass: 'AzureServices' } } }), []);
  assert.match(problems(schema, { properties: { networkAcl: {} } })[0]!, /\$\.properties\.networkAcl: no such property/);
  assert.match(problems(schema, { properties: { networkAcls: { ipRules: 'x' } } })[0]!, /expected an array/);
  assert.throws(() => parseBicep("resource x 'T@1' = {\n  name: 'a\n}"), SyntaxError);
  await assert.rejects(parseHcl('x.tf', 'resource "a" "b" {\n  c = \n}'));
});

// The azurerm attribute names and value shapes, stated independently of the mapping that renders them:
// https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/subnet (service_endpoints: service names),
// .../key_vault (network_acls: bypass, default_action, ip_rules, virtual_network_subnet_ids),
// .../network_security_rule, .../role_assignment, .../api_management (identity block).
test('templates: azurerm attributes on the everything-broken world say what the azurerm docs expect', async () => {
  const facts = await factsOf('everything-broken');
  const fixes = new Map(runChecks(facts).flatMap((f) => (f.fix ? [[f.checkId, f.fix] as const] : [])));
  const tf = async (checkId: string) =>
    (await parseHcl('x.tf', fixes.get(checkId)!.templates!.terraform)) as {
      resource: Record<string, Record<string, Record<string, unknown>[]>>;
    };
  const one = (r: Record<string, Record<string, unknown>[]>) => Object.values(r)[0]![0]!;
  const se = await tf('VNET-SE');
  assert.deepEqual(one(se.resource.azurerm_subnet!).service_endpoints, ['Microsoft.Storage', 'Microsoft.KeyVault']);
  assert.deepEqual(one(se.resource.azurerm_key_vault!).network_acls, [
    {
      bypass: 'None',
      default_action: 'Deny',
      ip_rules: ['198.51.100.0/24'],
      virtual_network_subnet_ids: [facts.apim.ok ? facts.apim.value.subnetId : ''],
    },
  ]);
  const nsg = one((await tf('VNET-NSG-KV')).resource.azurerm_network_security_rule!);
  assert.deepEqual(
    [
      nsg.network_security_group_name,
      nsg.priority,
      nsg.direction,
      nsg.access,
      nsg.protocol,
      nsg.destination_address_prefix,
      nsg.destination_port_range,
    ],
    ['nsg-apim', 3999, 'Outbound', 'Allow', 'Tcp', 'AzureKeyVault', '443'],
  );
  assert.deepEqual(one((await tf('PRE-MI')).resource.azurerm_api_management!).identity, [{ type: 'SystemAssigned' }]);
  assert.deepEqual(
    Object.keys((await tf('FW-RETIRE')).resource),
    ['azapi_update_resource'],
    'azurerm does not model customProperties: azapi',
  );
});
