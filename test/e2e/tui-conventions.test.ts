// Issue 17 on the built CLI in a real pseudo-terminal at 80x24 (and a CJK-heavy world): Terminal conventions and exact typed-ahead input.
// Every screen asserted has the header on row 1 and the footer on the last row (settled → assertFrame).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { childEnv, CLI, KEY, start } from './harness.ts';
import { SUMMARY, cjkWorld, settled } from './tui-support.ts';

test(
  'conventions: context help fits 80 columns with Ctrl-C; TERM=dumb gets the plain report; NO_COLOR keeps a visible text cursor',
  { timeout: 90_000 },
  async () => {
    for (const args of [['--sandbox'], ['--world', cjkWorld('everything-broken')]]) {
      const s = start(args);
      try {
        await settled(s, /10 ✖ fail/);
        await s.press('?');
        const help = await settled(s, /Keys on the checklist/);
        assert.match(help, /Ctrl-C +quit now/);
        assert.match(help, /n\/N +next \/ previous failure/);
        await s.press(KEY.esc, 'f');
        await settled(s, /Fix /);
        await s.press('?');
        const previewHelp = await settled(s, /Keys on a fix preview/);
        assert.match(previewHelp, /y +apply the fix \(preview top only\)/);
        assert.doesNotMatch(previewHelp, /fix all failing/);
        await s.press(KEY.ctrlC);
        assert.equal(await s.exited, 130);
      } finally {
        s.kill('SIGKILL');
      }
    }

    const dumb = spawnSync('script', ['-qec', `${process.execPath} ${CLI} --sandbox`, '/dev/null'], {
      encoding: 'utf8',
      env: childEnv({ TERM: 'dumb' }),
      timeout: 60_000,
    });
    assert.match(dumb.stdout, /TERM=dumb has no cursor addressing, so printing the check report/);
    assert.match(dumb.stdout, /apimkv check — /);
    assert.doesNotMatch(dumb.stdout, /\x1b\[\?1049h/, 'the alternate screen was used');

    const mono = start(['--world', 'healthy'], { env: { NO_COLOR: '1' } });
    try {
      await settled(mono, SUMMARY);
      await mono.press('a');
      await settled(mono, /\d+ of \d+ certificates/);
      await mono.press('/', ...'api');
      assert.match(await mono.waitFor(/api▏/), /api▏/);
      await mono.press(KEY.esc, KEY.esc, 'q');
      await mono.exited;
    } finally {
      mono.kill('SIGKILL');
    }
  },
);

test('typed-ahead input is applied exactly: backspaces in one chunk with text (a laggy link)', { timeout: 60_000 }, async () => {
  const s = start(['--world', 'healthy']);
  try {
    await settled(s, SUMMARY);
    await s.press('a');
    await settled(s, /\d+ of \d+ certificates/);
    await s.press(KEY.enter);
    await settled(s, 'Which identity');
    await s.press(KEY.enter);
    const field = await settled(s, 'Certificate id in API Management');
    const typed = /Certificate id in API Management:\s*\n›\s*(\S+)/.exec(field)?.[1] ?? '';
    assert.ok(typed.length > 0, field);
    s.type(`${KEY.backspace.repeat(typed.length + 2)}payments-backend-mtls`);
    const after = await settled(s, /payments-backend-mtls/);
    assert.doesNotMatch(after, new RegExp(`${typed}payments|payments-backend-mtls[a-z]`));
    await s.press(KEY.esc);
    await s.press(KEY.esc, KEY.esc, KEY.esc, 'q');
    await s.exited;
  } finally {
    s.kill('SIGKILL');
  }
});

test('Ctrl-Z suspends with the terminal restored, and fg brings the runbook back', { timeout: 60_000 }, async () => {
  const s = start(['--sandbox']);
  try {
    await settled(s, /10 ✖ fail/);
    const before = s.output().length;
    s.type('\x1a');
    const deadline = Date.now() + 10_000;
    const state = () => readFileSync(`/proc/${s.pty.pid}/stat`, 'utf8').split(') ')[1]![0];
    while (state() !== 'T' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(state(), 'T', 'the process did not stop');
    // The bytes written before the stop may still be on their way through the pty: wait for them, not for time.
    const back = () => /\x1b\[\?1049l/.test(s.output().slice(before)) && /\x1b\[\?25h/.test(s.output().slice(before));
    while (!back() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const handedBack = s.output().slice(before);
    assert.match(handedBack, /\x1b\[\?1049l/, 'the primary screen was not restored');
    assert.match(handedBack, /\x1b\[\?25h/, 'the cursor was not shown');
    process.kill(s.pty.pid, 'SIGCONT');
    await settled(s, /10 ✖ fail/);
    assert.match(s.output().slice(before), /\x1b\[\?1049h/);
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill('SIGKILL');
  }
});
