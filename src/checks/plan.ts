// One place that turns operations into a FixPlan: preview, az lines and requirements all come from the same
// operations, so the preview, the transcript, --plan and the tests cannot disagree.
import type { Facts } from './facts.ts';
import { azForOperation, planRequirements, previewOperation } from './operations/index.ts';
import type { FixPlan, Operation } from './types.ts';

/** The parts of a plan a check decides; the rest is derived from the operations. */
export interface PlanSpec {
  /** Stable id; defaults to "<checkId>:fix". */
  id?: string;
  title: string;
  operations: Operation[];
  disruption?: string;
  temporary?: boolean;
  propagation?: 'rbac';
}

export function makePlan(checkId: string, facts: Facts, spec: PlanSpec): FixPlan {
  return {
    id: spec.id ?? `${checkId}:fix`,
    checkId,
    title: spec.title,
    operations: spec.operations,
    preview: spec.operations.map((op) => previewOperation(op, facts)),
    az: spec.operations.flatMap((op) => azForOperation(op, facts)),
    ...planRequirements(spec.operations),
    ...(spec.disruption ? { disruption: spec.disruption } : {}),
    ...(spec.temporary ? { temporary: true } : {}),
    ...(spec.propagation ? { propagation: spec.propagation } : {}),
  };
}
