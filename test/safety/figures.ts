// The safety suite's figures, for bench/safety.mjs: each safety test adds what it measured (never asserted
// here; the tests assert). With SAFETY_FIGURES set (the bench sets it), they are appended to that file as
// JSON lines, one per test file; otherwise nothing is written.
import { appendFileSync } from 'node:fs';
import { after } from 'node:test';

const counts = new Map<string, number>();

/** Add `n` to one figure (created at 0, so a figure that stays 0 is still reported). */
export function figure(name: string, n = 0): void {
  counts.set(name, (counts.get(name) ?? 0) + n);
}

// Registered when a test file imports this (top level: the file's root), so it runs after the file's
// own after hooks have added their figures.
after(() => {
  const file = process.env.SAFETY_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify(Object.fromEntries(counts))}\n`);
});
