// `apimkv audit`: read the fleet, find what is broken or at risk, print it (text, JSON or CSV) and exit
// with the worst finding. The full-screen table lives in src/screens; both share readAudit.
import type { AuditCliOptions, CommonOptions } from '../cli-args.ts';
import { connectFleet, type FleetConnection } from './connect.ts';
import type { GatewayEvent } from '../checks/ports.ts';
import { auditExitCode, auditFleet } from '../checks/audit/findings.ts';
import { auditCsv, auditJson, auditText, type AuditScopeText } from '../checks/audit/report.ts';
import type { AuditFinding, AuditProgress, AuditResult, FleetFacts } from '../checks/audit/types.ts';

export type { AuditProgress, AuditResult } from '../checks/audit/types.ts';

/** Read the fleet through `connection` and audit it. */
export async function readAudit(
  connection: FleetConnection,
  audit: AuditCliOptions,
  onProgress?: (p: AuditProgress) => void,
  signal?: AbortSignal,
): Promise<AuditResult> {
  const { readFleet } = await import('../azure/fleet.ts');
  let last: AuditProgress = { done: 0, total: 0 };
  const facts = await readFleet(
    connection.clients,
    { subscriptions: audit.subscriptions, managementGroups: audit.managementGroups },
    {
      concurrency: audit.concurrency,
      namedValues: audit.namedValues,
      signal,
      onProgress: (done, total) => onProgress?.((last = { done, total })),
      onEvent: (e: GatewayEvent) => {
        if (e.type === 'throttled') onProgress?.({ ...last, throttledMs: e.retryInMs });
      },
    },
  );
  const findings = auditFleet(facts, { days: audit.days });
  return {
    facts,
    findings,
    scope: { cloud: connection.cloud, subscriptions: audit.subscriptions, managementGroups: audit.managementGroups, days: audit.days },
  };
}

/** The plain-text, JSON or CSV audit. Progress goes to stderr only when stderr is a terminal. */
export async function runAudit(audit: AuditCliOptions, options: CommonOptions): Promise<number> {
  const connection = await connectFleet(options);
  const tty = process.stderr.isTTY === true;
  try {
    const result = await readAudit(connection, audit, (p) => {
      if (!tty) return;
      const note = p.throttledMs ? ` · throttled, retrying in ${Math.ceil(p.throttledMs / 1000)}s` : '';
      process.stderr.write(`\r\x1b[Kreading the fleet: ${p.done}/${p.total} lists${note}`);
    });
    if (tty) process.stderr.write('\r\x1b[K');
    const { facts, findings, scope } = result;
    process.stdout.write(
      audit.format === 'json'
        ? auditJson(facts, findings, scope)
        : audit.format === 'csv'
          ? auditCsv(findings)
          : auditText(facts, findings, scope),
    );
    return auditExitCode(findings);
  } finally {
    await connection.close();
  }
}
