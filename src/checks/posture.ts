// Shared readings of the facts that several steps need: is the vault firewall on, which identity API
// Management will use, is it a v2 tier, and what gives the gateway a network line of sight to the vault.
import type { ApimFacts, Facts, PrivateEndpointFacts, SubnetFacts, VaultFacts } from './facts.ts';
import { ipv4Contains, isPrivateIpv4, parseIpv4Range } from './ipv4.ts';
import { sameId } from './resource-id.ts';
import { bypassInForce, firewalled, type VaultPosture } from './reference-rules.ts';

/** Firewall "on": public access disabled/perimeter, or the ACL denies by default. */
export function firewallOn(vault: VaultFacts): boolean {
  return firewalled(vaultPosture(vault));
}

/** A vault's posture as the shared reference rules read it (the audit maps its Resource Graph rows to the same). */
export function vaultPosture(vault: VaultFacts): VaultPosture {
  return {
    publicNetworkAccess: vault.publicNetworkAccess,
    defaultAction: vault.networkAcls.defaultAction,
    bypass: vault.networkAcls.bypass,
  };
}

/** Public from all networks: what custom-hostname certificates accept instead of the bypass. */
export function vaultPublic(vault: VaultFacts): boolean {
  return !firewallOn(vault);
}

/** ARM's default for bypass is AzureServices when the field is absent. */
export function bypassOn(vault: VaultFacts): boolean {
  return bypassInForce(vaultPosture(vault));
}

export function hasSystemIdentity(apim: ApimFacts): boolean {
  return /systemassigned/i.test(apim.identity.type.replace(/\s/g, ''));
}

/** v2 tiers (Basic v2, Standard v2, Premium v2) have their own networking model. */
export function isV2(apim: ApimFacts): boolean {
  return /v2$/i.test(apim.sku);
}

export function isConsumption(apim: ApimFacts): boolean {
  return apim.sku.toLowerCase() === 'consumption';
}

export function inVnet(apim: ApimFacts): boolean {
  return ['external', 'internal'].includes(apim.virtualNetworkType.toLowerCase());
}

/** The identity API Management will read the vault with. */
export type PickedIdentity =
  | { kind: 'system'; principalId?: string; enabled: boolean; why: string }
  | { kind: 'user'; id: string; principalId: string; clientId: string; why: string }
  | { kind: 'unattached'; id: string; why: string }
  | { kind: 'none'; why: string };

/** The intent's identity, else the system-assigned one, else the only (first) user-assigned one. */
export function pickIdentity(facts: Facts, apim: ApimFacts): PickedIdentity {
  const intent = facts.intent?.kind === 'keyVault' ? facts.intent : undefined;
  const system = hasSystemIdentity(apim);
  if (intent && intent.identity === 'system') {
    return { kind: 'system', principalId: apim.identity.principalId, enabled: system, why: 'chosen for the certificate in step 5' };
  }
  if (intent && typeof intent.identity === 'object') {
    const wanted = intent.identity.userAssignedId;
    const uai = apim.identity.userAssigned.find((u) => sameId(u.id, wanted));
    return uai
      ? { kind: 'user', id: uai.id, principalId: uai.principalId, clientId: uai.clientId, why: 'chosen for the certificate in step 5' }
      : { kind: 'unattached', id: wanted, why: 'chosen in step 5 but not attached to the instance' };
  }
  if (system)
    return {
      kind: 'system',
      principalId: apim.identity.principalId,
      enabled: true,
      why: 'the system-assigned identity is the one that works behind the vault firewall',
    };
  const first = apim.identity.userAssigned[0];
  if (first) {
    const why =
      apim.identity.userAssigned.length > 1
        ? `the first of ${apim.identity.userAssigned.length} user-assigned identities (choose another in step 5)`
        : 'the only identity attached';
    return { kind: 'user', id: first.id, principalId: first.principalId, clientId: first.clientId, why };
  }
  return { kind: 'none', why: 'API Management has no managed identity' };
}

/** The principal (object) id of a picked identity, when it has one. */
export function principalOf(picked: PickedIdentity): string | undefined {
  return picked.kind === 'system' ? picked.principalId : picked.kind === 'user' ? picked.principalId : undefined;
}

/**
 * A picked identity as a person reads it: "apim-x (system identity)", or the user-assigned identity's resource name.
 * Evidence keeps the GUID beside it, since that is what role assignments and access policies show.
 */
export function principalName(apim: ApimFacts, picked: PickedIdentity): string | undefined {
  if (picked.kind === 'system') return `${apim.name} (system identity)`;
  if (picked.kind === 'user') return picked.id.split('/').pop();
  return undefined;
}

/** The public addresses Key Vault sees when API Management calls it without a service endpoint. */
export function apimSourceIps(apim: ApimFacts): string[] {
  const ips = apim.outboundPublicIPAddresses.length ? apim.outboundPublicIPAddresses : apim.publicIPAddresses;
  return ips.filter((ip) => parseIpv4Range(ip) && !isPrivateIpv4(ip));
}

export function hasKeyVaultEndpoint(subnet: SubnetFacts): boolean {
  return subnet.serviceEndpoints.some(
    (e) =>
      e.service.toLowerCase() === 'microsoft.keyvault' &&
      (e.provisioningState === undefined || e.provisioningState.toLowerCase() === 'succeeded'),
  );
}

/** One way API Management can reach the vault through its firewall without the trusted-services bypass. */
export interface LineOfSight {
  kind: 'public' | 'ipRule' | 'vnetRule' | 'privateEndpoint';
  detail: string;
}

/** What a line-of-sight evaluation found, and what could not be told. */
export interface LineOfSightReading {
  paths: LineOfSight[];
  /** Facts that were missing for some path (e.g. the subnet could not be read). */
  gaps: string[];
  /** The APIM addresses an IP rule would need (empty when an IP rule cannot work). */
  ipRuleCandidates: string[];
}

export function lineOfSight(facts: Facts, apim: ApimFacts, vault: VaultFacts): LineOfSightReading {
  const paths: LineOfSight[] = [];
  const gaps: string[] = [];
  if (vaultPublic(vault)) paths.push({ kind: 'public', detail: 'the vault accepts all networks' });
  const publicGate = vault.publicNetworkAccess === 'Enabled' || vault.publicNetworkAccess === '';
  const subnetFact = facts.subnet;
  const subnet = subnetFact?.ok ? subnetFact.value : undefined;
  const vnet = inVnet(apim) && !!apim.subnetId;
  if (vnet && !subnet)
    gaps.push(subnetFact && !subnetFact.ok ? `the APIM subnet could not be read (${subnetFact.message})` : 'the APIM subnet was not read');
  const endpoint = subnet ? hasKeyVaultEndpoint(subnet) : false;
  // With public access disabled, IP and VNet rules are ignored: only private endpoints get through.
  let ipRuleCandidates: string[] = [];
  if (publicGate && !isConsumption(apim) && !endpoint && !(vnet && !subnet)) {
    const sources = apimSourceIps(apim);
    const covered = sources.filter((ip) => vault.networkAcls.ipRules.some((rule) => ipv4Contains(rule, ip)));
    if (sources.length && covered.length === sources.length) paths.push({ kind: 'ipRule', detail: `IP rules cover ${covered.join(', ')}` });
    ipRuleCandidates = sources.filter((ip) => !covered.includes(ip));
  }
  if (publicGate && vnet && endpoint && vault.networkAcls.virtualNetworkRules.some((r) => sameId(r.id, apim.subnetId))) {
    paths.push({ kind: 'vnetRule', detail: `VNet rule for ${apim.subnetId} (Microsoft.KeyVault service endpoint on)` });
  }
  if (vnet) {
    const approved = vault.privateEndpointConnections.filter((c) => c.status.toLowerCase() === 'approved');
    if (approved.length) {
      const pes = facts.privateEndpoints;
      if (pes && !pes.ok) gaps.push(`the vault's private endpoints could not be read (${pes.message})`);
      const withDns = pes?.ok
        ? pes.value.filter(
            (pe) => approved.some((c) => sameId(c.privateEndpointId, pe.id)) && hasVaultDnsZone(pe, facts.context.kvPrivateDnsZone),
          )
        : [];
      if (withDns.length)
        paths.push({ kind: 'privateEndpoint', detail: `private endpoint ${withDns[0].id} (approved, DNS zone group set)` });
    }
  }
  return { paths, gaps, ipRuleCandidates };
}

/** Does a private endpoint register the vault in this cloud's zone (e.g. privatelink.vaultcore.azure.cn)? */
export function hasVaultDnsZone(pe: PrivateEndpointFacts, zone: string): boolean {
  return pe.privateDnsZoneIds.some((id) => id.split('/').pop()?.toLowerCase() === zone.toLowerCase());
}

/** Hostname configurations that take their certificate from this vault. */
export function hostnamesOnVault(apim: ApimFacts, vault: VaultFacts): ApimFacts['hostnameConfigurations'] {
  const host = safeHost(vault.vaultUri);
  return apim.hostnameConfigurations.filter((h) => h.keyVaultId && host && safeHost(h.keyVaultId) === host);
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** An identity by name, as the checklist shows it: "apim-x (system identity)" or the user-assigned identity's resource name. */
export function identityName(apim: ApimFacts, identityClientId?: string): string {
  if (!identityClientId) return `${apim.name} (system identity)`;
  const uai = apim.identity.userAssigned.find((u) => u.clientId.toLowerCase() === identityClientId.toLowerCase());
  return uai ? (uai.id.split('/').pop() ?? uai.id) : `client id ${identityClientId} (not attached to ${apim.name})`;
}
