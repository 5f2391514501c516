// The built `apimkv` in a real pseudo-terminal at 80x24, driven by keys and read off the screen: the demo
// fixed from red to green with the keyboard alone, the add-certificate and upload flows, a terminal too
// small and a resize, a 403 and a 429 shown clearly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertFrame, KEY, start, type Session } from './harness.ts';
import { tempDir, worldFile, writePfx } from './support.ts';

/** The screen as one line: wrapped sentences read whole. */
const flat = (screen: string) => screen.replace(/\s*\n\s*/g, ' ');
const PREVIEW = / Apply +y applies/;
const SUMMARY = /^.*(✔ pass|✖ fail).* ms$/m;

/** Every line fits the terminal: header on row 1, footer on the last row (see assertFrame). */
const assertFits = (screen: string, rows = 24) => assertFrame(screen, rows);

/** After a resize: the runbook re-lays out to the new size (the old frame may still be on screen for a moment). */
async function waitForFit(s: Session, rows: number, cols: number): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const screen = await s.screen();
    const lines = screen.split('\n');
    if (
      lines.length === rows &&
      /^apimkv · /.test(lines[0]!) &&
      /q quit/.test(lines[rows - 1]!) &&
      lines.some((l) => /✔ pass/.test(l) && [...l.trimEnd()].length > cols - 6)
    )
      return screen;
    if (Date.now() > deadline) throw new Error(`never re-laid out to ${cols}x${rows}:\n${screen}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function applyPreview(s: Session, done: RegExp, timeoutMs = 60_000): Promise<string> {
  await s.waitFor(PREVIEW);
  await s.press('y');
  return s.waitFor(done, timeoutMs);
}

test('demo: everything broken to all green with the keyboard alone', { timeout: 240_000 }, async () => {
  const s = start(['--sandbox']);
  try {
    const first = await s.waitFor(/10 ✖ fail/);
    assert.match(first, /SANDBOX/);
    assert.match(first, /APIM apim-contoso-dev · vault kv-contoso-certs/);
    assertFits(first);

    // F: every failing fix in order, one confirmation each; each result says the re-check passed.
    await s.press('F');
    const applied: string[] = [];
    for (;;) {
      const screen = await s.waitFor(/Apply +y applies|Fix all: \d+ run/, 60_000);
      if (/Fix all: \d+ run/.test(screen)) break;
      const id = /Fix ([A-Z-]+):/.exec(screen)![1]!;
      assert.match(screen, new RegExp(`\\[fix all ${applied.length + 1} of \\d+\\] Fix ${id}:`));
      await s.press('y');
      await s.waitFor(new RegExp(`Re-check: ${id} is now ✔ pass`), 60_000);
      applied.push(id);
      await s.press(KEY.enter);
    }
    assert.deepEqual(applied, ['PRE-MI', 'ACC-RBAC', 'FW-BYPASS', 'VNET-SE', 'VNET-NSG-KV', 'VNET-NSG-AAD', 'CERT-REFRESH']);
    assert.match(await s.screen(), /1 ✖ fail/);

    // The last failure (an expired, version-pinned certificate): re-add it from the vault, versionless.
    await s.press('a');
    assert.match(flat(await s.waitFor('cannot be listed')), /blocked by the vault firewall/);
    await s.press('f');
    await applyPreview(s, /Re-check: FW-CLIENTIP is now ✔ pass/);
    await s.press(KEY.enter);
    assert.match(flat(await s.waitFor('Grant yourself Key Vault Reader')), /you may not list this vault \(403\)/);
    await s.press('f');
    await applyPreview(s, /Re-check: ACC-OPERATOR is now ✔ pass/);
    await s.press(KEY.enter);
    const picker = await s.waitFor(/\d+ of \d+ certificates/);
    assert.match(picker, /contoso-api-client .*expires 2027-10-15 +✔ enabled/);
    assert.match(picker, /expired-client .*✖ expired/);
    assertFits(picker);
    await s.press('/', ...'api-cl', KEY.enter);
    await s.waitFor(/1 of 4 certificates matching "api-cl"/);
    await s.press(KEY.enter);
    await s.waitFor('Which identity');
    await s.press(KEY.enter);
    await s.waitFor('Certificate id in API Management');
    s.type(KEY.backspace.repeat(30));
    await s.press(...'backend-client', KEY.enter);
    await s.waitFor('About to plan');
    await s.press(KEY.enter);
    const preview = await s.waitFor(/Fix CERT-CREATE/);
    assert.match(preview, /\+ keyVault\.secretIdentifier:/);
    const result = await applyPreview(s, /Key Vault fetch \(lastStatus\): ✔ pass/);
    assert.match(result, /c +remove the temporary client IP rule/);

    // Close the firewall again, then the checklist is all green.
    await s.press('c');
    await applyPreview(s, /Re-check: FW-CLIENTIP-CLEANUP is now ✔ pass/);
    await s.press(KEY.esc);
    const green = await s.waitFor(SUMMARY);
    const summary = SUMMARY.exec(green)![0];
    assert.doesNotMatch(summary, /fail|warn|unknown/, summary);
    assertFits(green);
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill('SIGKILL');
  }
});

test(
  'upload a .pfx: masked password, local validation, upload and verify; the password never reaches the terminal',
  { timeout: 60_000 },
  async () => {
    const dir = tempDir();
    const password = 'Upl0ad-Passw0rd!';
    const pfx = writePfx(dir, password);
    const s = start(['--sandbox', '--world', 'healthy']);
    try {
      await s.waitFor(SUMMARY);
      await s.press('u');
      await s.waitFor('Path to the .pfx file');
      // Text and Enter in one chunk, as a slow link or a paste delivers them: the Enter still submits.
      s.pty.write(`${pfx.path}\r`);
      await s.waitFor('Password for upload.pfx');
      // A wrong password first: it is refused with the reason and nothing is uploaded.
      await s.press(...'wrong', KEY.enter);
      await s.waitFor('The password does not open');
      await s.press(...Array(10).fill(KEY.backspace), ...password.slice(0, 4));
      assert.match(await s.screen(), /•+ \(hidden\)/);
      s.pty.write(`${password.slice(4)}\r`);
      const inspected = await s.waitFor('Thumbprint');
      assert.match(inspected, /Subject +CN=upload\.contoso\.com/);
      assert.match(inspected, /Key +RSA 2048 bits, private key present/);
      await s.press(KEY.enter);
      await s.waitFor('Certificate id in API Management');
      await s.press(KEY.enter);
      await s.waitFor('About to plan');
      await s.press(KEY.enter);
      const preview = await s.waitFor(/Fix UPL-CREATE/);
      assert.doesNotMatch(preview, new RegExp(password));
      await applyPreview(s, /Re-check: UPL-CREATE is now ✔ pass/);
      await s.press(KEY.esc);
      await s.waitFor(SUMMARY);
      await s.press('q');
      assert.equal(await s.exited, 0);
      const everything = s.output();
      assert.ok(!everything.includes(password), 'the password was written to the terminal');
      assert.ok(!everything.includes(pfx.base64.slice(0, 64)), 'the pfx bytes were written to the terminal');
    } finally {
      s.kill('SIGKILL');
    }
  },
);

test('a terminal below 80x24 says so, and a resize brings the runbook back', { timeout: 60_000 }, async () => {
  const s = start(['--sandbox', '--world', 'healthy'], { cols: 70, rows: 20 });
  try {
    assert.match(await s.waitFor('terminal too small'), /need 80x24, have 70x20/);
    s.resize(100, 30);
    await s.waitFor(SUMMARY);
    // Re-laid out: the status column sits at the right edge of the wider terminal.
    await waitForFit(s, 30, 100);
    s.resize(80, 24);
    assertFits(await waitForFit(s, 24, 80), 24);
    s.resize(79, 24);
    await s.waitFor('have 79x24');
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill('SIGKILL');
  }
});

test('a 429 while checking shows "throttled, retrying in Ns", then the checks complete', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const world = worldFile(dir, 'healthy', (w) => {
    w.faults = [
      {
        match: { method: 'GET', path: '/providers/Microsoft\\.ApiManagement/service/[^/]+$', times: 2 },
        respond: {
          status: 429,
          headers: { 'Retry-After': '2' },
          body: { error: { code: 'TooManyRequests', message: 'Rate limit exceeded.' } },
        },
      },
    ];
  });
  const s = start(['--world', world]);
  try {
    assert.match(await s.waitFor(/throttled by Azure \(429\), retrying in \d s/), /checking…|connecting…/);
    const done = await s.waitFor(SUMMARY, 30_000);
    assert.doesNotMatch(done, /throttled/);
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill('SIGKILL');
  }
});

test('a 403 on a read makes the check unknown and names the missing permission; the rest carries on', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const world = worldFile(dir, 'healthy', (w) => {
    w.faults = [
      {
        match: { method: 'GET', path: '/providers/Microsoft\\.Network/networkSecurityGroups/[^/]+$' },
        respond: {
          status: 403,
          body: {
            error: {
              code: 'AuthorizationFailed',
              message:
                "The client 'sre@contoso.com' with object id '5a1f0c2e-7d3b-4e8a-9c6f-2b4d8e1a3c57' does not have authorization to perform action 'Microsoft.Network/networkSecurityGroups/read' over scope '/subscriptions/x/resourceGroups/rg-apim-demo/providers/Microsoft.Network/networkSecurityGroups/nsg-apim' or the scope is invalid.",
            },
          },
        },
      },
    ];
  });
  const s = start(['--world', world]);
  try {
    const checklist = await s.waitFor(SUMMARY);
    assert.match(checklist, /\d+ \? unknown/);
    assert.match(checklist, /\d+ ✔ pass/);
    // Jump from failure to failure (n) to the unknown check and read its detail.
    let screen = checklist;
    for (let i = 0; i < 20 && !/› +VNET-NSG-KV/.test(screen); i++) {
      await s.press('n');
      screen = await s.screen();
    }
    assert.match(screen, /VNET-NSG-KV .*\? unknown/);
    assert.match(screen.replace(/\n/g, ' '), /Missing permission: Microsoft\.Network\/networkSecurityGroups\/read/);
    await s.press('q');
    assert.equal(await s.exited, 0);
  } finally {
    s.kill('SIGKILL');
  }
});

test('NO_COLOR and FORCE_COLOR=0 give a monochrome screen; status still reads as symbol and word', { timeout: 60_000 }, async () => {
  for (const env of [{ NO_COLOR: '1' }, { FORCE_COLOR: '0' }] as Record<string, string>[]) {
    const s = start(['--sandbox'], { env });
    try {
      assert.match(await s.waitFor(/10 ✖ fail/), /✔ pass/);
      await s.press('q');
      await s.exited;
      // SGR colour parameters: 30-37, 90-97 (foreground), 38;5/38;2 (256/true colour).
      assert.doesNotMatch(s.output(), /\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;[25])(?:;[0-9;]*)?m/, JSON.stringify(env));
    } finally {
      s.kill('SIGKILL');
    }
  }
  // And with colour allowed, the theme does use colour (the check above can fail).
  const coloured = start(['--sandbox']);
  try {
    await coloured.waitFor(/10 ✖ fail/);
    await coloured.press('q');
    await coloured.exited;
    assert.match(coloured.output(), /\x1b\[(?:3[0-7]|9[0-7])m/);
  } finally {
    coloured.kill('SIGKILL');
  }
});
