// Long-running operations on the sandbox's clock: an operation finishes `durationMs` after it started,
// whether or not anyone polls it (ARM does the work regardless of its client). Status replies carry
// Retry-After with the seconds still to wait, as ARM's do; clients that honour it (az, the SDKs) poll once.
import { ArmError, type Ctx, type Reply } from './http.ts';
import { present } from './providers/arm.ts';
import { subscriptionOf } from './resource-id.ts';

interface Operation {
  id: string;
  dueAt: number;
  done: boolean;
  started: string;
  finish: () => void;
  /** The resource the operation changes. */
  resourceId: string;
  /** Whose status contract the poll answers in. */
  style: 'apim' | 'network';
}

/** The operations in flight and finished, by id. */
export class LroRegistry {
  private readonly ops = new Map<string, Operation>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly clock: () => number,
    readonly durationMs: number,
  ) {}

  /**
   * Start an operation. `style` chooses the status URLs and bodies: APIM's operationStatuses/operationResults
   * (OperationStatus_Get, OperationsResults_Get) or Network's operations/operationResults. Returns the
   * operation id and the headers to send.
   */
  start(ctx: Ctx, style: 'apim' | 'network', location: string, finish: () => void): { id: string; headers: Record<string, string> } {
    const id = ctx.state.guid();
    const op: Operation = {
      id,
      dueAt: this.clock() + this.durationMs,
      done: false,
      started: ctx.state.stamp(),
      finish,
      resourceId: ctx.path,
      style,
    };
    this.ops.set(id, op);
    // With the real clock nobody needs to ask: the timer finishes it. An injected clock is swept on each request.
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.sweep();
    }, this.durationMs);
    timer.unref();
    this.timers.add(timer);
    const sub = subscriptionOf(ctx.path) ?? ctx.state.world.subscriptions[0].subscriptionId;
    const loc = location.replace(/\s+/g, '').toLowerCase();
    const base = `${ctx.endpoint}/subscriptions/${sub}/providers/${style === 'apim' ? 'Microsoft.ApiManagement' : 'Microsoft.Network'}/locations/${loc}`;
    const version = ctx.query.get('api-version') ?? '';
    const status = `${base}/${style === 'apim' ? 'operationStatuses' : 'operations'}/${id}?api-version=${version}`;
    const result = `${base}/operationResults/${id}?api-version=${version}`;
    return { id, headers: { 'Azure-AsyncOperation': status, Location: result, 'Retry-After': this.retryAfter(op) } };
  }

  /** Seconds until the operation is due, rounded up (0 once due: nothing to wait for). */
  private retryAfter(op: Operation): string {
    return String(Math.max(0, Math.ceil((op.dueAt - this.clock()) / 1000)));
  }

  /** Finish every operation whose time has come. */
  sweep(): void {
    const now = this.clock();
    for (const op of this.ops.values()) if (!op.done && op.dueAt <= now) this.complete(op.id);
  }

  /** Run an operation's work now (a fault answered its initial request). */
  complete(id: string): void {
    const op = this.ops.get(id);
    if (op && !op.done) {
      op.done = true;
      op.finish();
    }
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /**
   * Answer a poll. Status: InProgress (with Retry-After) until due, then Succeeded, in the provider's contract:
   * APIM's is common-types OperationStatusResult (OperationStatus_Get), Network's is AzureAsyncOperationResult,
   * whose only properties are status and error (network.json). Result (OperationsResults_Get): 202 with Location
   * and Retry-After until due, then 200. The spec gives that 200 no schema; the resource is sent in it because
   * Microsoft's clients take a PATCH's final result from the Location URL (core-lro), and 200 rather than 204
   * when the resource is gone, since 204 is not among the operation's responses.
   */
  poll(ctx: Ctx, id: string, kind: 'status' | 'result'): Reply {
    const op = this.ops.get(id);
    if (!op) throw new ArmError(404, 'OperationNotFound', `The operation '${id}' could not be found.`);
    this.sweep();
    const status = op.done ? 'Succeeded' : 'InProgress';
    const headers: Record<string, string> = op.done ? {} : { 'Retry-After': this.retryAfter(op) };
    if (kind === 'result') {
      if (!op.done) return { status: 202, headers: { ...headers, Location: `${ctx.endpoint}${ctx.path}?${ctx.query}` }, body: undefined };
      const resource = ctx.state.get(op.resourceId);
      return { status: 200, body: resource ? present(ctx, resource) : undefined };
    }
    if (op.style === 'network') return { status: 200, headers, body: { status } };
    const times = op.done ? { startTime: op.started, endTime: ctx.state.stamp() } : { startTime: op.started };
    return { status: 200, headers, body: { id: ctx.path, name: id, status, ...times } };
  }
}
