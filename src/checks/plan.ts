// One place that turns operations into a FixPlan: preview, az lines and requirements all come from the same
// operations, so the preview, the transcript, --plan and the tests cannot disagree.
import type { Facts } from './facts.ts';
import {
  azForOperation,
  operationRequirements,
  operationSpec,
  planRequirements,
  previewOperation,
  templateForOperation,
} from './operations/index.ts';
import { writeEvidence, writtenScope } from './ownership.ts';
import { bicepSnippet, terraformSnippet } from './templates/render.ts';
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

/** The read resource each permission target stands for (a linked check names another resource than the one written). */
function targetIds(facts: Facts): Record<string, string | undefined> {
  const id = (f: { ok: boolean; value?: { id: string } } | undefined) => (f?.ok ? f.value?.id : undefined);
  return { apim: id(facts.apim), vault: id(facts.vault), subnet: id(facts.subnet), nsg: id(facts.nsg) };
}

/** Ownership evidence of every write of the plan, and the first write a stack's deny refuses. */
function planOwnership(operations: Operation[], preview: FixPlan['preview'], facts: Facts): Pick<FixPlan, 'ownership' | 'denied'> {
  if (!facts.ownership && ![facts.apim, facts.vault, facts.nsg].some((f) => f?.ok && f.value.tags)) return {};
  const targets = targetIds(facts);
  const lines: string[] = [];
  let denied: FixPlan['denied'];
  operations.forEach((op, i) => {
    const scope = writtenScope(preview[i]!);
    // An action checked on another resource than the one written (joining a subnet) is a linked check there.
    const own = operationSpec(op).target(op).resource;
    const actions = operationRequirements(op).map(({ action, target }) => ({
      action,
      on: target !== own && targets[target] ? targets[target]! : scope,
    }));
    const evidence = writeEvidence(facts, scope, actions);
    lines.push(...evidence.lines);
    denied ??= evidence.denied;
  });
  const unique = [...new Set(lines)];
  return { ...(unique.length ? { ownership: unique } : {}), ...(denied ? { denied } : {}) };
}

/** Every operation's template change, in order, as one Bicep and one Terraform snippet. */
function planTemplates(operations: Operation[], preview: FixPlan['preview']): NonNullable<FixPlan['templates']> {
  const changes = operations.map((op, i) => templateForOperation(op, preview[i]!));
  return { bicep: changes.map(bicepSnippet).join('\n\n'), terraform: changes.map(terraformSnippet).join('\n\n') };
}

export function makePlan(checkId: string, facts: Facts, spec: PlanSpec): FixPlan {
  const preview = spec.operations.map((op) => previewOperation(op, facts));
  return {
    id: spec.id ?? `${checkId}:fix`,
    checkId,
    title: spec.title,
    operations: spec.operations,
    preview,
    az: spec.operations.flatMap((op) => azForOperation(op, facts)),
    ...planRequirements(spec.operations),
    ...(spec.disruption ? { disruption: spec.disruption } : {}),
    ...(spec.temporary ? { temporary: true } : {}),
    ...(spec.propagation ? { propagation: spec.propagation } : {}),
    ...planOwnership(spec.operations, preview, facts),
    templates: planTemplates(spec.operations, preview),
  };
}
