// `fix --plan` prints every plan at once, from one evaluation, while `fix --yes` re-evaluates after each fix.
// A grant to API Management's system identity can only be planned once that identity exists: here the
// checks run again over the facts as they will be once the identity is enabled, with a placeholder for the
// principal id Azure has not assigned yet, and the script reads the real one when it gets there.
import { runChecks } from '../checks/index.ts';
import { OPERATIONS } from '../checks/operations/index.ts';
import type { Facts } from '../checks/facts.ts';
import type { FixPlan } from '../checks/types.ts';
import type { Evaluation } from './engine-types.ts';
import { fixableInOrder, planKey } from './fix-sequence.ts';

/** Stands for the system identity's principal id in plans made before it exists (not a GUID Azure hands out: version 0). */
export const PRINCIPAL_PLACEHOLDER = '00000000-0000-0000-0000-0000a9a1d000';

/** A plan of the script; `principalAtRunTime` when its lines name the identity by PRINCIPAL_PLACEHOLDER. */
export type ScriptPlan = FixPlan & { principalAtRunTime?: { apimId: string } };

const enablesIdentity = (plan: FixPlan) => plan.operations.some((op) => OPERATIONS[op.kind].enablesIdentity);

/** The facts once the system identity exists (the plan's other changes are not projected). */
function withSystemIdentity(facts: Facts): Facts | undefined {
  if (!facts.apim.ok) return undefined;
  const identity = facts.apim.value.identity;
  const type = identity.userAssigned.length ? 'SystemAssigned, UserAssigned' : 'SystemAssigned';
  return {
    ...facts,
    apim: {
      ...facts.apim,
      value: { ...facts.apim.value, identity: { ...identity, type, principalId: PRINCIPAL_PLACEHOLDER, tenantId: facts.context.tenantId } },
    },
  };
}

/**
 * The chosen plans plus those that need the identity a chosen plan enables, each placed after that plan and
 * in runbook order among the rest (as `fix --yes` would come to them).
 */
export function planAhead(evaluation: Evaluation, chosen: FixPlan[]): ScriptPlan[] {
  const at = chosen.findIndex(enablesIdentity);
  const projected = at >= 0 ? withSystemIdentity(evaluation.facts) : undefined;
  if (!projected) return chosen;
  const known = new Set(chosen.map(planKey));
  const findings = runChecks(projected);
  const later = fixableInOrder({ ...evaluation, findings })
    .map((f) => f.fix!)
    .filter((plan) => !known.has(planKey(plan)) && JSON.stringify(plan.operations).includes(PRINCIPAL_PLACEHOLDER));
  if (!later.length) return chosen;
  const rank = (plan: FixPlan) => {
    const step =
      findings.find((f) => f.checkId === plan.checkId)?.step ?? evaluation.findings.find((f) => f.checkId === plan.checkId)?.step;
    const i = evaluation.steps.findIndex((s) => s.id === step);
    return i < 0 ? evaluation.steps.length : i;
  };
  const apimId = evaluation.facts.apim.ok ? evaluation.facts.apim.value.id : '';
  const out: ScriptPlan[] = [...chosen];
  for (const plan of later) {
    // After the identity's plan, and before the first plan of a later step.
    let i = at + 1;
    while (i < out.length && rank(out[i]!) <= rank(plan)) i++;
    out.splice(i, 0, { ...plan, principalAtRunTime: { apimId } });
  }
  return out;
}
