// API Management's own fetch of a Key Vault secret (on certificate and named-value PUT, refreshSecret, and a
// service write that sets a custom hostname's keyVaultId), decided from the world in the order the service meets
// the problems: identity, identifier, vault, route (private endpoint first), network (NSG), vault firewall,
// authentication (the vault's tenant), permission, secret. What each step follows:
// - Behind the Key Vault firewall only the system-assigned identity is admitted, through "Allow trusted Microsoft
//   services": "You must use the API Management instance's system-assigned managed identity to access the key
//   vault. You can't use a user-assigned identity" (the Key Vault firewall requirements that
//   https://learn.microsoft.com/azure/api-management/api-management-howto-use-managed-service-identity and
//   https://learn.microsoft.com/azure/api-management/configure-custom-domain include); the bypass is what trusted
//   services get (https://learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints#trusted-services).
// - A private endpoint carries the vault's traffic only when the vault's name resolves to it: the cloud's
//   privatelink zone (privatelink.vaultcore.azure.net in the public cloud) must be linked to the caller's virtual
//   network (https://learn.microsoft.com/azure/key-vault/general/private-link-service,
//   https://learn.microsoft.com/azure/private-link/private-endpoint-dns#security). Then the destination is a
//   private address in the VirtualNetwork tag, so the NSG's AzureKeyVault service-tag rules do not apply to it, and
//   the vault's public firewall does not either (https://learn.microsoft.com/azure/key-vault/general/network-security).
// - Refusals carry Key Vault's own wording and inner codes (ForbiddenByFirewall, ForbiddenByConnection,
//   ForbiddenByRbac, ForbiddenByPolicy, SecretNotFound, SecretDisabled:
//   https://learn.microsoft.com/azure/key-vault/general/rest-error-codes); API Management's own refusals its wording.
import { createHash } from 'node:crypto';
import type { Ctx } from '../http.ts';
import { ipv4Contains, ipv4Overlaps } from '../ipv4.ts';
import { hasAction } from '../rbac.ts';
import { keyOf } from '../resource-id.ts';
import type { ArmResource, Json, VaultObject, VaultObjectVersion } from '../types.ts';
import { outboundRules } from './network.ts';

/**
 * Why the fetch failed: the lastStatus code the sandbox writes. Microsoft documents no lastStatus codes (the
 * contract's `code` is free text: KeyVaultLastAccessStatusContractProperties), and no public issue, Q&A or Learn page
 * found quotes one for a failure. Key Vault's inner error codes (ForbiddenBy*, SecretNotFound, SecretDisabled:
 * https://learn.microsoft.com/azure/key-vault/general/rest-error-codes) are the nearest real names; the rest are the
 * sandbox's own, listed in SANDBOX_OWN_CODES. The product must not depend on them (test/checks/unseen-status.test.ts).
 */
export type FetchCode =
  | 'IdentityNotFound'
  | 'SecretsTypeRequired'
  | 'VaultNotFound'
  | 'NetworkBlocked'
  | 'ForbiddenByFirewall'
  | 'ForbiddenByConnection'
  | 'ForbiddenByRbac'
  | 'ForbiddenByPolicy'
  | 'SecretNotFound'
  | 'SecretDisabled'
  | 'InvalidContentType'
  | 'NameNotResolved'
  | 'Unauthorized';

/**
 * The sandbox's own codes: no Microsoft source names them (searched: Azure/azure-rest-api-specs, azure-sdk-*,
 * terraform-provider-azurerm and MicrosoftDocs/azure-docs issues, Microsoft Q&A, Learn troubleshooting pages).
 */
export const SANDBOX_OWN_CODES: readonly FetchCode[] = [
  'IdentityNotFound',
  'SecretsTypeRequired',
  'VaultNotFound',
  'NetworkBlocked',
  'InvalidContentType',
  'NameNotResolved',
];

/** The outcome of one fetch. */
export type FetchResult =
  { ok: true; subject: string; thumbprint: string; expirationDate?: string } | { ok: false; code: FetchCode; message: string };

const fail = (code: FetchCode, message: string): FetchResult => ({ ok: false, code, message });

/** The identifier's parts; undefined when it is not an https URL with a collection and a name. */
export function parseIdentifier(
  identifier: string,
): { host: string; vaultName: string; collection: string; name: string; version?: string } | undefined {
  let url: URL;
  try {
    url = new URL(identifier);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:') return undefined;
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts.length < 2 || parts.length > 3) return undefined;
  return {
    host: url.hostname.toLowerCase(),
    vaultName: url.hostname.split('.')[0].toLowerCase(),
    collection: parts[0].toLowerCase(),
    name: parts[1],
    version: parts[2],
  };
}

const hasSystem = (apim: ArmResource) => /systemassigned/i.test(String(apim.identity?.type ?? ''));

/** The thumbprint the sandbox reports for a version without one (stable across runs). */
export function derivedThumbprint(vault: string, name: string, version: string): string {
  return createHash('sha1').update(`${vault.toLowerCase()}/${name}/${version}`).digest('hex').toUpperCase();
}

/** The current version: the one created last (ties: the later in the list). */
export function currentVersion(obj: VaultObject): VaultObjectVersion {
  let best = obj.versions[0];
  for (const v of obj.versions) if (Date.parse(v.created ?? '') >= Date.parse(best.created ?? '') || !best.created) best = v;
  return best;
}

function subnetOf(ctx: Ctx, apim: ArmResource): ArmResource | undefined {
  const id = apim.properties?.virtualNetworkConfiguration?.subnetResourceId;
  return typeof id === 'string' ? ctx.state.get(id) : undefined;
}

function inVnet(apim: ArmResource): boolean {
  return ['External', 'Internal'].includes(String(apim.properties?.virtualNetworkType ?? 'None'));
}

function subnetPrefixes(subnet: ArmResource): string[] {
  const p = subnet.properties ?? {};
  return [...(p.addressPrefix ? [p.addressPrefix] : []), ...(p.addressPrefixes ?? [])];
}

function listOf(props: Json, single: string, plural: string): string[] {
  return [...(props[single] ? [props[single]] : []), ...(props[plural] ?? [])].map(String);
}

function portCovers(spec: string, port: number): boolean {
  if (spec === '*') return true;
  const range = /^(\d+)-(\d+)$/.exec(spec);
  return range ? port >= Number(range[1]) && port <= Number(range[2]) : Number(spec) === port;
}

/** The first outbound rule (by priority, defaults included) matching TCP 443 to the service tag decides. */
function nsgVerdict(ctx: Ctx, nsgId: string, tag: string, sources: string[], privateDestination = false): Json | undefined {
  for (const rule of outboundRules(ctx, nsgId)) {
    const p = rule.properties;
    if (!['*', 'tcp'].includes(String(p.protocol).toLowerCase())) continue;
    if (!listOf(p, 'destinationPortRange', 'destinationPortRanges').some((r) => portCovers(r, 443))) continue;
    const dest = listOf(p, 'destinationAddressPrefix', 'destinationAddressPrefixes').map((d) => d.toLowerCase());
    // A private endpoint's address is in the VirtualNetwork tag: Internet and service-tag rules do not match it.
    const matches = privateDestination
      ? (d: string) => d === '*' || d === 'virtualnetwork'
      : (d: string) => ['*', 'internet', '0.0.0.0/0', tag.toLowerCase()].includes(d) || d.startsWith(`${tag.toLowerCase()}.`);
    if (!dest.some(matches)) continue;
    const src = listOf(p, 'sourceAddressPrefix', 'sourceAddressPrefixes').map((s) => s.toLowerCase());
    if (!src.some((s) => s === '*' || s === 'virtualnetwork' || sources.some((prefix) => ipv4Overlaps(s, prefix)))) continue;
    return rule;
  }
  return undefined;
}

/** The world's name for the vault zone: worlds are written in the public cloud's names (clouds.ts translates at the edge). */
const PRIVATELINK_VAULT_ZONE = 'privatelink.vaultcore.azure.net';

const vnetOf = (subnetId: string) => subnetId.replace(/\/subnets\/[^/]+$/i, '');

/**
 * Does the vault's name resolve to an approved private endpoint from this VNet? The endpoint's DNS zone group must
 * register it in the vault zone, and that zone must be linked to the VNet (a zone group in another zone, or a zone
 * not linked to API Management's network, leaves the public name resolving to the public address).
 */
function privateRoute(ctx: Ctx, vp: Json, vnetId: string): boolean {
  return (vp.privateEndpointConnections ?? []).some((c: Json) => {
    if (c.properties?.privateLinkServiceConnectionState?.status !== 'Approved') return false;
    const pe = c.properties?.privateEndpoint?.id;
    if (typeof pe !== 'string' || !ctx.state.get(pe)) return false;
    const zones = ctx.state
      .children(`${pe}/privateDnsZoneGroups`)
      .flatMap((g) => (g.properties?.privateDnsZoneConfigs ?? []).map((z: Json) => String(z.properties?.privateDnsZoneId ?? '')))
      .filter((z) => nameOfId(z).toLowerCase() === PRIVATELINK_VAULT_ZONE);
    return zones.some((zone) =>
      ctx.state
        .children(`${zone}/virtualNetworkLinks`)
        .some((link) => keyOf(String(link.properties?.virtualNetwork?.id ?? '')) === keyOf(vnetId)),
    );
  });
}

const nameOfId = (id: string) => id.split('/').filter(Boolean).pop() ?? '';

/**
 * Is the vault zone linked to this VNet without falling back to the internet? Then it answers for every name under
 * it, and a vault with no record there (its private endpoint not registered in the zone) does not resolve at all:
 * the public name is a CNAME into that zone (https://learn.microsoft.com/azure/private-link/private-endpoint-dns),
 * and only a link with resolutionPolicy NxDomainRedirect retries on public DNS
 * (https://learn.microsoft.com/azure/dns/private-dns-fallback).
 */
function vaultZoneAnswers(ctx: Ctx, vnetId: string): boolean {
  return ctx.state
    .ofType('Microsoft.Network/privateDnsZones')
    .filter((z) => z.name.toLowerCase() === PRIVATELINK_VAULT_ZONE)
    .some((zone) =>
      ctx.state
        .children(`${zone.id}/virtualNetworkLinks`)
        .some(
          (link) =>
            keyOf(String(link.properties?.virtualNetwork?.id ?? '')) === keyOf(vnetId) &&
            link.properties?.resolutionPolicy !== 'NxDomainRedirect',
        ),
    );
}

function callerText(ctx: Ctx, principalId: string, appId: string): string {
  return `appid=${appId};oid=${principalId};iss=https://sts.windows.net/${ctx.state.world.tenantId}/`;
}

/** Evaluate APIM's fetch of `identifier` with the identity `identityClientId` selects (system when absent). */
/** `purpose` 'secret' is a named value: any content type will do (only certificates must be PKCS#12). */
export function evaluateFetch(
  ctx: Ctx,
  apim: ArmResource,
  identifier: string,
  identityClientId?: string | null,
  purpose: 'certificate' | 'secret' = 'certificate',
): FetchResult {
  // 1. Identity.
  let principalId: string;
  let appId: string;
  let system: boolean;
  if (identityClientId) {
    const uais: Record<string, Json> = apim.identity?.userAssignedIdentities ?? {};
    const match = Object.values(uais).find((u) => String(u.clientId).toLowerCase() === identityClientId.toLowerCase());
    if (!match || !/userassigned/i.test(String(apim.identity?.type ?? ''))) {
      return fail(
        'IdentityNotFound',
        `Can not find Managed Identity with provided IdentityClientId : ${identityClientId}. For more information please see aka.ms/apimmsi.`,
      );
    }
    principalId = match.principalId;
    appId = identityClientId;
    system = false;
  } else {
    if (!hasSystem(apim) || !apim.identity?.principalId) {
      return fail(
        'IdentityNotFound',
        `Managed Service Identity (http://aka.ms/apimmsi) is not enabled on the service '${apim.name}'. Enable the system-assigned identity, or pass the identityClientId of an attached user-assigned identity.`,
      );
    }
    principalId = apim.identity.principalId;
    appId = principalId;
    system = true;
  }
  // 2. Identifier.
  const id = parseIdentifier(identifier);
  if (!id)
    return fail(
      'SecretNotFound',
      `'${identifier}' is not a Key Vault secret identifier (https://<vault>.<suffix>/secrets/<name>[/<version>]).`,
    );
  if (id.collection !== 'secrets') return fail('SecretsTypeRequired', 'ApiManagement service only accepts KeyVault Secrets type');
  // 3. Vault.
  const vault = ctx.state.ofType('Microsoft.KeyVault/vaults').find((v) => {
    try {
      return new URL(v.properties?.vaultUri ?? '').hostname.toLowerCase() === id.host;
    } catch {
      return false;
    }
  });
  // A vault that does not exist (or was deleted) has no DNS name, so API Management's fetch fails at name
  // resolution. Its wording, as API Management returned it from NamedValue_CreateOrUpdate, quoted in
  // https://github.com/Azure/azure-rest-api-specs/issues/21655 (not on Learn). The lastStatus code is undocumented
  // (the lastStatus contract has a free-form code): the code is the sandbox's own (SANDBOX_OWN_CODES).
  if (!vault) return fail('VaultNotFound', `The remote name could not be resolved: '${id.host}'`);
  const vp: Json = vault.properties ?? {};
  const vaultText = `${vault.name};location=${vault.location ?? ''}`;
  // 4. Route: a private endpoint first (it decides where the vault's name resolves), then the NSG on APIM's subnet
  // must let TCP 443 out to Key Vault (the private address, or the AzureKeyVault tag) and Entra ID.
  const subnet = inVnet(apim) ? subnetOf(ctx, apim) : undefined;
  const privateLink = !!subnet && privateRoute(ctx, vp, vnetOf(subnet.id));
  // The vault's name must resolve from API Management's network before anything else counts, the trusted-services
  // exception included. Wording as for a vault that does not exist (see VaultNotFound above).
  if (subnet && !privateLink && vaultZoneAnswers(ctx, vnetOf(subnet.id)))
    return fail('NameNotResolved', `The remote name could not be resolved: '${id.host}'`);
  const nsgId = subnet?.properties?.networkSecurityGroup?.id;
  if (subnet && nsgId && ctx.state.get(nsgId)) {
    for (const tag of ['AzureKeyVault', 'AzureActiveDirectory']) {
      const rule = nsgVerdict(ctx, nsgId, tag, subnetPrefixes(subnet), tag === 'AzureKeyVault' && privateLink);
      if (rule && rule.properties.access !== 'Allow') {
        // No Microsoft page says what API Management reports when its subnet's NSG blocks Key Vault (a real fetch
        // would time out; the requirement is outbound TCP 443 to AzureKeyVault and AzureActiveDirectory,
        // https://learn.microsoft.com/azure/api-management/virtual-network-reference#required-ports). So this is the
        // sandbox's own description of the cause, under its own code (SANDBOX_OWN_CODES). The product diagnoses it from
        // the NSG facts (VNET-NSG-KV, VNET-NSG-AAD), not from this text.
        return fail(
          'NetworkBlocked',
          `Outbound traffic from subnet '${subnet.name}' to '${tag}' on TCP port 443 is denied by rule '${rule.name}' (priority ${rule.properties.priority}) of network security group '${nsgId.split('/').pop()}'.`,
        );
      }
    }
  }
  // 5. Vault firewall.
  const pna = String(vp.publicNetworkAccess ?? 'Enabled');
  const acls: Json = vp.networkAcls ?? {};
  const firewallOn = pna === 'Disabled' || pna === 'SecuredByPerimeter' || acls.defaultAction === 'Deny';
  const serviceEndpoint =
    !!subnet &&
    (subnet.properties?.serviceEndpoints ?? []).some(
      (e: Json) => e.service === 'Microsoft.KeyVault' && (e.provisioningState ?? 'Succeeded') === 'Succeeded',
    );
  const apimIps: string[] = [...(apim.properties?.publicIPAddresses ?? []), ...(apim.properties?.outboundPublicIPAddresses ?? [])];
  if (firewallOn) {
    const bypass = system && String(acls.bypass ?? 'AzureServices').includes('AzureServices') && pna !== 'SecuredByPerimeter';
    const vnetRule =
      pna === 'Enabled' && serviceEndpoint && (acls.virtualNetworkRules ?? []).some((r: Json) => keyOf(String(r.id)) === keyOf(subnet!.id));
    const ipRule =
      pna === 'Enabled' &&
      !serviceEndpoint &&
      (acls.ipRules ?? []).some((r: Json) => apimIps.some((ip) => ipv4Contains(String(r.value), ip)));
    // Public network access disabled: no IP or VNet rule counts, and Key Vault says so in its own words (403 ForbiddenByConnection).
    if (!bypass && !privateLink && pna === 'Disabled') {
      return fail(
        'ForbiddenByConnection',
        `Public network access is disabled and request is not from a trusted service nor via an approved private link.\r\nCaller: ${callerText(ctx, principalId, appId)}\r\nVault: ${vaultText}`,
      );
    }
    // Key Vault's firewall refusal (403, inner code ForbiddenByFirewall) as Key Vault sends it; Learn lists it,
    // contracted, as "Client address isn't authorized and caller isn't a trusted service."
    // (https://learn.microsoft.com/azure/key-vault/general/common-error-codes). The uncontracted sentence and the
    // Client address / Caller / Vault lines are the service's body as clients print it; no Learn page found shows it whole.
    if (!bypass && !vnetRule && !ipRule && !privateLink) {
      const address = serviceEndpoint ? (subnetPrefixes(subnet!)[0] ?? '').split('/')[0] : (apimIps[0] ?? 'unknown');
      return fail(
        'ForbiddenByFirewall',
        `Client address is not authorized and caller is not a trusted service.\r\nClient address: ${address}\r\nCaller: ${callerText(ctx, principalId, appId)}\r\nVault: ${vaultText}`,
      );
    }
  }
  // 6. Authentication: Key Vault accepts only tokens issued by its own tenant (the vault's tenantId); a managed
  // identity's token comes from the instance's tenant, so after a subscription moved tenants every request is a 401,
  // AKV10032 (https://learn.microsoft.com/azure/key-vault/general/rest-error-codes; the fix is the vault's, not a
  // grant: https://learn.microsoft.com/azure/key-vault/general/move-subscription).
  const identityTenant = String((system ? apim.identity?.tenantId : undefined) ?? ctx.state.world.tenantId);
  if (vp.tenantId && String(vp.tenantId).toLowerCase() !== identityTenant.toLowerCase()) {
    return fail(
      'Unauthorized',
      `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${vp.tenantId}/, found https://sts.windows.net/${identityTenant}/.`,
    );
  }
  // 7. Permission.
  if (vp.enableRbacAuthorization === true) {
    const action = 'Microsoft.KeyVault/vaults/secrets/getSecret/action';
    if (!hasAction(ctx.state, principalId, action, vault.id, 'data')) {
      return fail(
        'ForbiddenByRbac',
        `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: ${callerText(ctx, principalId, appId)}\r\nAction: '${action}'\r\nResource: '${vault.id.toLowerCase()}/secrets/${id.name.toLowerCase()}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: ${vaultText}\r\n`,
      );
    }
  } else {
    const allowed = (vp.accessPolicies ?? []).some(
      (p: Json) =>
        String(p.objectId).toLowerCase() === principalId.toLowerCase() &&
        (p.permissions?.secrets ?? []).some((s: string) => ['get', 'all'].includes(s.toLowerCase())),
    );
    if (!allowed) {
      return fail(
        'ForbiddenByPolicy',
        `The user, group or application '${callerText(ctx, principalId, appId)}' does not have secrets get permission on key vault '${vaultText}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      );
    }
  }
  // 8. Secret.
  const data = ctx.state.vaultData(vault.name) ?? {};
  const find = (objects: Record<string, VaultObject> | undefined) =>
    Object.entries(objects ?? {}).find(([n]) => n.toLowerCase() === id.name.toLowerCase())?.[1];
  const cert = find(data.certificates);
  const obj = find(data.secrets) ?? cert;
  const version =
    obj && (id.version ? obj.versions.find((v) => v.version.toLowerCase() === id.version!.toLowerCase()) : currentVersion(obj));
  if (!obj || !version) {
    return fail(
      'SecretNotFound',
      `A secret with (name/id) ${id.name}${id.version ? `/${id.version}` : ''} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    );
  }
  if (version.enabled === false) return fail('SecretDisabled', 'Operation get is not allowed on a disabled secret.');
  const contentType = version.contentType ?? obj.contentType ?? (cert ? 'application/x-pkcs12' : undefined);
  // API Management takes only PKCS#12 secrets for certificates (application/x-pkcs12:
  // https://learn.microsoft.com/azure/api-management/configure-custom-domain and the certificate contract's "data"
  // in https://learn.microsoft.com/rest/api/apimanagement/certificate/create-or-update). No Microsoft page or public
  // issue found quotes what it reports for another content type, so the wording and code are the sandbox's own
  // (SANDBOX_OWN_CODES); the product diagnoses it from the secret's content type (REF-SECRET).
  if (purpose === 'certificate' && contentType !== 'application/x-pkcs12') {
    return fail(
      'InvalidContentType',
      `The secret '${id.name}' has content type '${contentType ?? '(none)'}'. API Management requires 'application/x-pkcs12' (a certificate imported into Key Vault in PKCS#12/PFX format).`,
    );
  }
  return {
    ok: true,
    subject: version.subject ?? `CN=${id.name}`,
    thumbprint: (version.thumbprint ?? derivedThumbprint(vault.name, id.name, version.version)).toUpperCase(),
    expirationDate: version.expires,
  };
}
