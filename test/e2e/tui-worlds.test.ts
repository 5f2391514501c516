// Every shipped world, fixed by keyboard alone in the built CLI under a real pseudo-terminal at 80x24: F, then y on
// each preview. Where it must end is not a second hand-written list: it is where `apimkv fix --yes` ends on a fresh
// copy of the same world (green, or the world's documented unfixable causes), read back with `check --json`. On the
// first preview of each world Enter is pressed too, and the sandbox's request log shows it wrote nothing.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { WORLD_NAMES } from '../../src/sandbox/index.ts';
import { CLI, KEY, start } from './harness.ts';
import { azHandingOut, DEMO_TARGET, serveSandbox, tempDir, type Served } from './support.ts';

const PREVIEW = / Apply +y applies/;
const RESULT = /Enter next fix/;
const SUMMARY = /Fix all: (?:no failing check has a fix|\d+ run, \d+ skipped · (?:nothing fails now|(\d+) still failing))/;

const flags = (s: Served, state: string) => ['--arm-endpoint', s.endpoint, '--ca-cert', s.ca, ...DEMO_TARGET, '--state-dir', state];
const env = (s: Served) => ({ NO_COLOR: '1', PATH: azHandingOut(s.token), AZURE_SUBSCRIPTION_ID: '' });

/** The CLI against a served world, run asynchronously so the oracle's copy is fixed while the runbook walks the other. */
async function cli(s: Served, state: string, ...args: string[]): Promise<string> {
  const r = await promisify(execFile)(process.execPath, [CLI, ...args, ...flags(s, state)], {
    encoding: 'utf8',
    env: { ...process.env, ...env(s) },
    timeout: 120_000,
  }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return r.stdout;
}

/** The failing findings `check --json` reports, read from the world as it is now. */
async function failingFindings(s: Served, state: string): Promise<{ checkId: string; fix?: unknown }[]> {
  const report = JSON.parse(await cli(s, state, 'check', '--json')) as { findings: { checkId: string; status: string; fix?: unknown }[] };
  return report.findings.filter((f) => f.status === 'fail');
}
const failing = async (s: Served, state: string) => (await failingFindings(s, state)).map((f) => f.checkId);

/**
 * Where the CLI ends: `fix --yes`, which stops at a fix Azure refuses (a deny assignment, a policy); then, as fix all
 * in the runbook goes on past one, `fix <ID> --yes` for each failing check with a fix not tried yet.
 */
async function fixedByCli(s: Served, state: string): Promise<string[]> {
  const tried = new Set([...(await cli(s, state, 'fix', '--yes')).matchAll(/^Fix (\S+):/gm)].map((m) => m[1]!));
  for (;;) {
    const next = (await failingFindings(s, state)).find((f) => f.fix && !tried.has(f.checkId));
    if (!next) return failing(s, state);
    tried.add(next.checkId);
    await cli(s, state, 'fix', next.checkId, '--yes');
  }
}

/** Requests that could change the world (anything but a read), from the sandbox's own log. */
function writes(s: Served): number {
  const log = spawnSync('curl', ['-s', '--cacert', s.ca, `${s.endpoint}/__sandbox/log`], { encoding: 'utf8' }).stdout;
  return (JSON.parse(log) as { method: string; path: string }[]).filter(
    (r) => r.method !== 'GET' && !r.path.startsWith('/__sandbox/') && !/\/(oauth2|token|devicelogin)/.test(r.path),
  ).length;
}

test(
  'every shipped world: F and y alone end where fix --yes ends, and Enter on a preview writes nothing',
  { timeout: 600_000 },
  async (t) => {
    const figures: string[] = [];
    const t0 = Date.now();
    // APIMKV_TUI_WORLDS=a,b narrows the run while working on one world.
    const only = process.env.APIMKV_TUI_WORLDS?.split(',');
    const names = WORLD_NAMES.filter((n) => !only || only.includes(n));
    for (const name of names) {
      await t.test(name, { timeout: 120_000 }, async () => {
        const w0 = Date.now();
        const [oracle, walked] = await Promise.all([serveSandbox(['--world', name]), serveSandbox(['--world', name])]);
        try {
          const oracleState = tempDir(`apimkv-worlds-${name}-yes-`);
          const expecting = fixedByCli(oracle, oracleState);
          // A walk that fails first must not leave this rejection unhandled.
          expecting.catch(() => undefined);

          const state = tempDir(`apimkv-worlds-${name}-tui-`);
          const s = start(flags(walked, state), { env: env(walked) });
          try {
            await s.waitFor(/\d+ ✔ pass/, 60_000);
            await s.press('F');
            let previews = 0;
            let still = 0;
            let summary = '';
            for (;;) {
              const screen = await s.waitFor(new RegExp(`${PREVIEW.source}|${RESULT.source}|${SUMMARY.source}`), 60_000);
              const done = SUMMARY.exec(screen);
              if (done) {
                summary = done[0];
                // "no failing check has a fix" names no count: the checklist's summary line does.
                still = Number(done[1] ?? (/no failing check/.test(summary) ? (/(\d+) ✖ fail/.exec(screen)?.[1] ?? 0) : 0));
                break;
              }
              if (RESULT.test(screen)) {
                await s.press(KEY.enter);
                continue;
              }
              if (previews++ === 0) {
                const before = writes(walked);
                await s.press(KEY.enter);
                const after = await s.waitFor('Enter never applies a fix');
                assert.match(after, PREVIEW, 'Enter left the preview');
                assert.equal(writes(walked), before, 'Enter on a preview sent a write');
              }
              await s.press('y');
              await s.waitFor(new RegExp(`${RESULT.source}|${SUMMARY.source}`), 60_000);
            }
            const expected = await expecting;
            assert.equal(still, expected.length, `${summary}; fix --yes leaves ${expected.join(', ') || 'nothing'} failing`);
          } finally {
            s.kill();
            await s.exited;
          }
          const expected = await expecting;
          assert.deepEqual(await failing(walked, state), expected);
          figures.push(`${name}: ${expected.length ? expected.join(',') : 'green'} in ${Date.now() - w0} ms`);
        } finally {
          oracle.stop();
          walked.stop();
        }
      });
    }
    t.diagnostic(`${names.length} worlds in ${Date.now() - t0} ms`);
    for (const f of figures) t.diagnostic(f);
  },
);
