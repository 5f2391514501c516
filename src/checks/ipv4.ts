// IPv4 address/CIDR arithmetic for vault IP rules and NSG prefixes (Key Vault IP rules are IPv4 only).

/** A parsed IPv4 range. */
export interface Ipv4Range {
  base: number;
  bits: number;
}

function toNumber(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

/** "1.2.3.4" or "1.2.3.0/24" -> range; undefined for anything else (service tags, IPv6, garbage). */
export function parseIpv4Range(text: string): Ipv4Range | undefined {
  const [ip, bitsText, ...rest] = text.trim().split('/');
  if (rest.length) return undefined;
  const n = toNumber(ip);
  const bits = bitsText === undefined ? 32 : /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (n === undefined || !(bits >= 0 && bits <= 32)) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { base: (n & mask) >>> 0, bits };
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
  return ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16'].some((r) => ipv4Contains(r, ip));
}

/** Key Vault stores "1.2.3.4" and "1.2.3.4/32" interchangeably: compare them as the same rule. */
export function sameIpRule(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/\/32$/, '');
  return norm(a) === norm(b);
}
