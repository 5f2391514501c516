import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Key } from 'ink';
import { parseIdentifierInput } from '../../src/checks/identifiers.ts';
import { certificateBadge, identityChoices, UAI_BEHIND_FIREWALL, validCertificateId } from '../../src/screens/certificate-choice.ts';
import { describeError } from '../../src/screens/describe-error.ts';
import { footerText } from '../../src/screens/Footer.tsx';
import { footerKeys, KEYS, keyFor } from '../../src/screens/keys.ts';
import { previewLines } from '../../src/screens/FixFlow.tsx';
import { initialState, reducer } from '../../src/screens/state.ts';
import { truncate, wrap } from '../../src/screens/text.ts';
import { evaluation, facts, plan, runContext, UAI_ID } from './fixtures.ts';

const noKey = (over: Partial<Key> = {}): Key =>
  ({
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
    ...over,
  }) as Key;

test('keys: digits mean nothing anywhere; Esc is only ever "back"; letters are text in a text field', () => {
  const contexts = ['checklist', 'preview', 'applying', 'result', 'picker', 'wizard', 'text', 'overlay', 'blocked'] as const;
  for (const c of contexts) {
    for (const d of '0123456789') assert.equal(keyFor(c, d, noKey()), undefined, `${d} in ${c}`);
    const esc = keyFor(c, '', noKey({ escape: true }));
    // Esc goes back, or (while a fix applies) stops waiting: never anything that writes.
    assert.ok(esc === undefined || esc.id === (c === 'applying' ? 'stop' : 'back'), `Esc in ${c}`);
  }
  for (const ch of 'qyfFarsulw?/') assert.equal(keyFor('text', ch, noKey()), undefined, `${ch} in a text field`);
  assert.equal(keyFor('preview', 'y', noKey())?.id, 'apply');
  assert.equal(keyFor('checklist', 'y', noKey()), undefined);
  assert.equal(keyFor('checklist', 'j', noKey())?.id, 'down');
  assert.equal(keyFor('checklist', '', noKey({ upArrow: true }))?.id, 'up');
  assert.equal(keyFor('checklist', 'F', noKey({ shift: true }))?.id, 'fixAll');
  // Ctrl-C is in the table so help lists it; the App handles it before any screen sees it.
  assert.equal(keyFor('checklist', 'c', noKey({ ctrl: true }))?.id, 'interrupt');
  assert.equal(keyFor('preview', '', noKey({ return: true }))?.id, 'enter');
  assert.deepEqual(new Set(KEYS.map((k) => k.id)).size, KEYS.length);
  for (const k of KEYS) assert.ok(k.help.length <= 32, `${k.id} help fits the two-column overlay`);
  assert.deepEqual(
    footerKeys('checklist').map((k) => k.id),
    ['nextFailure', 'open', 'fix', 'fixAll', 'recheck', 'filter', 'help', 'quit'],
  );
  // The footer fits 80 columns on every screen.
  for (const c of [
    'audit',
    'target',
    'checklist',
    'detail',
    'preview',
    'applying',
    'result',
    'picker',
    'wizard',
    'text',
    'overlay',
    'blocked',
  ] as const)
    assert.ok(footerText(c).length <= 80, `${c} footer: ${footerText(c)}`);
});

test('reducer: a fix cannot be left while it writes; progress lines that count down replace each other', () => {
  let s = reducer(initialState(runContext()), { type: 'previewFix', plan: plan('FW-BYPASS'), from: 'certificate' });
  assert.equal(s.screen, 'fix');
  s = reducer(s, { type: 'applyStarted', at: 0 });
  assert.equal(reducer(s, { type: 'closeFix' }), s);
  s = reducer(s, { type: 'progress', progress: { phase: 'propagation', message: 'wait', secondsLeft: 3 } });
  s = reducer(s, { type: 'progress', progress: { phase: 'propagation', message: 'wait', secondsLeft: 2 } });
  s = reducer(s, { type: 'progress', progress: { phase: 'write', message: 'w', operationIndex: 0, operationCount: 1 } });
  assert.deepEqual(
    s.fix?.progress.map((p) => p.phase),
    ['propagation', 'write'],
  );
  const e = evaluation();
  s = reducer(s, { type: 'applied', outcome: { ok: true, message: 'ok', results: [], evaluation: e } });
  assert.equal(s.evaluation, e);
  // A firewall fix started from the certificate wizard returns there.
  assert.equal(reducer(s, { type: 'closeFix' }).screen, 'certificate');
});

// The wizard reads identifiers by the CLI's rules (parseSecretIdentifier): these four it used to accept, and
// /Secrets/ it used to refuse. Object identifiers: https://learn.microsoft.com/en-us/azure/key-vault/general/about-keys-secrets-certificates#object-identifiers
test("identifiers: the wizard's parser is the CLI's; bare names resolve against the vault", () => {
  const S = '.vault.azure.net';
  const V = '0123456789abcdef0123456789abcdef';
  assert.deepEqual(parseIdentifierInput(` https://kv-contoso.vault.azure.net/secrets/web/${V} `, S), {
    ok: true,
    versionless: 'https://kv-contoso.vault.azure.net/secrets/web',
    name: 'web',
    host: 'kv-contoso.vault.azure.net',
    version: V,
  });
  assert.deepEqual(parseIdentifierInput('https://kv-contoso.vault.azure.net/certificates/web/', S), {
    ok: true,
    versionless: 'https://kv-contoso.vault.azure.net/secrets/web',
    name: 'web',
    host: 'kv-contoso.vault.azure.net',
    note: 'Normalised: removed the trailing slash; rewrote /certificates/ to /secrets/ (API Management only accepts the secret endpoint).',
  });
  assert.deepEqual(parseIdentifierInput('web-cert', S, 'https://kv-contoso.vault.azure.net/'), {
    ok: true,
    versionless: 'https://kv-contoso.vault.azure.net/secrets/web-cert',
    name: 'web-cert',
    host: 'kv-contoso.vault.azure.net',
  });
  assert.equal(parseIdentifierInput('web-cert', S).ok, false);
  assert.deepEqual(parseIdentifierInput('http://kv-contoso.vault.azure.net/secrets/web', S), {
    ok: false,
    reason: 'Key Vault identifiers use https, not http.',
  });
  for (const refused of [
    'https://kv-contoso.vault.azure.net/secrets/web/abc123',
    'https://kv-contoso.vault.azure.net/secrets/web?x=1',
    'https://kv-contoso.privatelink.vaultcore.azure.net/secrets/web',
    'https://kv-contoso.vault.azure.cn/secrets/web',
    'https://kv-contoso.vault.azure.net/keys/web',
  ]) {
    assert.equal(parseIdentifierInput(refused, S).ok, false, refused);
  }
  const upper = parseIdentifierInput('https://kv-contoso.vault.azure.net/Secrets/web', S);
  assert.equal(upper.ok && upper.versionless, 'https://kv-contoso.vault.azure.net/secrets/web');
});

test('certificate ids', () => {
  assert.equal(validCertificateId('a b'), 'No spaces or any of * # & + : < > ? / \\');
  assert.equal(validCertificateId('web-cert'), undefined);
});

test('identities: a user-assigned identity is refused only while the vault firewall is on', () => {
  const behind = identityChoices(facts());
  assert.deepEqual(
    behind.map((c) => [c.value, c.refused]),
    [
      ['system', undefined],
      [UAI_ID, UAI_BEHIND_FIREWALL],
    ],
  );
  const open = facts();
  if (open.vault.ok) open.vault.value.networkAcls.defaultAction = 'Allow';
  assert.deepEqual(
    identityChoices(open).map((c) => c.refused),
    [undefined, undefined],
  );
});

test('badges: disabled, expired, PEM, expiring soon, fine', () => {
  const now = '2026-11-22T00:00:00Z';
  const base = { name: 'c', secretId: 's', enabled: true, expiresOn: '2027-11-22T00:00:00Z' };
  assert.deepEqual(certificateBadge({ ...base, enabled: false }, now), { text: '✖ disabled', tone: 'fail' });
  assert.deepEqual(certificateBadge({ ...base, expiresOn: '2026-11-01T00:00:00Z' }, now), { text: '✖ expired', tone: 'fail' });
  assert.deepEqual(certificateBadge({ ...base, contentType: 'application/x-pem-file' }, now), { text: '▲ PEM', tone: 'warn' });
  assert.deepEqual(certificateBadge({ ...base, expiresOn: '2026-12-02T00:00:00Z' }, now), { text: '▲ 10 d left', tone: 'warn' });
  assert.deepEqual(certificateBadge(base, now), { text: '✔ enabled', tone: 'pass' });
});

test('errors: 403 names the permission and keeps the hint; 429 says throttled and retrying', () => {
  assert.deepEqual(
    describeError({
      kind: 'Forbidden',
      status: 403,
      message: 'No.',
      missingAction: 'Microsoft.KeyVault/vaults/write',
      hint: 'Ask for Key Vault Contributor.',
    }),
    {
      what: 'Forbidden (403): you do not have permission Microsoft.KeyVault/vaults/write. No.',
      hint: 'Ask for Key Vault Contributor.',
    },
  );
  assert.deepEqual(describeError(Object.assign(new Error('Slow down'), { statusCode: 429 })), {
    what: 'Throttled by Azure (429), retrying. Slow down',
    hint: undefined,
  });
  assert.deepEqual(describeError(new Error('boom')), { what: 'boom', hint: undefined });
});

const mayLine = (p: ReturnType<typeof plan>, f: ReturnType<typeof facts>) =>
  previewLines(p, f, 200).find((l) => l.text.startsWith('You may apply this'))?.text;

// The preview's answer is the engine's (fixPermission): it checks each action against the resource it
// belongs to, and control actions against actions only. Permissions API:
// https://learn.microsoft.com/en-us/rest/api/authorization/permissions/list-for-resource
test('may apply: the preview says what the engine decides (wildcards, notActions, the subnet join, data actions)', () => {
  const f = facts();
  assert.equal(mayLine(plan('FW-BYPASS'), f), 'You may apply this: ✔ pass yes');
  assert.equal(
    mayLine(plan('X', { requiredActions: ['Microsoft.Authorization/roleAssignments/write'] }), f),
    'You may apply this: ✖ fail no — missing Microsoft.Authorization/roleAssignments/write',
  );
  // A VNet rule also needs joinViaServiceEndpoint on the subnet: unread there, so not a "yes".
  const vnet = plan('FW-LOS', {
    requiredActions: ['Microsoft.KeyVault/vaults/write', 'Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action'],
  });
  assert.equal(mayLine(vnet, f), 'You may apply this: ? unknown — your permissions on the subnet were not read');
  f.operatorPermissions.vault = {
    ok: true,
    value: [{ actions: ['*'], notActions: ['Microsoft.KeyVault/vaults/write'], dataActions: [], notDataActions: [] }],
  };
  assert.equal(mayLine(plan('FW-BYPASS'), f), 'You may apply this: ✖ fail no — missing Microsoft.KeyVault/vaults/write');
  // A data-plane grant (Key Vault Administrator's dataActions) does not allow a control-plane write.
  f.operatorPermissions.vault = {
    ok: true,
    value: [{ actions: [], notActions: [], dataActions: ['Microsoft.KeyVault/vaults/*'], notDataActions: [] }],
  };
  assert.equal(mayLine(plan('FW-BYPASS'), f), 'You may apply this: ✖ fail no — missing Microsoft.KeyVault/vaults/write');
  f.operatorPermissions.vault = { ok: false, unknown: 'Forbidden', message: 'denied' };
  assert.equal(
    mayLine(plan('FW-BYPASS'), f),
    'You may apply this: ? unknown — your permissions on the key vault could not be read (denied)',
  );
});

test('text: wrap keeps indentation, breaks long ids filling the line; truncate marks the cut', () => {
  assert.deepEqual(wrap('  one two three four', 10, '    '), ['  one two', '    three', '    four']);
  assert.deepEqual(wrap('GET /abcdefghijklmnop', 10), ['GET /abcde', 'fghijklmno', 'p']);
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abc', 4), 'abc');
});
