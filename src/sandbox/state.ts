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

/** The order ids were always listed in (localeCompare's), with one collator instead of one per comparison. */
const ID_ORDER = new Intl.Collator();

export class SandboxState {
  readonly resources = new Map<string, ArmResource>();
  /** ETag per resource key, kept outside the bodies of types whose spec has none in the body. */
  readonly etags = new Map<string, string>();
  readonly rand: () => number;
  world: Omit<World, 'resources'>;
  /** Lookups by type and by collection, rebuilt after a put or delete (a fleet world has thousands of resources). */
  private index:
    | {
        byType: Map<string, ArmResource[]>;
        byCollection: Map<string, ArmResource[]>;
        groupMembers: Map<string, ArmResource[]>;
        assignmentsByPrincipal: Map<string, ArmResource[]>;
      }
    | undefined;

  constructor(
    world: World,
    readonly clock: () => number,
  ) {
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
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
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
    this.index = undefined;
    return r;
  }

  delete(id: string): boolean {
    const key = keyOf(id);
    const existed = this.resources.delete(key);
    this.index = undefined;
    // Children go with their parent, as in ARM.
    for (const k of [...this.resources.keys()]) if (k.startsWith(`${key}/`)) this.resources.delete(k);
    this.etags.delete(key);
    return existed;
  }

  /** Direct children in a collection path (e.g. ".../service/x/certificates"), in id order. */
  children(collectionPath: string): ArmResource[] {
    return [...(this.indexed().byCollection.get(keyOf(collectionPath)) ?? [])];
  }

  ofType(type: string, within?: string): ArmResource[] {
    const all = this.indexed().byType.get(type.toLowerCase()) ?? [];
    const scope = within ? `${keyOf(within)}/` : undefined;
    return scope ? all.filter((r) => keyOf(r.id).startsWith(scope)) : [...all];
  }

  /** Role assignments whose principal is `principalId`, in id order. */
  assignmentsOf(principalId: string): ArmResource[] {
    return this.indexed().assignmentsByPrincipal.get(principalId.toLowerCase()) ?? [];
  }

  private indexed(): NonNullable<SandboxState['index']> {
    if (this.index) return this.index;
    const byType = new Map<string, ArmResource[]>();
    const byCollection = new Map<string, ArmResource[]>();
    const groupMembers = new Map<string, ArmResource[]>();
    const assignmentsByPrincipal = new Map<string, ArmResource[]>();
    const sorted = [...this.resources.values()].sort((a, b) => ID_ORDER.compare(a.id, b.id));
    for (const r of sorted) {
      const t = r.type.toLowerCase();
      const c = keyOf(collectionOf(r.id));
      (byType.get(t) ?? byType.set(t, []).get(t)!).push(r);
      (byCollection.get(c) ?? byCollection.set(c, []).get(c)!).push(r);
      const rg = resourceGroupOf(r.id);
      if (rg) {
        const g = `${subscriptionOf(r.id)}/${rg}`.toLowerCase();
        (groupMembers.get(g) ?? groupMembers.set(g, []).get(g)!).push(r);
      }
    }
    for (const ra of byType.get('microsoft.authorization/roleassignments') ?? []) {
      const p = String(ra.properties?.principalId).toLowerCase();
      (assignmentsByPrincipal.get(p) ?? assignmentsByPrincipal.set(p, []).get(p)!).push(ra);
    }
    this.index = { byType, byCollection, groupMembers, assignmentsByPrincipal };
    return this.index;
  }

  subscription(id: string): World['subscriptions'][number] | undefined {
    return this.world.subscriptions.find((s) => s.subscriptionId.toLowerCase() === id.toLowerCase());
  }

  /** Resource groups exist when a resource lives in them or one is declared as a resource. */
  resourceGroup(subscriptionId: string, name: string): ArmResource | undefined {
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${name}`;
    const declared = this.get(id);
    if (declared) return declared;
    const members = this.indexed().groupMembers.get(`${subscriptionId}/${name}`.toLowerCase()) ?? [];
    const member = members.find((r) => typeof r.location === 'string') ?? members[0];
    if (!member) return undefined;
    const rg = resourceGroupOf(member.id)!;
    return {
      id: `/subscriptions/${subscriptionOf(member.id)}/resourceGroups/${rg}`,
      name: rg,
      type: 'Microsoft.Resources/resourceGroups',
      location: String(member.location ?? 'westeurope')
        .replace(/\s+/g, '')
        .toLowerCase(),
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
