// Generic ARM semantics shared by every provider: GET by id, collection GET (paged with an absolute
// nextLink), PUT upsert, PATCH as JSON merge patch, DELETE, and parent/resource-group existence.
import { ArmError, notFound, ok, type Ctx, type Reply } from '../http.ts';
import { mergePatch } from '../merge-patch.ts';
import { hasAction, requireAction } from '../rbac.ts';
import { nameOf, parentOf, resourceGroupOf, segments, subscriptionOf, typeOf } from '../resource-id.ts';
import type { ArmResource, Json } from '../types.ts';

/** A resource as GET returns it: a copy, with what its provider's presenter derives or inlines (presenters.ts). */
export function present(ctx: Ctx, r: ArmResource): ArmResource {
  const copy = structuredClone(r);
  const presenter = ctx.presenters.get(r.type.toLowerCase());
  return presenter ? presenter(ctx, copy) : copy;
}

/** One page of `items` and an absolute nextLink that keeps every query parameter. */
export function page<T>(ctx: Ctx, items: T[], size = ctx.state.world.pageSize ?? 100): { value: T[]; nextLink?: string } {
  const raw = ctx.query.get('$skiptoken') ?? ctx.query.get('$skipToken');
  const start = raw && /^\d+$/.test(raw) ? Number(raw) : 0;
  const value = items.slice(start, start + size);
  if (start + size >= items.length) return { value };
  const q = new URLSearchParams(ctx.query);
  q.delete('$skipToken');
  q.set('$skiptoken', String(start + size));
  return { value, nextLink: `${ctx.endpoint}${ctx.path}?${q.toString()}` };
}

/** The resource or ARM's 404 (ResourceNotFound / ResourceGroupNotFound / SubscriptionNotFound). */
export function mustGet(ctx: Ctx, id: string): ArmResource {
  const r = ctx.state.get(id);
  if (r) return r;
  throw notFound(ctx, id, typeOf(id) ?? 'resource', nameOf(id));
}

/** Before creating `id`: its subscription, resource group and parent resource must exist. */
export function requireParent(ctx: Ctx, id: string): void {
  const sub = subscriptionOf(id);
  if (!sub || !ctx.state.subscription(sub))
    throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub ?? ''}' could not be found.`);
  const rg = resourceGroupOf(id);
  if (rg && !ctx.state.resourceGroup(sub, rg))
    throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  const parent = parentOf(id);
  if (/\/providers\/[^/]+(\/[^/]+\/[^/]+)+$/i.test(parent) && !ctx.state.get(parent)) {
    throw new ArmError(
      404,
      'ParentResourceNotFound',
      `Can not perform requested operation on nested resource. Parent resource '${nameOf(parent)}' not found.`,
    );
  }
}

/** The ARM action for a method on a type: read, write, delete, or `<name>/action` for POST. */
export function actionFor(method: string, type: string, postAction?: string): string {
  if (method === 'GET' || method === 'HEAD') return `${type}/read`;
  if (method === 'DELETE') return `${type}/delete`;
  if (method === 'POST') return `${type}/${postAction ?? 'action'}/action`;
  return `${type}/write`;
}

/** Is the path a collection (…/providers/ns/type or …/type under a resource)? */
export function isCollectionPath(path: string): boolean {
  const segs = segments(path);
  const p = segs.map((s) => s.toLowerCase()).lastIndexOf('providers');
  return p >= 0 && (segs.length - p - 2) % 2 === 1;
}

/** The body fields a PUT may set; id/name/type come from the path. */
function writable(body: Json | undefined): Json {
  const { id: _id, name: _name, type: _type, ...rest } = body ?? {};
  return rest;
}

export function genericGet(ctx: Ctx, id: string): Reply {
  requireAction(ctx, actionFor('GET', typeOf(id)!), id);
  return ok(present(ctx, mustGet(ctx, id)));
}

export function genericList(ctx: Ctx, collection: string, filter: (r: ArmResource) => boolean = () => true): Reply {
  const type = typeOf(collection)!;
  const subscriptionWide = !resourceGroupOf(collection) && !/\/providers\/[^/]+\/[^/]+\/[^/]+\//i.test(collection);
  // A subscription-wide list shows what the caller can read; anything narrower needs read on the parent.
  if (!subscriptionWide) requireAction(ctx, actionFor('GET', type), parentOf(`${collection}/x`));
  const sub = subscriptionOf(collection);
  if (sub && !ctx.state.subscription(sub)) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  const rg = resourceGroupOf(collection);
  if (sub && rg && !ctx.state.resourceGroup(sub, rg))
    throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  const parent = parentOf(`${collection}/x`);
  if (/\/providers\/[^/]+(\/[^/]+\/[^/]+)+$/i.test(parent)) mustGet(ctx, parent);
  // `/subscriptions/{s}/providers/ns/type` lists the whole subscription; otherwise direct children.
  const items = subscriptionWide
    ? ctx.state.ofType(type, `/subscriptions/${sub}`).filter((r) => hasAction(ctx.state, ctx.principalId, actionFor('GET', type), r.id))
    : ctx.state.children(collection);
  return ok(
    page(
      ctx,
      items.filter(filter).map((r) => present(ctx, r)),
    ),
  );
}

/** Create or replace: 201 when new, 200 when it existed. */
export function genericPut(
  ctx: Ctx,
  id: string,
  shape: (r: ArmResource, existing?: ArmResource) => ArmResource = (r) => r,
): { reply: Reply; resource: ArmResource } {
  requireAction(ctx, actionFor('PUT', typeOf(id)!), id);
  requireParent(ctx, id);
  const existing = ctx.state.get(id);
  const body = writable(ctx.body);
  const base: ArmResource = { id: existing?.id ?? id, name: nameOf(id), type: existing?.type ?? typeOf(id)!, ...body };
  base.properties = { ...(body.properties ?? {}), provisioningState: 'Succeeded' };
  const stored = ctx.state.put(shape(base, existing));
  return { reply: { status: existing ? 200 : 201, body: present(ctx, stored) }, resource: stored };
}

/** JSON merge patch of the stored resource. */
export function genericPatch(ctx: Ctx, id: string, shape: (r: ArmResource) => ArmResource = (r) => r): Reply {
  requireAction(ctx, actionFor('PATCH', typeOf(id)!), id);
  const existing = mustGet(ctx, id);
  const patched = mergePatch(existing, writable(ctx.body));
  // ARM replaces the whole tag set on PATCH.
  if (ctx.body?.tags) patched.tags = structuredClone(ctx.body.tags);
  const stored = ctx.state.put(shape({ ...patched, id: existing.id, name: existing.name, type: existing.type }));
  return ok(present(ctx, stored));
}

export function genericDelete(ctx: Ctx, id: string): Reply {
  requireAction(ctx, actionFor('DELETE', typeOf(id)!), id);
  requireParent(ctx, id);
  return { status: ctx.state.delete(id) ? 200 : 204 };
}
