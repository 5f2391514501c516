// The request context handlers receive, what they return, and ARM-shaped errors.
import type { SandboxState } from './state.ts';
import type { ArmResource, Json } from './types.ts';

/** What a handler answers. `lro` marks a reply that started a long-running operation. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  lro?: string;
}

/** One incoming request, parsed. */
export interface Ctx {
  method: string;
  /** Normalised path (no repeated or trailing slashes, no query). */
  path: string;
  query: URLSearchParams;
  host: string;
  headers: Record<string, string | string[] | undefined>;
  body: Json | undefined;
  /** The caller's object id (from the token; the operator when absent or undecodable). */
  principalId: string;
  state: SandboxState;
  /** The ARM base the caller used, for links: 'https://127.0.0.1:<port>', or a cloud's ARM host (clouds.ts). */
  endpoint: string;
  port: number;
  /** How GET shows each resource type (the providers' entries, assembled by the dispatch stage). */
  presenters: Presenters;
}

/**
 * A context for API Management's own fetches from Key Vault (the periodic re-read, a generated fleet's statuses):
 * they read stored resources only, so no request, caller or presenter is involved.
 */
export function fetchContext(state: SandboxState, principalId = ''): Ctx {
  return {
    state,
    principalId,
    port: 443,
    endpoint: 'https://127.0.0.1',
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    host: '',
    headers: {},
    body: undefined,
    presenters: new Map(),
  };
}

/** Fills in what ARM derives or inlines on a copy of a stored resource (the copy may be changed in place). */
export type Presenter = (ctx: Ctx, copy: ArmResource) => ArmResource;

/** How GET shows each resource type, keyed by lower-case type (presenters.ts assembles it). */
export type Presenters = ReadonlyMap<string, Presenter>;

/** An error answered as `{ error: { code, message } }` (plus any extra fields). */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Json = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  reply(): Reply {
    return { status: this.status, headers: this.headers, body: { error: { code: this.code, message: this.message, ...this.extra } } };
  }
}

export const ok = (body: unknown, headers?: Record<string, string>): Reply => ({ status: 200, body, headers });

export function header(ctx: Ctx, name: string): string | undefined {
  const v = ctx.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** If-Match against the resource's current ETag: '*' or a match goes ahead, anything else is ARM's 412. */
export function checkIfMatch(ctx: Ctx, current: string | undefined): void {
  const ifMatch = header(ctx, 'if-match');
  if (!ifMatch || ifMatch === '*' || ifMatch === current) return;
  throw new ArmError(
    412,
    'PreconditionFailed',
    'The condition specified using HTTP conditional header(s) is not met: the resource was modified since it was read. Read it again and retry.',
  );
}

/** ARM's 404 for a missing resource, or for its missing resource group. */
export function notFound(ctx: Ctx, id: string, type: string, name: string): ArmError {
  const rg = /\/resourceGroups\/([^/]+)/i.exec(id)?.[1];
  const sub = /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
  if (sub && !ctx.state.subscription(sub))
    return new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  if (sub && rg && !ctx.state.resourceGroup(sub, rg))
    return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${rg ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}
