// ARM resource id helpers: normalising paths, deriving a resource's type and parent from its id.

/** The ARM resource id shape: /subscriptions/{s}[/resourceGroups/{rg}](/providers/{ns}(/{type}/{name})+)+. */
export const RESOURCE_ID = /^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?(\/providers\/[^/]+(\/[^/]+\/[^/]+)+)+$/i;

/** Collapse repeated slashes ("//subscriptions", "Microsoft.KeyVault//vaults") and drop a trailing one. */
export function normalisePath(path: string): string {
  const collapsed = path.replace(/\/{2,}/g, '/');
  return collapsed.length > 1 && collapsed.endsWith('/') ? collapsed.slice(0, -1) : collapsed;
}

/** The case-insensitive key of an id. */
export function keyOf(id: string): string {
  return normalisePath(id).toLowerCase();
}

export function segments(path: string): string[] {
  return path.split('/').filter(Boolean);
}

/**
 * The type an id (or collection path) names: the last provider namespace plus every type segment after it,
 * e.g. ".../providers/Microsoft.Network/virtualNetworks/v/subnets/s" -> "Microsoft.Network/virtualNetworks/subnets".
 * For a collection path (odd tail) the last segment is the collection's type.
 */
export function typeOf(path: string): string | undefined {
  const segs = segments(path);
  let p = -1;
  for (let i = 0; i < segs.length; i++) if (segs[i].toLowerCase() === 'providers') p = i;
  if (p < 0 || p + 1 >= segs.length) return undefined;
  const tail = segs.slice(p + 2);
  const types = tail.filter((_, i) => i % 2 === 0);
  return [segs[p + 1], ...types].join('/');
}

/** The path without its last `/{type}/{name}` pair (or without `/providers/{ns}/{type}/{name}` for a top-level resource). */
export function parentOf(id: string): string {
  const segs = segments(id);
  const cut = segs.length >= 4 && segs[segs.length - 4].toLowerCase() === 'providers' ? 4 : 2;
  return `/${segs.slice(0, segs.length - cut).join('/')}`;
}

/** The collection path an id belongs to (the id without its name). */
export function collectionOf(id: string): string {
  const segs = segments(id);
  return `/${segs.slice(0, -1).join('/')}`;
}

export function nameOf(id: string): string {
  const segs = segments(id);
  return segs[segs.length - 1] ?? '';
}

export function subscriptionOf(path: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(path)?.[1];
}

export function resourceGroupOf(path: string): string | undefined {
  return /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)/i.exec(path)?.[1];
}

/** Is `scope` the same as `path` or one of its ancestors (segment-wise, case-insensitive)? */
export function scopeCovers(scope: string, path: string): boolean {
  const s = keyOf(scope);
  const p = keyOf(path);
  return s === '/' || p === s || p.startsWith(`${s}/`);
}
