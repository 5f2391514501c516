import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand, UsageError } from '../../src/cli-args.ts';
import { ConnectError, vaultOption } from '../../src/runbook/connect.ts';

test('modes and options', () => {
  assert.deepEqual(parseCommand([]).kind, 'tui');
  const c = parseCommand(['check', '--json', '--sandbox', '--world', 'healthy']);
  assert.equal(c.kind, 'check');
  assert.ok(c.kind === 'check' && c.options.json && c.options.sandbox && c.options.world === 'healthy');
  const f = parseCommand(['fix', 'fw-bypass', '--yes', '-g', 'rg', '--apim', 'a', '--vault', 'v']);
  assert.ok(f.kind === 'fix' && f.checkIds.join() === 'FW-BYPASS' && f.options.yes && f.options.resourceGroup === 'rg');
  assert.deepEqual(parseCommand(['fix', 'ALL']), { kind: 'fix', checkIds: [], plan: false, options: (parseCommand(['fix']) as { options: unknown }).options });
  const only = parseCommand(['fix', '--only', 'vnet-se', '--only', 'FW-BYPASS', '--plan']);
  assert.ok(only.kind === 'fix' && only.checkIds.join() === 'VNET-SE,FW-BYPASS' && only.plan);
  const add = parseCommand(['add-cert', '--secret-id', 'https://kv.vault.azure.net/secrets/c', '--certificate-id', 'c1', '--identity', 'system', '--keep-version']);
  assert.ok(add.kind === 'add-cert' && add.certificate.secretId?.endsWith('/c') && add.certificate.certificateId === 'c1' && add.certificate.keepVersion);
  const up = parseCommand(['upload-cert', '--file', 'a.pfx', '--password-env', 'PFX_PW', '--yes']);
  assert.ok(up.kind === 'upload-cert' && up.certificate.file === 'a.pfx' && up.certificate.passwordEnv === 'PFX_PW' && up.options.yes);
  assert.deepEqual(parseCommand(['sandbox', 'serve', '--port', '9443']), { kind: 'sandbox', argv: ['serve', '--port', '9443'] });
  assert.equal(parseCommand(['--world', 'x.json']).kind, 'tui');
  assert.ok((parseCommand(['--world', 'x.json']) as { options: { sandbox: boolean } }).options.sandbox, '--world implies --sandbox');
});

test('bad input names the problem and the way out', () => {
  assert.throws(() => parseCommand(['--bogus']), (e: Error) => e instanceof UsageError && /bogus/.test(e.message) && /--help/.test(e.message));
  assert.throws(() => parseCommand(['upload-cert', '--file', 'a.pfx', '--password', 'hunter2']), (e: Error) => /visible to others/.test(e.message) && !e.message.includes('hunter2'));
  assert.throws(() => parseCommand(['add-cert']), /--secret-id/);
  assert.throws(() => parseCommand(['upload-cert']), /--file/);
  assert.throws(() => parseCommand(['fix', '--plan', '--yes']), /Choose one/);
  assert.throws(() => parseCommand(['upload-cert', '--file', 'a', '--password-env', 'A', '--password-file', 'B']), /one way/);
  assert.throws(() => parseCommand(['frobnicate']), /Unknown command "frobnicate"/);
});

test('--vault: a name, a name with its resource group, or a resource id in another subscription', () => {
  assert.equal(vaultOption({}), undefined);
  assert.deepEqual(vaultOption({ vault: 'kv-a' }), { name: 'kv-a' });
  assert.deepEqual(vaultOption({ vault: 'kv-a', vaultResourceGroup: 'rg-kv' }), { name: 'kv-a', resourceGroup: 'rg-kv' });
  assert.deepEqual(vaultOption({ vault: '/subscriptions/s-2/resourceGroups/rg-central/providers/Microsoft.KeyVault/vaults/kv-central/' }), { name: 'kv-central', resourceGroup: 'rg-central', subscriptionId: 's-2' });
  assert.throws(() => vaultOption({ vault: '/subscriptions/s-2/vaults/kv' }), (e: Error) => e instanceof ConnectError && /is not a key vault id: expected \/subscriptions\/<id>\/resourceGroups\/<rg>\/providers\/Microsoft\.KeyVault\/vaults\/<name>/.test(e.message));
});
