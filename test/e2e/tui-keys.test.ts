// Issue 17 on the built CLI in a real pseudo-terminal at 80x24 (and a CJK-heavy world): Only y writes, and the runbook at a glance.
// Every screen asserted has the header on row 1 and the footer on the last row (settled → assertFrame).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY, start } from './harness.ts';
import { SUMMARY, cursorRow, cjkWorld, settled } from './tui-support.ts';

test('only y writes: Enter typed after F or through the add-certificate wizard never applies anything', { timeout: 120_000 }, async () => {
  for (const world of ['--sandbox', cjkWorld('everything-broken')]) {
    const s = start(world === '--sandbox' ? ['--sandbox'] : ['--world', world]);
    try {
      const list = await settled(s, /10 ✖ fail/);
      // The header names the subscription as ARM does (its display name, cut to the row by columns), not by GUID.
      const where = list.split('\n')[1]!;
      assert.match(where, world === '--sandbox' ? /· sub Contoso Dev · APIM / : /· sub 決済基盤本番環境/, where);
      assert.doesNotMatch(where, /3f2b7c1d/);
      // F and five Enters in one burst, as a hurried operator types them.
      s.type(`F${KEY.enter.repeat(5)}`);
      const preview = await settled(s, /\[fix all 1 of \d+\] Fix PRE-MI/);
      await s.press(KEY.enter, KEY.enter);
      const still = await settled(s, /Enter never applies a fix: y applies it/);
      assert.match(still, / Apply +y applies/);
      // The preview's first lines say what it interrupts, before any request.
      assert.match(preview.split('\n')[3]!, /^(Disruption|▲ Interrupts): /);
      await s.press(KEY.esc);
      await settled(s, SUMMARY);
      assert.match(await s.screen(), /10 ✖ fail/);
      await s.press('q');
      assert.equal(await s.exited, 0);
      assert.doesNotMatch(s.output(), /a write is in flight/, 'something was applied');
      assert.match(s.output(), /apimkv: nothing was changed\./);
    } finally {
      s.kill('SIGKILL');
    }
  }
  // The whole add-certificate wizard with Enter only: it ends on the preview, unapplied.
  const h = start(['--world', cjkWorld('healthy')]);
  try {
    await settled(h, SUMMARY);
    await h.press('a');
    await settled(h, /\d+ of \d+ certificates/);
    for (let i = 0; i < 8 && !/Fix CERT-CREATE/.test(await h.screen()); i++) await h.press(KEY.enter);
    await settled(h, /Fix CERT-CREATE/);
    await h.press(KEY.enter, KEY.enter, KEY.enter);
    assert.match(await settled(h, /Enter never applies/), / Apply +y applies/);
    await h.press(KEY.esc);
    await h.press('q');
    await h.exited;
    assert.doesNotMatch(h.output(), /a write is in flight/);
  } finally {
    h.kill('SIGKILL');
  }
});

test(
  'the runbook at a glance at 80x24: six steps with counts, failing steps open, cursor on the first failure, F hint; n/N g/G and / filter',
  { timeout: 90_000 },
  async () => {
    for (const args of [['--sandbox'], ['--world', cjkWorld('everything-broken')]]) {
      const s = start(args);
      try {
        const first = await settled(s, /10 ✖ fail/);
        const order = [
          '0. Context',
          '1. Prerequisites',
          '2. Key vault access',
          '3. Key Vault firewall',
          '4. Virtual network',
          '5. Add the certificate',
        ].map((t) => first.indexOf(t));
        assert.ok(
          order.every((i) => i > 0),
          first,
        );
        assert.deepEqual(
          [...order].sort((a, b) => a - b),
          order,
        );
        assert.match(first, /^ {2}\d\. .* \d+ ✖.* ✖ fail *$/m);
        assert.match(first, /F fixes (all \d+|\d+ of the \d+) failing checks one by one/);
        // The demo's failures in runbook order: PRE-MI, then ACC-RBAC (ACC-MODEL between them only warns).
        assert.match(cursorRow(first), /^› {4}PRE-MI .*✖ fail$/);
        await s.press('n');
        await s.waitFor(/^› {4}ACC-RBAC .*✖ fail/m);
        await s.press('N');
        await s.waitFor(/^› {4}PRE-MI /m);
        await s.press('G');
        assert.match(cursorRow(await settled(s, /› 5\. Add the certificate/)), /5\. Add the certificate/);
        await s.press('g');
        await settled(s, /› 0\. Context/);
        await s.press('/', ...'nsg');
        const filtered = await settled(s, /\d+ matching checks?/);
        assert.match(filtered, /VNET-NSG/);
        assert.doesNotMatch(filtered, /PRE-MI|ACC-RBAC/);
        await s.press(KEY.esc);
        await settled(s, /F fixes/);
        await s.press('q');
        assert.equal(await s.exited, 0);
      } finally {
        s.kill('SIGKILL');
      }
    }
  },
);
