// What every executor shares: its context, and the read-modify-write loop. Shared resources are re-read
// right before the write, skipped when the effect is already there ('already'), written with the FULL
// lists and ETag/If-Match where ARM offers one (a 412 means someone else wrote in between: re-read and
// rebuild once, so their change is kept) or, where none exists (Key Vault vaults), re-read once more right
// before the write; then re-read to verify that the effect is present and that every entry seen during the
// operation survived (`lost`). "Is the effect there?" is the registry's isDone,
// the same question the journal settle asks of gathered facts.
import { isDone, type Observed, type OperationKind, type OperationOf } from '../../checks/operations/index.ts';
import type { Operation } from '../../checks/types.ts';
import type { OperationResult } from '../../checks/ports.ts';
import type { AzureClients } from '../clients.ts';
import { toAzureError } from '../errors.ts';

/** What apply needs besides the operation. */
export interface ApplyContext {
  clients: AzureClients;
  signal?: AbortSignal;
  /** Test seam: runs after the re-read and before the write (to stage a concurrent edit deterministically). */
  beforeWrite?: (operation: Operation) => Promise<void>;
}

/** Applies one kind of operation. */
export type Executor<K extends OperationKind> = (ctx: ApplyContext, op: OperationOf<K>) => Promise<OperationResult>;

/** Executors for a family of kinds, keyed like the operation registry. */
export type ExecutorFamily<P extends string> = { [K in Extract<OperationKind, `${P}${string}`>]: Executor<K> };

/** A resource as read, with its ETag when ARM gives one. */
export interface Snapshot<S> {
  state: S;
  etag?: string;
}

/** A read fact, for isDone. */
export const seen = <T>(value: T) => ({ ok: true as const, value });

/** The registry's answer on a resource as just read: only a clear yes counts. */
export const done = (op: Operation, observed: Observed) => isDone(op, observed) === true;

interface RmwSpec<S> {
  read: () => Promise<Snapshot<S>>;
  /** The resource as facts, for the registry's isDone. */
  observe: (state: S) => Observed;
  write: (state: S, etag: string | undefined) => Promise<void>;
  /** Keys of the entries that must survive (ip rules, vnet rules, policies, endpoints, rules …). */
  entries: (state: S) => string[];
  /** The relevant part of the resource, for the journal (never a secret). */
  view: (state: S) => unknown;
  what: string;
  /** No ETag exists for this resource (Key Vault vaults): read again right before writing. */
  rereadBeforeWrite?: boolean;
}

function lostEntries(before: string[], after: string[]): string[] {
  const present = new Set(after);
  return before.filter((e) => !present.has(e));
}

export async function readModifyWrite<S>(ctx: ApplyContext, operation: Operation, spec: RmwSpec<S>): Promise<OperationResult> {
  for (let attempt = 1; ; attempt++) {
    const first = await spec.read();
    let { state: before } = first;
    const { etag } = first;
    if (done(operation, spec.observe(before))) {
      return {
        outcome: 'already',
        message: `${spec.what}: already in place, nothing was written.`,
        before: spec.view(before),
        after: spec.view(before),
        verified: true,
        lost: [],
      };
    }
    await ctx.beforeWrite?.(operation);
    // Every entry seen while the operation ran must still be there afterwards.
    const seenEntries = new Set(spec.entries(before));
    if (spec.rereadBeforeWrite && !etag) {
      // No ETag to make the write conditional (Key Vault vaults have none): read again right before writing, so
      // the window in which another writer's change can be overwritten is one request long.
      ({ state: before } = await spec.read());
      for (const e of spec.entries(before)) seenEntries.add(e);
      if (done(operation, spec.observe(before))) {
        return {
          outcome: 'already',
          message: `${spec.what}: already in place (someone else made the change), nothing was written.`,
          before: spec.view(before),
          after: spec.view(before),
          verified: true,
          lost: [],
        };
      }
    }
    try {
      await spec.write(before, etag);
    } catch (e) {
      // If-Match failed: someone changed the resource after our read. Rebuild from their version once.
      if (attempt === 1 && etag && toAzureError(e).kind === 'PreconditionFailed') continue;
      throw e;
    }
    const { state: after } = await spec.read();
    const present = done(operation, spec.observe(after));
    const lost = lostEntries([...seenEntries], spec.entries(after));
    const verified = present && lost.length === 0;
    const message = !present
      ? `${spec.what}: written, but the change is not visible on re-read (an Azure Policy may have reverted it).`
      : lost.length
        ? `${spec.what}: applied, but entries present during the operation are gone: ${lost.join(', ')}.`
        : `${spec.what}: applied and verified${attempt > 1 ? ' (re-read after a concurrent change)' : ''}.`;
    return { outcome: 'applied', message, before: spec.view(before), after: spec.view(after), verified, lost };
  }
}

export function ifMatch(etag: string | undefined): { headers: Record<string, string> } | undefined {
  return etag ? { headers: { 'If-Match': etag } } : undefined;
}
