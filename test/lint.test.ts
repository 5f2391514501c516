// The linter enforces DESIGN.md's layers: each rule is shown to fire on a file that breaks it, in a copy
// of the tree's layout with the project's own .oxlintrc.json (so the rules, not the tree, are under test).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('..', import.meta.url).pathname;

function lint(files: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'apimkv-lint-'));
  const config = JSON.parse(readFileSync(join(ROOT, '.oxlintrc.json'), 'utf8')) as Record<string, unknown>;
  delete config.$schema;
  writeFileSync(join(dir, '.oxlintrc.json'), JSON.stringify(config));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  cpSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/oxlint/bin/oxlint'), '-c', '.oxlintrc.json', '-f', 'unix', 'src'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return r.stdout.split('\n').filter((l) => l.startsWith('src/'));
}

test('screens may not do I/O nor reach Azure or the sandbox', () => {
  const problems = lint({
    'src/screens/Upload.tsx':
      "import { readFile } from 'node:fs/promises';\nimport { applyOperation } from '../azure/apply/index.ts';\nexport const x = [readFile, applyOperation];\n",
    'src/azure/apply/index.ts': 'export const applyOperation = 1;\n',
  });
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.ok(problems.every((p) => p.includes('no-restricted-imports') && p.startsWith('src/screens/Upload.tsx')));
});

test('checks are the ground floor; only src/azure imports @azure/*', () => {
  const problems = lint({
    'src/checks/rule.ts':
      "import { Box } from 'ink';\nimport { connect } from '../runbook/connect.ts';\nexport const x = [Box, connect];\n",
    'src/runbook/connect.ts': "import type { Vault } from '@azure/arm-keyvault';\nexport const connect = (v?: Vault) => v;\n",
    'src/azure/clients.ts': "import type { Vault } from '@azure/arm-keyvault';\nexport const ok = (v?: Vault) => v;\n",
  });
  assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), ['src/checks/rule.ts', 'src/checks/rule.ts', 'src/runbook/connect.ts']);
});

test('screens may not import src/app, and src/app may not name the SDK clients (the fleet port instead)', () => {
  const problems = lint({
    'src/screens/Entry.tsx': "import { connectFleet } from '../app/connect.ts';\nexport const x = connectFleet;\n",
    'src/app/fleet.ts': "import type { AzureClients } from '../azure/clients.ts';\nexport const f = (c?: AzureClients) => c;\n",
    'src/app/ok.ts': "import { createClients } from '../azure/clients.ts';\nexport const g = createClients;\n",
  });
  assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), ['src/app/fleet.ts', 'src/screens/Entry.tsx']);
});

test('a circle through type-only imports is an error too (ignoreTypes: false)', () => {
  const problems = lint({
    'src/sandbox/a.ts': "import type { B } from './b.ts';\nexport type A = B | 1;\n",
    'src/sandbox/b.ts': "import type { A } from './a.ts';\nexport type B = A | 2;\nexport const b = 1;\n",
  });
  assert.ok(
    problems.some((p) => p.startsWith('src/sandbox/a.ts') && p.includes('no-cycle')),
    problems.join('\n'),
  );
});

test('an import circle is an error, and so is a hook called conditionally', () => {
  const problems = lint({
    'src/runbook/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
    'src/runbook/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
    'src/screens/Hook.tsx':
      "import { useState } from 'react';\nexport function Hook({ on }: { on: boolean }) {\n  if (on) useState(0);\n  return null;\n}\n",
  });
  assert.ok(
    problems.some((p) => p.startsWith('src/runbook/a.ts') && p.includes('no-cycle')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('src/screens/Hook.tsx') && p.includes('rules-of-hooks')),
    problems.join('\n'),
  );
});
