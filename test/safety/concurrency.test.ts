// One journal, many processes (issue 15, item 2). Real separate Node processes share one state directory,
// as a TUI in one pane and `fix` in another do: every entry each of them records survives (no last writer
// wins), a live process is shown to the others and its in-flight write is never "settled" by them, and a
// process that died is recognised as gone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Journal } from '../../src/runbook/journal.ts';
import { figure } from './figures.ts';

const JOURNAL = new URL('../../src/runbook/journal.ts', import.meta.url).pathname;
const vaultId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv';

/** A child Node process running `code` with `Journal` imported; resolves with its stdout when it exits. */
function child(code: string, onLine?: (line: string, kill: () => void) => void): Promise<{ code: number | null; stdout: string }> {
  const p = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `import { Journal } from ${JSON.stringify(JOURNAL)};\n${code}`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  p.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const line of d.toString().split('\n').filter(Boolean)) onLine?.(line, () => p.kill('SIGKILL'));
  });
  return new Promise((resolve) => p.on('close', (exit) => resolve({ code: exit, stdout })));
}

/** Processes that record entries concurrently; returns how many each recorded. */
export async function hammer(path: string, processes: number, writesEach: number): Promise<number> {
  const code = `const j = new Journal(${JSON.stringify(path)});
for (let i = 0; i < ${writesEach}; i++) {
  const e = j.begin('FW-CLIENTIP', { kind: 'vault.addIpRule', vaultId: ${JSON.stringify(vaultId)}, value: '203.0.113.' + (process.pid % 250) + '/32', temporary: true });
  j.finish(e, 'done', { message: 'added' });
}
console.log('ok');`;
  const runs = await Promise.all(Array.from({ length: processes }, () => child(code)));
  for (const r of runs) assert.equal(r.code, 0);
  return processes * writesEach;
}

test('concurrent processes on one journal: no entry is ever lost, nothing half-written is left', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apimkv-conc-'));
  const path = join(dir, 'journal.json');
  const recorded = await hammer(path, 6, 20);
  const entries = new Journal(path).entries();
  figure('journal entries written by concurrent processes', recorded);
  figure('journal entries lost', recorded - new Set(entries.filter((e) => e.status === 'done').map((e) => e.id)).size);
  assert.equal(entries.length, recorded, 'entries were lost');
  assert.equal(new Set(entries.map((e) => e.id)).size, recorded);
  assert.ok(
    entries.every((e) => e.status === 'done'),
    'an outcome was lost',
  );
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')),
    [],
    'a temp file or lock was left behind',
  );
});

test(
  'a live process is shown to the others, and its write in flight is not settled by them; once it dies it is',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apimkv-conc-'));
    const path = join(dir, 'journal.json');
    let pid = 0;
    const done = child(
      `const j = new Journal(${JSON.stringify(path)});
j.begin('FW-CLIENTIP', { kind: 'vault.addIpRule', vaultId: ${JSON.stringify(vaultId)}, value: '198.51.100.7/32', temporary: true });
console.log('pending ' + process.pid);
setInterval(() => {}, 1000);`,
      (line, kill) => {
        if (!line.startsWith('pending ')) return;
        pid = Number(line.split(' ')[1]);
        const mine = new Journal(path);
        // Shown: the words the engine puts in its journal notes.
        assert.deepEqual(
          mine.otherSessions().map((s) => s.pid),
          [pid],
        );
        // In flight in a live process: not ours to settle; but its temporary rule is listed for cleanup.
        assert.deepEqual(mine.unresolved(), []);
        assert.deepEqual(
          mine.temporaryChanges().map((c) => c.value),
          ['198.51.100.7/32'],
        );
        kill();
      },
    );
    const exit = await done;
    assert.equal(exit.code, null, 'the child was killed');
    assert.ok(pid > 0);
    const later = new Journal(path);
    assert.deepEqual(later.otherSessions(), [], 'a dead process is still shown');
    assert.deepEqual(
      later.unresolved().map((e) => e.status),
      ['pending'],
      "the dead process's write is now to be settled",
    );
  },
);
