// Key Vault writes: recovery, access policies, and the firewall (bypass, IP rules, virtual network rules).
import type { Facts, VaultFacts } from '../facts.ts';
import { sameIpRule } from '../ipv4.ts';
import { nameOf, parseResourceId, sameId, vnetOfSubnet } from '../resource-id.ts';
import { principalWithName } from '../principals.ts';
import { OPERATOR_ROLES } from '../roles.ts';
import type { PreviewRequest } from '../types.ts';
import { bodyOf, pathAndVersion, pick, type TemplateChange } from '../templates/change.ts';
import { API_VERSIONS, at, azRest, cmd, listDiff, same, valueOf } from './shared.ts';
import type { Observed, OperationFamily, OperationOf } from './types.ts';

function vaultOf(facts: Observed, vaultId: string): VaultFacts | undefined {
  const vault = valueOf(facts.vault);
  return vault && sameId(vault.id, vaultId) ? vault : undefined;
}

/** The networkAcls object as ARM wants it back (PATCH replaces the arrays, so send them whole). */
function aclsBody(acls: VaultFacts['networkAcls']) {
  return {
    bypass: acls.bypass,
    defaultAction: acls.defaultAction,
    ipRules: acls.ipRules.map((value) => ({ value })),
    virtualNetworkRules: acls.virtualNetworkRules.map((r) => ({
      id: r.id,
      ...(r.ignoreMissingVnetServiceEndpoint !== undefined ? { ignoreMissingVnetServiceEndpoint: r.ignoreMissingVnetServiceEndpoint } : {}),
    })),
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
  lines.push(
    ...listDiff(
      'virtualNetworkRule',
      before.virtualNetworkRules.map((r) => r.id),
      after.virtualNetworkRules.map((r) => r.id),
    ),
  );
  return lines;
}

/** A PATCH of networkAcls with one change, from the vault the checks saw. */
function aclsPatch(
  op: { vaultId: string },
  facts: Facts,
  change: (acls: VaultFacts['networkAcls']) => VaultFacts['networkAcls'],
): PreviewRequest {
  const vault = vaultOf(facts, op.vaultId);
  if (!vault) {
    return {
      method: 'PATCH',
      path: at(op.vaultId, API_VERSIONS.keyVault),
      body: { properties: { networkAcls: '(current networkAcls with the change applied)' } },
      diff: ['  (the vault was not read: the gateway reads it right before writing)'],
    };
  }
  const after = change(vault.networkAcls);
  return {
    method: 'PATCH',
    path: at(vault.id, API_VERSIONS.keyVault),
    body: { properties: { networkAcls: aclsBody(after) } },
    diff: aclsDiff(vault.networkAcls, after),
  };
}

function recoverPreview(op: OperationOf<'vault.recover'>, facts: Facts): PreviewRequest {
  const tenantId = facts.context.tenantId;
  return {
    method: 'PUT',
    path: at(op.vaultId, API_VERSIONS.keyVault),
    body: {
      location: op.location,
      properties: { ...(tenantId ? { tenantId } : {}), sku: { family: 'A', name: 'standard' }, createMode: 'recover' },
    },
    diff: [
      `+ vault: ${nameOf(op.vaultId)} (recovered from soft-delete with its secrets, certificates, access policies and network rules; not its role assignments)`,
    ],
  };
}

const permissionsLine = (p: { secrets?: string[]; certificates?: string[] }) =>
  `secrets ${(p.secrets ?? []).join(',') || '-'}; certificates ${(p.certificates ?? []).join(',') || '-'}`;

function accessPolicyPreview(op: OperationOf<'vault.addAccessPolicy'>, facts: Facts): PreviewRequest {
  const vault = vaultOf(facts, op.vaultId);
  const existing = vault?.accessPolicies ?? [];
  const diff = existing.map((p) =>
    p.objectId.toLowerCase() === op.objectId.toLowerCase()
      ? `- ${principalWithName(facts, p.objectId)}: ${permissionsLine(p.permissions)}`
      : `  ${principalWithName(facts, p.objectId)}: ${permissionsLine(p.permissions)}`,
  );
  const mine = existing.find((p) => p.objectId.toLowerCase() === op.objectId.toLowerCase());
  // "add" merges with an existing entry for the same object id.
  const merged = {
    secrets: [...new Set([...(mine?.permissions.secrets ?? []), ...(op.permissions.secrets ?? [])].map((x) => x.toLowerCase()))],
    certificates: [
      ...new Set([...(mine?.permissions.certificates ?? []), ...(op.permissions.certificates ?? [])].map((x) => x.toLowerCase())),
    ],
  };
  diff.push(`+ ${principalWithName(facts, op.objectId)}: ${permissionsLine(merged)}`);
  return {
    method: 'PUT',
    path: at(`${op.vaultId}/accessPolicies/add`, API_VERSIONS.keyVault),
    body: { properties: { accessPolicies: [{ tenantId: op.tenantId, objectId: op.objectId, permissions: op.permissions }] } },
    diff,
  };
}

/** Every wanted permission is granted ("all" grants every one). */
function covers(granted: readonly string[], wanted: readonly string[] | undefined): boolean {
  const g = new Set(granted.map((x) => x.toLowerCase()));
  return (wanted ?? []).every((w) => g.has('all') || g.has(w.toLowerCase()));
}

const onVault = (op: { vaultId: string }) => ({ resource: 'vault' as const, id: op.vaultId });
const vaultWrite = () => [{ action: 'Microsoft.KeyVault/vaults/write', target: 'vault' as const }];
const vaultRole = (op: { vaultId: string }) => [{ role: OPERATOR_ROLES.vault, scope: op.vaultId }];
const vaultName = (op: { vaultId: string }) => parseResourceId(op.vaultId).name;
/** --name and --resource-group: without -g az looks the vault up across the subscription (and may pick another of that name). */
/**
 * az's arguments naming the vault. az resolves --name/--resource-group in its current subscription (the run's), so a
 * vault in another subscription also gets --subscription, or the command would look for it in the wrong one.
 */
const vaultArgs = (op: { vaultId: string }, facts: Facts) => {
  const { subscriptionId, resourceGroup } = parseResourceId(op.vaultId);
  const elsewhere = !!subscriptionId && subscriptionId.toLowerCase() !== facts.context.subscriptionId.toLowerCase();
  return [
    '--name',
    vaultName(op),
    '--resource-group',
    resourceGroup ?? '<resource-group>',
    ...(elsewhere ? ['--subscription', subscriptionId] : []),
  ];
};

const VAULT = 'Microsoft.KeyVault/vaults';

/** The vault's networkAcls, as azurerm_key_vault's network_acls block. */
function networkAclsTemplate(_op: unknown, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  return {
    type: VAULT,
    apiVersion,
    id,
    mode: 'update',
    body: pick(bodyOf(request), ['properties.networkAcls']),
    azurerm: {
      resource: 'azurerm_key_vault',
      attributes: [
        { path: 'network_acls.bypass', from: { body: 'properties.networkAcls.bypass' } },
        { path: 'network_acls.default_action', from: { body: 'properties.networkAcls.defaultAction' } },
        { path: 'network_acls.ip_rules', from: { body: 'properties.networkAcls.ipRules', each: 'value' } },
        { path: 'network_acls.virtual_network_subnet_ids', from: { body: 'properties.networkAcls.virtualNetworkRules', each: 'id' } },
      ],
      note: 'network_acls is declared whole in azurerm_key_vault: these are all its values after the fix.',
    },
  };
}

/** vault.recover as a template change (the properties it writes, from its request's body). */
function recoverTemplate(_op: OperationOf<'vault.recover'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  return {
    type: VAULT,
    apiVersion,
    id,
    mode: 'create',
    body: pick(bodyOf(request), ['location', 'properties.tenantId', 'properties.sku', 'properties.createMode']),
    note: "Deploy once with createMode 'recover', then remove it: the template's other properties apply to the recovered vault.",
    azurerm: {
      resource: 'provider',
      attributes: [{ path: 'features.key_vault.recover_soft_deleted_key_vaults', from: { literal: true } }],
      note: 'azurerm recovers a soft-deleted vault of the same name when it creates the vault, if the provider allows it.',
    },
  };
}

/** vault.addAccessPolicy as a template change (the properties it writes, from its request's body). */
function addAccessPolicyTemplate(_op: OperationOf<'vault.addAccessPolicy'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  return {
    type: `${VAULT}/accessPolicies`,
    apiVersion,
    id,
    mode: 'create',
    body: pick(bodyOf(request), ['properties.accessPolicies']),
    azurerm: {
      resource: 'azurerm_key_vault_access_policy',
      attributes: [
        { path: 'key_vault_id', from: { id: 'scope' } },
        { path: 'tenant_id', from: { body: 'properties.accessPolicies.0.tenantId' } },
        { path: 'object_id', from: { body: 'properties.accessPolicies.0.objectId' } },
        { path: 'secret_permissions', from: { body: 'properties.accessPolicies.0.permissions.secrets', title: true } },
        { path: 'certificate_permissions', from: { body: 'properties.accessPolicies.0.permissions.certificates', title: true } },
      ],
      note: "If the vault declares its access_policy blocks inline, add the entry there instead: azurerm manages a vault's policies one way or the other, not both.",
    },
  };
}

export const vaultOperations: OperationFamily<'vault.'> = {
  'vault.recover': {
    summary: () => 'Recovering the soft-deleted key vault',
    target: onVault,
    requirements: vaultWrite,
    roles: vaultRole,
    preview: recoverPreview,
    template: recoverTemplate,
    az: (op, facts) => {
      const [, name, , resourceGroup, ...subscription] = vaultArgs(op, facts);
      return [
        cmd('az', 'keyvault', 'recover', '--name', name!, '--location', op.location, '--resource-group', resourceGroup!, ...subscription),
      ];
    },
    isDone: (op, observed) => (valueOf(observed.vault) ? !!vaultOf(observed, op.vaultId) : undefined),
  },
  'vault.addAccessPolicy': {
    summary: () => 'Adding an access policy (secrets get, list)',
    target: onVault,
    requirements: () => [{ action: 'Microsoft.KeyVault/vaults/accessPolicies/write', target: 'vault' }],
    roles: vaultRole,
    preview: accessPolicyPreview,
    template: addAccessPolicyTemplate,
    // az keyvault set-policy replaces the principal's permission lists (an admin's get/set/delete would become
    // what is asked here); accessPolicies/add merges on the server, as apimkv's own request does.
    az: (op, facts) => [
      azRest(facts, 'put', at(`${op.vaultId}/accessPolicies/add`, API_VERSIONS.keyVault), {
        properties: {
          accessPolicies: [
            {
              tenantId: op.tenantId,
              objectId: op.objectId,
              permissions: { secrets: op.permissions.secrets ?? [], certificates: op.permissions.certificates ?? [] },
            },
          ],
        },
      }),
    ],
    // The principal's entry must grant every permission asked for, not merely exist.
    isDone(op, observed) {
      const vault = vaultOf(observed, op.vaultId);
      if (!vault) return undefined;
      return vault.accessPolicies.some(
        (p) =>
          same(p.objectId, op.objectId) &&
          covers(p.permissions.secrets, op.permissions.secrets) &&
          covers(p.permissions.certificates, op.permissions.certificates),
      );
    },
    grantsAccess: true,
  },
  'vault.setBypass': {
    summary: () => 'Allowing trusted Microsoft services through the vault firewall',
    target: onVault,
    requirements: vaultWrite,
    roles: vaultRole,
    preview: (op, facts) => aclsPatch(op, facts, (acls) => ({ ...acls, bypass: op.bypass })),
    template: networkAclsTemplate,
    az: (op, facts) => [cmd('az', 'keyvault', 'update', ...vaultArgs(op, facts), '--bypass', op.bypass)],
    isDone(op, observed) {
      const vault = vaultOf(observed, op.vaultId);
      return vault ? vault.networkAcls.bypass.includes(op.bypass) : undefined;
    },
  },
  'vault.addIpRule': {
    summary: (op) => `Adding ${op.value} to the vault firewall${op.temporary ? ' (temporary)' : ''}`,
    target: onVault,
    requirements: vaultWrite,
    roles: vaultRole,
    preview: (op, facts) => aclsPatch(op, facts, (acls) => ({ ...acls, ipRules: [...acls.ipRules, op.value] })),
    template: networkAclsTemplate,
    az: (op, facts) => [cmd('az', 'keyvault', 'network-rule', 'add', ...vaultArgs(op, facts), '--ip-address', op.value)],
    isDone(op, observed) {
      const vault = vaultOf(observed, op.vaultId);
      return vault ? vault.networkAcls.ipRules.some((r) => sameIpRule(r, op.value)) : undefined;
    },
    temporaryChange: (op, addedAt) => (op.temporary ? { kind: 'vault.ipRule', vaultId: op.vaultId, value: op.value, addedAt } : undefined),
  },
  'vault.removeIpRule': {
    summary: (op) => `Removing ${op.value} from the vault firewall`,
    target: onVault,
    requirements: vaultWrite,
    roles: vaultRole,
    preview: (op, facts) => aclsPatch(op, facts, (acls) => ({ ...acls, ipRules: acls.ipRules.filter((r) => !sameIpRule(r, op.value)) })),
    template: networkAclsTemplate,
    az: (op, facts) => [cmd('az', 'keyvault', 'network-rule', 'remove', ...vaultArgs(op, facts), '--ip-address', op.value)],
    isDone(op, observed) {
      const vault = vaultOf(observed, op.vaultId);
      return vault ? !vault.networkAcls.ipRules.some((r) => sameIpRule(r, op.value)) : undefined;
    },
    undoes: (op) => ({ kind: 'vault.ipRule', vaultId: op.vaultId, value: op.value, addedAt: '' }),
  },
  'vault.addVirtualNetworkRule': {
    summary: () => 'Adding the API Management subnet to the vault firewall',
    target: onVault,
    // Key Vault also checks that the caller may join the subnet through its service endpoint.
    requirements: () => [
      { action: 'Microsoft.KeyVault/vaults/write', target: 'vault' },
      { action: 'Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action', target: 'subnet' },
    ],
    roles: (op) => [
      { role: OPERATOR_ROLES.vault, scope: op.vaultId },
      { role: OPERATOR_ROLES.network, scope: vnetOfSubnet(op.subnetId) },
    ],
    preview: (op, facts) =>
      aclsPatch(op, facts, (acls) => ({ ...acls, virtualNetworkRules: [...acls.virtualNetworkRules, { id: op.subnetId }] })),
    template: networkAclsTemplate,
    az: (op, facts) => [cmd('az', 'keyvault', 'network-rule', 'add', ...vaultArgs(op, facts), '--subnet', op.subnetId)],
    isDone(op, observed) {
      const vault = vaultOf(observed, op.vaultId);
      return vault ? vault.networkAcls.virtualNetworkRules.some((r) => sameId(r.id, op.subnetId)) : undefined;
    },
  },
};
