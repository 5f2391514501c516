// Keys typed ahead across a screen switch (one chunk, as a slow link or a fast typist delivers them) reach
// the screen they were meant for, except that a typed-ahead y never confirms a preview nobody has seen.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FakeEngine } from './fake-engine.ts';
import { READY } from './fixtures.ts';
import { renderApp } from './harness.tsx';

const PFX = join(mkdtempSync(join(tmpdir(), 'apimkv-ahead-')), 'ahead.pfx');
writeFileSync(PFX, Buffer.from([0x30, 0x05, 0x02, 0x01, 0x03, 0x30, 0x00]));

test('type-ahead: "nnf" in one chunk moves twice on the checklist, then opens the preview of the third failure', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor(READY);
  r.stdin.write('nnf');
  await r.waitFor('Fix FW-BYPASS: Allow trusted Microsoft services');
  r.unmount();
});

test('type-ahead: a y that arrived with the f that opened the preview applies nothing and says why', async () => {
  const engine = new FakeEngine();
  const r = renderApp(engine);
  await r.waitFor(READY);
  r.stdin.write('fy');
  const f = await r.waitFor('typed before this preview was on screen');
  assert.match(f, /Fix ACC-RBAC/);
  assert.deepEqual(engine.callsOf('apply'), []);
  // Pressed now, with the preview on screen, y applies.
  await r.press('y');
  assert.equal(engine.callsOf('apply').length, 1);
  r.unmount();
});

test('type-ahead: "u", the path, Enter and the password in one chunk: the lazily loaded upload screen gets every key', async () => {
  const engine = new FakeEngine({
    inspect: async () => ({ ok: false, reason: 'wrong-password', message: 'The password does not open it.' }),
  });
  const r = renderApp(engine);
  await r.waitFor(READY);
  r.stdin.write(`u${PFX}\rpw-typed-ahead\r`);
  await r.waitFor('The password does not open it.');
  const [inspect] = engine.callsOf('inspectPfx');
  assert.equal(inspect?.path, PFX);
  assert.equal(inspect?.password.reveal(), 'pw-typed-ahead');
  assert.ok(!r.stdout.frames.some((x) => x.includes('pw-typed')));
  r.unmount();
});
