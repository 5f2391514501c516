// The one boundary where Azure's data becomes Facts. Every string in what was read (names, tags, subjects,
// lastStatus and error messages, IP rule values) comes from whoever could write that resource, so it is
// untrusted. Here it is made a well-formed string (a lone surrogate would break every encoder downstream);
// it is otherwise kept exact, because JSON output and every comparison need Azure's own value. Making it
// harmless to show is each output's job (src/checks/escape.ts: terminal, Markdown, CSV, shell).
import { wellFormed } from '../checks/escape.ts';

/** A copy of plain data read from Azure with every string well-formed (lone surrogates become U+FFFD). */
export function remoteFacts<T>(value: T): T {
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(walk);
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    // Class instances (Secret, Error, Date) are ours or the SDK's, never raw remote text: keep them whole.
    if (proto !== Object.prototype && proto !== null) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [walk(k) as string, walk(v)]));
  }
  return value;
}
