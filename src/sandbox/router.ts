// Routes one ARM request (path already normalised, caller known) to the provider that serves it, after
// the api-version check. Anything that is not an ARM path the sandbox knows is a 404.
import { ArmError, ok, type Ctx, type Reply } from './http.ts';
import type { LroRegistry } from './lro.ts';
import { API_VERSIONS, apiVersionsOf, RESOURCES_VERSIONS } from './api-versions.ts';
import { RESOURCE_ID, typeOf } from './resource-id.ts';
import { hasAction, requireAction } from './rbac.ts';
import { actionFor, genericDelete, genericGet, genericList, genericPatch, genericPut, isCollectionPath, page } from './providers/arm.ts';
import {
  deleteCertificate,
  getCertificate,
  listCertificates,
  listWorkspaces,
  patchService,
  putCertificate,
  putService,
  refreshNamedValue,
  refreshSecret,
} from './providers/apim.ts';
import { denyByPolicy, listResources, providerMetadata } from './providers/resources.ts';
import {
  deleteRoleAssignment,
  getRoleAssignment,
  getRoleDefinition,
  listPermissions,
  listRoleAssignments,
  listRoleDefinitions,
  putRoleAssignment,
} from './providers/authorization.ts';
import {
  deleteVault,
  getDeletedVault,
  listDeletedVaults,
  getVault,
  patchVault,
  putVault,
  updateAccessPolicies,
} from './providers/keyvault.ts';
import { listAtScope, listDeploymentOperations } from './providers/deployments.ts';
import { networkPut } from './providers/network.ts';
import { queryResources } from './providers/resourcegraph.ts';

const PROVIDER_METADATA = /^(\/subscriptions\/[^/]+)?\/providers(\/[^/]+)?$/i;

function checkApiVersion(ctx: Ctx): void {
  const version = ctx.query.get('api-version');
  if (!version)
    throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  const type = typeOf(ctx.path);
  // Provider metadata (`/providers/{ns}`) is served by Microsoft.Resources, whatever the namespace.
  const providerMetadata = PROVIDER_METADATA.test(ctx.path);
  const namespace = providerMetadata ? 'microsoft.resources' : (type?.split('/')[0] ?? 'Microsoft.Resources').toLowerCase();
  const supported = providerMetadata ? API_VERSIONS[namespace] : type ? apiVersionsOf(type) : API_VERSIONS[namespace];
  if (!supported) {
    if (namespace === 'microsoft.resources') {
      const wellFormed = /^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version);
      if (!wellFormed || (/^\/(subscriptions|providers)(\/|$)/i.test(ctx.path) && !RESOURCES_VERSIONS.includes(version))) {
        throw new ArmError(
          400,
          'InvalidApiVersionParameter',
          `The api-version '${version}' is invalid. The supported versions are '${[...RESOURCES_VERSIONS].reverse().join(',')}'.`,
        );
      }
      return;
    }
    throw new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '' and API version '${version}' for type '${type}'. The sandbox emulates Microsoft.ApiManagement, Microsoft.KeyVault, Microsoft.Network, Microsoft.Authorization, Microsoft.ResourceGraph and Microsoft.ManagedIdentity.`,
    );
  }
  if (!supported.includes(version)) {
    const location = ctx.state.get(ctx.path)?.location ?? '';
    throw new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${location}' and API version '${version}' for type '${type!.split('/').slice(1).join('/') || type}'. The supported api-versions are '${supported.join(', ')}'.`,
    );
  }
}

const m = (re: RegExp, path: string) => re.exec(path);

function subscriptionBody(ctx: Ctx, s: { subscriptionId: string; displayName: string; state?: string }) {
  return {
    id: `/subscriptions/${s.subscriptionId}`,
    subscriptionId: s.subscriptionId,
    tenantId: ctx.state.world.tenantId,
    displayName: s.displayName,
    state: s.state ?? 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
    authorizationSource: 'RoleBased',
  };
}

export function route(ctx: Ctx, lros: LroRegistry): Reply {
  const { path, method } = ctx;
  checkApiVersion(ctx);
  let g: RegExpExecArray | null;

  if (/^\/subscriptions$/i.test(path) && method === 'GET') {
    return ok(
      page(
        ctx,
        ctx.state.world.subscriptions.map((s) => subscriptionBody(ctx, s)),
      ),
    );
  }
  if ((g = m(/^\/subscriptions\/([^/]+)$/i, path)) && method === 'GET') {
    const s = ctx.state.subscription(g[1]);
    if (!s) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${g[1]}' could not be found.`);
    return ok(subscriptionBody(ctx, s));
  }
  if ((g = m(/^\/subscriptions\/([^/]+)\/resourceGroups$/i, path)) && method === 'GET') {
    if (!ctx.state.subscription(g[1])) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${g[1]}' could not be found.`);
    // Lists the resource groups the caller can read.
    const visible = ctx.state
      .resourceGroups(g[1])
      .filter((rg) => hasAction(ctx.state, ctx.principalId, 'Microsoft.Resources/subscriptions/resourceGroups/read', rg.id));
    return ok(page(ctx, visible));
  }
  if ((g = m(/^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i, path)) && method === 'GET') {
    if (!ctx.state.subscription(g[1])) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${g[1]}' could not be found.`);
    requireAction(ctx, 'Microsoft.Resources/subscriptions/resourceGroups/read', path);
    const rg = ctx.state.resourceGroup(g[1], g[2]);
    if (!rg) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${g[2]}' could not be found.`);
    return ok(rg);
  }
  if ((g = m(/^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/resources$/i, path)) && method === 'GET')
    return listResources(ctx, g[1], g[2]);
  if ((g = m(PROVIDER_METADATA, path)) && method === 'GET') return providerMetadata(ctx, g[1]?.split('/')[2], g[2]?.slice(1));
  if (/^\/providers\/Microsoft\.ResourceGraph\/resources$/i.test(path) && method === 'POST') return queryResources(ctx);
  if (
    (g = m(
      /\/providers\/Microsoft\.(?:ApiManagement|Network)\/locations\/[^/]+\/(operationStatuses|operations|operationResults)\/([^/]+)$/i,
      path,
    )) &&
    method === 'GET'
  ) {
    return lros.poll(ctx, g[2], g[1].toLowerCase() === 'operationresults' ? 'result' : 'status');
  }
  if ((g = m(/^(.*?)\/providers\/Microsoft\.Authorization\/(roleAssignments|roleDefinitions|permissions)(?:\/([^/]+))?$/i, path))) {
    const scope = g[1] || '/';
    const kind = g[2].toLowerCase();
    const name = g[3];
    if (kind === 'permissions' && !name && method === 'GET') return listPermissions(ctx, scope);
    if (kind === 'roledefinitions' && method === 'GET') return name ? getRoleDefinition(ctx, scope, name) : listRoleDefinitions(ctx, scope);
    if (kind === 'roleassignments') {
      if (!name && method === 'GET') return listRoleAssignments(ctx, scope);
      if (name && method === 'GET') return getRoleAssignment(ctx, scope, name);
      if (name && method === 'PUT') return putRoleAssignment(ctx, scope, name);
      if (name && method === 'DELETE') return deleteRoleAssignment(ctx, scope, name);
    }
    throw new ArmError(405, 'MethodNotAllowed', `The sandbox does not support ${method} ${path}.`);
  }
  if (
    (g = m(
      /^(\/subscriptions\/[^/]+(?:\/resourceGroups\/[^/]+)?)\/providers\/Microsoft\.Resources\/(deployments|deploymentStacks)$/i,
      path,
    )) &&
    method === 'GET'
  ) {
    return listAtScope(ctx, g[1], g[2].toLowerCase() === 'deployments' ? 'deployments' : 'deploymentStacks');
  }
  if (
    (g = m(
      /^(\/subscriptions\/[^/]+(?:\/resourceGroups\/[^/]+)?\/providers\/Microsoft\.Resources\/deployments\/[^/]+)\/operations$/i,
      path,
    )) &&
    method === 'GET'
  ) {
    return listDeploymentOperations(ctx, g[1]);
  }
  // Deployments 2025-04-01 lists a resource group deployment's operations on the older path without the provider.
  if ((g = m(/^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/deployments\/([^/]+)\/operations$/i, path)) && method === 'GET') {
    return listDeploymentOperations(ctx, `/subscriptions/${g[1]}/resourceGroups/${g[2]}/providers/Microsoft.Resources/deployments/${g[3]}`);
  }
  if (
    (g = m(/^\/subscriptions\/([^/]+)\/providers\/Microsoft\.KeyVault\/locations\/([^/]+)\/deletedVaults\/([^/]+)$/i, path)) &&
    method === 'GET'
  ) {
    return getDeletedVault(ctx, g[1], g[2], g[3]);
  }
  if ((g = m(/^\/subscriptions\/([^/]+)\/providers\/Microsoft\.KeyVault\/deletedVaults$/i, path)) && method === 'GET')
    return listDeletedVaults(ctx, g[1]);
  if ((g = m(/^(.*\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+)\/accessPolicies\/([^/]+)$/i, path)) && method === 'PUT') {
    return updateAccessPolicies(ctx, g[1], g[2]);
  }
  if (
    (g = m(/^(.*\/providers\/Microsoft\.ApiManagement\/service\/[^/]+\/certificates\/[^/]+)\/refreshSecret$/i, path)) &&
    method === 'POST'
  ) {
    return refreshSecret(ctx, g[1]);
  }
  if (
    (g = m(/^(.*\/providers\/Microsoft\.ApiManagement\/service\/[^/]+\/namedValues\/[^/]+)\/refreshSecret$/i, path)) &&
    method === 'POST'
  ) {
    return refreshNamedValue(ctx, g[1]);
  }

  const collection = isCollectionPath(path);
  if (!RESOURCE_ID.test(collection ? `${path}/x` : path)) {
    throw new ArmError(404, 'NotFound', `The sandbox does not serve ${method} ${path}: not an Azure Resource Manager path it knows.`);
  }
  const type = typeOf(path)!.toLowerCase();
  if (collection) {
    if (method !== 'GET') throw new ArmError(405, 'MethodNotAllowed', `The sandbox does not support ${method} on a collection.`);
    if (type === 'microsoft.apimanagement/service/certificates') return listCertificates(ctx, path);
    if (type === 'microsoft.apimanagement/service/workspaces') return listWorkspaces(ctx, path);
    return genericList(ctx, path);
  }
  if (method === 'PUT' || method === 'PATCH') denyByPolicy(ctx, path, type);
  switch (`${method} ${type}`) {
    case 'PATCH microsoft.apimanagement/service':
      return patchService(ctx, path, lros);
    case 'PUT microsoft.apimanagement/service':
      return putService(ctx, path, lros);
    case 'GET microsoft.apimanagement/service/certificates':
    case 'HEAD microsoft.apimanagement/service/certificates':
      return getCertificate(ctx, path);
    case 'PUT microsoft.apimanagement/service/certificates':
      return putCertificate(ctx, path);
    case 'DELETE microsoft.apimanagement/service/certificates':
      return deleteCertificate(ctx, path);
    case 'GET microsoft.keyvault/vaults':
    case 'HEAD microsoft.keyvault/vaults':
      return getVault(ctx, path);
    case 'PATCH microsoft.keyvault/vaults':
      return patchVault(ctx, path);
    case 'PUT microsoft.keyvault/vaults':
      return putVault(ctx, path);
    case 'DELETE microsoft.keyvault/vaults':
      return deleteVault(ctx, path);
    case 'PUT microsoft.network/virtualnetworks/subnets':
      return networkPut(ctx, path, 'subnet', lros);
    case 'PUT microsoft.network/networksecuritygroups/securityrules':
      return networkPut(ctx, path, 'securityRule', lros);
  }
  switch (method) {
    case 'GET':
    case 'HEAD':
      return genericGet(ctx, path);
    case 'PUT':
      return genericPut(ctx, path).reply;
    case 'PATCH':
      return genericPatch(ctx, path);
    case 'DELETE':
      return genericDelete(ctx, path);
    case 'POST':
      requireAction(ctx, actionFor('POST', typeOf(path)!), path);
      throw new ArmError(404, 'NotFound', `The sandbox does not serve POST ${path}.`);
  }
  throw new ArmError(405, 'MethodNotAllowed', `The sandbox does not support ${method} ${path}.`);
}
