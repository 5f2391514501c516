// One issue-13 situation world served by a standalone `apimkv sandbox serve` and reached as production reaches Azure
// (--arm-endpoint, --ca-cert, a stand-in az handing out the sandbox's token), plus the independent reads: plain
// HTTPS with curl, never apimkv's own checks. Shared by situations*.test.ts.
import { spawnSync } from 'node:child_process';
import { after } from 'node:test';
import { CLI } from './harness.ts';
import { azHandingOut, DEMO_TARGET, serveSandbox, tempDir, type Served } from './support.ts';

export const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
export const RG = `/subscriptions/${SUB}/resourceGroups/rg-apim-demo`;
export const APIM = `${RG}/providers/Microsoft.ApiManagement/service/apim-contoso-dev`;
export const VAULT = `${RG}/providers/Microsoft.KeyVault/vaults/kv-contoso-certs`;

const served: Served[] = [];
after(() => served.forEach((s) => s.stop()));

export async function world(name: string) {
  const s = await serveSandbox(['--world', name]);
  served.push(s);
  const state = tempDir('apimkv-situation-');
  const env = { ...process.env, NO_COLOR: '1', PATH: azHandingOut(s.token), AZURE_SUBSCRIPTION_ID: '' };
  /** apimkv with the connection flags but no target (audit). */
  const run = (args: string[], extraEnv: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [CLI, ...args, '--arm-endpoint', s.endpoint, '--ca-cert', s.ca, '--state-dir', state], {
      encoding: 'utf8',
      env: { ...env, ...extraEnv },
      timeout: 120_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  /** apimkv on the situation's target: apim-contoso-dev + kv-contoso-certs. */
  const cli = (...args: string[]) => run([...args, ...DEMO_TARGET]);
  const curl = (args: string[]) => spawnSync('curl', ['-s', '--cacert', s.ca, ...args], { encoding: 'utf8' }).stdout;
  /** The independent read: a plain GET with the sandbox's token, parsed as JSON. */
  const read = (path: string, apiVersion: string) =>
    JSON.parse(curl(['-H', `Authorization: Bearer ${s.token}`, `${s.endpoint}${path}?api-version=${apiVersion}`])) as Record<string, any>;
  /** The HTTP status of a plain GET. */
  const status = (path: string, apiVersion: string) =>
    Number(
      curl([
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-H',
        `Authorization: Bearer ${s.token}`,
        `${s.endpoint}${path}?api-version=${apiVersion}`,
      ]),
    );
  const post = (path: string, apiVersion: string) =>
    JSON.parse(
      curl([
        '-X',
        'POST',
        '-H',
        `Authorization: Bearer ${s.token}`,
        '-H',
        'Content-Length: 0',
        `${s.endpoint}${path}?api-version=${apiVersion}`,
      ]),
    ) as Record<string, any>;
  /** Every request the sandbox answered so far (its control endpoint, plain HTTPS): what was written, and where. */
  const log = () => JSON.parse(curl([`${s.endpoint}/__sandbox/log`])) as { method: string; path: string; status: number }[];
  /** The sandbox's whole state (its control endpoint): resources no token of the operator may read. */
  const state_ = () =>
    JSON.parse(curl([`${s.endpoint}/__sandbox/world`])) as {
      resources: { id: string; properties?: any; tags?: any }[];
      vaultData: Record<string, any>;
    };
  return { cli, run, read, status, post, log, state: state_ };
}

/** The report's status line for a check: "  ✖ fail     VNET-NSG   Network security group on the subnet". */
export const line = (out: string, id: string) =>
  out.split('\n').find((l) => new RegExp(`^\\s*\\S+ (pass|warn|fail|unknown|skipped|info)\\s+${id}\\s`).test(l)) ?? '';

/** The lines under a check's status line up to the next check: its cause, evidence and fix. */
export const detail = (out: string, id: string) => {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l === line(out, id));
  if (at < 0) return '';
  const end = lines.findIndex((l, i) => i > at && /^\s*\S+ (pass|warn|fail|unknown|skipped|info)\s+\S/.test(l));
  return lines.slice(at, end < 0 ? undefined : end).join('\n');
};

/** The ids of the checks that fail (status column "fail"). */
export const failing = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^\s*✖ fail\s/.test(l))
    .map((l) => l.replace(/^\s*✖ fail\s+/, '').split(/\s/)[0]);

/** Requests that may change state (not GET/HEAD, not a Resource Graph query) whose path contains `fragment`. */
export const writesTo = (entries: { method: string; path: string }[], fragment: string) =>
  entries
    .filter((e) => !['GET', 'HEAD'].includes(e.method) && !/\/providers\/Microsoft\.ResourceGraph\/resources$/i.test(e.path))
    .filter((e) => e.path.toLowerCase().includes(fragment.toLowerCase()))
    .map((e) => `${e.method} ${e.path}`);
