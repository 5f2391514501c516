// The audit table's model: one row per instance with its worst finding, sorted and filtered. Pure, so the
// table is tested without a terminal and stays fast with thousands of instances.
import { SEVERITY_ORDER, splitIdentifier } from '../checks/audit/findings.ts';
import type { AuditFinding, AuditSeverity, FleetFacts, FleetInstance } from '../checks/audit/types.ts';
import type { Target } from '../checks/ports.ts';

export interface InstanceRow {
  value: string;
  label: string;
  instance: FleetInstance;
  references: number;
  findings: AuditFinding[];
  worst?: AuditSeverity;
  /** Lower-cased text the filter searches. */
  haystack: string;
}

export const SORTS = ['severity', 'name', 'resource group', 'findings', 'references'] as const;
export type SortKey = (typeof SORTS)[number];

export function instanceRows(facts: FleetFacts, findings: AuditFinding[]): InstanceRow[] {
  const byInstance = new Map<string, AuditFinding[]>();
  for (const f of findings) if (f.instanceId) (byInstance.get(f.instanceId) ?? byInstance.set(f.instanceId, []).get(f.instanceId)!).push(f);
  return facts.instances.map(({ instance, references }) => {
    const own = byInstance.get(instance.id) ?? [];
    const worst = own[0]?.severity; // findings arrive worst first
    const haystack = [
      instance.name,
      instance.resourceGroup,
      instance.subscriptionId,
      instance.sku,
      ...own.map((f) => `${f.severity} ${f.kind} ${f.vault} ${f.reference}`),
    ]
      .join(' ')
      .toLowerCase();
    return {
      value: instance.id,
      label: instance.name,
      instance,
      references: references.length,
      findings: own,
      ...(worst ? { worst } : {}),
      haystack,
    };
  });
}

const rank = (r: InstanceRow) => (r.worst ? SEVERITY_ORDER[r.worst] : 9);

const COMPARE: Record<SortKey, (a: InstanceRow, b: InstanceRow) => number> = {
  severity: (a, b) => rank(a) - rank(b) || b.findings.length - a.findings.length || a.instance.name.localeCompare(b.instance.name),
  name: (a, b) => a.instance.name.localeCompare(b.instance.name),
  'resource group': (a, b) =>
    a.instance.subscriptionId.localeCompare(b.instance.subscriptionId) ||
    a.instance.resourceGroup.localeCompare(b.instance.resourceGroup) ||
    a.instance.name.localeCompare(b.instance.name),
  findings: (a, b) => b.findings.length - a.findings.length || rank(a) - rank(b) || a.instance.name.localeCompare(b.instance.name),
  references: (a, b) => b.references - a.references || a.instance.name.localeCompare(b.instance.name),
};

/** Rows matching every word of the filter, in the chosen order. */
export function visibleRows(rows: readonly InstanceRow[], sort: SortKey, filter: string): InstanceRow[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((r) => words.every((w) => r.haystack.includes(w))).sort(COMPARE[sort]);
}

/** The runbook target for a row: the vault of its worst finding, else of its first reference. */
export function runbookTarget(row: InstanceRow, facts: FleetFacts): Target | undefined {
  const vaultName = row.findings.find((f) => f.vault)?.vault ?? vaultOfFirstReference(row, facts);
  if (!vaultName) return undefined;
  const vault = facts.vaults.find((v) => v.name.toLowerCase() === vaultName.toLowerCase());
  return {
    subscriptionId: row.instance.subscriptionId,
    apim: { resourceGroup: row.instance.resourceGroup, name: row.instance.name },
    vault: {
      name: vault?.name ?? vaultName,
      ...(vault ? { resourceGroup: vault.resourceGroup, subscriptionId: vault.subscriptionId } : {}),
    },
  };
}

function vaultOfFirstReference(row: InstanceRow, facts: FleetFacts): string | undefined {
  const refs = facts.instances.find((i) => i.instance.id === row.instance.id)?.references ?? [];
  for (const r of refs) {
    const host = splitIdentifier(r.secretIdentifier)?.host;
    if (host) return host.split('.')[0];
  }
  return undefined;
}
