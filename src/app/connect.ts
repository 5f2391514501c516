// Wires a run: cloud profile + credential + clients + gateway + journal + engine. The sandbox and real
// Azure differ only in endpoint, TLS trust and credential: the same clients and gateway serve both.
import { join } from 'node:path';
import type { RunConfig } from './run-config.ts';
import type { RunbookEngine } from '../runbook/engine-types.ts';
import { createEngine } from '../runbook/engine.ts';
import { Journal } from '../runbook/journal.ts';
import { readOnlyGateway } from '../runbook/read-only-gateway.ts';
import type { SignInHooks, Target } from '../checks/ports.ts';
import { ConnectError, parseServiceId, vaultOption } from './target-flags.ts';
import { readAudit, type FleetSession } from '../runbook/fleet-session.ts';
import { TargetMemory, type TargetSource } from '../runbook/targets.ts';

export { ConnectError, parseServiceId, vaultOption } from './target-flags.ts';

export interface Connection {
  engine: RunbookEngine;
  close(): Promise<void>;
}

export type { SignInHooks } from '../checks/ports.ts';
export type { FleetSession } from '../runbook/fleet-session.ts';

const STDERR_SIGN_IN: SignInHooks = { onDeviceCode: (message) => process.stderr.write(`${message}\n`) };

/** --transcript, else a new file per run under the state directory (for the TUI's transcript key). */
export function transcriptPath(config: RunConfig): string {
  return config.transcript ?? join(config.stateDir, 'transcripts', `apimkv-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
}

interface WorldLike {
  subscriptions: { subscriptionId: string }[];
  resources: { id: string; type: string; name: string }[];
}

/** In the sandbox, with no target given, pick the world's API Management instance and key vault. */
function sandboxTarget(world: WorldLike, config: RunConfig, subscriptionId: string): Target {
  const rgOf = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '';
  const apim = world.resources.find(
    (r) => /^Microsoft\.ApiManagement\/service$/i.test(r.type) && (!config.target.apim || r.name === config.target.apim),
  );
  const given = vaultOption(config.target);
  const vault = world.resources.find((r) => /^Microsoft\.KeyVault\/vaults$/i.test(r.type) && (!given || r.name === given.name));
  if (!apim)
    throw new ConnectError(
      `The sandbox world has no API Management instance${config.target.apim ? ` named "${config.target.apim}"` : ''}.`,
    );
  return {
    subscriptionId,
    apim: { resourceGroup: config.target.resourceGroup ?? rgOf(apim.id), name: apim.name },
    vault: given?.resourceGroup
      ? given
      : {
          name: given?.name ?? vault?.name ?? 'missing-vault',
          ...(vault ? { resourceGroup: rgOf(vault.id), subscriptionId: vault.id.split('/')[2]! } : {}),
        },
  };
}

interface Candidate {
  name: string;
  resourceGroup: string;
}

/**
 * The target from the flags; what is missing is completed from what the operator can see (Resource Graph)
 * when that leaves exactly one choice, else a clear error listing the candidates and the flags to pass.
 */
export async function resolveTarget(
  config: RunConfig,
  subscriptionId: string,
  find: () => Promise<{ instances: Candidate[]; vaults: Candidate[] }>,
): Promise<Target> {
  const fromId = config.target.serviceId ? parseServiceId(config.target.serviceId) : undefined;
  let apim = fromId
    ? { resourceGroup: fromId.resourceGroup, name: fromId.name }
    : config.target.apim && config.target.resourceGroup
      ? { resourceGroup: config.target.resourceGroup, name: config.target.apim }
      : undefined;
  let vault = vaultOption(config.target);
  if (!apim || !vault) {
    const seen = await find();
    const same = (a: string, b?: string) => !b || a.toLowerCase() === b.toLowerCase();
    const list = (items: Candidate[]) =>
      items
        .slice(0, 8)
        .map((c) => `${c.name} (${c.resourceGroup})`)
        .join(', ') + (items.length > 8 ? `, … ${items.length - 8} more` : '');
    if (!apim) {
      const instances = seen.instances.filter(
        (i) => same(i.name, config.target.apim) && same(i.resourceGroup, config.target.resourceGroup),
      );
      if (instances.length !== 1) {
        throw new ConnectError(
          instances.length === 0
            ? `No API Management instance${config.target.apim ? ` named "${config.target.apim}"` : ''} is visible in subscription ${subscriptionId}. Check --subscription, or pass --service-id.`
            : `Say which API Management instance: pass -g <resource group> --service <name> (visible: ${list(instances)}).`,
        );
      }
      apim = { resourceGroup: instances[0]!.resourceGroup, name: instances[0]!.name };
    }
    if (!vault) {
      if (seen.vaults.length !== 1) {
        throw new ConnectError(
          seen.vaults.length === 0
            ? `No key vault is visible in subscription ${subscriptionId}: pass --vault <name>.`
            : `Say which key vault: pass --vault <name> (visible: ${list(seen.vaults)}).`,
        );
      }
      vault = { name: seen.vaults[0]!.name, resourceGroup: seen.vaults[0]!.resourceGroup };
    }
  }
  return { subscriptionId: fromId?.subscriptionId ?? subscriptionId, apim, vault };
}

/** The embedded sandbox signs nobody in: say how to practise a device code sign-in instead. */
function refuseSandboxDeviceCode(config: RunConfig): void {
  if (config.sandbox && config.signIn.deviceCode) {
    throw new ConnectError(
      '--device-code signs in to Azure; the embedded sandbox needs no sign-in. To practise it, run "apimkv sandbox serve" and point apimkv at it with --arm-endpoint, --ca-cert and --device-code.',
    );
  }
}

/** The run's journal, opened first: an unsafe state directory or a malformed journal stops the run before anything starts. */
function openJournal(config: RunConfig): Journal {
  if (config.sandbox) return new Journal(config.explicitStateDir ? join(config.explicitStateDir, 'sandbox-journal.json') : undefined);
  return new Journal(join(config.stateDir, 'journal.json'));
}

export async function connect(
  config: RunConfig,
  mode: { interactive: boolean; signIn?: SignInHooks; signal?: AbortSignal },
): Promise<Connection> {
  refuseSandboxDeviceCode(config);
  const journal = openJournal(config);
  const [{ createClients }, { createAzureGateway }] = await Promise.all([import('../azure/clients.ts'), import('../azure/gateway.ts')]);
  if (config.sandbox) {
    const [{ startSandbox }, { connectToSandbox }] = await Promise.all([
      import('../sandbox/index.ts'),
      import('../azure/sandbox-connection.ts'),
    ]);
    const sandbox = await startSandbox({ world: config.world ?? 'everything-broken' });
    const world = sandbox.world() as unknown as WorldLike;
    const subscriptionId = config.target.subscription ?? world.subscriptions[0]?.subscriptionId;
    let target: Target;
    try {
      if (!subscriptionId) throw new ConnectError('The sandbox world has no subscription.');
      target = sandboxTarget(world, config, subscriptionId);
    } catch (e) {
      // A running server would keep the process alive after the error is shown.
      await sandbox.close();
      throw e;
    }
    const link = connectToSandbox(sandbox, subscriptionId);
    const clients = createClients({
      ...link,
      subscriptionId,
      ...(target.vault.subscriptionId ? { vaultSubscriptionId: target.vault.subscriptionId } : {}),
    });
    const azureGateway = createAzureGateway({ clients, profile: link.profile, context: { subscriptionId, sandbox: true } });
    const gateway = config.readOnly ? readOnlyGateway(azureGateway) : azureGateway;
    const { subscriptionName } = await import('../azure/discover.ts');
    const name = await subscriptionName(clients, subscriptionId, mode.signal);
    const engine = createEngine({
      gateway,
      target,
      journal,
      context: {
        cloud: 'Sandbox',
        subscriptionId,
        ...(name ? { subscriptionName: name } : {}),
        apimName: target.apim.name,
        vaultName: target.vault.name,
        sandbox: true,
        readOnly: config.readOnly,
      },
      transcriptPath: transcriptPath(config),
    });
    return { engine, close: () => sandbox.close() };
  }

  const { discover, subscriptionName } = await import('../azure/discover.ts');
  const signedIn = await signIn(config, true, mode.signIn, mode.signal);
  const { profile, subscriptionId, close } = signedIn;
  // The header's name, read while the target is resolved (not after it).
  const nameP = subscriptionName(signedIn.clients, subscriptionId, mode.signal);
  const target = await resolveTarget(config, subscriptionId, () => discover(signedIn.clients, [subscriptionId]));
  const clients = target.vault.subscriptionId
    ? createClients({
        profile,
        credential: signedIn.credential,
        subscriptionId,
        vaultSubscriptionId: target.vault.subscriptionId,
        ...(signedIn.agent ? { agent: signedIn.agent } : {}),
      })
    : signedIn.clients;
  const azureGateway = createAzureGateway({ clients, profile, context: { subscriptionId, sandbox: profile.sandbox } });
  const gateway = config.readOnly ? readOnlyGateway(azureGateway) : azureGateway;
  const name = await nameP;
  const engine = createEngine({
    gateway,
    target,
    journal,
    context: {
      cloud: profile.label ?? profile.name,
      subscriptionId,
      ...(name ? { subscriptionName: name } : {}),
      apimName: target.apim.name,
      vaultName: target.vault.name,
      sandbox: profile.sandbox,
      readOnly: config.readOnly,
    },
    transcriptPath: transcriptPath(config),
  });
  return { engine, close };
}

/** A proxy carries the SDK's connections (its proxy policy reads these), so a direct handshake would test the wrong path. */
function behindProxy(): boolean {
  return ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'].some((v) => !!process.env[v]);
}

/** Real Azure or any ARM endpoint: cloud profile, credential, trust, and clients for one subscription. */
async function signIn(config: RunConfig, requireSubscription = true, hooks: SignInHooks = STDERR_SIGN_IN, signal?: AbortSignal) {
  const [
    { createClients },
    { cloudFromAzCliName, customCloud, sandboxCloud },
    { createCredential },
    { azAccount },
    { trustingAgent },
    { requireTrustedCertificate },
  ] = await Promise.all([
    import('../azure/clients.ts'),
    import('../azure/cloud.ts'),
    import('../azure/credential.ts'),
    import('../azure/az-cli.ts'),
    import('../azure/discover.ts'),
    import('../azure/tls-refusal.ts'),
  ]);
  const fromId = config.target.serviceId ? parseServiceId(config.target.serviceId) : undefined;
  const knownSubscription = config.target.subscription || fromId?.subscriptionId || process.env.AZURE_SUBSCRIPTION_ID || undefined;
  // Only ask az when something is missing: it costs a process start (~0.5 s).
  const account =
    (config.signIn.cloud || config.signIn.armEndpoint) && (knownSubscription || !requireSubscription) ? undefined : await azAccount();
  // A loopback ARM endpoint is a local emulator, whose vaults live under .vault.localhost.
  const loopback = config.signIn.armEndpoint
    ? /^https:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/i.test(config.signIn.armEndpoint)
    : false;
  const profile = config.signIn.armEndpoint
    ? loopback
      ? sandboxCloud(config.signIn.armEndpoint)
      : customCloud(config.signIn.armEndpoint)
    : cloudFromAzCliName(config.signIn.cloud ?? account?.cloudName ?? 'AzureCloud');
  const agent = config.signIn.caCert ? trustingAgent(config.signIn.caCert) : undefined;
  const credential = createCredential({
    kind: config.signIn.deviceCode ? 'device-code' : 'chain',
    tenantId: config.signIn.tenant ?? account?.tenantId,
    ...(account?.ownTenantOnly ? { azOwnTenantOnly: account.ownTenantOnly } : {}),
    profile,
    onDeviceCode: hooks.onDeviceCode,
    ...(hooks.onSignInDone ? { onSignInDone: hooks.onSignInDone } : {}),
    ...(agent ? { agent } : {}),
    ...(signal ? { signal } : {}),
  });
  const subscriptionId = knownSubscription ?? account?.subscriptionId;
  if (!subscriptionId && requireSubscription)
    throw new ConnectError('No subscription: pass --subscription, set AZURE_SUBSCRIPTION_ID, or run "az account set --subscription <id>".');
  // Sign in first: a failure is then the connection's one clear message (not every check "unknown"),
  // and a device code is asked for before any client reads. The clients reuse this token. Meanwhile the ARM
  // endpoint's certificate is checked with the clients' trust: a refused one ends the run naming it, ahead of
  // the sign-in's own failure (MSAL reports a refused authority only as endpoints_resolution_error).
  const token = credential.getToken(profile.armScope);
  token.catch(() => undefined);
  if (!behindProxy()) await requireTrustedCertificate(profile.armEndpoint, agent?.options.ca);
  await token;
  // The fleet audit spans subscriptions: its clients only need one to be constructed.
  const clients = createClients({
    profile,
    credential,
    subscriptionId: subscriptionId ?? '00000000-0000-0000-0000-000000000000',
    ...(agent ? { agent } : {}),
  });
  return { clients, profile, credential, agent, subscriptionId: subscriptionId ?? '', close: async () => agent?.destroy() };
}

/** The fleet in the embedded sandbox: its first subscription, the sandbox's trust and token. */
async function openSandboxFleet(world: string, createClients: typeof import('../azure/clients.ts').createClients) {
  const [{ startSandbox }, { connectToSandbox }] = await Promise.all([
    import('../sandbox/index.ts'),
    import('../azure/sandbox-connection.ts'),
  ]);
  const sandbox = await startSandbox({ world });
  const subscriptionId = sandbox.world().subscriptions[0]!.subscriptionId;
  const { subscriptionId: _s, ...link } = connectToSandbox(sandbox, subscriptionId);
  return { link, clients: createClients({ ...link, subscriptionId }), cloud: 'Sandbox', close: () => sandbox.close() };
}

/** The fleet in Azure (or an ARM endpoint): signed in once, no subscription required. */
async function openAzureFleet(config: RunConfig, session: { signIn?: SignInHooks; signal?: AbortSignal }) {
  const signedIn = await signIn(config, false, session.signIn, session.signal);
  return {
    link: { profile: signedIn.profile, credential: signedIn.credential, ...(signedIn.agent ? { agent: signedIn.agent } : {}) },
    clients: signedIn.clients,
    cloud: signedIn.profile.label ?? signedIn.profile.name,
    close: signedIn.close,
  };
}

export async function connectFleet(
  config: RunConfig,
  defaultWorld = 'fleet',
  session: { signIn?: SignInHooks; signal?: AbortSignal } = {},
): Promise<FleetSession> {
  refuseSandboxDeviceCode(config);
  const journal = openJournal(config);
  const [{ createClients }, { createAzureGateway }] = await Promise.all([import('../azure/clients.ts'), import('../azure/gateway.ts')]);
  const { link, clients, cloud, close } = config.sandbox
    ? await openSandboxFleet(config.world ?? defaultWorld, createClients)
    : await openAzureFleet(config, session);
  // Names the picker listed, for the header of the runbook it opens.
  const names = new Map<string, string>();
  const engineFor = (target: Target): RunbookEngine => {
    const name = names.get(target.subscriptionId.toLowerCase());
    const forTarget = createClients({
      ...link,
      subscriptionId: target.subscriptionId,
      ...(target.vault.subscriptionId ? { vaultSubscriptionId: target.vault.subscriptionId } : {}),
    });
    const azureGateway = createAzureGateway({
      clients: forTarget,
      profile: link.profile,
      context: { subscriptionId: target.subscriptionId, sandbox: link.profile.sandbox },
    });
    return createEngine({
      gateway: config.readOnly ? readOnlyGateway(azureGateway) : azureGateway,
      target,
      journal,
      context: {
        cloud,
        subscriptionId: target.subscriptionId,
        ...(name ? { subscriptionName: name } : {}),
        apimName: target.apim.name,
        vaultName: target.vault.name,
        sandbox: link.profile.sandbox,
        readOnly: config.readOnly,
      },
      transcriptPath: transcriptPath(config),
    });
  };
  const [{ listInstances, listSubscriptions, listVaults }, { operatorClaims }, { fleetReader }] = await Promise.all([
    import('../azure/discover.ts'),
    import('../azure/gather.ts'),
    import('../azure/fleet.ts'),
  ]);
  const fleet = fleetReader(clients);
  // The sandbox remembers only inside an explicit --state-dir: the demo must not touch the operator's state.
  const memory = new TargetMemory(
    link.profile.sandbox
      ? config.explicitStateDir
        ? join(config.explicitStateDir, 'targets.json')
        : undefined
      : join(config.stateDir, 'targets.json'),
  );
  let tenant: Promise<string> | undefined;
  const tenantId = () => (tenant ??= operatorClaims(clients).then((c) => c.tid ?? 'unknown-tenant'));
  const targets: TargetSource = {
    subscriptions: async (signal) =>
      (await listSubscriptions(clients, signal)).map((s) => {
        if (s.name) names.set(s.subscriptionId.toLowerCase(), s.name);
        return { subscriptionId: s.subscriptionId, name: s.name };
      }),
    instances: (subscriptionId, signal) => listInstances(clients, subscriptionId, signal),
    vaults: (signal) => listVaults(clients, signal),
    remembered: async () => memory.read(await tenantId()),
    remember: async (choice) => memory.write(await tenantId(), choice),
  };
  return {
    cloud,
    sandbox: link.profile.sandbox,
    engineFor,
    targets,
    audit: (request, onProgress, signal) => readAudit(fleet, cloud, request, onProgress, signal),
    close,
  };
}
