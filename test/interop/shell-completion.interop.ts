// The zsh and fish completion scripts in the shells themselves (Debian's zsh and fish, installed by .ci/run):
// fish answers `complete -C` as it would at a Tab; zsh runs the bash rules through bashcompinit, called the
// way its _bash_complete calls them (ksharrays, COMP_WORDS/COMP_CWORD).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI } from '../e2e/harness.ts';
import { tempDir } from '../e2e/support.ts';

const dir = tempDir('h19-shells-');
const script = (shell: string) => {
  const r = spawnSync(process.execPath, [CLI, 'completion', shell], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const path = join(dir, `apimkv.${shell}`);
  writeFileSync(path, r.stdout);
  return path;
};

test("fish: commands, a command's own flags, world names, check ids and sub-commands", () => {
  const path = script('fish');
  const ask = (line: string) => {
    const r = spawnSync('fish', ['--no-config', '-c', `source ${path}; complete -C'${line}'`], {
      encoding: 'utf8',
      env: { ...process.env, HOME: dir },
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]!)
      .sort();
  };
  assert.deepEqual(ask('apimkv do'), ['doctor']);
  assert.deepEqual(ask('apimkv check --wo'), ['--world']);
  assert.deepEqual(ask('apimkv check --world h'), ['healthy']);
  assert.deepEqual(ask('apimkv fix FW-B'), ['FW-BYPASS']);
  assert.deepEqual(ask('apimkv sandbox s'), ['serve']);
  assert.deepEqual(ask('apimkv sandbox serve --cl'), ['--cloud-hosts']);
  assert.deepEqual(ask('apimkv check --y'), [], 'check has no --yes');
  assert.deepEqual(ask('apimkv --cloud AzureU'), ['AzureUSGovernment']);
});

test('zsh: the script registers through bashcompinit and completes like bash', () => {
  const path = script('zsh');
  const ask = (words: string[]) => {
    const program = `source ${path}; print -r -- "$_comps[apimkv]"; setopt ksharrays; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _apimkv; print -l -- "\${COMPREPLY[@]}"`;
    const r = spawnSync('zsh', ['-f', '-c', program], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
    assert.equal(r.status, 0, r.stderr);
    const [registered, ...offered] = r.stdout.split('\n').filter(Boolean);
    assert.equal(registered, '_bash_complete -o default -F _apimkv');
    return offered.sort();
  };
  assert.deepEqual(ask(['apimkv', 'check', '--wo']), ['--world']);
  assert.deepEqual(ask(['apimkv', '--cloud', 'AzureC']), ['AzureChinaCloud', 'AzureCloud']);
  assert.deepEqual(ask(['apimkv', 'audit', '--n']), ['--no-named-values']);
  assert.deepEqual(ask(['apimkv', 'sandbox', '']), ['--help', '-h', 'generate', 'serve', 'worlds']);
});
