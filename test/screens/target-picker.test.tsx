// The target picker as a component: each step's title only ever sits over that step's rows, a key
// pressed the moment a step appears acts on that step, and the remembered choice is under the cursor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Target } from '../../src/checks/ports.ts';
import type { RememberedTarget, ResourceChoice, SubscriptionChoice, TargetSource } from '../../src/runbook/targets.ts';
import { TargetPicker, type GivenTarget } from '../../src/screens/TargetPicker.tsx';
import { KEY, oversizedFrames, renderElement, settle } from './harness.tsx';

const SUBS: SubscriptionChoice[] = [
  { subscriptionId: '11111111-0000-0000-0000-000000000001', name: 'Prod' },
  { subscriptionId: '22222222-0000-0000-0000-000000000002', name: 'Test' },
];
const resource = (sub: SubscriptionChoice, type: string, name: string, group: string): ResourceChoice => ({
  id: `/subscriptions/${sub.subscriptionId}/resourceGroups/${group}/providers/${type}/${name}`,
  name,
  resourceGroup: group,
  subscriptionId: sub.subscriptionId,
  location: 'uksouth',
});
const APIMS = [
  resource(SUBS[1]!, 'Microsoft.ApiManagement/service', 'apim-b', 'rg-b'),
  resource(SUBS[1]!, 'Microsoft.ApiManagement/service', 'apim-a', 'rg-a'),
];
const VAULTS = [
  resource(SUBS[0]!, 'Microsoft.KeyVault/vaults', 'kv-other', 'rg-x'),
  resource(SUBS[1]!, 'Microsoft.KeyVault/vaults', 'kv-same', 'rg-a'),
];

function source(remembered?: RememberedTarget, delay = 0): TargetSource & { remembers: RememberedTarget[] } {
  const later = <T,>(v: T) => new Promise<T>((r) => setTimeout(() => r(v), delay));
  const remembers: RememberedTarget[] = [];
  return {
    remembers,
    subscriptions: () => later(SUBS),
    instances: (id) => later(APIMS.filter((a) => a.subscriptionId === id)),
    vaults: () => later(VAULTS),
    remembered: async () => remembered,
    remember: async (c) => void remembers.push(c),
  };
}

function renderPicker(src: TargetSource, given: GivenTarget = {}) {
  const picks: Target[] = [];
  const r = renderElement(
    <TargetPicker
      title="apimkv · Sandbox · choose"
      sandbox
      source={src}
      given={given}
      onPick={(t) => picks.push(t)}
      onQuit={() => undefined}
    />,
  );
  return {
    ...r,
    picks,
    picked: async () => {
      for (let i = 0; i < 50 && picks.length === 0; i++) await settle(10);
    },
  };
}

test('a step title never sits over the previous step rows, and Enter on the frame that shows a step acts on it', async () => {
  const r = renderPicker(source(undefined, 5));
  try {
    await r.waitFor(/1\/3 Subscription · 2 visible/);
    await r.press(KEY.down);
    await r.press(KEY.enter);
    const instances = await r.waitFor(/2\/3 API Management instance · 2 visible/);
    // Sorted by name; Enter straight away chooses the first.
    assert.match(instances, /apim-a[\s\S]*apim-b/);
    for (const f of r.frames()) {
      if (/2\/3 API Management instance/.test(f)) assert.doesNotMatch(f, /Prod|Test +22222222/, f);
      if (/3\/3 Key vault/.test(f)) assert.doesNotMatch(f, /apim-/, f);
    }
    await r.press(KEY.enter);
    const vaults = await r.waitFor(/3\/3 Key vault · 2 visible · subscription Test · instance apim-a/);
    // The instance's own subscription first.
    assert.match(vaults, /kv-same +rg-a +same subscription[\s\S]*kv-other +rg-x +sub 11111111…/);
    await r.press(KEY.enter);
    await r.picked();
    assert.deepEqual(r.picks, [
      {
        subscriptionId: SUBS[1]!.subscriptionId,
        apim: { resourceGroup: 'rg-a', name: 'apim-a' },
        vault: { name: 'kv-same', resourceGroup: 'rg-a' },
      },
    ]);
    assert.deepEqual(oversizedFrames(r.frames(), 80, 24), []);
  } finally {
    r.unmount();
  }
});

test('the remembered choice is under the cursor at every step; a vault in another subscription keeps its subscription', async () => {
  const src = source({ subscriptionId: SUBS[1]!.subscriptionId, apimId: APIMS[0]!.id, vaultId: VAULTS[0]!.id });
  const r = renderPicker(src);
  try {
    await r.waitFor(/1\/3 Subscription[\s\S]*the cursor starts on your last choice/);
    await r.press(KEY.enter);
    await r.waitFor(/2\/3 API Management instance · 2 visible/);
    await r.press(KEY.enter);
    await r.waitFor(/3\/3 Key vault · 2 visible · subscription Test · instance apim-b/);
    await r.press(KEY.enter);
    await r.picked();
    assert.deepEqual(r.picks, [
      {
        subscriptionId: SUBS[1]!.subscriptionId,
        apim: { resourceGroup: 'rg-b', name: 'apim-b' },
        vault: { name: 'kv-other', resourceGroup: 'rg-x', subscriptionId: SUBS[0]!.subscriptionId },
      },
    ]);
    await settle(20);
    assert.deepEqual(src.remembers, [{ subscriptionId: SUBS[1]!.subscriptionId, apimId: APIMS[0]!.id, vaultId: VAULTS[0]!.id }]);
  } finally {
    r.unmount();
  }
});

test('Esc steps back with the cursor on the earlier choice; flags that fix the subscription skip its step', async () => {
  const r = renderPicker(source(), { subscriptionId: SUBS[1]!.subscriptionId });
  try {
    await r.waitFor(/2\/3 API Management instance · 2 visible/);
    await r.press(KEY.down);
    await r.press(KEY.enter);
    await r.waitFor(/3\/3 Key vault · 2 visible · .*instance apim-b/);
    await r.press(KEY.esc);
    const back = await r.waitFor(/2\/3 API Management instance · 2 visible/);
    assert.match(back, /^apim-b .*$/m);
    // With the subscription given, Esc at the first shown step stays there.
    await r.press(KEY.esc);
    await settle(40);
    assert.match(r.frame(), /2\/3 API Management instance/);
  } finally {
    r.unmount();
  }
});
