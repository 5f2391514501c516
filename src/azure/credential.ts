// How apimkv signs in. The Azure CLI credential is the default (it follows `az cloud set` and the
// operator's existing login); a failure becomes one message naming what was tried and the command that fixes it.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import {
  ChainedTokenCredential,
  DefaultAzureCredential,
  DeviceCodeCredential,
  EnvironmentCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
} from '@azure/identity';
import type { Agent } from 'node:https';
import { azCliCredential, OtherTenantError, type OwnTenantAccount } from './az-cli-credential.ts';
import { ApimkvError } from '../error-model.ts';
import type { CloudProfile } from './cloud.ts';
import { unloggable } from './unloggable-agent.ts';

/** Which sign-in to use. */
/** 'chain': the Azure CLI first, then DefaultAzureCredential (environment, workload identity, managed identity). */
export type CredentialKind = 'chain' | 'cli' | 'default' | 'device-code' | 'static';

/** Options for createCredential; `profile` is needed by every kind except 'static'. */
export interface CredentialOptions {
  kind: CredentialKind;
  profile?: CloudProfile;
  tenantId?: string;
  /** device-code: shows "To sign in, open … and enter the code …" (TUI or stderr). */
  onDeviceCode?: (message: string) => void;
  /** device-code: the sign-in ended (code entered, declined or expired), so the message can go. */
  onSignInDone?: () => void;
  /** Trust for the authority's TLS (--ca-cert: a local emulator or a TLS-inspecting proxy). */
  agent?: Agent;
  /** Ends the credential with its connection: a device code sign-in still waiting stops polling. */
  signal?: AbortSignal;
  /** device-code: the app registration to sign in with (default: the SDK's developer client). */
  clientId?: string;
  /** static: the bearer token, or a function returning it (the sandbox passes `sandbox.token`). */
  token?: string | (() => string);
  /** cli: how long `az account get-access-token` may take. */
  processTimeoutInMs?: number;
  /** cli/chain: az is signed in with an account that refuses --tenant (from `az account show`). */
  azOwnTenantOnly?: OwnTenantAccount;
}

/** Sign-in failed; the message says what was tried and what to run. Carries no token. */
export class SignInError extends ApimkvError {
  override readonly name = 'SignInError';
  readonly code = 'SignInFailed';
  readonly tried: string;
  declare readonly hint: string;

  constructor(tried: string, reason: string, hint: string) {
    super('sign-in', `Sign-in failed (${tried}): ${reason}`, { hint });
    this.tried = tried;
  }
}

/** A credential that always returns the given token (the sandbox; tests). */
export function staticCredential(token: string | (() => string), lifetimeMs = 3_600_000): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      return { token: typeof token === 'function' ? token() : token, expiresOnTimestamp: Date.now() + lifetimeMs };
    },
  };
}

function firstLine(e: unknown): string {
  // A chain fails as a whole; the first link (the Azure CLI) says what the operator can act on.
  const inner = (e as { errors?: unknown[] } | undefined)?.errors?.[0];
  if (inner) return firstLine(inner);
  const raw = e instanceof Error ? e.message : String(e);
  // Identity errors can be long (whole CLI stderr, troubleshooting links); the first line says enough.
  const line = raw.split(/\r?\n/).find((l) => l.trim()) ?? 'unknown error';
  // Defensive: nothing that looks like a JWT may reach a message.
  return line.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[token]').trim();
}

function describeAttempt(opts: CredentialOptions, profile: CloudProfile): { tried: string; hint: string } {
  const tenant = opts.tenantId ? ` --tenant ${opts.tenantId}` : '';
  const login = `az login${tenant}`;
  // What was really run: these accounts are asked without --tenant.
  const asked = opts.azOwnTenantOnly ? '' : tenant;
  switch (opts.kind) {
    case 'cli':
      return {
        tried: `Azure CLI: az account get-access-token --resource ${profile.armEndpoint}${asked}`,
        hint: `Run "${login}" (and "az cloud set --name ${profile.name === 'Custom' ? '<cloud>' : profile.name}" if az is on another cloud), or use --device-code.`,
      };
    case 'chain':
      return {
        tried: `Azure CLI (az account get-access-token --resource ${profile.armEndpoint}${asked}), then environment variables, workload identity and managed identity`,
        hint: `Run "${login}" (and "az cloud set --name ${profile.name === 'Custom' ? '<cloud>' : profile.name}" if az is on another cloud); over SSH without a browser, "az login --use-device-code" or apimkv --device-code; in automation set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET (or use a managed identity).`,
      };
    case 'default':
      return {
        tried: 'DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, Azure PowerShell, azd)',
        hint: `Set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or run "${login}".`,
      };
    case 'device-code':
      return {
        tried: `device code sign-in at ${profile.authorityHost}${opts.tenantId ? ` for tenant ${opts.tenantId}` : ''}`,
        hint: `Run apimkv again and finish the device code sign-in, or run "${login}" and drop --device-code.`,
      };
    case 'static':
      return { tried: 'a fixed token', hint: 'The sandbox token was refused; restart the sandbox.' };
  }
}

/** A token this close to expiry is fetched again. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Wrap a credential so any failure becomes a SignInError naming the attempt and the fix, and so that
 * every client shares one token per scope: each client's pipeline would otherwise ask on its own (one
 * `az` process each, or one device code each while the first sign-in is still pending).
 */
function explained(inner: TokenCredential, opts: CredentialOptions, profile: CloudProfile): TokenCredential {
  const { tried, hint } = describeAttempt(opts, profile);
  const fetch = async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> => {
    try {
      const token = await inner.getToken(scopes, options);
      if (!token) throw new Error('no token was returned');
      return token;
    } catch (e) {
      if (options?.abortSignal?.aborted) throw e;
      // Its own fix: another az login, not the generic one.
      if (e instanceof OtherTenantError) throw new SignInError(tried, e.message, e.hint);
      throw new SignInError(tried, firstLine(e), hint);
    }
  };
  const shared = new Map<string, { token: Promise<AccessToken>; expiresAt: number }>();
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      // A claims challenge (CAE) needs a fresh token, never a shared one.
      if (options?.claims) return fetch(scopes, options);
      const key = `${[scopes].flat().join(' ')}|${options?.tenantId ?? ''}`;
      const hit = shared.get(key);
      if (hit && hit.expiresAt - Date.now() > REFRESH_MARGIN_MS) return hit.token;
      // Shared by callers with different abort signals: no single caller may cancel it, only the connection.
      const { abortSignal: _abort, ...rest } = options ?? {};
      const token = fetch(scopes, opts.signal ? { ...rest, abortSignal: opts.signal } : rest);
      const entry = { token, expiresAt: Number.POSITIVE_INFINITY };
      shared.set(key, entry);
      token.then(
        (t) => (entry.expiresAt = t.expiresOnTimestamp),
        () => shared.get(key) === entry && shared.delete(key),
      );
      return token;
    },
  };
}

function azCli(opts: CredentialOptions): TokenCredential {
  return azCliCredential({
    tenantId: opts.tenantId,
    processTimeoutInMs: opts.processTimeoutInMs ?? 30_000,
    ...(opts.azOwnTenantOnly ? { ownTenantOnly: opts.azOwnTenantOnly } : {}),
  });
}

/** The credential for a run. */
export function createCredential(opts: CredentialOptions): TokenCredential {
  if (opts.kind === 'static') {
    if (opts.token === undefined) throw new Error('A static credential needs a token.');
    return staticCredential(opts.token);
  }
  const profile = opts.profile;
  if (!profile) throw new Error(`The ${opts.kind} credential needs a cloud profile.`);
  switch (opts.kind) {
    case 'cli':
      return explained(azCli(opts), opts, profile);
    case 'chain':
      // The operator's own az login wins over an ambient identity (a jump box's managed identity).
      return explained(
        new ChainedTokenCredential(
          azCli(opts),
          new EnvironmentCredential({ authorityHost: profile.authorityHost }),
          // Its constructor refuses to exist without the federated token file (AKS, GitHub OIDC).
          ...(process.env.AZURE_FEDERATED_TOKEN_FILE
            ? [new WorkloadIdentityCredential({ tenantId: opts.tenantId, authorityHost: profile.authorityHost })]
            : []),
          new ManagedIdentityCredential(process.env.AZURE_CLIENT_ID ? { clientId: process.env.AZURE_CLIENT_ID } : {}),
        ),
        opts,
        profile,
      );
    case 'default':
      return explained(new DefaultAzureCredential({ tenantId: opts.tenantId, authorityHost: profile.authorityHost }), opts, profile);
    case 'device-code': {
      const onDeviceCode = opts.onDeviceCode ?? ((message: string) => process.stderr.write(`${message}\n`));
      const inner = new DeviceCodeCredential({
        tenantId: opts.tenantId,
        clientId: opts.clientId,
        authorityHost: profile.authorityHost,
        // Instance discovery only knows Microsoft's clouds; a custom ARM endpoint brings its own authority.
        disableInstanceDiscovery: profile.name === 'Custom',
        ...(opts.agent ? { agent: unloggable(opts.agent) } : {}),
        userPromptCallback: (info) => onDeviceCode(info.message),
      });
      return explained(
        {
          async getToken(scopes, options) {
            try {
              // identity keeps one token cache per CAE setting: a caller asking without CAE (ARM and Key Vault
              // ask with it) would start a second sign-in. (One sign-in for parallel callers comes from the
              // shared tokens in explained() and the sign-in connect() does before any read.)
              return await inner.getToken(scopes, { ...options, enableCae: true });
            } finally {
              opts.onSignInDone?.();
            }
          },
        },
        opts,
        profile,
      );
    }
  }
}

/** The claims apimkv reads from an access token (who is signed in). Never the token itself. */
export interface TokenClaims {
  oid?: string;
  tid?: string;
  /** The account's user name as Microsoft says to show it: preferred_username, unique_name, then upn. */
  upn?: string;
  /** The `name` claim: a person's name, for display only. */
  name?: string;
  /** The client application (appid in v1.0 tokens, azp in v2.0). For a user that is the tool signed in with. */
  appid?: string;
  /** An app-only token: the caller is a service principal or managed identity, not a person. */
  app?: boolean;
  /** The app's display name, when an app-only token carries app_displayname. */
  appDisplayName?: string;
}

/**
 * Read the claims from a JWT's payload without verifying it (the token came from our own credential).
 * Claim meanings: https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference and
 * optional-claims-reference (idtyp "app" marks app-only tokens; scp is in user tokens only; users signing in
 * with an alternate login ID should be shown preferred_username or unique_name rather than their UPN).
 */
export function decodeTokenClaims(token: string): TokenClaims {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    // Guests and MSA accounts carry unique_name/preferred_username instead of upn.
    const upn = str(json.preferred_username) ?? str(json.unique_name) ?? str(json.upn);
    const app = json.idtyp === 'app' || (!upn && json.scp === undefined && json.idtyp === undefined && !!str(json.oid));
    return {
      oid: str(json.oid),
      tid: str(json.tid),
      upn,
      name: str(json.name),
      appid: str(json.appid) ?? str(json.azp),
      ...(app ? { app: true, appDisplayName: str(json.app_displayname) } : {}),
    };
  } catch {
    return {};
  }
}
