// IPv4 address/CIDR decisions for vault IP rules and NSG prefixes (Key Vault IP rules are IPv4 only),
// made by ipaddr.js rather than hand-written octet arithmetic: strict dotted-quad parsing (no "1.2.3",
// no octal or hex forms) and its table of special-purpose ranges (RFC 6890).
import ipaddr from 'ipaddr.js';

/** A parsed IPv4 range. */
export interface Ipv4Range {
  base: number;
  bits: number;
}

const toNumber = (a: ipaddr.IPv4) => a.toByteArray().reduce((n, o) => n * 256 + o, 0);

/** "1.2.3.4" or "1.2.3.0/24" -> range; undefined for anything else (service tags, IPv6, garbage). */
export function parseIpv4Range(text: string): Ipv4Range | undefined {
  const t = text.trim();
  const [ip, bits, ...rest] = t.split('/');
  if (rest.length || !ip || !ipaddr.IPv4.isValidFourPartDecimal(ip)) return undefined;
  if (bits !== undefined && !/^\d{1,2}$/.test(bits)) return undefined;
  try {
    const [addr, prefix] = bits === undefined ? [ipaddr.IPv4.parse(ip), 32] : ipaddr.IPv4.parseCIDR(t);
    return { base: toNumber(ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${prefix}`)), bits: prefix };
  } catch {
    return undefined;
  }
}

function end(r: Ipv4Range): number {
  return r.base + 2 ** (32 - r.bits) - 1;
}

/** Does the range `outer` contain the whole of `inner`? */
export function ipv4Contains(outer: string, inner: string): boolean {
  const o = parseIpv4Range(outer);
  const i = parseIpv4Range(inner);
  return !!o && !!i && i.base >= o.base && end(i) <= end(o);
}

/** Do two ranges share any address? */
export function ipv4Overlaps(a: string, b: string): boolean {
  const x = parseIpv4Range(a);
  const y = parseIpv4Range(b);
  return !!x && !!y && x.base <= end(y) && y.base <= end(x);
}

/** RFC 1918 / loopback / link-local: Key Vault refuses these in IP rules. */
export function isPrivateIpv4(ip: string): boolean {
  const r = parseIpv4Range(ip);
  return !!r && r.bits === 32 && ['private', 'loopback', 'linkLocal'].includes(ipaddr.IPv4.parse(ip.trim()).range());
}

/**
 * The address as a public IPv4 unicast address, or undefined: only such an address may become a firewall
 * rule for the operator. 0.0.0.0, private, loopback, link-local, carrier-grade NAT, multicast, broadcast
 * and reserved addresses are not someone's public client address (and 0.0.0.0/32 would be a rule for nobody).
 */
export function publicIpv4(text: string): string | undefined {
  const t = text.trim();
  if (!ipaddr.IPv4.isValidFourPartDecimal(t)) return undefined;
  const addr = ipaddr.IPv4.parse(t);
  if (addr.range() === 'unicast') return addr.toString();
  // RFC 5737's documentation ranges stand for public addresses in Microsoft's examples and in the sandbox's
  // worlds; ipaddr.js files them under "reserved" with 240/4 and others, which stay refused.
  return DOCUMENTATION.some(([net, bits]) => addr.match(ipaddr.IPv4.parse(net), bits)) ? addr.toString() : undefined;
}

const DOCUMENTATION: [string, number][] = [
  ['192.0.2.0', 24],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
];

/** Key Vault stores "1.2.3.4" and "1.2.3.4/32" interchangeably: compare them as the same rule. */
export function sameIpRule(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/\/32$/, '');
  return norm(a) === norm(b);
}
