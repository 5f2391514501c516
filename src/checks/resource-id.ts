// ARM resource ids, taken apart without guessing: segments after "providers" alternate type and name.

/** The parts of an ARM resource id the fixes and az lines need. */
export interface ResourceIdParts {
  subscriptionId?: string;
  resourceGroup?: string;
  /** Last segment: the resource's own name. */
  name: string;
  /** Name of the parent resource for a child (subnet -> vnet, security rule -> NSG). */
  parentName?: string;
}

export function parseResourceId(id: string): ResourceIdParts {
  const parts = id.split('/').filter(Boolean);
  const at = (key: string) => {
    const i = parts.findIndex((p) => p.toLowerCase() === key);
    return i >= 0 && i + 1 < parts.length ? parts[i + 1] : undefined;
  };
  const providers = parts.findIndex((p) => p.toLowerCase() === 'providers');
  // After "providers/<namespace>": type/name pairs; the parent is the second-to-last pair's name.
  const typed = providers >= 0 ? parts.slice(providers + 2) : [];
  const parentName = typed.length >= 4 ? typed[typed.length - 3] : undefined;
  return {
    subscriptionId: at('subscriptions'),
    resourceGroup: at('resourcegroups'),
    name: parts[parts.length - 1] ?? id,
    ...(parentName ? { parentName } : {}),
  };
}

/** The name at the end of a resource id. */
export function nameOf(id: string): string {
  return parseResourceId(id).name;
}

/** Case-insensitive resource id equality (ARM ids are case-insensitive). */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

/** The virtual network id a subnet id belongs to. */
export function vnetOfSubnet(subnetId: string): string {
  return subnetId.replace(/\/subnets\/[^/]+\/?$/i, '');
}
