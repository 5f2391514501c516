// src/app/without-fetch.ts: the full-screen modules load with fetch hidden, so yoga (Ink's layout engine)
// decodes its WebAssembly itself instead of through fetch(), which would load Node's HTTP client first.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withoutFetch } from '../../src/app/without-fetch.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('fetch is undefined while the module loads, and the same function again afterwards, also after a failure', async () => {
  const before = globalThis.fetch;
  const seen = await withoutFetch(async () => typeof globalThis.fetch);
  assert.equal(seen, 'undefined');
  assert.equal(globalThis.fetch, before);
  await assert.rejects(
    withoutFetch(async () => {
      throw new Error('no such module');
    }),
    /no such module/,
  );
  assert.equal(globalThis.fetch, before);
});

test('yoga-layout calls fetch when it can, and not when loaded through withoutFetch', () => {
  // A fresh process each: an imported module is evaluated once.
  const load = (wrapped: boolean) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `let calls = 0;
         const real = globalThis.fetch;
         globalThis.fetch = (...a) => { calls++; return real(...a); };
         const { withoutFetch } = await import('./src/app/without-fetch.ts');
         const Yoga = (await (${wrapped} ? withoutFetch(() => import('yoga-layout')) : import('yoga-layout'))).default;
         Yoga.Node.create().free();
         console.log(calls);`,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
  const plain = load(false);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(plain.stdout.trim(), '1', 'yoga no longer fetches its wasm: withoutFetch may be unnecessary');
  const wrapped = load(true);
  assert.equal(wrapped.status, 0, wrapped.stderr);
  assert.equal(wrapped.stdout.trim(), '0');
});
