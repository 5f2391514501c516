// The checklist as rows: each step of the runbook in order, followed by its checks. Row values are
// stable ids ("step:access", "check:ACC-RBAC") so the cursor stays put across re-checks.
import type { Finding, Status, StepInfo } from '../checks/types.ts';
import type { Evaluation } from '../runbook/engine-types.ts';
import { fixableInOrder } from '../runbook/fix-sequence.ts';
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

/** How much of a step the checklist shows: nothing but its row, its problems, or every check. */
export type StepView = 'closed' | 'problems' | 'all';

/** Statuses that make a check a "failure" for n/N, the first cursor position and opening steps. */
export const FAILING: ReadonlySet<Status> = new Set(['fail', 'unknown']);

const isProblem = (r: ChecklistRow) => r.kind === 'check' && r.status !== 'pass' && r.status !== 'skipped' && r.status !== 'info';

/**
 * The rows to show. Every step is always shown, in order, so the runbook's shape is visible at a glance.
 * A step the operator opened or closed keeps that; otherwise the failing steps open to their problems in
 * order for as long as `room` rows allow (a step that does not fit stays closed with its counts on its row).
 * A filter shows the matching checks under their steps, opened.
 */
export function visibleRows(
  rows: readonly ChecklistRow[],
  views: Readonly<Record<string, StepView>>,
  room: number,
  filter = '',
): ChecklistRow[] {
  const steps = rows.filter((r) => r.kind === 'step');
  const checksOf = (stepId: string) => rows.filter((r) => r.kind === 'check' && r.step.id === stepId);
  if (filter.trim()) {
    const q = filter.trim().toLowerCase();
    const hit = (r: ChecklistRow) => [r.finding!.checkId, r.finding!.title, r.finding!.cause].some((t) => t.toLowerCase().includes(q));
    return steps.flatMap((s) => {
      const matches = checksOf(s.step.id).filter(hit);
      return matches.length ? [s, ...matches] : [];
    });
  }
  let used = steps.length;
  const out: ChecklistRow[] = [];
  for (const s of steps) {
    out.push(s);
    const chosen = views[s.step.id];
    const checks = checksOf(s.step.id);
    if (chosen === 'all') out.push(...checks);
    else if (chosen === 'problems') out.push(...checks.filter(isProblem));
    else if (chosen === undefined && FAILING.has(s.status)) {
      const problems = checks.filter(isProblem);
      if (used + problems.length <= room) {
        out.push(...problems);
        used += problems.length;
      }
    }
  }
  return out;
}

/** Whether a step's checks (all or some) are showing. */
export const isOpen = (visible: readonly ChecklistRow[], stepId: string) => visible.some((r) => r.kind === 'check' && r.step.id === stepId);

/** "3 ✖ 1 ▲ 5 ✔" for a step's row. */
export function stepCounts(rows: readonly ChecklistRow[], stepId: string, symbols: Record<Status, string>): string {
  const counts = statusCounts(rows.filter((r) => r.kind === 'check' && r.step.id === stepId).map((r) => r.finding!));
  return (['fail', 'unknown', 'warn', 'pass'] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${symbols[s]}`)
    .join(' ');
}

/** The first failing check, where the cursor starts. */
export function firstFailure(rows: readonly ChecklistRow[]): ChecklistRow | undefined {
  return rows.find((r) => r.kind === 'check' && FAILING.has(r.status));
}

/** The next (or previous) failing check after `value`, wrapping around; over all rows, shown or not. */
export function nextFailure(rows: readonly ChecklistRow[], value: string | undefined, direction: 1 | -1): ChecklistRow | undefined {
  const failing = rows.filter((r) => r.kind === 'check' && FAILING.has(r.status));
  if (failing.length === 0) return undefined;
  const at = rows.findIndex((r) => r.value === value);
  const ordered = direction === 1 ? failing : [...failing].reverse();
  return ordered.find((r) => (direction === 1 ? rows.indexOf(r) > at : rows.indexOf(r) < at)) ?? ordered[0];
}

/** What F will do, in one line. */
export function fixAllHint(evaluation: Evaluation): string {
  const failing = evaluation.findings.filter((f) => f.status === 'fail').length;
  const fixes = fixableInOrder(evaluation);
  const forFailing = fixes.filter((f) => f.status === 'fail').length;
  const forUnknown = fixes.length - forFailing;
  const unknown = forUnknown ? ` (and ${forUnknown} unknown)` : '';
  if (failing === 0)
    return forUnknown
      ? `F fixes ${forUnknown} unknown check${forUnknown === 1 ? '' : 's'} one by one (each previewed; only y writes).`
      : 'Nothing fails. r re-checks.';
  if (forFailing === 0)
    return `${failing} failing check${failing === 1 ? '' : 's'}, none with a one-key fix: Enter shows what to do.${unknown}`;
  const of = forFailing === failing ? `all ${failing}` : `${forFailing} of the ${failing}`;
  return `F fixes ${of} failing check${failing === 1 ? '' : 's'}${unknown} one by one (each previewed; only y writes).`;
}
