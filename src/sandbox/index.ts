// The sandbox: a local HTTPS emulator of Azure Resource Manager and the Key Vault data plane that the real
// Azure SDK clients talk to (demo, onboarding and tests). Binds 127.0.0.1 only; trusts nothing but its
// own certificate, which it hands to clients through `agent`.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import https from 'node:https';
import type { ServerResponse } from 'node:http';
import { CLOUD_HOSTNAMES, vaultOfHost } from './clouds.ts';
import { Faults } from './faults.ts';
import { LroRegistry } from './lro.ts';
import { KeyVaultRefresh } from './key-vault-refresh.ts';
import { authStage, identityStage, tokenIssuer } from './pipeline/auth.ts';
import { cloudRewriteStage } from './pipeline/cloud.ts';
import { controlStage } from './pipeline/control.ts';
import { armErrorStage, dispatchStage, throttleStage } from './pipeline/dispatch.ts';
import { pipeline, type Site } from './pipeline/exchange.ts';
import { faultStage } from './pipeline/faults.ts';
import { latencyStage } from './pipeline/latency.ts';
import { RequestLog } from './pipeline/log.ts';
import { listen } from './pipeline/server.ts';
import { ArmThrottle } from './throttle.ts';
import { Entra } from './providers/entra.ts';
import { seededRandom } from './random.ts';
import { SandboxState } from './state.ts';
import { generateCertificate } from './tls.ts';
import type { FaultRule, LoggedRequest, World } from './types.ts';
import { loadWorld, validateFaultShape, validateWorld } from './world.ts';

export type {
  ArmResource,
  DeletedVault,
  FaultRule,
  Latency,
  LoggedRequest,
  Operator,
  VaultData,
  VaultObject,
  VaultObjectVersion,
  World,
} from './types.ts';
export { loadWorld, validateWorld, WorldError } from './world.ts';
export { WORLD_NAMES } from './worlds/index.ts';

/** How to start the sandbox. */
export interface SandboxOptions {
  /** A World object, a path to a .json world file, or the name of a shipped world ('everything-broken' by default). */
  world?: World | string;
  /** 0 (default) = any free port; always binds 127.0.0.1 only. */
  port?: number;
  /** How long a long-running operation takes on the sandbox's clock (default: the world's `lro.durationMs`, else 0). */
  lroMs?: number;
  /** ARM's read/write token buckets (default: the world's `armThrottling.enabled`, else off; `sandbox serve` turns them on). */
  armThrottling?: boolean;
  /** Injectable ms clock (default Date.now). */
  clock?: () => number;
  /** Also certify the clouds' own ARM and vault hostnames (for clients routed here under those names). */
  cloudHosts?: boolean;
}

/** A running sandbox. */
export interface Sandbox {
  /** 'https://127.0.0.1:<port>' (no trailing slash). */
  readonly endpoint: string;
  /** The self-signed certificate generated at start (the only trust anchor). */
  readonly caPem: string;
  /** Trusts caPem, keeps connections alive and resolves *.localhost to 127.0.0.1. */
  readonly agent: https.Agent;
  readonly tenantId: string;
  /** An unsigned JWT whose payload names the caller (default: the world's operator). */
  token(principalId?: string): string;
  /** A deep copy of the current state, loadable again as a world file. */
  world(): World;
  /** Every request and response so far (Authorization and secret-bearing bodies redacted). */
  requests(): LoggedRequest[];
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const LOCAL_VAULT_SUFFIX = '.vault.localhost';

/**
 * The sandbox's DNS for its clients: `*.localhost` is loopback (RFC 6761), except a vault host whose vault the world
 * does not have. A vault that does not exist (or was deleted) has no DNS name in Azure, so a client's connection
 * fails at name resolution with getaddrinfo ENOTFOUND, as Node reports it, and no request is sent. Everything else
 * goes through DNS.
 */
export function sandboxLookup(state: Pick<SandboxState, 'vaultByName'>) {
  return (hostname: string, options: unknown, callback: unknown): void => {
    const opts = (typeof options === 'function' ? {} : (options ?? {})) as { all?: boolean };
    const cb = (typeof options === 'function' ? options : callback) as (
      err: Error | null,
      address?: string | LookupAddress[],
      family?: number,
    ) => void;
    const host = hostname.toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost')) {
      const vault = host.endsWith(LOCAL_VAULT_SUFFIX) ? vaultOfHost(host) : undefined;
      if (vault && !state.vaultByName(vault)) {
        const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
          code: 'ENOTFOUND',
          errno: -3008,
          syscall: 'getaddrinfo',
          hostname,
        });
        process.nextTick(() => cb(err));
        return;
      }
      if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
      return;
    }
    (dnsLookup as (...args: unknown[]) => void)(hostname, opts, cb);
  };
}

/** The world to start from: a World object (validated copy), a world file or a shipped world's name. */
function initialWorld(world: SandboxOptions['world']): World {
  return typeof world === 'string' || world === undefined ? loadWorld(world ?? 'everything-broken') : validateWorld(structuredClone(world));
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const initial = initialWorld(options.world);
  const clock = options.clock ?? Date.now;
  const state = new SandboxState(initial, clock);
  const faults = new Faults();
  for (const f of initial.faults ?? []) faults.add(f);
  const latency = { current: initial.latency ?? { baseMs: 0, jitterMs: 0 } };
  const lros = new LroRegistry(clock, options.lroMs ?? initial.lro?.durationMs ?? 0);
  const refresh = new KeyVaultRefresh(state, clock, initial.keyVaultRefresh);
  // What happens on the clock: operations due finish first, then API Management's own re-fetches.
  const tick = () => {
    lros.sweep();
    refresh.sweep();
  };
  const throttle =
    (options.armThrottling ?? initial.armThrottling?.enabled ?? false) ? new ArmThrottle(clock, initial.armThrottling) : undefined;
  const log = new RequestLog();
  const hanging = new Set<ServerResponse>();
  // TLS validity is checked against the real time, not the injectable clock.
  const tls = await generateCertificate(new Date(), options.cloudHosts ? CLOUD_HOSTNAMES : []);
  const site: Site = { port: 0, endpoint: '' };
  const entra = new Entra(state, () => site.endpoint, clock);
  const token = tokenIssuer(state, site, clock);
  const snapshot = (): World => {
    tick();
    return { ...state.snapshot(), faults: faults.rules(), latency: { ...latency.current } };
  };

  const handle = pipeline([
    controlStage({ world: snapshot, log: () => log.copy(), pendingSignins: () => entra.pendingCodes(), faults, latency }),
    identityStage({ entra, brief: (x, status) => log.brief(x, state, status), state, token, clock }),
    latencyStage(latency, seededRandom((initial.seed ?? 42) + 1)),
    log.stage(state),
    cloudRewriteStage,
    faultStage(faults, lros, hanging, tick),
    armErrorStage,
    authStage(state),
    throttleStage(throttle),
    dispatchStage(state, lros, site),
  ]);
  const server = await listen(tls, options.port ?? 0, handle);
  site.port = server.port;
  site.endpoint = `https://127.0.0.1:${server.port}`;
  const agent = new https.Agent({ ca: tls.cert, keepAlive: true, lookup: sandboxLookup(state) as never });

  return {
    endpoint: site.endpoint,
    caPem: tls.cert,
    agent,
    tenantId: state.world.tenantId,
    token,
    world: snapshot,
    requests: () => log.copy(),
    addFault(rule) {
      validateFaultShape(rule, 'rule');
      faults.add(rule);
    },
    clearFaults: () => faults.clear(),
    async close() {
      lros.close();
      refresh.close();
      for (const res of hanging) res.destroy();
      agent.destroy();
      await server.close();
    },
  };
}
