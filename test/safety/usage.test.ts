// Strict input and usage (issue 15, item 6), through the built CLI with no connection at all: every usage
// error exits 2 before anything is read or signed in, with the words that say what to pass instead; every
// command has --help; --flag=value works; and values that would change a request (a certificate id with
// ?, / or a blank, a subscription that is not a GUID) or turn off TLS checks for the process are refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli-args.ts';
import { commandName } from '../../src/cli-spec.ts';
import { CLI } from '../e2e/harness.ts';

const SECRET = ['--secret-id', 'https://kv-contoso-certs.vault.azure.net/secrets/contoso-api-client'];

function cli(args: string[], env: Record<string, string> = {}) {
  // No az on PATH and no subscription: a row that got past the parser would fail differently (sign-in).
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, PATH: '/usr/bin:/bin', AZURE_SUBSCRIPTION_ID: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ROWS: { input: string; args: string[]; env?: Record<string, string>; words: RegExp }[] = [
  {
    input: 'a flag of another command (check --secret-id … --keep-version)',
    args: ['check', '--secret-id', 'foo', '--keep-version'],
    words: /--secret-id is an option of "apimkv add-cert", not of "apimkv check"/,
  },
  {
    input: 'an unknown flag on sandbox serve (used to exit 64)',
    args: ['sandbox', 'serve', '--bogus'],
    words: /Unknown option "--bogus" for "apimkv sandbox serve"/,
  },
  {
    input: 'an unknown flag given as --flag=value',
    args: ['audit', '--days=3', '--bogus=1'],
    words: /Unknown option "--bogus" for "apimkv audit"/,
  },
  {
    input: 'a subscription with spaces (used to give a 103-line report)',
    args: ['check', '--subscription', 'a b'],
    words: /--subscription must be a subscription id, a GUID .*\(got "a b"\)/,
  },
  {
    input: 'a subscription that is not a GUID, as --flag=value',
    args: ['check', '--subscription=prod'],
    words: /--subscription must be a subscription id/,
  },
  {
    input: 'a tenant that is neither a GUID nor a domain',
    args: ['check', '--tenant', 'bad tenant'],
    words: /--tenant must be a tenant id \(a GUID\) or a domain/,
  },
  {
    input: 'a certificate id with a query string (x?y=1)',
    args: ['add-cert', ...SECRET, '--certificate-id', 'x?y=1'],
    words: /--certificate-id "x\?y=1" contains "\?"; API Management refuses/,
  },
  {
    input: 'a certificate id that climbs the path (../)',
    args: ['add-cert', ...SECRET, '--certificate-id', '../'],
    words: /--certificate-id "\.\.\/" contains a slash, which would change the request path/,
  },
  {
    input: 'a certificate id that is a single space',
    args: ['add-cert', ...SECRET, '--certificate-id', ' '],
    words: /--certificate-id " " is blank or starts or ends with a space/,
  },
  {
    input: 'a certificate id over 80 characters',
    args: ['add-cert', ...SECRET, `--certificate-id=${'c'.repeat(81)}`],
    words: /is 81 characters long; API Management allows 1 to 80/,
  },
  {
    input: 'a certificate id with an escape sequence',
    args: ['add-cert', ...SECRET, '--certificate-id', 'a\u001b]0;x\u0007'],
    words: /contains a control character/,
  },
  {
    input: 'NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment',
    args: ['check', '--sandbox'],
    env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' },
    words: /NODE_TLS_REJECT_UNAUTHORIZED is set to 0, which turns off TLS certificate checks .* refuses to run so\. Unset it/,
  },
];

describe('usage errors and strict input: exit 2 before anything is read, with what to pass', () => {
  for (const row of ROWS) {
    it(row.input, () => {
      const r = cli(row.args, row.env);
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, row.words);
      assert.equal(r.stdout, '', 'a report or a plan was printed');
      assert.ok(r.stderr.split('\n').filter(Boolean).length <= 3, `not a short usage error:\n${r.stderr}`);
      // Escaped on the way out: the refused value's escape sequence is shown, not run.
      assert.doesNotMatch(r.stderr, /\u001b\]/);
    });
  }

  it('every command has --help (exit 0, its own usage line), also as -h', () => {
    const names = COMMANDS.map(commandName);
    assert.ok(names.length >= 8, names.join(', '));
    for (const name of names) {
      const words = name
        .replace(/^apimkv\s*/, '')
        .split(' ')
        .filter(Boolean);
      for (const flag of ['--help', '-h']) {
        const r = cli([...words, flag]);
        assert.equal(r.code, 0, `${name} ${flag}: ${r.stderr}`);
        // The root help is the overview; every command's starts with its own usage line.
        assert.match(r.stdout, words.length ? new RegExp(`^Usage: ${name}\\b`) : /^apimkv \d+\.\d+\.\d+ /, `${name} ${flag}`);
      }
    }
  });
});

describe('only a public IPv4 client address becomes a rule (ipaddr.js)', () => {
  it('publicIpv4 takes public unicast (and RFC 5737 documentation) addresses only', async () => {
    const { publicIpv4 } = await import('../../src/checks/ipv4.ts');
    for (const ok of ['20.50.1.9', '203.0.113.50', ' 198.51.100.7 ']) assert.equal(publicIpv4(ok), ok.trim(), ok);
    for (const bad of [
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '240.0.0.1',
      '1.2.3',
      '010.1.2.3',
      '0x7f.0.0.1',
      '1.2.3.4/24',
      '::1',
      '2001:db8::1',
      '1.2.3.4\u001b]0;x',
    ]) {
      assert.equal(publicIpv4(bad), undefined, bad);
    }
  });
});
