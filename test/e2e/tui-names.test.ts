// Issue 17 on the built CLI in a real pseudo-terminal at 80x24: principals are named as the operator knows them
// ("apim-x (system identity)", the user-assigned identity's resource name, the operator's user name) in the cause
// line, and their GUIDs stay in the evidence that role assignments and access policies are compared with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY, start, type Session } from './harness.ts';
import { SUMMARY, cursorRow, settled } from './tui-support.ts';
import { loadWorld } from '../../src/sandbox/index.ts';

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The cause as the checklist's detail pane shows it: the lines under "<status>  <ID> — <title>" up to the hints. */
function causeLines(screen: string, id: string): string {
  const lines = screen.split('\n');
  const head = lines.findIndex((l) => new RegExp(`^\\S+ \\S+ {2}${id} — `).test(l));
  assert.ok(head > 0, `no detail for ${id}:\n${screen}`);
  const end = lines.findIndex((l, i) => i > head && /^(f {2}fix|Enter {2}full details)/.test(l));
  return lines.slice(head + 1, end).join(' ');
}

/** Put the cursor on a check by the / filter, as an operator would. */
async function focus(s: Session, id: string): Promise<string> {
  await s.press('/');
  s.type(id);
  await settled(s, new RegExp(`^/${id} `, 'm'));
  await s.press(KEY.enter);
  for (let i = 0; i < 6 && !cursorRow(await s.screen()).includes(id); i++) await s.press(KEY.down);
  return settled(s, new RegExp(`^\\S+ \\S+ {2}${id} — `, 'm'));
}

const systemPrincipal = (world: string) => {
  const w = loadWorld(world);
  const apim = w.resources.find((r) => r.type === 'Microsoft.ApiManagement/service') as { identity?: { principalId?: string } };
  return apim.identity!.principalId!;
};

test('causes name the system identity and the operator; their GUIDs are in the evidence only', { timeout: 90_000 }, async () => {
  const world = 'named-value-access-lost';
  const principal = systemPrincipal(world);
  const operator = loadWorld(world).operator.principalId;
  const s = start(['--world', world]);
  try {
    // The cursor starts on the first failure: ACC-RBAC, whose cause names the identity that lacks the role.
    const first = await settled(s, SUMMARY);
    assert.match(cursorRow(first), /ACC-RBAC/);
    const cause = causeLines(first, 'ACC-RBAC');
    assert.match(cause, /^apim-contoso-dev \(system identity\) has no role on the vault/, first);
    assert.doesNotMatch(cause, GUID, first);
    await s.press(KEY.enter);
    const detail = await settled(s, /Evidence \(\d+\):/);
    assert.match(
      detail.replace(/\s*\n\s*/g, ' '),
      new RegExp(`identity: apim-contoso-dev \\(system identity\\), principal id ${principal}`),
    );
    await s.press(KEY.esc);
    await settled(s, /F fixes/);

    const who = await focus(s, 'CTX-WHOAMI');
    assert.equal(causeLines(who, 'CTX-WHOAMI'), 'Signed in as sre@contoso.com.', who);
    await s.press(KEY.enter);
    const evidence = await settled(s, /Evidence \(\d+\):/);
    assert.match(evidence, new RegExp(`^ {2}operator: sre@contoso\\.com \\(object id ${operator}\\)$`, 'm'));
    await s.press(KEY.esc, KEY.esc);
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill('SIGKILL');
  }
});

test('causes name a user-assigned identity by its resource name (id-apim-kv), never its principal id', { timeout: 90_000 }, async () => {
  const s = start(['--world', 'uai-behind-firewall']);
  try {
    await settled(s, SUMMARY);
    const screen = await focus(s, 'ACC-RBAC');
    const cause = causeLines(screen, 'ACC-RBAC');
    assert.match(cause, /lets id-apim-kv read the certificate's secret/, screen);
    assert.doesNotMatch(cause, GUID, screen);
    await s.press(KEY.enter);
    const detail = (await settled(s, /Evidence \(\d+\):/)).replace(/\s*\n\s*/g, ' ');
    assert.match(detail, /identity: id-apim-kv, principal id [0-9a-f-]{36}/);
    await s.press(KEY.esc, KEY.esc);
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill('SIGKILL');
  }
});
