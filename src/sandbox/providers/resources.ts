// Microsoft.Resources beyond subscriptions and groups: the generic resource list (`az keyvault list` without
// -g, `az resource list`), provider metadata (`az resource show --ids` picks its api-version there), and
// Azure Policy deny assignments a world declares, answered as ARM answers a disallowed write.
import { ArmError, ok, type Ctx, type Reply } from '../http.ts';
import { API_VERSIONS, apiVersionsOf, RESOURCE_TYPES } from '../api-versions.ts';
import { hasAction } from '../rbac.ts';
import { keyOf, nameOf, resourceGroupOf } from '../resource-id.ts';
import type { ArmResource, Json } from '../types.ts';
import { actionFor, page } from './arm.ts';

const TOP_LEVEL = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+$/i;

/** The fields Resources_List returns (GenericResourceExpanded without $expand). */
function generic(r: ArmResource): Json {
  const out: Json = { id: r.id, name: r.name, type: r.type };
  for (const k of ['kind', 'location', 'managedBy', 'sku', 'identity', 'plan', 'tags'] as const)
    if (r[k] !== undefined) out[k] = structuredClone(r[k]);
  return out;
}

/** The `$filter` clauses Resources_List supports that clients send: resourceType, name, resourceGroup (eq, joined by and). */
function filterOf(text: string | null): (r: ArmResource) => boolean {
  if (!text) return () => true;
  const clauses = text.split(/\s+and\s+/i).map((c) => {
    const f = /^\s*(resourceType|name|resourceGroup)\s+eq\s+'([^']*)'\s*$/i.exec(c);
    if (!f) throw new ArmError(400, 'InvalidFilterInQueryString', `Invalid $filter '${text}' specified in the query string.`);
    const want = f[2].toLowerCase();
    const field = f[1].toLowerCase();
    return (r: ArmResource) =>
      (field === 'resourcetype' ? r.type : field === 'name' ? r.name : (resourceGroupOf(r.id) ?? '')).toLowerCase() === want;
  });
  return (r) => clauses.every((c) => c(r));
}

export function listResources(ctx: Ctx, sub: string, rg?: string): Reply {
  if (!ctx.state.subscription(sub)) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  if (rg && !ctx.state.resourceGroup(sub, rg))
    throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  const scope = rg ? `/subscriptions/${sub}/resourceGroups/${rg}/` : `/subscriptions/${sub}/`;
  const keep = filterOf(ctx.query.get('$filter'));
  const items = [...ctx.state.resources.values()]
    .filter((r) => TOP_LEVEL.test(r.id) && keyOf(r.id).startsWith(keyOf(scope)) && keep(r))
    .filter((r) => hasAction(ctx.state, ctx.principalId, actionFor('GET', r.type), r.id))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(generic);
  const top = Number(ctx.query.get('$top') ?? 0) || undefined;
  return ok(page(ctx, top ? items.slice(0, top) : items));
}

const LOCATIONS = [
  'West Europe',
  'North Europe',
  'East US',
  'East US 2',
  'West US',
  'Central US',
  'UK South',
  'UK West',
  'Sweden Central',
  'Germany West Central',
];

function provider(namespace: string, sub: string | undefined): Json {
  const versions = [...(API_VERSIONS[namespace.toLowerCase()] ?? [])].reverse();
  return {
    ...(sub ? { id: `/subscriptions/${sub}/providers/${namespace}` } : {}),
    namespace,
    registrationState: 'Registered',
    registrationPolicy: 'RegistrationRequired',
    resourceTypes: RESOURCE_TYPES[namespace].map((resourceType) => {
      const own = [...(apiVersionsOf(`${namespace}/${resourceType}`) ?? [])].reverse();
      return {
        resourceType,
        locations: /^(operations|locations)$/.test(resourceType) ? [] : /^privateDnsZones/.test(resourceType) ? ['global'] : LOCATIONS,
        apiVersions: own.length ? own : versions,
        defaultApiVersion: (own.length ? own : versions).find((v) => !v.endsWith('-preview')),
        capabilities: 'None',
      };
    }),
  };
}

/** `GET [/subscriptions/{id}]/providers[/{namespace}]`. */
export function providerMetadata(ctx: Ctx, sub: string | undefined, namespace: string | undefined): Reply {
  if (sub && !ctx.state.subscription(sub)) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  if (!namespace)
    return ok(
      page(
        ctx,
        Object.keys(RESOURCE_TYPES).map((ns) => provider(ns, sub)),
      ),
    );
  const known = Object.keys(RESOURCE_TYPES).find((ns) => ns.toLowerCase() === namespace.toLowerCase());
  if (!known) throw new ArmError(404, 'InvalidResourceNamespace', `The resource namespace '${namespace}' is invalid.`);
  return ok(provider(known, sub));
}

const at = (v: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Json)[k] : undefined), v);

/** A write a world's policy deny assignment covers: ARM's 403 RequestDisallowedByPolicy naming the assignment. */
export function denyByPolicy(ctx: Ctx, id: string, type: string): void {
  for (const deny of ctx.state.world.policyDenies ?? []) {
    if (deny.resourceType.toLowerCase() !== type) continue;
    if (!keyOf(id).startsWith(keyOf(deny.scope))) continue;
    if (deny.field && JSON.stringify(at(ctx.body, deny.field)) !== JSON.stringify(deny.equals)) continue;
    const assignmentId = `${deny.scope.replace(/\/$/, '')}/providers/Microsoft.Authorization/policyAssignments/${deny.assignmentName}`;
    const definitionId = `/providers/Microsoft.Authorization/policyDefinitions/${deny.policyDefinitionName ?? deny.assignmentName}`;
    const identifiers = [
      {
        policyAssignment: { name: deny.assignmentName, id: assignmentId },
        policyDefinition: { name: deny.policyDefinitionName ?? deny.assignmentName, id: definitionId },
      },
    ];
    throw new ArmError(
      403,
      'RequestDisallowedByPolicy',
      `Resource '${nameOf(id)}' was disallowed by policy. Policy identifiers: '${JSON.stringify(identifiers)}'.`,
      {
        target: nameOf(id),
        additionalInfo: [
          {
            type: 'PolicyViolation',
            info: {
              evaluationDetails: {
                evaluatedExpressions: deny.field
                  ? [
                      {
                        result: 'True',
                        expressionKind: 'Field',
                        expression: deny.field,
                        path: deny.field,
                        expressionValue: at(ctx.body, deny.field),
                        targetValue: deny.equals,
                        operator: 'Equals',
                      },
                    ]
                  : [],
              },
              policyDefinitionId: definitionId,
              policyDefinitionName: deny.policyDefinitionName ?? deny.assignmentName,
              policyDefinitionEffect: 'deny',
              policyAssignmentId: assignmentId,
              policyAssignmentName: deny.assignmentName,
              policyAssignmentScope: deny.scope,
            },
          },
        ],
      },
    );
  }
}
