// Keys typed ahead are never lost across a screen switch. Ink hands each stdin chunk to whatever useInput
// listeners exist at that instant: the rest of a chunk ("fy", "path\r" then the password) went to the old
// screen, and a key arriving while a lazy screen loaded, or before the new screen's listeners subscribed
// (a passive effect), reached nobody. The gate sits on Ink's input emitter: it splits chunks into single
// keys and delivers them one at a time, letting React commit (and the next screen subscribe) between
// two keys, and it holds keys while a screen is loading (see HoldKeys).
import { useStdin } from 'ink';
import { createElement, Fragment, useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';

type Emitter = NodeJS.EventEmitter;

interface Pending {
  data: string;
  /** When the key reached the app (performance.now()): a confirmation refuses keys from before it was shown. */
  at: number;
}

/** A hold never lasts longer than this: a screen that never subscribes must not swallow the keyboard. */
const MAX_HOLD_MS = 1000;

export class KeyGate {
  private readonly queue: Pending[] = [];
  private draining = false;
  private holds = 0;
  private holdTimer: NodeJS.Timeout | undefined;
  private current: Pending | undefined;
  /** Input events that reached the gate so far (a lone Esc reaches it only after Ink's 20 ms escape wait). */
  received = 0;
  private readonly emit: Emitter['emit'];

  constructor(private readonly emitter: Emitter) {
    this.emit = emitter.emit.bind(emitter);
    emitter.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event !== 'input' || typeof args[0] !== 'string') return this.emit(event, ...args);
      this.accept(args[0]);
      return true;
    }) as Emitter['emit'];
  }

  /** Nothing queued, held or being delivered, and the frame of the last key drawn (a macrotask after it). */
  async settled(): Promise<void> {
    do await hop();
    while (this.queue.length > 0 || this.holds > 0 || this.draining);
  }

  /** When the key being handled now reached the app; undefined outside a key handler. */
  receivedAt(): number | undefined {
    return this.current?.at;
  }

  hold(): () => void {
    this.holds++;
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      this.holds = 0;
      void this.drain();
    }, MAX_HOLD_MS);
    this.holdTimer.unref?.();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds = Math.max(0, this.holds - 1);
      if (this.holds === 0) clearTimeout(this.holdTimer);
      void this.drain();
    };
  }

  private accept(data: string) {
    this.received++;
    // Ctrl-C acts at once, whatever is queued or held.
    if (data === '\u0003') return void this.emit('input', data);
    const at = performance.now();
    // Ink already separates escape sequences; plain text (a chunk of typed-ahead keys) goes key by key.
    const keys = data.startsWith('\u001B') || data.length <= 1 ? [data] : [...data];
    for (const k of keys) this.queue.push({ data: k, at });
    void this.drain();
  }

  private async drain() {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && this.holds === 0) {
        const next = this.queue.shift()!;
        this.current = next;
        try {
          this.emit('input', next.data);
        } finally {
          this.current = undefined;
        }
        // A key handled inside Ink's discreteUpdates renders in a microtask and runs its effects then; a
        // macrotask later the screen it opened has subscribed (or holds the gate while it loads).
        if (this.queue.length > 0) await hop();
      }
    } finally {
      this.draining = false;
    }
  }
}

const hop = () => new Promise<void>((r) => setImmediate(r));

const gates = new WeakMap<Emitter, KeyGate>();
const live = new Set<KeyGate>();

/** How many input events have reached the app's key gates (tests wait for a key to arrive, then to settle). */
export function keysReceived(): number {
  let n = 0;
  for (const g of live) n += g.received;
  return n;
}

/** Every key typed so far has been handled and drawn (for tests that type, then look at the screen). */
export async function keysSettled(): Promise<void> {
  await Promise.all([...live].map((g) => g.settled()));
}

/** The gate on this Ink instance's input, installed by the first component that asks. */
export function useKeyGate(): KeyGate | undefined {
  const { internal_eventEmitter: emitter } = useStdin() as unknown as { internal_eventEmitter?: Emitter };
  if (!emitter) return undefined;
  let gate = gates.get(emitter);
  if (!gate) {
    gates.set(emitter, (gate = new KeyGate(emitter)));
    live.add(gate);
  }
  return gate;
}

/**
 * Rendered while a screen loads (a Suspense fallback) or waits for its next field: keys typed meanwhile
 * wait for what replaces it. The hold starts in the commit that shows it; it ends after the passive effects
 * of the commit that removes it, i.e. once the replacing screen's input listeners have subscribed.
 */
export function HoldKeys({ children }: { children?: ReactNode }) {
  const gate = useKeyGate();
  const release = useRef<(() => void) | undefined>(undefined);
  useLayoutEffect(() => {
    release.current ??= gate?.hold();
  }, [gate]);
  useEffect(
    () => () => {
      const r = release.current;
      release.current = undefined;
      // Passive unmount effects run before the mount effects of the same commit: a microtask is after both.
      if (r) queueMicrotask(r);
    },
    [gate],
  );
  return createElement(Fragment, null, children);
}
