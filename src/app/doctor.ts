// `apimkv doctor`: gathers what this machine gives apimkv (Node, az and its login, credential variables,
// proxies, name resolution, the state directory, the terminal) and prints checks/doctor.ts's verdicts.
// Works offline: whatever cannot be reached is said to be unchecked, never waited on for long.
import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import type { RunConfig } from './run-config.ts';
import { VERSION } from '../cli-args.ts';
import { doctorLines, type DoctorLine, type MachineFacts } from '../checks/doctor.ts';
import { ownTenantAccount } from '../azure/az-cli.ts';
import { cloudFromAzCliName } from '../azure/cloud.ts';
import { Journal } from '../runbook/journal.ts';

const CREDENTIAL_VARIABLES = [
  'AZURE_CLIENT_ID',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_AUTHORITY_HOST',
  'AZURE_SUBSCRIPTION_ID',
  'IDENTITY_ENDPOINT',
  'MSI_ENDPOINT',
];
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'NO_PROXY', 'no_proxy'];
const AZ_TIMEOUT_MS = 20_000;
const DNS_TIMEOUT_MS = 3_000;

function az(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(
      'az',
      args,
      { timeout: AZ_TIMEOUT_MS, windowsHide: true, env: { ...process.env, AZURE_CORE_COLLECT_TELEMETRY: 'no' } },
      (error, stdout, stderr) => {
        resolve({
          ok: !error,
          stdout: String(stdout),
          stderr: String(stderr),
          missing: (error as NodeJS.ErrnoException | null)?.code === 'ENOENT',
        });
      },
    );
  });
}

async function azFacts(): Promise<MachineFacts['az']> {
  const [show, version] = await Promise.all([az(['account', 'show', '--output', 'json']), az(['version', '--output', 'json'])]);
  if (show.missing) return { found: false };
  const facts: MachineFacts['az'] = { found: true };
  try {
    facts.version = (JSON.parse(version.stdout) as Record<string, string>)['azure-cli'];
  } catch {
    // an az too old for `az version`, or one that failed: its version stays unknown
  }
  if (!show.ok) {
    facts.error =
      show.stderr
        .split('\n')
        .find((l) => l.trim())
        ?.replace(/^ERROR:\s*/, '')
        .trim()
        .slice(0, 200) ?? 'no account';
    return facts;
  }
  try {
    const a = JSON.parse(show.stdout) as {
      id?: string;
      name?: string;
      tenantId?: string;
      environmentName?: string;
      user?: { name?: string; type?: string; cloudShellID?: boolean };
    };
    const own = ownTenantAccount(a.user);
    facts.account = {
      user: a.user?.name,
      userType: a.user?.type,
      tenantId: a.tenantId,
      subscriptionId: a.id,
      subscriptionName: a.name,
      cloudName: a.environmentName,
      ...(own ? { ownTenantOnly: own } : {}),
    };
  } catch {
    facts.error = 'az account show did not print JSON';
  }
  return facts;
}

/** A proxy URL without its user:password. */
function redactProxy(value: string): string {
  try {
    const url = new URL(value);
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    return url.toString().replace(/\/$/, '');
  } catch {
    return value.replace(/\/\/[^@/]*@/, '//***@');
  }
}

async function resolveHost(role: string, host: string): Promise<MachineFacts['hosts'][number]> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no answer within ${DNS_TIMEOUT_MS / 1000} s`)), DNS_TIMEOUT_MS).unref(),
  );
  try {
    const addresses = await Promise.race([lookup(host, { all: true }), timeout]);
    return { role, host, addresses: addresses.map((a) => a.address) };
  } catch (e) {
    return { role, host, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
}

function endpointFacts(url: string, caCert?: string): Promise<NonNullable<MachineFacts['endpoint']>> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return resolve({ url, ok: false, detail: 'not a URL' });
    }
    let ca: string | undefined;
    try {
      ca = caCert ? readFileSync(caCert, 'utf8') : undefined;
    } catch (e) {
      return resolve({ url, ok: false, detail: `cannot read --ca-cert ${caCert} (${(e as NodeJS.ErrnoException).code})` });
    }
    const socket = tlsConnect(
      {
        host: u.hostname,
        port: Number(u.port || 443),
        servername: /^[\d.]+$|:/.test(u.hostname) ? undefined : u.hostname,
        ...(ca ? { ca } : {}),
        timeout: DNS_TIMEOUT_MS,
      },
      () => {
        const detail = `reachable, its certificate is trusted${ca ? ' (--ca-cert)' : ''} (${socket.getProtocol()})`;
        socket.end();
        resolve({ url, ok: true, detail });
      },
    );
    socket.on('timeout', () => {
      socket.destroy();
      resolve({ url, ok: false, detail: 'no TLS answer within 3 s' });
    });
    socket.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ url, ok: false, detail: `${e.code ?? 'error'}: ${e.message.split('\n')[0]}` }),
    );
  });
}

function stateDirFacts(config: RunConfig): MachineFacts['stateDir'] {
  const path = config.stateDir;
  let stat;
  try {
    stat = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { path, exists: false, openTemporary: [] };
    return { path, exists: false, openTemporary: [], error: (e as Error).message };
  }
  let writable = true;
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch {
    writable = false;
  }
  let openTemporary: string[] = [];
  try {
    openTemporary = new Journal(join(path, 'journal.json')).temporaryChanges().map((c) => `${c.value} on ${c.vaultId.split('/').pop()}`);
  } catch (e) {
    return { path, exists: true, mode: stat.mode, writable, openTemporary, error: (e as Error).message };
  }
  return {
    path,
    exists: true,
    mode: stat.mode,
    ownedByMe: process.getuid ? stat.uid === process.getuid() : undefined,
    writable,
    openTemporary,
  };
}

export async function gatherMachine(config: RunConfig): Promise<MachineFacts> {
  const azPromise = azFacts();
  const credentialVariables = CREDENTIAL_VARIABLES.filter((n) => process.env[n]);
  const proxies = PROXY_VARIABLES.filter((n) => process.env[n]).map((name) => ({
    name,
    value: /no_proxy/i.test(name) ? process.env[name]! : redactProxy(process.env[name]!),
  }));
  const azInfo = await azPromise;
  const cloudName = config.signIn.cloud ?? azInfo.account?.cloudName ?? 'AzureCloud';
  const source = config.signIn.cloud ? '--cloud' : azInfo.account?.cloudName ? "the Azure CLI's active cloud" : 'the default';
  const hostOf = (u: string) => new URL(u).hostname;
  let cloud: MachineFacts['cloud'];
  let wanted: [string, string][] = [];
  if (config.signIn.armEndpoint) {
    cloud = { name: `a custom endpoint, ${config.signIn.armEndpoint}`, source: '--arm-endpoint' };
    wanted = [['ARM', hostOf(config.signIn.armEndpoint)]];
  } else {
    try {
      const profile = cloudFromAzCliName(cloudName);
      cloud = { name: profile.name, source };
      wanted = [
        ['ARM', hostOf(profile.armEndpoint)],
        ['sign-in', hostOf(profile.authorityHost)],
        ...(config.target.vault ? [['Key Vault', `${config.target.vault}${profile.kvDnsSuffix}`] as [string, string]] : []),
      ];
    } catch {
      // A cloud registered with `az cloud register`: apimkv reaches it only through --arm-endpoint.
      cloud = { name: cloudName, source, unknown: true };
    }
  }
  const [hosts, endpoint] = await Promise.all([
    Promise.all(wanted.map(([role, host]) => resolveHost(role, host))),
    config.signIn.armEndpoint ? endpointFacts(config.signIn.armEndpoint, config.signIn.caCert) : undefined,
  ]);
  const locale = process.env.LC_ALL || process.env.LC_CTYPE || process.env.LANG || undefined;
  return {
    node: { version: process.version },
    az: azInfo,
    credentialVariables,
    proxies,
    cloud,
    hosts,
    ...(endpoint ? { endpoint } : {}),
    stateDir: stateDirFacts(config),
    terminal: {
      stdoutTTY: !!process.stdout.isTTY,
      columns: process.stdout.columns,
      rows: process.stdout.rows,
      colorDepth: process.stdout.isTTY ? process.stdout.getColorDepth() : undefined,
      noColor: !!process.env.NO_COLOR,
      term: process.env.TERM,
      utf8: /utf-?8/i.test(locale ?? ''),
      locale,
    },
  };
}

const MARK: Record<DoctorLine['status'], string> = { ok: '✔ ok     ', warn: '! warn   ', fail: '✖ fail   ', unknown: '? unknown' };

export function formatDoctor(lines: DoctorLine[]): string {
  const width = Math.max(...lines.map((l) => l.title.length)) + 2;
  const text = lines.flatMap((l) => [
    `  ${MARK[l.status]}  ${l.title.padEnd(width)}${l.detail}`,
    ...(l.fix && l.status !== 'ok' ? [`  ${' '.repeat(9)}  ${' '.repeat(width)}fix: ${l.fix}`] : []),
  ]);
  const count = (s: DoctorLine['status']) => lines.filter((l) => l.status === s).length;
  return [
    `apimkv doctor — what this machine gives apimkv ${VERSION}`,
    '',
    ...text,
    '',
    `${count('ok')} ok, ${count('warn')} warnings, ${count('fail')} failed, ${count('unknown')} not checked`,
  ].join('\n');
}

export async function runDoctor(json: boolean, config: RunConfig): Promise<number> {
  const lines = doctorLines(await gatherMachine(config));
  process.stdout.write(
    `${json ? JSON.stringify({ schemaVersion: 1, tool: 'apimkv', version: VERSION, lines }, null, 2) : formatDoctor(lines)}\n`,
  );
  return lines.some((l) => l.status === 'fail') ? 1 : 0;
}
