// Ownership evidence for what a fix writes: the deployments that list the resource (or its parent) among their
// output resources or operations, the deployment stacks that manage it, and tags IaC tools conventionally leave.
// Worded as evidence, never certainty: a live fix to a deployed resource is reverted by the next deployment of
// its template unless the template changes too. A stack's deny assignment refuses the write whatever roles the
// operator holds, so that is said (and the write refused) before anything is sent.
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/deployment-stacks#protect-managed-resources
// https://learn.microsoft.com/azure/azure-resource-manager/templates/deployment-history
import { actionMatches } from './action-match.ts';
import type { DeploymentFacts, Facts, StackFacts } from './facts.ts';
import { nameOf } from './resource-id.ts';
import { operatorName } from './principals.ts';
import type { PreviewRequest } from './types.ts';

/** A write a deny assignment will refuse: the fix is not sent. */
export interface DeniedWrite {
  stackId: string;
  scope: string;
  action: string;
  message: string;
}

/** What a plan's writes tell about ownership: evidence lines, and the write a stack will refuse (if any). */
export interface OwnershipEvidence {
  lines: string[];
  denied?: DeniedWrite;
}

/** Tag keys IaC tools conventionally leave (azd, Terraform modules, "managed-by" conventions). */
const IAC_TAG_KEYS = ['azd-env-name', 'azd-service-name', 'managed-by', 'managedby', 'terraform', 'provisioner', 'iac'];
const IAC_TAG_VALUE = /\b(terraform|bicep|pulumi|azd|arm template|deployment stack)\b/i;

const lower = (s: string) => s.toLowerCase().replace(/\/+$/, '');

/** `ancestor` is `id` or one of its parents, never above a resource (a resource group does not own its contents). */
function isSelfOrParent(ancestor: string, id: string): boolean {
  const a = lower(ancestor);
  const b = lower(id);
  if (!/\/providers\//.test(a)) return false;
  return a === b || b.startsWith(`${a}/`);
}

/** The top-level resource an id belongs to (a subnet's VNet, an NSG rule's NSG). */
function topResource(id: string): string {
  const m = /^(.*\/providers\/[^/]+\/[^/]+\/[^/]+)/i.exec(id.replace(/\/providers\/Microsoft\.Authorization\/.*$/i, ''));
  return m ? m[1]! : id;
}

/** The most specific of the ids that are `scope` or one of its parents. */
function closest(ids: string[], scope: string): string | undefined {
  return ids.filter((r) => isSelfOrParent(r, scope)).sort((a, b) => b.length - a.length)[0];
}

/** The resource a request writes: its path without the query (a POST action's path without the action). */
export function writtenScope(request: Pick<PreviewRequest, 'method' | 'path'>): string {
  const path = request.path.split('?')[0]!;
  return request.method === 'POST' ? path.replace(/\/[^/]+$/, '') : path;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
function day(iso: string | undefined): string {
  const d = iso ? new Date(iso) : undefined;
  return d && !Number.isNaN(d.getTime()) ? `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}` : 'an unknown date';
}

const scopeName = (scope: string) =>
  /\/resourceGroups\//i.test(scope) ? `resource group ${nameOf(scope)}` : `subscription ${nameOf(scope)}`;

function deploymentLine(d: DeploymentFacts, resource: string, via: { outputs: true } | { operation: string }): string {
  const template = d.templateLink
    ? `template ${d.templateLink}`
    : d.templateHash
      ? `template hash ${d.templateHash}`
      : 'an inline template';
  const who = d.createdBy ? `, run by ${d.createdBy}${d.createdByType ? ` (${d.createdByType})` : ''}` : '';
  const state = d.provisioningState && d.provisioningState !== 'Succeeded' ? `, ${d.provisioningState}` : '';
  const what =
    'outputs' in via
      ? `deployed by deployment ${d.name}${state ? ` (${state.slice(2)})` : ''}`
      : `written by deployment ${d.name} (its operations name ${nameOf(via.operation)}${state})`;
  return `${nameOf(resource)} was ${what} at ${scopeName(d.scope)} on ${day(d.timestamp)} from ${template}${who}: the next deployment of that template may revert this change.`;
}

/** The deny a stack places on `resource` covers `scope`. */
function stackCovers(stack: StackFacts, resource: { id: string; denyStatus?: string }, scope: string): boolean {
  if (resource.denyStatus !== 'denyWriteAndDelete' && resource.denyStatus !== 'denyDelete') return false;
  return lower(resource.id) === lower(scope) || (stack.applyToChildScopes && lower(scope).startsWith(`${lower(resource.id)}/`));
}

/** Azure's rule: denyWriteAndDelete denies all but reads (and deleting locks), denyDelete only deletes. */
function modeDenies(stack: StackFacts, action: string): boolean {
  const excluded = [
    ...stack.excludedActions,
    'Microsoft.Authorization/locks/delete',
    ...(stack.denyMode === 'denyWriteAndDelete' ? ['*/read'] : []),
  ];
  const denied = stack.denyMode === 'denyWriteAndDelete' ? ['*'] : stack.denyMode === 'denyDelete' ? ['*/delete'] : [];
  return denied.some((p) => actionMatches(p, action)) && !excluded.some((p) => actionMatches(p, action));
}

function allStacks(facts: Facts): StackFacts[] {
  return (facts.ownership?.scopes ?? []).flatMap((s) => (s.stacks.ok ? s.stacks.value : []));
}

function allDeployments(facts: Facts): DeploymentFacts[] {
  return (facts.ownership?.scopes ?? []).flatMap((s) => (s.deployments.ok ? s.deployments.value.items : []));
}

/** Tags of the read resource that `scope` belongs to. */
function tagsAt(facts: Facts, scope: string): { id: string; tags: Record<string, string> } | undefined {
  const candidates = [facts.apim, facts.vault, facts.nsg].flatMap((f) =>
    f?.ok && f.value.tags ? [{ id: f.value.id, tags: f.value.tags }] : [],
  );
  return candidates.find((c) => isSelfOrParent(c.id, scope));
}

/**
 * Evidence for one write: `scope` is the resource written, `actions` the ARM actions it needs (each with the
 * resource it is checked on: a linked check, like joining a subnet, is on another resource).
 */
export function writeEvidence(facts: Facts, scope: string, actions: { action: string; on: string }[]): OwnershipEvidence {
  const lines: string[] = [];
  let denied: DeniedWrite | undefined;
  const operator = facts.context.operator.objectId?.toLowerCase();

  const top = topResource(scope);
  for (const d of allDeployments(facts)) {
    const output = closest(d.outputResources, scope);
    if (output) {
      lines.push(deploymentLine(d, output, { outputs: true }));
      continue;
    }
    // A deployment that failed lists no outputs; an operation on the same resource (or one of its children) still tells.
    const target = d.operationTargets?.find((r) => isSelfOrParent(top, r));
    if (target) lines.push(deploymentLine(d, top, { operation: target }));
  }

  for (const stack of allStacks(facts)) {
    const managedId = closest(
      stack.resources.map((r) => r.id),
      scope,
    );
    const managed = managedId ? stack.resources.find((r) => r.id === managedId) : undefined;
    if (!managed) continue;
    const blocking = actions.find(({ action, on }) => stack.resources.some((r) => stackCovers(stack, r, on)) && modeDenies(stack, action));
    const excluded = !!operator && stack.excludedPrincipals.some((p) => p.toLowerCase() === operator);
    const by = stack.createdBy ? `, created by ${stack.createdBy}` : '';
    lines.push(
      `${nameOf(managed.id)} is managed by deployment stack ${stack.name} at ${scopeName(stack.scope)} (deny settings: ${stack.denyMode}${stack.applyToChildScopes ? ', child scopes included' : ''}${by}): change the stack's template, or its next update may revert this change.`,
    );
    if (!blocking) continue;
    if (excluded) {
      lines.push(
        `Its deny assignment excludes you (${operatorName(facts.context.operator)}), so the write is allowed; other operators are refused.`,
      );
      continue;
    }
    const linked = lower(blocking.on) !== lower(scope);
    const message = `The deny assignment of deployment stack ${stack.name} ${linked ? 'may refuse' : 'refuses'} ${blocking.action} on ${nameOf(blocking.on)} (403 DenyAssignmentAuthorizationFailed) whatever roles you hold. Change the stack's template (or ask its owner to exclude you or this action in its deny settings).`;
    lines.push(message);
    // A linked check (joining the stack's subnet) is a warning; a deny on the resource written is a refusal.
    if (!linked && !denied) denied = { stackId: stack.id, scope, action: blocking.action, message };
  }

  const tagged = tagsAt(facts, scope);
  for (const [key, value] of Object.entries(tagged?.tags ?? {})) {
    if (IAC_TAG_KEYS.includes(key.toLowerCase()) || IAC_TAG_VALUE.test(value)) {
      lines.push(
        `${nameOf(tagged!.id)} has the tag ${key}=${value}, which IaC tools leave: the next run of that tool may revert this change.`,
      );
    }
  }

  for (const s of facts.ownership?.scopes ?? []) {
    const relevant = lower(scope).startsWith(`${lower(s.scope)}/`);
    if (!relevant) continue;
    const why = (f: { unknown: string; missingAction?: string }) => `${f.unknown}${f.missingAction ? `: needs ${f.missingAction}` : ''}`;
    if (!s.deployments.ok && !s.stacks.ok)
      lines.push(
        `Deployments and deployment stacks at ${scopeName(s.scope)} could not be read (${why(s.deployments)}; ${why(s.stacks)}): the evidence may be incomplete, and a deny setting may refuse this write.`,
      );
    else if (!s.deployments.ok)
      lines.push(`Deployments at ${scopeName(s.scope)} could not be read (${why(s.deployments)}): the evidence may be incomplete.`);
    else if (!s.stacks.ok)
      lines.push(`Deployment stacks at ${scopeName(s.scope)} could not be read (${why(s.stacks)}): a deny setting may refuse this write.`);
    if (s.deployments.ok && s.deployments.value.truncated)
      lines.push(
        `Only the newest ${s.deployments.value.items.length} of the first deployments listed at ${scopeName(s.scope)} were read: older ones may also have deployed it.`,
      );
  }
  return { lines: [...new Set(lines)], ...(denied ? { denied } : {}) };
}
