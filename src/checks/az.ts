// The same change as an az command line, so an operator can apply a fix with another account or keep it in
// a change ticket. Secrets are never printed: the .pfx and its password appear as placeholders.
import type { Facts } from './facts.ts';
import { API_VERSIONS } from './preview.ts';
import { builtInRole, roleGuid } from './roles.ts';
import { parseResourceId } from './resource-id.ts';
import type { Operation } from './types.ts';

/** Quote one argument for a POSIX shell: bare when safe, "double" for plain text, 'single' otherwise. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_\-./:=@,+%]+$/.test(arg)) return arg;
  if (!/["$`\\!]/.test(arg)) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

const cmd = (...args: string[]) => args.map((a, i) => (i === 0 ? a : shellQuote(a))).join(' ');

function armUrl(facts: Facts, path: string): string {
  return `${facts.context.armEndpoint.replace(/\/+$/, '')}${path}`;
}

/** az rest for what az has no direct command for. */
function azRest(facts: Facts, method: string, path: string, body?: unknown, headers?: string): string {
  const parts = ['az', 'rest', '--method', method, '--url', armUrl(facts, path)];
  if (body !== undefined) parts.push('--body', JSON.stringify(body));
  if (headers) parts.push('--headers', headers);
  return cmd(...parts);
}

/** Equivalent az command lines for one operation. */
export function azForOperation(op: Operation, facts: Facts): string[] {
  switch (op.kind) {
    case 'apim.enableSystemIdentity': {
      const { name, resourceGroup } = parseResourceId(op.apimId);
      const hasUai = facts.apim.ok && facts.apim.value.identity.userAssigned.length > 0;
      return [cmd('az', 'apim', 'update', '--name', name, '--resource-group', resourceGroup ?? '<resource-group>', '--set', `identity.type=${hasUai ? 'SystemAssigned, UserAssigned' : 'SystemAssigned'}`)];
    }
    case 'apim.setCustomProperty': {
      // az apim update --set cannot address the dotted key; send the whole map with az rest.
      const current = facts.apim.ok ? facts.apim.value.customProperties : {};
      return [azRest(facts, 'patch', `${op.apimId}?api-version=${API_VERSIONS.apim}`, { properties: { customProperties: { ...current, [op.key]: op.value } } })];
    }
    case 'apim.putKeyVaultCertificate': {
      const keyVault = { secretIdentifier: op.secretIdentifier, ...(op.identityClientId ? { identityClientId: op.identityClientId } : {}) };
      return [azRest(facts, 'put', `${op.apimId}/certificates/${op.certificateId}?api-version=${API_VERSIONS.apim}`, { properties: { keyVault } }, op.ifMatch ? `If-Match=${op.ifMatch}` : undefined)];
    }
    case 'apim.uploadCertificate':
      return [azRest(facts, 'put', `${op.apimId}/certificates/${op.certificateId}?api-version=${API_VERSIONS.apim}`, { properties: { data: '<base64 of the .pfx>', password: '<password>' } }, op.ifMatch ? `If-Match=${op.ifMatch}` : undefined)];
    case 'apim.refreshCertificate':
      return [azRest(facts, 'post', `${op.apimId}/certificates/${op.certificateId}/refreshSecret?api-version=${API_VERSIONS.apim}`)];
    case 'vault.recover':
      return [cmd('az', 'keyvault', 'recover', '--name', parseResourceId(op.vaultId).name, '--location', op.location)];
    case 'vault.addAccessPolicy': {
      const args = ['az', 'keyvault', 'set-policy', '--name', parseResourceId(op.vaultId).name, '--object-id', op.objectId];
      if (op.permissions.secrets?.length) args.push('--secret-permissions', ...op.permissions.secrets);
      if (op.permissions.certificates?.length) args.push('--certificate-permissions', ...op.permissions.certificates);
      return [cmd(...args)];
    }
    case 'vault.setBypass':
      return [cmd('az', 'keyvault', 'update', '--name', parseResourceId(op.vaultId).name, '--bypass', op.bypass)];
    case 'vault.addIpRule':
      return [cmd('az', 'keyvault', 'network-rule', 'add', '--name', parseResourceId(op.vaultId).name, '--ip-address', op.value)];
    case 'vault.removeIpRule':
      return [cmd('az', 'keyvault', 'network-rule', 'remove', '--name', parseResourceId(op.vaultId).name, '--ip-address', op.value)];
    case 'vault.addVirtualNetworkRule':
      return [cmd('az', 'keyvault', 'network-rule', 'add', '--name', parseResourceId(op.vaultId).name, '--subnet', op.subnetId)];
    case 'roleAssignment.create': {
      const role = builtInRole(op.roleDefinitionId)?.name ?? roleGuid(op.roleDefinitionId);
      return [cmd('az', 'role', 'assignment', 'create', '--assignee-object-id', op.principalId, '--assignee-principal-type', op.principalType, '--role', role, '--scope', op.scope)];
    }
    case 'subnet.addServiceEndpoint': {
      const { name, parentName, resourceGroup } = parseResourceId(op.subnetId);
      const existing = facts.subnet?.ok ? facts.subnet.value.serviceEndpoints.map((e) => e.service) : [];
      // --service-endpoints replaces the list: repeat the endpoints the subnet already has.
      const services = [...existing.filter((s) => s.toLowerCase() !== op.service.toLowerCase()), op.service];
      return [cmd('az', 'network', 'vnet', 'subnet', 'update', '--resource-group', resourceGroup ?? '<resource-group>', '--vnet-name', parentName ?? '<vnet>', '--name', name, '--service-endpoints', ...services)];
    }
    case 'nsg.putRule': {
      const { name, resourceGroup } = parseResourceId(op.nsgId);
      const r = op.rule;
      return [
        cmd(
          'az', 'network', 'nsg', 'rule', 'create',
          '--resource-group', resourceGroup ?? '<resource-group>',
          '--nsg-name', name,
          '--name', op.ruleName,
          '--priority', String(r.priority),
          '--direction', r.direction,
          '--access', r.access,
          '--protocol', r.protocol,
          '--source-address-prefixes', r.sourceAddressPrefix,
          '--source-port-ranges', r.sourcePortRange,
          '--destination-address-prefixes', r.destinationAddressPrefix,
          '--destination-port-ranges', r.destinationPortRange,
          ...(r.description ? ['--description', r.description] : []),
        ),
      ];
    }
  }
}
