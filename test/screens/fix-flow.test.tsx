import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApplyOutcome } from '../../src/runbook/engine-types.ts';
import { FakeEngine } from './fake-engine.ts';
import { evaluation, finding, plan, runContext } from './fixtures.ts';
import { READY } from './fixtures.ts';
import { KEY, oversizedFrames, renderApp, settle } from './harness.tsx';

const flat = (s: string) => s.replace(/\s+/g, ' ');

/** Open the FW-BYPASS preview (the third failure: n jumps from the first, ACC-RBAC, past ACC-OPERATOR). */
async function openBypassPreview(engine: FakeEngine, options: Parameters<typeof renderApp>[1] = {}) {
  const r = renderApp(engine, options);
  await r.waitFor(READY);
  await r.press('n', 'n');
  assert.match(r.frame(), /› {4}FW-BYPASS/);
  await r.press('f');
  await r.waitFor('Fix FW-BYPASS: Allow trusted Microsoft services');
  return r;
}

test('the preview shows disruption and changes first, then permission, roles, az equivalent and body', async () => {
  const r = await openBypassPreview(new FakeEngine());
  const f = r.frame();
  const body = f.split('\n').slice(3);
  assert.match(body[0]!, /^Disruption: none: the vault keeps serving requests/);
  assert.match(f, /PATCH \/subscriptions\/00000000-0000-0000-0000-000000000001\/resourceGroups\/rg\/prov/);
  assert.match(f, /^- bypass: None$/m);
  assert.match(f, /^\+ bypass: AzureServices$/m);
  assert.match(f, /You may apply this: ✔ pass yes/);
  assert.match(f, /Key Vault Contributor on kv-contoso/);
  assert.match(f, /az keyvault update --name kv-contoso --bypass AzureServices/);
  assert.match(f, / Apply {3}y applies · Esc goes back without writing/);
  await r.press(KEY.pageDown);
  const scrolled = r.frame();
  assert.match(scrolled, /"bypass": "AzureServices"/);
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  r.unmount();
});

test('the preview says when the operator lacks a permission', async () => {
  const r = renderApp(new FakeEngine());
  await r.waitFor(READY);
  await r.press('f');
  await r.waitFor('Fix ACC-RBAC');
  await r.press(KEY.pageDown, KEY.pageDown);
  assert.match(flat(r.frame()), /You may apply this: ✖ fail no — missing Microsoft\.Authorization\/roleAssignments\/write/);
  r.unmount();
});

test('Esc from the preview goes back and applies nothing; digits do nothing', async () => {
  const engine = new FakeEngine();
  const r = await openBypassPreview(engine);
  await r.press('1', '2', '9');
  assert.match(r.frame(), /Fix FW-BYPASS/);
  await r.press(KEY.esc);
  assert.match(r.frame(), /› {4}FW-BYPASS/);
  await settle(50);
  assert.deepEqual(engine.callsOf('apply'), []);
  r.unmount();
});

test('y applies the previewed plan exactly once and shows the re-check result', async () => {
  const fixed = evaluation();
  fixed.findings = fixed.findings.map((f) => (f.checkId === 'FW-BYPASS' ? finding('FW-BYPASS', 'firewall', 'pass') : f));
  const engine = new FakeEngine({
    apply: async (p) => ({
      ok: true,
      message: 'Applied and verified — FW-BYPASS is now pass.',
      results: [{ outcome: 'applied', message: 'bypass set to AzureServices', verified: true, lost: [] }],
      after: finding('FW-BYPASS', 'firewall', 'pass'),
      evaluation: fixed,
    }),
  });
  const r = await openBypassPreview(engine);
  await r.press('y');
  const f = await r.waitFor('Re-check: FW-BYPASS is now ✔ pass');
  assert.match(f, /✔ pass Applied and verified — FW-BYPASS is now pass\./);
  assert.match(f, /applied: bypass set to AzureServices/);
  const applied = engine.callsOf('apply');
  assert.equal(applied.length, 1);
  assert.equal(applied[0].plan.id, 'FW-BYPASS-fix');
  await r.press(KEY.enter);
  // Back on the checklist, with the new evaluation from the outcome.
  assert.match(r.frame(), /› {4}FW-BYPASS .* ✔ pass/);
  assert.equal(engine.callsOf('apply').length, 1);
  r.unmount();
});

test('Enter never applies: it says y does; y from further down the preview first brings its top back', async () => {
  const engine = new FakeEngine();
  const r = await openBypassPreview(engine);
  await r.press(KEY.enter, KEY.enter, KEY.enter);
  assert.match(r.frame(), /Enter never applies a fix: y applies it, Esc goes back without writing\./);
  await settle(50);
  assert.deepEqual(engine.callsOf('apply'), []);
  await r.press(KEY.pageDown);
  assert.match(r.frame(), /g back to the top, where y applies/);
  assert.doesNotMatch(r.frame(), / Apply /);
  await r.press('y');
  assert.match(r.frame(), /y applies from the first screen of the preview/);
  assert.match(r.frame(), /^Disruption:/m);
  await settle(50);
  assert.deepEqual(engine.callsOf('apply'), []);
  await r.press('y');
  await r.waitFor('Applied and verified');
  assert.equal(engine.callsOf('apply').length, 1);
  r.unmount();
});

test('a disruptive fix says what it interrupts on the first line of its preview', async () => {
  const e = evaluation();
  e.findings = e.findings.map((f) =>
    f.checkId === 'ACC-RBAC'
      ? { ...f, fix: { ...f.fix!, disruption: 'Adding a service endpoint briefly interrupts connections from the subnet.' } }
      : f,
  );
  const r = renderApp(new FakeEngine({ evaluate: () => e }));
  await r.waitFor(READY);
  await r.press('f');
  const f = await r.waitFor('Fix ACC-RBAC');
  assert.match(f.split('\n')[3]!, /^▲ Interrupts: Adding a service endpoint briefly interrupts connections/);
  r.unmount();
});

test('read-only mode shows the preview but never applies', async () => {
  const engine = new FakeEngine({ context: runContext({ readOnly: true }) });
  const r = await openBypassPreview(engine);
  assert.match(r.frame(), /\[ Apply \] disabled: read-only mode/);
  await r.press(KEY.enter, 'y');
  assert.match(r.frame(), /Read-only mode: fixes are shown, never applied\./);
  assert.deepEqual(engine.callsOf('apply'), []);
  r.unmount();
});

test('progress lines: write, throttled countdown, propagation countdown; q asks while a write is in flight', async () => {
  let finish!: (o: ApplyOutcome) => void;
  let report!: Parameters<NonNullable<ConstructorParameters<typeof FakeEngine>[0]>['apply'] & {}>[1];
  const engine = new FakeEngine({
    apply: (_p, progress) => {
      report = progress;
      return new Promise((resolve) => (finish = resolve));
    },
  });
  const r = await openBypassPreview(engine);
  await r.press('y');
  report({
    phase: 'write',
    message: 'Allowing trusted Microsoft services through the vault firewall',
    operationIndex: 0,
    operationCount: 1,
  });
  report({ phase: 'throttled', message: 'Throttled by Azure (429), retrying in 7 s', retryInSeconds: 7 });
  const f = await r.waitFor('throttled, retrying in 7s');
  assert.match(f, /→ \[1\/1\] Allowing trusted Microsoft services through the vault firewall/);
  report({ phase: 'propagation', message: 'Access was granted moments ago', secondsLeft: 30 });
  await r.waitFor('waiting for access to propagate: retrying in 30s');
  report({ phase: 'propagation', message: 'Access was granted moments ago', secondsLeft: 29 });
  const g = await r.waitFor('retrying in 29s');
  // Repeated propagation events replace their line instead of piling up.
  assert.equal(g.match(/waiting for access to propagate/g)?.length, 1);
  await r.press('q');
  assert.match(r.frame(), /A write is in flight\. Quit anyway/);
  assert.deepEqual(r.exits, []);
  await r.press('n');
  assert.doesNotMatch(r.frame(), /Quit anyway/);
  assert.match(r.frame(), /⠋ applying · 0 s · Esc stops waiting/);
  finish({ ok: true, message: 'Applied and verified.', results: [] });
  await r.waitFor('Applied and verified.');
  assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  r.unmount();
});

test('Esc stops a wait: the apply is aborted, the screen says the outcome is settled by reading, and the checks run again', async () => {
  let aborted: unknown;
  const engine = new FakeEngine({
    apply: (_p, report, signal) => {
      report({ phase: 'lro', message: 'Waiting for Azure to finish the service update' });
      return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject((aborted = signal.reason))));
    },
  });
  const r = await openBypassPreview(engine);
  await r.press('y');
  await r.waitFor('Waiting for Azure to finish the service update');
  const before = engine.callsOf('evaluate').length;
  await r.press(KEY.esc);
  const f = flat(await r.waitFor('Stopped waiting'));
  assert.ok(aborted instanceof Error);
  assert.match(f, /Whether the change took effect is settled by reading Azure/);
  await settle(50);
  assert.equal(engine.callsOf('evaluate').length, before + 1);
  r.unmount();
});

test('an apply that fails with 403 shows the missing permission and the hint', async () => {
  const engine = new FakeEngine({
    apply: async () => ({
      ok: false,
      message: 'Failed: AuthorizationFailed',
      results: [
        {
          outcome: 'failed',
          message: 'AuthorizationFailed',
          verified: false,
          lost: [],
          error: {
            kind: 'Forbidden',
            status: 403,
            message: 'The client does not have authorization.',
            missingAction: 'Microsoft.KeyVault/vaults/write',
            hint: 'Ask for Key Vault Contributor on kv-contoso.',
          },
        },
      ],
    }),
  });
  const r = await openBypassPreview(engine);
  await r.press('y');
  const f = flat(await r.waitFor('AuthorizationFailed'));
  assert.match(f, /✖ fail Failed: AuthorizationFailed/);
  assert.match(
    f,
    /Forbidden \(403\): you do not have permission Microsoft\.KeyVault\/vaults\/write\. The client does not have authorization\./,
  );
  assert.match(f, /What to do: Ask for Key Vault Contributor on kv-contoso\./);
  r.unmount();
});

test('an apply that rejects (throttled) is shown in plain words', async () => {
  const engine = new FakeEngine({
    apply: async () =>
      Promise.reject(Object.assign(new Error('Too many requests'), { kind: 'Throttled', status: 429, retryAfterMs: 20_000 })),
  });
  const r = await openBypassPreview(engine);
  await r.press('y');
  const f = await r.waitFor('Throttled');
  assert.match(flat(f), /✖ fail Throttled by Azure \(429\), retrying in 20 s\. Too many requests/);
  r.unmount();
});

test('fix all offers each failing fix in order with one confirmation each; s skips', async () => {
  const engine = new FakeEngine();
  const r = renderApp(engine);
  await r.waitFor(READY);
  await r.press('F');
  await r.waitFor('[fix all 1 of 2] Fix ACC-RBAC: Grant Key Vault Certificate User');
  assert.match(r.frame(), /s skips this one/);
  await r.press('s');
  await r.waitFor('[fix all 2 of 2] Fix FW-BYPASS: Allow trusted Microsoft services');
  assert.deepEqual(engine.callsOf('apply'), []);
  await r.press('y');
  await r.waitFor('Enter next fix');
  assert.deepEqual(
    engine.callsOf('apply').map((c) => c.plan.checkId),
    ['FW-BYPASS'],
  );
  await r.press(KEY.enter);
  const f = await r.waitFor('Fix all: 1 run, 1 skipped · 2 still failing (2 with a fix: F again)');
  assert.match(f, /· 42 ms/);
  // The warn-level FW-CLIENTIP fix is not part of "fix all failing".
  assert.equal(engine.callsOf('apply').length, 1);
  r.unmount();
});

test('fix all with nothing failing says so', async () => {
  const e = evaluation({
    findings: [finding('CTX-CLOUD', 'context', 'pass'), finding('FW-CLIENTIP', 'firewall', 'warn', { fix: plan('FW-CLIENTIP') })],
  });
  const r = renderApp(new FakeEngine({ evaluate: () => e }));
  await r.waitFor(READY);
  await r.press('F');
  assert.match(r.frame(), /Fix all: no failing check has a fix\./);
  r.unmount();
});
