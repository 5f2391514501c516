// Injected faults (faults.ts holds the rules): a 'before' rule answers instead of the sandbox, an 'after' rule
// lets the request take effect and then keeps the outcome from the client.
import type { ServerResponse } from 'node:http';
import { faultReply, type Faults } from '../faults.ts';
import type { LroRegistry } from '../lro.ts';
import type { FaultRule } from '../types.ts';
import { WITHHELD, type Exchange, type Outcome, type Stage } from './exchange.ts';

function applyFault(x: Exchange, rule: FaultRule, hanging: Set<ServerResponse>): Outcome {
  const r = rule.respond;
  if ('reset' in r) {
    x.fault = 'reset';
    x.req.socket.destroy();
    return WITHHELD;
  }
  if ('hang' in r) {
    x.fault = 'hang';
    hanging.add(x.res);
    x.res.on('close', () => hanging.delete(x.res));
    return WITHHELD;
  }
  x.fault = 'status';
  return faultReply(r);
}

/** `hanging` collects the responses a hang fault holds open, for close() to end; `tick` runs what is due on the clock. */
export function faultStage(faults: Faults, lros: LroRegistry, hanging: Set<ServerResponse>, tick: () => void = () => lros.sweep()): Stage {
  return async (x, next) => {
    // An injected clock moves between requests: what is due by now (operations, re-fetches) happens before a fault can answer.
    tick();
    const before = faults.take(x.method, x.path, x.host, 'before');
    if (before) return applyFault(x, before, hanging);
    const out = await next();
    const after = faults.take(x.method, x.path, x.host, 'after');
    if (!after) return out;
    // The operation happened; the client just does not learn the outcome.
    if (out !== WITHHELD && out.lro) lros.complete(out.lro);
    return applyFault(x, after, hanging);
  };
}
