// What each fix will send, for the preview screen, --plan output and the transcript: method, ARM path
// with api-version, the body as sent (secrets shown as [redacted]) and a diff of the resource it changes.
// Read-modify-write bodies are built from the facts the checks saw; the gateway re-reads before writing.
import type { ApimFacts, Facts, VaultFacts } from './facts.ts';
import { redacted } from './secret.ts';
import type { NsgRuleSpec, Operation, PreviewRequest } from './types.ts';
import { sameIpRule } from './ipv4.ts';
import { describeRule } from './nsg.ts';
import { builtInRole, roleGuid } from './roles.ts';
import { nameOf, sameId } from './resource-id.ts';

/** The api-versions the SDK clients send (and the sandbox checks). */
export const API_VERSIONS = {
  apim: '2024-05-01',
  keyVault: '2026-02-01',
  network: '2026-01-01',
  authorization: '2022-04-01',
} as const;

const at = (id: string, version: string) => `${id}?api-version=${version}`;

function apimOf(facts: Facts, apimId: string): ApimFacts | undefined {
  return facts.apim.ok && sameId(facts.apim.value.id, apimId) ? facts.apim.value : undefined;
}

function vaultOf(facts: Facts, vaultId: string): VaultFacts | undefined {
  return facts.vault.ok && sameId(facts.vault.value.id, vaultId) ? facts.vault.value : undefined;
}

/** The networkAcls object as ARM wants it back (PATCH replaces the arrays, so send them whole). */
function aclsBody(acls: VaultFacts['networkAcls']) {
  return {
    bypass: acls.bypass,
    defaultAction: acls.defaultAction,
    ipRules: acls.ipRules.map((value) => ({ value })),
    virtualNetworkRules: acls.virtualNetworkRules.map((r) => ({ id: r.id, ...(r.ignoreMissingVnetServiceEndpoint !== undefined ? { ignoreMissingVnetServiceEndpoint: r.ignoreMissingVnetServiceEndpoint } : {}) })),
  };
}

function aclsDiff(before: VaultFacts['networkAcls'], after: VaultFacts['networkAcls']): string[] {
  const lines: string[] = [];
  const scalar = (key: 'bypass' | 'defaultAction') => {
    if (before[key] === after[key]) lines.push(`  ${key}: ${before[key]}`);
    else lines.push(`- ${key}: ${before[key]}`, `+ ${key}: ${after[key]}`);
  };
  scalar('defaultAction');
  scalar('bypass');
  lines.push(...listDiff('ipRule', before.ipRules, after.ipRules));
  lines.push(...listDiff('virtualNetworkRule', before.virtualNetworkRules.map((r) => r.id), after.virtualNetworkRules.map((r) => r.id)));
  return lines;
}

/** "  x" for kept entries, "- x" for removed, "+ x" for added (case-insensitive identity, like ARM). */
export function listDiff(label: string, before: readonly string[], after: readonly string[]): string[] {
  const has = (list: readonly string[], v: string) => list.some((x) => x.toLowerCase() === v.toLowerCase());
  return [
    ...before.map((v) => (has(after, v) ? `  ${label}: ${v}` : `- ${label}: ${v}`)),
    ...after.filter((v) => !has(before, v)).map((v) => `+ ${label}: ${v}`),
  ];
}

function vaultPatch(op: { vaultId: string }, facts: Facts, change: (acls: VaultFacts['networkAcls']) => VaultFacts['networkAcls']): PreviewRequest {
  const vault = vaultOf(facts, op.vaultId);
  if (!vault) {
    return { method: 'PATCH', path: at(op.vaultId, API_VERSIONS.keyVault), body: { properties: { networkAcls: '(current networkAcls with the change applied)' } }, diff: ['  (the vault was not read: the gateway reads it right before writing)'] };
  }
  const after = change(vault.networkAcls);
  return { method: 'PATCH', path: at(vault.id, API_VERSIONS.keyVault), body: { properties: { networkAcls: aclsBody(after) } }, diff: aclsDiff(vault.networkAcls, after) };
}

function identityPreview(op: Extract<Operation, { kind: 'apim.enableSystemIdentity' }>, facts: Facts): PreviewRequest {
  const apim = apimOf(facts, op.apimId);
  const uais = apim?.identity.userAssigned ?? [];
  const type = uais.length ? 'SystemAssigned, UserAssigned' : 'SystemAssigned';
  // Each user-assigned identity is sent as an empty object: echoing principalId/clientId back is rejected (InvalidIdentityValues).
  const identity = uais.length ? { type, userAssignedIdentities: Object.fromEntries(uais.map((u) => [u.id, {}])) } : { type };
  const before = apim?.identity.type ?? 'None';
  return {
    method: 'PATCH',
    path: at(op.apimId, API_VERSIONS.apim),
    body: { identity },
    diff: [...(before === type ? [`  identity.type: ${type}`] : [`- identity.type: ${before}`, `+ identity.type: ${type}`]), ...uais.map((u) => `  userAssignedIdentity: ${u.id}`)],
  };
}

function customPropertyPreview(op: Extract<Operation, { kind: 'apim.setCustomProperty' }>, facts: Facts): PreviewRequest {
  const current = apimOf(facts, op.apimId)?.customProperties ?? {};
  // customProperties is sent whole: a partial map would reset the TLS/cipher settings it also holds.
  const after = { ...current, [op.key]: op.value };
  const diff: string[] = [];
  for (const [k, v] of Object.entries(current)) {
    if (k === op.key && v !== op.value) diff.push(`- ${k}: ${v}`, `+ ${k}: ${op.value}`);
    else diff.push(`  ${k}: ${v}`);
  }
  if (!(op.key in current)) diff.push(`+ ${op.key}: ${op.value}`);
  return { method: 'PATCH', path: at(op.apimId, API_VERSIONS.apim), body: { properties: { customProperties: after } }, diff };
}

function existingCertificate(facts: Facts, certificateId: string) {
  return facts.apimCertificates.ok ? facts.apimCertificates.value.find((c) => c.name.toLowerCase() === certificateId.toLowerCase()) : undefined;
}

function certificatePath(apimId: string, certificateId: string): string {
  return at(`${apimId}/certificates/${certificateId}`, API_VERSIONS.apim);
}

function putKeyVaultPreview(op: Extract<Operation, { kind: 'apim.putKeyVaultCertificate' }>, facts: Facts): PreviewRequest {
  const existing = existingCertificate(facts, op.certificateId);
  const keyVault = { secretIdentifier: op.secretIdentifier, ...(op.identityClientId ? { identityClientId: op.identityClientId } : {}) };
  const identity = op.identityClientId ? `user-assigned (client ${op.identityClientId})` : 'system-assigned';
  const diff: string[] = [];
  if (!existing) {
    diff.push(`+ certificate: ${op.certificateId}`, `+ keyVault.secretIdentifier: ${op.secretIdentifier}`, `+ identity: ${identity}`);
  } else {
    const was = existing.keyVault?.secretIdentifier;
    if (was === op.secretIdentifier) diff.push(`  keyVault.secretIdentifier: ${was}`);
    else diff.push(was ? `- keyVault.secretIdentifier: ${was}` : `- uploaded certificate: ${existing.thumbprint ?? existing.subject ?? op.certificateId}`, `+ keyVault.secretIdentifier: ${op.secretIdentifier}`);
    const wasIdentity = existing.keyVault ? (existing.keyVault.identityClientId ? `user-assigned (client ${existing.keyVault.identityClientId})` : 'system-assigned') : undefined;
    if (wasIdentity === identity) diff.push(`  identity: ${identity}`);
    else diff.push(...(wasIdentity ? [`- identity: ${wasIdentity}`] : []), `+ identity: ${identity}`);
  }
  if (op.ifMatch) diff.push(`  If-Match: ${op.ifMatch}`);
  return { method: 'PUT', path: certificatePath(op.apimId, op.certificateId), body: { properties: { keyVault } }, diff };
}

function uploadPreview(op: Extract<Operation, { kind: 'apim.uploadCertificate' }>, facts: Facts): PreviewRequest {
  const existing = existingCertificate(facts, op.certificateId);
  const diff = existing
    ? [existing.keyVault ? `- keyVault.secretIdentifier: ${existing.keyVault.secretIdentifier}` : `- uploaded certificate: ${existing.thumbprint ?? op.certificateId}`, `+ data: ${redacted}`, `+ password: ${redacted}`]
    : [`+ certificate: ${op.certificateId}`, `+ data: ${redacted}`, `+ password: ${redacted}`];
  if (op.ifMatch) diff.push(`  If-Match: ${op.ifMatch}`);
  return { method: 'PUT', path: certificatePath(op.apimId, op.certificateId), body: { properties: { data: redacted, password: redacted } }, diff };
}

function refreshPreview(op: Extract<Operation, { kind: 'apim.refreshCertificate' }>, facts: Facts): PreviewRequest {
  const existing = existingCertificate(facts, op.certificateId);
  const status = existing?.keyVault?.lastStatus?.code;
  return {
    method: 'POST',
    path: at(`${op.apimId}/certificates/${op.certificateId}/refreshSecret`, API_VERSIONS.apim),
    diff: [
      ...(existing?.keyVault ? [`  keyVault.secretIdentifier: ${existing.keyVault.secretIdentifier}`] : []),
      ...(status ? [`- keyVault.lastStatus: ${status}`] : []),
      '+ keyVault.lastStatus: (from a fresh read of the secret)',
    ],
  };
}

function recoverPreview(op: Extract<Operation, { kind: 'vault.recover' }>, facts: Facts): PreviewRequest {
  const tenantId = facts.context.tenantId;
  return {
    method: 'PUT',
    path: at(op.vaultId, API_VERSIONS.keyVault),
    body: { location: op.location, properties: { ...(tenantId ? { tenantId } : {}), sku: { family: 'A', name: 'standard' }, createMode: 'recover' } },
    diff: [`+ vault: ${nameOf(op.vaultId)} (recovered from soft-delete with its secrets, certificates and settings)`],
  };
}

function accessPolicyPreview(op: Extract<Operation, { kind: 'vault.addAccessPolicy' }>, facts: Facts): PreviewRequest {
  const vault = vaultOf(facts, op.vaultId);
  const perms = (p: { secrets?: string[]; certificates?: string[] }) => `secrets ${(p.secrets ?? []).join(',') || '-'}; certificates ${(p.certificates ?? []).join(',') || '-'}`;
  const existing = vault?.accessPolicies ?? [];
  const diff = existing.map((p) => (p.objectId.toLowerCase() === op.objectId.toLowerCase() ? `- ${p.objectId}: ${perms(p.permissions)}` : `  ${p.objectId}: ${perms(p.permissions)}`));
  const mine = existing.find((p) => p.objectId.toLowerCase() === op.objectId.toLowerCase());
  // "add" merges with an existing entry for the same object id.
  const merged = {
    secrets: [...new Set([...(mine?.permissions.secrets ?? []), ...(op.permissions.secrets ?? [])].map((x) => x.toLowerCase()))],
    certificates: [...new Set([...(mine?.permissions.certificates ?? []), ...(op.permissions.certificates ?? [])].map((x) => x.toLowerCase()))],
  };
  diff.push(`+ ${op.objectId}: ${perms(merged)}`);
  return {
    method: 'PUT',
    path: at(`${op.vaultId}/accessPolicies/add`, API_VERSIONS.keyVault),
    body: { properties: { accessPolicies: [{ tenantId: op.tenantId, objectId: op.objectId, permissions: op.permissions }] } },
    diff,
  };
}

function roleAssignmentPreview(op: Extract<Operation, { kind: 'roleAssignment.create' }>, facts: Facts): PreviewRequest {
  const name = (id: string) => builtInRole(id)?.name ?? facts.roleDefinitions[roleGuid(id)]?.roleName ?? roleGuid(id);
  const existing = facts.vaultRoleAssignments.ok ? facts.vaultRoleAssignments.value.filter((a) => a.principalId.toLowerCase() === op.principalId.toLowerCase()) : [];
  return {
    method: 'PUT',
    path: at(`${op.scope}/providers/Microsoft.Authorization/roleAssignments/${op.name}`, API_VERSIONS.authorization),
    body: { properties: { roleDefinitionId: op.roleDefinitionId, principalId: op.principalId, principalType: op.principalType, ...(op.description ? { description: op.description } : {}) } },
    diff: [...existing.map((a) => `  ${name(a.roleDefinitionId)} for ${a.principalId} at ${a.scope}`), `+ ${name(op.roleDefinitionId)} for ${op.principalId} at ${op.scope}`],
  };
}

function subnetPreview(op: Extract<Operation, { kind: 'subnet.addServiceEndpoint' }>, facts: Facts): PreviewRequest {
  const subnet = facts.subnet?.ok && sameId(facts.subnet.value.id, op.subnetId) ? facts.subnet.value : undefined;
  const path = at(op.subnetId, API_VERSIONS.network);
  if (!subnet) {
    return { method: 'PUT', path, body: { properties: { serviceEndpoints: [{ service: op.service, locations: ['*'] }] } }, diff: ['  (the subnet was not read: the gateway reads it and sends it back whole)', `+ serviceEndpoint: ${op.service}`] };
  }
  const present = subnet.serviceEndpoints.some((e) => e.service.toLowerCase() === op.service.toLowerCase());
  const endpoints = [...subnet.serviceEndpoints.map((e) => ({ service: e.service, locations: e.locations })), ...(present ? [] : [{ service: op.service, locations: ['*'] }])];
  // A subnet PUT replaces the whole subnet: everything it has must be sent back.
  const body = {
    properties: {
      addressPrefixes: subnet.addressPrefixes,
      ...(subnet.nsgId ? { networkSecurityGroup: { id: subnet.nsgId } } : {}),
      ...(subnet.routeTableId ? { routeTable: { id: subnet.routeTableId } } : {}),
      ...(subnet.delegations.length ? { delegations: subnet.delegations.map((serviceName) => ({ properties: { serviceName } })) } : {}),
      serviceEndpoints: endpoints,
    },
  };
  return {
    method: 'PUT',
    path,
    body,
    diff: [
      ...subnet.addressPrefixes.map((p) => `  addressPrefix: ${p}`),
      ...(subnet.nsgId ? [`  networkSecurityGroup: ${subnet.nsgId}`] : []),
      ...(subnet.routeTableId ? [`  routeTable: ${subnet.routeTableId}`] : []),
      ...subnet.delegations.map((d) => `  delegation: ${d}`),
      ...listDiff('serviceEndpoint', subnet.serviceEndpoints.map((e) => e.service), endpoints.map((e) => e.service)),
    ],
  };
}

function nsgRuleLine(name: string, rule: NsgRuleSpec): string {
  return describeRule({ name, priority: rule.priority, direction: rule.direction, access: rule.access, protocol: rule.protocol, sourceAddressPrefixes: [rule.sourceAddressPrefix], destinationAddressPrefixes: [rule.destinationAddressPrefix], destinationPortRanges: [rule.destinationPortRange], isDefault: false });
}

function nsgPreview(op: Extract<Operation, { kind: 'nsg.putRule' }>, facts: Facts): PreviewRequest {
  const nsg = facts.nsg?.ok && sameId(facts.nsg.value.id, op.nsgId) ? facts.nsg.value : undefined;
  const same = (n: string) => n.toLowerCase() === op.ruleName.toLowerCase();
  const existing = (nsg?.rules ?? []).filter((r) => r.direction === op.rule.direction && !r.isDefault).sort((a, b) => a.priority - b.priority);
  return {
    method: 'PUT',
    path: at(`${op.nsgId}/securityRules/${op.ruleName}`, API_VERSIONS.network),
    body: { properties: { ...op.rule } },
    diff: [...existing.map((r) => `${same(r.name) ? '-' : ' '} ${describeRule(r)}`), `+ ${nsgRuleLine(op.ruleName, op.rule)}`],
  };
}

/** The request one operation sends, for the preview. */
export function previewOperation(op: Operation, facts: Facts): PreviewRequest {
  switch (op.kind) {
    case 'apim.enableSystemIdentity':
      return identityPreview(op, facts);
    case 'apim.setCustomProperty':
      return customPropertyPreview(op, facts);
    case 'apim.putKeyVaultCertificate':
      return putKeyVaultPreview(op, facts);
    case 'apim.uploadCertificate':
      return uploadPreview(op, facts);
    case 'apim.refreshCertificate':
      return refreshPreview(op, facts);
    case 'vault.recover':
      return recoverPreview(op, facts);
    case 'vault.addAccessPolicy':
      return accessPolicyPreview(op, facts);
    case 'vault.setBypass':
      return vaultPatch(op, facts, (acls) => ({ ...acls, bypass: op.bypass }));
    case 'vault.addIpRule':
      return vaultPatch(op, facts, (acls) => ({ ...acls, ipRules: [...acls.ipRules, op.value] }));
    case 'vault.removeIpRule':
      return vaultPatch(op, facts, (acls) => ({ ...acls, ipRules: acls.ipRules.filter((r) => !sameIpRule(r, op.value)) }));
    case 'vault.addVirtualNetworkRule':
      return vaultPatch(op, facts, (acls) => ({ ...acls, virtualNetworkRules: [...acls.virtualNetworkRules, { id: op.subnetId }] }));
    case 'roleAssignment.create':
      return roleAssignmentPreview(op, facts);
    case 'subnet.addServiceEndpoint':
      return subnetPreview(op, facts);
    case 'nsg.putRule':
      return nsgPreview(op, facts);
  }
}
