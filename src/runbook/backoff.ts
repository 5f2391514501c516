// The one back-off the engine waits with (a write refused while a fresh grant propagates, and the re-check
// after a grant): first step, doubling up to the largest step, until the total wait is spent.
import type { ApplyProgress } from './engine-types.ts';

/** How long to keep retrying a write that fails because a fresh role assignment is not honoured yet. */
export interface PropagationPolicy {
  /** Give up after this long (RBAC caching is minutes; docs mention up to 30 min in rare cases). */
  maxWaitMs: number;
  /** First wait; doubles each attempt up to maxStepMs. */
  firstStepMs: number;
  maxStepMs: number;
}

export const DEFAULT_PROPAGATION: PropagationPolicy = { maxWaitMs: 10 * 60_000, firstStepMs: 5_000, maxStepMs: 60_000 };

/** The waits, in order; their sum is maxWaitMs (the last one cut short to fit). */
export function* backoffWaits(policy: PropagationPolicy): Generator<number> {
  let waited = 0;
  let step = policy.firstStepMs;
  while (waited < policy.maxWaitMs) {
    const wait = Math.min(step, policy.maxWaitMs - waited);
    yield wait;
    waited += wait;
    step = Math.min(step * 2, policy.maxStepMs);
  }
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Wait `ms` a second at a time, showing the seconds left after `message`. */
export async function countdown(
  sleep: Sleep,
  ms: number,
  message: string,
  progress: (p: ApplyProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  for (let left = Math.ceil(ms / 1000); left > 0; left--) {
    progress({ phase: 'propagation', message: `${message} ${left} s`, secondsLeft: left });
    await sleep(1000, signal);
  }
}
