// Issue 13's step-3 doc link, where only the TUI shows it: the checklist's detail of the "Key Vault firewall" step.
// The anchor is the heading Microsoft's page has: api-management-howto-mutual-certificates includes
// api-management-key-vault-network.md, whose "#### Requirements for Key Vault firewall" becomes
// #requirements-for-key-vault-firewall (MicrosoftDocs/azure-docs, includes/api-management-key-vault-network.md).
// A real pseudo-terminal driving the built CLI against the firewall-bypass-off world.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY, start } from './harness.ts';
import { SUMMARY } from './tui-support.ts';

const STEP3 =
  'Docs: https://learn.microsoft.com/azure/api-management/api-management-howto-mutual-certificates#requirements-for-key-vault-firewall';

test(
  'the Key Vault firewall step links to #requirements-for-key-vault-firewall on the mutual-certificates page',
  { timeout: 120_000 },
  async () => {
    const s = start(['--sandbox', '--world', 'firewall-bypass-off'], { cols: 160, rows: 30 });
    try {
      // The cursor opens on the first failure, FW-BYPASS in step 3; ← closes the step and selects its row.
      const first = await s.waitFor(SUMMARY, 60_000);
      assert.match(first, /›\s+FW-BYPASS\s+Trusted Microsoft services exception/);
      await s.press(KEY.left);
      const screen = await s.waitFor('3. Key Vault firewall — ✖ fail');
      assert.ok(
        screen.split('\n').some((l) => l.trimEnd() === STEP3),
        screen,
      );
    } finally {
      s.kill();
    }
  },
);
