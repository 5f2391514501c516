// Wires a run: cloud profile + credential + clients + gateway + journal + engine. The sandbox and real
// Azure differ only in endpoint, TLS trust and credential: the same clients and gateway serve both.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CommonOptions } from '../cli-args.ts';
import type { RunbookEngine } from './engine-types.ts';
import { createEngine } from './engine.ts';
import { Journal } from './journal.ts';
import { readOnlyGateway } from './read-only-gateway.ts';
import type { Target } from './ports.ts';

export interface Connection {
  engine: RunbookEngine;
  close(): Promise<void>;
}

/** An error that tells the user what to pass or do, and exits with the connect/sign-in code. */
export class ConnectError extends Error {
  exitCode = 2;
}

export function stateDir(options: CommonOptions): string {
  if (options.stateDir) return options.stateDir;
  if (process.env.APIMKV_STATE_DIR) return process.env.APIMKV_STATE_DIR;
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'apimkv');
}

interface WorldLike {
  subscriptions: { subscriptionId: string }[];
  resources: { id: string; type: string; name: string }[];
}

/** In the sandbox, with no target given, pick the world's API Management instance and key vault. */
function sandboxTarget(world: WorldLike, options: CommonOptions, subscriptionId: string): Target {
  const rgOf = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '';
  const apim = world.resources.find((r) => /^Microsoft\.ApiManagement\/service$/i.test(r.type) && (!options.apim || r.name === options.apim));
  const vault = world.resources.find((r) => /^Microsoft\.KeyVault\/vaults$/i.test(r.type) && (!options.vault || r.name === options.vault));
  if (!apim) throw new ConnectError(`The sandbox world has no API Management instance${options.apim ? ` named "${options.apim}"` : ''}.`);
  return {
    subscriptionId,
    apim: { resourceGroup: options.resourceGroup ?? rgOf(apim.id), name: apim.name },
    vault: { name: options.vault ?? vault?.name ?? 'missing-vault', resourceGroup: options.vaultResourceGroup ?? (vault ? rgOf(vault.id) : undefined) },
  };
}

function realTarget(options: CommonOptions, subscriptionId: string): Target {
  const missing = [!options.resourceGroup && '--resource-group', !options.apim && '--apim', !options.vault && '--vault'].filter(Boolean);
  if (missing.length) throw new ConnectError(`Say which instance and vault to check: pass ${missing.join(', ')} (or try the demo with --sandbox).`);
  return {
    subscriptionId,
    apim: { resourceGroup: options.resourceGroup!, name: options.apim! },
    vault: { name: options.vault!, resourceGroup: options.vaultResourceGroup },
  };
}

export async function connect(options: CommonOptions, _mode: { interactive: boolean }): Promise<Connection> {
  const [{ createClients }, { createAzureGateway }] = await Promise.all([import('../azure/clients.ts'), import('../azure/gateway.ts')]);
  if (options.sandbox) {
    const [{ startSandbox }, { connectToSandbox }] = await Promise.all([import('../sandbox/index.ts'), import('../azure/sandbox-connection.ts')]);
    const sandbox = await startSandbox({ world: options.world ?? 'everything-broken' });
    const world = sandbox.world() as unknown as WorldLike;
    const subscriptionId = options.subscription ?? world.subscriptions[0]?.subscriptionId;
    if (!subscriptionId) throw new ConnectError('The sandbox world has no subscription.');
    const target = sandboxTarget(world, options, subscriptionId);
    const link = connectToSandbox(sandbox, subscriptionId);
    const clients = createClients({ ...link, subscriptionId });
    const azureGateway = createAzureGateway({ clients, profile: link.profile, context: { subscriptionId, sandbox: true } });
    const gateway = options.readOnly ? readOnlyGateway(azureGateway) : azureGateway;
    const journal = new Journal(options.stateDir ? join(options.stateDir, 'sandbox-journal.json') : undefined);
    const engine = createEngine({
      gateway,
      target,
      journal,
      context: { cloud: 'Sandbox', subscriptionId, apimName: target.apim.name, vaultName: target.vault.name, sandbox: true, readOnly: options.readOnly },
    });
    return { engine, close: () => sandbox.close() };
  }

  const [{ cloudFromAzCliName }, { createCredential }, { azAccount }] = await Promise.all([
    import('../azure/cloud.ts'),
    import('../azure/credential.ts'),
    import('../azure/az-cli.ts'),
  ]);
  // Only ask az when a flag is missing: it costs a process start (~0.5 s).
  const account = options.cloud && (options.subscription || process.env.AZURE_SUBSCRIPTION_ID) ? undefined : await azAccount();
  const profile = cloudFromAzCliName(options.cloud ?? account?.cloudName ?? 'AzureCloud');
  const credential = createCredential({
    kind: options.deviceCode ? 'device-code' : 'cli',
    tenantId: options.tenant ?? account?.tenantId,
    profile,
    onDeviceCode: (message: string) => process.stderr.write(`${message}\n`),
  });
  const subscriptionId = options.subscription ?? process.env.AZURE_SUBSCRIPTION_ID ?? account?.subscriptionId;
  if (!subscriptionId) throw new ConnectError('No subscription: pass --subscription, set AZURE_SUBSCRIPTION_ID, or run "az account set --subscription <id>".');
  const target = realTarget(options, subscriptionId);
  const clients = createClients({ profile, credential, subscriptionId });
  const azureGateway = createAzureGateway({ clients, profile, context: { subscriptionId, sandbox: false } });
  const gateway = options.readOnly ? readOnlyGateway(azureGateway) : azureGateway;
  const journal = new Journal(join(stateDir(options), 'journal.json'));
  const engine = createEngine({
    gateway,
    target,
    journal,
    context: { cloud: profile.name, subscriptionId, apimName: target.apim.name, vaultName: target.vault.name, sandbox: false, readOnly: options.readOnly },
  });
  return { engine, close: async () => {} };
}
