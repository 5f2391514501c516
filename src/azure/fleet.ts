// Reads the fleet for the audit: Resource Graph for every instance and vault in scope (all pages), then
// ARM only where Resource Graph has no data: each instance's certificates and named values (and workspaces, on the
// tiers that have them), with a bound
// on concurrent calls. A 429 anywhere pauses new calls for its Retry-After (the SDK retries the call
// itself), so a large fleet slows down instead of hammering a throttled subscription.
import { remoteFacts } from './untrusted.ts';
import type { ApiManagementClient } from '@azure/arm-apimanagement';
import type { FleetFacts, FleetInstance, FleetInstanceFacts, FleetReference, FleetVault } from '../checks/audit/types.ts';
import { APIM_INSTANCES, KEY_VAULTS } from '../graph/queries.ts';
import type { FleetReader, FleetReadOptions, FleetScope, GatewayEvent } from '../checks/ports.ts';
import type { AzureClients } from './clients.ts';
import { lastStatusFromSdk } from './convert.ts';
import { graphPages } from './graph-pages.ts';
import { toAzureError } from './errors.ts';
import { offersWorkspaces } from '../checks/posture.ts';
import type { WorkspaceName } from '../checks/workspaces.ts';
import { withEventSink } from './events-policy.ts';

function graphAll<T>(
  clients: AzureClients,
  query: string,
  scope: FleetScope,
  stats: FleetFacts['stats'],
  truncated: string[],
  label: string,
  signal?: AbortSignal,
): Promise<T[]> {
  return graphPages<T>(clients, query, scope, signal, (page) => {
    stats.graphPages++;
    if (page.truncated) truncated.push(label);
  });
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : undefined);

async function all<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}

async function certificatesOf(apim: ApiManagementClient, i: FleetInstance, signal?: AbortSignal): Promise<FleetReference[]> {
  const certs = await all(apim.certificate.listByService(i.resourceGroup, i.name, { abortSignal: signal }));
  return certs
    .filter((c) => c.keyVault?.secretIdentifier)
    .map((c) => ({
      kind: 'certificate' as const,
      name: c.name ?? '',
      secretIdentifier: c.keyVault!.secretIdentifier!,
      ...(c.keyVault!.identityClientId ? { identityClientId: c.keyVault!.identityClientId } : {}),
      ...(c.keyVault!.lastStatus ? { lastStatus: lastStatusFromSdk(c.keyVault!.lastStatus) } : {}),
      ...(c.expirationDate ? { expirationDate: iso(c.expirationDate) } : {}),
    }));
}

async function namedValuesOf(apim: ApiManagementClient, i: FleetInstance, signal?: AbortSignal): Promise<FleetReference[]> {
  const values = await all(apim.namedValue.listByService(i.resourceGroup, i.name, { abortSignal: signal }));
  return values
    .filter((v) => v.keyVault?.secretIdentifier)
    .map((v) => ({
      kind: 'named value' as const,
      name: v.name ?? v.displayName ?? '',
      secretIdentifier: v.keyVault!.secretIdentifier!,
      ...(v.keyVault!.identityClientId ? { identityClientId: v.keyVault!.identityClientId } : {}),
      ...(v.keyVault!.lastStatus ? { lastStatus: lastStatusFromSdk(v.keyVault!.lastStatus) } : {}),
    }));
}

/** Workspaces, on the tiers that offer them: 400 MethodNotAllowedInPricingTier means none, as in the runbook's gather. */
async function workspacesOf(apim: ApiManagementClient, i: FleetInstance, signal?: AbortSignal): Promise<WorkspaceName[]> {
  try {
    const items = await all(apim.workspace.listByService(i.resourceGroup, i.name, { abortSignal: signal }));
    return items.map((w) => ({ name: w.name ?? '', ...(w.displayName ? { displayName: w.displayName } : {}) }));
  } catch (e) {
    if (toAzureError(e).status === 400) return [];
    throw e;
  }
}

/** Custom domains come with the instance row: no ARM call. */
function hostnamesOf(i: FleetInstance): FleetReference[] {
  return (i.hostnames ?? [])
    .filter((h) => h.keyVaultId)
    .map((h) => ({
      kind: 'hostname' as const,
      name: h.hostName ?? '',
      secretIdentifier: h.keyVaultId!,
      ...(h.identityClientId ? { identityClientId: h.identityClientId } : {}),
      ...(h.certificate?.expiry ? { expirationDate: h.certificate.expiry } : {}),
      ...(h.certificateStatus ? { certificateStatus: h.certificateStatus } : {}),
    }));
}

/** Runs `work` over `items` with at most `limit` in flight; `gate` can hold back new starts. */
async function pool<T>(items: T[], limit: number, gate: () => Promise<void>, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      await gate();
      const item = items[next++];
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function readFleet(clients: AzureClients, scope: FleetScope, options: FleetReadOptions = {}): Promise<FleetFacts> {
  const t0 = performance.now();
  const stats: FleetFacts['stats'] = { graphPages: 0, armLists: 0, requests: 0, throttled: 0, ms: 0 };
  const truncated: string[] = [];
  let pausedUntil = 0;
  const onEvent = (e: GatewayEvent) => {
    if (e.type === 'request') stats.requests++;
    if (e.type === 'throttled') {
      stats.throttled++;
      pausedUntil = Math.max(pausedUntil, Date.now() + e.retryInMs);
    }
    options.onEvent?.(e);
  };
  // One failure stops the calls still in flight: otherwise they outlive the audit and retry against a
  // connection that is closing.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const gate = async () => {
    for (let wait = pausedUntil - Date.now(); wait > 0; wait = pausedUntil - Date.now()) await new Promise((r) => setTimeout(r, wait));
    signal.throwIfAborted();
  };
  return withEventSink(onEvent, async () => {
    try {
      const [instances, vaults] = await Promise.all([
        graphAll<FleetInstance>(clients, APIM_INSTANCES, scope, stats, truncated, 'API Management instance', signal),
        graphAll<FleetVault>(clients, KEY_VAULTS, scope, stats, truncated, 'key vault', signal),
      ]);
      const results: FleetInstanceFacts[] = instances.map((instance) => ({ instance, references: hostnamesOf(instance), errors: [] }));
      const lists: {
        facts: FleetInstanceFacts;
        what: string;
        read: (apim: ApiManagementClient, i: FleetInstance) => Promise<void>;
      }[] = [];
      for (const facts of results) {
        const references =
          (list: (a: ApiManagementClient, i: FleetInstance) => Promise<FleetReference[]>) =>
          async (a: ApiManagementClient, i: FleetInstance) => {
            facts.references.push(...(await list(a, i)));
          };
        lists.push({ facts, what: 'certificates', read: references((a, i) => certificatesOf(a, i, signal)) });
        if (options.namedValues !== false)
          lists.push({ facts, what: 'named values', read: references((a, i) => namedValuesOf(a, i, signal)) });
        if (offersWorkspaces(facts.instance.sku))
          lists.push({ facts, what: 'workspaces', read: async (a, i) => void (facts.workspaces = await workspacesOf(a, i, signal)) });
      }
      let done = 0;
      options.onProgress?.(0, lists.length);
      await pool(lists, options.concurrency ?? 16, gate, async ({ facts, what, read }) => {
        try {
          await read(clients.apimFor(facts.instance.subscriptionId), facts.instance);
        } catch (e) {
          const error = toAzureError(e);
          if (error.kind === 'Aborted') throw e;
          // Resource Graph lags ARM: an instance deleted since the query is gone, not broken.
          if (error.kind !== 'NotFound') facts.errors.push({ what, error });
        }
        stats.armLists++;
        options.onProgress?.(++done, lists.length);
      });
      // Certificates first, then named values, then hostnames, whatever order the calls finished in.
      const order: Record<FleetReference['kind'], number> = { certificate: 0, 'named value': 1, hostname: 2 };
      for (const f of results) f.references.sort((a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name));
      stats.ms = Math.round(performance.now() - t0);
      return remoteFacts({ instances: results, vaults, truncated, readAt: new Date().toISOString(), stats });
    } catch (e) {
      stop.abort();
      throw e;
    }
  });
}

/** The fleet port (checks/ports.ts) on these clients: what the audit reads through, with no SDK type in sight. */
export function fleetReader(clients: AzureClients): FleetReader {
  return { read: (scope, options) => readFleet(clients, scope, options) };
}
