// A legal but slow .pfx (1,000,000 key-derivation iterations, the cap; written by OpenSSL, which derives in
// C in about a second where forge takes many) in the TUI's upload screen: Esc stops the parse and returns to
// the password prompt (the parse's result never appears), and q or Ctrl-C during a parse ends apimkv
// instead of waiting for it. The parse runs in a worker; the screen passes it an abort signal.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { KEY, start, type Session } from '../e2e/harness.ts';
import { tempDir } from '../e2e/support.ts';

const SUMMARY = /^.*(✔ pass|✖ fail).* ms$/m;
const PASSWORD = 'Slow-Pfx-Pw1!';
const dir = tempDir('apimkv-pfx-cancel-');
const pfx = join(dir, 'slow.pfx');

before(() => {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const quiet = { stdio: ['ignore', 'ignore', 'pipe'] as ('ignore' | 'pipe')[] };
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=slow.contoso.com', '-days', '30', '-keyout', key, '-out', cert],
    quiet,
  );
  // Triple DES bags and a SHA-1 MAC (what API Management takes), every derivation at 1,000,000 iterations.
  execFileSync(
    'openssl',
    [
      'pkcs12',
      '-export',
      '-inkey',
      key,
      '-in',
      cert,
      '-out',
      pfx,
      '-passout',
      `pass:${PASSWORD}`,
      '-iter',
      '1000000',
      '-keypbe',
      'PBE-SHA1-3DES',
      '-certpbe',
      'PBE-SHA1-3DES',
      '-macalg',
      'sha1',
    ],
    quiet,
  );
});

/** Open the upload screen, give the slow file and its password, and wait until the parse is under way. */
async function startParse(s: Session, first = true): Promise<void> {
  if (first) {
    await s.waitFor(SUMMARY);
    await s.press('u');
    await s.waitFor('Path to the .pfx file');
    s.pty.write(`${pfx}\r`);
  }
  await s.waitFor('Password for slow.pfx');
  s.pty.write(`${PASSWORD}\r`);
  await s.waitFor('Reading the file locally');
}

test('Esc during a slow .pfx parse stops it and returns to the password; q during the next one quits', { timeout: 90_000 }, async () => {
  const s = start(['--sandbox', '--world', 'healthy']);
  try {
    await startParse(s);
    await s.press(KEY.esc);
    const stopped = await s.waitFor('Stopped reading the file.');
    assert.match(stopped, /Password for slow\.pfx/);
    // The cancelled parse's answer never lands on this screen (it would replace it with the inspection).
    await startParse(s, false);
    assert.doesNotMatch(await s.screen(), /Thumbprint|does not open/);
    await s.press('q');
    assert.equal(await s.exited, 0);
    assert.doesNotMatch(s.output(), /Thumbprint/, 'no parse finished');
  } finally {
    s.kill('SIGKILL');
  }
});

test('Ctrl-C during a slow .pfx parse ends apimkv', { timeout: 90_000 }, async () => {
  const s = start(['--sandbox', '--world', 'healthy']);
  try {
    await startParse(s);
    s.pty.write(KEY.ctrlC);
    await s.exited;
    assert.doesNotMatch(s.output(), /Thumbprint/, 'no parse finished');
  } finally {
    s.kill('SIGKILL');
  }
});
