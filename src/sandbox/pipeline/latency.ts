// The world's (or the control endpoint's) latency, before an ARM or data-plane request is handled.
import type { Latency } from '../types.ts';
import type { Stage } from './exchange.ts';

export function latencyStage(latency: { readonly current: Latency }, jitter: () => number): Stage {
  return async (_x, next) => {
    const { baseMs, jitterMs } = latency.current;
    const delay = baseMs + Math.floor(jitter() * jitterMs);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    return next();
  };
}
