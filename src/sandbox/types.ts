// The sandbox's public data shapes: the world file, fault rules and the request log.

/** Any JSON object as ARM returns it (REST shape, not SDK model shape). */
export type Json = Record<string, any>;

/** One ARM resource exactly as GET returns it; `id` is its key (case-insensitive). */
export interface ArmResource extends Json {
  id: string;
  name: string;
  type: string;
}

/** One version of a Key Vault certificate or secret (metadata only: the sandbox holds no key material). */
export interface VaultObjectVersion {
  version: string;
  enabled?: boolean;
  created?: string;
  expires?: string;
  notBefore?: string;
  contentType?: string;
  exportable?: boolean;
  subject?: string;
  /** Hex SHA-1 thumbprint; derived from the name and version when absent. */
  thumbprint?: string;
}

/** A certificate or secret with its versions (the last created version is the current one). */
export interface VaultObject {
  versions: VaultObjectVersion[];
  contentType?: string;
  tags?: Record<string, string>;
}

/** Data-plane contents of one vault. A certificate implies the secret of the same name. */
export interface VaultData {
  certificates?: Record<string, VaultObject>;
  secrets?: Record<string, VaultObject>;
}

/** A soft-deleted vault, as `GET …/locations/{l}/deletedVaults/{name}` returns it, plus the vault to restore. */
export interface DeletedVault {
  id: string;
  name: string;
  type: string;
  properties: Json & { vaultId: string; location: string; deletionDate?: string; scheduledPurgeDate?: string };
  /** The vault as it was when deleted (restored by `createMode: recover`). */
  vault: ArmResource;
}

/** Who "you" are in the sandbox. */
export interface Operator {
  principalId: string;
  upn?: string;
  /** A person's name, the tokens' `name` claim. */
  name?: string;
  /** Set when "you" are a service principal: its tokens are app-only (idtyp app, appid, app_displayname, no upn). */
  servicePrincipal?: { appId: string; displayName: string };
  /** The address vaults see for the operator's data-plane calls (firewall checks). */
  publicIp?: string;
}

/** A fault injected into matching requests. */
export interface FaultRule {
  match: {
    method?: string;
    /** Regex tested against the normalised path (no query). */
    path: string;
    /** Regex tested against the Host header (e.g. "vault\\.localhost"). */
    host?: string;
    /** How many requests it hits before it disarms (default: unlimited). */
    times?: number;
  };
  respond: { status: number; headers?: Record<string, string>; body?: unknown } | { reset: true } | { hang: true };
  /** 'before' (default) answers instead of the operation; 'after' performs it, then answers with the fault. */
  when?: 'before' | 'after';
}

/** Latency added to every request: base plus seeded jitter in [0, jitterMs). */
export interface Latency {
  baseMs: number;
  jitterMs: number;
}

/** A whole sandbox world: loadable from JSON and what `world()` returns. */
export interface World {
  tenantId: string;
  subscriptions: { subscriptionId: string; displayName: string; state?: string }[];
  operator: Operator;
  resources: ArmResource[];
  vaultData?: Record<string, VaultData>;
  /** Principal ids that enabling an APIM instance's system identity assigns (by APIM resource id). */
  apimSystemIdentities?: Record<string, string>;
  /** Role assignments count for data-plane access only this long after their creation. */
  rbacPropagationMs?: number;
  deletedVaults?: DeletedVault[];
  faults?: FaultRule[];
  latency?: Latency;
  seed?: number;
  /** Page size of ARM collection GETs (default 100). */
  pageSize?: number;
  /** Management groups by name, with the subscriptions under them (Resource Graph `managementGroups` scope). */
  managementGroups?: Record<string, string[]>;
  /** Long-running operations finish this long after they start, polled or not. */
  lro?: { durationMs: number };
  /** ARM's per-subscription, per-principal read/write token buckets (on by default in `sandbox serve`). */
  armThrottling?: ThrottleSettings;
  /** How often API Management re-reads its Key Vault references by itself (4 hours each by default). */
  keyVaultRefresh?: KeyVaultRefreshSettings;
  /** Azure Policy deny assignments: matching writes are refused with RequestDisallowedByPolicy. */
  policyDenies?: PolicyDeny[];
  /** Operations of each deployment (keyed by the deployment's id), as `GET …/deployments/{name}/operations` lists them. */
  deploymentOperations?: Record<string, Json[]>;
  /** Resource Graph answers at most this many rows per query with resultTruncated (a query it cannot page). */
  graphTruncateAfter?: number;
}

/** An Azure Policy assignment with a deny effect: writes of `resourceType` (optionally with `field` = `equals`) under `scope`. */
export interface PolicyDeny {
  assignmentName: string;
  scope: string;
  resourceType: string;
  /** Dotted path in the request body (e.g. "properties.publicNetworkAccess"); absent = every write of the type. */
  field?: string;
  equals?: unknown;
  policyDefinitionName?: string;
}

/** One request and its response, as the log keeps them (no Authorization, no secret-bearing body). */
export interface LoggedRequest {
  seq: number;
  time: string;
  method: string;
  host: string;
  path: string;
  query: string;
  /** The request target exactly as sent (path and query, before any normalisation). */
  url?: string;
  /** Request headers, names lower-cased; Authorization and cookies redacted. */
  requestHeaders?: Record<string, string>;
  /** Response headers as sent. */
  responseHeaders?: Record<string, string>;
  status: number;
  ms: number;
  /** The caller's object id (from the token), when one was sent. */
  principalId?: string;
  /** The token's `aud` claim (never the token itself): shows which cloud's audience the client asked for. */
  audience?: string;
  requestBody?: unknown;
  responseBody?: unknown;
  /** Set when a fault rule answered: 'status', 'reset' or 'hang'. */
  fault?: string;
}

export interface BucketSettings {
  capacity: number;
  refillPerSecond: number;
}

/** A world's `keyVaultRefresh`: API Management's re-fetch intervals on the sandbox clock (0 turns one off). */
export interface KeyVaultRefreshSettings {
  /** Key Vault certificates and named values. */
  referencesMs?: number;
  /** Custom hostnames' Key Vault certificates. */
  hostnamesMs?: number;
}

/** A world's `armThrottling`: on or off, and the bucket sizes (ARM's by default). */
export interface ThrottleSettings {
  enabled?: boolean;
  reads?: BucketSettings;
  writes?: BucketSettings;
}
