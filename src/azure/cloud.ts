// Which Azure cloud we talk to. Every client gets its endpoint AND token scope from here explicitly:
// several SDK clients ignore `cloudSetting` or default to the public-cloud scope (domain.md §0.7, §4.2).
import { UsageError } from '../error-model.ts';
import type { CloudName } from '../checks/facts.ts';

/** Endpoints, token scopes and DNS suffixes of one Azure cloud (domain.md §2.12). */
export interface CloudProfile {
  name: CloudName;
  /** Shown to people: "AzureCloud", "Sandbox", or the custom endpoint. */
  label: string;
  /** ARM base URL without trailing slash, e.g. https://management.azure.com */
  armEndpoint: string;
  /** Token scope for ARM, e.g. https://management.azure.com/.default */
  armScope: string;
  /** Entra authority host, e.g. https://login.microsoftonline.com */
  authorityHost: string;
  /** Key Vault data-plane host suffix with leading dot, e.g. .vault.azure.net */
  kvDnsSuffix: string;
  /** Key Vault data-plane scope (the SDK follows the vault's challenge; kept for az lines and checks). */
  kvScope: string;
  /** Private DNS zone that serves vaults over Private Link. */
  kvPrivateDnsZone: string;
  /** APIM default host suffix with leading dot, e.g. .azure-api.net */
  apimHostSuffix: string;
  /** True for the local emulator. */
  sandbox: boolean;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function profile(
  name: CloudName,
  label: string,
  armEndpoint: string,
  rest: Omit<CloudProfile, 'name' | 'label' | 'armEndpoint' | 'armScope' | 'sandbox'>,
): CloudProfile {
  const arm = trimSlash(armEndpoint);
  return { name, label, armEndpoint: arm, armScope: `${arm}/.default`, sandbox: false, ...rest };
}

export const AZURE_PUBLIC_CLOUD: CloudProfile = profile('AzureCloud', 'AzureCloud', 'https://management.azure.com', {
  authorityHost: 'https://login.microsoftonline.com',
  kvDnsSuffix: '.vault.azure.net',
  kvScope: 'https://vault.azure.net/.default',
  kvPrivateDnsZone: 'privatelink.vaultcore.azure.net',
  apimHostSuffix: '.azure-api.net',
});

export const AZURE_CHINA_CLOUD: CloudProfile = profile('AzureChinaCloud', 'AzureChinaCloud', 'https://management.chinacloudapi.cn', {
  authorityHost: 'https://login.chinacloudapi.cn',
  kvDnsSuffix: '.vault.azure.cn',
  kvScope: 'https://vault.azure.cn/.default',
  kvPrivateDnsZone: 'privatelink.vaultcore.azure.cn',
  apimHostSuffix: '.azure-api.cn',
});

export const AZURE_US_GOVERNMENT: CloudProfile = profile('AzureUSGovernment', 'AzureUSGovernment', 'https://management.usgovcloudapi.net', {
  authorityHost: 'https://login.microsoftonline.us',
  kvDnsSuffix: '.vault.usgovcloudapi.net',
  kvScope: 'https://vault.usgovcloudapi.net/.default',
  kvPrivateDnsZone: 'privatelink.vaultcore.usgovcloudapi.net',
  apimHostSuffix: '.azure-api.us',
});

const BY_AZ_NAME: Record<string, CloudProfile> = {
  azurecloud: AZURE_PUBLIC_CLOUD,
  azurechinacloud: AZURE_CHINA_CLOUD,
  azureusgovernment: AZURE_US_GOVERNMENT,
};

function requireHttps(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`"${endpoint}" is not a URL: give the ARM endpoint as https://host[:port].`);
  }
  // The SDK's bearer-token policy refuses plain http (testing-notes §1.2): fail here with a clear word instead.
  if (url.protocol !== 'https:')
    throw new UsageError(`The ARM endpoint must use https:// (got "${endpoint}"): tokens are never sent over plain http.`);
  return url;
}

/** A cloud reached through another ARM endpoint (Azure Stack, a proxy); public-cloud values unless overridden. */
export function customCloud(endpoint: string, overrides: Partial<Omit<CloudProfile, 'name' | 'armEndpoint'>> = {}): CloudProfile {
  requireHttps(endpoint);
  const arm = trimSlash(endpoint);
  return {
    ...AZURE_PUBLIC_CLOUD,
    label: arm,
    ...overrides,
    name: 'Custom',
    armEndpoint: arm,
    armScope: overrides.armScope ?? `${arm}/.default`,
  };
}

/** The local emulator: ARM at `endpoint`, vaults at https://<vault>.vault.localhost:<port>/. */
export function sandboxCloud(endpoint: string): CloudProfile {
  const arm = trimSlash(endpoint);
  return customCloud(arm, {
    label: 'Sandbox',
    // The emulator is also the tenant's Entra ID (device code sign-in), at the same address.
    authorityHost: arm,
    kvDnsSuffix: '.vault.localhost',
    kvScope: 'https://vault.localhost/.default',
    // Private endpoints are ARM resources, not DNS lookups: the emulator keeps the public cloud's zone.
    kvPrivateDnsZone: 'privatelink.vaultcore.azure.net',
    apimHostSuffix: '.azure-api.localhost',
    sandbox: true,
  });
}

/** The profile for a name as `az cloud show --query name` prints it (case-insensitive). */
export function cloudFromAzCliName(name: string): CloudProfile {
  const found = BY_AZ_NAME[name.trim().toLowerCase()];
  if (!found) {
    throw new UsageError(
      `Unknown cloud "${name}". Pass --cloud AzureCloud, AzureChinaCloud or AzureUSGovernment (or run "az cloud set --name <cloud>").`,
    );
  }
  return found;
}
