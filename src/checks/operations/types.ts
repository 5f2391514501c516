// The shape of one entry of the operation registry: everything the product knows about one kind of write.
import type { Facts, TemporaryChange } from '../facts.ts';
import type { TemplateChange } from '../templates/change.ts';
import type { Operation, PreviewRequest } from '../types.ts';

/** The kinds of write apimkv makes, e.g. 'vault.addIpRule'. */
export type OperationKind = Operation['kind'];

/** The operation of one kind. */
export type OperationOf<K extends OperationKind> = Extract<Operation, { kind: K }>;

/** Which of the operator's permission sets an action is checked against. */
export type PermissionTarget = keyof Facts['operatorPermissions'];

/** One requirement: an action on a target resource. */
export interface Requirement {
  action: string;
  target: PermissionTarget;
}

/**
 * What isDone reads: the facts of the resources operations write. A subset of Facts, so the journal settle
 * passes the gathered facts and an executor passes the one resource it has just re-read.
 */
export type Observed = Partial<
  Pick<Facts, 'apim' | 'vault' | 'apimCertificates' | 'namedValues' | 'vaultRoleAssignments' | 'subnet' | 'nsg'>
>;

/** Everything about one kind of operation. */
export interface OperationSpec<K extends OperationKind> {
  /** One line for the progress display and the journal notes. */
  summary(op: OperationOf<K>): string;
  /** The resource the operation writes (its permission set and its id). */
  target(op: OperationOf<K>): { resource: PermissionTarget; id: string };
  /** The ARM actions the operator needs, checked against the permissions API before a fix is offered. */
  requirements(op: OperationOf<K>): Requirement[];
  /** Least-privileged built-in roles (and where) that grant those actions. */
  roles(op: OperationOf<K>): { role: string; scope: string }[];
  /** The request it sends, for the preview (secrets redacted). */
  preview(op: OperationOf<K>, facts: Facts): PreviewRequest;
  /** The same change as az command lines (secrets as placeholders). */
  az(op: OperationOf<K>, facts: Facts): string[];
  /** The same change for a template (Bicep, Terraform): exactly the properties it writes, picked from its request. */
  template(op: OperationOf<K>, request: PreviewRequest): TemplateChange;
  /**
   * Is the effect in the resource? true: it is; false: it is not; undefined: the facts cannot tell (not read,
   * another resource, or not observable). Both the verify after a write and the journal settle ask this.
   */
  isDone(op: OperationOf<K>, observed: Observed): boolean | undefined;
  /** Grants data access: a 403 soon after is probably RBAC propagation, not a real refusal. */
  grantsAccess?: true;
  /** Creates the system-assigned identity: plans for that identity can only name its principal once this ran. */
  enablesIdentity?: true;
  /** Makes API Management fetch a secret again: after a grant, worth retrying while RBAC propagates. */
  refetchesSecret?: true;
  /** A change meant to be undone later, recorded as such in the journal. */
  temporaryChange?(op: OperationOf<K>, at: string): TemporaryChange | undefined;
  /** The temporary change this operation undoes. */
  undoes?(op: OperationOf<K>): TemporaryChange;
}

/** Entries for a family of kinds (those starting with a prefix). */
export type OperationFamily<P extends string> = { [K in Extract<OperationKind, `${P}${string}`>]: OperationSpec<K> };
