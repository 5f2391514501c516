// The target flags taken apart (--service-id, --vault as a name or id), and the usage error they raise.
// Kept apart from connect.ts so the picker can read the flags before the first frame without loading the
// engine, the checks and node-forge behind connect.ts.
import type { TargetFlags } from './run-config.ts';
import type { Target } from '../checks/ports.ts';

import { ConnectError } from '../error-model.ts';

export { ConnectError };

const SERVICE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ApiManagement\/service\/([^/]+)\/?$/i;

/** --service-id taken apart, or a usage error that shows the expected shape. */
export function parseServiceId(id: string): { subscriptionId: string; resourceGroup: string; name: string } {
  const m = SERVICE_ID.exec(id.trim());
  if (!m)
    throw new ConnectError(
      `"${id}" is not an API Management id: expected /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ApiManagement/service/<name>.`,
    );
  return { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! };
}

const VAULT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)\/?$/i;

/** --vault as a name (with --vault-resource-group) or a resource id, which may name another subscription. */
export function vaultOption(options: Pick<TargetFlags, 'vault' | 'vaultResourceGroup'>): Target['vault'] | undefined {
  if (!options.vault) return undefined;
  if (!options.vault.startsWith('/'))
    return { name: options.vault, ...(options.vaultResourceGroup ? { resourceGroup: options.vaultResourceGroup } : {}) };
  const m = VAULT_ID.exec(options.vault.trim());
  if (!m)
    throw new ConnectError(
      `"${options.vault}" is not a key vault id: expected /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>, or just the vault's name.`,
    );
  return { name: m[3]!, resourceGroup: m[2]!, subscriptionId: m[1]! };
}
