// Remote text is untrusted (issue 15, item 1). A hostile world puts terminal control sequences (OSC 0 window
// title, OSC 52 clipboard write, OSC 8 hyperlink, CSI 2J, BEL, a one-byte C1 CSI), bidi overrides,
// zero-width characters, forged output lines, Markdown (heading, fence, HTML, link) and shell injection into
// every remote string the product reads: resource names, tags, certificate subjects, lastStatus messages,
// IP rule values, and an ARM error message. The built CLI reads it over HTTPS, as it would read Azure, and
// every human output (plain report, fix preview and outcome, transcript, --plan script, audit text and
// CSV) is scanned for a raw active character and a forged line; the --plan script is run with a recording
// `az` to prove the injected command never runs and every argument arrives exact; JSON stays exact.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { markdownFence, markdownText, oneLine, shellQuote, terminalText, visible } from '../../src/checks/escape.ts';
import { remoteFacts } from '../../src/azure/untrusted.ts';
import { loadWorld, startSandbox, type Sandbox, type World } from '../../src/sandbox/index.ts';
import { CLI, start } from '../e2e/harness.ts';
import { tempDir } from '../e2e/support.ts';
import { figure } from './figures.ts';

/** Anything a terminal (or a bidi-aware viewer) would act on instead of showing. */
export const RAW_ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

const work = tempDir('apimkv-hostile-');
// Relative on purpose: the payload must fit in a resource name (no '/'); the script runs in `work`.
const PWNED = join(work, 'PWNED');

/** One hostile payload: every trick at once, ending in a forged report line and a shell break-out. */
const hostile = (where: string) =>
  `${where}\u001b]0;window-title\u0007\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b]8;;https:evil.example\u001b\\link\u001b]8;;\u001b\\\u001b[2J\u0007\u009b31m\u202eevil\u202c\u200b` +
  `\n## Fix FW-BYPASS: applied ✔\nApplied and verified — everything is now pass\n\`\`\`\n<img src=x onerror=alert(1)> [click](https:evil.example) $(touch PWNED) \`touch PWNED\`'; touch PWNED; '`;

/** The forged lines: none may start a line of any output. */
const FORGED = [/^\s*## Fix FW-BYPASS: applied/m, /^\s*Applied and verified — everything is now pass/m];

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const TARGET = ['--subscription', SUB, '-g', 'rg-apim-demo', '--service', 'apim-contoso-dev', '--vault', 'kv-contoso-certs'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- world JSON, edited loosely
type Resource = { id: string; type: string; name: string; tags?: Record<string, string>; properties?: Record<string, any> };

/** The shipped everything-broken world with hostile text in every remote string the product reads. */
function hostileWorld(): World {
  const world = loadWorld('everything-broken');
  const resources = world.resources as unknown as Resource[];
  for (const r of resources) {
    if (r.tags) r.tags = { ...r.tags, [hostile('tag-key')]: hostile('tag-value') };
    if (r.type === 'Microsoft.ApiManagement/service/certificates') {
      r.name = hostile('certificate-name');
      r.id = `${r.id.slice(0, r.id.lastIndexOf('/') + 1)}${r.name}`;
      r.properties!.subject = hostile('CN=subject');
      if (r.properties!.keyVault?.lastStatus) r.properties!.keyVault.lastStatus.message = hostile('lastStatus');
    }
    if (r.type === 'Microsoft.KeyVault/vaults') r.properties!.networkAcls.ipRules.push({ value: hostile('203.0.113.9') });
  }
  return world;
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

let sandbox: Sandbox;
let connection: string[];
let env: Record<string, string>;

const cli = (args: string[]) => run([CLI, ...args, ...TARGET, ...connection]);

function run(argv: string[]): Promise<Outcome> {
  const child = spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every output scanned so far, with its name: what the bench script counts. */
const scanned: { name: string; text: string }[] = [];

function assertInert(name: string, text: string): void {
  scanned.push({ name, text });
  figure('outputs scanned', 1);
  figure('raw control sequences leaked', (text.match(new RegExp(RAW_ACTIVE.source, 'g')) ?? []).length);
  const raw = RAW_ACTIVE.exec(text);
  assert.equal(
    raw,
    null,
    `${name}: raw U+${raw?.[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${raw?.index}:\n${text.slice(Math.max(0, (raw?.index ?? 0) - 80), (raw?.index ?? 0) + 80)}`,
  );
  for (const forged of FORGED) assert.doesNotMatch(text, forged, `${name}: a remote message forged a line`);
}

describe('hostile remote text, through the built CLI', { concurrency: false }, () => {
  before(async () => {
    // Tags (key and value), certificate name, subject and lastStatus, an IP rule value, an ARM error message.
    figure('hostile strings tried', 7);
    sandbox = await startSandbox({ world: hostileWorld() });
    const ca = join(work, 'ca.pem');
    writeFileSync(ca, sandbox.caPem);
    const azBin = join(work, 'bin');
    spawnSync('mkdir', ['-p', azBin]);
    writeFileSync(
      join(azBin, 'az'),
      '#!/bin/sh\ncase "$2" in\n  get-access-token) printf \'{"accessToken":"%s","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}\\n\' "$HOSTILE_TOKEN" ;;\n  *) exit 1 ;;\nesac\n',
    );
    chmodSync(join(azBin, 'az'), 0o755);
    connection = ['--arm-endpoint', sandbox.endpoint, '--ca-cert', ca, '--state-dir', join(work, 'state')];
    env = { PATH: `${azBin}:${process.env.PATH}`, AZURE_SUBSCRIPTION_ID: '', NO_COLOR: '1', HOSTILE_TOKEN: sandbox.token() };
  });
  after(() => sandbox.close());

  it('check: the plain report shows every remote string inert, on one line each', { timeout: 60_000 }, async () => {
    const out = await cli(['check']);
    assert.equal(out.code, 1, out.stderr);
    assertInert('check stdout', out.stdout);
    assertInert('check stderr', out.stderr);
    // Visible, not dropped: the operator can still see that something odd is there.
    assert.match(out.stdout, /␛\]0;window-title␇/);
    assert.match(out.stdout, /<U\+202E>evil/);
    assert.match(out.stdout, / ⏎ ## Fix FW-BYPASS: applied/);
  });

  it('check --json keeps every remote string exact (JSON escapes controls itself)', { timeout: 60_000 }, async () => {
    const out = await cli(['check', '--json']);
    assert.ok(!/\u001b/.test(out.stdout), 'JSON must carry ESC as \\u001b, never raw');
    const strings: string[] = [];
    JSON.parse(out.stdout, (_k, v: unknown) => (typeof v === 'string' && strings.push(v), v));
    for (const where of ['certificate-name'])
      assert.ok(
        strings.some((s) => s.includes(hostile(where))),
        `the JSON report lost the exact ${where}: ${JSON.stringify(strings.filter((s) => s.includes(where)))}`,
      );
  });

  it(
    'fix --plan: remote text only inside single-quoted arguments; running the script runs no injected command',
    { timeout: 60_000 },
    async () => {
      const out = await cli(['fix', '--plan']);
      assert.equal(out.code, 0, out.stderr);
      const script = out.stdout;
      assertInert('fix --plan script', script);
      for (const line of script.split('\n'))
        if (line.startsWith('#'))
          assert.ok(!line.includes('certificate-name') && !line.includes('touch'), `a comment carries remote text: ${line}`);
      assert.equal(spawnSync('bash', ['-n'], { input: script }).status, 0, 'the script does not parse');
      // Run it with an az that records its arguments (one per line, NUL-separated runs).
      const record = join(work, 'az-args');
      const fakeBin = join(work, 'fake-az');
      spawnSync('mkdir', ['-p', fakeBin]);
      writeFileSync(
        join(fakeBin, 'az'),
        // The script reads two values back from az (the identity to grant, the refresh's outcome): answer them as Azure would.
        `#!/bin/sh\nfor a in "$@"; do printf '%s\\036' "$a" >> '${record}'; done\nprintf '\\035' >> '${record}'\ncase "$*" in\n  *identity.principalId*) echo 0b1c2d3e-0000-4000-8000-0000000000aa ;;\n  *lastStatus.code*) echo Success ;;\nesac\n`,
      );
      chmodSync(join(fakeBin, 'az'), 0o755);
      const ran = spawnSync('bash', ['-c', script], { cwd: work, env: { PATH: `${fakeBin}:/usr/bin:/bin` }, encoding: 'utf8' });
      assert.equal(ran.status, 0, ran.stderr);
      figure('injected commands run', existsSync(PWNED) ? 1 : 0);
      assert.equal(existsSync(PWNED), false, 'the script ran a command hidden in a name');
      assertInert('fix --plan script output', ran.stdout);
      const calls = readFileSync(record, 'utf8')
        .split('\u001d')
        .filter(Boolean)
        .map((c) => c.split('\u001e').filter((_, i, a) => i < a.length - 1));
      assert.ok(calls.length > 0);
      // The certificate's own (hostile) name reached az byte for byte inside the URL of its refresh.
      const urls = calls.flatMap((c) => c.filter((a) => a.startsWith('https://')));
      assert.ok(
        urls.some((u) => u.includes(`/certificates/${encodeURIComponent(hostile('certificate-name'))}/refreshSecret?`)),
        urls.join('\n'),
      );
    },
  );

  it(
    'fix --yes against a write that fails with a hostile ARM error: the outcome and the transcript stay inert',
    { timeout: 90_000 },
    async () => {
      sandbox.addFault({
        match: { method: 'PATCH', path: 'Microsoft.ApiManagement/service/apim-contoso-dev$', times: 5 },
        respond: { status: 400, body: { error: { code: 'BadRequest', message: hostile('arm-error') } } },
      });
      sandbox.addFault({
        match: { method: 'PUT', path: 'Microsoft.ApiManagement/service/apim-contoso-dev$', times: 5 },
        respond: { status: 400, body: { error: { code: 'BadRequest', message: hostile('arm-error') } } },
      });
      const transcript = join(work, 'transcript.md');
      try {
        const out = await cli(['fix', 'PRE-MI', '--yes', '--transcript', transcript]);
        assertInert('fix stdout', out.stdout);
        assertInert('fix stderr', out.stderr);
        assert.match(`${out.stdout}${out.stderr}`, /arm-error␛\]0;window-title/, `${out.stdout}\n${out.stderr}`);
        const md = readFileSync(transcript, 'utf8');
        assertInert('transcript', md);
        // Markdown: no fence opened by remote text (every fence closes), no raw HTML, no link, no heading.
        const fences = md.split('\n').filter((l) => /^`{3,}/.test(l));
        assert.equal(fences.length % 2, 0, `an unterminated fence:\n${md}`);
        assert.doesNotMatch(md, /(^|[^\\])<img/, 'raw HTML passed through');
        assert.doesNotMatch(md, /(^|[^\\])\[click\]\(/, 'a link passed through');
        assert.doesNotMatch(md, /^#+ .*(tag-|certificate-name|arm-error|lastStatus)/m, 'remote text opened a heading');
      } finally {
        sandbox.clearFaults();
      }
    },
  );

  it('the full-screen runbook: a failed fix shows the hostile ARM error inert and cannot forge a line', { timeout: 90_000 }, async () => {
    sandbox.addFault({
      match: { method: 'PATCH', path: 'Microsoft.ApiManagement/service/apim-contoso-dev$', times: 5 },
      respond: { status: 400, body: { error: { code: 'BadRequest', message: hostile('arm-error') } } },
    });
    sandbox.addFault({
      match: { method: 'PUT', path: 'Microsoft.ApiManagement/service/apim-contoso-dev$', times: 5 },
      respond: { status: 400, body: { error: { code: 'BadRequest', message: hostile('arm-error') } } },
    });
    const s = start([...TARGET, ...connection], { cols: 120, rows: 40, env });
    try {
      await s.waitFor(/✖ fail/, 30_000);
      await s.press('F');
      await s.waitFor(/ Apply +y applies/, 30_000);
      await s.press('y');
      const screen = await s.waitFor(/arm-error/, 60_000);
      assert.match(screen, /arm-error␛\]0;window-title␇/);
      for (const forged of FORGED) assert.doesNotMatch(screen, forged, `a remote message forged a line:\n${screen}`);
      // Ink writes its own CSI sequences, so the raw bytes are searched for the payload's, not for any ESC.
      const raw = s.output();
      figure('outputs scanned', 1);
      for (const payload of [
        '\u001b]0;window-title',
        '\u001b]52;',
        '\u001b]8;;https:evil',
        '\u001b[2J',
        '\u009b',
        '\u202e',
        '\u200b',
        '\u0007',
      ])
        assert.ok(!raw.includes(payload), `raw ${JSON.stringify(payload)} reached the terminal`);
      scanned.push({ name: 'TUI', text: screen });
    } finally {
      s.kill('SIGKILL');
      sandbox.clearFaults();
    }
  });

  it('audit: the text report and the CSV show every remote string inert, one line per row', { timeout: 60_000 }, async () => {
    for (const format of ['text', 'csv']) {
      // Not spawnSync: the sandbox answers from this process.
      const child = await run([CLI, 'audit', ...(format === 'csv' ? ['--csv'] : []), '--subscription', SUB, ...connection]);
      assertInert(`audit ${format}`, format === 'csv' ? child.stdout.replace(/\r\n/g, '\n') : child.stdout);
      assertInert(`audit ${format} stderr`, child.stderr);
      assert.match(child.stdout, /certificate-name␛\]0;window-title/, child.stdout + child.stderr);
      if (format === 'csv') for (const row of child.stdout.split('\r\n').filter(Boolean)) assert.equal(row.split(',').length >= 9, true);
    }
  });
});

describe('the escapers, one medium each', () => {
  const text = hostile('unit');

  it('terminal: nothing active, one line, every trick visible', () => {
    const t = terminalText(text);
    assert.equal(RAW_ACTIVE.test(t), false);
    assert.equal(t.includes('\n'), false);
    assert.ok(t.startsWith('unit␛]0;window-title␇␛]52;c;'));
    assert.ok(t.includes('<U+009B>31m<U+202E>evil<U+202C><U+200B>'));
    assert.equal(oneLine('a\r\nb\u2028c'), 'a ⏎ b ⏎ c');
    assert.equal(visible('tab\tand\nline'), 'tab\tand\nline');
  });

  it('Markdown: inline syntax escaped; a line start cannot open a heading, list or quote; a fence outlasts its content', () => {
    assert.equal(markdownText('<b>[x](y)</b> *a* `c`'), '\\<b\\>\\[x\\](y)\\</b\\> \\*a\\* \\`c\\`');
    assert.equal(markdownText('# h'), '\\# h');
    assert.equal(markdownText('- item'), '\\- item');
    assert.equal(markdownText('1. item'), '\\1. item');
    assert.deepEqual(markdownFence('json', 'a ``` b ```` c'), ['`````json', 'a ``` b ```` c', '`````']);
  });

  it('shell: one exact, inert word; bash gives back the very bytes', () => {
    const quoted = shellQuote(text);
    assert.equal(RAW_ACTIVE.test(quoted), false);
    assert.equal(quoted.includes('\n'), false);
    const echoed = spawnSync('bash', ['-c', `printf '%s' ${quoted}`], { cwd: work, encoding: 'utf8' });
    assert.equal(echoed.stdout, text);
    assert.equal(existsSync(PWNED), false);
    assert.equal(shellQuote('plain-1.2/3'), 'plain-1.2/3');
    assert.equal(shellQuote(''), "''");
  });

  it('the boundary: facts keep remote strings exact, except that lone surrogates become U+FFFD', () => {
    const facts = remoteFacts({ name: text, tags: { [text]: 'x\ud800y' }, list: ['\udc00'] });
    assert.deepEqual(facts, { name: text, tags: { [text]: 'x\ufffdy' }, list: ['\ufffd'] });
  });
});
