// The fleet audit's full-screen table in a real pseudo-terminal at 80x24: worst first, sort with o, filter
// with /, Enter opens the runbook for the instance (its vault may live in another subscription), q comes
// back with the sort and filter kept, ? shows only the table's keys, q quits.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, KEY, start } from './harness.ts';
import { tempDir } from './support.ts';

function assertFits(screen: string) {
  const lines = screen.split('\n');
  assert.equal(lines.length, 24);
  for (const l of lines) assert.ok([...l].length <= 80, `too wide: ${l}`);
}

const rowsOf = (screen: string) => screen.split('\n').filter((l) => /^(✖ fail|\? unknown|▲ risk|✔ pass) +apim-/.test(l));

test('audit table: sort, filter, open the runbook and come back, help, quit', { timeout: 120_000 }, async () => {
  const dir = tempDir('apimkv-audit-tui-');
  const world = join(dir, 'fleet.json');
  const gen = spawnSync(
    process.execPath,
    [CLI, 'sandbox', 'generate', '--instances', '30', '--vaults', '45', '--subscriptions', '3', '--seed', '7', '--out', world],
    { encoding: 'utf8' },
  );
  assert.equal(gen.status, 0, gen.stderr);

  const s = start(['audit', '--sandbox', '--world', world]);
  try {
    const first = await s.waitFor(/30 instances · 45 vaults · ✖ \d+ fail/);
    assertFits(first);
    assert.match(first, /SANDBOX/);
    assert.match(first, /STATUS +INSTANCE +GROUP +REFS +FINDINGS/);
    assert.match(first.split('\n')[23]!, /Enter choose +r recheck +\/ filter +o sort +\? help +q quit/);
    // Worst first: every failing row before any at-risk or clean row.
    const severities = rowsOf(first).map((l) => l.split(/ +/)[1]);
    assert.equal(severities[0], 'fail');
    assert.deepEqual(
      severities,
      [...severities].sort((a, b) => ['fail', 'unknown', 'risk', 'pass'].indexOf(a!) - ['fail', 'unknown', 'risk', 'pass'].indexOf(b!)),
    );
    // The detail pane shows the selected instance's findings.
    const top = /^✖ fail +(apim-fleet-\d+)/.exec(rowsOf(first)[0]!)![1]!;
    assert.match(first, new RegExp(`^${top} · \\w+ · identity`, 'm'));

    await s.press('o');
    const byName = await s.waitFor(/sort: name/);
    const names = rowsOf(byName).map((l) => /apim-fleet-\d+/.exec(l)![0]);
    assert.deepEqual(names, [...names].sort());
    assert.equal(names[0], 'apim-fleet-00001');

    await s.press('/', 'u', 'a', 'i', KEY.enter);
    const filtered = await s.waitFor(/filter: uai\n/);
    const matching = rowsOf(filtered);
    assert.ok(matching.length > 0 && matching.length < 10, filtered);
    for (const l of matching) assert.doesNotMatch(l, /✔ pass/);

    // Enter on a row: the runbook for that instance, with its vault found (PRE-VAULT passes).
    const chosen = /apim-fleet-\d+/.exec(matching[0]!)![0];
    await s.press(KEY.enter);
    const runbook = await s.waitFor(new RegExp(`APIM ${chosen} · vault kv-fleet-\\d+[\\s\\S]*\\d+ ms`), 30_000);
    assertFits(runbook);
    // The passing Prerequisites step is closed at a glance: filter for the check.
    await s.press('/', ...'PRE-VAULT', KEY.enter);
    assert.match(await s.waitFor(/1 matching check/), /PRE-VAULT +The key vault exists +✔ pass/);

    // q in the runbook comes back to the table as it was left.
    await s.press('q');
    const back = await s.waitFor(/sort: name/);
    assert.match(back, /filter: uai/);
    assert.deepEqual(rowsOf(back), matching);

    await s.press('?');
    const help = await s.waitFor(/^Keys on the fleet audit/m);
    assert.match(help, /o +sort by the next column/);
    assert.doesNotMatch(help, /fix the selected check|upload a \.pfx/);
    await s.press(KEY.esc);
    await s.waitFor(/sort: name/);

    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill();
  }
});

test('audit table below 80x24 says so; audit with stdin not a terminal prints the text report', { timeout: 60_000 }, async () => {
  const s = start(['audit', '--sandbox', '--world', 'healthy'], { cols: 70, rows: 20 });
  try {
    await s.waitFor(/terminal too small \(need 80x24, have 70x20\)/);
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill();
  }
  const piped = spawnSync(process.execPath, [CLI, 'audit', '--sandbox', '--world', 'healthy'], { encoding: 'utf8', input: '' });
  assert.equal(piped.status, 0, piped.stderr);
  assert.match(
    piped.stdout,
    /^apimkv audit — Sandbox, every visible subscription\n1 API Management instance, 1 key vault, 1 Key Vault reference /,
  );
});
