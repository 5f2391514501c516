// Shell completion as a shell sees it: the built CLI's bash script sourced into bash, then asked for
// completions the way readline asks (COMP_WORDS/COMP_CWORD, then COMPREPLY), and `complete -p`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CHECK_IDS } from '../../src/completion.ts';
import { WORLD_NAMES } from '../../src/sandbox/worlds/index.ts';
import { CLI } from './harness.ts';
import { tempDir } from './support.ts';

const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 90_000 });

const script = join(tempDir('h19-completion-'), 'apimkv.bash');
const generated = cli(['completion', 'bash']);
assert.equal(generated.status, 0, generated.stderr);
writeFileSync(script, generated.stdout);

/** What bash offers for the last word of `line` (a trailing space: a new, empty word). */
function complete(line: string): string[] {
  const words = line.split(' ');
  const program = [
    `source ${JSON.stringify(script)}`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE=${JSON.stringify(line)}`,
    '_apimkv apimkv',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('bash: the script registers itself and completes commands, flags, worlds, clouds and check ids', () => {
  const registered = spawnSync('bash', ['--norc', '--noprofile', '-c', `source ${JSON.stringify(script)}; complete -p apimkv`], {
    encoding: 'utf8',
  });
  assert.match(registered.stdout, /complete -o default -F _apimkv apimkv/);
  assert.deepEqual(complete('apimkv ch'), ['check']);
  assert.deepEqual(complete('apimkv sandbox '), ['--help', '-h', 'generate', 'serve', 'worlds']);
  assert.deepEqual(complete('apimkv sandbox serve --c'), ['--ca-out', '--cloud-hosts']);
  assert.deepEqual(complete('apimkv check --world h'), ['healthy']);
  assert.deepEqual(complete('apimkv check --world = '), [...WORLD_NAMES, 'fleet'].sort(), '--world=<Tab> (bash splits at "=")');
  assert.deepEqual(complete('apimkv --cloud AzureC'), ['AzureChinaCloud', 'AzureCloud']);
  assert.deepEqual(complete('apimkv fix FW-B'), ['FW-BYPASS']);
  assert.deepEqual(complete('apimkv fix --only VNET-NSG'), ['VNET-NSG', 'VNET-NSG-AAD', 'VNET-NSG-KV']);
  assert.deepEqual(complete('apimkv completion '), ['--help', '-h', 'bash', 'fish', 'zsh']);
  // Only the command's own flags: check has no --yes, audit no --vault, add-cert no --file.
  assert.deepEqual(complete('apimkv check --y'), []);
  assert.deepEqual(complete('apimkv audit --va'), []);
  assert.deepEqual(complete('apimkv add-cert --fi'), []);
  assert.deepEqual(complete('apimkv fix --fo'), ['--format']);
  assert.deepEqual(complete('apimkv upload-cert --pass'), ['--password-env', '--password-file']);
  assert.deepEqual(complete('apimkv audit --n'), ['--no-named-values']);
});

test('zsh and fish scripts come from the same tables', () => {
  const zsh = cli(['completion', 'zsh']);
  assert.equal(zsh.status, 0);
  assert.match(zsh.stdout, /^#compdef apimkv\n[\s\S]*bashcompinit[\s\S]*complete -o default -F _apimkv apimkv/);
  const fish = cli(['completion', 'fish']).stdout;
  assert.match(fish, /complete -c apimkv -n '__fish_seen_subcommand_from sandbox; and __fish_seen_subcommand_from serve' -l cloud-hosts /);
  assert.match(fish, /-n '__fish_seen_subcommand_from audit' -l management-group -r -f -d /);
  assert.match(fish, /-n '__fish_seen_subcommand_from check' -l world -r -f -a 'everything-broken healthy /);
  assert.doesNotMatch(fish, /-n '__fish_seen_subcommand_from check' -l yes /);
});

// The completion's check ids against the checks themselves: every id a report shows over every shipped
// world is offered, and every id offered is one the checks can emit (a literal in src/checks).
test('the check ids offered are the ones the checks emit', () => {
  const seen = new Set<string>();
  for (const world of WORLD_NAMES) {
    const r = cli(['check', '--sandbox', '--world', world, '--json']);
    // CHECK@identity: the same check for another identity on the vault.
    for (const f of JSON.parse(r.stdout).findings as { checkId: string }[]) seen.add(f.checkId.split('@')[0]!);
  }
  assert.ok(seen.size > 30, `${seen.size} ids seen`);
  assert.deepEqual(
    [...seen].filter((id) => !CHECK_IDS.includes(id)),
    [],
    'ids in reports but not completed: add them to CHECK_IDS in src/completion.ts',
  );
  const dir = fileURLToPath(new URL('../../src/checks/', import.meta.url));
  const source = (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  assert.deepEqual(
    CHECK_IDS.filter((id) => !source.includes(`'${id}'`)),
    [],
    'ids completed but not in src/checks',
  );
});
