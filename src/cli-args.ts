// Argument parsing for every mode. Kept free of heavy imports: it runs before the first frame.
import { parseArgs } from 'node:util';

export const VERSION = '0.1.0';

/** The options every mode shares. */
export interface CommonOptions {
  sandbox: boolean;
  world?: string;
  subscription?: string;
  resourceGroup?: string;
  apim?: string;
  vault?: string;
  vaultResourceGroup?: string;
  cloud?: string;
  tenant?: string;
  deviceCode: boolean;
  readOnly: boolean;
  transcript?: string;
  stateDir?: string;
  json: boolean;
  yes: boolean;
}

export type Command =
  | { kind: 'tui'; options: CommonOptions }
  | { kind: 'check'; options: CommonOptions }
  | { kind: 'fix'; checkId: string; options: CommonOptions }
  | { kind: 'cleanup'; options: CommonOptions }
  | { kind: 'sandbox'; argv: string[] }
  | { kind: 'help' }
  | { kind: 'version' };

export class UsageError extends Error {}

export const HELP = `apimkv ${VERSION} — API Management + Key Vault certificates, step by step

Usage
  apimkv [options]                 full-screen runbook (needs a terminal)
  apimkv check [--json] [options]  run every check once and print the report
  apimkv fix <CHECK-ID|all> [--yes] [options]
                                   show the fix plan(s); apply them with --yes
  apimkv cleanup [options]         remove temporary changes apimkv made (client IP rules)
  apimkv sandbox serve [--world NAME|FILE] [--port N] [--save FILE] [--ca-out FILE]
                                   run the local ARM emulator for other clients (az, curl)
  apimkv sandbox worlds            list the shipped sandbox worlds

Target
  --subscription ID        subscription (default: AZURE_SUBSCRIPTION_ID, then the az CLI default)
  -g, --resource-group RG  resource group of the API Management instance
  --apim NAME              API Management instance
  --vault NAME             key vault (its resource group is looked up if not given)
  --vault-resource-group RG

Sign-in and cloud
  --cloud NAME             AzureCloud | AzureChinaCloud | AzureUSGovernment (default: the az CLI's cloud)
  --tenant ID              Microsoft Entra tenant
  --device-code            sign in with a device code (SSH sessions without a browser)

Safety
  --read-only              checks and previews only: no write can be sent
  --transcript FILE        write a Markdown record of the session for the incident ticket
  --state-dir DIR          where the write journal lives (default: $XDG_STATE_HOME/apimkv)

Sandbox (no Azure needed)
  --sandbox                use the built-in ARM emulator (what npm start does)
  --world NAME|FILE        sandbox world (default: everything-broken)

Other
  --json                   machine-readable output (check, fix)
  --yes                    apply without asking (fix, cleanup)
  -h, --help               this help
  -v, --version            version

Exit codes: 0 all passed, 1 warnings, 2 failures or unknowns, 3 could not connect or sign in, 64 usage error.`;

export function parseCommand(argv: string[]): Command {
  if (argv[0] === 'sandbox') return { kind: 'sandbox', argv: argv.slice(1) };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        sandbox: { type: 'boolean', default: false },
        world: { type: 'string' },
        subscription: { type: 'string' },
        'resource-group': { type: 'string', short: 'g' },
        apim: { type: 'string' },
        vault: { type: 'string' },
        'vault-resource-group': { type: 'string' },
        cloud: { type: 'string' },
        tenant: { type: 'string' },
        'device-code': { type: 'boolean', default: false },
        'read-only': { type: 'boolean', default: false },
        transcript: { type: 'string' },
        'state-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}. Run "apimkv --help" for the options.`);
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  if (v.version) return { kind: 'version' };
  const options: CommonOptions = {
    sandbox: v.sandbox || v.world !== undefined,
    world: v.world,
    subscription: v.subscription,
    resourceGroup: v['resource-group'],
    apim: v.apim,
    vault: v.vault,
    vaultResourceGroup: v['vault-resource-group'],
    cloud: v.cloud,
    tenant: v.tenant,
    deviceCode: v['device-code'],
    readOnly: v['read-only'],
    transcript: v.transcript,
    stateDir: v['state-dir'],
    json: v.json,
    yes: v.yes,
  };
  const [command, ...rest] = parsed.positionals;
  switch (command) {
    case undefined:
    case 'run':
      return { kind: 'tui', options };
    case 'check':
      return { kind: 'check', options };
    case 'fix':
      if (!rest[0]) throw new UsageError('fix needs a check id (for example "apimkv fix FW-BYPASS") or "all".');
      return { kind: 'fix', checkId: rest[0].toUpperCase() === 'ALL' ? 'all' : rest[0].toUpperCase(), options };
    case 'cleanup':
      return { kind: 'cleanup', options };
    default:
      throw new UsageError(`Unknown command "${command}". Run "apimkv --help" for the commands.`);
  }
}
