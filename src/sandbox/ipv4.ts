// IPv4 addresses and CIDR ranges, for Key Vault IP rules and NSG sources.

function toInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** [first, last] of "a.b.c.d" or "a.b.c.d/n", or undefined when it is not IPv4. */
export function ipv4Range(spec: string): [number, number] | undefined {
  const [ip, bitsText] = spec.trim().split('/');
  const base = toInt(ip);
  if (base === undefined) return undefined;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const first = (base & mask) >>> 0;
  return [first, (first | (~mask >>> 0)) >>> 0];
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
