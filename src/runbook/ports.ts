// The seam between the engine and Azure. src/azure implements Gateway with the real SDK clients;
// the engine, the checks and the screens only ever see these plain types.
import type { DataPlaneProbe, Fact, Facts, VaultCertificateFacts } from '../checks/facts.ts';
import type { Operation } from '../checks/types.ts';

/** Which APIM instance and key vault the run is about. */
export interface Target {
  subscriptionId: string;
  apim: { resourceGroup: string; name: string };
  /** The vault's resource group may be unknown: the gateway then finds the vault by name. Its subscription
   * defaults to the instance's (a central certificate vault often lives elsewhere). */
  vault: { name: string; resourceGroup?: string; subscriptionId?: string };
}

/** Something the gateway saw on the wire, for progress lines, the transcript and the request log. */
export type GatewayEvent =
  | { type: 'request'; method: string; url: string; status?: number; ms: number; requestId?: string }
  | { type: 'throttled'; method: string; url: string; status: number; retryInMs: number }
  | { type: 'retry'; method: string; url: string; status?: number; attempt: number; reason: string }
  | { type: 'lro'; url: string; status: string };

export interface CallOptions {
  signal?: AbortSignal;
  onEvent?: (event: GatewayEvent) => void;
  /** gather: secret identifiers to read metadata for besides the references' own (the step-5 intent's). */
  secretIds?: string[];
}

/** What one applied operation did. */
export interface OperationResult {
  /** 'applied': we wrote; 'already': nothing to do (idempotent re-run); 'failed': see error. */
  outcome: 'applied' | 'already' | 'failed';
  message: string;
  /** The resource (relevant part) right before the write, and after verification, for the journal. */
  before?: unknown;
  after?: unknown;
  /** Verification after write: every entry that existed before is still there. */
  verified: boolean;
  /** Entries that existed before and were missing after the write (must be empty). */
  lost: string[];
  error?: AzureErrorInfo;
}

/** A typed, secret-free description of a failed call. */
export interface AzureErrorInfo {
  kind: 'NotFound' | 'Forbidden' | 'Throttled' | 'Conflict' | 'PreconditionFailed' | 'Transient' | 'Network' | 'BadRequest' | 'Aborted' | 'Unknown';
  status?: number;
  code?: string;
  message: string;
  /** What to do next, in plain words (the role, the flag, the step). */
  hint?: string;
  missingAction?: string;
  retryAfterMs?: number;
}

export interface Gateway {
  /** Read everything the checks need, concurrently along real dependencies, each resource once. */
  gather(target: Target, options?: CallOptions): Promise<Omit<Facts, 'temporaryChanges' | 'intent'>>;
  /** Execute one write, read-modify-write where the resource is shared, then verify. */
  apply(operation: Operation, options?: CallOptions): Promise<OperationResult>;
  /** The vault's certificates, for the picker (data plane, as the operator). */
  listVaultCertificates(vaultUri: string, options?: CallOptions): Promise<Fact<VaultCertificateFacts[]>>;
  /** Probe the data plane as the operator (used again after a firewall fix). */
  probeDataPlane(vaultUri: string, options?: CallOptions): Promise<Fact<DataPlaneProbe>>;
  /** Read one APIM certificate (to verify keyVault.lastStatus after a write). */
  getApimCertificate(apimId: string, certificateId: string, options?: CallOptions): Promise<Fact<import('../checks/facts.ts').ApimCertificateFacts>>;
}
