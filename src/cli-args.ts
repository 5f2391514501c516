// Every command's argument table, and the parser built from them. Kept free of heavy imports: it runs
// before the first frame. Help, refusal of foreign flags and shell completion all come from these tables.
import pkg from '../package.json' with { type: 'json' };
import { certificateIdProblem, GUID } from './checks/input-rules.ts';
import { commandName, flagsOf, helpFor, parseWith, UsageError, type CommandSpec, type Flag, type Values } from './cli-spec.ts';
import { SANDBOX_SERVE } from './sandbox/serve-flags.ts';
import type { PlanFormat } from './runbook/report.ts';

export { UsageError } from './cli-spec.ts';

export const VERSION: string = pkg.version;

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
  /** Print the stack of an unexpected error. */
  verbose: boolean;
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
  | { kind: 'fix'; checkIds: string[]; plan: boolean; format: PlanFormat; options: CommonOptions }
  | { kind: 'add-cert'; certificate: CertificateOptions; plan: boolean; format: PlanFormat; options: CommonOptions }
  | { kind: 'upload-cert'; certificate: CertificateOptions; plan: boolean; format: PlanFormat; options: CommonOptions }
  | { kind: 'cleanup'; options: CommonOptions }
  | { kind: 'audit'; audit: AuditCliOptions; options: CommonOptions }
  /** argv: the words after "sandbox", already checked against the sub-command's table. */
  | { kind: 'sandbox'; argv: string[] }
  | { kind: 'doctor'; json: boolean; options: CommonOptions }
  | { kind: 'completion'; shell: Shell }
  /** command: whose --help ('' = the overview). */
  | { kind: 'help'; command?: string }
  | { kind: 'version' };

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const TARGET = 'Target';
const SIGN_IN = 'Sign-in and cloud';
const SAFETY = 'Safety';
const SANDBOX = 'Sandbox (no Azure needed)';
const OUTPUT = 'Output and changes';

const TARGET_FLAGS: Flag[] = [
  {
    name: 'subscription',
    type: 'string',
    arg: 'ID',
    group: TARGET,
    help: 'subscription (default: AZURE_SUBSCRIPTION_ID, then the az CLI default)',
  },
  { name: 'resource-group', short: 'g', type: 'string', arg: 'RG', group: TARGET, help: 'resource group of the API Management instance' },
  { name: 'service', type: 'string', arg: 'NAME', group: TARGET, help: 'API Management instance (also --apim)' },
  { name: 'apim', type: 'string', arg: 'NAME', group: TARGET, help: 'the same as --service', hidden: true },
  {
    name: 'service-id',
    type: 'string',
    arg: 'ID',
    group: TARGET,
    help: "the instance's full ARM id, instead of --subscription, -g and --service",
  },
  {
    name: 'vault',
    type: 'string',
    arg: 'NAME|ID',
    group: TARGET,
    help: 'key vault: a name (its resource group is looked up if not given), or its\nresource id when it lives in another subscription than the instance',
  },
  { name: 'vault-resource-group', type: 'string', arg: 'RG', group: TARGET, help: "the vault's resource group" },
];
const CLOUD_FLAG: Flag = {
  name: 'cloud',
  type: 'string',
  arg: 'NAME',
  group: SIGN_IN,
  complete: 'cloud',
  help: "AzureCloud | AzureChinaCloud | AzureUSGovernment (default: the az CLI's cloud)",
};
const SIGN_IN_FLAGS: Flag[] = [
  CLOUD_FLAG,
  { name: 'tenant', type: 'string', arg: 'ID', group: SIGN_IN, help: 'Microsoft Entra tenant' },
  { name: 'device-code', type: 'boolean', group: SIGN_IN, help: 'sign in with a device code (SSH sessions without a browser)' },
  {
    name: 'arm-endpoint',
    type: 'string',
    arg: 'URL',
    group: SIGN_IN,
    help: 'any ARM-compatible endpoint, e.g. a running "apimkv sandbox serve"',
  },
  {
    name: 'ca-cert',
    type: 'string',
    arg: 'FILE',
    group: SIGN_IN,
    complete: 'file',
    help: "PEM CA certificate that endpoint's TLS certificate chains to",
  },
];
const SANDBOX_FLAGS: Flag[] = [
  { name: 'sandbox', type: 'boolean', group: SANDBOX, help: 'use the built-in ARM emulator (what npm start does)' },
  {
    name: 'world',
    type: 'string',
    arg: 'NAME|FILE',
    group: SANDBOX,
    complete: 'world',
    help: 'sandbox world (default: everything-broken; for audit: fleet); implies --sandbox',
  },
];
const STATE_DIR: Flag = {
  name: 'state-dir',
  type: 'string',
  arg: 'DIR',
  group: SAFETY,
  complete: 'dir',
  help: 'where the write journal lives (default: $XDG_STATE_HOME/apimkv)',
};
const SAFETY_FLAGS: Flag[] = [
  { name: 'read-only', type: 'boolean', group: SAFETY, help: 'checks and previews only: no write can be sent' },
  {
    name: 'transcript',
    type: 'string',
    arg: 'FILE',
    group: SAFETY,
    complete: 'file',
    help: 'write a Markdown record of the session for the incident ticket',
  },
  STATE_DIR,
];
const VERBOSE: Flag = {
  name: 'verbose',
  type: 'boolean',
  group: 'Other',
  help: 'with an unexpected error (a bug), print its stack trace for the report',
};
const CONNECTION = [...TARGET_FLAGS, ...SIGN_IN_FLAGS, ...SANDBOX_FLAGS, ...SAFETY_FLAGS, VERBOSE];
const JSON_FLAG: Flag = { name: 'json', type: 'boolean', group: OUTPUT, help: 'machine-readable output' };
const YES: Flag = { name: 'yes', type: 'boolean', group: OUTPUT, help: 'apply; without it nothing is written' };
const PLAN: Flag = { name: 'plan', type: 'boolean', group: OUTPUT, help: 'print the plan as an az script and change nothing' };
const FORMAT: Flag = {
  name: 'format',
  type: 'string',
  arg: 'az|bicep|terraform',
  group: OUTPUT,
  help: 'with --plan: an az script (default), or the same change for your Bicep or Terraform',
};

/** What --plan prints. */
export type { PlanFormat };

function planFormat(v: Values): PlanFormat {
  const format = str(v, 'format');
  if (format === undefined) return 'az';
  if (!v.plan) throw new UsageError('--format chooses what --plan prints: add --plan.');
  if (format !== 'az' && format !== 'bicep' && format !== 'terraform')
    throw new UsageError(`--format must be az, bicep or terraform (got "${format}").`);
  return format;
}
const CERTIFICATE_ID: Flag = {
  name: 'certificate-id',
  type: 'string',
  arg: 'ID',
  group: 'Certificate',
  help: "the certificate's name in API Management",
};

const EXIT_CODES = `Exit codes: 0 nothing fails (warnings allowed) or the change succeeded, 1 a check fails or is unknown,
or a fix failed, 2 usage, sign-in or connection error.`;

const TUI: CommandSpec = {
  path: '',
  synopsis: 'apimkv [options]',
  summary: 'The full-screen runbook (in a terminal; otherwise it prints the check report).',
  flags: [
    ...CONNECTION,
    { name: 'version', short: 'v', type: 'boolean', group: 'Other', help: "apimkv's version, Node's version and the platform" },
  ],
  notes: 'The full-screen runbook exits 0 on q and 130 on Ctrl-C.',
};

export const COMMANDS: readonly CommandSpec[] = [
  TUI,
  {
    path: 'check',
    synopsis: 'apimkv check [--json] [options]',
    summary: 'Run every check once and print the report.',
    flags: [...CONNECTION, { ...JSON_FLAG, help: 'the report as JSON (docs/report.schema.json)' }],
    notes: EXIT_CODES,
  },
  {
    path: 'fix',
    synopsis: 'apimkv fix [CHECK-ID|all] [--only CHECK-ID]... [--yes | --plan [--format az|bicep|terraform]] [options]',
    summary:
      'Show the fix plans for what fails, and apply them with --yes.\n--plan prints them as an az script (or, with --format, as Bicep or Terraform) and changes nothing.',
    flags: [
      ...CONNECTION,
      {
        name: 'only',
        type: 'string',
        multiple: true,
        arg: 'CHECK-ID',
        group: OUTPUT,
        complete: 'check',
        help: 'fix this check (repeatable)',
      },
      YES,
      PLAN,
      FORMAT,
    ],
    positionals: { arg: 'CHECK-ID', max: 50, complete: 'check' },
    notes: EXIT_CODES,
  },
  {
    path: 'add-cert',
    synopsis:
      'apimkv add-cert --secret-id URL [--certificate-id ID] [--identity system|CLIENT-ID|NAME]\n                       [--keep-version] [--yes | --plan] [options]',
    summary: 'Add (or update) a Key Vault certificate in API Management.',
    flags: [
      ...CONNECTION,
      {
        name: 'secret-id',
        type: 'string',
        arg: 'URL',
        group: 'Certificate',
        help: "the Key Vault secret's identifier (versionless is best)",
      },
      CERTIFICATE_ID,
      {
        name: 'identity',
        type: 'string',
        arg: 'system|CLIENT-ID|NAME',
        group: 'Certificate',
        help: 'the identity API Management reads the vault with',
      },
      { name: 'keep-version', type: 'boolean', group: 'Certificate', help: 'keep the version in the identifier (no automatic renewal)' },
      YES,
      PLAN,
      FORMAT,
    ],
    notes: EXIT_CODES,
  },
  {
    path: 'upload-cert',
    synopsis:
      'apimkv upload-cert --file PFX [--certificate-id ID] [--password-env VAR | --password-file FILE]\n                          [--yes | --plan] [options]',
    summary:
      'Validate a .pfx locally, then upload it.\nThe password is prompted, masked, when no variable or file is named; never on the command line.',
    flags: [
      ...CONNECTION,
      { name: 'file', type: 'string', arg: 'PFX', group: 'Certificate', complete: 'file', help: 'the .pfx (PKCS#12) file' },
      CERTIFICATE_ID,
      { name: 'password-env', type: 'string', arg: 'VAR', group: 'Certificate', help: 'the environment variable holding the password' },
      { name: 'password-file', type: 'string', arg: 'FILE', group: 'Certificate', complete: 'file', help: 'the file holding the password' },
      {
        name: 'password',
        type: 'string',
        group: 'Certificate',
        help: 'refused: a password on the command line is visible to others',
        hidden: true,
      },
      YES,
      PLAN,
      FORMAT,
    ],
    notes: EXIT_CODES,
  },
  {
    path: 'cleanup',
    synopsis: 'apimkv cleanup [--yes] [options]',
    summary: 'Remove the temporary changes apimkv made (client IP rules).',
    flags: [...CONNECTION, { ...YES, help: 'remove them; without it they are only listed' }],
    notes: EXIT_CODES,
  },
  {
    path: 'audit',
    synopsis:
      'apimkv audit [--subscription ID]... [--management-group NAME]... [--days N] [--json | --csv]\n                    [--concurrency N] [--no-named-values] [options]',
    summary:
      'Every Key Vault reference of every API Management instance in scope: broken or at risk.\nCertificates, named values and custom domains. A table in a terminal (Enter opens the runbook), else\na report; default scope: every subscription you can see.',
    flags: [
      { name: 'subscription', type: 'string', multiple: true, arg: 'ID', group: 'Audit', help: 'audit this subscription (repeatable)' },
      {
        name: 'management-group',
        type: 'string',
        multiple: true,
        arg: 'NAME',
        group: 'Audit',
        help: 'audit the subscriptions under a management group (repeatable)',
      },
      { name: 'days', type: 'string', arg: 'N', group: 'Audit', help: 'warn about certificates expiring within N days (default 30)' },
      {
        name: 'concurrency',
        type: 'string',
        arg: 'N',
        group: 'Audit',
        help: 'ARM calls in flight at once (default 16; a 429 pauses them all)',
      },
      { name: 'no-named-values', type: 'boolean', group: 'Audit', help: 'skip the named-value lists (one fewer call per instance)' },
      ...SIGN_IN_FLAGS,
      ...SANDBOX_FLAGS,
      ...SAFETY_FLAGS,
      { ...JSON_FLAG, help: 'the findings as JSON (docs/audit.schema.json)' },
      { name: 'csv', type: 'boolean', group: OUTPUT, help: 'the findings as CSV' },
    ],
    refusals: Object.fromEntries(
      ['service', 'apim', 'service-id', 'vault', 'vault-resource-group', 'resource-group', 'g'].map((f) => [
        f,
        'audit covers every instance in scope: narrow it with --subscription or --management-group, not --service or --vault.',
      ]),
    ),
    notes:
      'Exit codes: 0 no findings, 1 something is broken or could not be read, 3 only at-risk warnings,\n2 usage, sign-in or connection error.',
  },
  {
    path: 'doctor',
    synopsis: 'apimkv doctor [--json] [--cloud NAME | --arm-endpoint URL [--ca-cert FILE]] [--vault NAME] [--state-dir DIR]',
    summary:
      "What this machine gives apimkv, each line a verdict with its fix.\nNode, the Azure CLI and its sign-in, credential variables (names only), proxies and whether the\ncloud's hosts resolve, the state directory, the terminal. Works offline: says what it could not check.",
    flags: [
      CLOUD_FLAG,
      {
        name: 'arm-endpoint',
        type: 'string',
        arg: 'URL',
        group: SIGN_IN,
        help: "check this ARM-compatible endpoint instead of the cloud's hosts",
      },
      {
        name: 'ca-cert',
        type: 'string',
        arg: 'FILE',
        group: SIGN_IN,
        complete: 'file',
        help: "PEM CA certificate that endpoint's TLS certificate chains to",
      },
      {
        name: 'vault',
        type: 'string',
        arg: 'NAME',
        group: TARGET,
        help: "also resolve this vault's host (<NAME>.vault.azure.net in the public cloud)",
      },
      STATE_DIR,
      { ...JSON_FLAG, help: 'the verdicts as JSON' },
    ],
    notes: 'Exit codes: 0 nothing fails (warnings and unchecked lines allowed), 1 something fails, 2 usage error.',
  },
  {
    path: 'completion',
    synopsis: 'apimkv completion bash|zsh|fish',
    summary:
      'Print a shell completion script.\nbash: source <(apimkv completion bash); zsh: source <(apimkv completion zsh);\nfish: apimkv completion fish > ~/.config/fish/completions/apimkv.fish',
    flags: [],
    positionals: { arg: 'SHELL', max: 1, complete: 'shell' },
  },
  {
    path: 'sandbox',
    synopsis: 'apimkv sandbox serve|worlds|generate ...',
    summary:
      'The local ARM emulator: serve it to other clients, list its worlds, generate fleet worlds.\nRun "apimkv sandbox <command> --help" for each.',
    flags: [],
    positionals: { arg: 'COMMAND', max: 1 },
  },
  SANDBOX_SERVE,
  { path: 'sandbox worlds', synopsis: 'apimkv sandbox worlds', summary: 'List the shipped sandbox worlds.', flags: [] },
  {
    path: 'sandbox generate',
    synopsis: 'apimkv sandbox generate [--instances N] [--vaults N] [--subscriptions N] [--seed N] [--out FILE]',
    summary: 'Write a generated fleet world (same seed, same world) for audit practice and benchmarks.',
    flags: [
      { name: 'instances', type: 'string', arg: 'N', help: 'API Management instances (default 100, at most 20000)' },
      { name: 'vaults', type: 'string', arg: 'N', help: 'key vaults (default 1.5 per instance, at most 30000)' },
      { name: 'subscriptions', type: 'string', arg: 'N', help: 'subscriptions (default 5, at most 500)' },
      { name: 'seed', type: 'string', arg: 'N', help: 'random seed (default 1)' },
      { name: 'out', type: 'string', arg: 'FILE', complete: 'file', help: 'write to FILE instead of stdout' },
    ],
  },
];

export function commandSpec(path: string): CommandSpec {
  return COMMANDS.find((c) => c.path === path)!;
}

/** The top-level --help: the commands, then the full-screen runbook's own options. */
function overview(): string {
  const commands = COMMANDS.filter((c) => c.path && c.path !== 'sandbox');
  const width = Math.max(...commands.map((c) => c.path.length)) + 4;
  return [
    `apimkv ${VERSION} — API Management + Key Vault certificates, step by step`,
    '',
    'Commands',
    `  ${'(none)'.padEnd(width)}${TUI.summary}`,
    ...commands.map((c) => `  ${c.path.padEnd(width)}${c.summary.split('\n')[0]}`),
    '',
    'Run "apimkv COMMAND --help" for a command\'s options.',
    '',
    helpFor(TUI),
    '',
    EXIT_CODES,
  ].join('\n');
}

/** --help text for a command path ('' or undefined: the overview). */
export function helpText(path = ''): string {
  return path ? helpFor(commandSpec(path)) : overview();
}

/** Kept for callers of the old constant: the overview. */
export const HELP: string = overview();

/** Which command a word sequence names: the longest path that matches the first words. */
function resolve(argv: readonly string[]): { spec: CommandSpec; rest: string[] } {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) return { spec: TUI, rest: [...argv] };
  if (first === 'run') return { spec: TUI, rest: argv.slice(1) };
  const two = commandSpec(`${first} ${argv[1] ?? ''}`);
  if (two) return { spec: two, rest: argv.slice(2) };
  const one = COMMANDS.find((c) => c.path === first);
  if (!one) throw new UsageError(`Unknown command "${first}". Run "apimkv --help" for the commands.`);
  return { spec: one, rest: argv.slice(1) };
}

function elsewhere(spec: CommandSpec) {
  return (flag: string) => {
    const homes = COMMANDS.filter((c) => c !== spec && c.flags.some((f) => f.name === flag && !f.hidden)).map((c) => `"${commandName(c)}"`);
    if (homes.length === 0) return undefined;
    return homes.length === 1 ? homes[0] : `${homes.slice(0, -1).join(', ')} and ${homes.at(-1)}`;
  };
}

const str = (v: Values, k: string) => v[k] as string | undefined;
const bool = (v: Values, k: string) => v[k] === true;

function whole(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max} (got "${text}").`);
  return n;
}

function commonOptions(v: Values): CommonOptions {
  if (v.password !== undefined)
    throw new UsageError(
      'A password on the command line is visible to others (ps, shell history): use --password-env VAR, --password-file FILE, or the masked prompt.',
    );
  if (str(v, 'service-id') && (v.service || v.apim || v['resource-group']))
    throw new UsageError('--service-id already names the subscription, resource group and instance: drop --service/--apim and -g.');
  if (str(v, 'ca-cert') && !str(v, 'arm-endpoint'))
    throw new UsageError('--ca-cert is for --arm-endpoint (Azure itself needs no extra CA).');
  if (str(v, 'arm-endpoint') && (bool(v, 'sandbox') || str(v, 'world') !== undefined))
    throw new UsageError('--arm-endpoint and --sandbox are two different connections: choose one.');
  if (bool(v, 'plan') && bool(v, 'yes')) throw new UsageError('--plan prints the plan and changes nothing; --yes applies it. Choose one.');
  const subscription = v.subscription;
  for (const id of ([] as unknown[]).concat(subscription ?? [])) {
    if (typeof id === 'string' && !GUID.test(id))
      throw new UsageError(
        `--subscription must be a subscription id, a GUID such as 3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34 (got ${JSON.stringify(id)}). "az account list -o table" lists yours.`,
      );
  }
  const tenant = str(v, 'tenant');
  // A tenant is named by its id (a GUID) or one of its domains (contoso.onmicrosoft.com), as az accepts.
  if (tenant !== undefined && !GUID.test(tenant) && !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(tenant)) {
    throw new UsageError(
      `--tenant must be a tenant id (a GUID) or a domain such as contoso.onmicrosoft.com (got ${JSON.stringify(tenant)}).`,
    );
  }
  return {
    sandbox: bool(v, 'sandbox') || str(v, 'world') !== undefined,
    world: str(v, 'world'),
    subscription: Array.isArray(subscription) ? subscription[0] : (subscription as string | undefined),
    resourceGroup: str(v, 'resource-group'),
    apim: str(v, 'service') ?? str(v, 'apim'),
    serviceId: str(v, 'service-id'),
    armEndpoint: str(v, 'arm-endpoint'),
    caCert: str(v, 'ca-cert'),
    vault: str(v, 'vault'),
    vaultResourceGroup: str(v, 'vault-resource-group'),
    cloud: str(v, 'cloud'),
    tenant: str(v, 'tenant'),
    deviceCode: bool(v, 'device-code'),
    readOnly: bool(v, 'read-only'),
    transcript: str(v, 'transcript'),
    stateDir: str(v, 'state-dir'),
    json: bool(v, 'json'),
    yes: bool(v, 'yes'),
    verbose: bool(v, 'verbose'),
  };
}

export function parseCommand(argv: string[]): Command {
  const { spec, rest } = resolve(argv);
  let parsed;
  try {
    parsed = parseWith(spec, rest, elsewhere(spec));
  } catch (e) {
    // "apimkv --sandbox check": say where the command goes rather than that "check" is unexpected.
    const word = spec === TUI ? rest.find((w) => COMMANDS.some((c) => c.path === w)) : undefined;
    if (word && e instanceof UsageError && e.message.includes(`"${word}"`))
      throw new UsageError(`The command comes first: "apimkv ${word} ${rest.filter((w) => w !== word).join(' ')}".`);
    throw e;
  }
  const { values: v, positionals } = parsed;
  if (v.help) return { kind: 'help', command: spec.path };
  switch (spec.path) {
    case '': {
      if (v.version) return { kind: 'version' };
      return { kind: 'tui', options: commonOptions(v) };
    }
    case 'check':
      return { kind: 'check', options: commonOptions(v) };
    case 'fix': {
      // Check ids are upper case; after "@" comes an identity's name (CHECK@identity), kept as written.
      const ids = [...positionals, ...((v.only as string[] | undefined) ?? [])]
        .map((id) => id.replace(/^[^@]*/, (check) => check.toUpperCase()))
        .filter((id) => id !== 'ALL');
      return { kind: 'fix', checkIds: [...new Set(ids)], plan: bool(v, 'plan'), format: planFormat(v), options: commonOptions(v) };
    }
    case 'add-cert':
    case 'upload-cert': {
      const options = commonOptions(v);
      const certificate: CertificateOptions = {
        secretId: str(v, 'secret-id'),
        certificateId: str(v, 'certificate-id'),
        identity: str(v, 'identity'),
        keepVersion: bool(v, 'keep-version'),
        file: str(v, 'file'),
        passwordEnv: str(v, 'password-env'),
        passwordFile: str(v, 'password-file'),
      };
      const idProblem = certificate.certificateId !== undefined ? certificateIdProblem(certificate.certificateId) : undefined;
      if (idProblem)
        throw new UsageError(
          `--certificate-id ${JSON.stringify(certificate.certificateId)} ${idProblem}. Use letters, digits and hyphens, e.g. --certificate-id contoso-api-client.`,
        );
      if (spec.path === 'add-cert' && !certificate.secretId)
        throw new UsageError(
          'add-cert needs --secret-id https://<vault>.vault.azure.net/secrets/<name> (the versionless identifier is best).',
        );
      if (spec.path === 'upload-cert' && !certificate.file) throw new UsageError('upload-cert needs --file <path to the .pfx>.');
      if (certificate.passwordEnv && certificate.passwordFile)
        throw new UsageError('Give the password one way: --password-env or --password-file.');
      return { kind: spec.path, certificate, plan: bool(v, 'plan'), format: planFormat(v), options };
    }
    case 'cleanup':
      return { kind: 'cleanup', options: commonOptions(v) };
    case 'audit': {
      if (v.json && v.csv) throw new UsageError('Choose one output: --json or --csv.');
      const options = commonOptions(v);
      return {
        kind: 'audit',
        audit: {
          subscriptions: (v.subscription as string[] | undefined) ?? [],
          managementGroups: (v['management-group'] as string[] | undefined) ?? [],
          days: whole('days', str(v, 'days'), 30, 0, 3650),
          format: v.json ? 'json' : v.csv ? 'csv' : 'tui',
          concurrency: whole('concurrency', str(v, 'concurrency'), 16, 1, 64),
          namedValues: !v['no-named-values'],
        },
        options,
      };
    }
    case 'doctor':
      return { kind: 'doctor', json: bool(v, 'json'), options: commonOptions(v) };
    case 'completion': {
      const shell = positionals[0];
      if (!shell || !(SHELLS as readonly string[]).includes(shell))
        throw new UsageError(`Name the shell: "apimkv completion bash", "zsh" or "fish"${shell ? ` (not "${shell}")` : ''}.`);
      return { kind: 'completion', shell: shell as Shell };
    }
    case 'sandbox':
      throw new UsageError(
        `${positionals[0] ? `Unknown sandbox command "${positionals[0]}"` : 'Name a sandbox command'}: "apimkv sandbox serve", "apimkv sandbox worlds" or "apimkv sandbox generate".`,
      );
    case 'sandbox serve':
      whole('port', str(v, 'port'), 0, 0, 65535);
      return { kind: 'sandbox', argv: argv.slice(1) };
    case 'sandbox generate':
      sandboxGenerateOptions(v);
      return { kind: 'sandbox', argv: argv.slice(1) };
    default:
      return { kind: 'sandbox', argv: argv.slice(1) };
  }
}

export interface GenerateOptions {
  instances: number;
  vaults: number;
  subscriptions: number;
  seed: number;
  out?: string;
}

export function sandboxGenerateOptions(v: Values): GenerateOptions {
  const instances = whole('instances', str(v, 'instances'), 100, 1, 20_000);
  return {
    instances,
    vaults: whole('vaults', str(v, 'vaults'), Math.ceil(instances * 1.5), 1, 30_000),
    subscriptions: whole('subscriptions', str(v, 'subscriptions'), 5, 1, 500),
    seed: whole('seed', str(v, 'seed'), 1, 1, 2 ** 31),
    out: str(v, 'out'),
  };
}
