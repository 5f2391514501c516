// Debian's az 2.45 signed in to a standalone `apimkv sandbox serve`: a private config dir, the sandbox registered as
// a cloud, a managed-identity login through the sandbox's loopback token endpoint (see ../shared/interop/README.md).
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Served } from '../e2e/support.ts';

const run = promisify(execFile);
export const AZ = process.env.APIMKV_INTEROP_AZ ?? '/usr/bin/az';
const SHIM = join(fileURLToPath(new URL('.', import.meta.url)), 'pyshim');

/** The environment az runs in for this sandbox (config dir, CA, token endpoint, the import shim). */
export function azEnv(served: Served, dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AZURE_CONFIG_DIR: dir,
    REQUESTS_CA_BUNDLE: served.ca,
    MSI_ENDPOINT: `${served.endpoint}/msi/token`,
    AZURE_CORE_COLLECT_TELEMETRY: 'no',
    AZURE_CORE_NO_COLOR: 'true',
    // Debian's az 2.45 and python3-azure disagree on two imports; the shim aliases them in memory (sitecustomize.py).
    PYTHONPATH: SHIM,
  };
}

/** az signed in to this sandbox: a private config dir, the sandbox as a registered cloud, a managed-identity login. */
export async function azFor(served: Served, dir: string): Promise<(args: string[]) => Promise<any>> {
  mkdirSync(dir, { recursive: true });
  const env = azEnv(served, dir);
  const az = async (args: string[]) => {
    const { stdout } = await run(AZ, [...args, '--only-show-errors'], { env, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 });
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  };
  const e = served.endpoint;
  // All four AD endpoints point at the sandbox, or az fetches <ARM>/metadata/endpoints; Graph too, for az role.
  const cloud = {
    endpoints: {
      resourceManager: `${e}/`,
      management: `${e}/`,
      activeDirectory: e,
      activeDirectoryResourceId: `${e}/`,
      activeDirectoryGraphResourceId: `${e}/`,
      microsoftGraphResourceId: `${e}/`,
    },
    suffixes: { keyvaultDns: '.vault.localhost' },
  };
  await az(['cloud', 'register', '-n', 'ApimkvSandbox', '--cloud-config', JSON.stringify(cloud), '-o', 'none']);
  await az(['cloud', 'set', '-n', 'ApimkvSandbox', '-o', 'none']);
  await az(['login', '--identity', '-o', 'none']);
  return (args) => az([...args, '-o', 'json']);
}

/** A GET of the sandbox's control or ARM API (control paths need no token). */
export function getJson(served: Served, path: string): Promise<any> {
  return new Promise((resolve, reject) => {
    https
      .get(`${served.endpoint}${path}`, { ca: readFileSync(served.ca) }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(JSON.parse(text)));
      })
      .on('error', reject);
  });
}
