// The checklist as rows: each step of the runbook in order, followed by its checks. Row values are
// stable ids ("step:access", "check:ACC-RBAC") so the cursor stays put across re-checks.
import type { Finding, Status, StepInfo } from '../checks/types.ts';
import type { Evaluation } from '../runbook/engine-types.ts';
import { worstStatus } from './theme.ts';

/** One line of the checklist. */
export interface ChecklistRow {
  value: string;
  kind: 'step' | 'check';
  step: StepInfo;
  /** 1-based position of the step (the "0 Context" step counts from 0 as in the docs' ordering). */
  stepNumber: number;
  status: Status;
  finding?: Finding;
}

export const stepValue = (id: string) => `step:${id}`;
export const checkValue = (checkId: string) => `check:${checkId}`;

/** Steps and their checks, in runbook order. Findings for a step the list does not know are appended. */
export function checklistRows(evaluation: Evaluation): ChecklistRow[] {
  const rows: ChecklistRow[] = [];
  evaluation.steps.forEach((step, i) => {
    const findings = evaluation.findings.filter((f) => f.step === step.id);
    rows.push({ value: stepValue(step.id), kind: 'step', step, stepNumber: i, status: worstStatus(findings.map((f) => f.status)) });
    for (const finding of findings) {
      rows.push({ value: checkValue(finding.checkId), kind: 'check', step, stepNumber: i, status: finding.status, finding });
    }
  });
  return rows;
}

/** Counts per status, for the summary line. */
export function statusCounts(findings: readonly Finding[]): Record<Status, number> {
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, unknown: 0, skipped: 0, info: 0 };
  for (const f of findings) counts[f.status]++;
  return counts;
}
