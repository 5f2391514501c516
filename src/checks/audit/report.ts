// The audit's outputs: JSON (versioned, docs/audit.schema.json), CSV for spreadsheets, and a plain
// report for a terminal or a log. Pure functions of the facts and findings.
import { csvCell, terminalText } from '../escape.ts';
import { instanceSummaries } from './findings.ts';
import type { AuditFinding, AuditScopeText, AuditSeverity, FleetFacts } from './types.ts';

export type { AuditScopeText } from './types.ts';

export const AUDIT_SCHEMA_VERSION = 1;

export function severityCounts(findings: AuditFinding[]): Record<AuditSeverity, number> {
  const counts: Record<AuditSeverity, number> = { fail: 0, unknown: 0, warn: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

export function auditJson(facts: FleetFacts, findings: AuditFinding[], scope: AuditScopeText): string {
  const summaries = instanceSummaries(facts, findings);
  return `${JSON.stringify(
    {
      schemaVersion: AUDIT_SCHEMA_VERSION,
      kind: 'apimkv-audit',
      readAt: facts.readAt,
      scope: { cloud: scope.cloud, subscriptions: scope.subscriptions, managementGroups: scope.managementGroups, expiryDays: scope.days },
      summary: {
        instances: facts.instances.length,
        vaults: facts.vaults.length,
        references: facts.instances.reduce((n, i) => n + i.references.length, 0),
        instancesWithFindings: summaries.filter((s) => s.worst && s.worst !== 'info').length,
        ...severityCounts(findings),
        truncated: facts.truncated.length > 0,
      },
      stats: facts.stats,
      findings: findings.map((f) => ({
        severity: f.severity,
        kind: f.kind,
        instanceId: f.instanceId,
        instance: f.instance,
        subscriptionId: f.subscriptionId,
        resourceGroup: f.resourceGroup,
        reference: f.reference,
        vault: f.vault,
        message: f.message,
        ...(f.date ? { date: f.date } : {}),
        ...(f.docs ? { docs: f.docs } : {}),
      })),
    },
    null,
    2,
  )}\n`;
}

const CSV_COLUMNS = ['severity', 'kind', 'subscriptionId', 'resourceGroup', 'instance', 'reference', 'vault', 'date', 'message'] as const;

export function auditCsv(findings: AuditFinding[]): string {
  const rows = findings.map((f) => CSV_COLUMNS.map((c) => csvCell(String(f[c] ?? ''))).join(','));
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const LABEL: Record<AuditSeverity, string> = { fail: 'FAIL', unknown: 'UNKNOWN', warn: 'WARN', info: 'INFO' };

export function auditText(facts: FleetFacts, findings: AuditFinding[], scope: AuditScopeText): string {
  const counts = severityCounts(findings);
  const refs = facts.instances.reduce((n, i) => n + i.references.length, 0);
  const where = scope.subscriptions.length
    ? `${scope.subscriptions.length} subscription(s)`
    : scope.managementGroups.length
      ? `management group(s) ${scope.managementGroups.join(', ')}`
      : 'every visible subscription';
  const lines = [
    `apimkv audit — ${scope.cloud}, ${terminalText(where)}`,
    `${plural(facts.instances.length, 'API Management instance')}, ${plural(facts.vaults.length, 'key vault')}, ${plural(refs, 'Key Vault reference')} (expiry window ${scope.days} days)`,
    `${counts.fail} failing, ${counts.unknown} unknown, ${counts.warn} at risk`,
    '',
  ];
  let group = '';
  for (const f of findings) {
    const head = `${LABEL[f.severity]} ${f.kind}`;
    if (head !== group) {
      group = head;
      lines.push(`${head} (${findings.filter((x) => x.severity === f.severity && x.kind === f.kind).length})`);
    }
    const where = [f.instance && `${f.instance} (${f.resourceGroup})`, f.reference, f.vault && `vault ${f.vault}`]
      .filter(Boolean)
      .join(' · ');
    lines.push(`  ${terminalText(where)}`);
    lines.push(`    ${terminalText(f.message)}`);
  }
  if (findings.length === 0) lines.push('No findings: every Key Vault reference in scope is healthy.');
  return `${lines.join('\n')}\n`;
}
