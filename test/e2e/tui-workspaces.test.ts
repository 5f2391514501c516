// The built `apimkv` in a real pseudo-terminal on an instance with workspaces: the checklist's Prerequisites step holds
// the note PRE-WORKSPACES, naming both workspaces and what apimkv covers, with the Learn page it follows
// (https://learn.microsoft.com/azure/api-management/workspaces-overview#workspaces-constraints).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY, start } from './harness.ts';
import { cursorRow, flat, settled, SUMMARY } from './tui-support.ts';

test(
  'workspaces: the note sits in step 1, names both workspaces and what apimkv covers; Enter shows its Learn page',
  { timeout: 120_000 },
  async () => {
    const s = start(['--sandbox', '--world', 'workspaces']);
    try {
      const first = await settled(s, SUMMARY);
      // Info only: the run is green and the step stays closed until opened.
      assert.doesNotMatch(first, /✖ fail/);
      assert.doesNotMatch(first, /PRE-WORKSPACES/);
      await s.press('g');
      await s.waitFor(/› 0\. Context/);
      await s.press(KEY.down);
      await s.waitFor(/› 1\. Prerequisites/);
      await s.press(KEY.enter);
      let screen = await s.waitFor(/PRE-WORKSPACES/);
      for (let i = 0; i < 8 && !/PRE-WORKSPACES/.test(cursorRow(screen)); i++) {
        await s.press(KEY.down);
        screen = await s.screen();
      }
      screen = await settled(s, /› +PRE-WORKSPACES .*i info/);
      assert.match(flat(screen), /This instance has 2 workspaces: "partner-apis" \(Partner APIs\), "payments-team" \(Payments team\)/);
      await s.press(KEY.enter);
      const detail = flat(await settled(s, /workspaces-overview/));
      assert.match(detail, /apimkv diagnoses the service-level Key Vault references/);
      assert.match(detail, /does not read the workspaces' own named values, certificates or backends/);
      // The page wraps at 80 columns: compare without the wrap.
      assert.ok(
        detail.replace(/\s+/g, '').includes('https://learn.microsoft.com/azure/api-management/workspaces-overview#workspaces-constraints'),
      );
    } finally {
      s.kill();
    }
  },
);
