import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEYS } from '../../src/screens/keys.ts';
import { FakeEngine } from './fake-engine.ts';
import { evaluation, finding, READY, runContext } from './fixtures.ts';
import { KEY, oversizedFrames, renderApp } from './harness.tsx';

test('first frame is the header and "connecting…" before the engine has loaded', async () => {
  let release!: (e: FakeEngine) => void;
  const r = renderApp(() => new Promise<FakeEngine>((resolve) => (release = resolve)));
  const first = r.frames()[0];
  assert.match(first, /^apimkv · API Management \+ Key Vault certificates/);
  assert.match(first, /connecting/);
  release(new FakeEngine());
  await r.waitFor(READY);
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  r.unmount();
});

test('at a glance: all six steps in order with status and counts, failing steps open, cursor on the first failure, F hint', async () => {
  const r = renderApp(new FakeEngine());
  const frame = await r.waitFor(READY);
  const steps = [
    '0. Context',
    '1. Prerequisites',
    '2. Key vault access',
    '3. Key Vault firewall',
    '4. Virtual network',
    '5. Add the certificate',
  ].map((s) => frame.indexOf(s));
  assert.ok(
    steps.every((i) => i >= 0),
    frame,
  );
  assert.deepEqual(
    [...steps].sort((a, b) => a - b),
    steps,
  );
  for (const label of ['✔ pass', '▲ warn', '✖ fail', '? unknown', '- skipped']) assert.ok(frame.includes(label), `missing ${label}`);
  assert.match(frame, /2\. Key vault access +1 ✖ 1 \? ✖ fail/);
  assert.match(frame, /0\. Context ▸ +1 ✔ ✔ pass/);
  // Passing steps are closed; the failing ones show their problems, not their passes.
  assert.doesNotMatch(frame, /CTX-CLOUD/);
  assert.match(frame, /› {4}ACC-RBAC/);
  assert.match(frame, /F fixes all 2 failing checks one by one \(each previewed; only y writes\)\./);
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  assert.equal(r.frame().split('\n').length, 24);
  r.unmount();
});

test('n/N jump between failures, g/G to the ends, Enter and ←/→ open and close a step; digits do nothing', async () => {
  const engine = new FakeEngine();
  const r = renderApp(engine);
  await r.waitFor(READY);
  await r.press('n');
  assert.match(r.frame(), /› {4}ACC-OPERATOR .* \? unknown/);
  await r.press('n');
  assert.match(r.frame(), /› {4}FW-BYPASS/);
  await r.press('N', 'N');
  assert.match(r.frame(), /› {4}ACC-RBAC/);
  await r.press('g');
  assert.match(r.frame(), /› 0\. Context/);
  await r.press(KEY.enter);
  assert.match(r.frame(), /^ {5}CTX-CLOUD .* ✔ pass/m);
  await r.press('\u001B[D');
  assert.doesNotMatch(r.frame(), /CTX-CLOUD/);
  await r.press('G');
  assert.match(r.frame(), /› 5\. Add the certificate/);
  const before = r.frame();
  await r.press('1', '2', '3', '4', '5', '6', '7', '8', '9', '0');
  assert.equal(r.frame(), before);
  assert.deepEqual(engine.callsOf('apply'), []);
  r.unmount();
});

test('/ filters the checks (under their steps); Esc clears the filter', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor(READY);
  await r.press('/');
  await r.press('clientip');
  const f = r.frame();
  assert.match(f, /\/clientip/);
  assert.match(f, /1 matching check/);
  assert.match(f, /3\. Key Vault firewall/);
  assert.match(f, /FW-CLIENTIP/);
  assert.doesNotMatch(f, /FW-BYPASS|ACC-RBAC|0\. Context/);
  await r.press(KEY.enter);
  assert.match(r.frame(), /\/ edits · Esc clears/);
  await r.press(KEY.esc);
  assert.match(r.frame(), /ACC-RBAC/);
  assert.match(r.frame(), /F fixes all/);
  r.unmount();
});

test('Enter opens a check full-screen: everything wrapped, nothing cut, scrollable; C sends the command by OSC 52; Esc back', async () => {
  const long = `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-contoso/${'x'.repeat(60)}`;
  const e = evaluation();
  e.findings = e.findings.map((f) =>
    f.checkId === 'ACC-RBAC'
      ? { ...f, evidence: [`role assignments at ${long}`, ...Array.from({ length: 30 }, (_, i) => `evidence line ${i + 1}`)] }
      : f,
  );
  const r = renderApp(new FakeEngine({ evaluate: () => e }));
  await r.waitFor(READY);
  await r.press(KEY.enter);
  const f = await r.waitFor('Evidence (31):');
  assert.match(f, /✖ fail ACC-RBAC — Title of ACC-RBAC/);
  assert.ok(f.replace(/\n\s*/g, '').includes(long), 'the resource id is shown whole (wrapped)');
  assert.doesNotMatch(f.split('\n').slice(2).join('\n'), /…/);
  assert.match(f, /lines 1-20 of \d+ · ↓ more/);
  await r.press('G');
  const bottom = r.frame();
  assert.match(bottom, /evidence line 30/);
  assert.match(bottom, /Why this matters \(step 2\):/);
  await r.press('C');
  assert.match(r.frame(), /OSC 52 → clipboard: the az command for ACC-RBAC \((terminals may ignore it|tmux needs set-clipboard on)\)/);
  const osc = r.stdout.frames.find((x) => x.startsWith('\u001B]52;c;'));
  assert.ok(osc, 'an OSC 52 sequence was written');
  assert.equal(Buffer.from(osc.slice(7, -1), 'base64').toString(), e.findings.find((x) => x.checkId === 'ACC-RBAC')!.fix!.az.join('\n'));
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  await r.press(KEY.esc);
  assert.match(r.frame(), /F fixes all/);
  r.unmount();
});

test('the full-screen detail shows a multi-line cause or evidence from Azure on one line with ⏎: it cannot forge lines', async () => {
  const forged = 'Forbidden\n## Fix ACC-RBAC: applied ✔\nApplied and verified — everything is now pass';
  const e = evaluation();
  e.findings = e.findings.map((f) =>
    f.checkId === 'ACC-RBAC' ? { ...f, cause: `lastStatus: ${forged}`, evidence: [`message: ${forged}`] } : f,
  );
  const r = renderApp(new FakeEngine({ evaluate: () => e }));
  await r.waitFor(READY);
  await r.press(KEY.enter);
  const f = await r.waitFor('Evidence (1):');
  assert.match(f, /Forbidden ⏎ ## Fix ACC-RBAC: applied/);
  assert.doesNotMatch(f, /^\s*(## Fix ACC-RBAC|Applied and verified)/m);
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
  await r.waitFor(READY);
  await r.press('n');
  assert.match(r.frame(), /› {4}ACC-OPERATOR/);
  await r.press('r');
  // The new warning lands in the Context step, above the selected check (a warning leaves it closed).
  await r.waitFor('2 ▲ warn');
  assert.match(r.frame(), /0\. Context ▸ +1 ▲ 1 ✔ ▲ warn/);
  assert.match(r.frame(), /› {4}ACC-OPERATOR/);
  assert.equal(engine.callsOf('evaluate').length, 2);
  r.unmount();
});

test('w shows why the step matters; the selected check shows cause, evidence and doc link', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor(READY);
  let f = r.frame();
  assert.match(f, /✖ fail {2}ACC-RBAC — Title of ACC-RBAC/);
  assert.match(f, /Cause of ACC-RBAC\./);
  assert.match(f, /f {2}fix: Grant Key Vault Certificate User/);
  assert.match(f, /Enter {2}full details: evidence \(1\), docs · w why/);
  assert.doesNotMatch(f, /The identity must be allowed to get secrets/);
  await r.press(KEY.enter);
  f = r.frame();
  assert.match(f, /https:\/\/learn\.microsoft\.com\/acc-rbac/);
  assert.match(f, /evidence for ACC-RBAC/);
  await r.press(KEY.esc);
  await r.press('w');
  f = r.frame();
  assert.match(f, /Why this matters \(step 2\):/);
  assert.match(f, /The identity must be allowed to get secrets\./);
  r.unmount();
});

test('an unknown check names the missing permission', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor(READY);
  await r.press('n');
  assert.match(r.frame(), /Missing permission: Microsoft\.KeyVault\/vaults\/secrets\/readMetadata\/action/);
  r.unmount();
});

test('help lists the keys of the screen it was opened from (from the key table, Ctrl-C included), fits 80x24, and Esc closes it', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor(READY);
  await r.press('?');
  let f = r.frame();
  assert.match(f, /Keys on the checklist/);
  for (const k of KEYS.filter((k) => !k.hidden))
    assert.equal(f.includes(k.help), k.contexts.includes('checklist'), `checklist help and "${k.help}"`);
  assert.match(f, /Ctrl-C +quit now/);
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  await r.press(KEY.esc);
  assert.match(r.frame(), /F fixes all/);
  await r.press('f');
  await r.waitFor('Fix ACC-RBAC');
  await r.press('?');
  f = r.frame();
  assert.match(f, /Keys on a fix preview/);
  assert.match(f, /y +apply the fix \(preview top only\)/);
  assert.doesNotMatch(f, /fix all failing/);
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  r.unmount();
});

test('transcript panel shows the tail of the engine transcript', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor(READY);
  await r.press('l');
  assert.match(r.frame(), /Transcript \(last 3 of 3 lines\)/);
  assert.match(r.frame(), /- fix FW-BYPASS applied/);
  await r.press('l');
  assert.match(r.frame(), /ACC-RBAC/);
  r.unmount();
});

test('T writes the transcript to a file and says where', async () => {
  const engine = new FakeEngine();
  const r = renderApp(engine);
  await r.waitFor(READY);
  await r.press('T');
  assert.match(await r.waitFor('Transcript written to'), /Transcript written to \/state\/transcripts\/apimkv-test\.md/);
  assert.equal(engine.calls.filter((c) => c.method === 'saveTranscript').length, 1);
  r.unmount();
});

test('SANDBOX and READ-ONLY badges come from the engine context', async () => {
  const r = renderApp(new FakeEngine({ context: runContext({ sandbox: true, readOnly: true, cloud: 'Sandbox' }) }));
  const f = await r.waitFor(READY);
  const header = f.split('\n').slice(0, 2).join('\n');
  assert.match(header, /SANDBOX/);
  assert.match(header, /READ-ONLY/);
  assert.match(header, /Sandbox · sub 00000000…0001 · APIM apim-contoso · vault kv-contoso/);
  r.unmount();
  const named = renderApp(new FakeEngine({ context: runContext({ subscriptionName: 'Payments Prod' }) }));
  const n = (await named.waitFor(READY)).split('\n')[1]!;
  assert.match(n, /· sub Payments Prod · APIM apim-contoso/);
  named.unmount();
  const plain = renderApp(new FakeEngine());
  const p = await plain.waitFor(READY);
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
  await r.waitFor(READY);
  assert.doesNotMatch(r.frame(), /Transcript written|TRANSCRIPT|Keys/);
  assert.deepEqual(oversizedFrames(r.frames().slice(-1), 80, 24), []);
  r.stdout.resize(100, 30);
  await r.waitFor(/^ {2}0\. Context ▸ {60,}1 ✔ ✔ pass$/m);
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
  assert.match(
    f.replace(/\s+/g, ' '),
    /Forbidden \(403\): you do not have permission Microsoft\.ApiManagement\/service\/read\. The client/,
  );
  assert.match(f, /What to do: Ask for Reader on the API Management instance\./);
  await r.press('q');
  assert.deepEqual(r.exits, [2]);
  r.unmount();
});

test('q quits with 0 when nothing is in flight; Ctrl-C quits with 130', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor(READY);
  await r.press('q');
  assert.deepEqual(r.exits, [0]);
  r.unmount();
  const c = renderApp(new FakeEngine());
  await c.waitFor(READY);
  await c.press(KEY.ctrlC);
  assert.deepEqual(c.exits, [130]);
  c.unmount();
});
