// Fault injection: every write operation kind, applied through the engine (journal, verify, re-check) with
// the real SDK clients against the sandbox, while the sandbox answers the write with a 429, a 500, a reset
// or a hang, before the write, after it (the change is made, the answer lost) or on its LRO poll; and
// with someone else editing the same resource between apimkv's read and its write. After each: apimkv
// answered (no crash), the journal agrees with what the world holds, and no entry that existed is lost.
//
// The oracle is this file's own: worldHas() reads the sandbox's world (its state, the JSON behind
// GET /__sandbox/world) with one predicate per operation kind, written here from what each operation asks
// for; it never calls the product's isDone or gather. Each predicate is shown to answer false before its
// write, true after a clean one, and false for a deliberately wrong input (so none is vacuous).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { test } from 'node:test';
import { createClients } from '../../src/azure/clients.ts';
import { createAzureGateway } from '../../src/azure/gateway.ts';
import { connectToSandbox } from '../../src/azure/sandbox-connection.ts';
import { Secret } from '../../src/checks/secret.ts';
import type { FixPlan, Operation } from '../../src/checks/types.ts';
import { createEngine } from '../../src/runbook/engine.ts';
import { Journal } from '../../src/runbook/journal.ts';
import type { Target } from '../../src/checks/ports.ts';
import { startSandbox, type FaultRule, type Sandbox, type World } from '../../src/sandbox/index.ts';
import { tempDir, writePfx } from '../e2e/support.ts';
import { figure } from './figures.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- world JSON, read loosely
type Res = {
  id: string;
  name: string;
  type: string;
  location?: string;
  properties?: Record<string, any>;
  identity?: { principalId?: string };
};
const all = (w: World) => w.resources as unknown as Res[];
const one = (w: World, type: string) => all(w).find((r) => r.type.toLowerCase() === type.toLowerCase())!;
const rgOf = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)![1]!;
const pfx = writePfx(tempDir(), 'Fault-Suite-Pw1');

// --- the oracle: what the world holds, per operation kind ----------------------------------------------
const low = (s: unknown) => String(s ?? '').toLowerCase();
const byId = (w: World, id: string) => all(w).find((r) => low(r.id) === low(id));
const hostOf = (ip: string) => ip.replace(/\/32$/, '');

/** The uploaded .pfx's certificate thumbprint, read from the file with forge (not the sandbox's reader). */
function pfxThumbprint(base64: string, password: string): string {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(base64)), password);
  const cert = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag]![0]!.cert!;
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return new X509Certificate(der).fingerprint.replace(/:/g, '');
}
const PFX_THUMBPRINT = pfxThumbprint(pfx.base64, 'Fault-Suite-Pw1');

/** Does `after` hold what `op` asks for? (`before` only for a refresh, whose effect is a new fetch.) */
function worldHas(op: Operation, before: World, after: World): boolean {
  switch (op.kind) {
    case 'apim.enableSystemIdentity': {
      const identity = byId(after, op.apimId)?.identity as { type?: string; principalId?: string } | undefined;
      return /\bSystemAssigned\b/i.test(identity?.type ?? '') && !!identity?.principalId;
    }
    case 'apim.setCustomProperty': {
      const props: Record<string, unknown> = byId(after, op.apimId)?.properties?.customProperties ?? {};
      const key = Object.keys(props).find((k) => low(k) === low(op.key));
      return key !== undefined && low(props[key]) === low(op.value);
    }
    case 'vault.setBypass':
      return byId(after, op.vaultId)?.properties?.networkAcls?.bypass === op.bypass;
    case 'vault.addIpRule':
    case 'vault.removeIpRule': {
      const vault = byId(after, op.vaultId);
      const has = (vault?.properties?.networkAcls?.ipRules ?? []).some((r: { value: string }) => hostOf(r.value) === hostOf(op.value));
      return op.kind === 'vault.addIpRule' ? has : !!vault && !has;
    }
    case 'vault.addVirtualNetworkRule':
      return (byId(after, op.vaultId)?.properties?.networkAcls?.virtualNetworkRules ?? []).some(
        (r: { id: string }) => low(r.id) === low(op.subnetId),
      );
    case 'vault.addAccessPolicy':
      // Every permission asked for, in its own category, on an entry for this object in this tenant.
      return (byId(after, op.vaultId)?.properties?.accessPolicies ?? []).some(
        (p: { tenantId: string; objectId: string; permissions: Record<string, string[] | undefined> }) =>
          low(p.objectId) === low(op.objectId) &&
          low(p.tenantId) === low(op.tenantId) &&
          Object.entries(op.permissions).every(([category, wanted]) =>
            (wanted ?? []).every((w) => (p.permissions[category] ?? []).some((held) => low(held) === low(w) || low(held) === 'all')),
          ),
      );
    case 'subnet.addServiceEndpoint':
      return (byId(after, op.subnetId)?.properties?.serviceEndpoints ?? []).some(
        (e: { service: string }) => low(e.service) === low(op.service),
      );
    case 'nsg.putRule': {
      const rule = byId(after, `${op.nsgId}/securityRules/${op.ruleName}`);
      return !!rule && Object.entries(op.rule).every(([k, v]) => low(rule.properties?.[k]) === low(v));
    }
    case 'roleAssignment.create': {
      const ra = all(after).find((r) => /^Microsoft\.Authorization\/roleAssignments$/i.test(r.type) && low(r.name) === low(op.name));
      return (
        !!ra &&
        low(ra.properties?.principalId) === low(op.principalId) &&
        low(ra.properties?.roleDefinitionId) === low(op.roleDefinitionId) &&
        low(ra.properties?.scope) === low(op.scope)
      );
    }
    case 'apim.putKeyVaultCertificate':
      return byId(after, `${op.apimId}/certificates/${op.certificateId}`)?.properties?.keyVault?.secretIdentifier === op.secretIdentifier;
    case 'apim.uploadCertificate': {
      const cert = byId(after, `${op.apimId}/certificates/${op.certificateId}`);
      return !!cert && !cert.properties?.keyVault && low(cert.properties?.thumbprint) === low(PFX_THUMBPRINT);
    }
    case 'apim.refreshCertificate': {
      // A refresh is APIM fetching again: a new lastStatus stamp, and Success (the secret is readable here).
      const id = `${op.apimId}/certificates/${op.certificateId}`;
      const was = byId(before, id)?.properties?.keyVault?.lastStatus;
      const now = byId(after, id)?.properties?.keyVault?.lastStatus;
      return !!now && now.code === 'Success' && now.timeStampUtc !== was?.timeStampUtc;
    }
    case 'apim.refreshNamedValue': {
      // The same for a named value: APIM fetched the secret again, and could read it.
      const id = `${op.apimId}/namedValues/${op.namedValueId}`;
      const was = byId(before, id)?.properties?.keyVault?.lastStatus;
      const now = byId(after, id)?.properties?.keyVault?.lastStatus;
      return !!now && now.code === 'Success' && now.timeStampUtc !== was?.timeStampUtc;
    }
    case 'vault.recover':
      // Recovered: the vault is a resource again and no longer among the soft-deleted ones.
      return !!byId(after, op.vaultId) && !(after.deletedVaults ?? []).some((d) => low(d.properties.vaultId) === low(op.vaultId));
    default:
      throw new Error(`the fault suite has no world predicate for ${(op as Operation).kind}`);
  }
}

/** The same operation with one input changed so that the world cannot hold it (the predicate must say false). */
function wrongInput(op: Operation): Operation {
  switch (op.kind) {
    case 'apim.enableSystemIdentity':
      return { ...op, apimId: `${op.apimId}-elsewhere` };
    case 'apim.setCustomProperty':
      return { ...op, value: 'False' };
    case 'vault.setBypass':
      return { ...op, vaultId: `${op.vaultId}-elsewhere` };
    case 'vault.addIpRule':
      return { ...op, value: '203.0.113.51/32' };
    case 'vault.removeIpRule':
      return { ...op, vaultId: `${op.vaultId}-elsewhere` };
    case 'vault.addVirtualNetworkRule':
      return { ...op, subnetId: `${op.subnetId}-elsewhere` };
    case 'vault.addAccessPolicy':
      // The blind spot the product's old oracle had: the right object, one permission it was not given.
      return { ...op, permissions: { ...op.permissions, secrets: [...(op.permissions.secrets ?? []), 'delete'] } };
    case 'subnet.addServiceEndpoint':
      return { ...op, subnetId: `${op.subnetId}-elsewhere` };
    case 'nsg.putRule':
      return { ...op, rule: { ...op.rule, destinationPortRange: '8443' } };
    case 'roleAssignment.create':
      return { ...op, principalId: '00000000-0000-4000-8000-00000000dead' };
    case 'apim.putKeyVaultCertificate':
      return { ...op, secretIdentifier: `${op.secretIdentifier}-other` };
    case 'apim.uploadCertificate':
      return { ...op, certificateId: `${op.certificateId}-other` };
    case 'apim.refreshCertificate':
      return { ...op, certificateId: `${op.certificateId}-other` };
    case 'apim.refreshNamedValue':
      return { ...op, namedValueId: `${op.namedValueId}-other` };
    case 'vault.recover':
      return { ...op, vaultId: `${op.vaultId}-elsewhere` };
    default:
      throw new Error(`no wrong input for ${(op as Operation).kind}`);
  }
}

/**
 * Kinds whose lost answer apimkv cannot settle by reading (it claims nothing: the entry stays "unknown" and
 * the operator is told). Seen here: an operator's own role assignment on the vault is not among the facts
 * gathered, and a refresh (of a certificate or a named value) leaves nothing but a new lastStatus stamp. Any other kind left
 * unknown fails.
 */
const STAYS_UNKNOWN = new Set<Operation['kind']>(['roleAssignment.create', 'apim.refreshCertificate', 'apim.refreshNamedValue']);

interface Case {
  kind: Operation['kind'];
  world: string;
  op: (w: World) => Operation;
  /** What makes apimkv plan the operation, done as the operator would with another tool, before apimkv starts. */
  setup?: (w: World, sb: Sandbox) => Promise<void>;
  /** Someone else's edit of the same resource, as the operator would make it with another tool. */
  concurrent?: (w: World, sb: Sandbox) => Promise<void>;
}

/** Everything anyone configured, as comparable strings. */
function inventory(w: World): Set<string> {
  const out = new Set<string>();
  for (const r of all(w)) {
    const p = r.properties ?? {};
    const t = r.type.toLowerCase();
    if (t === 'microsoft.keyvault/vaults') {
      for (const x of p.networkAcls?.ipRules ?? []) out.add(`ip:${x.value.replace(/\/32$/, '')}`);
      for (const x of p.networkAcls?.virtualNetworkRules ?? []) out.add(`vnet:${x.id.toLowerCase()}`);
      for (const x of p.accessPolicies ?? []) out.add(`ap:${x.objectId}`);
    }
    if (t === 'microsoft.network/virtualnetworks/subnets') for (const e of p.serviceEndpoints ?? []) out.add(`se:${r.name}:${e.service}`);
    if (t === 'microsoft.network/networksecuritygroups/securityrules') out.add(`rule:${r.name}`);
    if (t === 'microsoft.apimanagement/service') for (const k of Object.keys(p.customProperties ?? {})) out.add(`cp:${k}`);
    if (t === 'microsoft.apimanagement/service/certificates') out.add(`cert:${r.name}`);
    if (t === 'microsoft.authorization/roleassignments') out.add(`ra:${r.name}`);
  }
  return out;
}

/** A write as the operator, straight to the sandbox (another tool, another engineer). */
async function armWrite(sb: Sandbox, method: string, id: string, apiVersion: string, body: unknown): Promise<void> {
  const https = await import('node:https');
  await new Promise<void>((resolve, reject) => {
    const req = https.request(
      `${sb.endpoint}${id}?api-version=${apiVersion}`,
      { method, agent: sb.agent as never, headers: { authorization: `Bearer ${sb.token()}`, 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode! < 300 ? resolve() : reject(new Error(`${method} ${id}: ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const VAULT = 'Microsoft.KeyVault/vaults';
const concurrentIpRule = async (w: World, sb: Sandbox) => {
  const v = one(w, VAULT);
  const acls = sb.world().resources.find((r) => r.id === v.id)!.properties.networkAcls;
  await armWrite(sb, 'PATCH', v.id, '2026-02-01', {
    properties: { networkAcls: { ...acls, ipRules: [...acls.ipRules, { value: '192.0.2.77/32' }] } },
  });
};

const CASES: Case[] = [
  {
    kind: 'apim.enableSystemIdentity',
    world: 'everything-broken',
    op: (w) => ({ kind: 'apim.enableSystemIdentity', apimId: one(w, 'Microsoft.ApiManagement/service').id }),
  },
  {
    kind: 'apim.setCustomProperty',
    world: 'everything-broken',
    op: (w) => ({
      kind: 'apim.setCustomProperty',
      apimId: one(w, 'Microsoft.ApiManagement/service').id,
      key: 'Microsoft.WindowsAzure.ApiManagement.Gateway.ManagedIdentity.DisableOverPrivilegedAccess',
      value: 'True',
    }),
  },
  {
    kind: 'vault.setBypass',
    world: 'everything-broken',
    op: (w) => ({ kind: 'vault.setBypass', vaultId: one(w, VAULT).id, bypass: 'AzureServices' }),
    concurrent: concurrentIpRule,
  },
  {
    kind: 'vault.addIpRule',
    world: 'everything-broken',
    op: (w) => ({ kind: 'vault.addIpRule', vaultId: one(w, VAULT).id, value: '203.0.113.50/32', temporary: true }),
    concurrent: concurrentIpRule,
  },
  {
    kind: 'vault.removeIpRule',
    world: 'everything-broken',
    op: (w) => ({ kind: 'vault.removeIpRule', vaultId: one(w, VAULT).id, value: '198.51.100.0/24' }),
    concurrent: concurrentIpRule,
  },
  {
    kind: 'vault.addVirtualNetworkRule',
    world: 'everything-broken',
    op: (w) => ({
      kind: 'vault.addVirtualNetworkRule',
      vaultId: one(w, VAULT).id,
      subnetId: one(w, 'Microsoft.Network/virtualNetworks/subnets').id,
    }),
    concurrent: concurrentIpRule,
  },
  {
    kind: 'vault.addAccessPolicy',
    world: 'access-policy-vault',
    op: (w) => ({
      kind: 'vault.addAccessPolicy',
      vaultId: one(w, VAULT).id,
      tenantId: w.tenantId,
      objectId: '0a1b2c3d-0000-4000-8000-00000000fa17',
      permissions: { secrets: ['get', 'list'], certificates: ['get', 'list'] },
    }),
    concurrent: async (w, sb) =>
      armWrite(sb, 'PUT', `${one(w, VAULT).id}/accessPolicies/add`, '2026-02-01', {
        properties: {
          accessPolicies: [{ tenantId: w.tenantId, objectId: '0a1b2c3d-0000-4000-8000-0000000c0c0c', permissions: { secrets: ['get'] } }],
        },
      }),
  },
  {
    kind: 'subnet.addServiceEndpoint',
    world: 'everything-broken',
    op: (w) => ({
      kind: 'subnet.addServiceEndpoint',
      subnetId: one(w, 'Microsoft.Network/virtualNetworks/subnets').id,
      service: 'Microsoft.KeyVault',
    }),
    concurrent: async (w, sb) => {
      const s = sb.world().resources.find((r) => r.id === one(w, 'Microsoft.Network/virtualNetworks/subnets').id)!;
      await armWrite(sb, 'PUT', s.id, '2026-01-01', {
        properties: { ...s.properties, serviceEndpoints: [...(s.properties.serviceEndpoints ?? []), { service: 'Microsoft.Sql' }] },
      });
    },
  },
  {
    kind: 'nsg.putRule',
    world: 'everything-broken',
    op: (w) => ({
      kind: 'nsg.putRule',
      nsgId: one(w, 'Microsoft.Network/networkSecurityGroups').id,
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
      },
    }),
    concurrent: async (w, sb) =>
      armWrite(sb, 'PUT', `${one(w, 'Microsoft.Network/networkSecurityGroups').id}/securityRules/Someone-Elses-Rule`, '2026-01-01', {
        properties: {
          priority: 3001,
          direction: 'Outbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: '*',
          sourcePortRange: '*',
          destinationAddressPrefix: 'Storage',
          destinationPortRange: '443',
        },
      }),
  },
  {
    kind: 'roleAssignment.create',
    world: 'everything-broken',
    op: (w) => ({
      kind: 'roleAssignment.create',
      scope: one(w, VAULT).id,
      name: '7c1e2b3a-4d5f-5a6b-8c7d-9e0f1a2b3c4d',
      roleDefinitionId: `/subscriptions/${w.subscriptions[0]!.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/21090545-7ca7-4776-b22c-e363652d74d2`,
      principalId: w.operator.principalId,
      principalType: 'User',
    }),
  },
  {
    kind: 'apim.putKeyVaultCertificate',
    world: 'healthy',
    op: (w) => ({
      kind: 'apim.putKeyVaultCertificate',
      apimId: one(w, 'Microsoft.ApiManagement/service').id,
      certificateId: 'fault-suite-kv',
      secretIdentifier: 'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client',
    }),
  },
  {
    kind: 'apim.uploadCertificate',
    world: 'healthy',
    op: (w) => ({
      kind: 'apim.uploadCertificate',
      apimId: one(w, 'Microsoft.ApiManagement/service').id,
      certificateId: 'fault-suite-pfx',
      pfx: new Secret(pfx.base64, 'pfx'),
      password: new Secret('Fault-Suite-Pw1', 'pw'),
    }),
  },
  {
    kind: 'apim.refreshCertificate',
    world: 'healthy',
    op: (w) => ({
      kind: 'apim.refreshCertificate',
      apimId: one(w, 'Microsoft.ApiManagement/service').id,
      certificateId: all(w).find((r) => /certificates$/i.test(r.type) && r.properties?.keyVault)!.name,
    }),
  },
  {
    // A named value whose last fetch was refused (Forbidden), after its access was granted again (Key Vault
    // Secrets User on the vault for APIM's identity, with another tool): REF-NAMED-VALUE plans the refresh.
    // https://learn.microsoft.com/azure/api-management/api-management-howto-properties#key-vault-secrets
    kind: 'apim.refreshNamedValue',
    world: 'named-value-access-lost',
    setup: async (w, sb) =>
      armWrite(
        sb,
        'PUT',
        `${one(w, VAULT).id}/providers/Microsoft.Authorization/roleAssignments/5b0e6c1d-2f3a-4b4c-8d5e-6f7a8b9c0d1e`,
        '2022-04-01',
        {
          properties: {
            roleDefinitionId: `/subscriptions/${w.subscriptions[0]!.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
            principalId: one(w, 'Microsoft.ApiManagement/service').identity!.principalId,
            principalType: 'ServicePrincipal',
          },
        },
      ),
    op: (w) => ({
      kind: 'apim.refreshNamedValue',
      apimId: one(w, 'Microsoft.ApiManagement/service').id,
      namedValueId: one(w, 'Microsoft.ApiManagement/service/namedValues').name,
    }),
  },
  {
    // The vault deleted (soft delete keeps it recoverable): the prerequisite check plans its recovery,
    // https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery
    kind: 'vault.recover',
    world: 'healthy',
    setup: async (w, sb) => armWrite(sb, 'DELETE', one(w, VAULT).id, '2026-02-01', undefined),
    op: (w) => ({ kind: 'vault.recover', vaultId: one(w, VAULT).id, location: one(w, VAULT).location! }),
  },
];

interface Rig {
  sb: Sandbox;
  world: World;
  target: Target;
  journal: Journal;
  engine: ReturnType<typeof createEngine>;
  gateway: ReturnType<typeof createAzureGateway>;
}

async function rig(c: Case, beforeWrite?: (w: World, sb: Sandbox) => Promise<void>): Promise<Rig> {
  const sb = await startSandbox({ world: c.world });
  // The world as it was before the setup: the operation and the target name what the setup may remove.
  const w = sb.world();
  await c.setup?.(w, sb);
  const subscriptionId = w.subscriptions[0]!.subscriptionId;
  const link = connectToSandbox(sb, subscriptionId);
  // Short timeouts and retry delays: a hang is noticed in 1.5 s (400 ms lost reads to timeouts on a loaded 2-core machine), a retry waits milliseconds.
  const clients = createClients({
    ...link,
    retry: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
    lroIntervalMs: 5,
    requestTimeoutMs: 1500,
  });
  let edited = false;
  const gateway = createAzureGateway({
    clients,
    profile: link.profile,
    context: { subscriptionId, sandbox: true },
    beforeWrite: beforeWrite
      ? async () => {
          if (edited) return;
          edited = true;
          await beforeWrite(w, sb);
        }
      : undefined,
  });
  const apim = one(w, 'Microsoft.ApiManagement/service');
  const vault = one(w, VAULT);
  const target: Target = {
    subscriptionId,
    apim: { resourceGroup: rgOf(apim.id), name: apim.name },
    vault: { name: vault.name, resourceGroup: rgOf(vault.id) },
  };
  const journal = new Journal();
  const engine = createEngine({
    gateway,
    target,
    journal,
    context: { cloud: 'Sandbox', subscriptionId, apimName: apim.name, vaultName: vault.name, sandbox: true, readOnly: false },
    propagation: { maxWaitMs: 0, firstStepMs: 1, maxStepMs: 1 },
    sleep: async () => {},
  });
  return { sb, world: w, target, journal, engine, gateway };
}

const plan = (op: Operation): FixPlan => ({
  id: `${op.kind}:fault`,
  checkId: 'FAULT',
  title: op.kind,
  operations: [op],
  preview: [],
  az: [],
  requiredRoles: [],
  requiredActions: [],
});
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The write's method and path, and its LRO poll's path when it has one (from a clean run). */
async function wireOf(c: Case): Promise<{ method: string; path: string; poll?: string }> {
  const r = await rig(c);
  try {
    const seq = r.sb.requests().at(-1)?.seq ?? 0;
    const op = c.op(r.world);
    const before = r.sb.world();
    assert.equal(worldHas(op, before, before), false, `${c.kind}: the predicate holds before the write (vacuous)`);
    await r.gateway.apply(op);
    const after = r.sb.world();
    assert.equal(worldHas(op, before, after), true, `${c.kind}: the predicate does not see a clean write`);
    assert.equal(worldHas(wrongInput(op), before, after), false, `${c.kind}: the predicate accepts a wrong input`);
    figure('operation kinds judged by the world (non-vacuous)', 1);
    const log = r.sb.requests().filter((q) => q.seq > seq);
    const i = log.findIndex(
      (q) => ['PUT', 'PATCH', 'POST'].includes(q.method) && !/resourcegraph/i.test(q.path) && !/vault\.localhost/i.test(q.host),
    );
    assert.ok(i >= 0, `${c.kind}: no write seen`);
    const poll = log.slice(i + 1).find((q) => q.method === 'GET' && /operation/i.test(q.path));
    return { method: log[i]!.method, path: log[i]!.path, poll: poll?.path };
  } finally {
    await r.sb.close();
  }
}

const FAULTS: { name: string; respond: FaultRule['respond'] }[] = [
  { name: '429', respond: { status: 429, headers: { 'Retry-After': '0', 'x-ms-retry-after-ms': '5' } } },
  { name: '500', respond: { status: 500 } },
  { name: 'reset', respond: { reset: true } },
  { name: 'hang', respond: { hang: true } },
];

const figures = { writes: 0, faults: 0, concurrentEdits: 0, rulesLost: 0, journalMismatches: 0, crashes: 0 };

/** Apply under one fault (or edit); check the answer, the journal against the world, and that nothing was lost. */
async function scenario(c: Case, label: string, fault?: FaultRule, concurrent = false): Promise<void> {
  const r = await rig(c, concurrent ? c.concurrent : undefined);
  try {
    const op = c.op(r.world);
    const start = r.sb.world();
    const before = inventory(start);
    if (fault) {
      r.sb.addFault(fault);
      figures.faults++;
      figure('faults injected', 1);
    }
    if (concurrent) figures.concurrentEdits++;
    figure('concurrent edits', concurrent ? 1 : 0);
    figures.writes++;
    figure('writes under faults', 1);
    let outcome;
    try {
      outcome = await r.engine.apply(plan(op));
    } catch (e) {
      figures.crashes++;
      throw new Error(`${label}: apply threw ${(e as Error).message}`);
    }
    assert.ok(outcome.message.length > 0, `${label}: no answer`);
    if (fault)
      assert.ok(
        r.sb.requests().some((q) => q.fault),
        `${label}: the fault never fired`,
      );
    r.sb.clearFaults();
    // What the world holds now (read straight from the sandbox's state) against what the journal says.
    const present = worldHas(op, start, r.sb.world());
    const lastEntry = () =>
      r.journal
        .entries()
        .filter((e) => (e.operation as Operation).kind === op.kind)
        .at(-1);
    assert.ok(lastEntry(), `${label}: the write was not journaled`);
    // "unknown" is honest when the answer was lost; the next start settles it, and then it must be right.
    // (A loaded machine can time a read out too: a few tries, as an operator would press r.)
    for (let i = 0; i < 3 && lastEntry()!.status === 'unknown'; i++) await r.engine.evaluate().catch(() => undefined);
    const last = lastEntry()!;
    const agrees =
      last.status === 'done' || last.status === 'already'
        ? present
        : last.status === 'failed'
          ? !present
          : last.status === 'unknown' && STAYS_UNKNOWN.has(op.kind);
    figure('journal entries the next read could not settle (fault suite)', last.status === 'unknown' ? 1 : 0);
    if (!agrees) figures.journalMismatches++;
    figure('journal mismatches (fault suite)', agrees ? 0 : 1);
    assert.ok(agrees, `${label}: journal says ${last.status}, the world says ${present ? 'made' : 'not made'} (${outcome.message})`);
    // Nothing that existed before is gone (except what a removal was asked to remove).
    const after = inventory(r.sb.world());
    const removed = op.kind === 'vault.removeIpRule' ? `ip:${op.value.replace(/\/32$/, '')}` : undefined;
    const lost = [...before].filter((x) => x !== removed && !after.has(x));
    figures.rulesLost += lost.length;
    figure('rules lost', lost.length);
    assert.deepEqual(lost, [], `${label}: lost ${lost.join(', ')} (${outcome.message})`);
    if (concurrent) {
      // Someone else's edit survives: apimkv's If-Match write was refused, re-read and rebuilt on top of it.
      const ours = inventoryOf(op);
      const theirs = [...after].filter((x) => !before.has(x) && !ours.has(x));
      assert.ok(theirs.length > 0, `${label}: the concurrent edit was overwritten (${outcome.message})`);
      assert.ok(outcome.ok, `${label}: ${outcome.message}`);
    }
  } finally {
    await r.sb.close();
  }
}

/** The inventory entries an operation itself adds (to tell them from someone else's). */
function inventoryOf(op: Operation): Set<string> {
  switch (op.kind) {
    case 'vault.addIpRule':
      return new Set([`ip:${op.value.replace(/\/32$/, '')}`]);
    case 'vault.addVirtualNetworkRule':
      return new Set([`vnet:${op.subnetId.toLowerCase()}`]);
    case 'vault.addAccessPolicy':
      return new Set([`ap:${op.objectId}`]);
    case 'nsg.putRule':
      return new Set([`rule:${op.ruleName}`]);
    case 'subnet.addServiceEndpoint':
      return new Set([`se:${op.subnetId.split('/').pop()}:${op.service}`]);
    default:
      return new Set();
  }
}

for (const c of CASES) {
  test(
    `faults on ${c.kind}: 429, 500, reset and hang before, after and on the LRO poll${c.concurrent ? ', and a concurrent edit' : ''}`,
    { timeout: 120_000 },
    async () => {
      const wire = await wireOf(c);
      const jobs: Promise<void>[] = [];
      for (const f of FAULTS) {
        for (const when of ['before', 'after'] as const) {
          jobs.push(
            scenario(c, `${c.kind} ${f.name} ${when}`, {
              match: { method: wire.method, path: `^${escape(wire.path)}$`, times: 1 },
              respond: f.respond,
              when,
            }),
          );
        }
        if (wire.poll)
          jobs.push(
            scenario(c, `${c.kind} ${f.name} on the LRO poll`, {
              match: { method: 'GET', path: `^${escape(wire.poll)}$`, times: 1 },
              respond: f.respond,
            }),
          );
      }
      // Every answer lost: Azure made the change each time, apimkv never heard back.
      jobs.push(
        scenario(c, `${c.kind} 500 after, every attempt`, {
          match: { method: wire.method, path: `^${escape(wire.path)}$` },
          respond: { status: 500 },
          when: 'after',
        }),
      );
      jobs.push(
        scenario(c, `${c.kind} hang after, every attempt`, {
          match: { method: wire.method, path: `^${escape(wire.path)}$` },
          respond: { hang: true },
          when: 'after',
        }),
      );
      if (c.concurrent) jobs.push(scenario(c, `${c.kind} concurrent edit`, undefined, true));
      const results = await Promise.allSettled(jobs);
      const failures = results.filter((x): x is PromiseRejectedResult => x.status === 'rejected').map((x) => (x.reason as Error).message);
      assert.deepEqual(failures, []);
    },
  );
}

// The figures are bench/safety.mjs's to print (never a test: alone, such a test would assert 0 === 0).
