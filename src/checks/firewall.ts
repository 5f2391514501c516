// Step 3: the Key Vault firewall. Since 15 March 2026 the trusted-services exception ("bypass") still admits
// API Management's control plane (certificates, named values, custom-domain certificates) but no longer its
// gateway (policies, backends, send-request), which needs a network line of sight. Custom-domain certificates
// need the vault public or the exception, even with a line of sight.
import type { Facts, VaultFacts } from './facts.ts';
import { finding, unknownFinding } from './finding.ts';
import { publicIpv4, sameIpRule } from './ipv4.ts';
import { makePlan } from './plan.ts';
import { bypassOn, firewallOn, hasKeyVaultEndpoint, hostnamesOnVault, isConsumption, lineOfSight, pickIdentity } from './posture.ts';
import { sameId } from './resource-id.ts';
import { DOCS } from './steps.ts';
import type { Finding, Operation } from './types.ts';

const STEP = 'firewall' as const;

/** The custom property that acknowledges the retirement (turns the gateway's trusted access off). */
export const DISABLE_OVER_PRIVILEGED_ACCESS = 'Microsoft.WindowsAzure.ApiManagement.Gateway.ManagedIdentity.DisableOverPrivilegedAccess';

function aclEvidence(v: VaultFacts): string[] {
  return [
    `publicNetworkAccess: ${v.publicNetworkAccess}`,
    `defaultAction: ${v.networkAcls.defaultAction}`,
    `bypass: ${v.networkAcls.bypass || 'AzureServices (default)'}`,
    `ip rules: ${v.networkAcls.ipRules.join(', ') || 'none'}`,
    `virtual network rules: ${v.networkAcls.virtualNetworkRules.map((r) => r.id).join(', ') || 'none'}`,
    `private endpoint connections: ${v.privateEndpointConnections.map((c) => `${c.id.split('/').pop()} (${c.status})`).join(', ') || 'none'}`,
  ];
}

const FIREWALL_OFF = 'The vault firewall is off (public access from all networks): nothing to check here.';

export function checkState(facts: Facts): Finding {
  const title = 'Key Vault firewall state';
  if (!facts.vault.ok) return unknownFinding('FW-STATE', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  const on = firewallOn(v);
  const how =
    v.publicNetworkAccess === 'Disabled'
      ? 'public network access is disabled'
      : v.publicNetworkAccess === 'SecuredByPerimeter'
        ? 'a network security perimeter governs access'
        : on
          ? 'only selected networks are allowed (default action Deny)'
          : 'all networks are allowed';
  return finding(
    'FW-STATE',
    STEP,
    'info',
    title,
    on ? `The firewall is on: ${how}. The checks below say how API Management and you get through.` : `The firewall is off: ${how}.`,
    { evidence: aclEvidence(v) },
  );
}

export function checkIdentity(facts: Facts): Finding {
  const title = 'System-assigned identity behind the firewall';
  if (!facts.vault.ok) return unknownFinding('FW-IDENTITY', STEP, title, 'the key vault', facts.vault);
  if (!firewallOn(facts.vault.value)) return finding('FW-IDENTITY', STEP, 'skipped', title, FIREWALL_OFF);
  if (!facts.apim.ok) return unknownFinding('FW-IDENTITY', STEP, title, 'the API Management instance', facts.apim);
  const apim = facts.apim.value;
  const picked = pickIdentity(facts, apim);
  if (picked.kind === 'system' && picked.enabled)
    return finding(
      'FW-IDENTITY',
      STEP,
      'pass',
      title,
      'API Management uses its system-assigned identity, the one the vault firewall admits.',
    );
  const systemOn = /systemassigned/i.test(apim.identity.type);
  const fix = systemOn
    ? undefined
    : makePlan('FW-IDENTITY', facts, {
        title: 'Enable the system-assigned identity',
        operations: [{ kind: 'apim.enableSystemIdentity', apimId: apim.id }],
        disruption: 'None for traffic; the service update takes a minute or two.',
      });
  const evidence = [
    `identity type: ${apim.identity.type}`,
    `picked: ${picked.kind}${picked.kind === 'user' ? ` ${picked.id}` : ''} (${picked.why})`,
  ];
  if (picked.kind === 'system' || picked.kind === 'none') {
    return finding(
      'FW-IDENTITY',
      STEP,
      'fail',
      title,
      'The system-assigned identity is not enabled, and behind the vault firewall it is the only identity admitted (user-assigned identities do not get the trusted-service exception). Enable it, then grant it access (step 2).',
      { evidence, fix, docLink: DOCS.identity },
    );
  }
  const which = `the user-assigned identity ${picked.id.split('/').pop()}`;
  return finding(
    'FW-IDENTITY',
    STEP,
    'fail',
    title,
    `API Management would use ${which}, but behind the vault firewall only the system-assigned identity gets the trusted-service exception. ${systemOn ? 'Choose the system-assigned identity in step 5' : 'Enable the system-assigned identity, grant it access (step 2) and choose it in step 5'}.`,
    {
      evidence,
      fix,
      docLink: DOCS.identity,
    },
  );
}

export function checkBypass(facts: Facts): Finding {
  const title = 'Trusted Microsoft services exception';
  if (!facts.vault.ok) return unknownFinding('FW-BYPASS', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  if (!firewallOn(v)) return finding('FW-BYPASS', STEP, 'skipped', title, FIREWALL_OFF);
  if (!facts.apim.ok) return unknownFinding('FW-BYPASS', STEP, title, 'the API Management instance', facts.apim);
  const apim = facts.apim.value;
  const evidence = [`bypass: ${v.networkAcls.bypass || 'AzureServices (default)'}`, `publicNetworkAccess: ${v.publicNetworkAccess}`];
  if (v.publicNetworkAccess === 'SecuredByPerimeter') {
    return finding(
      'FW-BYPASS',
      STEP,
      'warn',
      title,
      'A network security perimeter governs this vault and overrides the trusted-services exception: API Management needs an explicit perimeter access rule (not something apimkv can set).',
      { evidence, docLink: DOCS.keyVaultNetwork },
    );
  }
  if (bypassOn(v)) {
    return finding(
      'FW-BYPASS',
      STEP,
      'pass',
      title,
      "The exception admits API Management's control plane: certificates, named values and custom-domain certificates. Since 15 March 2026 it no longer serves the gateway (policies, backends, send-request): see FW-LOS.",
      { evidence, docLink: DOCS.retirement },
    );
  }
  const fix = makePlan('FW-BYPASS', facts, {
    title: 'Allow trusted Microsoft services to bypass the vault firewall',
    operations: [{ kind: 'vault.setBypass', vaultId: v.id, bypass: 'AzureServices' }],
    disruption: 'None: the firewall rules are kept; trusted Microsoft services (with their own permissions) are admitted too.',
  });
  const hostnames = hostnamesOnVault(apim, v);
  if (hostnames.length) {
    evidence.push(...hostnames.map((h) => `custom domain ${h.hostName} uses ${h.keyVaultId}`));
    return finding(
      'FW-BYPASS',
      STEP,
      'fail',
      title,
      `Custom-domain certificates (${hostnames.map((h) => h.hostName).join(', ')}) need the vault public or the trusted-services exception, even when API Management has a network line of sight: turn the exception on.`,
      { evidence, fix, docLink: DOCS.customDomain },
    );
  }
  const los = lineOfSight(facts, apim, v);
  if (los.paths.length) {
    evidence.push(...los.paths.map((p) => `line of sight: ${p.detail}`));
    return finding(
      'FW-BYPASS',
      STEP,
      'pass',
      title,
      'The exception is off, but API Management has a network line of sight to the vault, which is enough for certificates and named values.',
      { evidence, docLink: DOCS.retirement },
    );
  }
  if (los.gaps.length) {
    return finding(
      'FW-BYPASS',
      STEP,
      'unknown',
      title,
      `Could not check: the exception is off and ${los.gaps.join('; ')}, so whether API Management has another way in is unknown.`,
      { evidence },
    );
  }
  return finding(
    'FW-BYPASS',
    STEP,
    'fail',
    title,
    'The exception is off and API Management has no network line of sight: the vault firewall blocks it from reading the certificate. Turn the exception on (it still serves certificates after March 2026), or give it a line of sight (FW-LOS).',
    { evidence, fix, docLink: DOCS.retirement },
  );
}

export function checkLineOfSight(facts: Facts): Finding {
  const title = "Network line of sight for API Management's gateway";
  if (!facts.vault.ok) return unknownFinding('FW-LOS', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  if (!firewallOn(v)) return finding('FW-LOS', STEP, 'skipped', title, FIREWALL_OFF);
  if (!facts.apim.ok) return unknownFinding('FW-LOS', STEP, title, 'the API Management instance', facts.apim);
  const apim = facts.apim.value;
  const los = lineOfSight(facts, apim, v);
  const evidence = [
    ...los.paths.map((p) => `line of sight: ${p.detail}`),
    `APIM public IPs: ${apim.publicIPAddresses.join(', ') || 'none'}`,
    `APIM outbound IPs: ${apim.outboundPublicIPAddresses.join(', ') || 'none'}`,
    `APIM network: ${apim.virtualNetworkType}${apim.subnetId ? ` (${apim.subnetId})` : ''}`,
  ];
  if (los.paths.length)
    return finding(
      'FW-LOS',
      STEP,
      'pass',
      title,
      `The gateway can reach the vault without the trusted-services exception: ${los.paths.map((p) => p.detail).join('; ')}.`,
      { evidence, docLink: DOCS.retirement },
    );
  if (los.gaps.length) return finding('FW-LOS', STEP, 'unknown', title, `Could not check: ${los.gaps.join('; ')}.`, { evidence });
  // The retirement concerns the gateway only: certificates, named values and custom domains (control plane) keep the
  // exception. apimkv reads no policies or backends, so this is advice, never a warning or part of "fix all".
  const why =
    "Since 15 March 2026 API Management's gateway no longer uses the trusted-services exception. That matters only if policies, backends or send-request calls reach this vault; certificates, named values and custom domains are not affected. If Azure Advisor lists 'Disable trusted service connectivity in API Management' for this instance, give the gateway a line of sight (IP rule, VNet rule or private endpoint).";
  let operations: Operation[] = [];
  let how = '';
  const subnet = facts.subnet?.ok ? facts.subnet.value : undefined;
  if (v.publicNetworkAccess !== 'Enabled') {
    how = " Public network access is not enabled, so only a private endpoint in API Management's virtual network can give one (VNET-PE).";
  } else if (isConsumption(apim)) {
    how = ' The Consumption tier has no dedicated outbound IP and no virtual network, so apimkv cannot give it a line of sight.';
  } else if (subnet && hasKeyVaultEndpoint(subnet) && apim.subnetId) {
    operations = [{ kind: 'vault.addVirtualNetworkRule', vaultId: v.id, subnetId: apim.subnetId }];
  } else if (subnet && apim.subnetId) {
    how =
      " In a virtual network the documented path is the Microsoft.KeyVault service endpoint plus a VNet rule (VNET-SE adds both; it changes the source address of API Management's traffic to every vault).";
  } else if (los.ipRuleCandidates.length) {
    operations = los.ipRuleCandidates.map((ip) => ({ kind: 'vault.addIpRule', vaultId: v.id, value: `${ip}/32` }));
  } else {
    how = ' API Management exposes no public outbound IP that an IP rule could name.';
  }
  const fix = operations.length
    ? makePlan('FW-LOS', facts, {
        title:
          operations[0].kind === 'vault.addVirtualNetworkRule'
            ? "Add API Management's subnet to the vault firewall"
            : `Add API Management's IP${operations.length > 1 ? 's' : ''} to the vault firewall`,
        operations,
        disruption: 'None: existing rules are kept. The IP changes if the instance is moved to or within a virtual network; re-check then.',
      })
    : undefined;
  return finding('FW-LOS', STEP, 'info', title, `${why}${how}`, { evidence, fix, docLink: DOCS.retirement });
}

export function checkRetirement(facts: Facts): Finding {
  const title = 'Trusted service connectivity retirement (acknowledgement)';
  if (!facts.apim.ok) return unknownFinding('FW-RETIRE', STEP, title, 'the API Management instance', facts.apim);
  const apim = facts.apim.value;
  const entry = Object.entries(apim.customProperties).find(([k]) => k.toLowerCase() === DISABLE_OVER_PRIVILEGED_ACCESS.toLowerCase());
  const value = entry?.[1];
  const evidence = [`${DISABLE_OVER_PRIVILEGED_ACCESS}: ${value ?? '(absent)'}`, `created: ${apim.createdAtUtc ?? 'unknown'}`];
  if (value?.toLowerCase() === 'true')
    return finding(
      'FW-RETIRE',
      STEP,
      'pass',
      title,
      "Acknowledged: the gateway's trusted-service access is turned off, as the retirement requires.",
      { evidence, docLink: DOCS.retirement },
    );
  const created = apim.createdAtUtc ? Date.parse(apim.createdAtUtc) : NaN;
  if (!Number.isNaN(created) && created >= Date.parse('2025-12-01T00:00:00Z')) {
    return finding(
      'FW-RETIRE',
      STEP,
      'info',
      title,
      'This instance was created on or after 1 December 2025: its gateway never had trusted-service access, so there is nothing to acknowledge.',
      { evidence, docLink: DOCS.retirement },
    );
  }
  // Never offered as a default: it is a separate, explicitly labelled choice (status info keeps it out of "fix all").
  const fix = makePlan('FW-RETIRE', facts, {
    id: 'FW-RETIRE:acknowledge',
    title: `Optional, only after every gateway dependency has a line of sight: set ${DISABLE_OVER_PRIVILEGED_ACCESS} = True`,
    operations: [{ kind: 'apim.setCustomProperty', apimId: apim.id, key: DISABLE_OVER_PRIVILEGED_ACCESS, value: 'True' }],
    disruption:
      'Gateway calls (policies, backends, send-request) that still rely on trusted-service access to Key Vault, Storage, Service Bus, Event Hubs or Container Registry fail from then on. The service update takes several minutes.',
  });
  return finding(
    'FW-RETIRE',
    STEP,
    'info',
    title,
    "Since 15 March 2026 the gateway no longer uses trusted-service access. If Azure Advisor lists 'Disable trusted service connectivity in API Management' for this instance, give those calls a line of sight, then acknowledge with this property. apimkv never sets it by itself.",
    { evidence, fix, docLink: DOCS.retirement },
  );
}

export function checkClientIp(facts: Facts): Finding {
  const title = 'Your IP address and the vault firewall';
  if (!facts.vault.ok) return unknownFinding('FW-CLIENTIP', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  if (!firewallOn(v)) return finding('FW-CLIENTIP', STEP, 'skipped', title, FIREWALL_OFF);
  const probe = facts.operatorDataPlane;
  if (!probe.ok) return unknownFinding('FW-CLIENTIP', STEP, title, 'your access to the vault data plane', probe);
  const p = probe.value;
  if (p.status === 'unreachable')
    return finding('FW-CLIENTIP', STEP, 'unknown', title, `Could not check: the data-plane probe got no answer: ${p.message}`, {
      evidence: [`probe: ${p.message}`],
    });
  if (p.status === 'forbidden')
    return finding(
      'FW-CLIENTIP',
      STEP,
      'pass',
      title,
      'The vault firewall lets you in (the vault answered with a permission refusal, not a network one: see ACC-OPERATOR).',
      { evidence: [`probe: ${p.status} (${p.message.split(/\r?\n/)[0]})`] },
    );
  if (p.status !== 'firewall')
    return finding(
      'FW-CLIENTIP',
      STEP,
      'pass',
      title,
      'The vault firewall lets you in: the picker and validation can use the data plane.',
      { evidence: [`probe: ${p.status}`] },
    );
  const ip = p.clientAddress ?? facts.context.operator.publicIp;
  const evidence = [`probe: ${p.message}`, `your address: ${ip ?? 'unknown'}`];
  if (v.publicNetworkAccess !== 'Enabled' || p.publicAccessDisabled) {
    return finding(
      'FW-CLIENTIP',
      STEP,
      'info',
      title,
      'The vault blocks you, and with public network access disabled an IP rule would be ignored: reach it through a private endpoint, or type the secret identifier in step 5 instead of picking it.',
      { evidence },
    );
  }
  if (!ip)
    return finding(
      'FW-CLIENTIP',
      STEP,
      'info',
      title,
      'The vault firewall blocks you, but your public address is unknown, so no rule can be offered. Type the secret identifier in step 5 instead of picking it.',
      { evidence },
    );
  // Key Vault's IP rules take IPv4 addresses and ranges only (overview-vnet-service-endpoints).
  if (ip.includes(':')) {
    return finding(
      'FW-CLIENTIP',
      STEP,
      'info',
      title,
      `The vault firewall blocks you, and your address ${ip} is IPv6: Key Vault IP rules are IPv4 only, so no rule can admit you. Connect over IPv4 (or through a private endpoint), or type the secret identifier in step 5 instead of picking it.`,
      { evidence, docLink: DOCS.keyVaultNetwork },
    );
  }
  // The address comes from the vault's error text: only a public IPv4 unicast address becomes a rule.
  const publicIp = publicIpv4(ip);
  if (!publicIp) {
    return finding(
      'FW-CLIENTIP',
      STEP,
      'info',
      title,
      `The vault firewall blocks you, but the address it reported (${ip}) is not a public IPv4 address, so no rule can admit you: a rule for it would open the vault to nobody you know. Type the secret identifier in step 5 instead of picking it.`,
      { evidence, docLink: DOCS.keyVaultNetwork },
    );
  }
  const value = `${publicIp}/32`;
  if (v.networkAcls.ipRules.some((r) => sameIpRule(r, value))) {
    return finding(
      'FW-CLIENTIP',
      STEP,
      'warn',
      title,
      `The vault already allows ${value}, yet still blocked you: the rule may still be applying (re-check in a minute) or your traffic leaves from another address.`,
      { evidence },
    );
  }
  const fix = makePlan('FW-CLIENTIP', facts, {
    title: `Temporarily allow your IP ${value} through the vault firewall`,
    operations: [{ kind: 'vault.addIpRule', vaultId: v.id, value, temporary: true }],
    temporary: true,
    disruption: 'None; apimkv records the rule and offers to remove it when you are done (FW-CLIENTIP-CLEANUP).',
  });
  return finding(
    'FW-CLIENTIP',
    STEP,
    'info',
    title,
    `The vault firewall blocks you (${ip}): the picker and validation cannot read the vault. Allow your IP for the session, or type the secret identifier in step 5.`,
    { evidence, fix },
  );
}

export function checkClientIpCleanup(facts: Facts): Finding {
  const title = 'Temporary firewall rules to remove';
  const changes = facts.temporaryChanges.filter((c) => c.kind === 'vault.ipRule');
  if (changes.length === 0) return finding('FW-CLIENTIP-CLEANUP', STEP, 'pass', title, 'apimkv has left no temporary rule in place.');
  const vault = facts.vault.ok ? facts.vault.value : undefined;
  const evidence = changes.map((c) => {
    const present =
      vault && sameId(vault.id, c.vaultId)
        ? vault.networkAcls.ipRules.some((r) => sameIpRule(r, c.value))
          ? 'still present'
          : 'already gone'
        : 'state unknown';
    return `${c.value} on ${c.vaultId.split('/').pop()} (added ${c.addedAt}, ${present})`;
  });
  const fix = makePlan('FW-CLIENTIP-CLEANUP', facts, {
    title: `Remove the temporary rule${changes.length > 1 ? 's' : ''} ${changes.map((c) => c.value).join(', ')}`,
    operations: changes.map((c) => ({ kind: 'vault.removeIpRule', vaultId: c.vaultId, value: c.value })),
    disruption: 'You lose data-plane access from this address (the picker); API Management is not affected.',
  });
  return finding(
    'FW-CLIENTIP-CLEANUP',
    STEP,
    'warn',
    title,
    `apimkv opened the vault firewall for you temporarily (${changes.map((c) => c.value).join(', ')}): remove it when you are done.`,
    { evidence, fix },
  );
}

export function checkPublicAccessDisabled(facts: Facts): Finding {
  const title = 'Public network access disabled';
  if (!facts.vault.ok) return unknownFinding('FW-PNA-DISABLED', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  if (v.publicNetworkAccess !== 'Disabled')
    return finding(
      'FW-PNA-DISABLED',
      STEP,
      'skipped',
      title,
      `Public network access is ${v.publicNetworkAccess || 'Enabled'}: this applies only when it is Disabled.`,
    );
  return finding(
    'FW-PNA-DISABLED',
    STEP,
    'info',
    title,
    `Public network access is disabled. ${bypassOn(v) ? "API Management's control plane still gets in through the trusted-services exception." : 'Only private endpoints get in (the exception is off).'} You need a path through a private endpoint to browse the vault, or type the secret identifier in step 5.`,
    { evidence: aclEvidence(v), docLink: DOCS.keyVaultNetwork },
  );
}

export function firewallChecks(facts: Facts): Finding[] {
  return [
    checkState(facts),
    checkIdentity(facts),
    checkBypass(facts),
    checkLineOfSight(facts),
    checkRetirement(facts),
    checkClientIp(facts),
    checkClientIpCleanup(facts),
    checkPublicAccessDisabled(facts),
  ];
}
