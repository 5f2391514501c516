// The test command: lint, typecheck, then every test with Node's runner (unit, integration against the
// sandbox, end-to-end in a pseudo-terminal). End-to-end tests run the built CLI, so build first.
import { spawnSync } from 'node:child_process';

const node = process.execPath;
const run = (label, cmd, args, env = process.env) => {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`\n${label} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  console.log(`${label}: ok (${Date.now() - t0} ms)`);
};

const only = process.argv.slice(2);
if (only.length === 0) {
  run('lint', node, ['scripts/lint.mjs']);
  // The linter: DESIGN.md's layers as no-restricted-imports per folder, React hooks rules, no import cycles.
  run('oxlint', node, ['node_modules/oxlint/bin/oxlint', '-c', '.oxlintrc.json', 'src', 'test', 'scripts', 'bench']);
  // The formatter: one layout for every file, so a diff shows what changed and nothing else.
  run('format', node, ['node_modules/prettier/bin/prettier.cjs', '--check', '--log-level', 'warn', '.']);
  run('typecheck', node, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
  run('build', node, ['scripts/build.mjs']);
}
const patterns = only.length ? only : ['test/**/*.test.ts', 'test/**/*.test.tsx'];
run('tests', node, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...patterns]);
