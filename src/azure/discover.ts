// Which API Management instances and key vaults the operator can see: Resource Graph across the given
// subscriptions, every page. Used to complete a partial target (and by pickers).
import { InputError } from '../error-model.ts';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { APIM_INSTANCES, KEY_VAULTS, SUBSCRIPTIONS } from '../graph/queries.ts';
import type { AzureClients } from './clients.ts';
import { graphPages } from './graph-pages.ts';
import { remoteFacts } from './untrusted.ts';

export interface DiscoveredResource {
  id: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  location?: string;
}

/** Every page of a query; no subscriptions = every subscription the operator can see. */
function query<T = DiscoveredResource>(clients: AzureClients, text: string, subscriptions: string[], signal?: AbortSignal): Promise<T[]> {
  return graphPages<T>(clients, text, { subscriptions }, signal);
}

export async function discover(
  clients: AzureClients,
  subscriptions: string[],
  signal?: AbortSignal,
): Promise<{ instances: DiscoveredResource[]; vaults: DiscoveredResource[] }> {
  const [instances, vaults] = await Promise.all([
    query(clients, APIM_INSTANCES, subscriptions, signal),
    query(clients, KEY_VAULTS, subscriptions, signal),
  ]);
  return { instances, vaults };
}

export interface DiscoveredSubscription {
  subscriptionId: string;
  name: string;
  tenantId?: string;
}

/**
 * The subscription's display name (for the header), or undefined when it cannot be read: the name is a
 * courtesy, never a reason to fail a run. Resource Graph, as the picker's listing (resourcecontainers).
 */
export async function subscriptionName(clients: AzureClients, subscriptionId: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const rows = await query<DiscoveredSubscription>(clients, SUBSCRIPTIONS, [subscriptionId], signal);
    const name = rows.find((r) => r.subscriptionId?.toLowerCase() === subscriptionId.toLowerCase())?.name;
    return typeof name === 'string' && name ? remoteFacts(name) : undefined;
  } catch {
    return undefined;
  }
}

/** What the target picker offers, step by step: subscriptions, the instances in one, every visible vault. */
export const listSubscriptions = (clients: AzureClients, signal?: AbortSignal) =>
  query<DiscoveredSubscription>(clients, SUBSCRIPTIONS, [], signal);
export const listInstances = (clients: AzureClients, subscriptionId: string, signal?: AbortSignal) =>
  query(clients, APIM_INSTANCES, [subscriptionId], signal);
export const listVaults = (clients: AzureClients, signal?: AbortSignal) => query(clients, KEY_VAULTS, [], signal);

/** RFC 6761: *.localhost is loopback (a local emulator's vault hosts), whatever the resolver says. */
function loopbackLookup(hostname: string, options: unknown, callback: unknown): void {
  const opts = (typeof options === 'function' ? {} : (options ?? {})) as { all?: boolean };
  const cb = (typeof options === 'function' ? options : callback) as (
    err: Error | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void;
  if (hostname === 'localhost' || hostname.endsWith('.localhost'))
    return opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
  (dnsLookup as (...args: unknown[]) => void)(hostname, opts, cb);
}

/**
 * An agent that trusts exactly the given CA (an ARM-compatible endpoint with its own certificate, such as
 * `apimkv sandbox serve`), for our clients only: TLS verification stays on everywhere.
 */
export function trustingAgent(caFile: string): https.Agent {
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (e) {
    throw new InputError(`Cannot read the CA certificate ${caFile} (--ca-cert): ${(e as NodeJS.ErrnoException).code ?? 'error'}.`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new InputError(`${caFile} (--ca-cert) is not a PEM certificate.`);
  return new https.Agent({ ca, keepAlive: true, lookup: loopbackLookup as never });
}
