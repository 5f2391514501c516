// API Management executors: identity, custom properties, certificates.
import type { ApiManagementServiceResource, CertificateContract, NamedValueContract } from '@azure/arm-apimanagement';
import type { OperationOf } from '../../checks/operations/index.ts';
import type { OperationResult } from '../../checks/ports.ts';
import { parseApimId } from '../arm-id.ts';
import { apimCertificateFromSdk, apimFromSdk, apimNamedValueFromSdk } from '../convert.ts';
import { toAzureError } from '../errors.ts';
import { done, readModifyWrite, seen, type ApplyContext, type ExecutorFamily, type Snapshot } from './read-modify-write.ts';

type Certificate = CertificateContract & { eTag?: string };

async function readApim(ctx: ApplyContext, apimId: string): Promise<Snapshot<ApiManagementServiceResource>> {
  const { resourceGroup, name } = parseApimId(apimId);
  const svc = await ctx.clients.apim.apiManagementService.get(resourceGroup, name, { abortSignal: ctx.signal });
  return { state: svc };
}

const observeApim = (svc: ApiManagementServiceResource) => ({ apim: seen(apimFromSdk(svc)) });

function identityView(svc: ApiManagementServiceResource) {
  return {
    type: svc.identity?.type ?? 'None',
    principalId: svc.identity?.principalId,
    userAssignedIdentities: Object.keys(svc.identity?.userAssignedIdentities ?? {}),
  };
}

function enableSystemIdentity(ctx: ApplyContext, op: OperationOf<'apim.enableSystemIdentity'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  return readModifyWrite(ctx, op, {
    what: `System-assigned identity on ${name}`,
    read: () => readApim(ctx, op.apimId),
    observe: observeApim,
    async write(svc) {
      const uais = Object.keys(svc.identity?.userAssignedIdentities ?? {});
      // UAIs are sent back as empty objects: echoing principalId/clientId gives InvalidIdentityValues (domain.md §3.2).
      const identity = uais.length
        ? { type: 'SystemAssigned, UserAssigned' as const, userAssignedIdentities: Object.fromEntries(uais.map((id) => [id, {}])) }
        : { type: 'SystemAssigned' as const };
      await ctx.clients.apim.apiManagementService.beginUpdateAndWait(
        resourceGroup,
        name,
        { identity },
        { abortSignal: ctx.signal, updateIntervalInMs: ctx.clients.lroIntervalMs },
      );
    },
    entries: (svc) => Object.keys(svc.identity?.userAssignedIdentities ?? {}).map((id) => `userAssignedIdentity ${id.toLowerCase()}`),
    view: identityView,
  });
}

function setCustomProperty(ctx: ApplyContext, op: OperationOf<'apim.setCustomProperty'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  return readModifyWrite(ctx, op, {
    what: `Custom property ${op.key}=${op.value} on ${name}`,
    read: () => readApim(ctx, op.apimId),
    observe: observeApim,
    async write(svc) {
      // The whole map goes back: a partial map could drop the other settings (domain.md §2.4).
      const customProperties = { ...(svc.customProperties ?? {}), [op.key]: op.value };
      await ctx.clients.apim.apiManagementService.beginUpdateAndWait(
        resourceGroup,
        name,
        { customProperties },
        { abortSignal: ctx.signal, updateIntervalInMs: ctx.clients.lroIntervalMs },
      );
    },
    entries: (svc) =>
      Object.entries(svc.customProperties ?? {})
        .filter(([k]) => k !== op.key)
        .map(([k, v]) => `${k}=${v}`),
    view: (svc) => ({ customProperties: { ...(svc.customProperties ?? {}) } }),
  });
}

async function readCertificate(ctx: ApplyContext, apimId: string, certificateId: string): Promise<Certificate | undefined> {
  const { resourceGroup, name } = parseApimId(apimId);
  try {
    return await ctx.clients.apim.certificate.get(resourceGroup, name, certificateId, { abortSignal: ctx.signal });
  } catch (e) {
    if (toAzureError(e).kind === 'NotFound') return undefined;
    throw e;
  }
}

/** The certificate (or its absence) as facts, for the registry's isDone. */
const observeCertificate = (c: Certificate | undefined) => ({ apimCertificates: seen(c ? [apimCertificateFromSdk(c)] : []) });

function certificateView(c: Certificate | undefined) {
  if (!c) return undefined;
  const f = apimCertificateFromSdk(c);
  return { subject: f.subject, thumbprint: f.thumbprint, expirationDate: f.expirationDate, keyVault: f.keyVault };
}

async function putKeyVaultCertificate(ctx: ApplyContext, op: OperationOf<'apim.putKeyVaultCertificate'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  const existing = await readCertificate(ctx, op.apimId, op.certificateId);
  // Pointing at the secret is not enough when APIM could not fetch it: writing again makes it fetch anew.
  if (done(op, observeCertificate(existing)) && (existing?.keyVault?.lastStatus?.code ?? 'Success') === 'Success') {
    return {
      outcome: 'already',
      message: `Certificate ${op.certificateId} already points at ${op.secretIdentifier}.`,
      before: certificateView(existing),
      after: certificateView(existing),
      verified: true,
      lost: [],
    };
  }
  await ctx.beforeWrite?.(op);
  // The plan's ETag (what the operator saw) wins: if it no longer matches, APIM answers 412 instead of overwriting.
  const etag = op.ifMatch ?? existing?.eTag;
  const keyVault = { secretIdentifier: op.secretIdentifier, ...(op.identityClientId ? { identityClientId: op.identityClientId } : {}) };
  await ctx.clients.apim.certificate.createOrUpdate(
    resourceGroup,
    name,
    op.certificateId,
    { keyVault },
    { abortSignal: ctx.signal, ...(etag ? { ifMatch: etag } : {}) },
  );
  const after = await readCertificate(ctx, op.apimId, op.certificateId);
  const status = after?.keyVault?.lastStatus;
  const pointsRight = done(op, observeCertificate(after));
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

async function uploadCertificate(ctx: ApplyContext, op: OperationOf<'apim.uploadCertificate'>): Promise<OperationResult> {
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
  const ok = done(op, observeCertificate(after));
  return {
    outcome: 'applied',
    message: ok
      ? `Certificate ${op.certificateId} uploaded (thumbprint ${after!.thumbprint}).`
      : `Certificate ${op.certificateId}: uploaded, but it is not visible on re-read.`,
    before: certificateView(existing),
    after: certificateView(after),
    verified: ok,
    lost: [],
  };
}

/** A refresh leaves nothing isDone could see: its own answer (lastStatus) is the verification. */
async function refreshCertificate(ctx: ApplyContext, op: OperationOf<'apim.refreshCertificate'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  const before = await readCertificate(ctx, op.apimId, op.certificateId);
  await ctx.beforeWrite?.(op);
  const after = await ctx.clients.apim.certificate.refreshSecret(resourceGroup, name, op.certificateId, { abortSignal: ctx.signal });
  const status = after.keyVault?.lastStatus;
  const ok = status?.code === 'Success';
  return {
    outcome: 'applied',
    message: ok
      ? `Certificate ${op.certificateId} refreshed from Key Vault.`
      : `Refresh of ${op.certificateId} ran, but APIM reports ${status?.code ?? 'no status'}: ${status?.message ?? ''}`.trim(),
    before: certificateView(before),
    after: certificateView(after),
    verified: ok,
    lost: [],
  };
}

/** As for certificates, the refresh's own answer (lastStatus) is the verification. */
async function refreshNamedValue(ctx: ApplyContext, op: OperationOf<'apim.refreshNamedValue'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  await ctx.beforeWrite?.(op);
  const after = await ctx.clients.apim.namedValue.beginRefreshSecretAndWait(resourceGroup, name, op.namedValueId, {
    abortSignal: ctx.signal,
  });
  const status = after.keyVault?.lastStatus;
  const ok = status?.code === 'Success';
  const view = (code?: string) => (code ? [`keyVault.lastStatus: ${code}`] : []);
  return {
    outcome: 'applied',
    message: ok
      ? `Named value ${op.namedValueId} refreshed from Key Vault.`
      : `Refresh of named value ${op.namedValueId} ran, but APIM reports ${status?.code ?? 'no status'}: ${status?.message ?? ''}`.trim(),
    before: [],
    after: view(status?.code),
    verified: ok,
    lost: [],
  };
}

const hostKey = (h: { type?: string; hostName?: string }) => `${(h.type ?? '').toLowerCase()}|${(h.hostName ?? '').toLowerCase()}`;

/**
 * One hostname to the system identity: the service is re-read and its whole hostnameConfigurations list sent back
 * (ARM replaces the list), every other hostname exactly as read, this one without identityClientId.
 */
function hostnameToSystemIdentity(ctx: ApplyContext, op: OperationOf<'apim.hostnameToSystemIdentity'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  const target = hostKey({ type: op.hostType, hostName: op.hostName });
  const others = (svc: ApiManagementServiceResource) =>
    (svc.hostnameConfigurations ?? []).filter((h) => hostKey(h) !== target).map((h) => `hostname ${JSON.stringify(h)}`);
  return readModifyWrite(ctx, op, {
    what: `Hostname ${op.hostName} on ${name}`,
    read: () => readApim(ctx, op.apimId),
    observe: observeApim,
    async write(svc) {
      const hostnameConfigurations = (svc.hostnameConfigurations ?? []).map((h) => {
        if (hostKey(h) !== target) return h;
        const { identityClientId: _c, ...rest } = h;
        return rest;
      });
      await ctx.clients.apim.apiManagementService.beginUpdateAndWait(
        resourceGroup,
        name,
        { hostnameConfigurations },
        { abortSignal: ctx.signal, updateIntervalInMs: ctx.clients.lroIntervalMs },
      );
    },
    // Every other hostname must come back identical (its certificate, bindings, identity).
    entries: others,
    view: (svc) =>
      (svc.hostnameConfigurations ?? []).map((h) => ({
        type: h.type,
        hostName: h.hostName,
        keyVaultId: h.keyVaultId,
        identityClientId: h.identityClientId,
        certificateStatus: h.certificateStatus,
      })),
  });
}

/**
 * One named value to the system identity: re-read, PUT back as read (display name, secret flag, tags) with only
 * keyVault.secretIdentifier and If-Match, then a refresh, whose lastStatus tells whether the system identity fetched it.
 */
async function namedValueToSystemIdentity(ctx: ApplyContext, op: OperationOf<'apim.namedValueToSystemIdentity'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseApimId(op.apimId);
  const read = () => ctx.clients.apim.namedValue.get(resourceGroup, name, op.namedValueId, { abortSignal: ctx.signal });
  const view = (v: NamedValueContract) => {
    const f = apimNamedValueFromSdk(v);
    return { displayName: f.displayName, keyVault: f.keyVault };
  };
  const before = await read();
  const observed = (v: NamedValueContract) => ({ namedValues: seen([apimNamedValueFromSdk(v)]) });
  if (done(op, observed(before)) && before.keyVault?.lastStatus?.code === 'Success')
    return {
      outcome: 'already',
      message: `Named value ${op.namedValueId} already reads ${op.secretIdentifier} with the system identity.`,
      before: view(before),
      after: view(before),
      verified: true,
      lost: [],
    };
  await ctx.beforeWrite?.(op);
  await ctx.clients.apim.namedValue.beginCreateOrUpdateAndWait(
    resourceGroup,
    name,
    op.namedValueId,
    {
      displayName: before.displayName ?? op.namedValueId,
      secret: before.secret ?? true,
      ...(before.tags ? { tags: before.tags } : {}),
      keyVault: { secretIdentifier: before.keyVault?.secretIdentifier ?? op.secretIdentifier },
    },
    { abortSignal: ctx.signal, updateIntervalInMs: ctx.clients.lroIntervalMs, ...(before.eTag ? { ifMatch: before.eTag } : {}) },
  );
  const refreshed = await ctx.clients.apim.namedValue.beginRefreshSecretAndWait(resourceGroup, name, op.namedValueId, {
    abortSignal: ctx.signal,
    updateIntervalInMs: ctx.clients.lroIntervalMs,
  });
  const after = await read();
  const switched = done(op, observed(after));
  const status = refreshed.keyVault?.lastStatus;
  const fetched = status?.code === 'Success';
  const tagsKept = JSON.stringify(after.tags ?? []) === JSON.stringify(before.tags ?? []) && after.displayName === before.displayName;
  return {
    outcome: 'applied',
    message: !switched
      ? `Named value ${op.namedValueId}: written, but it still names a user-assigned identity on re-read.`
      : fetched
        ? `Named value ${op.namedValueId} now reads ${op.secretIdentifier} with the system identity (refreshed: Success).`
        : `Named value ${op.namedValueId} switched to the system identity, but its refresh reports ${status?.code ?? 'no status'}: ${status?.message ?? ''}`.trim(),
    before: view(before),
    after: view(after),
    verified: switched && fetched && tagsKept,
    lost: tagsKept ? [] : ['displayName/tags'],
  };
}

export const apimExecutors: ExecutorFamily<'apim.'> = {
  'apim.refreshNamedValue': refreshNamedValue,
  'apim.enableSystemIdentity': enableSystemIdentity,
  'apim.setCustomProperty': setCustomProperty,
  'apim.putKeyVaultCertificate': putKeyVaultCertificate,
  'apim.uploadCertificate': uploadCertificate,
  'apim.refreshCertificate': refreshCertificate,
  'apim.hostnameToSystemIdentity': hostnameToSystemIdentity,
  'apim.namedValueToSystemIdentity': namedValueToSystemIdentity,
};
