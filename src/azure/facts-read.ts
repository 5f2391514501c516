// Turning one SDK read into a Fact: the value with provenance, or the reason it could not be read.
// A refused read never stops the pass: it becomes { ok: false, unknown: 'Forbidden', missingAction }.
import { createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import type { Permission } from '@azure/arm-authorization';
import type { Fact, PermissionFacts, ReadFailure } from '../checks/facts.ts';
import type { AzureErrorInfo } from '../checks/ports.ts';
import type { AzureClients } from './clients.ts';
import { permissionFromRest } from './convert.ts';
import { toAzureError } from './errors.ts';

/** Api-versions our SDKs send (testing-notes §1.1), recorded in provenance. */
export const API_VERSIONS = {
  apim: '2024-05-01',
  keyVault: '2026-02-01',
  network: '2026-01-01',
  authorization: '2022-04-01',
  resourceGraph: '2024-04-01',
  keyVaultData: '2025-07-01',
} as const;

/** Thrown through the gather so a cancelled run ends at once instead of producing unknown facts. */
export class Cancelled extends Error {
  override readonly name = 'AbortError';
  constructor() {
    super('The request was cancelled.');
  }
}

export function readFailure(info: AzureErrorInfo): ReadFailure {
  switch (info.kind) {
    case 'Forbidden':
      return 'Forbidden';
    case 'NotFound':
      return 'NotFound';
    case 'Throttled':
      return 'Throttled';
    case 'Network':
      return 'Network';
    default:
      return 'Error';
  }
}

/** A failed fact from error info; `expectedAction` names the permission when ARM did not. */
export function failedFact<T>(info: AzureErrorInfo, resourceId: string, apiVersion: string | undefined, expectedAction?: string): Fact<T> {
  const unknown = readFailure(info);
  const missingAction = info.missingAction ?? (unknown === 'Forbidden' ? expectedAction : undefined);
  return {
    ok: false,
    unknown,
    message: info.message,
    ...(missingAction ? { missingAction } : {}),
    from: { resourceId, ...(apiVersion ? { apiVersion } : {}), readAt: new Date().toISOString() },
  };
}

/** Run one read; Aborted is rethrown, anything else becomes a failed fact. */
export async function readFact<T>(
  resourceId: string,
  apiVersion: string | undefined,
  expectedAction: string | undefined,
  read: () => Promise<T>,
): Promise<Fact<T>> {
  try {
    const value = await read();
    return { ok: true, value, from: { resourceId, ...(apiVersion ? { apiVersion } : {}), readAt: new Date().toISOString() } };
  } catch (e) {
    const info = toAzureError(e);
    if (info.kind === 'Aborted') throw new Cancelled();
    return failedFact<T>(info, resourceId, apiVersion, expectedAction);
  }
}

/** A fact that could not be read because something it depends on could not (e.g. no vault -> no role assignments). */
export function dependentFact<T>(on: Fact<unknown>, resourceId: string): Fact<T> {
  if (on.ok) throw new Error('dependentFact needs a failed fact');
  return {
    ok: false,
    unknown: on.unknown,
    message: on.message,
    ...(on.missingAction ? { missingAction: on.missingAction } : {}),
    from: { resourceId, readAt: new Date().toISOString() },
  };
}

/** Drain a paged SDK iterator. */
export async function all<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iter) out.push(item);
  return out;
}

/**
 * The caller's effective permissions on a resource. A raw GET through the authorization client's
 * pipeline: `permissions.listForResource` with an empty parent path builds `Microsoft.KeyVault//vaults`
 * (domain.md §7.5), and the raw path works for any resource id (subnets included).
 */
export async function listPermissions(clients: AzureClients, resourceId: string, signal?: AbortSignal): Promise<PermissionFacts[]> {
  const out: PermissionFacts[] = [];
  let url: string | undefined =
    `${clients.profile.armEndpoint}/${resourceId.replace(/^\/+/, '')}/providers/Microsoft.Authorization/permissions?api-version=${API_VERSIONS.authorization}`;
  while (url) {
    const request = createPipelineRequest({ url, method: 'GET', abortSignal: signal });
    const response = await clients.authorization.sendRequest(request);
    let body: { value?: Permission[]; nextLink?: string; error?: { code?: string; message?: string } } = {};
    try {
      body = JSON.parse(response.bodyAsText ?? '{}');
    } catch {
      body = {};
    }
    if (response.status >= 400) {
      throw new RestError(body.error?.message ?? `HTTP ${response.status}`, {
        statusCode: response.status,
        code: body.error?.code,
        request,
        response,
      });
    }
    out.push(...(body.value ?? []).map(permissionFromRest));
    url = body.nextLink || undefined;
  }
  return out;
}
