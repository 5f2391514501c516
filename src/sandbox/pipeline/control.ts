// The control endpoints under /__sandbox/ (world snapshot, request log, pending sign-ins, faults, latency):
// for tests and `sandbox serve` users, answered before anything else and never logged.
import { ArmError, type Reply } from '../http.ts';
import type { Faults } from '../faults.ts';
import type { Latency, LoggedRequest, World } from '../types.ts';
import { validateFaultShape, WorldError } from '../world.ts';
import type { Stage } from './exchange.ts';

export interface Controls {
  world(): World;
  log(): LoggedRequest[];
  pendingSignins(): unknown;
  faults: Faults;
  latency: { current: Latency };
}

function answer(c: Controls, method: string, path: string, raw: string): Reply {
  if (path === '/__sandbox/world' && method === 'GET') return { status: 200, body: c.world() };
  if (path === '/__sandbox/log' && method === 'GET') return { status: 200, body: c.log() };
  if (path === '/__sandbox/signins' && method === 'GET') return { status: 200, body: { pending: c.pendingSignins() } };
  if (path === '/__sandbox/faults' && method === 'POST') {
    const rule = JSON.parse(raw || 'null');
    validateFaultShape(rule, 'body');
    c.faults.add(rule);
    return { status: 201, body: rule };
  }
  if (path === '/__sandbox/faults' && method === 'DELETE') {
    c.faults.clear();
    return { status: 204 };
  }
  if (path === '/__sandbox/latency' && method === 'POST') {
    const body = JSON.parse(raw || 'null');
    if (typeof body?.baseMs !== 'number' || typeof body?.jitterMs !== 'number')
      throw new WorldError('body: must be { baseMs: number, jitterMs: number }');
    c.latency.current = { baseMs: body.baseMs, jitterMs: body.jitterMs };
    return { status: 200, body: c.latency.current };
  }
  return new ArmError(404, 'NotFound', `Unknown sandbox control endpoint ${method} ${path}.`).reply();
}

export function controlStage(c: Controls): Stage {
  return async (x, next) => {
    if (!x.path.startsWith('/__sandbox/')) return next();
    try {
      return answer(c, x.req.method ?? 'GET', x.path, x.raw);
    } catch (e) {
      return new ArmError(400, 'InvalidRequest', (e as Error).message).reply();
    }
  };
}
