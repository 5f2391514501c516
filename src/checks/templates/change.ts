// A fix's change as template code: the resource it declares and exactly the properties it changes, taken from
// the body of the ARM request the fix sends (so the request, the Bicep and the Terraform cannot disagree).
import type { PreviewRequest } from '../types.ts';

/** A value a template computes rather than states (a file to load, a secure parameter). */
export interface Expression {
  expression: { bicep: string; terraform: string };
}

/** Where an azurerm attribute's value comes from: the ARM body, the resource id, or a stated expression. */
export type AttributeSource =
  | { body: string; each?: string; keys?: true; title?: true }
  | { id: 'name' | 'parentName' | 'resourceGroup' | 'self' | 'scope' }
  | { literal: unknown };

/** One azurerm attribute (dotted path; a path through a block names the block, e.g. network_acls.bypass). */
export interface AzurermAttribute {
  path: string;
  from: AttributeSource;
}

/** The same change as an azurerm resource (or provider) block, where azurerm models the properties. */
export interface AzurermForm {
  /** e.g. azurerm_network_security_rule; "provider" for a provider features block. */
  resource: string;
  /** A dotted path nests HCL blocks (network_acls.bypass is bypass in a network_acls block). */
  attributes: AzurermAttribute[];
  /** Said above the snippet: what the declaration must keep, or what azurerm does differently. */
  note?: string;
}

/** What a template declares for one operation. */
export interface TemplateChange {
  /** ARM resource type, e.g. Microsoft.KeyVault/vaults. */
  type: string;
  apiVersion: string;
  /** The resource the change is on. */
  id: string;
  /** update: properties of an existing declaration; create: a new (child or extension) resource; action: a POST. */
  mode: 'update' | 'create' | 'action';
  /** Exactly the properties the plan changes, in the ARM request's shape: a subtree of its body. */
  body: Record<string, unknown>;
  /** The POST action's name (mode action). */
  action?: string;
  /** Replaces body values (by dotted path) that a template must not state literally (secrets). */
  expressions?: Record<string, Expression>;
  azurerm?: AzurermForm;
  /** Said above both snippets (e.g. "merge into your customProperties"). */
  note?: string;
}

/** The part of a body at the given dotted paths, keeping its nesting (values are the body's own). */
export function pick(body: unknown, paths: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const keys = path.split('.');
    let from: unknown = body;
    for (const k of keys) from = from && typeof from === 'object' ? (from as Record<string, unknown>)[k] : undefined;
    if (from === undefined) continue;
    let to = out;
    keys.slice(0, -1).forEach((k) => (to = (to[k] ??= {}) as Record<string, unknown>));
    to[keys.at(-1)!] = structuredClone(from);
  }
  return out;
}

/** The request body as sent (the preview redacts secrets, never changes shape). */
export function bodyOf(request: PreviewRequest): Record<string, unknown> {
  return (request.body ?? {}) as Record<string, unknown>;
}

/** ARM path without its query, and the api-version it names. */
export function pathAndVersion(request: PreviewRequest): { id: string; apiVersion: string } {
  const [id, query] = request.path.split('?');
  return { id: id!, apiVersion: new URLSearchParams(query).get('api-version') ?? '' };
}
