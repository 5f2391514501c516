// Executors keyed like the operation registry: a kind without an executor does not compile.
import type { OperationKind, OperationOf } from '../../checks/operations/index.ts';
import type { Operation } from '../../checks/types.ts';
import type { OperationResult } from '../../checks/ports.ts';
import { toAzureError } from '../errors.ts';
import { Cancelled } from '../facts-read.ts';
import { apimExecutors } from './apim.ts';
import { authorizationExecutors } from './authorization.ts';
import { networkExecutors } from './network.ts';
import type { ApplyContext, Executor } from './read-modify-write.ts';
import { vaultExecutors } from './vault.ts';

export type { ApplyContext } from './read-modify-write.ts';

const EXECUTORS: { readonly [K in OperationKind]: Executor<K> } = {
  ...apimExecutors,
  ...vaultExecutors,
  ...networkExecutors,
  ...authorizationExecutors,
};

function executorFor<K extends OperationKind>(op: OperationOf<K>): Executor<K> {
  return EXECUTORS[op.kind as K];
}

/** Execute one operation. Azure failures become outcome 'failed' with typed error info; a cancel is rethrown. */
export async function applyOperation(ctx: ApplyContext, op: Operation): Promise<OperationResult> {
  try {
    return await executorFor(op)(ctx, op);
  } catch (e) {
    const error = toAzureError(e);
    if (error.kind === 'Aborted' || e instanceof Cancelled) throw e;
    return { outcome: 'failed', message: `${op.kind} failed: ${error.message}`, verified: false, lost: [], error };
  }
}
