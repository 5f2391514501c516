// Effective NSG evaluation for one flow: outbound TCP 443 from the APIM subnet to a service tag. Rules are
// tried lowest priority number first and the first match decides, with Azure's default rules at the end.
import type { NsgRuleFacts } from './facts.ts';
import { ipv4Overlaps, parseIpv4Range } from './ipv4.ts';

/** Azure's default outbound rules, used when the facts list only the custom ones. */
export const DEFAULT_OUTBOUND_RULES: readonly NsgRuleFacts[] = [
  {
    name: 'AllowVnetOutBound',
    priority: 65000,
    direction: 'Outbound',
    access: 'Allow',
    protocol: '*',
    sourceAddressPrefixes: ['VirtualNetwork'],
    destinationAddressPrefixes: ['VirtualNetwork'],
    destinationPortRanges: ['*'],
    isDefault: true,
  },
  {
    name: 'AllowInternetOutBound',
    priority: 65001,
    direction: 'Outbound',
    access: 'Allow',
    protocol: '*',
    sourceAddressPrefixes: ['*'],
    destinationAddressPrefixes: ['Internet'],
    destinationPortRanges: ['*'],
    isDefault: true,
  },
  {
    name: 'DenyAllOutBound',
    priority: 65500,
    direction: 'Outbound',
    access: 'Deny',
    protocol: '*',
    sourceAddressPrefixes: ['*'],
    destinationAddressPrefixes: ['*'],
    destinationPortRanges: ['*'],
    isDefault: true,
  },
];

/** The outbound flow to evaluate. */
export interface NsgFlow {
  /** Service tags that identify the destination, e.g. ["AzureKeyVault", "AzureKeyVault.WestEurope"]. */
  destinationTags: string[];
  port: number;
  protocol: 'Tcp' | 'Udp';
  /** The subnet's address prefixes (the flow's source). */
  sourcePrefixes: string[];
  /** The destination is a private address in the virtual network (a private endpoint): Internet rules do not match it. */
  privateDestination?: boolean;
}

/** Which rule decided the flow. */
export interface NsgVerdict {
  access: 'Allow' | 'Deny';
  rule: NsgRuleFacts;
}

/** Tags that contain every public Azure service endpoint, so a rule on them also matches a service tag. */
const BROAD_TAGS = ['*', 'any', 'internet', '0.0.0.0/0', 'azurecloud'];

/** Does a port spec ("443", "400-500", "*", "80,443") include the port? */
export function portMatches(spec: string, port: number): boolean {
  return spec.split(',').some((raw) => {
    const part = raw.trim();
    if (part === '*' || part.toLowerCase() === 'any') return true;
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) return port >= Number(range[1]) && port <= Number(range[2]);
    return /^\d+$/.test(part) && Number(part) === port;
  });
}

function protocolMatches(ruleProtocol: string, protocol: string): boolean {
  const p = ruleProtocol.toLowerCase();
  return p === '*' || p === 'any' || p === protocol.toLowerCase();
}

function destinationMatches(prefix: string, tags: readonly string[], privateDestination = false): boolean {
  const p = prefix.trim().toLowerCase();
  // A private endpoint's address is in the VirtualNetwork tag: only "any" or VirtualNetwork rules match it.
  if (privateDestination) return p === '*' || p === 'any' || p === 'virtualnetwork';
  if (BROAD_TAGS.includes(p)) return true;
  // "AzureCloud.<region>" covers the regional service ranges as well.
  if (p.startsWith('azurecloud.')) return tags.some((t) => t.toLowerCase().endsWith(p.slice('azurecloud'.length)));
  return tags.some((t) => t.toLowerCase() === p);
}

function sourceMatches(prefix: string, subnetPrefixes: readonly string[]): boolean {
  const p = prefix.trim().toLowerCase();
  if (p === '*' || p === 'any' || p === 'virtualnetwork') return true;
  if (!parseIpv4Range(p)) return false;
  return subnetPrefixes.some((s) => ipv4Overlaps(p, s));
}

/** Does one rule match the flow? */
export function ruleMatches(rule: NsgRuleFacts, flow: NsgFlow): boolean {
  return (
    rule.direction === 'Outbound' &&
    protocolMatches(rule.protocol, flow.protocol) &&
    rule.destinationPortRanges.some((r) => portMatches(r, flow.port)) &&
    rule.destinationAddressPrefixes.some((d) => destinationMatches(d, flow.destinationTags, flow.privateDestination)) &&
    rule.sourceAddressPrefixes.some((s) => sourceMatches(s, flow.sourcePrefixes))
  );
}

/** The outbound rules in evaluation order, with the defaults added when the facts left them out. */
export function outboundRules(rules: readonly NsgRuleFacts[]): NsgRuleFacts[] {
  const outbound = rules.filter((r) => r.direction === 'Outbound');
  const withDefaults = outbound.some((r) => r.isDefault) ? outbound : [...outbound, ...DEFAULT_OUTBOUND_RULES];
  return [...withDefaults].sort((a, b) => a.priority - b.priority);
}

/** Evaluate the flow: the first matching rule by priority decides (DenyAllOutBound always matches). */
export function evaluateFlow(rules: readonly NsgRuleFacts[], flow: NsgFlow): NsgVerdict {
  for (const rule of outboundRules(rules)) {
    if (ruleMatches(rule, flow)) return { access: rule.access, rule };
  }
  // Unreachable with the defaults in place; kept so the function is total.
  return { access: 'Deny', rule: DEFAULT_OUTBOUND_RULES[2] };
}

/**
 * A priority for a new allow rule that wins over `blocking`: the highest free custom priority (100-4096)
 * below it, not used by any rule in the same direction. Undefined when none is free.
 */
export function freePriorityBelow(
  rules: readonly NsgRuleFacts[],
  blocking: NsgRuleFacts,
  reserved: readonly number[] = [],
): number | undefined {
  const used = new Set([...rules.filter((r) => r.direction === blocking.direction).map((r) => r.priority), ...reserved]);
  for (let p = Math.min(blocking.priority - 1, 4096); p >= 100; p--) {
    if (!used.has(p)) return p;
  }
  return undefined;
}

/** "AzureKeyVault.WestEurope" from a location such as "westeurope" or "West Europe". */
export function regionalTag(tag: string, location: string): string {
  const compact = location.replace(/\s+/g, '').toLowerCase();
  return `${tag}.${compact}`;
}

/** One rule as a line for evidence and diffs. */
export function describeRule(rule: NsgRuleFacts): string {
  return `${rule.priority} ${rule.access} ${rule.protocol} ${rule.sourceAddressPrefixes.join(',')} -> ${rule.destinationAddressPrefixes.join(',')}:${rule.destinationPortRanges.join(',')} (${rule.name}${rule.isDefault ? ', default' : ''})`;
}
