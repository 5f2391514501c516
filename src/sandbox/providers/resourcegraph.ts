// Microsoft.ResourceGraph: answers exactly the queries the product sends (src/graph/queries.ts), projected
// from the world, with `$top`/`$skipToken` paging; any other query is a 400 so an unplanned one is noticed.
import { APIM_INSTANCES, KEY_VAULTS, normaliseQuery, SUBSCRIPTIONS } from '../../graph/queries.ts';
import { ArmError, ok, type Ctx, type Reply } from '../http.ts';
import { hasAction } from '../rbac.ts';
import { resourceGroupOf, subscriptionOf } from '../resource-id.ts';
import type { ArmResource, Json } from '../types.ts';

const DOP = 'Microsoft.WindowsAzure.ApiManagement.Gateway.ManagedIdentity.DisableOverPrivilegedAccess';
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

function base(r: ArmResource): Json {
  return {
    id: r.id,
    name: r.name,
    resourceGroup: (resourceGroupOf(r.id) ?? '').toLowerCase(),
    subscriptionId: subscriptionOf(r.id),
    location: r.location ?? '',
  };
}

function apimRow(ctx: Ctx, r: ArmResource): Json {
  const p = r.properties ?? {};
  return {
    ...base(r),
    tenantId: ctx.state.world.tenantId,
    sku: str(r.sku?.name),
    identityType: str(r.identity?.type),
    principalId: str(r.identity?.principalId),
    uais: r.identity?.userAssignedIdentities ?? null,
    vnetType: str(p.virtualNetworkType),
    subnetId: str(p.virtualNetworkConfiguration?.subnetResourceId),
    publicIPs: p.publicIPAddresses ?? null,
    platform: str(p.platformVersion),
    noTrusted: str(p.customProperties?.[DOP]),
    hostnames: p.hostnameConfigurations ?? null,
  };
}

/** Key Vault rows show the vault URI with the emulator's port, as ARM GET does. */
function vaultUri(ctx: Ctx, r: ArmResource): string {
  return str(r.properties?.vaultUri).replace(/^(https:\/\/[^/:]+)(:\d+)?\//i, `$1:${ctx.port}/`);
}

function vaultRow(ctx: Ctx, r: ArmResource): Json {
  const p = r.properties ?? {};
  return {
    ...base(r),
    vaultUri: vaultUri(ctx, r),
    rbac: p.enableRbacAuthorization === undefined ? null : p.enableRbacAuthorization === true,
    pna: str(p.publicNetworkAccess),
    defaultAction: str(p.networkAcls?.defaultAction),
    bypass: str(p.networkAcls?.bypass),
    ipRules: p.networkAcls?.ipRules ?? null,
    vnetRules: p.networkAcls?.virtualNetworkRules ?? null,
    peCount: Array.isArray(p.privateEndpointConnections) ? p.privateEndpointConnections.length : null,
    softDelete: p.enableSoftDelete === undefined ? null : p.enableSoftDelete === true,
    purgeProtection: p.enablePurgeProtection === undefined ? null : p.enablePurgeProtection === true,
  };
}

const VAULT_BY_NAME = new RegExp(
  `^${normaliseQuery(`resources
| where type =~ 'microsoft.keyvault/vaults' and name =~ 'NAME'
| project id, name, resourceGroup, subscriptionId, location, vaultUri = tostring(properties.vaultUri)`)
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace('NAME', '([a-zA-Z0-9-]{3,24})')}$`,
);

/** The subscriptions a query covers: `subscriptions`, else the `managementGroups`' members, else all (undefined). */
function scopeSubscriptions(ctx: Ctx, body: Json): string[] | undefined {
  if (Array.isArray(body.subscriptions)) return body.subscriptions.map((s: unknown) => String(s).toLowerCase());
  if (!Array.isArray(body.managementGroups)) return undefined;
  const groups = ctx.state.world.managementGroups ?? {};
  return body.managementGroups.flatMap((name: unknown) => {
    const key = Object.keys(groups).find((k) => k.toLowerCase() === String(name).toLowerCase());
    if (!key)
      throw new ArmError(400, 'BadRequest', `Management group '${String(name)}' could not be found or the caller has no access to it.`);
    return groups[key]!.map((s) => s.toLowerCase());
  });
}

export function queryResources(ctx: Ctx): Reply {
  const body: Json = ctx.body ?? {};
  if (typeof body.query !== 'string') throw new ArmError(400, 'BadRequest', 'The request body must contain a query.');
  const query = normaliseQuery(body.query);
  const subs = scopeSubscriptions(ctx, body);
  const visible = (type: string) =>
    ctx.state
      .ofType(type)
      .filter((r) => !subs || subs.includes(String(subscriptionOf(r.id)).toLowerCase()))
      .filter((r) => hasAction(ctx.state, ctx.principalId, `${type}/read`, r.id));
  let rows: Json[];
  if (query === normaliseQuery(APIM_INSTANCES)) rows = visible('Microsoft.ApiManagement/service').map((r) => apimRow(ctx, r));
  else if (query === normaliseQuery(KEY_VAULTS)) rows = visible('Microsoft.KeyVault/vaults').map((r) => vaultRow(ctx, r));
  else if (query === normaliseQuery(SUBSCRIPTIONS)) {
    // Azure lists a subscription to anyone with a role anywhere in it (or above it).
    const scopes = ctx.state
      .assignmentsOf(ctx.principalId)
      .map((a) => String((a.properties as Json | undefined)?.scope ?? a.id).toLowerCase());
    const inside = (id: string) =>
      scopes.some(
        (scope) =>
          scope === '/' || scope.startsWith('/providers/microsoft.management/') || scope.startsWith(`/subscriptions/${id.toLowerCase()}`),
      );
    rows = ctx.state.world.subscriptions
      .filter((s) => (!subs || subs.includes(s.subscriptionId.toLowerCase())) && inside(s.subscriptionId))
      .map((s) => ({
        id: `/subscriptions/${s.subscriptionId}`,
        subscriptionId: s.subscriptionId,
        name: s.displayName,
        tenantId: ctx.state.world.tenantId,
      }));
  } else {
    const name = VAULT_BY_NAME.exec(query)?.[1];
    if (!name)
      throw new ArmError(
        400,
        'InvalidQuery',
        `The sandbox does not answer this query (add it to src/graph/queries.ts and to the sandbox): ${query}`,
      );
    rows = visible('Microsoft.KeyVault/vaults')
      .filter((r) => r.name.toLowerCase() === name.toLowerCase())
      .map((r) => ({ ...base(r), vaultUri: vaultUri(ctx, r) }));
  }
  rows.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const options: Json = body.options ?? {};
  const top = Number(options.$top ?? options.top ?? 100) || 100;
  const start = Number(options.$skipToken ?? options.skipToken ?? options.$skip ?? options.skip ?? 0) || 0;
  const truncateAfter = ctx.state.world.graphTruncateAfter;
  if (truncateAfter !== undefined && rows.length > truncateAfter) {
    const data = rows.slice(0, Math.min(truncateAfter, top));
    return ok({ totalRecords: rows.length, count: data.length, resultTruncated: 'true', data, facets: [] });
  }
  const data = rows.slice(start, start + top);
  const more = start + top < rows.length;
  return ok({
    totalRecords: rows.length,
    count: data.length,
    resultTruncated: 'false',
    ...(more ? { $skipToken: String(start + top) } : {}),
    data,
    facets: [],
  });
}
