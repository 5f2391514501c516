import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { runTui } from '../../src/screens/run-tui.tsx';
import { FakeEngine } from './fake-engine.ts';
import { runContext } from './fixtures.ts';
import { FakeStdin, FakeStdout, settle } from './harness.tsx';

const ENTER_ALT = '\u001B[?1049h';
const LEAVE_ALT = '\u001B[?1049l';
const SHOW_CURSOR = '\u001B[?25h';

function terminal() {
  const stdout = Object.assign(new FakeStdout(80, 24), { isTTY: true });
  const stdin = new FakeStdin();
  return { stdout, stdin, text: () => stdout.frames.join('') };
}

async function until(predicate: () => boolean) {
  for (let i = 0; i < 100 && !predicate(); i++) await settle(20);
  assert.ok(predicate(), 'condition not reached');
}

test('runTui paints "connecting…" in the alternate screen before loading the engine, and q restores the terminal', async () => {
  const t = terminal();
  let writtenBeforeLoad = '';
  const done = runTui({
    context: runContext({ sandbox: true }),
    stdout: t.stdout as unknown as NodeJS.WriteStream,
    stdin: t.stdin as unknown as NodeJS.ReadStream,
    loadEngine: async () => {
      writtenBeforeLoad = t.text();
      return new FakeEngine();
    },
  });
  await until(() => t.text().includes('42 ms'));
  assert.ok(writtenBeforeLoad.startsWith(ENTER_ALT), 'the alternate screen comes first');
  const firstFrame = stripVTControlCharacters(writtenBeforeLoad);
  assert.match(firstFrame, /apimkv · API Management \+ Key Vault certificates/);
  assert.match(firstFrame, /connecting…/);
  await settle();
  t.stdin.write('q');
  assert.equal(await done, 0);
  // After the last frame: the primary screen and the cursor back, then the summary on the normal screen.
  const all = t.text();
  const left = all.lastIndexOf(LEAVE_ALT);
  assert.ok(left > all.lastIndexOf('42 ms'), 'left the alternate screen');
  const tail = all.slice(left - 40);
  assert.ok(tail.includes(SHOW_CURSOR), 'cursor shown again');
  assert.match(all.slice(left), /apimkv: nothing was changed\.\n {2}still failing: 2 checks: ACC-RBAC, FW-BYPASS\n$/);
});

test('runTui ends on SIGTERM and SIGHUP with 128+signal, restoring the screen', async () => {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    const t = terminal();
    const listenersBefore = process.listenerCount(signal);
    const done = runTui({
      context: runContext(),
      stdout: t.stdout as unknown as NodeJS.WriteStream,
      stdin: t.stdin as unknown as NodeJS.ReadStream,
      loadEngine: async () => new FakeEngine(),
    });
    await until(() => t.text().includes('42 ms'));
    process.emit(signal, signal);
    assert.equal(await done, code);
    assert.ok(t.text().includes(LEAVE_ALT));
    assert.equal(process.listenerCount(signal), listenersBefore, `runTui removed its ${signal} listener`);
  }
});
