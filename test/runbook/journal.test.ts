import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Secret } from '../../src/checks/secret.ts';
import { Journal } from '../../src/runbook/journal.ts';

const vaultId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv';

test('a temporary ip rule stays listed until its removal is recorded, across restarts', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'apimkv-j-')), 'journal.json');
  const j1 = new Journal(path);
  const e = j1.begin('FW-CLIENTIP', { kind: 'vault.addIpRule', vaultId, value: '203.0.113.50/32', temporary: true });
  assert.equal(new Journal(path).entries()[0].status, 'pending', 'recorded before the write is sent');
  j1.finish(e, 'done', { message: 'added' });
  const j2 = new Journal(path);
  assert.deepEqual(
    j2.temporaryChanges().map((c) => c.value),
    ['203.0.113.50/32'],
  );
  j2.markRemoved({ kind: 'vault.ipRule', vaultId: vaultId.toUpperCase(), value: '203.0.113.50/32', addedAt: '' });
  assert.deepEqual(new Journal(path).temporaryChanges(), []);
  assert.deepEqual(
    readdirSync(join(path, '..')).filter((f) => f !== 'sessions'),
    ['journal.json'],
    'no temp files left behind',
  );
});

test('an ip rule that was already there is not ours to remove', () => {
  const j = new Journal();
  const e = j.begin('FW-CLIENTIP', { kind: 'vault.addIpRule', vaultId, value: '203.0.113.50/32', temporary: true });
  j.finish(e, 'already');
  assert.deepEqual(j.temporaryChanges(), []);
});

test('a write with no answer is unresolved, and a crash mid-write still lists the temporary change', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'apimkv-j-')), 'journal.json');
  new Journal(path).begin('FW-CLIENTIP', { kind: 'vault.addIpRule', vaultId, value: '198.51.100.7/32', temporary: true });
  const after = new Journal(path);
  assert.equal(after.unresolved().length, 1);
  assert.deepEqual(
    after.temporaryChanges().map((c) => c.value),
    ['198.51.100.7/32'],
  );
});

test('secrets in operations are never written to the journal', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'apimkv-j-')), 'journal.json');
  const j = new Journal(path);
  j.begin('UPL-CREATE', {
    kind: 'apim.uploadCertificate',
    apimId: '/x',
    certificateId: 'c',
    pfx: new Secret('UEZYREFUQQ==', 'pfx'),
    password: new Secret('hunter2-pass', 'password'),
  });
  const text = readFileSync(path, 'utf8');
  assert.ok(!text.includes('hunter2-pass') && !text.includes('UEZYREFUQQ=='));
  assert.match(text, /\[redacted\]/);
});

test('an unreadable journal is an error that says what to do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apimkv-j-'));
  const path = join(dir, 'journal.json');
  writeFileSync(path, '{not json');
  assert.throws(
    () => new Journal(path),
    new RegExp(`The journal at ${path} is not valid JSON .*Move it aside \\(mv ${path} ${path}\\.broken\\)`),
  );
  // Valid JSON that is not a journal (null, an array, entries of the wrong shape): the same advice, never a TypeError.
  for (const text of ['null', '[]', '{"version":1,"entries":[null]}', '{"entries":{}}']) {
    writeFileSync(path, text);
    assert.throws(() => new Journal(path), /is not an apimkv journal .*Move it aside/, text);
  }
});
