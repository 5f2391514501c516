// Long-running operations: an operation id, a number of InProgress polls, then Succeeded. The work runs
// once, when the operation completes (first Succeeded poll, or at once when a fault hides the outcome).
import { ArmError, type Ctx, type Reply } from './http.ts';
import { present } from './providers/arm.ts';
import { subscriptionOf } from './resource-id.ts';

interface Operation {
  id: string;
  remaining: number;
  done: boolean;
  started: string;
  finish: () => void;
  /** The resource the operation changes (served by operationResults once done). */
  resourceId: string;
}

/** The operations in flight and finished, by id. */
export class LroRegistry {
  private readonly ops = new Map<string, Operation>();

  /**
   * Start an operation. `style` chooses the status URLs: APIM's operationsStatus/operationResults or
   * Network's operations/operationResults. Returns the operation id and the headers to send.
   */
  start(ctx: Ctx, style: 'apim' | 'network', location: string, finish: () => void): { id: string; headers: Record<string, string> } {
    const id = ctx.state.guid();
    this.ops.set(id, { id, remaining: ctx.lroPolls, done: false, started: ctx.state.stamp(), finish, resourceId: ctx.path });
    const sub = subscriptionOf(ctx.path) ?? ctx.state.world.subscriptions[0].subscriptionId;
    const loc = location.replace(/\s+/g, '').toLowerCase();
    const base = `${ctx.endpoint}/subscriptions/${sub}/providers/${style === 'apim' ? 'Microsoft.ApiManagement' : 'Microsoft.Network'}/locations/${loc}`;
    const version = ctx.query.get('api-version') ?? '';
    const status = `${base}/${style === 'apim' ? 'operationsStatus' : 'operations'}/${id}?api-version=${version}`;
    const result = `${base}/operationResults/${id}?api-version=${version}`;
    return { id, headers: { 'Azure-AsyncOperation': status, Location: result } };
  }

  /** Run an operation's work now (a fault answered its initial request). */
  complete(id: string): void {
    const op = this.ops.get(id);
    if (op && !op.done) {
      op.done = true;
      op.remaining = 0;
      op.finish();
    }
  }

  /** Answer a status poll: InProgress while polls remain, then run the work and answer Succeeded. */
  poll(ctx: Ctx, id: string, kind: 'status' | 'result'): Reply {
    const op = this.ops.get(id);
    if (!op) throw new ArmError(404, 'OperationNotFound', `The operation '${id}' could not be found.`);
    if (op.remaining > 0) {
      op.remaining--;
      return kind === 'status' ? { status: 200, body: { id: ctx.path, name: id, status: 'InProgress', startTime: op.started } } : { status: 202, body: undefined };
    }
    this.complete(id);
    if (kind === 'status') return { status: 200, body: { id: ctx.path, name: id, status: 'Succeeded', startTime: op.started, endTime: ctx.state.stamp() } };
    const resource = ctx.state.get(op.resourceId);
    return resource ? { status: 200, body: present(ctx, resource) } : { status: 204, body: undefined };
  }
}
