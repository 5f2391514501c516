// TLS failures through the built CLI: an ARM endpoint whose certificate is not trusted ends the run with exit 2
// (a connection error, no report), naming the certificate (subject, issuer, validity, fingerprint) and what to do
// with --ca-cert, before any HTTP request (so before any token) reaches it. The server records every
// connection and request; the control run trusts its certificate and is answered, so the recorder can fail.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RestError } from '@azure/core-rest-pipeline';
import { generate } from 'selfsigned';
import { toAzureError } from '../../src/azure/errors.ts';
import { CLI } from '../e2e/harness.ts';
import { azHandingOut, tempDir } from '../e2e/support.ts';
import { figure } from './figures.ts';

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const TENANT = '8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90';
const TOKEN = 'eyJhbGciOiJub25lIn0.eyJvaWQiOiJ0bHMtdGVzdCJ9.tls-test-token';
const dir = tempDir('apimkv-tls-');

async function selfSigned(cn: string, org: string): Promise<{ cert: string; key: string }> {
  const pems = await generate(
    [
      { name: 'commonName', value: cn },
      { name: 'organizationName', value: org },
    ],
    {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    } as Parameters<typeof generate>[1],
  );
  return { cert: pems.cert, key: pems.private };
}

let server: Server;
let endpoint = '';
let serverCa = '';
let otherCa = '';
const seen = { connections: 0, requests: [] as string[] };

before(async () => {
  const own = await selfSigned('tls-inspecting-proxy.example', 'Hostile Proxy Ltd');
  const other = await selfSigned('some-other-ca.example', 'Elsewhere');
  serverCa = join(dir, 'server-ca.pem');
  otherCa = join(dir, 'other-ca.pem');
  writeFileSync(serverCa, own.cert);
  writeFileSync(otherCa, other.cert);
  server = createServer({ cert: own.cert, key: own.key }, (req, res) => {
    seen.requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NotFound","message":"nothing here"}}');
  });
  server.on('connection', () => seen.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

function cli(args: string[], at = endpoint): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(
    process.execPath,
    [CLI, 'check', '--arm-endpoint', at, '--subscription', SUB, '-g', 'rg', '--service', 'apim1', '--vault', 'kv1', ...args],
    {
      env: {
        ...process.env,
        PATH: azHandingOut(TOKEN),
        AZURE_SUBSCRIPTION_ID: '',
        NO_COLOR: '1',
        HTTPS_PROXY: '',
        https_proxy: '',
        HTTP_PROXY: '',
        http_proxy: '',
        ALL_PROXY: '',
        all_proxy: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const NAMED = [
  'subject CN=tls-inspecting-proxy.example, O=Hostile Proxy Ltd',
  'issuer CN=tls-inspecting-proxy.example, O=Hostile Proxy Ltd',
  'SHA-256 ',
  'Nothing was sent to it.',
];

test('an untrusted certificate (no --ca-cert): exit 2, the certificate named, the --ca-cert hint, no request sent', async () => {
  const before = seen.requests.length;
  const r = await cli(['--state-dir', join(dir, 'a')]);
  const show = `exit ${r.code}\n${r.stderr}${r.stdout}`;
  assert.equal(r.code, 2, show);
  assert.match(r.stderr, new RegExp(`The TLS certificate of 127\\.0\\.0\\.1:\\d+ was refused \\(DEPTH_ZERO_SELF_SIGNED_CERT\\)`), show);
  for (const words of NAMED) assert.ok(r.stderr.includes(words), `stderr lacks ${words}\n${show}`);
  assert.ok(r.stderr.includes('pass --arm-endpoint URL --ca-cert FILE'), show);
  assert.equal(r.stdout, '', 'no report');
  figure('HTTP requests past a refused TLS certificate', seen.requests.length - before);
  assert.deepEqual(seen.requests.slice(before), [], 'no HTTP request (so no token) reached the server');
});

test('a --ca-cert that is not its issuer: exit 2, the certificate named, the hint says the file does not match', async () => {
  const before = seen.requests.length;
  const r = await cli(['--ca-cert', otherCa, '--state-dir', join(dir, 'b')]);
  const show = `exit ${r.code}\n${r.stderr}${r.stdout}`;
  assert.equal(r.code, 2, show);
  for (const words of NAMED) assert.ok(r.stderr.includes(words), `stderr lacks ${words}\n${show}`);
  assert.ok(r.stderr.includes('does not chain to the --ca-cert file'), show);
  assert.deepEqual(seen.requests.slice(before), []);
});

test('device-code sign-in at an untrusted authority: the certificate is named, not MSAL\'s "endpoints_resolution_error"', async () => {
  const r = await cli(['--device-code', '--tenant', TENANT, '--state-dir', join(dir, 'c')]);
  const show = `exit ${r.code}\n${r.stderr}${r.stdout}`;
  assert.equal(r.code, 2, show);
  for (const words of NAMED) assert.ok(r.stderr.includes(words), `stderr lacks ${words}\n${show}`);
  assert.doesNotMatch(r.stderr, /endpoints_resolution_error/, show);
});

test('a trusted certificate issued for another name: exit 2, named, and the hint is about the name, not the CA', async () => {
  const before = seen.requests.length;
  const r = await cli(['--ca-cert', serverCa, '--state-dir', join(dir, 'e')], endpoint.replace('127.0.0.1', 'localhost'));
  const show = `exit ${r.code}\n${r.stderr}${r.stdout}`;
  assert.equal(r.code, 2, show);
  assert.match(r.stderr, /was refused \(ERR_TLS_CERT_ALTNAME_INVALID: it is not issued for localhost\)/, show);
  for (const words of NAMED) assert.ok(r.stderr.includes(words), `stderr lacks ${words}\n${show}`);
  assert.ok(r.stderr.includes('issued for another name'), show);
  assert.deepEqual(seen.requests.slice(before), []);
});

test('control: with its own certificate as --ca-cert the run goes ahead, and the recorder sees the requests and the token', async () => {
  const before = seen.requests.length;
  const r = await cli(['--ca-cert', serverCa, '--state-dir', join(dir, 'd')]);
  assert.doesNotMatch(r.stderr, /was refused/, r.stderr);
  const requests = seen.requests.slice(before);
  assert.ok(requests.length > 0, `the server was asked: ${r.stderr}`);
  assert.ok(
    requests.some((line) => line.endsWith(`Bearer ${TOKEN}`)),
    requests.join('\n'),
  );
  assert.ok(seen.connections > 0);
});

test('a refused certificate met later (a vault host) is a Network failure that says so and gives the --ca-cert hint', () => {
  for (const code of ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
    const e = new RestError('x', { code, request: { url: 'https://kv1.vault.azure.net/secrets' } as never });
    const info = toAzureError(e);
    assert.equal(info.kind, 'Network', code);
    assert.equal(info.message, `The TLS certificate of kv1.vault.azure.net was refused (${code}).`);
    assert.match(info.hint ?? '', code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? /issued for another name/ : /--ca-cert/);
  }
});
