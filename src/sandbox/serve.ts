// `apimkv sandbox serve`: the emulator as a standalone server for other clients (curl, az rest, other SDKs).
// Runs until SIGINT/SIGTERM, then optionally saves the world it ended with.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWith, UsageError } from '../cli-spec.ts';
import { CLOUD_HOSTNAMES } from './clouds.ts';
import { startSandbox } from './index.ts';
import { SANDBOX_SERVE } from './serve-flags.ts';
import { loadWorld, WorldError } from './world.ts';

const USAGE = `Usage: ${SANDBOX_SERVE.synopsis}`;
/** Usage errors share the CLI's exit code. */
const EXIT_USAGE = 2;

/** Options for tests: where to print and which signal source to wait on. */
export interface ServeIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Resolves when the server should stop (default: the first SIGINT or SIGTERM). */
  stop?: Promise<unknown>;
  /** Called once the server is listening (tests use it to reach the endpoint). */
  onReady?: (info: { endpoint: string; caPath: string; token: string }) => void;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function serveSandbox(argv: string[], io: ServeIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  let values: { world?: string; port?: string; save?: string; 'ca-out'?: string; 'cloud-hosts'?: boolean; help?: boolean };
  try {
    values = parseWith(SANDBOX_SERVE, argv).values;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`apimkv: ${e.message}\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (values.port?.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    err(`apimkv: --port must be a whole number from 0 to 65535 (got "${values.port}").\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  let sandbox;
  try {
    // A standalone sandbox behaves as ARM does unless its world says otherwise: throttled, LROs taking a second.
    const world = loadWorld(values.world ?? 'everything-broken');
    sandbox = await startSandbox({
      world,
      port,
      cloudHosts: values['cloud-hosts'],
      armThrottling: world.armThrottling?.enabled ?? true,
      lroMs: world.lro?.durationMs ?? 1000,
    });
  } catch (e) {
    if (e instanceof WorldError) {
      err(`apimkv: the world "${values.world}" cannot be used: ${e.message}\n`);
      return 2;
    }
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      err(`apimkv: port ${port} on 127.0.0.1 is in use; pass another --port (or 0 for any free port).\n`);
      return 2;
    }
    throw e;
  }
  const caPath = values['ca-out'] ?? join(mkdtempSync(join(tmpdir(), 'apimkv-sandbox-')), 'sandbox-ca.pem');
  writeFileSync(caPath, sandbox.caPem, { mode: 0o644 });
  const world = sandbox.world();
  const sub = world.subscriptions[0].subscriptionId;
  const token = sandbox.token();
  out(
    [
      `apimkv sandbox: Azure Resource Manager emulator on ${sandbox.endpoint}`,
      `  world:          ${values.world ?? 'everything-broken'}`,
      `  CA certificate: ${caPath}`,
      `  tenant:         ${sandbox.tenantId}`,
      `  subscription:   ${sub} (${world.subscriptions[0].displayName})`,
      `  operator:       ${world.operator.upn ?? world.operator.principalId}`,
      `  key vaults:     https://<vault>.vault.localhost:${new URL(sandbox.endpoint).port}/ (resolve *.localhost to 127.0.0.1)`,
      ...(values['cloud-hosts'] ? [`  also answers as: ${CLOUD_HOSTNAMES.join(', ')} (route them to this port yourself)`] : []),
      '',
      'Try:',
      `  curl --cacert ${caPath} -H "Authorization: Bearer ${token}" "${sandbox.endpoint}/subscriptions/${sub}/providers/Microsoft.ApiManagement/service?api-version=2024-05-01"`,
      `  apimkv --arm-endpoint ${sandbox.endpoint} --ca-cert ${caPath} --subscription ${sub} --tenant ${sandbox.tenantId} --device-code`,
      `    then enter the code it shows: curl --cacert ${caPath} -d code=<CODE> ${sandbox.endpoint}/devicelogin`,
      '',
      `Managed-identity sign-in (az login --identity): MSI_ENDPOINT=${sandbox.endpoint}/msi/token with REQUESTS_CA_BUNDLE=${caPath}`,
      `Control: GET ${sandbox.endpoint}/__sandbox/world, GET /__sandbox/log, GET /__sandbox/signins, POST|DELETE /__sandbox/faults, POST /__sandbox/latency`,
      `Stop with Ctrl+C${values.save ? `; the world is then saved to ${values.save}` : ''}.`,
      '',
    ].join('\n'),
  );
  io.onReady?.({ endpoint: sandbox.endpoint, caPath, token });
  await (io.stop ?? waitForSignal());
  if (values.save) {
    writeFileSync(values.save, `${JSON.stringify(sandbox.world(), null, 2)}\n`);
    out(`apimkv sandbox: world saved to ${values.save}\n`);
  }
  await sandbox.close();
  return 0;
}
