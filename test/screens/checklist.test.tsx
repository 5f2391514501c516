import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEYS } from '../../src/screens/keys.ts';
import { FakeEngine } from './fake-engine.ts';
import { evaluation, finding, runContext } from './fixtures.ts';
import { KEY, oversizedFrames, renderApp } from './harness.tsx';

test('first frame is the header and "connecting…" before the engine has loaded', async () => {
  let release!: (e: FakeEngine) => void;
  const r = renderApp(() => new Promise<FakeEngine>((resolve) => (release = resolve)));
  const first = r.frames()[0];
  assert.match(first, /^apimkv · API Management \+ Key Vault certificates/);
  assert.match(first, /connecting…/);
  release(new FakeEngine());
  await r.waitFor('CTX-CLOUD');
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  r.unmount();
});

test('checklist shows every status as symbol and word, steps in order, and fits 80x24', async () => {
  const r = renderApp(new FakeEngine());
  const frame = await r.waitFor('CTX-CLOUD');
  for (const label of ['✔ pass', '▲ warn', '✖ fail', '? unknown', 'i info']) assert.ok(frame.includes(label), `missing ${label}`);
  // "- skipped" is further down the list: the summary line counts it.
  assert.match(frame, /1 - skipped/);
  assert.match(frame, /↓ 4 more/);
  const steps = ['0. Context', '1. Prerequisites', '2. Key vault access'].map((s) => frame.indexOf(s));
  assert.deepEqual([...steps].sort((a, b) => a - b), steps);
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  const lines = r.frame().split('\n');
  assert.equal(lines.length, 24);
  r.unmount();
});

test('arrows and j/k move the cursor; the detail pane follows; digits do nothing', async () => {
  const engine = new FakeEngine();
  const r = renderApp(engine);
  await r.waitFor('CTX-CLOUD');
  await r.press('j');
  assert.match(r.frame(), /› {4}CTX-CLOUD/);
  assert.match(r.frame(), /✔ pass {2}CTX-CLOUD — Title of CTX-CLOUD/);
  await r.press(KEY.down, KEY.down);
  assert.match(r.frame(), /› {4}PRE-APIM/);
  await r.press('k');
  assert.match(r.frame(), /› 1\. Prerequisites/);
  await r.press(KEY.up);
  assert.match(r.frame(), /› {4}CTX-CLOUD/);
  const before = r.frame();
  await r.press('1', '2', '3', '4', '5', '6', '7', '8', '9', '0');
  assert.equal(r.frame(), before);
  assert.deepEqual(engine.callsOf('apply'), []);
  // Scrolling down past the window brings the hidden rows in, with the hint updated.
  await r.press(...Array(11).fill('j'));
  assert.match(r.frame(), /› {4}VNET-MODE .* - skipped/);
  assert.match(r.frame(), /↑ \d+ more/);
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  r.unmount();
});

test('the cursor stays on the same check across a re-check', async () => {
  let round = 0;
  const engine = new FakeEngine({
    evaluate: () => {
      round++;
      // The second evaluation adds a check before the selected one: the cursor must follow the value.
      const e = evaluation();
      return round === 1 ? e : { ...e, findings: [finding('CTX-NEW', 'context', 'warn'), ...e.findings] };
    },
  });
  const r = renderApp(engine);
  await r.waitFor('CTX-CLOUD');
  await r.press('j', 'j', 'j');
  assert.match(r.frame(), /› {4}PRE-APIM/);
  await r.press('r');
  await r.waitFor('CTX-NEW');
  assert.match(r.frame(), /› {4}PRE-APIM/);
  assert.equal(engine.callsOf('evaluate').length, 2);
  r.unmount();
});

test('w shows why the step matters; the selected check shows cause, evidence and doc link', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor('CTX-CLOUD');
  await r.press('j', 'j', 'j', 'j', 'j', 'j');
  let f = r.frame();
  assert.match(f, /✖ fail {2}ACC-RBAC — Title of ACC-RBAC/);
  assert.match(f, /Cause of ACC-RBAC\./);
  assert.match(f, /f {2}fix: Grant Key Vault Certificate User/);
  assert.match(f, /Docs: https:\/\/learn\.microsoft\.com\/acc-rbac/);
  assert.match(f, /evidence for ACC-RBAC/);
  assert.doesNotMatch(f, /The identity must be allowed to get secrets/);
  await r.press('w');
  f = r.frame();
  assert.match(f, /Why this matters \(step 2\):/);
  assert.match(f, /The identity must be allowed to get secrets\./);
  r.unmount();
});

test('an unknown check names the missing permission', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor('CTX-CLOUD');
  await r.press(...Array(7).fill('j'));
  assert.match(r.frame(), /Missing permission: Microsoft\.KeyVault\/vaults\/secrets\/readMetadata\/action/);
  r.unmount();
});

test('help overlay lists every runbook key from the key table (not the audit-only ones), and Esc closes it', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor('CTX-CLOUD');
  await r.press('?');
  const f = r.frame();
  for (const k of KEYS) {
    const runbook = k.contexts.some((c) => c !== 'audit');
    assert.equal(f.includes(k.help), runbook, `help ${runbook ? 'lacks' : 'shows'} "${k.help}"`);
    if (runbook) assert.ok(f.includes(k.label), `help lacks the label ${k.label}`);
  }
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  await r.press(KEY.esc);
  assert.match(r.frame(), /CTX-CLOUD/);
  assert.doesNotMatch(r.frame(), /Digits do nothing/);
  r.unmount();
});

test('transcript panel shows the tail of the engine transcript', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor('CTX-CLOUD');
  await r.press('l');
  assert.match(r.frame(), /Transcript \(last 3 of 3 lines\)/);
  assert.match(r.frame(), /- fix FW-BYPASS applied/);
  await r.press('l');
  assert.match(r.frame(), /CTX-CLOUD/);
  r.unmount();
});

test('T writes the transcript to a file and says where', async () => {
  const engine = new FakeEngine();
  const r = renderApp(engine);
  await r.waitFor('CTX-CLOUD');
  await r.press('T');
  assert.match(await r.waitFor('Transcript written to'), /Transcript written to \/state\/transcripts\/apimkv-test\.md/);
  assert.equal(engine.calls.filter((c) => c.method === 'saveTranscript').length, 1);
  r.unmount();
});

test('SANDBOX and READ-ONLY badges come from the engine context', async () => {
  const r = renderApp(new FakeEngine({ context: runContext({ sandbox: true, readOnly: true, cloud: 'Sandbox' }) }));
  const f = await r.waitFor('CTX-CLOUD');
  const header = f.split('\n').slice(0, 2).join('\n');
  assert.match(header, /SANDBOX/);
  assert.match(header, /READ-ONLY/);
  assert.match(header, /Sandbox · sub 00000000…0001 · APIM apim-contoso · vault kv-contoso/);
  r.unmount();
  const plain = renderApp(new FakeEngine());
  const p = await plain.waitFor('CTX-CLOUD');
  assert.doesNotMatch(p, /SANDBOX|READ-ONLY/);
  plain.unmount();
});

test('below 80x24 a clear "terminal too small" line replaces the layout, and a resize brings it back', async () => {
  const engine = new FakeEngine();
  const r = renderApp(engine, { columns: 60, rows: 20 });
  await r.waitFor('terminal too small');
  assert.equal(r.frame().split('\n')[0], 'terminal too small (need 80x24, have 60x20)');
  assert.deepEqual(oversizedFrames(r.frames(), 60, 20), []);
  // Only q works here: T (save the transcript), l and ? would act unseen.
  await r.press('T', 'l', '?');
  assert.ok(!engine.calls.some((c) => c.method === 'saveTranscript'));
  r.stdout.resize(80, 24);
  await r.waitFor('CTX-CLOUD');
  assert.doesNotMatch(r.frame(), /Transcript written|TRANSCRIPT|Keys/);
  assert.deepEqual(oversizedFrames(r.frames().slice(-1), 80, 24), []);
  r.stdout.resize(100, 30);
  await r.waitFor((/↓ \d+ more/));
  assert.equal(r.frame().split('\n').length, 30);
  r.unmount();
});

test('a failed connection says what happened and what to do (403 with hint)', async () => {
  const error = Object.assign(new Error('The client does not have authorization to perform action over scope.'), {
    kind: 'Forbidden',
    status: 403,
    missingAction: 'Microsoft.ApiManagement/service/read',
    hint: 'Ask for Reader on the API Management instance.',
  });
  const r = renderApp(() => Promise.reject(error));
  const f = await r.waitFor('Could not connect');
  assert.match(f.replace(/\s+/g, ' '), /Forbidden \(403\): you do not have permission Microsoft\.ApiManagement\/service\/read\. The client/);
  assert.match(f, /What to do: Ask for Reader on the API Management instance\./);
  await r.press('q');
  assert.deepEqual(r.exits, [2]);
  r.unmount();
});

test('q quits with 0 when nothing is in flight; Ctrl-C quits with 130', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor('CTX-CLOUD');
  await r.press('q');
  assert.deepEqual(r.exits, [0]);
  r.unmount();
  const c = renderApp(new FakeEngine());
  await c.waitFor('CTX-CLOUD');
  await c.press(KEY.ctrlC);
  assert.deepEqual(c.exits, [130]);
  c.unmount();
});
