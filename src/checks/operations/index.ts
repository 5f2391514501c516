// The operation registry: one entry per operation kind, in a mapped type, so a new kind that is not
// described everywhere (summary, target, needs, preview, az, isDone) does not compile. Plans, the engine,
// the journal and the executors all ask here; nothing else switches over operation kinds.
import type { Facts } from '../facts.ts';
import type { TemplateChange } from '../templates/change.ts';
import type { FixPlan, Operation, PreviewRequest } from '../types.ts';
import { apimOperations } from './apim.ts';
import { authorizationOperations } from './authorization.ts';
import { networkOperations } from './network.ts';
import type { Observed, OperationKind, OperationOf, OperationSpec, PermissionTarget, Requirement } from './types.ts';
import { vaultOperations } from './vault.ts';

export type { Observed, OperationKind, OperationOf, OperationSpec, PermissionTarget, Requirement } from './types.ts';
export { API_VERSIONS, listDiff, shellQuote } from './shared.ts';

/** Every operation kind and what the product knows about it. */
export const OPERATIONS: { readonly [K in OperationKind]: OperationSpec<K> } = {
  ...apimOperations,
  ...vaultOperations,
  ...networkOperations,
  ...authorizationOperations,
};

/** The registry entry for an operation. */
export function operationSpec<K extends OperationKind>(op: OperationOf<K>): OperationSpec<K> {
  return OPERATIONS[op.kind as K];
}

/** One line for the progress display. */
export const describeOperation = (op: Operation): string => operationSpec(op).summary(op);

/** The request one operation sends, for the preview. */
export const previewOperation = (op: Operation, facts: Facts): PreviewRequest => operationSpec(op).preview(op, facts);

/** The template change of one operation, from the request it sends. */
export const templateForOperation = (op: Operation, request: PreviewRequest): TemplateChange => operationSpec(op).template(op, request);

/** Equivalent az command lines for one operation. */
export const azForOperation = (op: Operation, facts: Facts): string[] => operationSpec(op).az(op, facts);

/** The ARM actions one operation needs, with the permission set each is checked against. */
export const operationRequirements = (op: Operation): Requirement[] => operationSpec(op).requirements(op);

/** Least-privileged built-in role (and where) for one operation. */
export const operationRoles = (op: Operation): { role: string; scope: string }[] => operationSpec(op).roles(op);

/** Is the operation's effect in the resource? (true / false / undefined: cannot tell) */
export const isDone = (op: Operation, observed: Observed): boolean | undefined => operationSpec(op).isDone(op, observed);

const unique = <T>(items: T[], key: (t: T) => string) => items.filter((t, i) => items.findIndex((u) => key(u) === key(t)) === i);

/** Required actions and roles for a list of operations, de-duplicated, in operation order. */
export function planRequirements(operations: readonly Operation[]): Pick<FixPlan, 'requiredActions' | 'requiredRoles'> {
  return {
    requiredActions: unique(
      operations.flatMap(operationRequirements).map((r) => r.action),
      (a) => a.toLowerCase(),
    ),
    requiredRoles: unique(operations.flatMap(operationRoles), (r) => `${r.role}|${r.scope.toLowerCase()}`),
  };
}

/** The permission set an action belongs to, from its provider and type. */
export function targetOfAction(action: string): PermissionTarget {
  const a = action.toLowerCase();
  if (a.startsWith('microsoft.apimanagement/')) return 'apim';
  if (a.startsWith('microsoft.network/virtualnetworks/')) return 'subnet';
  if (a.startsWith('microsoft.network/networksecuritygroups/')) return 'nsg';
  return 'vault';
}
