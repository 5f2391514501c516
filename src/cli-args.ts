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
  /** Full ARM id of the API Management instance (alternative to --subscription/-g/--service). */
  serviceId?: string;
  /** An ARM-compatible endpoint (e.g. `apimkv sandbox serve`) and the CA that signs its certificate. */
  armEndpoint?: string;
  caCert?: string;
  cloud?: string;
  tenant?: string;
  deviceCode: boolean;
  readOnly: boolean;
  transcript?: string;
  stateDir?: string;
  json: boolean;
  yes: boolean;
}

/** What add-cert and upload-cert add (never a password: that comes from a prompt, a variable or a file). */
export interface CertificateOptions {
  secretId?: string;
  certificateId?: string;
  identity?: string;
  keepVersion: boolean;
  file?: string;
  passwordEnv?: string;
  passwordFile?: string;
}

/** What `apimkv audit` adds: the fleet's scope and the output. */
export interface AuditCliOptions {
  /** Empty (and no management groups): every subscription the operator can see. */
  subscriptions: string[];
  managementGroups: string[];
  /** Expiry warning window in days. */
  days: number;
  format: 'tui' | 'text' | 'json' | 'csv';
  concurrency: number;
  namedValues: boolean;
}

export type Command =
  | { kind: 'tui'; options: CommonOptions }
  | { kind: 'check'; options: CommonOptions }
  /** checkIds empty: every failing check that has a fix. */
  | { kind: 'fix'; checkIds: string[]; plan: boolean; options: CommonOptions }
  | { kind: 'add-cert'; certificate: CertificateOptions; plan: boolean; options: CommonOptions }
  | { kind: 'upload-cert'; certificate: CertificateOptions; plan: boolean; options: CommonOptions }
  | { kind: 'cleanup'; options: CommonOptions }
  | { kind: 'audit'; audit: AuditCliOptions; options: CommonOptions }
  | { kind: 'sandbox'; argv: string[] }
  | { kind: 'help' }
  | { kind: 'version' };

export class UsageError extends Error {}

export const HELP = `apimkv ${VERSION} — API Management + Key Vault certificates, step by step

Usage
  apimkv [options]                 full-screen runbook (needs a terminal)
  apimkv check [--json] [options]  run every check once and print the report
  apimkv fix [CHECK-ID|all] [--only CHECK-ID]... [--yes | --plan] [options]
                                   show the fix plan(s) for what fails; apply them with --yes;
                                   --plan prints them as an az script and changes nothing
  apimkv add-cert --secret-id URL [--certificate-id ID] [--identity system|CLIENT-ID|NAME]
                  [--keep-version] [--yes | --plan] [options]
                                   add (or update) a Key Vault certificate in API Management
  apimkv upload-cert --file PFX [--certificate-id ID] [--password-env VAR | --password-file FILE]
                     [--yes | --plan] [options]
                                   validate a .pfx locally, then upload it (password prompted,
                                   masked, when no variable or file is named; never on the command line)
  apimkv cleanup [options]         remove temporary changes apimkv made (client IP rules)
  apimkv audit [--subscription ID]... [--management-group NAME]... [--days N] [--json | --csv]
               [--concurrency N] [--no-named-values] [options]
                                   every API Management instance in scope and every Key Vault
                                   reference (certificates, named values, custom domains): broken
                                   or at risk. A table in a terminal (Enter opens the runbook),
                                   else a report; default scope: every subscription you can see
  apimkv sandbox serve [--world NAME|FILE] [--port N] [--save FILE] [--ca-out FILE] [--cloud-hosts]
                                   run the local ARM emulator for other clients (az, curl);
                                   --cloud-hosts: its certificate also names the clouds' ARM and vault hosts
  apimkv sandbox worlds            list the shipped sandbox worlds
  apimkv sandbox generate [--instances N] [--vaults N] [--subscriptions N] [--seed N] [--out FILE]
                                   write a generated fleet world (for audit practice and benchmarks)

Target
  --subscription ID        subscription (default: AZURE_SUBSCRIPTION_ID, then the az CLI default)
  -g, --resource-group RG  resource group of the API Management instance
  --service NAME           API Management instance (also --apim)
  --service-id ID          the instance's full ARM id, instead of --subscription, -g and --service
  --vault NAME|ID          key vault: a name (its resource group is looked up if not given), or its resource id
                           when it lives in another subscription than the instance
  --vault-resource-group RG

Sign-in and cloud
  --cloud NAME             AzureCloud | AzureChinaCloud | AzureUSGovernment (default: the az CLI's cloud)
  --tenant ID              Microsoft Entra tenant
  --device-code            sign in with a device code (SSH sessions without a browser)
  --arm-endpoint URL       any ARM-compatible endpoint, e.g. a running "apimkv sandbox serve"
  --ca-cert FILE           PEM CA certificate that endpoint's TLS certificate chains to

Safety
  --read-only              checks and previews only: no write can be sent
  --transcript FILE        write a Markdown record of the session for the incident ticket
  --state-dir DIR          where the write journal lives (default: $XDG_STATE_HOME/apimkv)

Audit
  --management-group NAME  audit the subscriptions under a management group (repeatable)
  --days N                 warn about certificates expiring within N days (default 30)
  --concurrency N          ARM calls in flight at once (default 16; a 429 pauses them all)
  --no-named-values        skip the named-value lists (one fewer call per instance)

Sandbox (no Azure needed)
  --sandbox                use the built-in ARM emulator (what npm start does)
  --world NAME|FILE        sandbox world (default: everything-broken; for audit: fleet)

Other
  --json                   machine-readable output (check: docs/report.schema.json,
                           audit: docs/audit.schema.json)
  --csv                    audit findings as CSV
  --yes                    apply (fix, add-cert, upload-cert, cleanup); without it nothing is written
  -h, --help               this help
  -v, --version            version

Exit codes: 0 nothing fails (warnings allowed) or the fix/upload succeeded, 1 a check fails or is unknown,
or a fix failed, 2 usage, sign-in or connection error. The full-screen runbook: 0 quit, 130 Ctrl-C.
audit: 0 no findings, 1 something is broken or could not be read, 3 only at-risk warnings, 2 as above.`;

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
        subscription: { type: 'string', multiple: true },
        'management-group': { type: 'string', multiple: true },
        days: { type: 'string' },
        csv: { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        'no-named-values': { type: 'boolean', default: false },
        'resource-group': { type: 'string', short: 'g' },
        apim: { type: 'string' },
        service: { type: 'string' },
        'service-id': { type: 'string' },
        'arm-endpoint': { type: 'string' },
        'ca-cert': { type: 'string' },
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
        plan: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        'secret-id': { type: 'string' },
        'certificate-id': { type: 'string' },
        identity: { type: 'string' },
        'keep-version': { type: 'boolean', default: false },
        file: { type: 'string' },
        'password-env': { type: 'string' },
        'password-file': { type: 'string' },
        password: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}. Run "apimkv --help" for the options.`);
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  // Declared only to refuse it with a reason: argv is visible to every user of the machine (ps, history).
  if (v.password !== undefined) throw new UsageError('A password on the command line is visible to others (ps, shell history): use --password-env VAR, --password-file FILE, or the masked prompt.');
  if (v['service-id'] && (v.service || v.apim || v['resource-group'])) throw new UsageError('--service-id already names the subscription, resource group and instance: drop --service/--apim and -g.');
  if (v['ca-cert'] && !v['arm-endpoint']) throw new UsageError('--ca-cert is for --arm-endpoint (Azure itself needs no extra CA).');
  if (v['arm-endpoint'] && (v.sandbox || v.world)) throw new UsageError('--arm-endpoint and --sandbox are two different connections: choose one.');
  if (v.plan && v.yes) throw new UsageError('--plan prints the plan and changes nothing; --yes applies it. Choose one.');
  if (v.version) return { kind: 'version' };
  const [command, ...rest] = parsed.positionals;
  const subscriptions = v.subscription ?? [];
  if (command !== 'audit') {
    if (subscriptions.length > 1) throw new UsageError('--subscription is given more than once: only "apimkv audit" spans several subscriptions.');
    for (const flag of ['management-group', 'days', 'csv', 'concurrency', 'no-named-values'] as const) {
      if (v[flag] !== undefined && v[flag] !== false) throw new UsageError(`--${flag} is an option of "apimkv audit".`);
    }
  }
  const options: CommonOptions = {
    sandbox: v.sandbox || v.world !== undefined,
    world: v.world,
    subscription: subscriptions[0],
    resourceGroup: v['resource-group'],
    apim: v.service ?? v.apim,
    serviceId: v['service-id'],
    armEndpoint: v['arm-endpoint'],
    caCert: v['ca-cert'],
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
  switch (command) {
    case undefined:
    case 'run':
      return { kind: 'tui', options };
    case 'check':
      return { kind: 'check', options };
    case 'fix': {
      const ids = [...rest, ...(v.only ?? [])].map((id) => id.toUpperCase()).filter((id) => id !== 'ALL');
      return { kind: 'fix', checkIds: [...new Set(ids)], plan: v.plan, options };
    }
    case 'add-cert':
    case 'upload-cert': {
      const certificate: CertificateOptions = {
        secretId: v['secret-id'],
        certificateId: v['certificate-id'],
        identity: v.identity,
        keepVersion: v['keep-version'],
        file: v.file,
        passwordEnv: v['password-env'],
        passwordFile: v['password-file'],
      };
      if (command === 'add-cert' && !certificate.secretId) throw new UsageError('add-cert needs --secret-id https://<vault>.vault.azure.net/secrets/<name> (the versionless identifier is best).');
      if (command === 'upload-cert' && !certificate.file) throw new UsageError('upload-cert needs --file <path to the .pfx>.');
      if (certificate.passwordEnv && certificate.passwordFile) throw new UsageError('Give the password one way: --password-env or --password-file.');
      return { kind: command, certificate, plan: v.plan, options };
    }
    case 'cleanup':
      return { kind: 'cleanup', options };
    case 'audit': {
      if (v.json && v.csv) throw new UsageError('Choose one output: --json or --csv.');
      if (options.serviceId || options.apim || options.vault) throw new UsageError('audit covers every instance in scope: narrow it with --subscription or --management-group, not --service or --vault.');
      const whole = (flag: string, text: string | undefined, fallback: number, min: number, max: number) => {
        if (text === undefined) return fallback;
        const n = Number(text);
        if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}.`);
        return n;
      };
      return {
        kind: 'audit',
        audit: {
          subscriptions,
          managementGroups: v['management-group'] ?? [],
          days: whole('days', v.days, 30, 0, 3650),
          format: v.json ? 'json' : v.csv ? 'csv' : 'tui',
          concurrency: whole('concurrency', v.concurrency, 16, 1, 64),
          namedValues: !v['no-named-values'],
        },
        options,
      };
    }
    default:
      throw new UsageError(`Unknown command "${command}". Run "apimkv --help" for the commands.`);
  }
}
