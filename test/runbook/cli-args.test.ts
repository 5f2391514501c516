import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand, UsageError } from '../../src/cli-args.ts';

test('modes and options', () => {
  assert.deepEqual(parseCommand([]).kind, 'tui');
  const c = parseCommand(['check', '--json', '--sandbox', '--world', 'healthy']);
  assert.equal(c.kind, 'check');
  assert.ok(c.kind === 'check' && c.options.json && c.options.sandbox && c.options.world === 'healthy');
  const f = parseCommand(['fix', 'fw-bypass', '--yes', '-g', 'rg', '--apim', 'a', '--vault', 'v']);
  assert.ok(f.kind === 'fix' && f.checkId === 'FW-BYPASS' && f.options.yes && f.options.resourceGroup === 'rg');
  assert.ok((parseCommand(['fix', 'ALL']) as { checkId: string }).checkId === 'all');
  assert.deepEqual(parseCommand(['sandbox', 'serve', '--port', '9443']), { kind: 'sandbox', argv: ['serve', '--port', '9443'] });
  assert.equal(parseCommand(['--world', 'x.json']).kind, 'tui');
  assert.ok((parseCommand(['--world', 'x.json']) as { options: { sandbox: boolean } }).options.sandbox, '--world implies --sandbox');
});

test('bad input names the problem and the way out', () => {
  assert.throws(() => parseCommand(['--bogus']), (e: Error) => e instanceof UsageError && /bogus/.test(e.message) && /--help/.test(e.message));
  assert.throws(() => parseCommand(['fix']), /check id/);
  assert.throws(() => parseCommand(['frobnicate']), /Unknown command "frobnicate"/);
});
