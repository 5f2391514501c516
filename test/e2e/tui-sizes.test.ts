// Issue 17 at the other sizes the issue names (120x40, 200x60, 60x20), on the CJK-heavy world where widths
// are hardest (two columns per character in the header's subscription name and the certificate subjects).
// Every screen asserted is exactly the terminal: header on row 1, footer on the last row, so a line that
// wrapped (too wide) or a frame that grew (too tall) fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY, assertFrame, start } from './harness.ts';
import { cjkWorld, settled } from './tui-support.ts';

test('120x40 and 200x60 on the CJK world: checklist, detail and preview each fill the terminal exactly', { timeout: 120_000 }, async () => {
  const world = cjkWorld('everything-broken');
  for (const [cols, rows] of [
    [120, 40],
    [200, 60],
  ] as const) {
    const s = start(['--world', world], { cols, rows });
    try {
      const list = await settled(s, /10 ✖ fail/, rows);
      assert.match(list.split('\n')[1]!, /· sub 決済基盤本番環境/);
      const steps = ['0. Context', '1. Prerequisites', '2. Key vault access', '3. Key Vault firewall', '4. Virtual network', '5. Add'];
      const at = steps.map((t) => list.indexOf(t));
      assert.ok(
        at.every((i, n) => i > 0 && (n === 0 || i > at[n - 1]!)),
        `${cols}x${rows}: six steps in order\n${list}`,
      );
      await s.press(KEY.enter);
      const detail = await settled(s, /Evidence \(\d+\):/, rows);
      assert.match(detail, /Why this matters/);
      await s.press(KEY.esc);
      await settled(s, /10 ✖ fail/, rows);
      await s.press('f');
      const preview = await settled(s, /Fix [A-Z]+-[A-Z-]+/, rows);
      assert.match(preview, / Apply +y applies/);
      await s.press(KEY.esc);
      await settled(s, /10 ✖ fail/, rows);
      await s.press('q');
      assert.equal(await s.exited, 0);
    } finally {
      s.kill('SIGKILL');
    }
  }
});

test('60x20: the runbook says the terminal is too small in two rows that fit, and q still quits', { timeout: 60_000 }, async () => {
  const s = start(['--world', cjkWorld('healthy')], { cols: 60, rows: 20 });
  try {
    const screen = await s.waitFor('terminal too small');
    const lines = screen.split('\n');
    assert.equal(lines.length, 20);
    // Both rows whole or cut with "…" on their own row: nothing wrapped onto a third.
    assert.match(lines[0]!, /^terminal too small \(need 80x24, have 60x20\)/);
    assert.match(lines[1]!, /^enlarge the window, or press q to quit/);
    assert.deepEqual(
      lines.slice(2).filter((l) => l.trim()),
      [],
    );
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill('SIGKILL');
  }
});
