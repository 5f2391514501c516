// Files safely (issue 15, item 5), through the built CLI against the in-memory sandbox with a real
// --state-dir: a state directory that others can write, or that someone else owns, is refused with the
// fix; a transcript path with a planted symlink replaces the link (the target is untouched) and an old
// 0644 transcript comes back 0600; a malformed journal is reported by path with how to recover, never a
// TypeError; and a cleanup whose removal landed before a kill is settled at the next start.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI } from '../e2e/harness.ts';
import { tempDir } from '../e2e/support.ts';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const noStack = (text: string) => assert.doesNotMatch(text, /TypeError|Cannot read properties|\n\s+at .+:\d+:\d+/, text);

test('a state directory writable by group or others is refused with the chmod that fixes it', { timeout: 60_000 }, async () => {
  for (const mode of [0o777, 0o770]) {
    const dir = join(tempDir('apimkv-files-'), 'state');
    mkdirSync(dir);
    chmodSync(dir, mode);
    const r = await cli(['check', '--sandbox', '--state-dir', dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `The state directory ${dir} is writable by (its group|its group and everyone) \\(mode 0${mode.toString(8)}\\).*Fix: chmod 700 ${dir}`,
      ),
    );
    noStack(r.stderr);
  }
});

test('a state directory owned by someone else is refused', { timeout: 60_000 }, async () => {
  // As root, a directory given to "nobody"; otherwise the root directory, which root owns.
  let dir = '/';
  if (process.getuid?.() === 0) {
    dir = join(tempDir('apimkv-files-'), 'state');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
  }
  const r = await cli(['check', '--sandbox', '--state-dir', dir]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /The state directory .* belongs to uid \d+, not to you \(uid \d+\).*--state-dir/);
  noStack(r.stderr);
});

test(
  'the transcript replaces a planted symlink instead of writing through it, and is 0600 even over an old 0644 file',
  { timeout: 60_000 },
  async () => {
    const dir = tempDir('apimkv-files-');
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'do not overwrite\n');
    const linked = join(dir, 'linked.md');
    symlinkSync(victim, linked);
    const old = join(dir, 'old.md');
    writeFileSync(old, 'old transcript\n', { mode: 0o644 });
    chmodSync(old, 0o644);
    for (const path of [linked, old]) {
      const r = await cli(['check', '--sandbox', '--state-dir', join(dir, 'state'), '--transcript', path]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(lstatSync(path).isSymbolicLink(), false, `${path} is still a link`);
      assert.equal(statSync(path).mode & 0o777, 0o600, `${path} mode`);
      assert.match(readFileSync(path, 'utf8'), /^# apimkv session/);
    }
    assert.equal(readFileSync(victim, 'utf8'), 'do not overwrite\n', 'the symlink target was overwritten');
    assert.equal(statSync(join(dir, 'state')).mode & 0o777, 0o700);
  },
);

test('a malformed journal is reported by path with how to recover, never a TypeError', { timeout: 60_000 }, async () => {
  for (const text of ['null', '{not json', '{"version":1,"entries":[null]}']) {
    const dir = tempDir('apimkv-files-');
    const path = join(dir, 'sandbox-journal.json');
    writeFileSync(path, text, { mode: 0o600 });
    const r = await cli(['check', '--sandbox', '--state-dir', dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`The journal at ${path} is not (valid JSON|an apimkv journal).*Move it aside \\(mv ${path} ${path}\\.broken\\)`),
      text,
    );
    noStack(r.stderr);
  }
});

test('a cleanup killed after its removal landed is settled at the next start: no stale "remove it"', { timeout: 60_000 }, async () => {
  const dir = tempDir('apimkv-files-');
  // The sandbox's shipped world: its vault has no rule for 203.0.113.50, so the removal did land.
  const vaultId =
    '/subscriptions/3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34/resourceGroups/rg-apim-demo/providers/Microsoft.KeyVault/vaults/kv-contoso-certs';
  const value = '203.0.113.50/32';
  const journal = {
    version: 1,
    entries: [
      {
        id: 'a',
        runId: 'earlier-run',
        planId: 'FW-CLIENTIP',
        startedAt: '2026-12-01T08:00:00.000Z',
        finishedAt: '2026-12-01T08:00:02.000Z',
        status: 'done',
        operation: { kind: 'vault.addIpRule', vaultId, value, temporary: true },
        temporary: { kind: 'vault.ipRule', vaultId, value, addedAt: '2026-12-01T08:00:00.000Z' },
      },
      // The cleanup's removal, killed before its answer was journaled (its process is gone).
      {
        id: 'b',
        runId: 'killed-cleanup',
        planId: 'FW-CLIENTIP-CLEANUP',
        startedAt: '2026-12-01T09:00:00.000Z',
        status: 'pending',
        operation: { kind: 'vault.removeIpRule', vaultId, value },
      },
    ],
  };
  writeFileSync(join(dir, 'sandbox-journal.json'), JSON.stringify(journal), { mode: 0o600 });
  const r = await cli(['cleanup', '--sandbox', '--state-dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Settled: .*203\.0\.113\.50.* — it was made\./);
  assert.match(r.stdout, /No temporary changes to remove\./);
  const after = JSON.parse(readFileSync(join(dir, 'sandbox-journal.json'), 'utf8')) as typeof journal & {
    entries: { temporary?: { removedAt?: string } }[];
  };
  assert.ok(after.entries[0]!.temporary?.removedAt, 'the temporary rule is still listed');
});
