import type { FixPlan } from '../checks/types.ts';
import type { Evaluation } from '../runbook/engine-types.ts';

/** The temporary client IP rule's removal, when the checks offer one. */
export function cleanupPlan(evaluation: Evaluation | undefined): FixPlan | undefined {
  return evaluation?.findings.find((f) => f.fix?.operations.some((o) => o.kind === 'vault.removeIpRule'))?.fix;
}
