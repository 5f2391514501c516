// The data the engine, the gateway, the checks and the screens share: plain types on the ground floor, so
// every layer imports them downwards.

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
  kind:
    | 'NotFound'
    | 'Forbidden'
    | 'Throttled'
    | 'Conflict'
    | 'PreconditionFailed'
    | 'Transient'
    | 'Network'
    | 'BadRequest'
    | 'Aborted'
    | 'Unknown';
  status?: number;
  code?: string;
  message: string;
  /** What to do next, in plain words (the role, the flag, the step). */
  hint?: string;
  missingAction?: string;
  retryAfterMs?: number;
}
