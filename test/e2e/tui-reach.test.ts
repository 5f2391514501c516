// Issue 17 on the built CLI in a real pseudo-terminal at 80x24 (and a CJK-heavy world): Everything reachable, and honest endings.
// Every screen asserted has the header on row 1 and the footer on the last row (settled → assertFrame).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY, start } from './harness.ts';
import { SUMMARY, flat, cjkWorld, settled } from './tui-support.ts';

test(
  'everything reachable: Enter opens a check full-screen with its whole evidence; C sends the command through OSC 52',
  { timeout: 60_000 },
  async () => {
    for (const args of [['--sandbox'], ['--world', cjkWorld('everything-broken')]]) {
      const s = start(args);
      try {
        await settled(s, /10 ✖ fail/);
        await s.press(KEY.enter);
        const detail = await settled(s, /Fix \(f\): /, 24);
        assert.match(detail, /Evidence \(\d+\):/);
        // Nothing is cut but a command token wider than the screen, which scrolls sideways (←/→) and is copied whole.
        const body = detail.split('\n').slice(2, -1);
        const cut = body.filter((l) => /…\s*$/.test(l));
        assert.ok(
          cut.every((l) => /^ {4,}'/.test(l)),
          `cut outside a command:\n${cut.join('\n')}`,
        );
        if (cut.length) assert.match(detail.split('\n').at(-1)!, /←\/→ wide lines/);
        await s.press('G');
        await settled(s, /Why this matters/);
        await s.press('C');
        await settled(s, /OSC 52 → clipboard: the az command for [A-Z-]+ \(terminals may ignore it\)/);
        const osc = /\x1b\]52;c;([A-Za-z0-9+/=]+)\x07/.exec(s.output());
        assert.ok(osc, 'no OSC 52 sequence was written');
        assert.match(Buffer.from(osc[1]!, 'base64').toString(), /^az /);
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

test(
  'honest endings: fix-all counts what was skipped; quitting with the temporary rule open asks; the exit summary says what changed',
  { timeout: 240_000 },
  async () => {
    for (const args of [['--sandbox'], ['--world', cjkWorld('everything-broken')]]) {
      const s = start(args);
      try {
        await settled(s, /10 ✖ fail/);
        await s.press('F');
        for (;;) {
          const screen = await s.waitFor(/Apply +y applies|Fix all: /, 30_000);
          if (/Fix all: /.test(screen)) break;
          await s.press('s');
        }
        const done = flat(await settled(s, /Fix all: /));
        assert.match(done, /Fix all: 0 run, \d+ skipped · 10 still failing \(\d+ with a fix: F again\)/);
        // Open the temporary client IP rule (the vault firewall blocks listing its certificates).
        await s.press('a');
        await settled(s, 'cannot be listed');
        await s.press('f');
        await settled(s, /Fix FW-CLIENTIP/);
        await s.press('y');
        await settled(s, /Re-check: FW-CLIENTIP is now ✔ pass/);
        await s.press(KEY.esc, KEY.esc);
        await settled(s, SUMMARY);
        await s.press('q');
        const asked = await settled(s, /The temporary firewall rule is still open\. c remove it +y quit, keep it +n stay/);
        assert.match(asked, /q quit/);
        await s.press('n');
        await settled(s, SUMMARY);
        await s.press('q');
        await settled(s, /still open/);
        await s.press('y');
        assert.equal(await s.exited, 0);
        const out = s.output();
        const normal = out.slice(out.lastIndexOf('\x1b[?1049l'));
        assert.match(normal, /apimkv: applied 1 fix: FW-CLIENTIP/);
        assert.match(normal, /still open: temporary firewall rule 203\.0\.113\.\d+(\/32)? on vault kv-contoso-certs/);
        assert.match(normal, /still failing: \d+ checks?/);
      } finally {
        s.kill('SIGKILL');
      }
    }
  },
);
