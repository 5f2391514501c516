// Step 1: the vault exists (or can be recovered), API Management is healthy and has an identity in the
// vault's tenant.
import type { Facts } from './facts.ts';
import { finding, unknownFinding } from './finding.ts';
import { makePlan } from './plan.ts';
import { parseResourceId } from './resource-id.ts';
import { hasSystemIdentity, isConsumption, isV2, pickIdentity, principalName } from './posture.ts';
import { DOCS } from './steps.ts';
import type { Finding } from './types.ts';
import { WORKSPACES_DOC, workspacesNote } from './workspaces.ts';

const STEP = 'prerequisites' as const;

export function checkVault(facts: Facts): Finding {
  const title = 'The key vault exists';
  const vault = facts.vault;
  if (vault.ok) {
    const v = vault.value;
    return finding('PRE-VAULT', STEP, 'pass', title, `Found ${v.name} in ${v.location}.`, {
      evidence: [
        `id: ${v.id}`,
        `vault URI: ${v.vaultUri}`,
        `soft delete: ${v.enableSoftDelete === false ? 'off' : 'on'}`,
        `purge protection: ${v.enablePurgeProtection ? 'on' : 'off'}`,
      ],
    });
  }
  if (vault.unknown !== 'NotFound') return unknownFinding('PRE-VAULT', STEP, title, 'the key vault', vault);
  const evidence = [`read: ${vault.message}`];
  const deleted = facts.deletedVault;
  if (deleted?.ok && deleted.value) {
    const d = deleted.value;
    evidence.push(
      `soft-deleted vault: ${d.id}`,
      ...(d.deletionDate ? [`deleted on: ${d.deletionDate}`] : []),
      ...(d.scheduledPurgeDate ? [`scheduled purge: ${d.scheduledPurgeDate}`] : []),
      ...(d.purgeProtectionEnabled === undefined ? [] : [`purge protection: ${d.purgeProtectionEnabled ? 'on' : 'off'}`]),
    );
    // The deleted-vault id is under .../locations/<l>/deletedVaults/<n>; recovery needs the original vault id.
    const vaultId = /\/providers\/Microsoft\.KeyVault\/vaults\//i.test(d.id) ? d.id : vault.from?.resourceId;
    // Recovery is a vault write (az keyvault recover): whoever may create a vault in the resource group may
    // restore it (soft-delete-overview). It brings back secrets, certificates, access policies and network rules,
    // but not the Azure RBAC role assignments on the vault, which were deleted with it.
    const fix = vaultId
      ? makePlan('PRE-VAULT', facts, {
          title: `Recover the soft-deleted key vault ${d.name}`,
          operations: [{ kind: 'vault.recover', vaultId, location: d.location }],
          disruption:
            'None for API Management: the vault comes back with its secrets, certificates, access policies and firewall. Role assignments on the vault do not come back; the access checks grant API Management again afterwards.',
        })
      : undefined;
    const until = d.scheduledPurgeDate ? ` until its scheduled purge on ${d.scheduledPurgeDate}` : '';
    const deletedOn = d.deletionDate ? ` on ${d.deletionDate}` : '';
    const purge =
      d.purgeProtectionEnabled === true
        ? ' Purge protection is on: nobody can purge it before then, and its name cannot be used for a new vault until then.'
        : d.purgeProtectionEnabled === false
          ? ' Purge protection is off: purging it would destroy its secrets and certificates for good.'
          : '';
    return finding(
      'PRE-VAULT',
      STEP,
      'fail',
      title,
      `The vault ${d.name} was deleted${deletedOn} and is soft-deleted, recoverable${until}.${purge} Recover it rather than creating a new one, so existing references keep working; role assignments on it were deleted with it and must be granted again.`,
      { evidence, fix, docLink: DOCS.softDelete },
    );
  }
  if (deleted && !deleted.ok) evidence.push(`soft-deleted vaults could not be listed: ${deleted.message}`);
  const where = vault.from ? parseResourceId(vault.from.resourceId) : undefined;
  const named = where
    ? `The key vault ${where.name} was not found in ${where.resourceGroup ? `resource group ${where.resourceGroup} of ` : ''}subscription ${where.subscriptionId ?? 'unknown'}`
    : 'The key vault was not found';
  return finding(
    'PRE-VAULT',
    STEP,
    'fail',
    title,
    `${named}${deleted?.ok ? ' and is not among the soft-deleted vaults' : ''}. Check --vault (a name, or the resource id of a vault in another subscription) and --subscription, or create the vault and import the certificate first.`,
    { evidence },
  );
}

export function checkTenant(facts: Facts): Finding {
  const title = "API Management's identity is in the vault's tenant";
  if (!facts.vault.ok) return unknownFinding('PRE-TENANT', STEP, title, 'the key vault', facts.vault);
  if (!facts.apim.ok) return unknownFinding('PRE-TENANT', STEP, title, 'the API Management instance', facts.apim);
  const vaultTenant = facts.vault.value.tenantId;
  const identity = facts.apim.value.identity;
  // User-assigned identities carry no tenant in the APIM resource; they live in the subscription's tenant.
  const identityTenant = identity.tenantId ?? (identity.userAssigned.length ? facts.context.tenantId : undefined);
  const evidence = [
    `vault tenant: ${vaultTenant}`,
    `identity tenant: ${identityTenant ?? 'none'}${identity.tenantId ? '' : identityTenant ? ' (subscription tenant, for user-assigned identities)' : ''}`,
  ];
  if (!identityTenant)
    return finding(
      'PRE-TENANT',
      STEP,
      'skipped',
      title,
      'API Management has no managed identity yet (see PRE-MI), so there is no tenant to compare.',
      { evidence },
    );
  if (identityTenant.toLowerCase() !== vaultTenant.toLowerCase()) {
    return finding(
      'PRE-TENANT',
      STEP,
      'fail',
      title,
      `The vault trusts tenant ${vaultTenant}, but API Management's identity belongs to ${identityTenant}: managed identities are tenant-bound, so no grant in this vault can apply. Use a vault in ${identityTenant}.`,
      { evidence },
    );
  }
  return finding('PRE-TENANT', STEP, 'pass', title, `Both are in tenant ${vaultTenant}.`, { evidence });
}

export function checkApim(facts: Facts): Finding {
  const title = 'The API Management instance is ready';
  const apim = facts.apim;
  if (!apim.ok) {
    if (apim.unknown === 'NotFound') {
      const where = apim.from ? parseResourceId(apim.from.resourceId) : undefined;
      const named = where?.resourceGroup
        ? `The API Management instance ${where.name} was not found in resource group ${where.resourceGroup} of subscription ${where.subscriptionId ?? 'unknown'}`
        : `The API Management instance was not found (${apim.message})`;
      return finding(
        'PRE-APIM',
        STEP,
        'fail',
        title,
        `${named}. Check --service, -g (--resource-group) and --subscription, or pass --service-id.`,
        { evidence: [`read: ${apim.message}`] },
      );
    }
    return unknownFinding('PRE-APIM', STEP, title, 'the API Management instance', apim);
  }
  const a = apim.value;
  const evidence = [
    `id: ${a.id}`,
    `SKU: ${a.sku}${a.capacity !== undefined ? ` x${a.capacity}` : ''}`,
    `location: ${a.location}`,
    `provisioning state: ${a.provisioningState ?? 'unknown'}`,
    `platform: ${a.platformVersion ?? 'unknown'}`,
    `network: ${a.virtualNetworkType}`,
  ];
  if (a.provisioningState && a.provisioningState.toLowerCase() !== 'succeeded') {
    return finding(
      'PRE-APIM',
      STEP,
      'fail',
      title,
      `The instance is "${a.provisioningState}": API Management refuses changes until its current operation finishes. Wait for it to reach Succeeded, then re-check.`,
      { evidence },
    );
  }
  if (a.platformVersion?.toLowerCase() === 'stv1') {
    return finding(
      'PRE-APIM',
      STEP,
      'fail',
      title,
      'The instance runs on the retired stv1 platform: migrate it to stv2 before relying on it.',
      { evidence, docLink: 'https://learn.microsoft.com/azure/api-management/migrate-stv1-to-stv2' },
    );
  }
  const note = isConsumption(a)
    ? ' Consumption tier: no virtual network and no dedicated outbound IP, so the vault needs the trusted-services exception or public access.'
    : isV2(a)
      ? ' A v2 tier: virtual network guidance differs from the classic tiers (step 4).'
      : '';
  return finding('PRE-APIM', STEP, 'pass', title, `${a.name} (${a.sku}) is ready for changes.${note}`, { evidence });
}

export function checkManagedIdentity(facts: Facts): Finding {
  const title = 'API Management has a managed identity';
  if (!facts.apim.ok) return unknownFinding('PRE-MI', STEP, title, 'the API Management instance', facts.apim);
  const a = facts.apim.value;
  const evidence = [
    `identity type: ${a.identity.type || 'None'}`,
    ...(a.identity.principalId ? [`system-assigned: ${a.name} (system identity), principal ${a.identity.principalId}`] : []),
    ...a.identity.userAssigned.map(
      (u) => `user-assigned: ${u.id.split('/').pop()} (principal ${u.principalId}, client ${u.clientId}), resource id ${u.id}`,
    ),
  ];
  const enable = () =>
    makePlan('PRE-MI', facts, {
      title: 'Enable the system-assigned identity',
      operations: [{ kind: 'apim.enableSystemIdentity', apimId: a.id }],
      disruption: 'None for traffic; the service update takes a minute or two, during which other changes to the instance wait.',
    });
  if (facts.intent?.kind === 'keyVault' && facts.intent.identity === 'system' && !hasSystemIdentity(a)) {
    return finding('PRE-MI', STEP, 'fail', title, 'The system-assigned identity was chosen in step 5 but is not enabled: enable it.', {
      evidence,
      fix: enable(),
      docLink: DOCS.identity,
    });
  }
  if (hasSystemIdentity(a) || a.identity.userAssigned.length > 0) {
    const kinds = [
      hasSystemIdentity(a) ? 'system-assigned' : '',
      a.identity.userAssigned.length ? `${a.identity.userAssigned.length} user-assigned` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return finding('PRE-MI', STEP, 'pass', title, `It has ${kinds} identity${a.identity.userAssigned.length > 1 ? ' (identities)' : ''}.`, {
      evidence,
      docLink: DOCS.identity,
    });
  }
  return finding(
    'PRE-MI',
    STEP,
    'fail',
    title,
    'API Management has no managed identity, so it has nothing to authenticate to Key Vault with. Enable the system-assigned identity: it is the one that works behind the vault firewall.',
    { evidence, fix: enable(), docLink: DOCS.identity },
  );
}

export function checkIdentityPick(facts: Facts): Finding {
  const title = 'Identity used to read the vault';
  if (!facts.apim.ok) return unknownFinding('PRE-MI-PICK', STEP, title, 'the API Management instance', facts.apim);
  const picked = pickIdentity(facts, facts.apim.value);
  switch (picked.kind) {
    case 'system':
      return finding(
        'PRE-MI-PICK',
        STEP,
        'info',
        title,
        `The system-assigned identity of ${facts.apim.value.name} (${picked.why}). Grants go to its principal id; no client id is sent with the certificate.`,
        {
          evidence: [`identity: ${principalName(facts.apim.value, picked)}, principal id ${picked.principalId ?? 'not enabled yet'}`],
        },
      );
    case 'user':
      return finding(
        'PRE-MI-PICK',
        STEP,
        'info',
        title,
        `The user-assigned identity ${picked.id.split('/').pop()} (${picked.why}). Grants go to its principal id; the certificate names it by its client id.`,
        {
          evidence: [
            `identity: ${principalName(facts.apim.value, picked)}, resource id ${picked.id}`,
            `principal id: ${picked.principalId}`,
            `client id: ${picked.clientId}`,
          ],
        },
      );
    case 'unattached':
      return finding(
        'PRE-MI-PICK',
        STEP,
        'info',
        title,
        `The identity ${picked.id.split('/').pop()} chosen in step 5 is not attached to API Management: attach it or choose another.`,
        { evidence: [`resource id: ${picked.id}`] },
      );
    case 'none':
      return finding('PRE-MI-PICK', STEP, 'info', title, 'No identity yet: enable one first (PRE-MI).');
  }
}

/** Where the instance has workspaces, what apimkv covers and what it does not; nothing where there are none. */
export function checkWorkspaces(facts: Facts): Finding | undefined {
  const title = 'Workspaces: what apimkv covers';
  const read = facts.workspaces;
  if (!read) return undefined;
  if (!read.ok) {
    const unknown = unknownFinding('PRE-WORKSPACES', STEP, title, "the instance's workspaces", read);
    return { ...unknown, docLink: WORKSPACES_DOC };
  }
  const note = workspacesNote(read.value);
  if (!note) return undefined;
  return finding('PRE-WORKSPACES', STEP, 'info', title, note, {
    evidence: read.value.map(
      (w) => `workspace: ${w.name}${w.displayName && w.displayName !== w.name ? ` (${w.displayName})` : ''}, id ${w.id}`,
    ),
    docLink: WORKSPACES_DOC,
  });
}

export function prerequisiteChecks(facts: Facts): Finding[] {
  const workspaces = checkWorkspaces(facts);
  return [
    checkVault(facts),
    checkTenant(facts),
    checkApim(facts),
    ...(workspaces ? [workspaces] : []),
    checkManagedIdentity(facts),
    checkIdentityPick(facts),
  ];
}
