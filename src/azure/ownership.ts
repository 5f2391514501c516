// Ownership evidence, read with Reader rights: the newest ARM deployments and the deployment stacks at the
// resource groups and subscriptions of the resources fixes write. Bounded (a few pages, the newest deployments,
// operations of a few only) so a resource group with hundreds of deployments costs a handful of requests.
// https://learn.microsoft.com/rest/api/resources/deployments/list-by-resource-group
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/deployment-stacks
import type { DeploymentExtended, DeploymentOperation } from '@azure/arm-resourcesdeployments';
import type { DeploymentStack } from '@azure/arm-resourcesdeploymentstacks';
import type { DeploymentFacts, Fact, OwnershipFacts, OwnershipScopeFacts, StackFacts } from '../checks/facts.ts';
import type { AzureClients } from './clients.ts';
import { readFact } from './facts-read.ts';

/** Api-versions of the Resources clients (Deployments 2025-04-01 is the newest spec both we and the sandbox follow). */
export const RESOURCES_API_VERSIONS = { deployments: '2025-04-01', deploymentStacks: '2024-03-01' } as const;

/** Bounds of one scope's read. */
export const OWNERSHIP_LIMITS = {
  /** Pages of the deployments list read at most (ARM keeps up to 800 per resource group). */
  deploymentPages: 2,
  /** Deployments kept, newest first. */
  newestDeployments: 20,
  /** Deployments (of those kept, newest first) whose operations are read because they list no output resources. */
  operationReads: 3,
  stackPages: 2,
} as const;

const iso = (d: Date | string | undefined): string | undefined => (d === undefined ? undefined : new Date(d).toISOString());

/** The resource group scope of an id (or the subscription scope when it has no resource group). */
export function scopesOf(resourceId: string): string[] {
  const g = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?/i.exec(resourceId);
  if (!g) return [];
  const sub = `/subscriptions/${g[1]}`;
  return g[2] ? [`${sub}/resourceGroups/${g[2]}`, sub] : [sub];
}

function deploymentFrom(d: DeploymentExtended, scope: string): DeploymentFacts {
  const p = d.properties;
  return {
    id: d.id ?? '',
    name: d.name ?? '',
    scope,
    ...(p?.timestamp ? { timestamp: iso(p.timestamp) } : {}),
    ...(p?.provisioningState ? { provisioningState: p.provisioningState } : {}),
    ...(p?.templateHash ? { templateHash: p.templateHash } : {}),
    ...(p?.templateLink?.uri || p?.templateLink?.id ? { templateLink: p.templateLink.uri ?? p.templateLink.id } : {}),
    ...(d.systemData?.createdBy ? { createdBy: d.systemData.createdBy } : {}),
    ...(d.systemData?.createdByType ? { createdByType: d.systemData.createdByType } : {}),
    outputResources: (p?.outputResources ?? []).map((r) => r.id ?? '').filter(Boolean),
  };
}

function stackFrom(s: DeploymentStack, scope: string): StackFacts {
  const p = s.properties;
  const deny = p?.denySettings;
  return {
    id: s.id ?? '',
    name: s.name ?? '',
    scope,
    denyMode: deny?.mode ?? 'none',
    excludedPrincipals: deny?.excludedPrincipals ?? [],
    excludedActions: deny?.excludedActions ?? [],
    applyToChildScopes: deny?.applyToChildScopes === true,
    resources: (p?.resources ?? [])
      .filter((r) => r.id)
      .map((r) => ({ id: r.id!, ...(r.denyStatus ? { denyStatus: r.denyStatus } : {}), ...(r.status ? { status: r.status } : {}) })),
    ...(s.systemData?.createdBy ? { createdBy: s.systemData.createdBy } : {}),
    ...(s.systemData?.lastModifiedAt ? { lastModifiedAt: iso(s.systemData.lastModifiedAt) } : {}),
  };
}

/** Items of at most `max` pages of a paged list; `more` when it stopped with pages possibly left (never fetched). */
async function firstPages<T>(pages: AsyncIterableIterator<T[]>, max: number): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  for (let i = 0; i < max; i++) {
    const next = await pages.next();
    if (next.done) return { items, more: false };
    items.push(...next.value);
  }
  return { items, more: true };
}

async function readDeployments(clients: AzureClients, scope: string, signal?: AbortSignal): Promise<OwnershipScopeFacts['deployments']> {
  const sub = scope.split('/')[2]!;
  const rg = /\/resourceGroups\/([^/]+)$/i.exec(scope)?.[1];
  const client = clients.deploymentsFor(sub);
  return readFact(scope, RESOURCES_API_VERSIONS.deployments, 'Microsoft.Resources/deployments/read', async () => {
    const list = rg
      ? client.deployments.listByResourceGroup(rg, { abortSignal: signal })
      : client.deployments.listAtSubscriptionScope({ abortSignal: signal });
    const { items, more } = await firstPages(list.byPage(), OWNERSHIP_LIMITS.deploymentPages);
    const newest = items.map((d) => deploymentFrom(d, scope)).sort((a, b) => (b.timestamp ?? '').localeCompare(a.timestamp ?? ''));
    const kept = newest.slice(0, OWNERSHIP_LIMITS.newestDeployments);
    // A failed or cancelled deployment lists no output resources: its operations say what it wrote.
    const silent = kept.filter((d) => d.outputResources.length === 0).slice(0, OWNERSHIP_LIMITS.operationReads);
    await Promise.all(
      silent.map(async (d) => {
        const ops = rg
          ? client.deploymentOperations.list(rg, d.name, { abortSignal: signal })
          : client.deploymentOperations.listAtSubscriptionScope(d.name, { abortSignal: signal });
        const { items: first } = await firstPages<DeploymentOperation>(ops.byPage(), 1);
        d.operationTargets = first.map((o) => o.properties?.targetResource?.id ?? '').filter(Boolean);
      }),
    );
    return { items: kept, truncated: more || newest.length > kept.length };
  });
}

async function readStacks(clients: AzureClients, scope: string, signal?: AbortSignal): Promise<Fact<StackFacts[]>> {
  const sub = scope.split('/')[2]!;
  const rg = /\/resourceGroups\/([^/]+)$/i.exec(scope)?.[1];
  const client = clients.stacksFor(sub);
  return readFact(scope, RESOURCES_API_VERSIONS.deploymentStacks, 'Microsoft.Resources/deploymentStacks/read', async () => {
    const list = rg
      ? client.deploymentStacks.listAtResourceGroup(rg, { abortSignal: signal })
      : client.deploymentStacks.listAtSubscription({ abortSignal: signal });
    const { items } = await firstPages(list.byPage(), OWNERSHIP_LIMITS.stackPages);
    return items.map((s) => stackFrom(s, scope));
  });
}

/**
 * Reads the scopes of the given resources, each scope once however many resources share it. `cache` lets a
 * caller start scopes as their resources become known (APIM and the vault first, the subnet and NSG later).
 */
export function ownershipReader(clients: AzureClients, signal?: AbortSignal) {
  const started = new Map<string, Promise<OwnershipScopeFacts>>();
  const start = (scope: string) => {
    const key = scope.toLowerCase();
    let p = started.get(key);
    if (!p) {
      p = Promise.all([readDeployments(clients, scope, signal), readStacks(clients, scope, signal)]).then(([deployments, stacks]) => ({
        scope,
        deployments,
        stacks,
      }));
      started.set(key, p);
    }
    return p;
  };
  return {
    /** Start reading the scopes of these resources (returns at once). */
    add(resourceIds: (string | undefined)[]): void {
      for (const id of resourceIds) if (id) for (const scope of scopesOf(id)) void start(scope);
    },
    /** Everything started, once it has all been read. */
    async result(): Promise<OwnershipFacts> {
      return { scopes: await Promise.all([...started.values()]) };
    },
  };
}
