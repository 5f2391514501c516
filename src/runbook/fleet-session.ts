// A session on the whole fleet (what the target picker and the audit run on): the cloud's name, what the
// picker offers, the audit read through the fleet port, and a runbook engine for one instance on the same
// sign-in. src/app builds it; screens receive it and never see how it was wired.
import { auditFleet } from '../checks/audit/findings.ts';
import type { AuditProgress, AuditResult } from '../checks/audit/types.ts';
import type { FleetReader, GatewayEvent, Target } from '../checks/ports.ts';
import type { RunbookEngine } from './engine-types.ts';
import type { TargetSource } from './targets.ts';

/** What an audit reads and how: its scope, the expiry window, and the read's bounds. */
export interface AuditRequest {
  /** Empty (and no management groups): every subscription the operator can see. */
  subscriptions: string[];
  managementGroups: string[];
  /** Expiry warning window in days. */
  days: number;
  concurrency: number;
  namedValues: boolean;
}

export interface FleetSession {
  readonly cloud: string;
  readonly sandbox: boolean;
  /** The runbook engine for one instance and vault of the fleet, on the same connection. */
  engineFor(target: Target): RunbookEngine;
  /** What the target picker offers, and the last choice in this tenant. */
  readonly targets: TargetSource;
  /** Read the fleet in scope and audit it. */
  audit(request: AuditRequest, onProgress?: (p: AuditProgress) => void, signal?: AbortSignal): Promise<AuditResult>;
  close(): Promise<void>;
}

/** Read the fleet through the port and audit it; a throttled read reports how long it waits. */
export async function readAudit(
  fleet: FleetReader,
  cloud: string,
  request: AuditRequest,
  onProgress?: (p: AuditProgress) => void,
  signal?: AbortSignal,
): Promise<AuditResult> {
  let last: AuditProgress = { done: 0, total: 0 };
  const facts = await fleet.read(
    { subscriptions: request.subscriptions, managementGroups: request.managementGroups },
    {
      concurrency: request.concurrency,
      namedValues: request.namedValues,
      ...(signal ? { signal } : {}),
      onProgress: (done, total) => onProgress?.((last = { done, total })),
      onEvent: (e: GatewayEvent) => {
        if (e.type === 'throttled') onProgress?.({ ...last, throttledMs: e.retryInMs });
      },
    },
  );
  const findings = auditFleet(facts, { days: request.days });
  return {
    facts,
    findings,
    scope: { cloud, subscriptions: request.subscriptions, managementGroups: request.managementGroups, days: request.days },
  };
}
