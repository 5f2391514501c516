// Network executors: the subnet's service endpoints and NSG security rules.
import type { NetworkSecurityGroup, Subnet } from '@azure/arm-network';
import type { OperationOf } from '../../checks/operations/index.ts';
import type { OperationResult } from '../../checks/ports.ts';
import { parseNsgId, parseSubnetId } from '../arm-id.ts';
import { nsgFromSdk, nsgRuleFromSdk, subnetFromSdk } from '../convert.ts';
import { ifMatch, readModifyWrite, seen, type ApplyContext, type ExecutorFamily, type Snapshot } from './read-modify-write.ts';

async function readSubnet(ctx: ApplyContext, subnetId: string): Promise<Snapshot<Subnet>> {
  const s = parseSubnetId(subnetId);
  const state = await ctx.clients.network.subnets.get(s.resourceGroup, s.vnet, s.name, { abortSignal: ctx.signal });
  return { state, etag: state.etag };
}

function subnetEntries(s: Subnet): string[] {
  return [
    ...(s.addressPrefix ? [`addressPrefix ${s.addressPrefix}`] : []),
    ...(s.addressPrefixes ?? []).map((p) => `addressPrefix ${p}`),
    ...(s.serviceEndpoints ?? []).map((e) => `serviceEndpoint ${e.service}`),
    ...(s.networkSecurityGroup?.id ? [`networkSecurityGroup ${s.networkSecurityGroup.id.toLowerCase()}`] : []),
    ...(s.routeTable?.id ? [`routeTable ${s.routeTable.id.toLowerCase()}`] : []),
    ...(s.natGateway?.id ? [`natGateway ${s.natGateway.id.toLowerCase()}`] : []),
    ...(s.delegations ?? []).map((d) => `delegation ${d.serviceName ?? d.name}`),
  ];
}

function addServiceEndpoint(ctx: ApplyContext, op: OperationOf<'subnet.addServiceEndpoint'>): Promise<OperationResult> {
  const s = parseSubnetId(op.subnetId);
  return readModifyWrite(ctx, op, {
    what: `${op.service} service endpoint on subnet ${s.name}`,
    read: () => readSubnet(ctx, op.subnetId),
    observe: (sub) => ({ subnet: seen(subnetFromSdk(sub)) }),
    async write(sub, etag) {
      // PUT replaces the whole subnet: send back everything it has, plus the endpoint.
      const next: Subnet = {
        ...sub,
        serviceEndpoints: [
          ...(sub.serviceEndpoints ?? []).map((e) => ({ service: e.service, locations: e.locations })),
          { service: op.service, locations: ['*'] },
        ],
      };
      await ctx.clients.network.subnets.beginCreateOrUpdateAndWait(s.resourceGroup, s.vnet, s.name, next, {
        abortSignal: ctx.signal,
        updateIntervalInMs: ctx.clients.lroIntervalMs,
        requestOptions: ifMatch(etag),
      });
    },
    entries: subnetEntries,
    view: (sub) => ({
      addressPrefixes: [sub.addressPrefix, ...(sub.addressPrefixes ?? [])].filter(Boolean),
      serviceEndpoints: (sub.serviceEndpoints ?? []).map((e) => ({ service: e.service, provisioningState: e.provisioningState })),
      networkSecurityGroup: sub.networkSecurityGroup?.id,
      routeTable: sub.routeTable?.id,
      delegations: (sub.delegations ?? []).map((d) => d.serviceName ?? d.name),
    }),
  });
}

function putNsgRule(ctx: ApplyContext, op: OperationOf<'nsg.putRule'>): Promise<OperationResult> {
  const n = parseNsgId(op.nsgId);
  const find = (nsg: NetworkSecurityGroup) => (nsg.securityRules ?? []).find((r) => r.name?.toLowerCase() === op.ruleName.toLowerCase());
  return readModifyWrite(ctx, op, {
    what: `NSG rule ${op.ruleName} on ${n.name}`,
    async read() {
      const state = await ctx.clients.network.networkSecurityGroups.get(n.resourceGroup, n.name, { abortSignal: ctx.signal });
      return { state, etag: find(state)?.etag };
    },
    observe: (nsg) => ({ nsg: seen(nsgFromSdk(nsg)) }),
    async write(_nsg, etag) {
      await ctx.clients.network.securityRules.beginCreateOrUpdateAndWait(
        n.resourceGroup,
        n.name,
        op.ruleName,
        { ...op.rule },
        {
          abortSignal: ctx.signal,
          updateIntervalInMs: ctx.clients.lroIntervalMs,
          requestOptions: ifMatch(etag),
        },
      );
    },
    entries: (nsg) =>
      (nsg.securityRules ?? []).filter((r) => r.name?.toLowerCase() !== op.ruleName.toLowerCase()).map((r) => `rule ${r.name}`),
    view: (nsg) => ({ rules: (nsg.securityRules ?? []).map((r) => nsgRuleFromSdk(r, false)) }),
  });
}

export const networkExecutors: ExecutorFamily<'subnet.' | 'nsg.'> = {
  'subnet.addServiceEndpoint': addServiceEndpoint,
  'nsg.putRule': putNsgRule,
};
