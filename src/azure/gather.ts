// One read pass: everything the checks need, concurrently along real dependencies (APIM -> subnet ->
// NSG; vault -> role assignments -> role definitions; vault -> private endpoints), each resource once.
import type { KeyVaultManagementClient, Vault } from '@azure/arm-keyvault';
import type {
  ApimCertificateFacts,
  ApimFacts,
  ApimNamedValueFacts,
  ApimWorkspaceFacts,
  ReferencedSecretFacts,
  ContextFacts,
  DataPlaneProbe,
  DeletedVaultFacts,
  Fact,
  Facts,
  NsgFacts,
  OperatorFacts,
  PermissionFacts,
  PrivateEndpointFacts,
  RoleAssignmentFacts,
  RoleDefinitionFacts,
  SubnetFacts,
  VaultCertificateFacts,
  VaultFacts,
} from '../checks/facts.ts';
import { vaultByName } from '../graph/queries.ts';
import type { Target } from '../checks/ports.ts';
import { parseApimId, parseNsgId, parsePrivateEndpointId, parseSubnetId, scopeForSdk } from './arm-id.ts';
import type { AzureClients } from './clients.ts';
import {
  apimCertificateFromSdk,
  apimNamedValueFromSdk,
  apimFromSdk,
  apimWorkspaceFromSdk,
  deletedVaultFromSdk,
  nsgFromSdk,
  privateEndpointFromSdk,
  roleAssignmentFromSdk,
  roleDefinitionFromSdk,
  roleDefinitionGuid,
  subnetFromSdk,
  vaultCertificateFromSdk,
  vaultFromSdk,
} from './convert.ts';
import { decodeTokenClaims, type TokenClaims } from './credential.ts';
import { parseClientAddress, toAzureError } from './errors.ts';
import { all, API_VERSIONS, Cancelled, dependentFact, failedFact, listPermissions, readFact } from './facts-read.ts';
import { ownershipReader } from './ownership.ts';
import { offersWorkspaces } from '../checks/posture.ts';

/** What the gather needs besides the clients. */
export interface GatherContext {
  subscriptionId: string;
  sandbox: boolean;
}

type Gathered = Omit<Facts, 'temporaryChanges' | 'intent'>;

function apimIdOf(target: Target): string {
  return `/subscriptions/${target.subscriptionId}/resourceGroups/${target.apim.resourceGroup}/providers/Microsoft.ApiManagement/service/${target.apim.name}`;
}

const vaultSubscriptionOf = (target: Target) => target.vault.subscriptionId ?? target.subscriptionId;

function vaultIdOf(target: Target, resourceGroup: string): string {
  return `/subscriptions/${vaultSubscriptionOf(target)}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/vaults/${target.vault.name}`;
}

/** Claims of the ARM token: who the operator is. A failure here is not fatal (the reads will report it). */
export async function operatorClaims(clients: AzureClients, signal?: AbortSignal): Promise<TokenClaims> {
  try {
    const token = await clients.credential.getToken(clients.profile.armScope, { abortSignal: signal });
    return token ? decodeTokenClaims(token.token) : {};
  } catch {
    return {};
  }
}

/**
 * Who the claims say is signed in. For a user, appid is the tool they signed in with (the Azure CLI), not them,
 * so it is kept only for an app-only token.
 */
function operatorOf(claims: TokenClaims): OperatorFacts {
  if (!claims.oid) return {};
  if (claims.app) {
    return {
      objectId: claims.oid,
      kind: 'servicePrincipal',
      ...(claims.appDisplayName ? { displayName: claims.appDisplayName } : {}),
      ...(claims.appid ? { appId: claims.appid } : {}),
    };
  }
  return {
    objectId: claims.oid,
    kind: 'user',
    ...(claims.upn ? { displayName: claims.upn } : {}),
    ...(claims.name && claims.name !== claims.upn ? { name: claims.name } : {}),
  };
}

/** Where the vault is: by resource group when known, else Resource Graph, else listing the subscription's vaults. */
async function readVault(clients: AzureClients, target: Target, signal?: AbortSignal): Promise<Fact<VaultFacts>> {
  const kv: KeyVaultManagementClient = clients.keyVault;
  const opts = { abortSignal: signal };
  if (target.vault.resourceGroup) {
    const id = vaultIdOf(target, target.vault.resourceGroup);
    return readFact(id, API_VERSIONS.keyVault, 'Microsoft.KeyVault/vaults/read', async () =>
      vaultFromSdk(await kv.vaults.get(target.vault.resourceGroup!, target.vault.name, opts)),
    );
  }
  const placeholder = `/subscriptions/${vaultSubscriptionOf(target)}/providers/Microsoft.KeyVault/vaults/${target.vault.name}`;
  let resourceGroup: string | undefined;
  try {
    const result = await clients.resourceGraph.resources(
      { query: vaultByName(target.vault.name), subscriptions: [vaultSubscriptionOf(target)], options: { resultFormat: 'objectArray' } },
      opts,
    );
    const rows = (Array.isArray(result.data) ? result.data : []) as { name?: string; resourceGroup?: string }[];
    resourceGroup = rows.find((r) => r.name?.toLowerCase() === target.vault.name.toLowerCase())?.resourceGroup;
  } catch (e) {
    if (toAzureError(e).kind === 'Aborted') throw new Cancelled();
    // Resource Graph refused or is unavailable: the subscription listing below still finds it.
  }
  if (resourceGroup) {
    const rg = resourceGroup;
    return readFact(vaultIdOf(target, rg), API_VERSIONS.keyVault, 'Microsoft.KeyVault/vaults/read', async () =>
      vaultFromSdk(await kv.vaults.get(rg, target.vault.name, opts)),
    );
  }
  // Resource Graph lags ARM (domain.md §3.7): a vault created a minute ago is only in the listing.
  const listed = await readFact<Vault | undefined>(placeholder, API_VERSIONS.keyVault, 'Microsoft.KeyVault/vaults/read', async () => {
    for await (const v of kv.vaults.listBySubscription(opts)) {
      if (v.name?.toLowerCase() === target.vault.name.toLowerCase()) return v;
    }
    return undefined;
  });
  if (!listed.ok) return listed as Fact<VaultFacts>;
  if (!listed.value) {
    return {
      ok: false,
      unknown: 'NotFound',
      message: `No key vault named "${target.vault.name}" in subscription ${vaultSubscriptionOf(target)}. A vault in another subscription is named by its resource id (--vault /subscriptions/…/vaults/${target.vault.name}).`,
      from: listed.from,
    };
  }
  return { ok: true, value: vaultFromSdk(listed.value), from: { ...listed.from!, resourceId: listed.value.id ?? placeholder } };
}

/** Is a vault that was not found soft-deleted? Tries APIM's region first, then the subscription's deleted vaults. */
async function readDeletedVault(
  clients: AzureClients,
  target: Target,
  location: string | undefined,
  signal?: AbortSignal,
): Promise<Fact<DeletedVaultFacts | null>> {
  const opts = { abortSignal: signal };
  const id = `/subscriptions/${vaultSubscriptionOf(target)}/providers/Microsoft.KeyVault/deletedVaults/${target.vault.name}`;
  return readFact(id, API_VERSIONS.keyVault, 'Microsoft.KeyVault/locations/deletedVaults/read', async () => {
    if (location) {
      try {
        return deletedVaultFromSdk(await clients.keyVault.vaults.getDeleted(target.vault.name, location, opts));
      } catch (e) {
        if (toAzureError(e).kind !== 'NotFound') throw e;
      }
    }
    try {
      for await (const d of clients.keyVault.vaults.listDeleted(opts)) {
        if (d.name?.toLowerCase() === target.vault.name.toLowerCase()) return deletedVaultFromSdk(d);
      }
    } catch (e) {
      // A 404 on the listing means "none" as far as we can tell.
      if (toAzureError(e).kind !== 'NotFound') throw e;
    }
    return null;
  });
}

/** Role assignments at (or inherited by) the vault for each APIM identity principal, de-duplicated. */
async function readRoleAssignments(
  clients: AzureClients,
  vaultId: string,
  principals: string[],
  signal?: AbortSignal,
): Promise<Fact<RoleAssignmentFacts[]>> {
  return readFact(vaultId, API_VERSIONS.authorization, 'Microsoft.Authorization/roleAssignments/read', async () => {
    const lists = await Promise.all(
      principals.map((p) =>
        all(
          clients.authorization.roleAssignments.listForScope(scopeForSdk(vaultId), { filter: `assignedTo('${p}')`, abortSignal: signal }),
        ),
      ),
    );
    const byId = new Map<string, RoleAssignmentFacts>();
    for (const ra of lists.flat().map(roleAssignmentFromSdk)) byId.set(ra.id.toLowerCase(), ra);
    return [...byId.values()];
  });
}

/** Each referenced role definition, read once. An unreadable one is left out (the check then says unknown). */
async function readRoleDefinitions(
  clients: AzureClients,
  assignments: RoleAssignmentFacts[],
  signal?: AbortSignal,
): Promise<Record<string, RoleDefinitionFacts>> {
  const ids = new Map<string, string>();
  for (const a of assignments) if (a.roleDefinitionId) ids.set(roleDefinitionGuid(a.roleDefinitionId), a.roleDefinitionId);
  const out: Record<string, RoleDefinitionFacts> = {};
  await Promise.all(
    [...ids].map(async ([guid, id]) => {
      const fact = await readFact(id, API_VERSIONS.authorization, 'Microsoft.Authorization/roleDefinitions/read', async () =>
        roleDefinitionFromSdk(await clients.authorization.roleDefinitions.getById(id, { abortSignal: signal })),
      );
      if (fact.ok) out[guid] = fact.value;
    }),
  );
  return out;
}

function permissionsFact(clients: AzureClients, resourceId: string, signal?: AbortSignal): Promise<Fact<PermissionFacts[]>> {
  return readFact(resourceId, API_VERSIONS.authorization, 'Microsoft.Authorization/permissions/read', () =>
    listPermissions(clients, resourceId, signal),
  );
}

/** Can the operator list one page of secrets and of certificates? Tells firewall, RBAC and reachability apart. */
export async function probeDataPlane(clients: AzureClients, vaultUri: string, signal?: AbortSignal): Promise<Fact<DataPlaneProbe>> {
  const attempt = async (
    list: () => AsyncIterableIterator<unknown>,
  ): Promise<{ ok: true } | { ok: false; info: ReturnType<typeof toAzureError> }> => {
    try {
      await list().next();
      return { ok: true };
    } catch (e) {
      const info = toAzureError(e);
      if (info.kind === 'Aborted') throw new Cancelled();
      return { ok: false, info };
    }
  };
  const [s, c] = await Promise.all([
    attempt(() => clients.secretClient(vaultUri).listPropertiesOfSecrets({ abortSignal: signal }).byPage({ maxPageSize: 1 })),
    attempt(() => clients.certificateClient(vaultUri).listPropertiesOfCertificates({ abortSignal: signal }).byPage({ maxPageSize: 1 })),
  ]);
  const from = { resourceId: vaultUri, apiVersion: API_VERSIONS.keyVaultData, readAt: new Date().toISOString() };
  const failures = [s, c].flatMap((r) => (r.ok ? [] : [r.info]));
  const firewall = failures.find((i) => i.code === 'ForbiddenByFirewall');
  if (firewall)
    return {
      ok: true,
      value: { status: 'firewall', clientAddress: parseClientAddress(firewall.message), message: firewall.message },
      from,
    };
  const closed = failures.find((i) => i.code === 'ForbiddenByConnection');
  if (closed) return { ok: true, value: { status: 'firewall', message: closed.message, publicAccessDisabled: true }, from };
  const network = failures.find((i) => i.kind === 'Network');
  if (network) return { ok: true, value: { status: 'unreachable', message: network.message }, from };
  const other = failures.find((i) => i.kind !== 'Forbidden');
  if (other) return failedFact(other, vaultUri, API_VERSIONS.keyVaultData);
  if (!s.ok && !c.ok) return { ok: true, value: { status: 'forbidden', message: s.info.message }, from };
  return { ok: true, value: { status: 'ok', canListSecrets: s.ok, canListCertificates: c.ok }, from };
}

/** All certificates of a vault (every page), with content type from the secrets listing when allowed. */
export async function listVaultCertificates(
  clients: AzureClients,
  vaultUri: string,
  signal?: AbortSignal,
): Promise<Fact<VaultCertificateFacts[]>> {
  return readFact(vaultUri, API_VERSIONS.keyVaultData, undefined, async () => {
    const contentTypes = new Map<string, string>();
    const [certs] = await Promise.all([
      all(clients.certificateClient(vaultUri).listPropertiesOfCertificates({ abortSignal: signal })),
      (async () => {
        try {
          for await (const s of clients.secretClient(vaultUri).listPropertiesOfSecrets({ abortSignal: signal })) {
            if (s.contentType) contentTypes.set(s.name.toLowerCase(), s.contentType);
          }
        } catch (e) {
          if (toAzureError(e).kind === 'Aborted') throw e;
          // Certificates get/list without secrets list is a valid setup: content types stay unknown.
        }
      })(),
    ]);
    return certs
      .map((c) => vaultCertificateFromSdk(c, contentTypes.get((c.name ?? '').toLowerCase())))
      .sort((a, b) => a.name.localeCompare(b.name));
  });
}

/** Lower-case versionless identifier of a Key Vault secret reference on this vault, or undefined (another vault, not a URL). */
function referenceOn(vaultUri: string, identifier: string): { key: string; name: string } | undefined {
  try {
    const vault = new URL(vaultUri).hostname.toLowerCase();
    const url = new URL(identifier);
    const [collection, name] = url.pathname.split('/').filter(Boolean);
    if (url.hostname.toLowerCase() !== vault || !name || !/^(secrets|certificates)$/i.test(collection ?? '')) return undefined;
    return { key: `https://${vault}/secrets/${name.toLowerCase()}`, name };
  } catch {
    return undefined;
  }
}

/** What reading another vault needs, and the roles that grant it (named when it could not be read). */
const OTHER_VAULT_READ = 'Microsoft.KeyVault/vaults/read';
const OTHER_VAULT_ROLES = 'Reader or Key Vault Reader on the vault (or its resource group or subscription)';

/** One vault found by Resource Graph in whichever subscription holds it, then read from ARM in that subscription. */
async function readVaultAnywhere(clients: AzureClients, host: string, signal?: AbortSignal): Promise<Fact<VaultFacts> | undefined> {
  const name = host.split('.')[0] ?? '';
  let row: { id?: string; resourceGroup?: string; subscriptionId?: string; vaultUri?: string } | undefined;
  try {
    const result = await clients.resourceGraph.resources(
      { query: vaultByName(name), options: { resultFormat: 'objectArray' } },
      { abortSignal: signal },
    );
    const rows = (Array.isArray(result.data) ? result.data : []) as (typeof row & {})[];
    const hostOf = (u?: string) => {
      try {
        return new URL(u ?? '').hostname.toLowerCase();
      } catch {
        return '';
      }
    };
    row = rows.find((r) => hostOf(r.vaultUri) === host) ?? rows.find((r) => r.vaultUri === undefined);
  } catch (e) {
    if (toAzureError(e).kind === 'Aborted') throw new Cancelled();
    return undefined;
  }
  if (!row?.subscriptionId || !row.resourceGroup) return undefined;
  const { subscriptionId, resourceGroup } = row;
  const id = row.id ?? `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/vaults/${name}`;
  return readFact(id, API_VERSIONS.keyVault, OTHER_VAULT_READ, async () =>
    vaultFromSdk(await clients.keyVaultFor(subscriptionId).vaults.get(resourceGroup, name, { abortSignal: signal })),
  );
}

/**
 * The vaults (other than the target) that references name, by host: from one listing of the target's subscription,
 * else wherever Resource Graph sees them (a reference may name a vault in any subscription the operator can read).
 */
async function readOtherVaults(
  clients: AzureClients,
  subscriptionId: string,
  targetUri: string,
  identifiers: string[],
  signal?: AbortSignal,
): Promise<Record<string, Fact<VaultFacts>>> {
  const host = (u: string) => {
    try {
      return new URL(u).hostname.toLowerCase();
    } catch {
      return '';
    }
  };
  const target = host(targetUri);
  const hosts = [...new Set(identifiers.map(host).filter((h) => h && h !== target))];
  if (hosts.length === 0) return {};
  const placeholder = `/subscriptions/${subscriptionId}/providers/Microsoft.KeyVault/vaults`;
  const listed = await readFact<Vault[]>(placeholder, API_VERSIONS.keyVault, OTHER_VAULT_READ, () =>
    all(clients.keyVault.vaults.listBySubscription({ abortSignal: signal })),
  );
  const out: Record<string, Fact<VaultFacts>> = {};
  await Promise.all(
    hosts.map(async (h) => {
      const v = listed.ok ? listed.value.find((x) => host(x.properties?.vaultUri ?? '') === h) : undefined;
      if (v) {
        out[h] = {
          ok: true,
          value: vaultFromSdk(v),
          from: { resourceId: v.id ?? placeholder, apiVersion: API_VERSIONS.keyVault, readAt: new Date().toISOString() },
        };
        return;
      }
      const elsewhere = await readVaultAnywhere(clients, h, signal);
      out[h] = elsewhere?.ok
        ? elsewhere
        : {
            ok: false,
            unknown: elsewhere?.ok === false ? elsewhere.unknown : 'NotFound',
            message: `The vault ${h} is not visible to you in subscription ${subscriptionId} or any other subscription you can read${elsewhere?.ok === false ? ` (${elsewhere.message.split(/\r?\n/)[0]})` : ''}: reading it needs ${OTHER_VAULT_READ}, granted by ${OTHER_VAULT_ROLES}.`,
            missingAction: OTHER_VAULT_READ,
            from: elsewhere?.from ?? listed.from,
          };
    }),
  );
  return out;
}

/** The role assignments of API Management's identities on each other RBAC vault (steps 2-3 run for those pairs too). */
async function readOtherVaultRoles(
  clients: AzureClients,
  vaults: Record<string, Fact<VaultFacts>>,
  principals: string[],
  signal?: AbortSignal,
): Promise<{ assignments: Record<string, Fact<RoleAssignmentFacts[]>>; definitions: Record<string, RoleDefinitionFacts> }> {
  const assignments: Record<string, Fact<RoleAssignmentFacts[]>> = {};
  const definitions: Record<string, RoleDefinitionFacts> = {};
  await Promise.all(
    Object.entries(vaults).map(async ([h, fact]) => {
      if (!fact.ok || !fact.value.enableRbacAuthorization || principals.length === 0) return;
      const read = await readRoleAssignments(clients, fact.value.id, principals, signal);
      assignments[h] = read;
      if (read.ok) Object.assign(definitions, await readRoleDefinitions(clients, read.value, signal));
    }),
  );
  return { assignments, definitions };
}

/**
 * One secret's metadata read. The vault's network refusing the operator (403 ForbiddenByFirewall, or
 * ForbiddenByConnection with public access off) is a fact about the network, not a missing role: it carries the
 * refused address and no missing action, so no check names a role for it.
 */
async function readSecretFact(key: string, read: () => Promise<ReferencedSecretFacts>): Promise<Fact<ReferencedSecretFacts>> {
  try {
    return {
      ok: true,
      value: await read(),
      from: { resourceId: key, apiVersion: API_VERSIONS.keyVaultData, readAt: new Date().toISOString() },
    };
  } catch (e) {
    const info = toAzureError(e);
    if (info.kind === 'Aborted') throw new Cancelled();
    const failed = failedFact<ReferencedSecretFacts>(
      info,
      key,
      API_VERSIONS.keyVaultData,
      'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
    );
    if (failed.ok || (info.code !== 'ForbiddenByFirewall' && info.code !== 'ForbiddenByConnection')) return failed;
    const address = parseClientAddress(info.message);
    return {
      ok: false,
      unknown: failed.unknown,
      message: failed.message,
      ...(failed.from ? { from: failed.from } : {}),
      firewall: info.code === 'ForbiddenByConnection' ? { publicAccessDisabled: true } : { ...(address ? { clientAddress: address } : {}) },
    };
  }
}

/**
 * What step 4 and REF-SECRET need of each other vault that was read: its private endpoints (each in its own
 * subscription) and the metadata of the secrets references name there (the data plane needs no subscription).
 */
async function readOtherVaultSides(
  clients: AzureClients,
  vaults: Record<string, Fact<VaultFacts>>,
  identifiers: string[],
  signal?: AbortSignal,
): Promise<{ privateEndpoints: Record<string, Fact<PrivateEndpointFacts[]>>; secrets: Record<string, Fact<ReferencedSecretFacts>> }> {
  const privateEndpoints: Record<string, Fact<PrivateEndpointFacts[]>> = {};
  const secrets: Record<string, Fact<ReferencedSecretFacts>> = {};
  await Promise.all(
    Object.entries(vaults).map(async ([h, fact]) => {
      if (!fact.ok) return;
      const [pes, read] = await Promise.all([
        readPrivateEndpoints(clients, fact.value, signal),
        readReferencedSecrets(clients, fact.value.vaultUri, identifiers, signal),
      ]);
      privateEndpoints[h] = pes;
      Object.assign(secrets, read);
    }),
  );
  return { privateEndpoints, secrets };
}

/** Metadata (never values) of every version of each named secret on the vault: content type, enabled, expiry. */
async function readReferencedSecrets(
  clients: AzureClients,
  vaultUri: string,
  identifiers: string[],
  signal?: AbortSignal,
): Promise<Record<string, Fact<ReferencedSecretFacts>>> {
  const wanted = new Map<string, string>();
  for (const id of identifiers) {
    const ref = referenceOn(vaultUri, id);
    if (ref) wanted.set(ref.key, ref.name);
  }
  const out: Record<string, Fact<ReferencedSecretFacts>> = {};
  await Promise.all(
    [...wanted].map(async ([key, name]) => {
      out[key] = await readSecretFact(key, async () => {
        const versions = await all(clients.secretClient(vaultUri).listPropertiesOfSecretVersions(name, { abortSignal: signal }));
        return {
          secretId: key,
          name,
          versions: versions.map((v) => ({
            version: v.version ?? '',
            enabled: v.enabled !== false,
            ...(v.createdOn ? { created: v.createdOn.toISOString() } : {}),
            ...(v.expiresOn ? { expiresOn: v.expiresOn.toISOString() } : {}),
            ...(v.contentType ? { contentType: v.contentType } : {}),
          })),
        };
      });
    }),
  );
  return out;
}

const WORKSPACES_READ = 'Microsoft.ApiManagement/service/workspaces/read';

/**
 * The instance's workspaces, on the tiers that offer them (workspaces-overview). A service without workspaces answers
 * 400 MethodNotAllowedInPricingTier (what Azure/apiops treats as "none"; also seen on Basic v2) or 404 at an
 * api-version without them: both mean none. A refusal stays a failed fact naming the read.
 */
async function readWorkspaces(
  clients: AzureClients,
  apimId: string,
  apim: ApimFacts,
  signal?: AbortSignal,
): Promise<Fact<ApimWorkspaceFacts[]> | undefined> {
  if (!offersWorkspaces(apim.sku)) return undefined;
  const { resourceGroup, name } = parseApimId(apimId);
  return readFact(`${apimId}/workspaces`, API_VERSIONS.apim, WORKSPACES_READ, async () => {
    try {
      return (await all(clients.apim.workspace.listByService(resourceGroup, name, { abortSignal: signal }))).map(apimWorkspaceFromSdk);
    } catch (e) {
      const info = toAzureError(e);
      if (info.kind === 'NotFound' || info.status === 400) return [];
      throw e;
    }
  });
}

/** One APIM certificate (with its ETag). */
export async function getApimCertificate(
  clients: AzureClients,
  apimId: string,
  certificateId: string,
  signal?: AbortSignal,
): Promise<Fact<ApimCertificateFacts>> {
  const { resourceGroup, name } = parseApimId(apimId);
  return readFact(
    `${apimId}/certificates/${certificateId}`,
    API_VERSIONS.apim,
    'Microsoft.ApiManagement/service/certificates/read',
    async () => apimCertificateFromSdk(await clients.apim.certificate.get(resourceGroup, name, certificateId, { abortSignal: signal })),
  );
}

async function readSubnetAndNsg(
  clients: AzureClients,
  subnetId: string,
  signal?: AbortSignal,
): Promise<{
  subnet: Fact<SubnetFacts>;
  nsg?: Fact<NsgFacts>;
  subnetPermissions: Fact<PermissionFacts[]>;
  nsgPermissions?: Fact<PermissionFacts[]>;
}> {
  const s = parseSubnetId(subnetId);
  const [subnet, subnetPermissions] = await Promise.all([
    readFact(subnetId, API_VERSIONS.network, 'Microsoft.Network/virtualNetworks/subnets/read', async () =>
      subnetFromSdk(await clients.network.subnets.get(s.resourceGroup, s.vnet, s.name, { abortSignal: signal })),
    ),
    permissionsFact(clients, subnetId, signal),
  ]);
  if (!subnet.ok || !subnet.value.nsgId) return { subnet, subnetPermissions };
  const nsgId = subnet.value.nsgId;
  const n = parseNsgId(nsgId);
  const [nsg, nsgPermissions] = await Promise.all([
    readFact(nsgId, API_VERSIONS.network, 'Microsoft.Network/networkSecurityGroups/read', async () =>
      nsgFromSdk(await clients.network.networkSecurityGroups.get(n.resourceGroup, n.name, { abortSignal: signal })),
    ),
    permissionsFact(clients, nsgId, signal),
  ]);
  return { subnet, nsg, subnetPermissions, nsgPermissions };
}

async function readPrivateEndpoints(clients: AzureClients, vault: VaultFacts, signal?: AbortSignal): Promise<Fact<PrivateEndpointFacts[]>> {
  return readFact(vault.id, API_VERSIONS.network, 'Microsoft.Network/privateEndpoints/read', async () =>
    Promise.all(
      vault.privateEndpointConnections
        .filter((c) => c.privateEndpointId)
        .map(async (c) => {
          const pe = parsePrivateEndpointId(c.privateEndpointId!);
          // The endpoint lives in its own subscription, which need not be the vault's or API Management's.
          const network = clients.networkFor(pe.subscriptionId);
          const [endpoint, groups] = await Promise.all([
            network.privateEndpoints.get(pe.resourceGroup, pe.name, { abortSignal: signal }),
            all(network.privateDnsZoneGroups.list(pe.resourceGroup, pe.name, { abortSignal: signal })),
          ]);
          return privateEndpointFromSdk(endpoint, c.status, groups);
        }),
    ),
  );
}

/** The whole read pass. */
export async function gather(
  clients: AzureClients,
  context: GatherContext,
  target: Target,
  signal?: AbortSignal,
  extraSecretIds: string[] = [],
): Promise<Gathered> {
  const apimId = apimIdOf(target);
  const opts = { abortSignal: signal };
  const { resourceGroup: apimRg, name: apimName } = target.apim;

  const claimsP = operatorClaims(clients, signal);
  const apimP = readFact(apimId, API_VERSIONS.apim, 'Microsoft.ApiManagement/service/read', async () => {
    const svc = await clients.apim.apiManagementService.get(apimRg, apimName, opts);
    return apimFromSdk(svc);
  });
  const vaultP = readVault(clients, target, signal);
  const certificatesP = readFact(
    `${apimId}/certificates`,
    API_VERSIONS.apim,
    'Microsoft.ApiManagement/service/certificates/read',
    async () => (await all(clients.apim.certificate.listByService(apimRg, apimName, opts))).map(apimCertificateFromSdk),
  );
  const apimPermissionsP = permissionsFact(clients, apimId, signal);
  const namedValuesP = readFact<ApimNamedValueFacts[]>(
    `${apimId}/namedValues`,
    API_VERSIONS.apim,
    'Microsoft.ApiManagement/service/namedValues/read',
    async () => (await all(clients.apim.namedValue.listByService(apimRg, apimName, opts))).map(apimNamedValueFromSdk),
  );
  const workspacesP = apimP.then((apim) => (apim.ok ? readWorkspaces(clients, apimId, apim.value, signal) : undefined));
  // The secrets the references on the target vault name: content type, enabled and expiry explain failures a refresh
  // cannot cure. Read once the references and the vault are known.
  const referencedP = Promise.all([apimP, vaultP, certificatesP, namedValuesP]).then(([apim, vault, certs, nvs]) => {
    if (!vault.ok) return undefined;
    const ids = [
      ...(certs.ok ? certs.value.flatMap((c) => (c.keyVault ? [c.keyVault.secretIdentifier] : [])) : []),
      ...(nvs.ok ? nvs.value.flatMap((v) => (v.keyVault ? [v.keyVault.secretIdentifier] : [])) : []),
      ...(apim.ok ? apim.value.hostnameConfigurations.flatMap((h) => (h.keyVaultId ? [h.keyVaultId] : [])) : []),
      ...extraSecretIds,
    ];
    const principals = apim.ok
      ? [apim.value.identity.principalId, ...apim.value.identity.userAssigned.map((u) => u.principalId)].filter((p): p is string => !!p)
      : [];
    return Promise.all([
      readReferencedSecrets(clients, vault.value.vaultUri, ids, signal),
      readOtherVaults(clients, vaultSubscriptionOf(target), vault.value.vaultUri, ids, signal).then(async (others) => {
        const [roles, sides] = await Promise.all([
          readOtherVaultRoles(clients, others, principals, signal),
          readOtherVaultSides(clients, others, ids, signal),
        ]);
        return { others, ...roles, ...sides };
      }),
    ]);
  });

  // APIM side: subnet -> NSG, as soon as APIM is known.
  const networkP = apimP.then((apim) =>
    apim.ok && apim.value.subnetId ? readSubnetAndNsg(clients, apim.value.subnetId, signal) : undefined,
  );

  // Ownership evidence for every resource a fix may write, each scope started as soon as its resource is known.
  const ownership = ownershipReader(clients, signal);
  ownership.add([apimId]);
  const ownershipP = (async () => {
    const [vault, network] = await Promise.all([
      vaultP.then((v) => (ownership.add([v.ok ? v.value.id : undefined]), v)),
      networkP,
      // Fixes write other vaults too (their grants, their VNet rules): their deployments and stacks are evidence as well.
      referencedP.then((r) => ownership.add(Object.values(r?.[1].others ?? {}).map((f) => (f.ok ? f.value.id : undefined)))),
    ]);
    ownership.add([
      vault.ok ? vault.value.id : undefined,
      network?.subnet.ok ? network.subnet.value.id : undefined,
      network?.nsg?.ok ? network.nsg.value.id : undefined,
    ]);
    return ownership.result();
  })();

  // Vault side: everything that hangs off the vault.
  const vaultSideP = Promise.all([apimP, vaultP]).then(async ([apim, vault]) => {
    if (!vault.ok) {
      const deletedVault =
        vault.unknown === 'NotFound'
          ? await readDeletedVault(clients, target, apim.ok ? apim.value.location : undefined, signal)
          : undefined;
      const unknownVaultId = vault.from?.resourceId ?? target.vault.name;
      return {
        deletedVault,
        vaultRoleAssignments: dependentFact<RoleAssignmentFacts[]>(vault, unknownVaultId),
        roleDefinitions: {},
        vaultPermissions: dependentFact<PermissionFacts[]>(vault, unknownVaultId),
        operatorDataPlane: dependentFact<DataPlaneProbe>(vault, unknownVaultId),
        privateEndpoints: undefined,
      };
    }
    const v = vault.value;
    const principals = apim.ok
      ? [apim.value.identity.principalId, ...apim.value.identity.userAssigned.map((u) => u.principalId)].filter((p): p is string => !!p)
      : [];
    const rolesP = (async () => {
      if (!apim.ok) return { vaultRoleAssignments: dependentFact<RoleAssignmentFacts[]>(apim, v.id), roleDefinitions: {} };
      if (principals.length === 0) {
        const none: Fact<RoleAssignmentFacts[]> = { ok: true, value: [], from: { resourceId: v.id, readAt: new Date().toISOString() } };
        return { vaultRoleAssignments: none, roleDefinitions: {} };
      }
      const vaultRoleAssignments = await readRoleAssignments(clients, v.id, principals, signal);
      const roleDefinitions = vaultRoleAssignments.ok ? await readRoleDefinitions(clients, vaultRoleAssignments.value, signal) : {};
      return { vaultRoleAssignments, roleDefinitions };
    })();
    const [roles, vaultPermissions, operatorDataPlane, privateEndpoints] = await Promise.all([
      rolesP,
      permissionsFact(clients, v.id, signal),
      probeDataPlane(clients, v.vaultUri, signal),
      readPrivateEndpoints(clients, v, signal),
    ]);
    return { deletedVault: undefined, ...roles, vaultPermissions, operatorDataPlane, privateEndpoints };
  });

  const [
    claims,
    apim,
    vault,
    apimCertificates,
    apimPermissions,
    network,
    vaultSide,
    namedValues,
    referencedSecrets,
    ownershipFacts,
    workspaces,
  ] = await Promise.all([
    claimsP,
    apimP,
    vaultP,
    certificatesP,
    apimPermissionsP,
    networkP,
    vaultSideP,
    namedValuesP,
    referencedP,
    ownershipP,
    workspacesP,
  ]);

  const contextFacts: ContextFacts = {
    cloud: clients.profile.name,
    armEndpoint: clients.profile.armEndpoint,
    kvDnsSuffix: clients.profile.kvDnsSuffix,
    kvPrivateDnsZone: clients.profile.kvPrivateDnsZone,
    subscriptionId: context.subscriptionId,
    ...(claims.tid ? { tenantId: claims.tid } : {}),
    // Azure has no API for the operator's public IP: the data-plane probe's clientAddress tells it.
    operator: operatorOf(claims),
    sandbox: context.sandbox,
    now: new Date().toISOString(),
  };

  const gathered: Gathered = {
    context: contextFacts,
    apim: apim as Fact<ApimFacts>,
    vault,
    vaultRoleAssignments: vaultSide.vaultRoleAssignments,
    roleDefinitions: { ...referencedSecrets?.[1].definitions, ...vaultSide.roleDefinitions },
    operatorPermissions: {
      vault: vaultSide.vaultPermissions,
      apim: apimPermissions,
      ...(network ? { subnet: network.subnetPermissions } : {}),
      ...(network?.nsgPermissions ? { nsg: network.nsgPermissions } : {}),
    },
    operatorDataPlane: vaultSide.operatorDataPlane,
    apimCertificates,
    namedValues,
    ...(referencedSecrets
      ? {
          referencedSecrets: { ...referencedSecrets[1].secrets, ...referencedSecrets[0] },
          otherVaults: referencedSecrets[1].others,
          otherVaultRoleAssignments: referencedSecrets[1].assignments,
          otherVaultPrivateEndpoints: referencedSecrets[1].privateEndpoints,
        }
      : {}),
    ownership: ownershipFacts,
  };
  if (workspaces) gathered.workspaces = workspaces;
  if (vaultSide.deletedVault) gathered.deletedVault = vaultSide.deletedVault;
  if (network) {
    gathered.subnet = network.subnet;
    if (network.nsg) gathered.nsg = network.nsg;
  }
  if (vaultSide.privateEndpoints) gathered.privateEndpoints = vaultSide.privateEndpoints;
  return gathered;
}
