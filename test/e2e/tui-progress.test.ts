// Issue 17 on the built CLI in a real pseudo-terminal at 80x24 (and a CJK-heavy world): Progress you can see and stop.
// Every screen asserted has the header on row 1 and the footer on the last row (settled → assertFrame).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertFrame, KEY, start } from './harness.ts';
import { tempDir, worldFile } from './support.ts';
import type { World } from '../../src/sandbox/index.ts';
import { SUMMARY, cjkWorld, flat, settled } from './tui-support.ts';

test(
  'progress while checking: spinner, elapsed seconds and what is being read; keys typed meanwhile are applied once the list is there',
  { timeout: 90_000 },
  async () => {
    const slow = (w: World) => (w.latency = { baseMs: 700, jitterMs: 0 });
    for (const world of [worldFile(tempDir(), 'everything-broken', slow), cjkWorld('everything-broken', slow)]) {
      const s = start(['--world', world]);
      try {
        const waiting = await s.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] checking · \d+ s · (read|retrying|throttled|waiting) /, 30_000);
        assertFrame(waiting);
        // Typed ahead while nothing is listed: jump to the next failure (past PRE-MI, where the cursor starts).
        s.type('n');
        await settled(s, /10 ✖ fail/);
        await s.waitFor(/^› {4}ACC-RBAC /m, 10_000);
        await s.press('q');
        assert.equal(await s.exited, 0);
      } finally {
        s.kill('SIGKILL');
      }
    }
  },
);

test(
  'Esc stops a wait on Azure: the request is abandoned and the outcome settled by reading Azure again',
  { timeout: 90_000 },
  async () => {
    // The identity update never answers (a hung connection): the apply waits until Esc.
    const world = worldFile(tempDir(), 'everything-broken', (w) => {
      w.faults = [
        { match: { method: 'PATCH', path: '/providers/Microsoft\\.ApiManagement/service/[^/]+$', times: 1 }, respond: { hang: true } },
      ];
    });
    const s = start(['--world', world]);
    try {
      await settled(s, /10 ✖ fail/);
      await s.press('f');
      await settled(s, /Fix PRE-MI/);
      await s.press('y');
      const waiting = await settled(s, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] applying · [1-9]\d* s · Esc stops waiting/);
      assert.match(waiting, /a write is in flight/);
      await s.press(KEY.esc);
      const stopped = flat(await settled(s, /Stopped waiting/));
      assert.match(stopped, /settled by reading Azure/);
      await s.press(KEY.esc);
      await settled(s, SUMMARY);
      await s.press('q');
      assert.equal(await s.exited, 0);
      assert.match(s.output(), /not completed: PRE-MI \(stopped waiting; the next run reads its outcome\)/);
    } finally {
      s.kill('SIGKILL');
    }
  },
);
