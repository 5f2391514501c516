// Step 0: the cloud, subscription and sign-in the run acts with.
import type { Facts } from './facts.ts';
import { finding, unknownFinding } from './finding.ts';
import { vaultHost } from './identifiers.ts';
import { operatorEvidence, operatorName } from './principals.ts';
import type { Finding } from './types.ts';

const STEP = 'context' as const;

export function checkCloud(facts: Facts): Finding {
  const title = 'Cloud and Key Vault DNS suffix';
  const { cloud, kvDnsSuffix, armEndpoint } = facts.context;
  const evidence = [
    `cloud: ${cloud}`,
    `ARM endpoint: ${armEndpoint}`,
    `Key Vault suffix: ${kvDnsSuffix}`,
    ...(facts.context.sandbox ? ['sandbox: yes (local emulator)'] : []),
  ];
  if (!facts.vault.ok) return unknownFinding('CTX-CLOUD', STEP, title, 'the key vault', facts.vault);
  const host = vaultHost(facts.vault.value.vaultUri);
  evidence.push(`vault URI: ${facts.vault.value.vaultUri}`);
  if (!host || !host.endsWith(kvDnsSuffix.toLowerCase())) {
    return finding(
      'CTX-CLOUD',
      STEP,
      'fail',
      title,
      `The vault's address ${host ?? facts.vault.value.vaultUri} does not end in ${kvDnsSuffix}, the Key Vault suffix of ${cloud}: API Management in this cloud cannot use a vault from another cloud. Run against the vault's cloud (az cloud set) or use a vault in ${cloud}.`,
      { evidence },
    );
  }
  return finding('CTX-CLOUD', STEP, 'pass', title, `Running against ${cloud}; the vault ${host} is in the same cloud.`, { evidence });
}

export function checkWhoAmI(facts: Facts): Finding {
  const title = 'Who you are signed in as';
  const { operator, tenantId, subscriptionId } = facts.context;
  const who = operatorName(operator);
  const evidence = [
    operatorEvidence(operator),
    `tenant: ${tenantId ?? 'unknown'}`,
    `subscription: ${subscriptionId}`,
    ...(operator.publicIp ? [`public IP: ${operator.publicIp}`] : []),
  ];
  if (!facts.apim.ok) return unknownFinding('CTX-WHOAMI', STEP, title, 'the API Management instance', facts.apim);
  const apimTenant = facts.apim.value.identity.tenantId;
  if (apimTenant) evidence.push(`APIM identity tenant: ${apimTenant}`);
  if (tenantId && apimTenant && tenantId.toLowerCase() !== apimTenant.toLowerCase()) {
    return finding(
      'CTX-WHOAMI',
      STEP,
      'warn',
      title,
      `You are signed in to tenant ${tenantId}, but API Management's identity lives in tenant ${apimTenant}: grants you make land in your tenant and may not apply to it. Sign in to ${apimTenant} (az login --tenant ${apimTenant}).`,
      { evidence },
    );
  }
  if (!operator.objectId) {
    return finding(
      'CTX-WHOAMI',
      STEP,
      'warn',
      title,
      `Signed in as ${who}, but your object id is unknown: the checks of your own data-plane access (ACC-OPERATOR) cannot look you up in access policies.`,
      { evidence },
    );
  }
  // The header names the subscription; its id is in the evidence.
  return finding('CTX-WHOAMI', STEP, 'pass', title, `Signed in as ${who}.`, { evidence });
}

export function contextChecks(facts: Facts): Finding[] {
  return [checkCloud(facts), checkWhoAmI(facts)];
}
