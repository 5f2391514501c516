// The order fixes are applied in, for fix-all in the full-screen runbook and for `fix` with no check ids:
// the first finding, in the runbook's order, that fails or is unknown and carries a fix not tried yet.
// Each next fix is taken from the latest evaluation, because a fix changes the world and later plans with it.
import type { Finding, FixPlan } from '../checks/types.ts';
import type { Evaluation } from './engine-types.ts';

/** A finding fix-all applies: failing, or unknown (its fix is how to find out), with a fix. */
export const fixable = (f: Finding): boolean => !!f.fix && (f.status === 'fail' || f.status === 'unknown');

/** Two plans with the same operations are the same fix, whichever check offers it. */
export const planKey = (plan: FixPlan): string => JSON.stringify(plan.operations);

/** What a fix-all run has been through so far. */
export interface Tried {
  checks: readonly string[];
  plans: readonly string[];
}

/** The fixable findings in runbook order (steps in order, checks within a step as the checks ran). */
export function fixableInOrder(evaluation: Evaluation): Finding[] {
  const rank = (f: Finding) => {
    const i = evaluation.steps.findIndex((s) => s.id === f.step);
    return i < 0 ? evaluation.steps.length : i;
  };
  return evaluation.findings
    .filter(fixable)
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map(({ f }) => f);
}

/** The next fix to apply, or undefined when nothing fixable is left untried. */
export function nextFix(evaluation: Evaluation, tried: Tried): Finding | undefined {
  return fixableInOrder(evaluation).find((f) => !tried.checks.includes(f.checkId) && !tried.plans.includes(planKey(f.fix!)));
}

/** Record a fix as tried (applied or skipped). */
export const markTried = (tried: Tried, plan: FixPlan): Tried => ({
  checks: [...tried.checks, plan.checkId],
  plans: [...tried.plans, planKey(plan)],
});
