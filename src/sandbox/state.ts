// The emulator's mutable state: resources keyed case-insensitively by id, the data-plane contents, the
// seeded generator, the clock and the ETags. Providers read and write through this class only.
import { collectionOf, keyOf, normalisePath, resourceGroupOf, subscriptionOf } from './resource-id.ts';
import { seededGuid, seededHex, seededRandom } from './random.ts';
import type { ArmResource, DeletedVault, Json, VaultData, World } from './types.ts';

/** Child collections ARM shows inline in their parent; the store keeps them as separate resources. */
const INLINE_CHILDREN: Record<string, string> = {
  'microsoft.network/virtualnetworks': 'subnets',
  'microsoft.network/networksecuritygroups': 'securityRules',
};

export class SandboxState {
  readonly resources = new Map<string, ArmResource>();
  /** ETag per resource key, kept outside the bodies of types whose spec has none in the body. */
  readonly etags = new Map<string, string>();
  readonly rand: () => number;
  world: Omit<World, 'resources'>;

  constructor(world: World, readonly clock: () => number) {
    const { resources, ...rest } = structuredClone(world);
    this.world = rest;
    this.world.vaultData ??= {};
    this.world.deletedVaults ??= [];
    this.rand = seededRandom(world.seed ?? 42);
    for (const r of resources) this.put(r);
    // Inline children (subnets in a VNet, rules in an NSG) become resources of their own.
    for (const r of [...this.resources.values()]) {
      const child = INLINE_CHILDREN[r.type.toLowerCase()];
      const list = r.properties?.[child];
      if (!Array.isArray(list)) continue;
      for (const c of list as ArmResource[]) {
        const id = c.id ?? `${r.id}/${child}/${c.name}`;
        if (!this.get(id)) this.put({ ...c, id, name: c.name ?? id.split('/').pop()!, type: `${r.type}/${child}` });
      }
      delete r.properties[child];
    }
  }

  now(): Date {
    return new Date(this.clock());
  }

  /** ISO time without milliseconds, as ARM prints most timestamps. */
  stamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  guid(): string {
    return seededGuid(this.rand);
  }

  hex(length: number): string {
    return seededHex(this.rand, length);
  }

  get(id: string): ArmResource | undefined {
    return this.resources.get(keyOf(id));
  }

  put(resource: ArmResource): ArmResource {
    const r = { ...resource, id: normalisePath(resource.id) };
    this.resources.set(keyOf(r.id), r);
    return r;
  }

  delete(id: string): boolean {
    const key = keyOf(id);
    const existed = this.resources.delete(key);
    // Children go with their parent, as in ARM.
    for (const k of [...this.resources.keys()]) if (k.startsWith(`${key}/`)) this.resources.delete(k);
    this.etags.delete(key);
    return existed;
  }

  /** Direct children in a collection path (e.g. ".../service/x/certificates"), in id order. */
  children(collectionPath: string): ArmResource[] {
    const key = keyOf(collectionPath);
    return [...this.resources.values()].filter((r) => keyOf(collectionOf(r.id)) === key).sort((a, b) => a.id.localeCompare(b.id));
  }

  ofType(type: string, within?: string): ArmResource[] {
    const t = type.toLowerCase();
    const scope = within ? keyOf(within) : undefined;
    return [...this.resources.values()]
      .filter((r) => r.type.toLowerCase() === t && (!scope || keyOf(r.id).startsWith(`${scope}/`)))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  subscription(id: string): World['subscriptions'][number] | undefined {
    return this.world.subscriptions.find((s) => s.subscriptionId.toLowerCase() === id.toLowerCase());
  }

  /** Resource groups exist when a resource lives in them or one is declared as a resource. */
  resourceGroup(subscriptionId: string, name: string): ArmResource | undefined {
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${name}`;
    const declared = this.get(id);
    if (declared) return declared;
    const members = [...this.resources.values()].filter(
      (r) => subscriptionOf(r.id)?.toLowerCase() === subscriptionId.toLowerCase() && resourceGroupOf(r.id)?.toLowerCase() === name.toLowerCase(),
    );
    const member = members.find((r) => typeof r.location === 'string') ?? members[0];
    if (!member) return undefined;
    const rg = resourceGroupOf(member.id)!;
    return {
      id: `/subscriptions/${subscriptionOf(member.id)}/resourceGroups/${rg}`,
      name: rg,
      type: 'Microsoft.Resources/resourceGroups',
      location: String(member.location ?? 'westeurope').replace(/\s+/g, '').toLowerCase(),
      properties: { provisioningState: 'Succeeded' },
    };
  }

  resourceGroups(subscriptionId: string): ArmResource[] {
    const names = new Map<string, string>();
    for (const r of this.resources.values()) {
      if (subscriptionOf(r.id)?.toLowerCase() !== subscriptionId.toLowerCase()) continue;
      const rg = resourceGroupOf(r.id);
      if (rg && !names.has(rg.toLowerCase())) names.set(rg.toLowerCase(), rg);
    }
    return [...names.values()].sort().map((n) => this.resourceGroup(subscriptionId, n)!);
  }

  vaultData(vaultName: string): VaultData | undefined {
    const data = this.world.vaultData!;
    const key = Object.keys(data).find((k) => k.toLowerCase() === vaultName.toLowerCase());
    return key ? data[key] : undefined;
  }

  vaultByName(name: string): ArmResource | undefined {
    return this.ofType('Microsoft.KeyVault/vaults').find((v) => v.name.toLowerCase() === name.toLowerCase());
  }

  deletedVaults(): DeletedVault[] {
    return this.world.deletedVaults!;
  }

  /** A new ETag for a resource (also returned). */
  bumpEtag(id: string): string {
    const etag = `"${this.hex(16)}"`;
    this.etags.set(keyOf(id), etag);
    return etag;
  }

  etag(id: string): string {
    return this.etags.get(keyOf(id)) ?? this.bumpEtag(id);
  }

  /** The whole state as a world file. */
  snapshot(): World {
    const resources = [...this.resources.values()].map((r) => structuredClone(r));
    const { vaultData, deletedVaults, ...rest } = structuredClone(this.world);
    return { ...rest, resources, vaultData, deletedVaults } as World;
  }
}

/** A deep copy of a JSON value. */
export function clone<T extends Json | Json[]>(value: T): T {
  return structuredClone(value);
}
