// The network line of sight from API Management to a vault, once: the runbook (FW-LOS, FW-BYPASS, VNET-SE, VNET-NSG-KV,
// the add flow) and the fleet audit (gateway-bypass) map their own facts to the two small shapes below and ask this
// function, so the two cannot disagree about which paths get through the vault firewall.
// Paths follow https://learn.microsoft.com/azure/key-vault/general/network-security (IP rules, VNet rules with the
// Microsoft.KeyVault service endpoint, private endpoints; with public access disabled only private endpoints) and
// https://learn.microsoft.com/azure/api-management/virtual-network-reference (the service endpoint changes the source
// address Key Vault sees from the public IP to the subnet's private address).
import { ipv4Contains, isPrivateIpv4, parseIpv4Range } from './ipv4.ts';
import { firewalled, type VaultPosture } from './reference-rules.ts';
import { sameId } from './resource-id.ts';

/** The instance's side of the path. */
export interface SightInstance {
  /** In a virtual network (External or Internal mode) with a known subnet. */
  inVnet: boolean;
  subnetId?: string;
  consumption: boolean;
  /** The public addresses Key Vault sees without a service endpoint (publicIPv4Sources of the instance's addresses). */
  sourceIps: readonly string[];
  /** The Microsoft.KeyVault service endpoint on the subnet; undefined when not known (subnet unread, or not read at all). */
  keyVaultEndpoint?: boolean;
  /** Why the endpoint is not known, said as a gap. */
  endpointGap?: string;
}

/** The vault's side of the path. */
export interface SightVault extends VaultPosture {
  ipRules: readonly string[];
  vnetRuleIds: readonly string[];
  /** Private endpoints known to carry traffic: approved, registered in this cloud's private DNS zone (their ids). */
  privateEndpoints: readonly string[];
  /** Private endpoint connections whose approval or DNS zone is not known (Resource Graph gives only a count). */
  unconfirmedPrivateEndpoints?: number;
  /** Why some private endpoint could not be told, said as a gap. */
  privateEndpointGap?: string;
}

/** One way API Management can reach the vault through its firewall without the trusted-services bypass. */
export interface LineOfSight {
  kind: 'public' | 'ipRule' | 'vnetRule' | 'privateEndpoint';
  detail: string;
}

/** What a line-of-sight evaluation found, and what could not be told. */
export interface LineOfSightReading {
  /** Paths the facts prove. */
  paths: LineOfSight[];
  /** Paths that exist if an unknown fact (the gaps) turns out the right way. */
  possible: LineOfSight[];
  /** Facts that were missing for some path (e.g. the subnet could not be read). */
  gaps: string[];
  /** The APIM addresses an IP rule would need (empty when an IP rule cannot work). */
  ipRuleCandidates: string[];
}

/** Public IPv4 addresses only: Key Vault IP rules are IPv4, and a private address never reaches a public endpoint. */
export function publicIpv4Sources(ips: readonly string[]): string[] {
  return ips.filter((ip) => parseIpv4Range(ip) && !isPrivateIpv4(ip));
}

export function lineOfSight(i: SightInstance, v: SightVault): LineOfSightReading {
  const paths: LineOfSight[] = [];
  const possible: LineOfSight[] = [];
  const gaps: string[] = [];
  if (!firewalled(v)) paths.push({ kind: 'public', detail: 'the vault accepts all networks' });
  // With public access disabled, IP and VNet rules are ignored: only private endpoints get through.
  const publicGate = ['enabled', ''].includes((v.publicNetworkAccess ?? '').toLowerCase());
  const endpoint = i.inVnet ? i.keyVaultEndpoint : false;
  if (i.inVnet && endpoint === undefined) gaps.push(i.endpointGap ?? 'the APIM subnet was not read');
  let ipRuleCandidates: string[] = [];
  // The service endpoint replaces the public source address, so an IP rule can only match without it.
  if (publicGate && !i.consumption && endpoint !== true) {
    const covered = i.sourceIps.filter((ip) => v.ipRules.some((rule) => ipv4Contains(rule, ip)));
    if (i.sourceIps.length && covered.length === i.sourceIps.length)
      (endpoint === false ? paths : possible).push({ kind: 'ipRule', detail: `IP rules cover ${covered.join(', ')}` });
    if (endpoint === false) ipRuleCandidates = i.sourceIps.filter((ip) => !covered.includes(ip));
  }
  if (publicGate && i.inVnet && endpoint !== false && v.vnetRuleIds.some((id) => sameId(id, i.subnetId))) {
    (endpoint ? paths : possible).push({
      kind: 'vnetRule',
      detail: `VNet rule for ${i.subnetId} (Microsoft.KeyVault service endpoint ${endpoint ? 'on' : 'not known'})`,
    });
  }
  if (i.inVnet) {
    if (v.privateEndpointGap) gaps.push(v.privateEndpointGap);
    if (v.privateEndpoints.length)
      paths.push({ kind: 'privateEndpoint', detail: `private endpoint ${v.privateEndpoints[0]} (approved, DNS zone group set)` });
    else if (v.unconfirmedPrivateEndpoints)
      possible.push({
        kind: 'privateEndpoint',
        detail: `${v.unconfirmedPrivateEndpoints} private endpoint connection${v.unconfirmedPrivateEndpoints === 1 ? '' : 's'} (approval and DNS not known)`,
      });
  }
  return { paths, possible, gaps, ipRuleCandidates };
}
