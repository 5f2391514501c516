// `apimkv doctor`: what this machine gives apimkv, as verdicts with their fix. Pure: the same machine facts
// always give the same lines (gathered by app/doctor.ts). Never a token or a secret's value: the
// environment is described by variable names, proxies without their user:password.

export type DoctorStatus = 'ok' | 'warn' | 'fail' | 'unknown';

export interface DoctorLine {
  id: string;
  status: DoctorStatus;
  title: string;
  detail: string;
  fix?: string;
}

export interface MachineFacts {
  node: { version: string };
  az: {
    /** Not on PATH (ENOENT). */
    found: boolean;
    version?: string;
    account?: {
      user?: string;
      userType?: string;
      tenantId?: string;
      subscriptionId?: string;
      subscriptionName?: string;
      cloudName?: string;
      ownTenantOnly?: 'managed identity' | 'Cloud Shell';
    };
    /** Why `az account show` gave no account (first line of az's stderr, or a timeout). */
    error?: string;
  };
  /** Names of credential variables that are set (never their values). */
  credentialVariables: string[];
  /** Proxy variables that are set, user:password removed. */
  proxies: { name: string; value: string }[];
  /** unknown: not one of the clouds apimkv knows (a cloud registered in az). */
  cloud: { name: string; source: string; unknown?: boolean };
  /** Each host apimkv needs, and what resolving it gave. */
  hosts: { role: string; host: string; addresses?: string[]; error?: string }[];
  /** --arm-endpoint: a TLS connection to it, trusting --ca-cert when given. */
  endpoint?: { url: string; ok: boolean; detail: string };
  stateDir: {
    path: string;
    exists: boolean;
    mode?: number;
    ownedByMe?: boolean;
    writable?: boolean;
    openTemporary: string[];
    error?: string;
  };
  terminal: {
    stdoutTTY: boolean;
    columns?: number;
    rows?: number;
    colorDepth?: number;
    noColor: boolean;
    term?: string;
    utf8: boolean;
    locale?: string;
  };
}

const MIN_NODE = 22;
const LEARN_INSTALL_AZ = 'https://learn.microsoft.com/cli/azure/install-azure-cli';

function nodeLine(f: MachineFacts): DoctorLine {
  const major = Number(/^v(\d+)/.exec(f.node.version)?.[1] ?? 0);
  return major >= MIN_NODE
    ? { id: 'node', status: 'ok', title: 'Node.js', detail: `${f.node.version} (apimkv needs ${MIN_NODE} or newer)` }
    : {
        id: 'node',
        status: 'fail',
        title: 'Node.js',
        detail: `${f.node.version}: apimkv needs ${MIN_NODE} or newer`,
        fix: `install Node.js ${MIN_NODE}+, or use the single-file apimkv (no Node needed; see the README's Install section)`,
      };
}

function azLines(f: MachineFacts): DoctorLine[] {
  if (!f.az.found) {
    return [
      {
        id: 'az',
        status: 'warn',
        title: 'Azure CLI',
        detail: 'not found on PATH: apimkv cannot use an az login',
        fix: `install it (${LEARN_INSTALL_AZ}) and run "az login", or sign in with apimkv --device-code, or set a service principal's AZURE_* variables`,
      },
    ];
  }
  const found: DoctorLine = {
    id: 'az',
    status: 'ok',
    title: 'Azure CLI',
    detail: f.az.version ? `azure-cli ${f.az.version}` : 'found (its version could not be read)',
  };
  const a = f.az.account;
  if (!a)
    return [
      found,
      {
        id: 'az-login',
        status: 'warn',
        title: 'Azure CLI sign-in',
        detail: `not signed in${f.az.error ? ` (${f.az.error})` : ''}`,
        fix: 'run "az login" (over SSH: "az login --use-device-code"), or use apimkv --device-code',
      },
    ];
  const who = `${a.user ?? 'unknown account'}${a.userType ? ` (${a.userType})` : ''}`;
  const lines: DoctorLine[] = [
    found,
    {
      id: 'az-login',
      status: 'ok',
      title: 'Azure CLI sign-in',
      detail: `${who}, tenant ${a.tenantId ?? '?'}, subscription ${a.subscriptionName ? `${a.subscriptionName} ` : ''}${a.subscriptionId ?? '?'}, cloud ${a.cloudName ?? '?'}`,
    },
  ];
  if (a.ownTenantOnly) {
    lines.push({
      id: 'az-tenant',
      status: 'ok',
      title: 'Azure CLI tenant',
      detail: `a ${a.ownTenantOnly} login gets tokens only for its own tenant (${a.tenantId ?? '?'}); apimkv asks it without --tenant, so vaults in other tenants cannot be reached with it`,
      fix: 'for another tenant: "az login --tenant <id>" as a user or service principal, or apimkv --device-code --tenant <id>',
    });
  }
  return lines;
}

function credentialLine(f: MachineFacts): DoctorLine {
  const v = new Set(f.credentialVariables);
  const sp =
    v.has('AZURE_CLIENT_ID') && v.has('AZURE_TENANT_ID') && (v.has('AZURE_CLIENT_SECRET') || v.has('AZURE_CLIENT_CERTIFICATE_PATH'));
  const partial = !sp && ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_TENANT_ID'].some((n) => v.has(n));
  const names = f.credentialVariables.length ? f.credentialVariables.join(', ') : 'none';
  if (partial)
    return {
      id: 'env-credentials',
      status: 'warn',
      title: 'Environment credentials',
      detail: `set: ${names}; a service principal needs AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)`,
      fix: 'set the missing variables, or unset these to use the az login',
    };
  return {
    id: 'env-credentials',
    status: 'ok',
    title: 'Environment credentials',
    detail: `set: ${names}${sp ? ' (a service principal, tried after the az login)' : ''}`,
  };
}

function proxyLine(f: MachineFacts): DoctorLine {
  return {
    id: 'proxy',
    status: 'ok',
    title: 'Proxy',
    detail: f.proxies.length ? f.proxies.map((p) => `${p.name}=${p.value}`).join(', ') : 'none set (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)',
  };
}

function hostLines(f: MachineFacts): DoctorLine[] {
  const lines: DoctorLine[] = f.hosts.map((h) =>
    h.addresses?.length
      ? { id: `dns-${h.role}`, status: 'ok', title: `${h.role} host`, detail: `${h.host} resolves (${h.addresses.slice(0, 2).join(', ')})` }
      : {
          id: `dns-${h.role}`,
          status: 'unknown',
          title: `${h.role} host`,
          detail: `${h.host} could not be resolved${h.error ? ` (${h.error})` : ''}: no network or no DNS here, so it could not be checked`,
          fix: f.proxies.length
            ? 'a proxy resolves names itself: check that it allows this host'
            : `let this machine resolve and reach ${h.host} on port 443 (or set HTTPS_PROXY)`,
        },
  );
  if (f.endpoint)
    lines.push(
      f.endpoint.ok
        ? { id: 'endpoint', status: 'ok', title: 'ARM endpoint', detail: `${f.endpoint.url}: ${f.endpoint.detail}` }
        : {
            id: 'endpoint',
            status: 'fail',
            title: 'ARM endpoint',
            detail: `${f.endpoint.url}: ${f.endpoint.detail}`,
            fix: 'check the URL, that it is running, and --ca-cert (the CA its certificate chains to)',
          },
    );
  const cloud: DoctorLine = f.cloud.unknown
    ? {
        id: 'cloud',
        status: 'warn',
        title: 'Cloud',
        detail: `${f.cloud.name} (${f.cloud.source}) is not AzureCloud, AzureChinaCloud or AzureUSGovernment, so its hosts were not checked`,
        fix: 'pass --cloud NAME, or --arm-endpoint URL for an ARM-compatible endpoint',
      }
    : { id: 'cloud', status: 'ok', title: 'Cloud', detail: `${f.cloud.name} (${f.cloud.source})` };
  return [cloud, ...lines];
}

function stateLine(f: MachineFacts): DoctorLine[] {
  const s = f.stateDir;
  const title = 'State directory';
  if (s.error)
    return [
      {
        id: 'state-dir',
        status: 'fail',
        title,
        detail: `${s.path}: ${s.error}`,
        fix: 'make it readable and writable by you, or pass --state-dir DIR',
      },
    ];
  if (!s.exists) return [{ id: 'state-dir', status: 'ok', title, detail: `${s.path} (created on the first write)` }];
  const lines: DoctorLine[] = [];
  const mode = s.mode === undefined ? '' : ` mode ${(s.mode & 0o777).toString(8).padStart(3, '0')}`;
  if (s.writable === false)
    lines.push({
      id: 'state-dir',
      status: 'fail',
      title,
      detail: `${s.path}${mode}: not writable by you, so no write can be journalled`,
      fix: `chmod u+rwx ${s.path}, or pass --state-dir DIR`,
    });
  else if (s.mode !== undefined && (s.mode & 0o077) !== 0)
    lines.push({
      id: 'state-dir',
      status: 'warn',
      title,
      detail: `${s.path}${mode}: others can read the journal and transcripts (resource ids, your IP address)`,
      fix: `chmod 700 ${s.path}`,
    });
  else
    lines.push({
      id: 'state-dir',
      status: 'ok',
      title,
      detail: `${s.path}${mode}${s.ownedByMe === false ? ' (owned by another user)' : ''}`,
    });
  if (s.openTemporary.length)
    lines.push({
      id: 'temporary',
      status: 'warn',
      title: 'Temporary changes',
      detail: `still in place: ${s.openTemporary.join(', ')}`,
      fix: 'remove them with "apimkv cleanup --yes" (with the same target flags)',
    });
  return lines;
}

function terminalLines(f: MachineFacts): DoctorLine[] {
  const t = f.terminal;
  const utf8: DoctorLine = t.utf8
    ? { id: 'utf8', status: 'ok', title: 'UTF-8', detail: t.locale ?? 'UTF-8' }
    : {
        id: 'utf8',
        status: 'warn',
        title: 'UTF-8',
        detail: `locale ${t.locale ?? 'unset'} is not UTF-8: symbols and box lines may show as "?"`,
        fix: 'export LANG=C.UTF-8 (or another UTF-8 locale)',
      };
  if (!t.stdoutTTY)
    return [
      {
        id: 'terminal',
        status: 'ok',
        title: 'Terminal',
        detail: 'stdout is not a terminal: the plain commands work; the full-screen runbook needs one',
      },
      utf8,
    ];
  const size = `${t.columns ?? '?'}x${t.rows ?? '?'}`;
  const colours = t.noColor
    ? 'off (NO_COLOR)'
    : t.colorDepth && t.colorDepth > 1
      ? t.colorDepth >= 24
        ? 'true colour'
        : `${2 ** t.colorDepth} colours`
      : 'none';
  const terminal: DoctorLine =
    (t.columns ?? 0) < 80 || (t.rows ?? 0) < 24
      ? {
          id: 'terminal',
          status: 'warn',
          title: 'Terminal',
          detail: `${size} (TERM=${t.term ?? 'unset'}): the full-screen runbook needs 80x24`,
          fix: 'enlarge the window',
        }
      : { id: 'terminal', status: 'ok', title: 'Terminal', detail: `${size} (TERM=${t.term ?? 'unset'}), colours ${colours}` };
  return [terminal, utf8];
}

export function doctorLines(f: MachineFacts): DoctorLine[] {
  return [nodeLine(f), ...azLines(f), credentialLine(f), proxyLine(f), ...hostLines(f), ...stateLine(f), ...terminalLines(f)];
}
