// `apimkv audit`: read the fleet, find what is broken or at risk, print it (text, JSON or CSV) and exit
// with the worst finding. The full-screen table (audit-tui.tsx) reads through the same FleetSession.audit.
import type { AuditCliOptions } from '../cli-args.ts';
import type { RunConfig } from './run-config.ts';
import { connectFleet } from './connect.ts';
import { auditExitCode } from '../checks/audit/findings.ts';
import { auditCsv, auditJson, auditText } from '../checks/audit/report.ts';

/** The plain-text, JSON or CSV audit. Progress goes to stderr only when stderr is a terminal. */
export async function runAudit(audit: AuditCliOptions, config: RunConfig): Promise<number> {
  const connection = await connectFleet(config);
  const tty = process.stderr.isTTY === true;
  try {
    const result = await connection.audit(audit, (p) => {
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
