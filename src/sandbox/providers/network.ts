// Microsoft.Network: VNets with their subnets inlined, NSGs with their rules and Azure's default rules
// inlined, and the network-style LRO for subnet and security rule PUTs (201/200 + Azure-AsyncOperation,
// provisioningState Updating -> Succeeded).
import { ArmError, checkIfMatch, type Ctx, type Reply } from '../http.ts';
import type { LroRegistry } from '../lro.ts';
import { requireAction } from '../rbac.ts';
import { nameOf, parentOf } from '../resource-id.ts';
import type { PresenterEntries } from '../presenters.ts';
import type { ArmResource, Json } from '../types.ts';
import { mustGet, present, requireParent } from './arm.ts';

const DEFAULT_RULES: [string, string, string, string, string, number, 'Inbound' | 'Outbound', 'Allow' | 'Deny'][] = [
  ['AllowVnetInBound', 'Allow inbound traffic from all VMs in VNET', 'VirtualNetwork', 'VirtualNetwork', '*', 65000, 'Inbound', 'Allow'],
  [
    'AllowAzureLoadBalancerInBound',
    'Allow inbound traffic from azure load balancer',
    'AzureLoadBalancer',
    '*',
    '*',
    65001,
    'Inbound',
    'Allow',
  ],
  ['DenyAllInBound', 'Deny all inbound traffic', '*', '*', '*', 65500, 'Inbound', 'Deny'],
  [
    'AllowVnetOutBound',
    'Allow outbound traffic from all VMs to all VMs in VNET',
    'VirtualNetwork',
    'VirtualNetwork',
    '*',
    65000,
    'Outbound',
    'Allow',
  ],
  ['AllowInternetOutBound', 'Allow outbound traffic from all VMs to Internet', '*', 'Internet', '*', 65001, 'Outbound', 'Allow'],
  ['DenyAllOutBound', 'Deny all outbound traffic', '*', '*', '*', 65500, 'Outbound', 'Deny'],
];

/** Azure's default rules of an NSG, as GET returns them. */
export function defaultSecurityRules(nsgId: string): ArmResource[] {
  return DEFAULT_RULES.map(([name, description, source, destination, port, priority, direction, access]) => ({
    name,
    id: `${nsgId}/defaultSecurityRules/${name}`,
    etag: 'W/"00000000-0000-0000-0000-000000000000"',
    type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: {
      provisioningState: 'Succeeded',
      description,
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: port,
      sourceAddressPrefix: source,
      destinationAddressPrefix: destination,
      access,
      priority,
      direction,
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  }));
}

export function presentVnet(ctx: Ctx, vnet: ArmResource): ArmResource {
  vnet.properties = { ...(vnet.properties ?? {}), subnets: ctx.state.children(`${vnet.id}/subnets`).map((s) => structuredClone(s)) };
  return vnet;
}

export function presentNsg(ctx: Ctx, nsg: ArmResource): ArmResource {
  nsg.properties = {
    ...(nsg.properties ?? {}),
    securityRules: ctx.state.children(`${nsg.id}/securityRules`).map((s) => structuredClone(s)),
    defaultSecurityRules: defaultSecurityRules(nsg.id),
  };
  return nsg;
}

/** PrivateDnsZoneGroup (network 2026-01-01) has name, etag, id and properties: no type. */
function presentDnsZoneGroup(_ctx: Ctx, copy: ArmResource): ArmResource {
  const { type: _type, ...group } = copy;
  return group as ArmResource;
}

export const networkPresenters: PresenterEntries = {
  'microsoft.network/virtualnetworks': presentVnet,
  'microsoft.network/networksecuritygroups': presentNsg,
  'microsoft.network/privateendpoints/privatednszonegroups': presentDnsZoneGroup,
};

/** Every rule of an NSG that applies to outbound traffic, defaults included, lowest priority first. */
export function outboundRules(ctx: Ctx, nsgId: string): Json[] {
  const rules = [...ctx.state.children(`${nsgId}/securityRules`), ...defaultSecurityRules(nsgId)];
  return rules.filter((r) => r.properties?.direction === 'Outbound').sort((a, b) => a.properties.priority - b.properties.priority);
}

/** PUT of a subnet or security rule: stored at once as Updating, Succeeded when the operation completes. */
export function networkPut(ctx: Ctx, id: string, kind: 'subnet' | 'securityRule', lros: LroRegistry): Reply {
  const type = kind === 'subnet' ? 'Microsoft.Network/virtualNetworks/subnets' : 'Microsoft.Network/networkSecurityGroups/securityRules';
  requireAction(ctx, `${type}/write`, id);
  requireParent(ctx, id);
  const parent = mustGet(ctx, parentOf(id));
  const existing = ctx.state.get(id);
  // Network resources carry their ETag in the body; If-Match against it guards a read-modify-write.
  if (existing) checkIfMatch(ctx, existing.etag);
  const props: Json = structuredClone(ctx.body?.properties ?? {});
  if (kind === 'securityRule') validateRule(ctx, id, props);
  if (kind === 'subnet' && !props.addressPrefix && !props.addressPrefixes) {
    throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request. Subnet must have addressPrefix or addressPrefixes.');
  }
  props.provisioningState = 'Updating';
  if (Array.isArray(props.serviceEndpoints)) {
    const region = String(ctx.state.get(parentOf(id))?.location ?? 'westeurope');
    props.serviceEndpoints = props.serviceEndpoints.map((e: Json) => ({
      ...e,
      locations: e.locations ?? endpointLocations(String(e.service), region),
      provisioningState: 'Updating',
    }));
  }
  if (kind === 'subnet' && Array.isArray(props.delegations))
    props.delegations = props.delegations.map((d: Json) => delegation(id, d, existing));
  const resource: ArmResource = { name: nameOf(id), id: existing?.id ?? id, etag: `W/"${ctx.state.guid()}"`, type, properties: props };
  ctx.state.put(resource);
  const op = lros.start(ctx, 'network', parent.location ?? 'westeurope', () => {
    const current = ctx.state.get(id);
    if (!current) return;
    current.properties.provisioningState = 'Succeeded';
    for (const e of current.properties.serviceEndpoints ?? []) e.provisioningState = 'Succeeded';
    current.etag = `W/"${ctx.state.guid()}"`;
  });
  return {
    status: existing ? 200 : 201,
    headers: { 'Azure-AsyncOperation': op.headers['Azure-AsyncOperation'] },
    body: present(ctx, resource),
    lro: op.id,
  };
}

/** Azure's region pairs (https://learn.microsoft.com/azure/reliability/cross-region-replication-azure), for Storage endpoints. */
const PAIRED: Record<string, string> = {
  westeurope: 'northeurope',
  northeurope: 'westeurope',
  eastus: 'westus',
  westus: 'eastus',
  eastus2: 'centralus',
  centralus: 'eastus2',
  uksouth: 'ukwest',
  ukwest: 'uksouth',
  germanywestcentral: 'germanynorth',
  swedencentral: 'swedensouth',
  francecentral: 'francesouth',
  westus2: 'westcentralus',
  westcentralus: 'westus2',
  northcentralus: 'southcentralus',
  southcentralus: 'northcentralus',
};

/** A service endpoint sent without locations covers the VNet's region (and its pair, for Storage). */
function endpointLocations(service: string, region: string): string[] {
  const r = region.replace(/\s+/g, '').toLowerCase();
  return service.toLowerCase() === 'microsoft.storage' && PAIRED[r] ? [r, PAIRED[r]] : [r];
}

/** The actions each delegation grants are the service's; a client that leaves them out (they are read-only) keeps them. */
const DELEGATION_ACTIONS: Record<string, string[]> = {
  'microsoft.web/serverfarms': ['Microsoft.Network/virtualNetworks/subnets/action'],
  'microsoft.containerinstance/containergroups': ['Microsoft.Network/virtualNetworks/subnets/action'],
};

function delegation(subnetId: string, d: Json, existing: ArmResource | undefined): Json {
  const service = String(d.properties?.serviceName ?? '');
  const before = (existing?.properties?.delegations ?? []).find(
    (x: Json) => String(x.properties?.serviceName).toLowerCase() === service.toLowerCase(),
  );
  const actions = d.properties?.actions ?? before?.properties?.actions ?? DELEGATION_ACTIONS[service.toLowerCase()] ?? [];
  return {
    ...d,
    id: `${subnetId}/delegations/${d.name}`,
    type: 'Microsoft.Network/virtualNetworks/subnets/delegations',
    properties: { ...d.properties, serviceName: service, actions, provisioningState: 'Succeeded' },
  };
}

function validateRule(ctx: Ctx, id: string, props: Json): void {
  const name = nameOf(id);
  const priority = props.priority;
  if (!Number.isInteger(priority) || priority < 100 || priority > 4096) {
    throw new ArmError(
      400,
      'SecurityRuleInvalidPriority',
      `Security rule ${name} has invalid Priority. Value provided: ${priority}. Allowed range 100-4096.`,
    );
  }
  for (const field of ['access', 'direction', 'protocol']) {
    if (typeof props[field] !== 'string')
      throw new ArmError(400, 'InvalidRequestFormat', `Cannot parse the request. Security rule ${name} must have '${field}'.`);
  }
  const clash = ctx.state
    .children(`${parentOf(id)}/securityRules`)
    .find(
      (r) =>
        r.name.toLowerCase() !== name.toLowerCase() && r.properties?.priority === priority && r.properties?.direction === props.direction,
    );
  if (clash) {
    throw new ArmError(
      400,
      'SecurityRuleConflict',
      `Security rule ${clash.name} conflicts with rule ${name}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`,
    );
  }
}
