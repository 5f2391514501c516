// The target picker in a real pseudo-terminal: with several subscriptions, instances and vaults and no
// target flags, choose subscription -> instance -> vault (filtering, and a vault in another subscription),
// land in the runbook for that choice; the next run starts on the same choice (remembered per tenant).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, KEY, start } from './harness.ts';
import { tempDir } from './support.ts';

test(
  'picker: subscription -> instance -> vault, then the runbook; the choice is remembered for the tenant',
  { timeout: 120_000 },
  async () => {
    const dir = tempDir('apimkv-picker-');
    const world = join(dir, 'fleet.json');
    const gen = spawnSync(
      process.execPath,
      [CLI, 'sandbox', 'generate', '--instances', '12', '--vaults', '18', '--subscriptions', '3', '--seed', '5', '--out', world],
      { encoding: 'utf8' },
    );
    assert.equal(gen.status, 0, gen.stderr);
    const w = JSON.parse(readFileSync(world, 'utf8')) as {
      tenantId: string;
      subscriptions: { subscriptionId: string; displayName: string }[];
    };
    const second = w.subscriptions[1]!;

    const s = start(['--sandbox', '--world', world, '--state-dir', dir]);
    try {
      const subs = await s.waitFor(/1\/3 Subscription · 3 visible/);
      for (const sub of w.subscriptions) assert.match(subs, new RegExp(`${sub.displayName} +${sub.subscriptionId}`));
      assert.match(subs.split('\n')[23]!, /Enter choose +\/ filter +Esc back +q quit/);
      // Filter to the second subscription, then choose it.
      await s.press('/', ...second.subscriptionId.slice(0, 8), KEY.enter);
      const filtered = await s.waitFor(new RegExp(`filter: ${second.subscriptionId.slice(0, 8)}`));
      assert.doesNotMatch(filtered, new RegExp(w.subscriptions[0]!.subscriptionId));
      await s.press(KEY.enter);
      // Whole frames only: the pty may deliver a frame in pieces.
      const instances = await s.waitFor(
        new RegExp(
          `2/3 API Management instance · \\d+ visible · subscription ${second.displayName}[\\s\\S]*apim-fleet-[\\s\\S]*\n +\nEnter choose`,
        ),
      );
      const names = [...instances.matchAll(/^(apim-fleet-\d+) /gm)].map((m) => m[1]!);
      assert.ok(names.length >= 2, instances);
      assert.deepEqual(names, [...names].sort());
      // Esc goes back a step, and forward again.
      await s.press(KEY.esc);
      await s.waitFor(/1\/3 Subscription · 3 visible/);
      await s.press(KEY.enter);
      await s.waitFor(/2\/3 API Management instance · \d+ visible/);
      await s.press(KEY.down, KEY.enter);
      const vaults = await s.waitFor(/3\/3 Key vault · 18 visible/);
      assert.match(vaults, new RegExp(`instance ${names[1]}`));
      assert.match(vaults, /same subscription/);
      // A vault in another subscription: move to the first row that says so.
      const rows = vaults.split('\n').filter((l) => /^kv-fleet-\d+ /.test(l));
      const other = rows.findIndex((l) => /sub [0-9a-f]{8}…/.test(l));
      assert.ok(other > 0, vaults);
      const vaultName = /^kv-fleet-\d+/.exec(rows[other]!)![0];
      await s.press(...Array<string>(other).fill(KEY.down), KEY.enter);
      const runbook = await s.waitFor(new RegExp(`APIM ${names[1]} · vault ${vaultName}[\\s\\S]*\\d+ ms`), 30_000);
      assert.match(runbook, /1\. Prerequisites/);
      await s.press('/', ...'PRE-VAULT', KEY.enter);
      await s.waitFor(/PRE-VAULT +The key vault exists +✔ pass/);
      await s.press('q');
      assert.equal(await s.exited, 0);
    } finally {
      s.kill();
    }
    const memory = JSON.parse(readFileSync(join(dir, 'targets.json'), 'utf8')) as Record<string, { apimId: string; vaultId: string }>;
    assert.match(memory[w.tenantId.toLowerCase()]!.vaultId, /\/vaults\/kv-fleet-\d+$/);

    // Next run: Enter three times takes the remembered choice.
    const again = start(['--sandbox', '--world', world, '--state-dir', dir]);
    try {
      await again.waitFor(/1\/3 Subscription · 3 visible[\s\S]*the cursor starts on your last choice/);
      await again.press(KEY.enter);
      await again.waitFor(/2\/3 API Management instance · \d+ visible/);
      await again.press(KEY.enter);
      await again.waitFor(/3\/3 Key vault · \d+ visible/);
      await again.press(KEY.enter);
      const apim = memory[w.tenantId.toLowerCase()]!.apimId.split('/').pop();
      const vault = memory[w.tenantId.toLowerCase()]!.vaultId.split('/').pop();
      await again.waitFor(new RegExp(`APIM ${apim} · vault ${vault}`), 30_000);
      await again.press('q');
      assert.equal(await again.exited, 0);
    } finally {
      again.kill();
    }
  },
);

test('picker: flags that name everything but the vault go straight to the vault step; q quits', { timeout: 60_000 }, async () => {
  const dir = tempDir('apimkv-picker-');
  const world = join(dir, 'fleet.json');
  spawnSync(process.execPath, [
    CLI,
    'sandbox',
    'generate',
    '--instances',
    '6',
    '--vaults',
    '9',
    '--subscriptions',
    '2',
    '--seed',
    '2',
    '--out',
    world,
  ]);
  const w = JSON.parse(readFileSync(world, 'utf8')) as {
    resources: Record<string, { id: string; type: string; name: string }> | { id: string; type: string; name: string }[];
  };
  const apim = Object.values(w.resources).find((r) => r.type === 'Microsoft.ApiManagement/service')!;
  const s = start(['--sandbox', '--world', world, '--service-id', apim.id]);
  try {
    const screen = await s.waitFor(/3\/3 Key vault · 9 visible/);
    assert.match(screen, new RegExp(`instance ${apim.name}`));
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill();
  }
});
