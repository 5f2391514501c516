// Step 4: API Management in a virtual network reaches Key Vault and Microsoft Entra ID through its subnet:
// the Microsoft.KeyVault service endpoint (or a private endpoint), a vault VNet rule, and NSG rules that let
// outbound TCP 443 through. Classic tiers only for the NSG table; v2 tiers get their own guidance.
import type { ApimFacts, Facts, NsgFacts, SubnetFacts, VaultFacts } from './facts.ts';
import { finding, skipped, unknownFinding } from './finding.ts';
import { describeRule, evaluateFlow, freePriorityBelow, regionalTag, type NsgFlow } from './nsg.ts';
import { makePlan } from './plan.ts';
import { ipv4Contains } from './ipv4.ts';
import { apimSourceIps, firewallOn, hasKeyVaultEndpoint, hasVaultDnsZone, inVnet, isConsumption, isV2, lineOfSight } from './posture.ts';
import { forVault, otherVaultsInUse, referenceLabel, referencesOf, seenFrom } from './references.ts';
import { sameId, vnetOfSubnet } from './resource-id.ts';
import { DOCS } from './steps.ts';
import type { Finding, FixPlan, Operation } from './types.ts';

const STEP = 'network' as const;
const IDS = ['VNET-MODE', 'VNET-SE', 'VNET-KVRULE', 'VNET-NSG', 'VNET-NSG-KV', 'VNET-NSG-AAD', 'VNET-PE'] as const;
const TITLES: Record<(typeof IDS)[number] | 'VNET-UDR', string> = {
  'VNET-MODE': 'Virtual network mode',
  'VNET-SE': 'Key Vault service endpoint on the subnet',
  'VNET-KVRULE': "The vault's VNet rule for the subnet",
  'VNET-NSG': 'Network security group on the subnet',
  'VNET-NSG-KV': 'NSG lets outbound 443 reach AzureKeyVault',
  'VNET-NSG-AAD': 'NSG lets outbound 443 reach AzureActiveDirectory',
  'VNET-PE': 'Private endpoint and DNS for the vault',
  'VNET-UDR': 'Route table on the subnet',
};

/** Microsoft's v2 networking pages: both require an NSG on the subnet. */
const V2_INTEGRATION_DOC = 'https://learn.microsoft.com/azure/api-management/integrate-vnet-outbound';
const V2_INJECTION_DOC = 'https://learn.microsoft.com/azure/api-management/inject-vnet-v2';

/** Premium v2 injection delegates the subnet to Microsoft.Web/hostingEnvironments (integration: serverFarms). */
function v2Injection(facts: Facts): boolean {
  return !!facts.subnet?.ok && facts.subnet.value.delegations.some((d) => /microsoft\.web\/hostingenvironments/i.test(d));
}

/** The line of sight through a private endpoint (approved, with this cloud's zone), if API Management has one. */
function privateEndpointPath(facts: Facts, apim: ApimFacts): boolean {
  return facts.vault.ok && lineOfSight(facts, apim, facts.vault.value).paths.some((p) => p.kind === 'privateEndpoint');
}

const SE_DISRUPTION =
  "Adding a service endpoint briefly interrupts connections from the subnet, and from then on Key Vault sees the subnet's private addresses instead of the public IP: IP rules for API Management stop matching, so the vault needs the VNet rule (added in the same fix when the firewall is on).";

function subnetOf(facts: Facts, checkId: string): SubnetFacts | Finding {
  const s = facts.subnet;
  if (!s)
    return finding(
      checkId,
      STEP,
      'unknown',
      TITLES[checkId as keyof typeof TITLES],
      "Could not check: API Management's subnet was not read.",
    );
  if (!s.ok) return unknownFinding(checkId, STEP, TITLES[checkId as keyof typeof TITLES], "API Management's subnet", s);
  return s.value;
}

function checkMode(facts: Facts, apim: ApimFacts): Finding {
  const evidence = [
    `mode: ${apim.virtualNetworkType}`,
    `subnet: ${apim.subnetId ?? 'unknown'}`,
    `SKU: ${apim.sku}`,
    ...(apim.privateIPAddresses.length ? [`private IPs: ${apim.privateIPAddresses.join(', ')}`] : []),
  ];
  if (isV2(apim)) {
    const how = v2Injection(facts)
      ? 'Premium v2 injection (subnet delegated to Microsoft.Web/hostingEnvironments)'
      : 'VNet integration (subnet delegated to Microsoft.Web/serverFarms)';
    return finding(
      'VNET-MODE',
      STEP,
      'info',
      TITLES['VNET-MODE'],
      `${apim.sku} in a virtual network: ${how}. Microsoft requires a network security group on the subnet (VNET-NSG); outbound traffic to Key Vault leaves through the subnet, so the service endpoint or a private endpoint still matters.`,
      { evidence, docLink: v2Injection(facts) ? V2_INJECTION_DOC : V2_INTEGRATION_DOC },
    );
  }
  return finding(
    'VNET-MODE',
    STEP,
    'info',
    TITLES['VNET-MODE'],
    `${apim.sku} injected in a virtual network (${apim.virtualNetworkType} mode): API Management reaches Key Vault and Entra ID through its subnet.`,
    { evidence },
  );
}

function checkServiceEndpoint(facts: Facts, apim: ApimFacts): Finding {
  const title = TITLES['VNET-SE'];
  const subnet = subnetOf(facts, 'VNET-SE');
  if ('checkId' in subnet) return subnet;
  const evidence = [
    `service endpoints: ${subnet.serviceEndpoints.map((e) => `${e.service} (${e.provisioningState ?? 'state unknown'})`).join(', ') || 'none'}`,
  ];
  const entry = subnet.serviceEndpoints.find((e) => e.service.toLowerCase() === 'microsoft.keyvault');
  if (entry && hasKeyVaultEndpoint(subnet))
    return finding('VNET-SE', STEP, 'pass', title, 'The subnet has the Microsoft.KeyVault service endpoint.', { evidence });
  if (entry)
    return finding(
      'VNET-SE',
      STEP,
      'warn',
      title,
      `The Microsoft.KeyVault service endpoint is ${entry.provisioningState}: wait for Succeeded, then re-check.`,
      { evidence },
    );
  const vault = facts.vault.ok ? facts.vault.value : undefined;
  if (vault && !firewallOn(vault)) {
    return finding(
      'VNET-SE',
      STEP,
      'info',
      title,
      'The subnet has no Microsoft.KeyVault service endpoint. Not needed while the vault accepts all networks; the documented setup adds it so a VNet rule can replace public access later.',
      { evidence },
    );
  }
  if (vault && vault.privateEndpointConnections.some((c) => c.status.toLowerCase() === 'approved')) {
    return finding(
      'VNET-SE',
      STEP,
      'info',
      title,
      'The subnet has no Microsoft.KeyVault service endpoint; the vault has an approved private endpoint, which serves instead (VNET-PE).',
      { evidence },
    );
  }
  if (vault) {
    const other = lineOfSight(facts, apim, vault).paths.find((p) => p.kind === 'ipRule' || p.kind === 'privateEndpoint');
    if (other) {
      evidence.push(`line of sight: ${other.detail}`);
      const caution =
        other.kind === 'ipRule'
          ? ' Adding the endpoint would change the source address Key Vault sees and stop that IP rule from matching.'
          : '';
      return finding(
        'VNET-SE',
        STEP,
        'info',
        title,
        `The subnet has no Microsoft.KeyVault service endpoint, and it needs none: ${other.detail} already gives API Management a line of sight.${caution}`,
        { evidence },
      );
    }
  }
  const operations: Operation[] = [{ kind: 'subnet.addServiceEndpoint', subnetId: subnet.id, service: 'Microsoft.KeyVault' }];
  if (
    vault &&
    firewallOn(vault) &&
    vault.publicNetworkAccess === 'Enabled' &&
    !vault.networkAcls.virtualNetworkRules.some((r) => sameId(r.id, subnet.id))
  ) {
    operations.push({ kind: 'vault.addVirtualNetworkRule', vaultId: vault.id, subnetId: subnet.id });
  }
  // The endpoint changes the source address of API Management's traffic to every vault: each other firewalled vault
  // that admits it by public IP today needs the VNet rule too (planned here), and unread ones are named.
  const affected = otherVaultsAffected(facts, apim, subnet);
  const main = makePlan('VNET-SE', facts, {
    title:
      operations.length > 1 || affected.planned.length
        ? `Add the Microsoft.KeyVault service endpoint and the VNet rule on ${[...(operations.length > 1 && vault ? [vault.name] : []), ...affected.planned.map((a) => a.vault.name)].join(', ')}`
        : 'Add the Microsoft.KeyVault service endpoint to the subnet',
    operations,
    disruption: `${SE_DISRUPTION}${affected.lines.length ? ` Other references: ${affected.lines.join('; ')}.` : ''}`,
  });
  const companions = affected.planned.map((a) =>
    makePlan(
      'VNET-SE',
      { ...facts, vault: { ok: true, value: a.vault } },
      { title: main.title, operations: [{ kind: 'vault.addVirtualNetworkRule', vaultId: a.vault.id, subnetId: subnet.id }] },
    ),
  );
  const uniq = <T>(xs: T[], key: (x: T) => string) => xs.filter((x, i) => xs.findIndex((y) => key(y) === key(x)) === i);
  const fix = {
    ...main,
    operations: [...main.operations, ...companions.flatMap((c) => c.operations)],
    preview: [...main.preview, ...companions.flatMap((c) => c.preview)],
    az: [...main.az, ...companions.flatMap((c) => c.az)],
    requiredActions: uniq([...main.requiredActions, ...companions.flatMap((c) => c.requiredActions)], (a) => a.toLowerCase()),
    requiredRoles: uniq(
      [...main.requiredRoles, ...companions.flatMap((c) => c.requiredRoles)],
      (r) => `${r.role}|${r.scope.toLowerCase()}`,
    ),
    // The companions' template code and ownership evidence belong to the one plan as much as their requests do.
    templates: {
      bicep: [main, ...companions].map((p) => p.templates!.bicep).join('\n\n'),
      terraform: [main, ...companions].map((p) => p.templates!.terraform).join('\n\n'),
    },
    ...mergedOwnership([main, ...companions]),
  };
  evidence.push(...affected.lines.map((l) => `other reference: ${l}`));
  return finding(
    'VNET-SE',
    STEP,
    'fail',
    title,
    `The subnet ${subnet.name} has no Microsoft.KeyVault service endpoint: the documented setup for API Management in a virtual network needs it to reach the vault through its firewall.${affected.lines.length ? " Adding it changes the source address of API Management's traffic to every vault: see the other references below." : ''}`,
    { evidence, fix, docLink: DOCS.keyVaultNetwork },
  );
}

function mergedOwnership(plans: FixPlan[]): Pick<FixPlan, 'ownership' | 'denied'> {
  const lines = [...new Set(plans.flatMap((p) => p.ownership ?? []))];
  const denied = plans.find((p) => p.denied)?.denied;
  return { ...(lines.length ? { ownership: lines } : {}), ...(denied ? { denied } : {}) };
}

/** The other vaults references read that the service endpoint would cut off (admitted by public IP, no VNet rule). */
function otherVaultsAffected(facts: Facts, apim: ApimFacts, subnet: SubnetFacts): { planned: { vault: VaultFacts }[]; lines: string[] } {
  const planned: { vault: VaultFacts }[] = [];
  const lines: string[] = [];
  const refs = referencesOf(facts);
  const sources = apimSourceIps(apim);
  for (const [host, fact] of Object.entries(facts.otherVaults ?? {})) {
    const users = refs.filter((r) => hostOf(r.secretIdentifier) === host).map(referenceLabel);
    if (users.length === 0) continue;
    if (!fact.ok) {
      lines.push(
        `${users.join(', ')} on ${host}: not read (${fact.message.split(/\r?\n/)[0]}), so whether the endpoint cuts it off is unknown; check its firewall`,
      );
      continue;
    }
    const v = fact.value;
    if (!firewallOn(v) || v.publicNetworkAccess !== 'Enabled' || v.networkAcls.virtualNetworkRules.some((r) => sameId(r.id, subnet.id)))
      continue;
    const byIp = sources.length > 0 && sources.every((ip) => v.networkAcls.ipRules.some((rule) => ipv4Contains(rule, ip)));
    if (!byIp) continue;
    planned.push({ vault: v });
    lines.push(
      `${users.join(', ')} on ${v.name}: admitted today by API Management's public IP, which the endpoint replaces; the same fix adds ${subnet.name} to ${v.name}'s VNet rules`,
    );
  }
  return { planned, lines };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

function checkVnetRule(facts: Facts, apim: ApimFacts): Finding {
  const title = TITLES['VNET-KVRULE'];
  if (!facts.vault.ok) return unknownFinding('VNET-KVRULE', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  if (!firewallOn(v)) return finding('VNET-KVRULE', STEP, 'skipped', title, 'The vault accepts all networks: no VNet rule is needed.');
  if (v.publicNetworkAccess !== 'Enabled')
    return finding(
      'VNET-KVRULE',
      STEP,
      'skipped',
      title,
      `Public network access is ${v.publicNetworkAccess}: VNet rules are ignored; only a private endpoint gives a path (VNET-PE).`,
    );
  const subnet = subnetOf(facts, 'VNET-KVRULE');
  if ('checkId' in subnet) return subnet;
  const present = v.networkAcls.virtualNetworkRules.some((r) => sameId(r.id, subnet.id));
  const evidence = [`subnet: ${subnet.id}`, `vault VNet rules: ${v.networkAcls.virtualNetworkRules.map((r) => r.id).join(', ') || 'none'}`];
  if (present)
    return finding(
      'VNET-KVRULE',
      STEP,
      hasKeyVaultEndpoint(subnet) ? 'pass' : 'warn',
      title,
      hasKeyVaultEndpoint(subnet)
        ? "The vault admits API Management's subnet."
        : 'The vault lists the subnet, but the rule only works once the subnet has the Microsoft.KeyVault service endpoint (VNET-SE).',
      { evidence },
    );
  if (!hasKeyVaultEndpoint(subnet)) {
    return finding(
      'VNET-KVRULE',
      STEP,
      'fail',
      title,
      "The vault does not admit API Management's subnet, and the subnet lacks the Microsoft.KeyVault service endpoint the rule depends on: apply VNET-SE, which adds both.",
      { evidence },
    );
  }
  const fix = makePlan('VNET-KVRULE', facts, {
    title: "Add API Management's subnet to the vault firewall",
    operations: [{ kind: 'vault.addVirtualNetworkRule', vaultId: v.id, subnetId: subnet.id }],
    disruption: 'None: existing rules are kept.',
  });
  return finding(
    'VNET-KVRULE',
    STEP,
    'fail',
    title,
    "The subnet has the service endpoint, so Key Vault sees API Management's private address, but the vault has no VNet rule for the subnet: the firewall blocks it.",
    { evidence, fix },
  );
}

function checkNsgPresent(facts: Facts, apim: ApimFacts): Finding {
  const title = TITLES['VNET-NSG'];
  const subnet = subnetOf(facts, 'VNET-NSG');
  if ('checkId' in subnet) return subnet;
  if (isV2(apim)) {
    const injection = v2Injection(facts);
    const docLink = injection ? V2_INJECTION_DOC : V2_INTEGRATION_DOC;
    if (!subnet.nsgId) {
      return finding(
        'VNET-NSG',
        STEP,
        'fail',
        title,
        `The subnet has no network security group, but Microsoft requires one to be associated with the subnet for ${injection ? 'Premium v2 injection' : 'v2 VNet integration'}. Create an NSG${injection ? ' (allowing outbound Storage on 443)' : ''} and associate it with ${subnet.name}; apimkv does not create one.`,
        { evidence: [`subnet: ${subnet.id}`], docLink },
      );
    }
    if (injection) {
      const nsg = facts.nsg?.ok ? facts.nsg.value : undefined;
      if (!nsg)
        return facts.nsg && !facts.nsg.ok
          ? unknownFinding('VNET-NSG', STEP, title, `the NSG ${subnet.nsgId.split('/').pop()}`, facts.nsg)
          : finding('VNET-NSG', STEP, 'unknown', title, `Could not check: the NSG ${subnet.nsgId} was not read.`);
      const verdict = evaluateFlow(nsg.rules, {
        destinationTags: ['Storage', regionalTag('Storage', apim.location)],
        port: 443,
        protocol: 'Tcp',
        sourcePrefixes: subnet.addressPrefixes,
      });
      const evidence = [`NSG: ${nsg.id}`, `outbound Storage 443 decided by: ${describeRule(verdict.rule)}`];
      if (verdict.access !== 'Allow')
        return finding(
          'VNET-NSG',
          STEP,
          'fail',
          title,
          `${verdict.rule.name} (priority ${verdict.rule.priority}) denies outbound TCP 443 to Storage, which Premium v2 injection requires the NSG to allow.`,
          { evidence, docLink },
        );
      return finding(
        'VNET-NSG',
        STEP,
        'pass',
        title,
        'The subnet has a network security group that allows outbound Storage on 443, as Premium v2 injection requires.',
        { evidence, docLink },
      );
    }
    return finding('VNET-NSG', STEP, 'pass', title, 'The subnet has a network security group, as v2 VNet integration requires.', {
      evidence: [`NSG: ${subnet.nsgId}`],
      docLink,
    });
  }
  if (subnet.nsgId)
    return finding('VNET-NSG', STEP, 'pass', title, 'The subnet has a network security group, as classic VNet injection requires.', {
      evidence: [`NSG: ${subnet.nsgId}`],
    });
  return finding(
    'VNET-NSG',
    STEP,
    'fail',
    title,
    'The subnet has no network security group: classic VNet injection requires one (the load balancer needs it). Associate an NSG with the rules of the virtual network reference.',
    { evidence: [`subnet: ${subnet.id}`] },
  );
}

function checkNsgFlow(
  facts: Facts,
  apim: ApimFacts,
  checkId: 'VNET-NSG-KV' | 'VNET-NSG-AAD',
  tag: 'AzureKeyVault' | 'AzureActiveDirectory',
): Finding {
  const title = TITLES[checkId];
  const subnet = subnetOf(facts, checkId);
  if ('checkId' in subnet) return subnet;
  if (!subnet.nsgId) return skipped(checkId, STEP, title, 'The subnet has no NSG to evaluate (see VNET-NSG).');
  const nsgFact = facts.nsg;
  if (!nsgFact) return finding(checkId, STEP, 'unknown', title, `Could not check: the NSG ${subnet.nsgId} was not read.`);
  if (!nsgFact.ok) return unknownFinding(checkId, STEP, title, `the NSG ${subnet.nsgId.split('/').pop()}`, nsgFact);
  const nsg: NsgFacts = nsgFact.value;
  const tags = tag === 'AzureKeyVault' ? [tag, regionalTag(tag, apim.location)] : [tag];
  const flow: NsgFlow = { destinationTags: tags, port: 443, protocol: 'Tcp', sourcePrefixes: subnet.addressPrefixes };
  // Through an approved private endpoint, Key Vault traffic goes to a private address in the VirtualNetwork tag, so
  // Internet and AzureKeyVault rules do not decide it (AllowVnetOutBound does, unless a rule denies VirtualNetwork).
  if (tag === 'AzureKeyVault' && privateEndpointPath(facts, apim)) {
    const pe = evaluateFlow(nsg.rules, { ...flow, destinationTags: ['VirtualNetwork'], privateDestination: true });
    const peEvidence = [
      `NSG: ${nsg.id}`,
      'path: approved private endpoint (destination in VirtualNetwork)',
      `deciding rule: ${describeRule(pe.rule)}`,
    ];
    if (pe.access === 'Allow')
      return finding(
        checkId,
        STEP,
        'pass',
        title,
        `API Management reaches the vault through its private endpoint, a VirtualNetwork address: outbound TCP 443 there is allowed by ${pe.rule.name}.`,
        { evidence: peEvidence, docLink: DOCS.keyVaultNetwork },
      );
    return finding(
      checkId,
      STEP,
      'fail',
      title,
      `${pe.rule.name} (priority ${pe.rule.priority}) denies outbound TCP 443 to the VirtualNetwork, where the vault's private endpoint is: API Management cannot fetch certificates. Allow VirtualNetwork 443 outbound (apimkv does not change rules that deny VirtualNetwork).`,
      { evidence: peEvidence, docLink: DOCS.keyVaultNetwork },
    );
  }
  const verdict = evaluateFlow(nsg.rules, flow);
  const evidence = [`NSG: ${nsg.id}`, `deciding rule: ${describeRule(verdict.rule)}`];
  if (verdict.access === 'Allow')
    return finding(checkId, STEP, 'pass', title, `Outbound TCP 443 to ${tag} is allowed by ${verdict.rule.name}.`, { evidence });
  // Both rules are often missing together: the Entra ID rule leaves the Key Vault rule's priority to it,
  // so the two fixes (and the az script of both) never collide.
  const kvFlow: NsgFlow = { ...flow, destinationTags: ['AzureKeyVault', regionalTag('AzureKeyVault', apim.location)] };
  const kvVerdict = tag === 'AzureActiveDirectory' ? evaluateFlow(nsg.rules, kvFlow) : undefined;
  const kvPriority = kvVerdict?.access === 'Deny' ? freePriorityBelow(nsg.rules, kvVerdict.rule) : undefined;
  const priority = freePriorityBelow(nsg.rules, verdict.rule, kvPriority === undefined ? [] : [kvPriority]);
  const ruleName = `Allow-${tag}-443-Out`;
  const fix =
    priority !== undefined
      ? makePlan(checkId, facts, {
          title: `Add NSG rule ${ruleName} (priority ${priority})`,
          operations: [
            {
              kind: 'nsg.putRule',
              nsgId: nsg.id,
              ruleName,
              rule: {
                priority,
                direction: 'Outbound',
                access: 'Allow',
                protocol: 'Tcp',
                sourceAddressPrefix: 'VirtualNetwork',
                sourcePortRange: '*',
                destinationAddressPrefix: tag,
                destinationPortRange: '443',
                description: `API Management to ${tag} (apimkv)`,
              },
            },
          ],
          disruption: 'None: the rule only allows more; existing rules are kept.',
        })
      : undefined;
  if (priority !== undefined) evidence.push(`free priority below ${verdict.rule.priority}: ${priority}`);
  const cause = `${verdict.rule.name} (priority ${verdict.rule.priority}) denies outbound TCP 443 to ${tag}: API Management cannot ${tag === 'AzureKeyVault' ? 'fetch certificates from Key Vault' : 'get tokens from Microsoft Entra ID for its identity'}.${priority === undefined ? ' No free priority exists below that rule: make room, then re-check.' : ''}`;
  return finding(checkId, STEP, 'fail', title, cause, { evidence, fix });
}

function checkPrivateEndpoint(facts: Facts, apim: ApimFacts): Finding {
  const title = TITLES['VNET-PE'];
  if (!facts.vault.ok) return unknownFinding('VNET-PE', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  if (v.privateEndpointConnections.length === 0) return skipped('VNET-PE', STEP, title, 'The vault has no private endpoints.');
  const approved = v.privateEndpointConnections.filter((c) => c.status.toLowerCase() === 'approved');
  const evidence = v.privateEndpointConnections.map(
    (c) => `connection ${c.id.split('/').pop()}: ${c.status}${c.privateEndpointId ? ` (${c.privateEndpointId})` : ''}`,
  );
  if (approved.length === 0)
    return finding(
      'VNET-PE',
      STEP,
      'info',
      title,
      "The vault's private endpoint connections are not approved yet: approve them on the vault (Networking > Private endpoint connections) before they carry traffic.",
      { evidence },
    );
  const pes = facts.privateEndpoints;
  if (!pes) return finding('VNET-PE', STEP, 'unknown', title, 'Could not check: the private endpoints were not read.', { evidence });
  if (!pes.ok) return unknownFinding('VNET-PE', STEP, title, "the vault's private endpoints", pes);
  const mine = pes.value.filter((pe) => approved.some((c) => sameId(c.privateEndpointId, pe.id)));
  evidence.push(
    ...mine.map(
      (pe) =>
        `${pe.id.split('/').pop()}: subnet ${pe.subnetId ?? 'unknown'}, DNS zones ${pe.privateDnsZoneIds.map((z) => z.split('/').pop()).join(', ') || 'none'}`,
    ),
  );
  const zone = facts.context.kvPrivateDnsZone;
  const withDns = mine.filter((pe) => hasVaultDnsZone(pe, zone));
  if (withDns.length === 0) {
    const foreign = mine
      .flatMap((pe) => pe.privateDnsZoneIds.map((z) => z.split('/').pop() ?? ''))
      .find((z) => /^privatelink\.vaultcore\./i.test(z));
    const cause = foreign
      ? `The approved private endpoint registers the vault in ${foreign}, but vaults in ${facts.context.cloud} resolve through ${zone}: API Management would resolve the vault's public address and hit the firewall, or, where that zone is linked to its network, not resolve the vault's name at all (DNS). Add a zone group with ${zone} linked to API Management's virtual network.`
      : `The approved private endpoint has no ${zone} DNS zone group: API Management would resolve the vault's public address and hit the firewall, or, where that zone is linked to its network, not resolve the vault's name at all (DNS). Add a zone group with ${zone} linked to API Management's virtual network.`;
    return finding('VNET-PE', STEP, 'warn', title, cause, { evidence, docLink: DOCS.keyVaultNetwork });
  }
  const apimVnet = apim.subnetId ? vnetOfSubnet(apim.subnetId) : undefined;
  const sameVnet = withDns.some((pe) => pe.subnetId && apimVnet && sameId(vnetOfSubnet(pe.subnetId), apimVnet));
  if (!sameVnet) {
    return finding(
      'VNET-PE',
      STEP,
      'info',
      title,
      "The private endpoint and its DNS zone are set, in another virtual network than API Management's: it helps only if the networks are peered and the zone is linked to API Management's network (apimkv cannot see the links).",
      { evidence },
    );
  }
  return finding(
    'VNET-PE',
    STEP,
    'pass',
    title,
    "An approved private endpoint with its DNS zone sits in API Management's virtual network (zone links are not visible to apimkv: if certificates still fail with a firewall error, check the zone is linked to this network).",
    { evidence },
  );
}

function checkRouteTable(subnet: SubnetFacts): Finding {
  return finding(
    'VNET-UDR',
    STEP,
    'info',
    TITLES['VNET-UDR'],
    'A route table is attached to the subnet. If it sends 0.0.0.0/0 to a firewall appliance (forced tunnelling), that appliance must allow Key Vault and Entra ID on 443; apimkv cannot read the routes.',
    { evidence: [`route table: ${subnet.routeTableId}`] },
  );
}

export function networkChecks(facts: Facts): Finding[] {
  if (!facts.apim.ok)
    return IDS.map((id) =>
      unknownFinding(id, STEP, TITLES[id], 'the API Management instance', facts.apim as Extract<Facts['apim'], { ok: false }>),
    );
  const apim = facts.apim.value;
  if (isConsumption(apim))
    return IDS.map((id) => skipped(id, STEP, TITLES[id], 'The Consumption tier cannot be placed in a virtual network.'));
  if (!inVnet(apim)) return IDS.map((id) => skipped(id, STEP, TITLES[id], 'API Management is not in a virtual network.'));
  const findings = [
    checkMode(facts, apim),
    checkServiceEndpoint(facts, apim),
    checkVnetRule(facts, apim),
    checkNsgPresent(facts, apim),
    checkNsgFlow(facts, apim, 'VNET-NSG-KV', 'AzureKeyVault'),
    checkNsgFlow(facts, apim, 'VNET-NSG-AAD', 'AzureActiveDirectory'),
    checkPrivateEndpoint(facts, apim),
  ];
  // VNET-UDR only when the facts show a route table (routes themselves are not read).
  if (facts.subnet?.ok && facts.subnet.value.routeTableId) findings.push(checkRouteTable(facts.subnet.value));
  return findings;
}

/**
 * Step 4 on every other vault references read (any subscription), by the same checks as the target vault's: the
 * Microsoft.KeyVault service endpoint (with the VNet rule on that vault), the vault's VNet rule, the NSG's path to it
 * (through its private endpoint when it has one) and its private endpoint; fixes act on that vault and the subnet.
 * The subnet, its NSG and the way to Entra ID are the instance's own, so VNET-MODE, VNET-NSG and VNET-NSG-AAD stay the
 * target's findings (https://learn.microsoft.com/azure/api-management/virtual-network-reference).
 */
export function otherVaultNetworkChecks(facts: Facts): Finding[] {
  if (!facts.apim.ok || !facts.vault.ok) return [];
  const apim = facts.apim.value;
  if (isConsumption(apim) || !inVnet(apim)) return [];
  return otherVaultsInUse(facts).flatMap(({ host, vault, refs }) => {
    const onOther = seenFrom(facts, host, vault);
    return [
      checkServiceEndpoint(onOther, apim),
      checkVnetRule(onOther, apim),
      checkNsgFlow(onOther, apim, 'VNET-NSG-KV', 'AzureKeyVault'),
      checkPrivateEndpoint(onOther, apim),
    ].map((f) => forVault(f, vault, refs));
  });
}
