// Every page of one Resource Graph query, for the picker's discovery and the audit's fleet read alike.
import type { AzureClients } from './clients.ts';

/** Resource Graph's page size limit: the fewest round trips over a slow link. */
export const GRAPH_PAGE = 1000;

export interface GraphScope {
  /** None = every subscription the operator can see (or the management groups, when given). */
  subscriptions: string[];
  managementGroups?: string[];
}

export interface GraphPage {
  /** A truncated answer without a skip token cannot be continued: the caller says so. */
  truncated: boolean;
}

export async function graphPages<T>(
  clients: AzureClients,
  query: string,
  scope: GraphScope,
  signal?: AbortSignal,
  onPage?: (page: GraphPage) => void,
): Promise<T[]> {
  const rows: T[] = [];
  const managementGroups = scope.managementGroups ?? [];
  let skipToken: string | undefined;
  do {
    const page = await clients.resourceGraph.resources(
      {
        query,
        ...(scope.subscriptions.length ? { subscriptions: scope.subscriptions } : {}),
        ...(managementGroups.length && !scope.subscriptions.length ? { managementGroups } : {}),
        options: { resultFormat: 'objectArray', top: GRAPH_PAGE, ...(skipToken ? { skipToken } : {}) },
      },
      { abortSignal: signal },
    );
    rows.push(...((Array.isArray(page.data) ? page.data : []) as T[]));
    skipToken = page.skipToken;
    onPage?.({ truncated: !skipToken && String(page.resultTruncated).toLowerCase() === 'true' });
  } while (skipToken);
  return rows;
}
