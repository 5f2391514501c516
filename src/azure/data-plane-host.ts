// A vault's data-plane URI comes from ARM (vaultUri: remote data), and every request to it carries a Key Vault
// token once the vault challenges. So only https://<vault name>.<the cloud's vault suffix> on the default port is
// ever contacted (the sandbox serves every vault on its own port), checked before a client exists: a URI that
// points elsewhere gets no connection, no request and no token.
// Suffixes: https://learn.microsoft.com/azure/key-vault/about-keys-secrets-and-certificates#object-identifiers
// Vault names: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftkeyvault
import type { CloudProfile } from './cloud.ts';
import { AzureCallError } from './errors.ts';

const VAULT_NAME = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/i;

/** The port a vault answers on: 443 in Azure, the emulator's own port in the sandbox. */
function vaultPort(profile: CloudProfile): string {
  return profile.sandbox ? new URL(profile.armEndpoint).port : '';
}

/** Why apimkv will not talk to this vault URI, or undefined. */
export function vaultUriProblem(profile: CloudProfile, vaultUri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(vaultUri);
  } catch {
    return 'is not a URL';
  }
  const suffix = profile.kvDnsSuffix.toLowerCase();
  const host = url.hostname.toLowerCase();
  const name = host.endsWith(suffix) ? host.slice(0, -suffix.length) : undefined;
  const port = vaultPort(profile);
  if (url.protocol !== 'https:') return 'does not use https';
  if (url.username || url.password) return 'carries a user name or password';
  if (name === undefined || !VAULT_NAME.test(name)) return `is not a vault under ${suffix} (https://<vault name>${suffix}/)`;
  if (url.port !== port) return port ? `is not on port ${port}` : `names port ${url.port}; Key Vault answers on 443`;
  if (url.pathname !== '/' || url.search || url.hash) return 'has a path, query or fragment';
  return undefined;
}

/** Throws (naming the URI) when vaultUriProblem finds one. */
export function requireVaultUri(profile: CloudProfile, vaultUri: string): void {
  const problem = vaultUriProblem(profile, vaultUri);
  if (!problem) return;
  throw new AzureCallError({
    kind: 'Unknown',
    code: 'VaultUriRefused',
    message: `The vault URI ${JSON.stringify(vaultUri)} ${problem}: apimkv sent it no request and no token.`,
    hint: `ARM gave this vaultUri; a key vault's own is https://<vault name>${profile.kvDnsSuffix}/. Check the vault (az keyvault show --query properties.vaultUri) and the cloud (--cloud).`,
  });
}
