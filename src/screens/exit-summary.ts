// What a runbook session leaves on the normal screen after the full screen is gone: what changed, what
// is still open, where the transcript is. Screens record it as they end; the entry points print it once
// the terminal is restored (a runbook opened from the fleet audit adds to what the audit prints).
import type { TemporaryChange } from '../checks/facts.ts';

let pending: string[] = [];

export function addExitSummary(lines: readonly string[]): void {
  pending.push(...lines);
}

/** The summary so far, emptied. */
export function takeExitSummary(): string[] {
  const lines = pending;
  pending = [];
  return lines;
}

/** What one fix attempt came to, for the summary. */
export interface FixRecord {
  checkId: string;
  title: string;
  outcome: 'applied' | 'failed' | 'stopped';
}

const vaultName = (id: string) => id.split('/').at(-1) ?? id;

/** The lines: changes made (or none), failures, temporary rules still open, checks still failing, the transcript. */
export function summaryLines(
  fixes: readonly FixRecord[],
  temporary: readonly TemporaryChange[],
  stillFailing: readonly string[],
  transcript?: string,
): string[] {
  const lines: string[] = [];
  const applied = fixes.filter((f) => f.outcome === 'applied');
  const failed = fixes.filter((f) => f.outcome !== 'applied');
  lines.push(
    applied.length
      ? `apimkv: applied ${applied.length} fix${applied.length === 1 ? '' : 'es'}: ${applied.map((f) => `${f.checkId} (${f.title})`).join('; ')}`
      : 'apimkv: nothing was changed.',
  );
  if (failed.length)
    lines.push(
      `  not completed: ${failed.map((f) => `${f.checkId} (${f.outcome === 'stopped' ? 'stopped waiting; the next run reads its outcome' : 'failed'})`).join('; ')}`,
    );
  for (const t of temporary)
    lines.push(
      `  still open: temporary firewall rule ${t.value} on vault ${vaultName(t.vaultId)} (added ${t.addedAt}); remove it with: apimkv cleanup`,
    );
  if (stillFailing.length)
    lines.push(`  still failing: ${stillFailing.length} check${stillFailing.length === 1 ? '' : 's'}: ${stillFailing.join(', ')}`);
  if (transcript) lines.push(`  transcript: ${transcript}`);
  return lines;
}
