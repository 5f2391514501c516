// The gateway with the REAL SDK clients against the sandbox: gather on every shipped world, every
// operation kind applied and checked in the world afterwards, idempotence, faults.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import forge from 'node-forge';
import { createClients } from '../../src/azure/clients.ts';
import { createAzureGateway } from '../../src/azure/gateway.ts';
import { connectToSandbox } from '../../src/azure/sandbox-connection.ts';
import { runChecks } from '../../src/checks/index.ts';
import { Secret } from '../../src/checks/secret.ts';
import type { Operation } from '../../src/checks/types.ts';
import type { Gateway, GatewayEvent, Target } from '../../src/checks/ports.ts';
import { loadWorld, startSandbox, WORLD_NAMES, type Sandbox, type World } from '../../src/sandbox/index.ts';
import { checkWhoAmI } from '../../src/checks/context.ts';

interface Res {
  id: string;
  name: string;
  type: string;
  properties?: Record<string, unknown> & {
    networkAcls?: { bypass?: string; ipRules?: { value: string }[]; virtualNetworkRules?: { id: string }[] };
    accessPolicies?: { objectId: string; permissions: { secrets?: string[] } }[];
    customProperties?: Record<string, string>;
    serviceEndpoints?: { service: string }[];
  };
  identity?: { type?: string; principalId?: string };
}

const rgOf = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)![1]!;
const find = (w: World, type: RegExp, name?: string) =>
  (w.resources as unknown as Res[]).find((r) => type.test(r.type) && (!name || r.name.toLowerCase() === name.toLowerCase()));
const APIM = /^Microsoft\.ApiManagement\/service$/i;
const VAULT = /^Microsoft\.KeyVault\/vaults$/i;
const SUBNET = /^Microsoft\.Network\/virtualNetworks\/subnets$/i;
const NSG = /^Microsoft\.Network\/networkSecurityGroups$/i;
const RULE = /^Microsoft\.Network\/networkSecurityGroups\/securityRules$/i;
const CERT = /^Microsoft\.ApiManagement\/service\/certificates$/i;
const ROLE_ASSIGNMENT = /^Microsoft\.Authorization\/roleAssignments$/i;

interface Rig {
  sb: Sandbox;
  gateway: Gateway;
  target: Target;
  events: GatewayEvent[];
  subscriptionId: string;
  apim: Res;
  vault: Res;
}

async function rig(world: string | World, options: { beforeWrite?: (op: Operation) => Promise<void> } = {}): Promise<Rig> {
  const sb = await startSandbox({ world });
  const w = sb.world();
  const subscriptionId = w.subscriptions[0]!.subscriptionId;
  const link = connectToSandbox(sb, subscriptionId);
  const events: GatewayEvent[] = [];
  const clients = createClients({
    ...link,
    retry: { retryDelayInMs: 10, maxRetryDelayInMs: 50 },
    lroIntervalMs: 10,
    onEvent: (e) => events.push(e),
  });
  const gateway = createAzureGateway({
    clients,
    profile: link.profile,
    context: { subscriptionId, sandbox: true },
    beforeWrite: options.beforeWrite,
  });
  const apim = find(w, APIM)!;
  // A world may have no live vault (deleted-vault; the recovery test deletes it): the target is then the deleted one.
  const vault = find(w, VAULT) ?? w.deletedVaults?.[0]?.vault ?? { id: '', name: 'no-vault', type: '' };
  const target: Target = {
    subscriptionId,
    apim: { resourceGroup: rgOf(apim.id), name: apim.name },
    vault: { name: vault.name, resourceGroup: vault.id ? rgOf(vault.id) : undefined },
  };
  return { sb, gateway, target, events, subscriptionId, apim, vault };
}

/** Requests that change something (the data plane's 401 challenges are not writes). */
function writes(sb: Sandbox, sinceSeq = 0) {
  return sb
    .requests()
    .filter((r) => r.seq > sinceSeq && ['PUT', 'PATCH', 'POST', 'DELETE'].includes(r.method) && !/resourcegraph/i.test(r.path));
}

function lastSeq(sb: Sandbox): number {
  return sb.requests().at(-1)?.seq ?? 0;
}

describe('gather on the everything-broken world', () => {
  let r: Rig;
  before(async () => {
    r = await rig('everything-broken');
  });
  after(() => r.sb.close());

  test('reads every fact, each resource once', async () => {
    const w = r.sb.world();
    const facts = await r.gateway.gather(r.target);
    assert.equal(facts.context.operator.objectId, w.operator.principalId);
    assert.equal(facts.context.sandbox, true);
    assert.equal(facts.context.kvDnsSuffix, '.vault.localhost');
    assert.ok(facts.apim.ok);
    assert.deepEqual(
      [facts.apim.value.name, facts.apim.value.sku, facts.apim.value.virtualNetworkType, facts.apim.value.identity.type],
      ['apim-contoso-dev', 'Developer', 'External', 'None'],
    );
    assert.equal(facts.apim.from?.apiVersion, '2024-05-01');
    assert.ok(facts.vault.ok);
    assert.deepEqual(
      [
        facts.vault.value.name,
        facts.vault.value.enableRbacAuthorization,
        facts.vault.value.networkAcls.defaultAction,
        facts.vault.value.networkAcls.bypass,
        facts.vault.value.networkAcls.ipRules,
      ],
      ['kv-contoso-certs', true, 'Deny', 'None', ['198.51.100.0/24']],
    );
    // No APIM identity yet: nothing to look up for it.
    assert.deepEqual(facts.vaultRoleAssignments.ok && facts.vaultRoleAssignments.value, []);
    assert.ok(facts.subnet?.ok);
    assert.deepEqual(
      facts.subnet.value.serviceEndpoints.map((e) => e.service),
      ['Microsoft.Storage'],
    );
    assert.ok(facts.nsg?.ok);
    const deny = facts.nsg.value.rules.find((x) => x.priority === 4000);
    assert.deepEqual(
      [deny?.access, deny?.direction, deny?.destinationAddressPrefixes, deny?.isDefault],
      ['Deny', 'Outbound', ['Internet'], false],
    );
    assert.equal(facts.nsg.value.rules.filter((x) => x.isDefault).length >= 3, true);
    assert.deepEqual(facts.operatorDataPlane, {
      ok: true,
      value: {
        status: 'firewall',
        clientAddress: w.operator.publicIp,
        message: (facts.operatorDataPlane as { value: { message: string } }).value.message,
      },
      from: facts.operatorDataPlane.from,
    });
    assert.ok(facts.apimCertificates.ok);
    const backend = facts.apimCertificates.value.find((c) => c.name === 'backend-client');
    assert.match(backend?.keyVault?.secretIdentifier ?? '', /\/secrets\/[^/]+\/[^/]+$/);
    assert.notEqual(backend?.keyVault?.lastStatus?.code, 'Success');
    assert.ok(facts.operatorPermissions.vault.ok && facts.operatorPermissions.vault.value.length > 0);
    assert.ok(facts.operatorPermissions.apim.ok);
    assert.ok(facts.operatorPermissions.subnet?.ok);
    assert.ok(facts.operatorPermissions.nsg?.ok);
    assert.deepEqual(facts.privateEndpoints, { ok: true, value: [], from: facts.privateEndpoints?.from });

    // Never the same ARM resource twice in one pass.
    const armGets = r.sb
      .requests()
      .filter((x) => x.method === 'GET' && !/vault\.localhost/.test(x.host))
      .map((x) => `${x.path}?${x.query}`.toLowerCase());
    assert.deepEqual(
      armGets.filter((p, i) => armGets.indexOf(p) !== i),
      [],
    );
  });

  test('a vault whose resource group is unknown is found through Resource Graph', async () => {
    const facts = await r.gateway.gather({ ...r.target, vault: { name: r.vault.name } });
    assert.ok(facts.vault.ok);
    assert.equal(facts.vault.value.id.toLowerCase(), r.vault.id.toLowerCase());
    assert.equal(
      r.sb.requests().some((x) => x.method === 'POST' && /Microsoft\.ResourceGraph\/resources$/i.test(x.path)),
      true,
    );
  });

  test('a vault that does not exist: NotFound, dependents unknown, the rest carries on', async () => {
    const facts = await r.gateway.gather({
      ...r.target,
      vault: { name: 'kv-does-not-exist', resourceGroup: r.target.vault.resourceGroup },
    });
    assert.deepEqual([facts.vault.ok, !facts.vault.ok && facts.vault.unknown], [false, 'NotFound']);
    // The operator is Owner on the resource groups only: the subscription-level deleted-vault read is refused.
    assert.deepEqual(facts.deletedVault && !facts.deletedVault.ok && [facts.deletedVault.unknown, facts.deletedVault.missingAction], [
      'Forbidden',
      'Microsoft.KeyVault/locations/deletedVaults/read',
    ]);
    assert.equal(facts.vaultRoleAssignments.ok, false);
    assert.equal(facts.apim.ok, true);
  });

  test('429 then success emits throttled and the read succeeds', async () => {
    r.events.length = 0;
    r.sb.addFault({
      match: { method: 'GET', path: 'Microsoft\\.ApiManagement/service/[^/]+$', times: 1 },
      respond: {
        status: 429,
        headers: { 'x-ms-retry-after-ms': '20', 'Retry-After': '1' },
        body: { error: { code: 'TooManyRequests', message: 'Too many requests' } },
      },
    });
    const events: GatewayEvent[] = [];
    const facts = await r.gateway.gather(r.target, { onEvent: (e) => events.push(e) });
    r.sb.clearFaults();
    assert.equal(facts.apim.ok, true);
    const throttled = events.filter((e) => e.type === 'throttled');
    assert.deepEqual(
      throttled.map((e) => e.type === 'throttled' && [e.status, e.retryInMs]),
      [[429, 20]],
    );
    assert.equal(
      events.some((e) => e.type === 'retry' && e.attempt === 2),
      true,
    );
  });

  test('a refused read becomes Forbidden with the missing action and the rest carries on', async () => {
    const nsg = find(r.sb.world(), NSG)!;
    const message = `The client 'sre@contoso.com' with object id 'x' does not have authorization to perform action 'Microsoft.Network/networkSecurityGroups/read' over scope '${nsg.id}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;
    r.sb.addFault({
      match: { method: 'GET', path: 'Microsoft\\.Network/networkSecurityGroups/[^/]+$' },
      respond: { status: 403, body: { error: { code: 'AuthorizationFailed', message } } },
    });
    const facts = await r.gateway.gather(r.target);
    r.sb.clearFaults();
    assert.deepEqual(facts.nsg && !facts.nsg.ok && [facts.nsg.unknown, facts.nsg.missingAction], [
      'Forbidden',
      'Microsoft.Network/networkSecurityGroups/read',
    ]);
    assert.equal(facts.subnet?.ok, true);
    assert.equal(facts.vault.ok, true);
  });
});

// The operator is named from the ARM token's claims, never the token: a user's user name and name, a service
// principal's app display name and app id (access-token-claims-reference, optional-claims-reference).
describe('the operator by name', () => {
  test("a user's upn and name; a service principal's app display name and app id", async () => {
    const user = loadWorld('healthy');
    user.operator = { ...user.operator, upn: 'alice@contoso.com', name: 'Alice Smith' };
    const u = await rig(user);
    try {
      const facts = await u.gateway.gather(u.target);
      assert.deepEqual(facts.context.operator, {
        objectId: user.operator.principalId,
        kind: 'user',
        displayName: 'alice@contoso.com',
        name: 'Alice Smith',
      });
      assert.equal(
        checkWhoAmI({ ...facts, temporaryChanges: [] }).evidence?.[0],
        `operator: alice@contoso.com, Alice Smith (object id ${user.operator.principalId})`,
      );
    } finally {
      u.sb.close();
    }
    const sp = loadWorld('healthy');
    sp.operator = {
      principalId: sp.operator.principalId,
      servicePrincipal: { appId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', displayName: 'deploy-bot' },
    };
    const s = await rig(sp);
    try {
      const facts = await s.gateway.gather(s.target);
      assert.deepEqual(facts.context.operator, {
        objectId: sp.operator.principalId,
        kind: 'servicePrincipal',
        displayName: 'deploy-bot',
        appId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
      });
      const whoami = checkWhoAmI({ ...facts, temporaryChanges: [] });
      assert.equal(whoami.cause, 'Signed in as service principal deploy-bot.');
      assert.equal(
        whoami.evidence?.[0],
        `operator: service principal deploy-bot (app id 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9, object id ${sp.operator.principalId})`,
      );
    } finally {
      s.sb.close();
    }
  });
});

describe('gather on every shipped world', () => {
  for (const name of WORLD_NAMES) {
    test(name, async () => {
      const r = await rig(name);
      try {
        const facts = await r.gateway.gather(r.target);
        if (name === 'deleted-vault') {
          // The target vault is soft-deleted: not found, and found among the deleted vaults with its purge date.
          assert.equal(!facts.vault.ok && facts.vault.unknown, 'NotFound');
          assert.deepEqual(facts.deletedVault?.ok && facts.deletedVault.value, {
            id: r.vault.id,
            name: 'kv-contoso-certs',
            location: 'westeurope',
            deletionDate: '2026-11-30T16:20:00.000Z',
            scheduledPurgeDate: '2027-02-28T16:20:00.000Z',
            purgeProtectionEnabled: true,
          });
          return;
        }
        assert.equal(facts.apim.ok, true, 'apim');
        assert.equal(facts.vault.ok, true, 'vault');
        assert.equal(facts.apimCertificates.ok, true, 'apim certificates');
        if (!facts.apim.ok || !facts.vault.ok) return;
        const apim = facts.apim.value;
        const vault = facts.vault.value;
        if (name === 'healthy') {
          assert.deepEqual(facts.operatorDataPlane.ok && facts.operatorDataPlane.value, {
            status: 'ok',
            canListSecrets: true,
            canListCertificates: true,
          });
          assert.match(apim.identity.type, /SystemAssigned/);
          assert.equal(facts.vaultRoleAssignments.ok && facts.vaultRoleAssignments.value.length > 0, true);
          const guid = facts.vaultRoleAssignments.ok
            ? facts.vaultRoleAssignments.value[0]!.roleDefinitionId.split('/').pop()!.toLowerCase()
            : '';
          assert.equal(typeof facts.roleDefinitions[guid]?.roleName, 'string');
        }
        if (name === 'access-policy-vault') assert.equal(vault.enableRbacAuthorization, false);
        if (name === 'uai-behind-firewall') {
          assert.equal(apim.identity.userAssigned.length > 0, true);
          assert.equal(vault.networkAcls.defaultAction, 'Deny');
        }
        if (name === 'private-endpoint') {
          assert.equal(facts.privateEndpoints?.ok && facts.privateEndpoints.value.length > 0, true);
          assert.equal(facts.privateEndpoints?.ok && facts.privateEndpoints.value[0]!.privateDnsZoneIds.length > 0, true);
        }
        if (name === 'internal-vnet') assert.equal(apim.virtualNetworkType, 'Internal');
        if (name === 'v2-tier') assert.equal(apim.sku, 'StandardV2');
        if (name === 'consumption-tier') {
          assert.equal(apim.sku, 'Consumption');
          assert.equal(facts.subnet, undefined);
        }
      } finally {
        await r.sb.close();
      }
    });
  }
});

describe('apply every operation kind on the everything-broken world', () => {
  let r: Rig;
  let w: World;
  before(async () => {
    r = await rig('everything-broken');
    w = r.sb.world();
  });
  after(() => r.sb.close());

  /** Apply, check the outcome, then apply again: 'already', and no write on the wire. */
  async function applyTwice(op: Operation) {
    const first = await r.gateway.apply(op);
    assert.equal(first.outcome, 'applied', `${op.kind}: ${first.message}`);
    assert.deepEqual([first.verified, first.lost], [true, []], `${op.kind}: ${first.message}`);
    const seq = lastSeq(r.sb);
    const second = await r.gateway.apply(op);
    assert.equal(second.outcome, 'already', `${op.kind} again: ${second.message}`);
    assert.deepEqual(writes(r.sb, seq), [], `${op.kind} again sent a write`);
    return first;
  }

  test('apim.enableSystemIdentity creates the system identity', async () => {
    r.events.length = 0;
    await applyTwice({ kind: 'apim.enableSystemIdentity', apimId: r.apim.id });
    // The PATCH is a long-running operation: its status polls are reported (this sandbox finishes operations at once).
    assert.deepEqual(
      r.events.filter((e) => e.type === 'lro').map((e) => e.type === 'lro' && e.status),
      ['Succeeded'],
    );
    const apim = find(r.sb.world(), APIM)!;
    assert.match(apim.identity?.type ?? '', /SystemAssigned/);
    assert.equal(apim.identity?.principalId, w.apimSystemIdentities?.[r.apim.id] ?? apim.identity?.principalId);
  });

  test('apim.setCustomProperty keeps the other custom properties', async () => {
    const key = 'Microsoft.WindowsAzure.ApiManagement.Gateway.ManagedIdentity.DisableOverPrivilegedAccess';
    const beforeProps = { ...(find(r.sb.world(), APIM)!.properties?.customProperties ?? {}) };
    await applyTwice({ kind: 'apim.setCustomProperty', apimId: r.apim.id, key, value: 'True' });
    assert.deepEqual(find(r.sb.world(), APIM)!.properties?.customProperties, { ...beforeProps, [key]: 'True' });
  });

  test("vault.setBypass, addIpRule and removeIpRule keep someone else's rule", async () => {
    await applyTwice({ kind: 'vault.setBypass', vaultId: r.vault.id, bypass: 'AzureServices' });
    await applyTwice({ kind: 'vault.addIpRule', vaultId: r.vault.id, value: `${w.operator.publicIp}/32`, temporary: true });
    let acls = find(r.sb.world(), VAULT)!.properties!.networkAcls!;
    assert.equal(acls.bypass, 'AzureServices');
    assert.deepEqual(acls.ipRules!.map((x) => x.value).sort(), ['198.51.100.0/24', `${w.operator.publicIp}/32`].sort());
    await applyTwice({ kind: 'vault.removeIpRule', vaultId: r.vault.id, value: `${w.operator.publicIp}/32` });
    acls = find(r.sb.world(), VAULT)!.properties!.networkAcls!;
    assert.deepEqual(
      acls.ipRules!.map((x) => x.value),
      ['198.51.100.0/24'],
    );
  });

  test('subnet.addServiceEndpoint keeps the Storage endpoint; then vault.addVirtualNetworkRule', async () => {
    const subnet = find(r.sb.world(), SUBNET)!;
    await applyTwice({ kind: 'subnet.addServiceEndpoint', subnetId: subnet.id, service: 'Microsoft.KeyVault' });
    const after1 = find(r.sb.world(), SUBNET)!;
    assert.deepEqual(after1.properties!.serviceEndpoints!.map((e) => e.service).sort(), ['Microsoft.KeyVault', 'Microsoft.Storage']);
    assert.deepEqual(
      after1.properties!.addressPrefix ?? after1.properties!.addressPrefixes,
      subnet.properties!.addressPrefix ?? subnet.properties!.addressPrefixes,
    );
    assert.deepEqual(after1.properties!.networkSecurityGroup, subnet.properties!.networkSecurityGroup);
    await applyTwice({ kind: 'vault.addVirtualNetworkRule', vaultId: r.vault.id, subnetId: subnet.id });
    const acls = find(r.sb.world(), VAULT)!.properties!.networkAcls!;
    assert.deepEqual(
      acls.virtualNetworkRules!.map((x) => x.id.toLowerCase()),
      [subnet.id.toLowerCase()],
    );
    assert.deepEqual(
      acls.ipRules!.map((x) => x.value),
      ['198.51.100.0/24'],
    );
  });

  test('nsg.putRule adds the rule and keeps the existing ones', async () => {
    const nsg = find(r.sb.world(), NSG)!;
    const rulesBefore = (r.sb.world().resources as unknown as Res[]).filter((x) => RULE.test(x.type)).map((x) => x.name);
    await applyTwice({
      kind: 'nsg.putRule',
      nsgId: nsg.id,
      ruleName: 'Allow-AzureKeyVault-443-Out',
      rule: {
        priority: 3900,
        direction: 'Outbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: 'VirtualNetwork',
        sourcePortRange: '*',
        destinationAddressPrefix: 'AzureKeyVault',
        destinationPortRange: '443',
        description: 'APIM to Key Vault (apimkv)',
      },
    });
    const rulesAfter = (r.sb.world().resources as unknown as Res[]).filter((x) => RULE.test(x.type)).map((x) => x.name);
    assert.deepEqual(rulesAfter.sort(), [...rulesBefore, 'Allow-AzureKeyVault-443-Out'].sort());
  });

  test('roleAssignment.create grants the role; a second run is already without a PUT', async () => {
    const principalId = find(r.sb.world(), APIM)!.identity!.principalId!;
    const name = '6f0c2b1e-8a51-5d8e-9b6a-0f1f4a1c2d3e';
    await applyTwice({
      kind: 'roleAssignment.create',
      scope: r.vault.id,
      name,
      roleDefinitionId: `/subscriptions/${r.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/db79e9a7-68ee-4b58-9aeb-b90e7c24fcba`,
      principalId,
      principalType: 'ServicePrincipal',
    });
    const ra = (r.sb.world().resources as unknown as Res[]).find((x) => ROLE_ASSIGNMENT.test(x.type) && x.name === name);
    assert.equal((ra?.properties as { principalId?: string } | undefined)?.principalId, principalId);
    // The same grant under another name: ARM answers 409 RoleAssignmentExists, which is 'already'.
    const again = await r.gateway.apply({
      kind: 'roleAssignment.create',
      scope: r.vault.id,
      name: '7a1d3c2f-9b62-5e9f-8c7b-1a2b3c4d5e6f',
      roleDefinitionId: `/subscriptions/${r.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/db79e9a7-68ee-4b58-9aeb-b90e7c24fcba`,
      principalId,
      principalType: 'ServicePrincipal',
    });
    assert.equal(again.outcome, 'already');
  });

  test('a 403 on a write is Forbidden with the missing action', async () => {
    const message = `The client 'sre@contoso.com' with object id 'x' does not have authorization to perform action 'Microsoft.KeyVault/vaults/write' over scope '${r.vault.id}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;
    r.sb.addFault({
      match: { method: 'PATCH', path: 'Microsoft\\.KeyVault/vaults/[^/]+$' },
      respond: { status: 403, body: { error: { code: 'AuthorizationFailed', message } } },
    });
    const result = await r.gateway.apply({ kind: 'vault.addIpRule', vaultId: r.vault.id, value: '192.0.2.7/32' });
    r.sb.clearFaults();
    assert.deepEqual(
      [result.outcome, result.error?.kind, result.error?.missingAction],
      ['failed', 'Forbidden', 'Microsoft.KeyVault/vaults/write'],
    );
  });

  test('apim.refreshCertificate reports the Key Vault status', async () => {
    const cert = find(r.sb.world(), CERT, 'backend-client')!;
    const result = await r.gateway.apply({ kind: 'apim.refreshCertificate', apimId: r.apim.id, certificateId: cert.name });
    assert.equal(result.outcome, 'applied');
    assert.equal(typeof (result.after as { keyVault?: { lastStatus?: { code?: string } } }).keyVault?.lastStatus?.code, 'string');
  });
});

describe('certificates on the healthy world', () => {
  let r: Rig;
  before(async () => {
    r = await rig('healthy');
  });
  after(() => r.sb.close());

  test('apim.putKeyVaultCertificate adds a certificate APIM can fetch; a second run is already', async () => {
    const facts = await r.gateway.gather(r.target);
    assert.ok(facts.vault.ok);
    const list = await r.gateway.listVaultCertificates(facts.vault.value.vaultUri);
    assert.ok(list.ok);
    const pick = list.value.find(
      (c) => c.enabled && c.contentType === 'application/x-pkcs12' && (!c.expiresOn || c.expiresOn > new Date().toISOString()),
    )!;
    assert.ok(pick, 'the healthy world has a usable certificate');
    const op: Operation = {
      kind: 'apim.putKeyVaultCertificate',
      apimId: facts.apim.ok ? facts.apim.value.id : '',
      certificateId: 'apimkv-test-cert',
      secretIdentifier: pick.secretId,
    };
    const first = await r.gateway.apply(op);
    assert.deepEqual([first.outcome, first.verified], ['applied', true], first.message);
    const seq = lastSeq(r.sb);
    assert.equal((await r.gateway.apply(op)).outcome, 'already');
    assert.deepEqual(writes(r.sb, seq), []);
    const read = await r.gateway.getApimCertificate(op.apimId, 'apimkv-test-cert');
    assert.deepEqual(read.ok && [read.value.keyVault?.secretIdentifier, read.value.keyVault?.lastStatus?.code], [pick.secretId, 'Success']);
  });

  test('a stale If-Match from the plan is refused (412), not silently overwritten', async () => {
    const apimId = find(r.sb.world(), APIM)!.id;
    const result = await r.gateway.apply({
      kind: 'apim.putKeyVaultCertificate',
      apimId,
      certificateId: 'apimkv-test-cert',
      secretIdentifier: 'https://elsewhere.vault.localhost/secrets/x',
      ifMatch: '"stale"',
    });
    assert.deepEqual([result.outcome, result.error?.kind], ['failed', 'PreconditionFailed']);
  });

  test('apim.uploadCertificate sends the .pfx and never logs it', async () => {
    const keys = forge.pki.rsa.generateKeyPair(1024);
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date(Date.now() - 86_400_000);
    cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
    cert.setSubject([{ name: 'commonName', value: 'upload.apimkv.test' }]);
    cert.setIssuer([{ name: 'commonName', value: 'upload.apimkv.test' }]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], 'pfx-pass-123', { algorithm: '3des' });
    const base64 = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary').toString('base64');
    const apimId = find(r.sb.world(), APIM)!.id;
    const result = await r.gateway.apply({
      kind: 'apim.uploadCertificate',
      apimId,
      certificateId: 'uploaded',
      pfx: new Secret(base64, 'pfx'),
      password: new Secret('pfx-pass-123', 'password'),
    });
    assert.deepEqual([result.outcome, result.verified], ['applied', true], result.message);
    assert.equal(JSON.stringify(result).includes('pfx-pass-123'), false);
    assert.equal(JSON.stringify(r.sb.requests()).includes('pfx-pass-123'), false);
    assert.equal(JSON.stringify(r.events).includes('pfx-pass-123'), false);
  });
});

describe('access policies and recovery', () => {
  test('vault.addAccessPolicy on the access-policy world keeps the other policies', async () => {
    const r = await rig('access-policy-vault');
    try {
      const before = find(r.sb.world(), VAULT)!.properties!.accessPolicies ?? [];
      const op: Operation = {
        kind: 'vault.addAccessPolicy',
        vaultId: r.vault.id,
        tenantId: r.sb.tenantId,
        objectId: '0b5f2c4e-1111-4222-8333-944455556666',
        permissions: { secrets: ['get', 'list'], certificates: ['get', 'list'] },
      };
      const first = await r.gateway.apply(op);
      assert.deepEqual([first.outcome, first.verified, first.lost], ['applied', true, []], first.message);
      const seq = lastSeq(r.sb);
      assert.equal((await r.gateway.apply(op)).outcome, 'already');
      assert.deepEqual(writes(r.sb, seq), []);
      const after = find(r.sb.world(), VAULT)!.properties!.accessPolicies!;
      assert.deepEqual(after.map((p) => p.objectId).sort(), [...before.map((p) => p.objectId), op.objectId].sort());
    } finally {
      await r.sb.close();
    }
  });

  test('vault.recover brings a soft-deleted vault back', async () => {
    const base = await startSandbox({ world: 'healthy' });
    const world = base.world();
    await base.close();
    const vault = find(world, VAULT)!;
    world.resources = world.resources.filter((x) => (x as unknown as Res).id !== vault.id);
    world.deletedVaults = [
      {
        id: `/subscriptions/${world.subscriptions[0]!.subscriptionId}/providers/Microsoft.KeyVault/locations/${(vault as unknown as { location: string }).location}/deletedVaults/${vault.name}`,
        name: vault.name,
        type: 'Microsoft.KeyVault/deletedVaults',
        properties: {
          vaultId: vault.id,
          location: (vault as unknown as { location: string }).location,
          deletionDate: '2026-11-20T00:00:00Z',
          scheduledPurgeDate: '2027-02-18T00:00:00Z',
        },
        vault: vault as never,
      },
    ];
    // Reading deleted vaults is a subscription-level action: make the operator Owner of the subscription.
    const sub = `/subscriptions/${world.subscriptions[0]!.subscriptionId}`;
    const ownerGuid = '3c1e5a7b-2d4f-4a6b-9c8d-7e6f5a4b3c2d';
    world.resources.push({
      id: `${sub}/providers/Microsoft.Authorization/roleAssignments/${ownerGuid}`,
      name: ownerGuid,
      type: 'Microsoft.Authorization/roleAssignments',
      properties: {
        roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443f-a75c-2fe8c4bcb635`,
        principalId: world.operator.principalId,
        principalType: 'User',
        scope: sub,
      },
    } as never);
    const r = await rig(world);
    try {
      const facts = await r.gateway.gather({ ...r.target, vault: { name: vault.name, resourceGroup: rgOf(vault.id) } });
      assert.equal(!facts.vault.ok && facts.vault.unknown, 'NotFound');
      assert.equal(facts.deletedVault?.ok && facts.deletedVault.value?.name, vault.name);
      const op: Operation = { kind: 'vault.recover', vaultId: vault.id, location: (vault as unknown as { location: string }).location };
      const first = await r.gateway.apply(op);
      assert.deepEqual([first.outcome, first.verified], ['applied', true], first.message);
      assert.equal((await r.gateway.apply(op)).outcome, 'already');
      assert.ok(find(r.sb.world(), VAULT));
    } finally {
      await r.sb.close();
    }
  });
});

describe('the certificate picker', () => {
  test('listVaultCertificates pages through hundreds of certificates with content types', async () => {
    const base = await startSandbox({ world: 'healthy' });
    const world = base.world();
    await base.close();
    const vaultName = find(world, VAULT)!.name;
    const certificates = world.vaultData![vaultName]!.certificates!;
    const existing = Object.keys(certificates).length;
    for (let i = 0; i < 600; i++) {
      certificates[`bulk-${String(i).padStart(4, '0')}`] = {
        versions: [
          {
            version: `v${i}`,
            enabled: i % 7 !== 0,
            created: '2026-01-01T00:00:00Z',
            expires: '2027-06-01T00:00:00Z',
            contentType: i % 2 ? 'application/x-pem-file' : 'application/x-pkcs12',
            exportable: true,
            subject: `CN=bulk-${i}`,
          },
        ],
      } as never;
    }
    const r = await rig(world);
    try {
      const facts = await r.gateway.gather(r.target);
      assert.ok(facts.vault.ok);
      const list = await r.gateway.listVaultCertificates(facts.vault.value.vaultUri);
      assert.ok(list.ok);
      assert.equal(list.value.length, existing + 600);
      const b7 = list.value.find((c) => c.name === 'bulk-0007')!;
      assert.deepEqual(b7, {
        name: 'bulk-0007',
        secretId: `https://${vaultName}.vault.localhost/secrets/bulk-0007`,
        enabled: false,
        expiresOn: '2027-06-01T00:00:00.000Z',
        contentType: 'application/x-pem-file',
      });
      const pages = r.sb
        .requests()
        .filter(
          (x) => x.method === 'GET' && /vault\.localhost/.test(x.host) && /^\/certificates\/?$/.test(x.path) && x.status === 200,
        ).length;
      assert.equal(pages > 1, true, 'more than one page');
    } finally {
      await r.sb.close();
    }
  });
});

// Workspaces: read on the tiers that offer them (https://learn.microsoft.com/azure/api-management/workspaces-overview),
// none where the service says it has none (400 MethodNotAllowedInPricingTier, 404), a refusal named like other reads.
describe('gather: workspaces', () => {
  const WORKSPACES = 'Microsoft\\.ApiManagement/service/[^/]+/workspaces$';

  test('the workspaces world: both workspaces, by name and display name', async () => {
    const r = await rig('workspaces');
    try {
      const facts = await r.gateway.gather(r.target);
      assert.deepEqual(facts.workspaces?.ok && facts.workspaces.value.map((w) => [w.name, w.displayName]), [
        ['partner-apis', 'Partner APIs'],
        ['payments-team', 'Payments team'],
      ]);
      assert.equal(facts.workspaces?.from?.apiVersion, '2024-05-01');
    } finally {
      await r.sb.close();
    }
  });

  test('a Developer instance: not read at all (no request), no fact', async () => {
    const r = await rig('healthy');
    try {
      const facts = await r.gateway.gather(r.target);
      assert.equal(facts.workspaces, undefined);
      assert.equal(
        r.sb.requests().some((x) => /\/workspaces$/i.test(x.path)),
        false,
      );
    } finally {
      await r.sb.close();
    }
  });

  for (const [status, code] of [
    [400, 'MethodNotAllowedInPricingTier'],
    [404, 'ResourceNotFound'],
  ] as const) {
    test(`${status} ${code}: no workspaces`, async () => {
      const r = await rig('workspaces');
      try {
        r.sb.addFault({ match: { method: 'GET', path: WORKSPACES }, respond: { status, body: { error: { code, message: code } } } });
        const facts = await r.gateway.gather(r.target);
        assert.deepEqual(facts.workspaces?.ok && facts.workspaces.value, []);
      } finally {
        await r.sb.close();
      }
    });
  }

  test('403: Forbidden naming Microsoft.ApiManagement/service/workspaces/read; the rest carries on', async () => {
    const r = await rig('workspaces');
    try {
      r.sb.addFault({
        match: { method: 'GET', path: WORKSPACES },
        respond: { status: 403, body: { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization.' } } },
      });
      const facts = await r.gateway.gather(r.target);
      assert.deepEqual(facts.workspaces && !facts.workspaces.ok && [facts.workspaces.unknown, facts.workspaces.missingAction], [
        'Forbidden',
        'Microsoft.ApiManagement/service/workspaces/read',
      ]);
      assert.equal(facts.apimCertificates.ok, true);
    } finally {
      await r.sb.close();
    }
  });
});

describe('a vault whose name does not resolve', () => {
  // Every vault has a DNS name (<vault>.vault.azure.net in the public cloud): one the world does not have fails at
  // name resolution, as getaddrinfo ENOTFOUND, before any request. The product says which vault and what it means.
  test('the probe and the picker fail at DNS with a specific error; no request reaches a vault host; FW-CLIENTIP is unknown, ACC-OPERATOR falls back to grants', async () => {
    const r = await rig('healthy');
    try {
      const facts = await r.gateway.gather(r.target);
      const port = new URL(r.sb.endpoint).port;
      const gone = `https://kv-gone.vault.localhost:${port}/`;
      const probe = await r.gateway.probeDataPlane(gone);
      assert.ok(probe.ok && probe.value.status === 'unreachable', JSON.stringify(probe));
      const said = /^The vault kv-gone does not resolve \(kv-gone\.vault\.localhost: ENOTFOUND\): it does not exist or was deleted/;
      assert.match(probe.value.message, said);
      const list = await r.gateway.listVaultCertificates(gone);
      assert.ok(!list.ok && list.unknown === 'Network', JSON.stringify(list));
      assert.match(list.message, said);
      assert.deepEqual(
        r.sb.requests().filter((x) => /kv-gone/i.test(x.host)),
        [],
      );
      const findings = runChecks({ ...facts, temporaryChanges: [], operatorDataPlane: probe });
      const clientIp = findings.find((f) => f.checkId === 'FW-CLIENTIP')!;
      assert.equal(clientIp.status, 'unknown');
      assert.match(clientIp.cause, /The vault kv-gone does not resolve/);
      const operator = findings.find((f) => f.checkId === 'ACC-OPERATOR')!;
      assert.ok(
        operator.evidence?.some((e) => /data-plane probe: unreachable \(The vault kv-gone does not resolve/.test(e)),
        operator.evidence?.join('\n'),
      );
    } finally {
      await r.sb.close();
    }
  });
});

describe('gather: a vault in another subscription (step 4 and REF-SECRET there)', () => {
  const HOST = 'kv-contoso-shared.vault.localhost';
  const NV = `https://${HOST}/secrets/db-password`;
  const edited = (edit: (shared: Res) => void) => {
    const w = loadWorld('other-subscription-vault-network');
    edit(find(w, VAULT, 'kv-contoso-shared')!);
    return w;
  };

  test("the other vault's secrets are read through its own data plane, and its private endpoints (none) in its subscription", async () => {
    const r = await rig('other-subscription-vault-network');
    try {
      const facts = await r.gateway.gather(r.target);
      const nv = facts.referencedSecrets?.[NV];
      assert.deepEqual(nv?.ok && nv.value.versions.map((v) => v.contentType), ['text/plain']);
      assert.deepEqual(facts.otherVaultPrivateEndpoints?.[HOST]?.ok && facts.otherVaultPrivateEndpoints[HOST].value, []);
      // A fix writes that vault too: its resource group's deployments and stacks are read as ownership evidence.
      assert.ok(
        facts.ownership?.scopes.some(
          (x) => x.scope.toLowerCase() === '/subscriptions/6d4a9e2f-1b3c-4e5d-8f7a-9c0b1d2e3f45/resourcegroups/rg-shared',
        ),
      );
      assert.equal(
        runChecks({ ...facts, temporaryChanges: [] }).find((f) => f.checkId === 'REF-SECRET@kv-contoso-shared')?.status,
        'fail',
        'the PEM secret',
      );
    } finally {
      await r.sb.close();
    }
  });

  // https://learn.microsoft.com/azure/key-vault/general/network-security: the firewall refuses by address (403
  // ForbiddenByFirewall); no role changes that, so the fact names the address and no missing action.
  test("the other vault's firewall refusing the operator: a fact naming the refused address, REF-SECRET@ unknown without a role", async () => {
    const r = await rig(edited((shared) => (shared.properties!.networkAcls!.ipRules = [])));
    try {
      const facts = await r.gateway.gather(r.target);
      const nv = facts.referencedSecrets?.[NV];
      assert.ok(nv && !nv.ok);
      assert.deepEqual([nv.firewall, nv.missingAction], [{ clientAddress: '203.0.113.50' }, undefined]);
      const ref = runChecks({ ...facts, temporaryChanges: [] }).find((f) => f.checkId === 'REF-SECRET@kv-contoso-shared')!;
      assert.equal(ref.status, 'unknown');
      assert.match(ref.cause, /kv-contoso-shared's firewall refuses your address 203\.0\.113\.50: add 203\.0\.113\.50\/32 to its IP rules/);
      assert.equal(ref.missingAction, undefined);
    } finally {
      await r.sb.close();
    }
  });

  // https://learn.microsoft.com/azure/key-vault/general/rbac-guide: reading secret metadata takes readMetadata (Key Vault Reader).
  test('no data-plane role on the other vault: Forbidden naming readMetadata and Key Vault Reader on that vault', async () => {
    // The operator's Key Vault Reader assignment on kv-contoso-shared removed (Owner of its resource group stays).
    const w = loadWorld('other-subscription-vault-network');
    w.resources = w.resources.filter((x) => (x as unknown as Res).name !== '3d5f7a9b-1c2e-4f6a-8b0c-2d4e6f8a0b15');
    const r = await rig(w);
    try {
      const facts = await r.gateway.gather(r.target);
      const nv = facts.referencedSecrets?.[NV];
      assert.ok(nv && !nv.ok);
      assert.deepEqual(
        [nv.unknown, nv.missingAction, nv.firewall],
        ['Forbidden', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action', undefined],
      );
      const ref = runChecks({ ...facts, temporaryChanges: [] }).find((f) => f.checkId === 'REF-SECRET@kv-contoso-shared')!;
      assert.equal(ref.status, 'unknown');
      assert.match(ref.cause, /e\.g\. Key Vault Reader on kv-contoso-shared/);
      assert.equal(ref.missingAction, 'Microsoft.KeyVault/vaults/secrets/readMetadata/action');
    } finally {
      await r.sb.close();
    }
  });
});
