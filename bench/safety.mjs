// Safety figures (issue 15): runs the safety suite (hostile worlds through the built CLI, concurrent
// processes on one journal, the fault suite against the sandbox, the secrets search) and prints what it
// measured. The suite asserts each goal; this prints the counts, which a test never asserts.
//   node bench/safety.mjs   (after node scripts/build.mjs)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(mkdtempSync(join(tmpdir(), 'apimkv-safety-bench-')), 'figures.jsonl');
const files = ['hostile-text', 'concurrency', 'secrets', 'faults', 'data-plane-host', 'tls', 'two-clis'].map(
  (f) => `test/safety/${f}.test.ts`,
);
const t0 = Date.now();
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=dot', ...files], {
  cwd: root,
  env: { ...process.env, SAFETY_FIGURES: out },
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const totals = {};
for (const line of readFileSync(out, 'utf8').split('\n').filter(Boolean))
  for (const [k, v] of Object.entries(JSON.parse(line))) totals[k] = (totals[k] ?? 0) + v;
const show = (label, key, goal) =>
  console.log(`${label.padEnd(62)} ${String(totals[key] ?? 'not measured').padStart(8)}${goal === undefined ? '' : `   (goal ${goal})`}`);
console.log(
  `safety suite: ${files.length} files in ${Math.round((Date.now() - t0) / 1000)} s, tests ${run.status === 0 ? 'green' : `FAILED (exit ${run.status})`}`,
);
show('hostile strings tried', 'hostile strings tried');
show('outputs scanned', 'outputs scanned');
show('raw control sequences leaked', 'raw control sequences leaked', 0);
show('injected commands run', 'injected commands run', 0);
show('journal entries written by concurrent processes', 'journal entries written by concurrent processes');
show('journal entries lost', 'journal entries lost', 0);
show('writes under faults / faults injected', 'writes under faults');
show('faults injected', 'faults injected');
show('concurrent edits', 'concurrent edits');
show('rules lost', 'rules lost', 0);
show('journal mismatches (fault suite, judged by the world)', 'journal mismatches (fault suite)', 0);
show('operation kinds judged by the world (non-vacuous)', 'operation kinds judged by the world (non-vacuous)');
show('journal entries left unknown after the next read', 'journal entries the next read could not settle (fault suite)');
show('two-CLI race rounds (fix FW-CLIENTIP + cleanup, one state dir)', 'two-CLI race rounds');
show('  of which the racing cleanup removed the new rule', 'two-CLI rounds where the racing cleanup removed the new rule');
show('  journal entries lost', 'journal entries lost (two CLIs racing)', 0);
show('  temporary rules open but not listed', 'temporary rules open but not listed (two CLIs racing)', 0);
show('connections to refused vault hosts', 'connections to refused vault hosts', 0);
show('HTTP requests past a refused TLS certificate', 'HTTP requests past a refused TLS certificate', 0);
show('places searched for secrets', 'places searched for secrets');
show(
  'secret copies found in outputs, logs, files and child environments',
  'secret copies found (outputs, logs, files, child environments)',
  0,
);
if (run.status !== 0) console.log(run.stdout.slice(-3000));
