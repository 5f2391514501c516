// The Azure clouds the sandbox answers as, told apart by the Host a request came in on. Worlds are written
// once, in the sandbox's own names (vaults at *.vault.localhost, everything else as in the public cloud), and
// translated at the edge: a client that reaches the sandbox as management.chinacloudapi.cn sees China's
// vault hosts, private DNS zone and challenge, as it would in that cloud. One world then serves every cloud,
// and the log shows which cloud each client really called. (Kept apart from src/azure/cloud.ts on purpose:
// the sandbox must not take the product's word for what a cloud looks like; these are domain.md §2.12.)

export interface SandboxCloud {
  name: string;
  /** ARM host; undefined for the sandbox's own endpoint (127.0.0.1 / localhost). */
  armHost?: string;
  vaultSuffix: string;
  /** Entra authority host, named in 401 challenges. */
  authority: string;
  /** Other names of the same authority that clients use (MSAL prefers login.partner.microsoftonline.cn in China). */
  authorityAliases?: string[];
  privateDnsZone: string;
  apimSuffix: string;
}

const LOCAL: SandboxCloud = {
  name: 'Sandbox',
  vaultSuffix: '.vault.localhost',
  authority: 'https://login.microsoftonline.com',
  privateDnsZone: 'privatelink.vaultcore.azure.net',
  apimSuffix: '.azure-api.net',
};

export const CLOUDS: SandboxCloud[] = [
  {
    name: 'AzureCloud',
    armHost: 'management.azure.com',
    vaultSuffix: '.vault.azure.net',
    authority: 'https://login.microsoftonline.com',
    privateDnsZone: 'privatelink.vaultcore.azure.net',
    apimSuffix: '.azure-api.net',
  },
  {
    name: 'AzureChinaCloud',
    armHost: 'management.chinacloudapi.cn',
    vaultSuffix: '.vault.azure.cn',
    authority: 'https://login.chinacloudapi.cn',
    authorityAliases: ['login.partner.microsoftonline.cn'],
    privateDnsZone: 'privatelink.vaultcore.azure.cn',
    apimSuffix: '.azure-api.cn',
  },
  {
    name: 'AzureUSGovernment',
    armHost: 'management.usgovcloudapi.net',
    vaultSuffix: '.vault.usgovcloudapi.net',
    authority: 'https://login.microsoftonline.us',
    privateDnsZone: 'privatelink.vaultcore.usgovcloudapi.net',
    apimSuffix: '.azure-api.us',
  },
];

/** What the TLS certificate must cover for clients that reach the sandbox under the clouds' own names. */
export const CLOUD_HOSTNAMES = CLOUDS.flatMap((c) => [
  c.armHost!,
  `*${c.vaultSuffix}`,
  new URL(c.authority).host,
  ...(c.authorityAliases ?? []),
]);

const hostname = (host: string) => host.replace(/:\d+$/, '').toLowerCase();

/** The cloud a Host header belongs to (its ARM host or a vault under its suffix); the sandbox's own otherwise. */
export function cloudOfHost(host: string): SandboxCloud {
  const h = hostname(host);
  return CLOUDS.find((c) => h === c.armHost || h.endsWith(c.vaultSuffix)) ?? LOCAL;
}

/** The vault a data-plane Host names (`<vault><suffix>` of any cloud or the sandbox), else undefined. */
export function vaultOfHost(host: string): string | undefined {
  const h = hostname(host);
  const suffix = [LOCAL, ...CLOUDS].find((c) => h.endsWith(c.vaultSuffix))?.vaultSuffix;
  const name = suffix ? h.slice(0, -suffix.length) : '';
  return /^[a-z0-9-]+$/.test(name) ? name : undefined;
}

/** The resource a vault host's bearer challenge names, e.g. https://vault.azure.cn. */
export const vaultResource = (cloud: SandboxCloud) => `https://${cloud.vaultSuffix.slice(1)}`;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pairs = (cloud: SandboxCloud): [string, string][] => [
  [LOCAL.vaultSuffix, cloud.vaultSuffix],
  [LOCAL.privateDnsZone, cloud.privateDnsZone],
  [LOCAL.apimSuffix, cloud.apimSuffix],
];

/** World names → the cloud's (JSON text). A vault host loses the sandbox port: in a cloud it is on 443. */
export function toCloud(text: string, cloud: SandboxCloud): string {
  if (cloud === LOCAL) return text;
  return pairs(cloud).reduce((t, [from, to]) => t.replace(new RegExp(`${escape(from)}(?::\\d+)?`, 'gi'), to), text);
}

/** The cloud's names → the world's, so what a client writes is stored as the world spells it. */
export function fromCloud(text: string, cloud: SandboxCloud): string {
  if (cloud === LOCAL) return text;
  return pairs(cloud).reduce((t, [from, to]) => t.replace(new RegExp(escape(to), 'gi'), from), text);
}
