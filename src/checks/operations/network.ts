// Virtual network writes: the subnet's service endpoints and the NSG's security rules.
import type { Facts, NsgRuleFacts } from '../facts.ts';
import { describeRule } from '../nsg.ts';
import { parseResourceId, sameId, vnetOfSubnet } from '../resource-id.ts';
import { OPERATOR_ROLES } from '../roles.ts';
import type { NsgRuleSpec, PreviewRequest } from '../types.ts';
import { API_VERSIONS, at, cmd, listDiff, same, valueOf } from './shared.ts';
import { bodyOf, pathAndVersion, pick, type TemplateChange } from '../templates/change.ts';
import type { OperationFamily, OperationOf } from './types.ts';

function subnetPreview(op: OperationOf<'subnet.addServiceEndpoint'>, facts: Facts): PreviewRequest {
  const subnet = facts.subnet?.ok && sameId(facts.subnet.value.id, op.subnetId) ? facts.subnet.value : undefined;
  const path = at(op.subnetId, API_VERSIONS.network);
  if (!subnet) {
    return {
      method: 'PUT',
      path,
      body: { properties: { serviceEndpoints: [{ service: op.service, locations: ['*'] }] } },
      diff: ['  (the subnet was not read: the gateway reads it and sends it back whole)', `+ serviceEndpoint: ${op.service}`],
    };
  }
  const present = subnet.serviceEndpoints.some((e) => e.service.toLowerCase() === op.service.toLowerCase());
  const endpoints = [
    ...subnet.serviceEndpoints.map((e) => ({ service: e.service, locations: e.locations })),
    ...(present ? [] : [{ service: op.service, locations: ['*'] }]),
  ];
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
      ...listDiff(
        'serviceEndpoint',
        subnet.serviceEndpoints.map((e) => e.service),
        endpoints.map((e) => e.service),
      ),
    ],
  };
}

function nsgRuleLine(name: string, rule: NsgRuleSpec): string {
  return describeRule({
    name,
    priority: rule.priority,
    direction: rule.direction,
    access: rule.access,
    protocol: rule.protocol,
    sourceAddressPrefixes: [rule.sourceAddressPrefix],
    destinationAddressPrefixes: [rule.destinationAddressPrefix],
    destinationPortRanges: [rule.destinationPortRange],
    isDefault: false,
  });
}

function nsgPreview(op: OperationOf<'nsg.putRule'>, facts: Facts): PreviewRequest {
  const nsg = facts.nsg?.ok && sameId(facts.nsg.value.id, op.nsgId) ? facts.nsg.value : undefined;
  const existing = (nsg?.rules ?? [])
    .filter((r) => r.direction === op.rule.direction && !r.isDefault)
    .sort((a, b) => a.priority - b.priority);
  return {
    method: 'PUT',
    path: at(`${op.nsgId}/securityRules/${op.ruleName}`, API_VERSIONS.network),
    body: { properties: { ...op.rule } },
    diff: [...existing.map((r) => `${same(r.name, op.ruleName) ? '-' : ' '} ${describeRule(r)}`), `+ ${nsgRuleLine(op.ruleName, op.rule)}`],
  };
}

/** The rule as read says what the spec asks for (one prefix and one port range each, like the spec). */
function ruleMatches(r: NsgRuleFacts, w: NsgRuleSpec): boolean {
  const one = (a: string[], b: string) => a.length === 1 && a[0]!.toLowerCase() === b.toLowerCase();
  return (
    r.priority === w.priority &&
    r.direction === w.direction &&
    r.access === w.access &&
    r.protocol.toLowerCase() === w.protocol.toLowerCase() &&
    one(r.sourceAddressPrefixes, w.sourceAddressPrefix) &&
    one(r.destinationAddressPrefixes, w.destinationAddressPrefix) &&
    one(r.destinationPortRanges, w.destinationPortRange)
  );
}

/** subnet.addServiceEndpoint as a template change (the properties it writes, from its request's body). */
function addServiceEndpointTemplate(_op: OperationOf<'subnet.addServiceEndpoint'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  return {
    type: 'Microsoft.Network/virtualNetworks/subnets',
    apiVersion,
    id,
    mode: 'update',
    body: pick(bodyOf(request), ['properties.serviceEndpoints']),
    note: 'A subnet declared inline in its virtual network (properties.subnets) takes the same serviceEndpoints there.',
    azurerm: {
      resource: 'azurerm_subnet',
      attributes: [{ path: 'service_endpoints', from: { body: 'properties.serviceEndpoints', each: 'service' } }],
    },
  };
}

/** nsg.putRule as a template change (the properties it writes, from its request's body). */
function putRuleTemplate(_op: OperationOf<'nsg.putRule'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  const rule = (field: string) => ({ body: `properties.${field}` });
  return {
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    apiVersion,
    id,
    mode: 'create',
    body: pick(bodyOf(request), ['properties']),
    note: 'An NSG that declares its rules inline (properties.securityRules) takes the rule there: a separate rule resource would be removed by the next deployment of the NSG.',
    azurerm: {
      resource: 'azurerm_network_security_rule',
      attributes: [
        { path: 'name', from: { id: 'name' } },
        { path: 'resource_group_name', from: { id: 'resourceGroup' } },
        { path: 'network_security_group_name', from: { id: 'parentName' } },
        { path: 'priority', from: rule('priority') },
        { path: 'direction', from: rule('direction') },
        { path: 'access', from: rule('access') },
        { path: 'protocol', from: rule('protocol') },
        { path: 'source_address_prefix', from: rule('sourceAddressPrefix') },
        { path: 'source_port_range', from: rule('sourcePortRange') },
        { path: 'destination_address_prefix', from: rule('destinationAddressPrefix') },
        { path: 'destination_port_range', from: rule('destinationPortRange') },
        { path: 'description', from: rule('description') },
      ],
    },
  };
}

export const networkOperations: OperationFamily<'subnet.' | 'nsg.'> = {
  'subnet.addServiceEndpoint': {
    summary: (op) => `Adding the ${op.service} service endpoint to the subnet`,
    target: (op) => ({ resource: 'subnet', id: op.subnetId }),
    requirements: () => [{ action: 'Microsoft.Network/virtualNetworks/subnets/write', target: 'subnet' }],
    roles: (op) => [{ role: OPERATOR_ROLES.network, scope: vnetOfSubnet(op.subnetId) }],
    preview: subnetPreview,
    template: addServiceEndpointTemplate,
    // --service-endpoints rewrites every endpoint (the others' locations reset to their defaults); --add appends
    // one entry and sends the rest back as read, as apimkv's own PUT does (checked with Debian's az 2.45). The
    // locations go too: without them Azure picks the VNet's region, not the "*" apimkv's own request sends (found by
    // test/interop/plan-script.interop.ts).
    az(op) {
      const { name, parentName, resourceGroup } = parseResourceId(op.subnetId);
      return [
        cmd(
          'az',
          'network',
          'vnet',
          'subnet',
          'update',
          '--resource-group',
          resourceGroup ?? '<resource-group>',
          '--vnet-name',
          parentName ?? '<vnet>',
          '--name',
          name,
          '--add',
          'serviceEndpoints',
          JSON.stringify({ service: op.service, locations: ['*'] }),
        ),
      ];
    },
    isDone(op, observed) {
      const subnet = valueOf(observed.subnet);
      return subnet && sameId(subnet.id, op.subnetId) ? subnet.serviceEndpoints.some((e) => same(e.service, op.service)) : undefined;
    },
  },
  'nsg.putRule': {
    summary: (op) => `Creating NSG rule ${op.ruleName}`,
    target: (op) => ({ resource: 'nsg', id: op.nsgId }),
    requirements: () => [{ action: 'Microsoft.Network/networkSecurityGroups/securityRules/write', target: 'nsg' }],
    roles: (op) => [{ role: OPERATOR_ROLES.network, scope: op.nsgId }],
    preview: nsgPreview,
    template: putRuleTemplate,
    az(op) {
      const { name, resourceGroup } = parseResourceId(op.nsgId);
      const r = op.rule;
      return [
        cmd(
          'az',
          'network',
          'nsg',
          'rule',
          'create',
          '--resource-group',
          resourceGroup ?? '<resource-group>',
          '--nsg-name',
          name,
          '--name',
          op.ruleName,
          '--priority',
          String(r.priority),
          '--direction',
          r.direction,
          '--access',
          r.access,
          '--protocol',
          r.protocol,
          '--source-address-prefixes',
          r.sourceAddressPrefix,
          '--source-port-ranges',
          r.sourcePortRange,
          '--destination-address-prefixes',
          r.destinationAddressPrefix,
          '--destination-port-ranges',
          r.destinationPortRange,
          ...(r.description ? ['--description', r.description] : []),
        ),
      ];
    },
    // A rule of that name that says something else is not the fix: it must match what the fix asked for.
    isDone(op, observed) {
      const nsg = valueOf(observed.nsg);
      return nsg && sameId(nsg.id, op.nsgId)
        ? nsg.rules.some((r) => !r.isDefault && same(r.name, op.ruleName) && ruleMatches(r, op.rule))
        : undefined;
    },
  },
};
