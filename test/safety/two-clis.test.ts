// Two apimkv command lines racing on one state directory and one vault (a standalone sandbox whose world both
// see, as two panes of one operator would): `fix FW-CLIENTIP --yes` opens the temporary client-IP rule while
// `cleanup --yes` starts at a different moment each round. After every round: no journal entry is lost, and
// the vault holds the temporary rule exactly when the journal still lists it as open, so no opening can be left
// behind while cleanup says there is none; a final cleanup closes it and then finds nothing more.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI } from '../e2e/harness.ts';
import { azHandingOut, serveSandbox, tempDir, type Served } from '../e2e/support.ts';
import { figure } from './figures.ts';

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const RULE = '203.0.113.50/32';
const stateDir = join(tempDir('apimkv-two-clis-'), 'state');
let sandbox: Served;
let path = '';

before(async () => {
  sandbox = await serveSandbox();
  path = azHandingOut(sandbox.token);
});
after(() => sandbox.stop());

interface Entry {
  id: string;
  planId: string;
  startedAt: string;
  status: string;
  temporary?: { value: string; removedAt?: string };
}
const journal = (): Entry[] => {
  const file = join(stateDir, 'journal.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { entries: Entry[] }).entries : [];
};
const key = (e: Entry) => `${e.planId} ${e.startedAt} ${e.id ?? ''}`;

/** The vault's IP rules, read from the sandbox's world (not through apimkv). */
function vaultRules(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    https
      .get(`${sandbox.endpoint}/__sandbox/world`, { ca: readFileSync(sandbox.ca), agent: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const world = JSON.parse(text) as {
            resources: { type: string; properties: { networkAcls: { ipRules: { value: string }[] } } }[];
          };
          resolve(world.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults')!.properties.networkAcls.ipRules.map((r) => r.value));
        });
      })
      .on('error', reject);
  });
}

function cli(args: string[], delayMs = 0): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    setTimeout(() => {
      const child = spawn(
        process.execPath,
        [CLI, ...args, '--arm-endpoint', sandbox.endpoint, '--ca-cert', sandbox.ca, '--subscription', SUB, '--state-dir', stateDir],
        { env: { ...process.env, PATH: path, NO_COLOR: '1', AZURE_SUBSCRIPTION_ID: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    }, delayMs);
  });
}

const open = () => journal().filter((e) => e.temporary?.value === RULE && !e.temporary.removedAt && e.status !== 'failed');

test(
  'fix FW-CLIENTIP and cleanup racing: no entry lost, the rule open exactly while the journal says so',
  { timeout: 240_000 },
  async () => {
    const others = (await vaultRules()).filter((r) => r !== RULE);
    let saidNone = 0;
    for (const delayMs of [0, 150, 400, 800, 1500]) {
      const before = journal().map(key);
      const [fix, cleanup] = await Promise.all([cli(['fix', 'FW-CLIENTIP', '--yes']), cli(['cleanup', '--yes'], delayMs)]);
      const round = `cleanup ${delayMs} ms after fix\n--- fix (exit ${fix.code})\n${fix.out}\n--- cleanup (exit ${cleanup.code})\n${cleanup.out}`;
      // 1: the world (everything-broken) still has other findings; the fix itself was applied.
      assert.ok(fix.code === 0 || fix.code === 1, round);
      assert.equal(cleanup.code, 0, round);
      const none = /No temporary changes to remove/.test(cleanup.out);
      // The fix's own write is always verified. Its re-check passes unless the cleanup removed the rule between
      // the write and the re-check's probe: then "still warn" is the honest verdict of that moment.
      assert.match(fix.out, none ? /Applied and verified — FW-CLIENTIP is now pass/ : /Applied and verified/, round);
      if (none) saidNone++;
      figure('two-CLI rounds where the racing cleanup removed the new rule', none ? 0 : 1);

      const now = journal();
      const lost = before.filter((k) => !now.some((e) => key(e) === k));
      figure('journal entries lost (two CLIs racing)', lost.length);
      assert.deepEqual(lost, [], `entries lost\n${round}`);
      assert.ok(
        now.some((e) => e.planId.startsWith('FW-CLIENTIP') && e.temporary?.value === RULE && !before.includes(key(e))),
        `the fix's own entry is in the journal\n${round}`,
      );

      const rules = await vaultRules();
      const inVault = rules.includes(RULE);
      const listed = open().length > 0;
      figure('temporary rules open but not listed (two CLIs racing)', inVault && !listed ? 1 : 0);
      assert.equal(
        listed,
        inVault,
        `vault ${inVault ? 'holds' : 'lacks'} ${RULE}, journal ${listed ? 'lists' : 'does not list'} it open\n${round}`,
      );
      assert.deepEqual(
        rules.filter((r) => r !== RULE),
        others,
        `nobody else's rule changed\n${round}`,
      );

      // Whatever the race left, the next cleanup closes it, and the one after finds nothing.
      const settle = await cli(['cleanup', '--yes']);
      assert.equal(settle.code, 0, settle.out);
      assert.deepEqual(await vaultRules(), others, `the opening is closed\n${settle.out}`);
      assert.deepEqual(open(), [], settle.out);
      assert.match((await cli(['cleanup'])).out, /No temporary changes to remove/);
      figure('two-CLI race rounds', 1);
    }
    // Both orders happened: cleanup ran before the rule existed in some round, after it in another.
    assert.ok(saidNone < 5, 'cleanup never overlapped the fix');
  },
);
