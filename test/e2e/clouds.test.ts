// Each Azure cloud end to end, asserted on what the sandbox received. The built CLI runs as in production
// (--cloud, or the cloud `az account show` reports) with the real AzureCliCredential; route-to-sandbox.mjs
// sends the cloud's real hostnames to `sandbox serve --cloud-hosts`, whose certificate is trusted the way an
// operator behind a TLS-inspecting proxy would (NODE_EXTRA_CA_CERTS): --ca-cert only goes with --arm-endpoint,
// which would replace the cloud under test. The stand-in az mints unsigned tokens for the audience it is
// asked for, and the sandbox logs each token's aud, so a client that falls back to the public cloud's host
// or scope (the modular network and graph clients do by default, domain.md §0.7) shows up in the log.
// Expected names are written out here from domain.md §2.12, not read from the product or the sandbox.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { loadWorld, type LoggedRequest } from '../../src/sandbox/index.ts';
import { CLI } from './harness.ts';
import { tempDir } from './support.ts';

const CLOUDS = [
  {
    name: 'AzureCloud',
    arm: 'https://management.azure.com',
    vaultSuffix: '.vault.azure.net',
    vault: 'https://vault.azure.net',
    login: 'https://login.microsoftonline.com',
    zone: 'privatelink.vaultcore.azure.net',
  },
  {
    name: 'AzureChinaCloud',
    arm: 'https://management.chinacloudapi.cn',
    vaultSuffix: '.vault.azure.cn',
    vault: 'https://vault.azure.cn',
    login: 'https://login.chinacloudapi.cn',
    zone: 'privatelink.vaultcore.azure.cn',
  },
  {
    name: 'AzureUSGovernment',
    arm: 'https://management.usgovcloudapi.net',
    vaultSuffix: '.vault.usgovcloudapi.net',
    vault: 'https://vault.usgovcloudapi.net',
    login: 'https://login.microsoftonline.us',
    zone: 'privatelink.vaultcore.usgovcloudapi.net',
  },
];
type Cloud = (typeof CLOUDS)[number];
const ROUTED = CLOUDS.flatMap((c) => [new URL(c.arm).host, `*${c.vaultSuffix}`]).join(',');
const PRELOAD = fileURLToPath(new URL('./route-to-sandbox.mjs', import.meta.url));
const VAULT = 'kv-contoso-certs';
const CLIENTS = [
  'Microsoft.ApiManagement',
  'Microsoft.KeyVault',
  'Microsoft.Network',
  'Microsoft.Authorization',
  'Microsoft.ResourceGraph',
];
const world = loadWorld('healthy');
const SUB = world.subscriptions[0]!.subscriptionId;

interface Served {
  port: number;
  ca: string;
  process: ChildProcess;
}
const dir = tempDir();
const served: Record<string, Served> = {};

function serve(name: string): Promise<Served> {
  const ca = join(dir, `${name}-ca.pem`);
  const child = spawn(process.execPath, [CLI, 'sandbox', 'serve', '--world', name, '--port', '0', '--ca-out', ca, '--cloud-hosts'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sandbox serve exited (${code}): ${out}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /emulator on https:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m && /also answers as: .*\*\.vault\.azure\.cn/.test(out)) resolve({ port: Number(m[1]), ca, process: child });
    });
  });
}

before(async () => {
  [served.healthy, served['private-endpoint']] = await Promise.all([serve('healthy'), serve('private-endpoint')]);
});
after(() => {
  for (const s of Object.values(served)) s.process.kill('SIGTERM');
});

/** An HTTPS request to the sandbox under any hostname, verified against its CA (never unverified). */
function request(
  sb: Served,
  host: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false: a pooled socket would be stale after the event loop sat in spawnSync past the server's keep-alive.
    const req = https.request(
      {
        host: '127.0.0.1',
        port: sb.port,
        servername: host.replace(/:\d+$/, ''),
        ca: readFileSync(sb.ca),
        path,
        headers: { host, ...headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const sandboxLog = async (sb: Served) => JSON.parse((await request(sb, `localhost:${sb.port}`, '/__sandbox/log')).body) as LoggedRequest[];

/** A stand-in `az` on `cloud`: account show, and get-access-token minting an unsigned JWT for the asked audience. */
function fakeAz(cloud: Cloud): { path: string; calls: string } {
  const bin = tempDir('apimkv-az-');
  const calls = join(bin, 'calls.log');
  const claims = `"oid":"${world.operator.principalId}","tid":"${world.tenantId}","upn":"${world.operator.upn}"`;
  writeFileSync(
    join(bin, 'az'),
    `#!/bin/sh
echo "$@" >> ${calls}
b64() { printf '%s' "$1" | base64 | tr '+/' '-_' | tr -d '=\\n'; }
case "$2" in
  show) echo '{"id":"${SUB}","tenantId":"${world.tenantId}","environmentName":"${cloud.name}","user":{"name":"${world.operator.upn}"}}' ;;
  get-access-token)
    aud=
    while [ $# -gt 0 ]; do case "$1" in --resource|--scope) aud="\${2%/.default}"; shift ;; esac; shift; done
    token="$(b64 '{"alg":"none","typ":"JWT"}').$(b64 "{\\"aud\\":\\"$aud\\",${claims.replace(/"/g, '\\"')}}")."
    echo "{\\"accessToken\\":\\"$token\\",\\"expiresOn\\":\\"2099-01-01 00:00:00.000000\\",\\"expires_on\\":4070908800,\\"tokenType\\":\\"Bearer\\"}" ;;
  *) exit 2 ;;
esac
`,
  );
  chmodSync(join(bin, 'az'), 0o755);
  return { path: `${bin}:${process.env.PATH}`, calls };
}

interface Run {
  code: number | null;
  stderr: string;
  report: { context: { cloud: string }; findings: { checkId: string; status: string; evidence: string[] }[] };
  text: string;
  /** What the sandbox received during this run. */
  log: LoggedRequest[];
  /** Every hostname the CLI opened a TLS connection to. */
  connects: string[];
  azCalls: string;
}

async function check(sb: Served, cloud: Cloud, args: string[]): Promise<Run> {
  const az = fakeAz(cloud);
  const connectLog = join(tempDir(), 'connects.log');
  const env: Record<string, string | undefined> = { ...process.env };
  // Nothing ambient may steer the run: proxies, service-principal variables, another subscription.
  for (const k of Object.keys(env))
    if (/^(https?_proxy|no_proxy|all_proxy|AZURE_.*|IDENTITY_ENDPOINT|MSI_ENDPOINT)$/i.test(k)) delete env[k];
  const seen = (await sandboxLog(sb)).length;
  const r = spawnSync(process.execPath, [CLI, 'check', '--json', ...args], {
    encoding: 'utf8',
    timeout: 90_000,
    env: {
      ...env,
      PATH: az.path,
      NODE_OPTIONS: `--import=${PRELOAD}`,
      APIMKV_TEST_ROUTE: `${ROUTED}=>127.0.0.1:${sb.port}`,
      APIMKV_TEST_CONNECT_LOG: connectLog,
      NODE_EXTRA_CA_CERTS: sb.ca,
      APIMKV_STATE_DIR: tempDir(),
    },
  });
  return {
    code: r.status,
    stderr: r.stderr,
    text: r.stdout,
    report: JSON.parse(r.stdout || '{}'),
    log: (await sandboxLog(sb)).slice(seen),
    connects: existsSync(connectLog) ? readFileSync(connectLog, 'utf8').split('\n').filter(Boolean) : [],
    azCalls: readFileSync(az.calls, 'utf8'),
  };
}

/** What every run in `cloud` must show, whichever world it ran against; returns a one-line account of it. */
function assertStayedIn(cloud: Cloud, r: Run): string {
  const armHost = new URL(cloud.arm).host;
  const vaultHost = `${VAULT}${cloud.vaultSuffix}`;
  assert.deepEqual(
    [...new Set(r.connects)].sort(),
    [armHost, vaultHost].sort(),
    'the CLI connected to nothing but the cloud ARM host and the vault',
  );
  assert.deepEqual([...new Set(r.log.map((e) => e.host))].sort(), [armHost, vaultHost].sort(), 'the sandbox saw only the cloud hostnames');

  const arm = r.log.filter((e) => e.host === armHost);
  assert.deepEqual([...new Set(arm.map((e) => e.audience))], [cloud.arm], 'every ARM request carried a token for the cloud ARM audience');
  const clients = new Set(arm.map((e) => /.*\/providers\/([^/]+)/.exec(e.path)?.[1]));
  for (const c of CLIENTS) assert.ok(clients.has(c), `${c} was called (on ${armHost})`);

  const data = r.log.filter((e) => e.host === vaultHost);
  assert.ok(
    data.some((e) => e.status === 401 && !e.audience),
    'the data plane was challenged first',
  );
  const authed = data.filter((e) => e.audience);
  assert.ok(authed.length >= 2, 'secrets and certificates were listed with a token');
  assert.deepEqual([...new Set(authed.map((e) => e.audience))], [cloud.vault], 'every data-plane token was for the cloud vault resource');

  const asked = [...r.azCalls.matchAll(/get-access-token .*--resource (\S+)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(asked)].sort(), [cloud.arm, cloud.vault].sort(), 'az was asked for these two audiences only');

  assert.equal(r.report.context.cloud, cloud.name);
  const ctx = r.report.findings.find((f) => f.checkId === 'CTX-CLOUD')!;
  assert.equal(ctx.status, 'pass');
  for (const line of [
    `cloud: ${cloud.name}`,
    `ARM endpoint: ${cloud.arm}`,
    `Key Vault suffix: ${cloud.vaultSuffix}`,
    `vault URI: https://${vaultHost}/`,
  ])
    assert.ok(ctx.evidence.includes(line), `CTX-CLOUD evidence has "${line}"`);
  for (const other of CLOUDS.filter((c) => c !== cloud)) {
    for (const name of [new URL(other.arm).host, other.vaultSuffix, other.zone])
      assert.ok(!r.text.includes(name), `the report never mentions ${name}`);
  }
  assert.ok(!r.text.includes('localhost'), 'no sandbox hostname leaks into the report');
  const failing = (r.report.findings ?? []).filter((f) => f.status === 'fail' || f.status === 'unknown').map((f) => f.checkId);
  assert.equal(r.code, 0, `${r.stderr}failing: ${failing.join(', ')}`);
  return `${r.log.length} requests: ${arm.length} on ${armHost} (${[...clients].join(', ')}), ${data.length} on ${vaultHost}`;
}

for (const cloud of CLOUDS) {
  test(`${cloud.name} via --cloud: every request on its hosts with its audiences; the vault is reachable`, async (t) => {
    const r = await check(served.healthy!, cloud, ['--cloud', cloud.name, '--subscription', SUB]);
    t.diagnostic(assertStayedIn(cloud, r));
    assert.doesNotMatch(r.azCalls, /account show/, '--cloud and --subscription need nothing from az');
    assert.ok(
      r.log.filter((e) => e.audience === cloud.vault).every((e) => e.status === 200),
      'the operator listed the vault',
    );
    const vault = r.report.findings.find((f) => f.checkId === 'PRE-VAULT')!;
    assert.ok(vault.evidence.includes(`vault URI: https://${VAULT}${cloud.vaultSuffix}/`));
  });

  test(`${cloud.name} as az's active cloud (no --cloud, no --subscription): the same, and the private DNS zone follows`, async (t) => {
    const r = await check(served['private-endpoint']!, cloud, []);
    t.diagnostic(assertStayedIn(cloud, r));
    assert.match(r.azCalls, /^account show --output json$/m);
    const pe = r.report.findings.find((f) => f.checkId === 'VNET-PE')!;
    assert.equal(pe.status, 'pass');
    assert.ok(
      pe.evidence.some((line) => line.endsWith(`DNS zones ${cloud.zone}`)),
      pe.evidence.join('\n'),
    );
  });
}

test('401 challenges name the resource and authority of the host that was called', async () => {
  const sb = served.healthy!;
  const local = await request(sb, `${VAULT}.vault.localhost:${sb.port}`, '/secrets?api-version=7.5');
  assert.match(
    String(local.headers['www-authenticate']),
    new RegExp(`authorization="https://login\\.microsoftonline\\.com/${world.tenantId}", resource="https://vault\\.localhost"`),
  );
  for (const cloud of CLOUDS) {
    const vault = await request(sb, `${VAULT}${cloud.vaultSuffix}`, '/secrets?api-version=7.5');
    assert.equal(vault.status, 401);
    assert.equal(vault.headers['www-authenticate'], `Bearer authorization="${cloud.login}/${world.tenantId}", resource="${cloud.vault}"`);
    const arm = await request(sb, new URL(cloud.arm).host, `/subscriptions/${SUB}/resourceGroups?api-version=2022-09-01`);
    assert.equal(arm.status, 401);
    assert.match(
      String(arm.headers['www-authenticate']),
      new RegExp(`^Bearer authorization_uri="${cloud.login.replace(/\./g, '\\.')}/${world.tenantId}"`),
    );
  }
});

/** An HTTPS POST of a form to the sandbox (the person entering a device code). */
function post(sb: Served, host: string, path: string, form: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        method: 'POST',
        host: '127.0.0.1',
        port: sb.port,
        servername: host.replace(/:\d+$/, ''),
        ca: readFileSync(sb.ca),
        path,
        headers: { host, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(form.length) },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

for (const cloud of CLOUDS) {
  test(
    `${cloud.name} with --device-code: the sign-in goes to its authority (${new URL(cloud.login).host}) and nowhere else; one code serves ARM and the vault`,
    { timeout: 90_000 },
    async (t) => {
      const sb = served.healthy!;
      const login = new URL(cloud.login).host;
      // MSAL sends China's sign-in to the authority's preferred network name, login.partner.microsoftonline.cn
      // (msal-common's built-in cloud metadata): the same authority, so both names count as the cloud's.
      const logins = cloud.name === 'AzureChinaCloud' ? [login, 'login.partner.microsoftonline.cn'] : [login];
      const armHost = new URL(cloud.arm).host;
      const connectLog = join(tempDir(), 'connects.log');
      const env: Record<string, string | undefined> = { ...process.env };
      for (const k of Object.keys(env))
        if (/^(https?_proxy|no_proxy|all_proxy|AZURE_.*|IDENTITY_ENDPOINT|MSI_ENDPOINT)$/i.test(k)) delete env[k];
      const seen = (await sandboxLog(sb)).length;
      const child = spawn(
        process.execPath,
        [CLI, 'check', '--json', '--cloud', cloud.name, '--subscription', SUB, '--tenant', world.tenantId, '--device-code'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...env,
            PATH: `${tempDir('apimkv-noaz-')}:/usr/bin:/bin`,
            NODE_OPTIONS: `--import=${PRELOAD}`,
            APIMKV_TEST_ROUTE: `${ROUTED},${logins.join(',')}=>127.0.0.1:${sb.port}`,
            APIMKV_TEST_CONNECT_LOG: connectLog,
            NODE_EXTRA_CA_CERTS: sb.ca,
            APIMKV_STATE_DIR: tempDir(),
          },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      const code = await new Promise<string>((resolve, reject) => {
        child.once('exit', () => reject(new Error(`exited before asking for a code: ${stderr}`)));
        child.stderr!.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /enter the code ([A-Z0-9]{9})/.exec(stderr);
          if (m) resolve(m[1]!);
        });
      });
      const page = /open the page https:\/\/([^/]+)\/devicelogin/.exec(stderr)?.[1];
      assert.ok(page && logins.includes(page), stderr);
      assert.equal(await post(sb, page, '/devicelogin', `code=${code}`), 200);
      assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0, stderr);

      const log = (await sandboxLog(sb)).slice(seen);
      const connects = [...new Set(readFileSync(connectLog, 'utf8').split('\n').filter(Boolean))].sort();
      assert.ok(
        connects.every((h) => [armHost, `${VAULT}${cloud.vaultSuffix}`, ...logins].includes(h)),
        `no other authority (no public-cloud instance discovery), no other cloud: ${connects.join(', ')}`,
      );
      assert.ok(connects.includes(armHost) && connects.some((h) => logins.includes(h)));
      const entra = log.filter((e) => logins.includes(e.host)).map((e) => e.path.replace(world.tenantId, '<tenant>'));
      assert.ok(entra.includes('/<tenant>/oauth2/v2.0/devicecode') && entra.includes('/<tenant>/oauth2/v2.0/token'), entra.join('\n'));
      assert.equal(entra.filter((p) => p.endsWith('/devicecode')).length, 1, 'one code');
      assert.deepEqual(
        [...new Set(log.filter((e) => e.host === armHost).map((e) => e.audience))],
        [cloud.arm],
        'ARM tokens for the cloud ARM audience',
      );
      assert.deepEqual(
        [...new Set(log.filter((e) => e.host.endsWith(cloud.vaultSuffix) && e.audience).map((e) => e.audience))],
        [cloud.vault],
        'vault tokens for the cloud vault resource',
      );
      const report = JSON.parse(stdout) as { summary: { fail: number; unknown: number } };
      assert.deepEqual([report.summary.fail, report.summary.unknown], [0, 0]);
      t.diagnostic(
        `${log.length} requests: ${entra.length} to ${[...new Set(log.filter((e) => logins.includes(e.host)).map((e) => e.host))].join(', ')}, the rest on ${armHost} and the vault`,
      );
    },
  );
}
