// One run's configuration, built once from the parsed flags (cli-args.ts's CommonOptions) and the
// environment: what every entry in src/app reads instead of the flag bag. Light on purpose (no SDK, no
// checks) so cli.ts can build it before the first frame.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CommonOptions } from '../cli-args.ts';

/** The target as the flags name it; any part may be missing (completed by discovery or the picker). */
export interface TargetFlags {
  readonly subscription?: string;
  readonly resourceGroup?: string;
  readonly apim?: string;
  /** A name (with vaultResourceGroup) or a resource id. */
  readonly vault?: string;
  readonly vaultResourceGroup?: string;
  /** Full ARM id of the API Management instance (alternative to subscription/resourceGroup/apim). */
  readonly serviceId?: string;
}

/** How to reach and sign in to Azure (or an ARM-compatible endpoint); unused in the embedded sandbox. */
export interface SignInConfig {
  readonly cloud?: string;
  readonly armEndpoint?: string;
  /** The CA file that signs armEndpoint's certificate. */
  readonly caCert?: string;
  readonly tenant?: string;
  readonly deviceCode: boolean;
}

export interface RunConfig {
  /** The embedded sandbox with `world` (a shipped world's name or a file), instead of Azure. */
  readonly sandbox: boolean;
  readonly world?: string;
  readonly target: TargetFlags;
  readonly signIn: SignInConfig;
  readonly readOnly: boolean;
  /** --transcript: where to write the transcript at the end of the run. */
  readonly transcript?: string;
  /** --state-dir as given: the sandbox keeps state only inside an explicit one. */
  readonly explicitStateDir?: string;
  /** Where journal, remembered targets and transcripts live: --state-dir, APIMKV_STATE_DIR, $XDG_STATE_HOME/apimkv, ~/.local/state/apimkv. */
  readonly stateDir: string;
  readonly output: { readonly json: boolean; readonly yes: boolean };
}

function stateDirOf(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  if (explicit) return explicit;
  if (env.APIMKV_STATE_DIR) return env.APIMKV_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'apimkv');
}

/** The run configuration for these flags (the environment read once, here). */
export function runConfig(o: CommonOptions, env: NodeJS.ProcessEnv = process.env): RunConfig {
  const defined = <T extends object>(v: T): T => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as T;
  return {
    sandbox: o.sandbox,
    ...(o.world !== undefined ? { world: o.world } : {}),
    target: defined({
      subscription: o.subscription,
      resourceGroup: o.resourceGroup,
      apim: o.apim,
      vault: o.vault,
      vaultResourceGroup: o.vaultResourceGroup,
      serviceId: o.serviceId,
    }),
    signIn: defined({ cloud: o.cloud, armEndpoint: o.armEndpoint, caCert: o.caCert, tenant: o.tenant, deviceCode: o.deviceCode }),
    readOnly: o.readOnly,
    ...(o.transcript !== undefined ? { transcript: o.transcript } : {}),
    ...(o.stateDir !== undefined ? { explicitStateDir: o.stateDir } : {}),
    stateDir: stateDirOf(o.stateDir, env),
    output: { json: o.json, yes: o.yes },
  };
}
