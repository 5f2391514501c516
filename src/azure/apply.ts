// One function per Operation.kind. Shared resources are read-modify-written: re-read right before the
// write, skip it when the desired state is already there ('already'), send the FULL lists, use
// ETag/If-Match where ARM offers one (a 412 means someone else wrote in between: re-read and rebuild
// once, so their change is kept), then re-read and verify the change is present and every entry that
// existed before survived (`lost`).
import type { ApiManagementServiceResource, CertificateContract } from '@azure/arm-apimanagement';
import type { NetworkRuleSet, Vault } from '@azure/arm-keyvault';
import type { NetworkSecurityGroup, SecurityRule, Subnet } from '@azure/arm-network';
import type { Operation } from '../checks/types.ts';
import type { OperationResult } from '../runbook/ports.ts';
import { parseApimId, parseNsgId, parseSubnetId, parseVaultId, sameId, scopeForSdk } from './arm-id.ts';
import type { AzureClients } from './clients.ts';
import { apimCertificateFromSdk, nsgRuleFromSdk } from './convert.ts';
import { toAzureError } from './errors.ts';
import { Cancelled } from './facts-read.ts';
import { operatorClaims } from './gather.ts';

/** What apply needs besides the operation. */
export interface ApplyContext {
  clients: AzureClients;
  signal?: AbortSignal;
  /** Test seam: runs after the re-read and before the write (to stage a concurrent edit deterministically). */
  beforeWrite?: (operation: Operation) => Promise<void>;
}

type Op<K extends Operation['kind']> = Extract<Operation, { kind: K }>;

interface Snapshot<S> {
  state: S;
  etag?: string;
}

interface RmwSpec<S> {
  read: () => Promise<Snapshot<S>>;
  isDone: (state: S) => boolean;
  write: (state: S, etag: string | undefined) => Promise<void>;
  /** Keys of the entries that must survive (ip rules, vnet rules, policies, endpoints, rules …). */
  entries: (state: S) => string[];
  /** The relevant part of the resource, for the journal (never a secret). */
  view: (state: S) => unknown;
  what: string;
}

function lostEntries(before: string[], after: string[]): string[] {
  const present = new Set(after);
  return before.filter((e) => !present.has(e));
}

async function readModifyWrite<S>(ctx: ApplyContext, operation: Operation, spec: RmwSpec<S>): Promise<OperationResult> {
  for (let attempt = 1; ; attempt++) {
    const { state: before, etag } = await spec.read();
    if (spec.isDone(before)) {
      return { outcome: 'already', message: `${spec.what}: already in place, nothing was written.`, before: spec.view(before), after: spec.view(before), verified: true, lost: [] };
    }
    await ctx.beforeWrite?.(operation);
    try {
      await spec.write(before, etag);
    } catch (e) {
      // If-Match failed: someone changed the resource after our read. Rebuild from their version once.
      if (attempt === 1 && etag && toAzureError(e).kind === 'PreconditionFailed') continue;
      throw e;
    }
    const { state: after } = await spec.read();
    const present = spec.isDone(after);
    const lost = lostEntries(spec.entries(before), spec.entries(after));
    const verified = present && lost.length === 0;
    const message = !present
      ? `${spec.what}: written, but the change is not visible on re-read (an Azure Policy may have reverted it).`
      : lost.length
        ? `${spec.what}: applied, but entries that existed before are gone: ${lost.join(', ')}.`
        : `${spec.what}: applied and verified${attempt > 1 ? ' (re-read after a concurrent change)' : ''}.`;
    return { outcome: 'applied', message, before: spec.view(before), after: spec.view(after), verified, lost };
  }
}

function ifMatch(etag: string | undefined): { headers: Record<string, string> } | undefined {
  return etag ? { headers: { 'If-Match': etag } } : undefined;
}

// ---------- APIM ----------

async function readApim(ctx: ApplyContext, apimId: string): Promise<Snapshot<ApiManagementServiceResource>> {
  const { resourceGroup, name } = parseApimId(apimId);
  const svc = await ctx.clients.apim.apiManagementService.get(resourceGroup, name, { abortSignal: ctx.signal });
  return { state: svc };
}

function identityView(svc: ApiManagementServiceResource) {
  return {
    type: svc.identity?.type ?? 'None',
    principalId: svc.identity?.principalId,
    userAssignedIdentities: Object.keys(svc.identity?.userAssignedIdentities ?? {}),
  };
}

function enableSystemIdentity(ctx: ApplyContext, op: Op<'apim.enableSystemIdentity'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  const hasSystem = (svc: ApiManagementServiceResource) => /SystemAssigned/i.test(svc.identity?.type ?? '') && !!svc.identity?.principalId;
  return readModifyWrite(ctx, op, {
    what: `System-assigned identity on ${name}`,
    read: () => readApim(ctx, op.apimId),
    isDone: hasSystem,
    async write(svc) {
      const uais = Object.keys(svc.identity?.userAssignedIdentities ?? {});
      // UAIs are sent back as empty objects: echoing principalId/clientId gives InvalidIdentityValues (domain.md §3.2).
      const identity = uais.length
        ? { type: 'SystemAssigned, UserAssigned' as const, userAssignedIdentities: Object.fromEntries(uais.map((id) => [id, {}])) }
        : { type: 'SystemAssigned' as const };
      await ctx.clients.apim.apiManagementService.beginUpdateAndWait(resourceGroup, name, { identity }, { abortSignal: ctx.signal, updateIntervalInMs: ctx.clients.lroIntervalMs });
    },
    entries: (svc) => Object.keys(svc.identity?.userAssignedIdentities ?? {}).map((id) => `userAssignedIdentity ${id.toLowerCase()}`),
    view: identityView,
  });
}

function setCustomProperty(ctx: ApplyContext, op: Op<'apim.setCustomProperty'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  return readModifyWrite(ctx, op, {
    what: `Custom property ${op.key}=${op.value} on ${name}`,
    read: () => readApim(ctx, op.apimId),
    isDone: (svc) => svc.customProperties?.[op.key] === op.value,
    async write(svc) {
      // The whole map goes back: a partial map could drop the other settings (domain.md §2.4).
      const customProperties = { ...(svc.customProperties ?? {}), [op.key]: op.value };
      await ctx.clients.apim.apiManagementService.beginUpdateAndWait(resourceGroup, name, { customProperties }, { abortSignal: ctx.signal, updateIntervalInMs: ctx.clients.lroIntervalMs });
    },
    entries: (svc) => Object.entries(svc.customProperties ?? {}).filter(([k]) => k !== op.key).map(([k, v]) => `${k}=${v}`),
    view: (svc) => ({ customProperties: { ...(svc.customProperties ?? {}) } }),
  });
}

async function readCertificate(ctx: ApplyContext, apimId: string, certificateId: string): Promise<(CertificateContract & { eTag?: string }) | undefined> {
  const { resourceGroup, name } = parseApimId(apimId);
  try {
    return await ctx.clients.apim.certificate.get(resourceGroup, name, certificateId, { abortSignal: ctx.signal });
  } catch (e) {
    if (toAzureError(e).kind === 'NotFound') return undefined;
    throw e;
  }
}

function certificateView(c: (CertificateContract & { eTag?: string }) | undefined) {
  if (!c) return undefined;
  const f = apimCertificateFromSdk(c);
  return { subject: f.subject, thumbprint: f.thumbprint, expirationDate: f.expirationDate, keyVault: f.keyVault };
}

async function putKeyVaultCertificate(ctx: ApplyContext, op: Op<'apim.putKeyVaultCertificate'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  const existing = await readCertificate(ctx, op.apimId, op.certificateId);
  const kv = existing?.keyVault;
  const sameSource = !!kv && kv.secretIdentifier === op.secretIdentifier && (kv.identityClientId || undefined) === (op.identityClientId || undefined);
  if (sameSource && (kv?.lastStatus?.code ?? 'Success') === 'Success') {
    return { outcome: 'already', message: `Certificate ${op.certificateId} already points at ${op.secretIdentifier}.`, before: certificateView(existing), after: certificateView(existing), verified: true, lost: [] };
  }
  await ctx.beforeWrite?.(op);
  // The plan's ETag (what the operator saw) wins: if it no longer matches, APIM answers 412 instead of overwriting.
  const etag = op.ifMatch ?? existing?.eTag;
  const keyVault = { secretIdentifier: op.secretIdentifier, ...(op.identityClientId ? { identityClientId: op.identityClientId } : {}) };
  await ctx.clients.apim.certificate.createOrUpdate(resourceGroup, name, op.certificateId, { keyVault }, { abortSignal: ctx.signal, ...(etag ? { ifMatch: etag } : {}) });
  const after = await readCertificate(ctx, op.apimId, op.certificateId);
  const status = after?.keyVault?.lastStatus;
  const pointsRight = after?.keyVault?.secretIdentifier === op.secretIdentifier;
  const fetched = (status?.code ?? '') === 'Success';
  return {
    outcome: 'applied',
    message: pointsRight
      ? fetched
        ? `Certificate ${op.certificateId} added from Key Vault (thumbprint ${after?.thumbprint ?? 'unknown'}).`
        : `Certificate ${op.certificateId} saved, but APIM could not fetch the secret: ${status?.code ?? 'no status'} ${status?.message ?? ''}`.trim()
      : `Certificate ${op.certificateId}: written, but it does not point at ${op.secretIdentifier} on re-read.`,
    before: certificateView(existing),
    after: certificateView(after),
    verified: pointsRight && fetched,
    lost: [],
  };
}

async function uploadCertificate(ctx: ApplyContext, op: Op<'apim.uploadCertificate'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  const existing = await readCertificate(ctx, op.apimId, op.certificateId);
  await ctx.beforeWrite?.(op);
  const etag = op.ifMatch ?? existing?.eTag;
  // The only place a Secret is revealed, straight into the request body.
  await ctx.clients.apim.certificate.createOrUpdate(
    resourceGroup,
    name,
    op.certificateId,
    { data: op.pfx.reveal(), password: op.password.reveal() },
    { abortSignal: ctx.signal, ...(etag ? { ifMatch: etag } : {}) },
  );
  const after = await readCertificate(ctx, op.apimId, op.certificateId);
  const ok = !!after?.thumbprint;
  return {
    outcome: 'applied',
    message: ok ? `Certificate ${op.certificateId} uploaded (thumbprint ${after!.thumbprint}).` : `Certificate ${op.certificateId}: uploaded, but it is not visible on re-read.`,
    before: certificateView(existing),
    after: certificateView(after),
    verified: ok,
    lost: [],
  };
}

async function refreshCertificate(ctx: ApplyContext, op: Op<'apim.refreshCertificate'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  const before = await readCertificate(ctx, op.apimId, op.certificateId);
  await ctx.beforeWrite?.(op);
  const after = await ctx.clients.apim.certificate.refreshSecret(resourceGroup, name, op.certificateId, { abortSignal: ctx.signal });
  const status = after.keyVault?.lastStatus;
  const ok = status?.code === 'Success';
  return {
    outcome: 'applied',
    message: ok ? `Certificate ${op.certificateId} refreshed from Key Vault.` : `Refresh of ${op.certificateId} ran, but APIM reports ${status?.code ?? 'no status'}: ${status?.message ?? ''}`.trim(),
    before: certificateView(before),
    after: certificateView(after),
    verified: ok,
    lost: [],
  };
}

// ---------- Key Vault ----------

async function readVault(ctx: ApplyContext, vaultId: string): Promise<Snapshot<Vault>> {
  const { resourceGroup, name } = parseVaultId(vaultId);
  let etag: string | undefined;
  const state = await ctx.clients.keyVault.vaults.get(resourceGroup, name, {
    abortSignal: ctx.signal,
    onResponse: (r) => {
      etag = r.headers.get('etag') ?? undefined;
    },
  });
  return { state, etag };
}

/** "1.2.3.4" and "1.2.3.4/32" are the same rule. */
export function sameIpRule(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/\/32$/, '').toLowerCase();
  return norm(a) === norm(b);
}

function acls(v: Vault): Required<Pick<NetworkRuleSet, 'ipRules' | 'virtualNetworkRules'>> & NetworkRuleSet {
  const a = v.properties?.networkAcls ?? {};
  return { ...a, ipRules: [...(a.ipRules ?? [])], virtualNetworkRules: [...(a.virtualNetworkRules ?? [])] };
}

function vaultEntries(v: Vault): string[] {
  const a = acls(v);
  return [
    ...a.ipRules.map((r) => `ipRule ${r.value.replace(/\/32$/, '')}`),
    ...a.virtualNetworkRules.map((r) => `virtualNetworkRule ${r.id.toLowerCase()}`),
    ...(v.properties?.accessPolicies ?? []).flatMap((p) => [
      ...(p.permissions?.secrets ?? []).map((x) => `accessPolicy ${p.objectId} secrets/${String(x).toLowerCase()}`),
      ...(p.permissions?.certificates ?? []).map((x) => `accessPolicy ${p.objectId} certificates/${String(x).toLowerCase()}`),
      ...(p.permissions?.keys ?? []).map((x) => `accessPolicy ${p.objectId} keys/${String(x).toLowerCase()}`),
    ]),
  ];
}

function networkView(v: Vault) {
  const a = acls(v);
  return {
    publicNetworkAccess: v.properties?.publicNetworkAccess,
    networkAcls: { bypass: a.bypass ?? 'AzureServices', defaultAction: a.defaultAction ?? 'Allow', ipRules: a.ipRules.map((r) => r.value), virtualNetworkRules: a.virtualNetworkRules.map((r) => r.id) },
  };
}

/** PATCH networkAcls with the FULL lists (a PATCH replaces the arrays, domain.md §3.4). */
async function patchAcls(ctx: ApplyContext, vaultId: string, next: NetworkRuleSet, etag: string | undefined): Promise<void> {
  const { resourceGroup, name } = parseVaultId(vaultId);
  await ctx.clients.keyVault.vaults.update(resourceGroup, name, { properties: { networkAcls: next } }, { abortSignal: ctx.signal, requestOptions: ifMatch(etag) });
}

function fullAcls(v: Vault): NetworkRuleSet {
  const a = acls(v);
  return { bypass: a.bypass ?? 'AzureServices', defaultAction: a.defaultAction ?? 'Allow', ipRules: a.ipRules, virtualNetworkRules: a.virtualNetworkRules };
}

function setBypass(ctx: ApplyContext, op: Op<'vault.setBypass'>): Promise<OperationResult> {
  return readModifyWrite(ctx, op, {
    what: `Trusted-services bypass on ${parseVaultId(op.vaultId).name}`,
    read: () => readVault(ctx, op.vaultId),
    isDone: (v) => (v.properties?.networkAcls?.bypass ?? 'AzureServices') === op.bypass,
    write: (v, etag) => patchAcls(ctx, op.vaultId, { ...fullAcls(v), bypass: op.bypass }, etag),
    entries: vaultEntries,
    view: networkView,
  });
}

function addIpRule(ctx: ApplyContext, op: Op<'vault.addIpRule'>): Promise<OperationResult> {
  return readModifyWrite(ctx, op, {
    what: `IP rule ${op.value} on ${parseVaultId(op.vaultId).name}`,
    read: () => readVault(ctx, op.vaultId),
    isDone: (v) => acls(v).ipRules.some((r) => sameIpRule(r.value, op.value)),
    write: (v, etag) => {
      const a = fullAcls(v);
      return patchAcls(ctx, op.vaultId, { ...a, ipRules: [...(a.ipRules ?? []), { value: op.value }] }, etag);
    },
    entries: vaultEntries,
    view: networkView,
  });
}

async function removeIpRule(ctx: ApplyContext, op: Op<'vault.removeIpRule'>): Promise<OperationResult> {
  const target = `ipRule ${op.value.replace(/\/32$/, '')}`;
  return readModifyWrite(ctx, op, {
    what: `Removal of IP rule ${op.value} from ${parseVaultId(op.vaultId).name}`,
    read: () => readVault(ctx, op.vaultId),
    isDone: (v) => !acls(v).ipRules.some((r) => sameIpRule(r.value, op.value)),
    write: (v, etag) => {
      const a = fullAcls(v);
      return patchAcls(ctx, op.vaultId, { ...a, ipRules: (a.ipRules ?? []).filter((r) => !sameIpRule(r.value, op.value)) }, etag);
    },
    // The removed rule is meant to go; every other entry must stay.
    entries: (v) => vaultEntries(v).filter((e) => e !== target),
    view: networkView,
  });
}

function addVirtualNetworkRule(ctx: ApplyContext, op: Op<'vault.addVirtualNetworkRule'>): Promise<OperationResult> {
  return readModifyWrite(ctx, op, {
    what: `Virtual network rule for ${parseSubnetId(op.subnetId).name} on ${parseVaultId(op.vaultId).name}`,
    read: () => readVault(ctx, op.vaultId),
    isDone: (v) => acls(v).virtualNetworkRules.some((r) => sameId(r.id, op.subnetId)),
    write: (v, etag) => {
      const a = fullAcls(v);
      return patchAcls(ctx, op.vaultId, { ...a, virtualNetworkRules: [...(a.virtualNetworkRules ?? []), { id: op.subnetId }] }, etag);
    },
    entries: vaultEntries,
    view: networkView,
  });
}

function covers(granted: string[] | undefined, wanted: string[] | undefined): boolean {
  const g = new Set((granted ?? []).map((x) => String(x).toLowerCase()));
  return (wanted ?? []).every((w) => g.has('all') || g.has(w.toLowerCase()));
}

function addAccessPolicy(ctx: ApplyContext, op: Op<'vault.addAccessPolicy'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseVaultId(op.vaultId);
  const mine = (v: Vault) => (v.properties?.accessPolicies ?? []).filter((p) => p.objectId.toLowerCase() === op.objectId.toLowerCase());
  return readModifyWrite(ctx, op, {
    what: `Access policy for ${op.objectId} on ${name}`,
    read: () => readVault(ctx, op.vaultId),
    isDone: (v) => mine(v).some((p) => covers(p.permissions?.secrets, op.permissions.secrets) && covers(p.permissions?.certificates, op.permissions.certificates)),
    async write() {
      // 'add' merges into the principal's entry and leaves every other policy alone.
      await ctx.clients.keyVault.vaults.updateAccessPolicy(
        resourceGroup,
        name,
        'add',
        { properties: { accessPolicies: [{ tenantId: op.tenantId, objectId: op.objectId, permissions: { secrets: op.permissions.secrets ?? [], certificates: op.permissions.certificates ?? [] } }] } },
        { abortSignal: ctx.signal },
      );
    },
    entries: vaultEntries,
    view: (v) => ({ enableRbacAuthorization: v.properties?.enableRbacAuthorization === true, accessPolicies: (v.properties?.accessPolicies ?? []).map((p) => ({ objectId: p.objectId, permissions: p.permissions })) }),
  });
}

async function recoverVault(ctx: ApplyContext, op: Op<'vault.recover'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseVaultId(op.vaultId);
  const exists = async () => {
    try {
      return (await readVault(ctx, op.vaultId)).state;
    } catch (e) {
      if (toAzureError(e).kind === 'NotFound') return undefined;
      throw e;
    }
  };
  const before = await exists();
  if (before) return { outcome: 'already', message: `Key vault ${name} exists; nothing to recover.`, before: { exists: true }, after: { exists: true }, verified: true, lost: [] };
  const claims = await operatorClaims(ctx.clients, ctx.signal);
  await ctx.beforeWrite?.(op);
  await ctx.clients.keyVault.vaults.beginCreateOrUpdateAndWait(
    resourceGroup,
    name,
    // tenantId and sku are required by the schema; with createMode 'recover' the vault comes back as it was.
    { location: op.location, properties: { tenantId: claims.tid ?? '', sku: { family: 'A', name: 'standard' }, createMode: 'recover' } },
    { abortSignal: ctx.signal, updateIntervalInMs: ctx.clients.lroIntervalMs },
  );
  const after = await exists();
  return {
    outcome: 'applied',
    message: after ? `Key vault ${name} recovered.` : `Recovery of ${name} was accepted, but the vault is not visible yet.`,
    before: { exists: false },
    after: { exists: !!after, vaultUri: after?.properties?.vaultUri },
    verified: !!after,
    lost: [],
  };
}

// ---------- Authorization ----------

async function createRoleAssignment(ctx: ApplyContext, op: Op<'roleAssignment.create'>): Promise<OperationResult> {
  const auth = ctx.clients.authorization;
  const id = `${op.scope.replace(/\/+$/, '')}/providers/Microsoft.Authorization/roleAssignments/${op.name}`;
  const read = async () => {
    try {
      return await auth.roleAssignments.getById(scopeForSdk(id), { abortSignal: ctx.signal });
    } catch (e) {
      if (toAzureError(e).kind === 'NotFound') return undefined;
      throw e;
    }
  };
  const matches = (ra: { principalId?: string; roleDefinitionId?: string } | undefined) =>
    !!ra && ra.principalId?.toLowerCase() === op.principalId.toLowerCase() && sameId(ra.roleDefinitionId, op.roleDefinitionId);
  const view = (ra: { principalId?: string; roleDefinitionId?: string; scope?: string } | undefined) =>
    ra ? { name: op.name, principalId: ra.principalId, roleDefinitionId: ra.roleDefinitionId, scope: ra.scope ?? op.scope } : undefined;

  const existing = await read();
  if (matches(existing)) return { outcome: 'already', message: 'The role assignment exists already.', before: view(existing), after: view(existing), verified: true, lost: [] };
  if (existing) {
    return {
      outcome: 'failed',
      message: `A different role assignment already uses the name ${op.name}.`,
      before: view(existing),
      verified: false,
      lost: [],
      error: { kind: 'Conflict', status: 409, code: 'RoleAssignmentNameInUse', message: `Role assignment ${op.name} exists with another role or principal.`, hint: 'Re-check (r): the plan will pick a fresh name.' },
    };
  }
  await ctx.beforeWrite?.(op);
  try {
    await auth.roleAssignments.create(
      scopeForSdk(op.scope),
      op.name,
      {
        roleDefinitionId: op.roleDefinitionId,
        principalId: op.principalId,
        // ServicePrincipal avoids PrincipalNotFound for a just-created identity (domain.md §6 #8).
        principalType: op.principalType,
        ...(op.description ? { description: op.description } : {}),
      },
      { abortSignal: ctx.signal },
    );
  } catch (e) {
    const info = toAzureError(e);
    if (info.code === 'RoleAssignmentExists') {
      return { outcome: 'already', message: 'An equal role assignment exists already (under another name).', verified: true, lost: [] };
    }
    throw e;
  }
  const after = await read();
  return {
    outcome: 'applied',
    message: matches(after) ? 'Role assignment created. Azure RBAC can take a few minutes to apply it.' : 'Role assignment created, but it is not visible on re-read yet.',
    after: view(after),
    verified: matches(after),
    lost: [],
  };
}

// ---------- Network ----------

async function readSubnet(ctx: ApplyContext, subnetId: string): Promise<Snapshot<Subnet>> {
  const s = parseSubnetId(subnetId);
  const state = await ctx.clients.network.subnets.get(s.resourceGroup, s.vnet, s.name, { abortSignal: ctx.signal });
  return { state, etag: state.etag };
}

function subnetEntries(s: Subnet): string[] {
  return [
    ...(s.addressPrefix ? [`addressPrefix ${s.addressPrefix}`] : []),
    ...(s.addressPrefixes ?? []).map((p) => `addressPrefix ${p}`),
    ...(s.serviceEndpoints ?? []).map((e) => `serviceEndpoint ${e.service}`),
    ...(s.networkSecurityGroup?.id ? [`networkSecurityGroup ${s.networkSecurityGroup.id.toLowerCase()}`] : []),
    ...(s.routeTable?.id ? [`routeTable ${s.routeTable.id.toLowerCase()}`] : []),
    ...(s.natGateway?.id ? [`natGateway ${s.natGateway.id.toLowerCase()}`] : []),
    ...(s.delegations ?? []).map((d) => `delegation ${d.serviceName ?? d.name}`),
  ];
}

function addServiceEndpoint(ctx: ApplyContext, op: Op<'subnet.addServiceEndpoint'>): Promise<OperationResult> {
  const s = parseSubnetId(op.subnetId);
  return readModifyWrite(ctx, op, {
    what: `${op.service} service endpoint on subnet ${s.name}`,
    read: () => readSubnet(ctx, op.subnetId),
    isDone: (sub) => (sub.serviceEndpoints ?? []).some((e) => e.service?.toLowerCase() === op.service.toLowerCase()),
    async write(sub, etag) {
      // PUT replaces the whole subnet: send back everything it has, plus the endpoint.
      const next: Subnet = { ...sub, serviceEndpoints: [...(sub.serviceEndpoints ?? []).map((e) => ({ service: e.service, locations: e.locations })), { service: op.service, locations: ['*'] }] };
      await ctx.clients.network.subnets.beginCreateOrUpdateAndWait(s.resourceGroup, s.vnet, s.name, next, {
        abortSignal: ctx.signal,
        updateIntervalInMs: ctx.clients.lroIntervalMs,
        requestOptions: ifMatch(etag),
      });
    },
    entries: subnetEntries,
    view: (sub) => ({
      addressPrefixes: [sub.addressPrefix, ...(sub.addressPrefixes ?? [])].filter(Boolean),
      serviceEndpoints: (sub.serviceEndpoints ?? []).map((e) => ({ service: e.service, provisioningState: e.provisioningState })),
      networkSecurityGroup: sub.networkSecurityGroup?.id,
      routeTable: sub.routeTable?.id,
      delegations: (sub.delegations ?? []).map((d) => d.serviceName ?? d.name),
    }),
  });
}

function sameRule(r: SecurityRule | undefined, op: Op<'nsg.putRule'>): boolean {
  if (!r) return false;
  const f = nsgRuleFromSdk(r, false);
  const w = op.rule;
  const eq = (a: string[], b: string) => a.length === 1 && a[0]!.toLowerCase() === b.toLowerCase();
  return (
    f.priority === w.priority &&
    f.direction === w.direction &&
    f.access === w.access &&
    f.protocol.toLowerCase() === w.protocol.toLowerCase() &&
    eq(f.sourceAddressPrefixes, w.sourceAddressPrefix) &&
    eq(f.destinationAddressPrefixes, w.destinationAddressPrefix) &&
    eq(f.destinationPortRanges, w.destinationPortRange)
  );
}

function putNsgRule(ctx: ApplyContext, op: Op<'nsg.putRule'>): Promise<OperationResult> {
  const n = parseNsgId(op.nsgId);
  const find = (nsg: NetworkSecurityGroup) => (nsg.securityRules ?? []).find((r) => r.name?.toLowerCase() === op.ruleName.toLowerCase());
  return readModifyWrite(ctx, op, {
    what: `NSG rule ${op.ruleName} on ${n.name}`,
    async read() {
      const state = await ctx.clients.network.networkSecurityGroups.get(n.resourceGroup, n.name, { abortSignal: ctx.signal });
      return { state, etag: find(state)?.etag };
    },
    isDone: (nsg) => sameRule(find(nsg), op),
    async write(_nsg, etag) {
      await ctx.clients.network.securityRules.beginCreateOrUpdateAndWait(n.resourceGroup, n.name, op.ruleName, { ...op.rule }, {
        abortSignal: ctx.signal,
        updateIntervalInMs: ctx.clients.lroIntervalMs,
        requestOptions: ifMatch(etag),
      });
    },
    entries: (nsg) => (nsg.securityRules ?? []).filter((r) => r.name?.toLowerCase() !== op.ruleName.toLowerCase()).map((r) => `rule ${r.name}`),
    view: (nsg) => ({ rules: (nsg.securityRules ?? []).map((r) => nsgRuleFromSdk(r, false)) }),
  });
}

// ---------- dispatch ----------

async function dispatch(ctx: ApplyContext, op: Operation): Promise<OperationResult> {
  switch (op.kind) {
    case 'apim.enableSystemIdentity':
      return enableSystemIdentity(ctx, op);
    case 'apim.setCustomProperty':
      return setCustomProperty(ctx, op);
    case 'apim.putKeyVaultCertificate':
      return putKeyVaultCertificate(ctx, op);
    case 'apim.uploadCertificate':
      return uploadCertificate(ctx, op);
    case 'apim.refreshCertificate':
      return refreshCertificate(ctx, op);
    case 'vault.recover':
      return recoverVault(ctx, op);
    case 'vault.addAccessPolicy':
      return addAccessPolicy(ctx, op);
    case 'vault.setBypass':
      return setBypass(ctx, op);
    case 'vault.addIpRule':
      return addIpRule(ctx, op);
    case 'vault.removeIpRule':
      return removeIpRule(ctx, op);
    case 'vault.addVirtualNetworkRule':
      return addVirtualNetworkRule(ctx, op);
    case 'roleAssignment.create':
      return createRoleAssignment(ctx, op);
    case 'subnet.addServiceEndpoint':
      return addServiceEndpoint(ctx, op);
    case 'nsg.putRule':
      return putNsgRule(ctx, op);
  }
}

/** Execute one operation. Azure failures become outcome 'failed' with typed error info; a cancel is rethrown. */
export async function applyOperation(ctx: ApplyContext, op: Operation): Promise<OperationResult> {
  try {
    return await dispatch(ctx, op);
  } catch (e) {
    const error = toAzureError(e);
    if (error.kind === 'Aborted' || e instanceof Cancelled) throw e;
    return { outcome: 'failed', message: `${op.kind} failed: ${error.message}`, verified: false, lost: [], error };
  }
}
