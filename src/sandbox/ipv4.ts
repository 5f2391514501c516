// IPv4 addresses and CIDR ranges, for Key Vault IP rules and NSG sources, parsed by ipaddr.js (strict
// dotted quads only, as Key Vault and NSGs take them).
import ipaddr from 'ipaddr.js';

const toInt = (a: ipaddr.IPv4) => a.toByteArray().reduce((n, o) => n * 256 + o, 0);

/** [first, last] of "a.b.c.d" or "a.b.c.d/n", or undefined when it is not IPv4. */
export function ipv4Range(spec: string): [number, number] | undefined {
  const t = spec.trim();
  const [ip, bits, ...rest] = t.split('/');
  if (rest.length || !ip || !ipaddr.IPv4.isValidFourPartDecimal(ip)) return undefined;
  if (bits !== undefined && !/^\d{1,2}$/.test(bits)) return undefined;
  try {
    const cidr = bits === undefined ? `${ip}/32` : t;
    ipaddr.IPv4.parseCIDR(cidr);
    return [toInt(ipaddr.IPv4.networkAddressFromCIDR(cidr)), toInt(ipaddr.IPv4.broadcastAddressFromCIDR(cidr))];
  } catch {
    return undefined;
  }
}

/** Is every address of `inner` inside `outer`? */
export function ipv4Contains(outer: string, inner: string): boolean {
  const o = ipv4Range(outer);
  const i = ipv4Range(inner);
  return !!o && !!i && i[0] >= o[0] && i[1] <= o[1];
}

export function ipv4Overlaps(a: string, b: string): boolean {
  const x = ipv4Range(a);
  const y = ipv4Range(b);
  return !!x && !!y && x[0] <= y[1] && y[0] <= x[1];
}
