import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMANDS, helpText, parseCommand, UsageError } from '../../src/cli-args.ts';
import { flagsOf } from '../../src/cli-spec.ts';
import { ConnectError, vaultOption } from '../../src/app/connect.ts';

test('modes and options', () => {
  assert.deepEqual(parseCommand([]).kind, 'tui');
  const c = parseCommand(['check', '--json', '--sandbox', '--world', 'healthy']);
  assert.equal(c.kind, 'check');
  assert.ok(c.kind === 'check' && c.options.json && c.options.sandbox && c.options.world === 'healthy');
  const f = parseCommand(['fix', 'fw-bypass', '--yes', '-g', 'rg', '--apim', 'a', '--vault', 'v']);
  assert.ok(f.kind === 'fix' && f.checkIds.join() === 'FW-BYPASS' && f.options.yes && f.options.resourceGroup === 'rg');
  assert.deepEqual(parseCommand(['fix', 'ALL']), {
    kind: 'fix',
    checkIds: [],
    plan: false,
    format: 'az',
    options: (parseCommand(['fix']) as { options: unknown }).options,
  });
  assert.equal((parseCommand(['fix', '--plan', '--format', 'terraform']) as { format: string }).format, 'terraform');
  assert.equal(
    (parseCommand(['add-cert', '--secret-id', 'https://kv.vault.azure.net/secrets/c', '--plan', '--format=bicep']) as { format: string })
      .format,
    'bicep',
  );
  assert.throws(() => parseCommand(['fix', '--format', 'bicep']), /--format chooses what --plan prints: add --plan/);
  assert.throws(() => parseCommand(['fix', '--plan', '--format', 'pulumi']), /--format must be az, bicep or terraform/);
  const only = parseCommand(['fix', '--only', 'vnet-se', '--only', 'FW-BYPASS', '--plan']);
  assert.ok(only.kind === 'fix' && only.checkIds.join() === 'VNET-SE,FW-BYPASS' && only.plan);
  const perIdentity = parseCommand(['fix', 'fw-identity@id-apim-KV']);
  assert.ok(perIdentity.kind === 'fix' && perIdentity.checkIds.join() === 'FW-IDENTITY@id-apim-KV', 'the identity after @ keeps its case');
  const add = parseCommand([
    'add-cert',
    '--secret-id',
    'https://kv.vault.azure.net/secrets/c',
    '--certificate-id',
    'c1',
    '--identity',
    'system',
    '--keep-version',
  ]);
  assert.ok(
    add.kind === 'add-cert' &&
      add.certificate.secretId?.endsWith('/c') &&
      add.certificate.certificateId === 'c1' &&
      add.certificate.keepVersion,
  );
  const up = parseCommand(['upload-cert', '--file', 'a.pfx', '--password-env', 'PFX_PW', '--yes']);
  assert.ok(up.kind === 'upload-cert' && up.certificate.file === 'a.pfx' && up.certificate.passwordEnv === 'PFX_PW' && up.options.yes);
  assert.deepEqual(parseCommand(['sandbox', 'serve', '--port', '9443']), { kind: 'sandbox', argv: ['serve', '--port', '9443'] });
  assert.equal(parseCommand(['--world', 'x.json']).kind, 'tui');
  assert.ok((parseCommand(['--world', 'x.json']) as { options: { sandbox: boolean } }).options.sandbox, '--world implies --sandbox');
});

test('bad input names the problem and the way out', () => {
  assert.throws(
    () => parseCommand(['--bogus']),
    (e: Error) => e instanceof UsageError && /bogus/.test(e.message) && /--help/.test(e.message),
  );
  assert.throws(
    () => parseCommand(['upload-cert', '--file', 'a.pfx', '--password', 'hunter2']),
    (e: Error) => /visible to others/.test(e.message) && !e.message.includes('hunter2'),
  );
  assert.throws(() => parseCommand(['add-cert']), /--secret-id/);
  assert.throws(() => parseCommand(['upload-cert']), /--file/);
  assert.throws(() => parseCommand(['fix', '--plan', '--yes']), /Choose one/);
  assert.throws(() => parseCommand(['upload-cert', '--file', 'a', '--password-env', 'A', '--password-file', 'B']), /one way/);
  assert.throws(() => parseCommand(['frobnicate']), /Unknown command "frobnicate"/);
});

const usage = (argv: string[], re: RegExp) =>
  assert.throws(
    () => parseCommand(argv),
    (e: Error) => e instanceof UsageError && re.test(e.message),
    `${argv.join(' ')}: expected ${re}`,
  );

test('each command refuses the flags of another, and says whose they are', () => {
  usage(
    ['check', '--secret-id', 'foo', '--keep-version'],
    /--secret-id is an option of "apimkv add-cert", not of "apimkv check"\. Run "apimkv check --help"/,
  );
  usage(
    ['check', '--yes'],
    /--yes is an option of "apimkv fix", "apimkv add-cert", "apimkv upload-cert" and "apimkv cleanup", not of "apimkv check"/,
  );
  usage(['fix', '--json'], /--json is an option of .*"apimkv check".*not of "apimkv fix"/);
  usage(
    ['add-cert', '--secret-id', 'https://kv.vault.azure.net/secrets/c', '--file', 'a.pfx'],
    /--file is an option of "apimkv upload-cert"/,
  );
  usage(['check', '--csv'], /--csv is an option of "apimkv audit"/);
  usage(['audit', '-g', 'rg'], /not --service or --vault/);
  usage(['sandbox', 'serve', '--yes'], /--yes is an option of .*not of "apimkv sandbox serve"/);
  usage(['sandbox', 'generate', '--port', '1'], /--port is an option of "apimkv sandbox serve", not of "apimkv sandbox generate"/);
  usage(['completion', 'bash', '--sandbox'], /--sandbox is an option of/);
  usage(['check', '-v'], /Unknown option "-v" for "apimkv check"/);
  usage(['check', '--frobnicate'], /Unknown option "--frobnicate" for "apimkv check"\. Run "apimkv check --help"/);
  usage(['--sandbox', 'check'], /The command comes first: "apimkv check --sandbox"/);
  usage(['check', 'extra'], /"apimkv check" takes no argument "extra"/);
});

test('--flag=value works like --flag value; values are checked', () => {
  const c = parseCommand([
    'check',
    '--world=healthy',
    '--vault=/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv',
    '-g',
    'rg',
  ]);
  assert.ok(
    c.kind === 'check' &&
      c.options.world === 'healthy' &&
      c.options.sandbox &&
      c.options.vault?.endsWith('/vaults/kv') &&
      c.options.resourceGroup === 'rg',
  );
  const a = parseCommand([
    'audit',
    '--days=7',
    '--concurrency=4',
    '--subscription=11111111-1111-4111-8111-111111111111',
    '--subscription',
    '22222222-2222-4222-8222-222222222222',
  ]);
  assert.ok(
    a.kind === 'audit' &&
      a.audit.days === 7 &&
      a.audit.concurrency === 4 &&
      a.audit.subscriptions.join() === '11111111-1111-4111-8111-111111111111,22222222-2222-4222-8222-222222222222',
  );
  usage(['audit', '--days=soon'], /--days must be a whole number from 0 to 3650 \(got "soon"\)/);
  usage(['audit', '--days='], /--days must be a whole number/);
  usage(['check', '--json=yes'], /--json takes no value/);
  usage(['fix', '--vault', '--yes'], /--vault needs a value \(NAME\|ID\)/);
  usage(['check', '--vault'], /--vault needs a value/);
  usage(
    ['check', '--subscription', '11111111-1111-4111-8111-111111111111', '--subscription', '22222222-2222-4222-8222-222222222222'],
    /--subscription is given more than once/,
  );
  usage(['sandbox', 'serve', '--port=65536'], /--port must be a whole number from 0 to 65535/);
  usage(['sandbox', 'generate', '--instances=0'], /--instances must be a whole number from 1 to 20000/);
  assert.deepEqual(parseCommand(['sandbox', 'generate', '--seed=4']), { kind: 'sandbox', argv: ['generate', '--seed=4'] });
  assert.throws(
    () => parseCommand(['add-cert', '--secret-id', 'x', '--yes=hunter2']),
    (e: Error) => /--yes takes no value/.test(e.message) && !e.message.includes('hunter2'),
  );
});

test('--help on every command, from its own table', () => {
  for (const spec of COMMANDS) {
    const argv = [...(spec.path ? spec.path.split(' ') : []), '--help'];
    assert.deepEqual(parseCommand(argv), { kind: 'help', command: spec.path }, argv.join(' '));
    const text = helpText(spec.path);
    assert.ok(text.startsWith(`Usage: ${spec.synopsis}`) || spec.path === '', spec.path);
    for (const f of flagsOf(spec).filter((x) => !x.hidden))
      assert.match(text, new RegExp(`--${f.name}\\b`), `${spec.path}: --${f.name} in its help`);
  }
  assert.match(helpText(), /Commands\n[\s\S]*sandbox serve[\s\S]*Usage: apimkv \[options\]/);
  assert.doesNotMatch(helpText('upload-cert'), /--password\b(?!-)/, 'the refused --password is not advertised');
  assert.equal(parseCommand(['sandbox', '--help']).kind, 'help');
  usage(['sandbox'], /Name a sandbox command/);
  usage(['sandbox', 'frobnicate'], /Unknown sandbox command "frobnicate"/);
  usage(['completion'], /Name the shell/);
  assert.deepEqual(parseCommand(['completion', 'fish']), { kind: 'completion', shell: 'fish' });
});

test('--vault: a name, a name with its resource group, or a resource id in another subscription', () => {
  assert.equal(vaultOption({}), undefined);
  assert.deepEqual(vaultOption({ vault: 'kv-a' }), { name: 'kv-a' });
  assert.deepEqual(vaultOption({ vault: 'kv-a', vaultResourceGroup: 'rg-kv' }), { name: 'kv-a', resourceGroup: 'rg-kv' });
  assert.deepEqual(vaultOption({ vault: '/subscriptions/s-2/resourceGroups/rg-central/providers/Microsoft.KeyVault/vaults/kv-central/' }), {
    name: 'kv-central',
    resourceGroup: 'rg-central',
    subscriptionId: 's-2',
  });
  assert.throws(
    () => vaultOption({ vault: '/subscriptions/s-2/vaults/kv' }),
    (e: Error) =>
      e instanceof ConnectError &&
      /is not a key vault id: expected \/subscriptions\/<id>\/resourceGroups\/<rg>\/providers\/Microsoft\.KeyVault\/vaults\/<name>/.test(
        e.message,
      ),
  );
});
