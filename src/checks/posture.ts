// Shared readings of the facts that several steps need: is the vault firewall on, which identity API
// Management will use, is it a v2 tier, and what gives the gateway a network line of sight to the vault.
import type { ApimFacts, Facts, PrivateEndpointFacts, SubnetFacts, VaultFacts } from './facts.ts';
import {
  lineOfSight as sharedLineOfSight,
  publicIpv4Sources,
  type LineOfSightReading,
  type SightInstance,
  type SightVault,
} from './line-of-sight.ts';
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

/**
 * Tiers that offer workspaces: Basic v2, Standard v2, Premium and Premium v2
 * (https://learn.microsoft.com/azure/api-management/workspaces-overview, ms.date 06/12/2026).
 */
export function offersWorkspaces(sku: string): boolean {
  return /^(premium|basicv2|standardv2|premiumv2)$/i.test(sku);
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
  return publicIpv4Sources(apim.outboundPublicIPAddresses.length ? apim.outboundPublicIPAddresses : apim.publicIPAddresses);
}

export function hasKeyVaultEndpoint(subnet: SubnetFacts): boolean {
  return subnet.serviceEndpoints.some(
    (e) =>
      e.service.toLowerCase() === 'microsoft.keyvault' &&
      (e.provisioningState === undefined || e.provisioningState.toLowerCase() === 'succeeded'),
  );
}

export type { LineOfSight, LineOfSightReading } from './line-of-sight.ts';

/** The runbook's facts as the shared line-of-sight rule reads the instance (the audit maps its Resource Graph rows). */
export function sightInstance(facts: Facts, apim: ApimFacts): SightInstance {
  const subnetFact = facts.subnet;
  const subnet = subnetFact?.ok ? subnetFact.value : undefined;
  return {
    inVnet: inVnet(apim) && !!apim.subnetId,
    ...(apim.subnetId ? { subnetId: apim.subnetId } : {}),
    consumption: isConsumption(apim),
    sourceIps: apimSourceIps(apim),
    ...(subnet
      ? { keyVaultEndpoint: hasKeyVaultEndpoint(subnet) }
      : {
          endpointGap:
            subnetFact && !subnetFact.ok ? `the APIM subnet could not be read (${subnetFact.message})` : 'the APIM subnet was not read',
        }),
  };
}

/** A vault as the shared line-of-sight rule reads it; private endpoints count once approved and in this cloud's zone. */
export function sightVault(facts: Facts, vault: VaultFacts): SightVault {
  const approved = vault.privateEndpointConnections.filter((c) => c.status.toLowerCase() === 'approved');
  const pes = facts.privateEndpoints;
  const usable =
    approved.length && pes?.ok
      ? pes.value.filter(
          (pe) => approved.some((c) => sameId(c.privateEndpointId, pe.id)) && hasVaultDnsZone(pe, facts.context.kvPrivateDnsZone),
        )
      : [];
  return {
    ...vaultPosture(vault),
    ipRules: vault.networkAcls.ipRules,
    vnetRuleIds: vault.networkAcls.virtualNetworkRules.map((r) => r.id),
    privateEndpoints: usable.map((pe) => pe.id),
    ...(approved.length && pes && !pes.ok
      ? { privateEndpointGap: `the vault's private endpoints could not be read (${pes.message})` }
      : {}),
  };
}

/** What gives API Management a line of sight to the vault (facts.privateEndpoints must be the vault's own). */
export function lineOfSight(facts: Facts, apim: ApimFacts, vault: VaultFacts): LineOfSightReading {
  return sharedLineOfSight(sightInstance(facts, apim), sightVault(facts, vault));
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
