// What the Azure CLI already knows (default subscription, tenant, active cloud), so an SRE who is logged
// in with `az` needs no flags. Runs `az` without a shell; a missing or logged-out az is not an error here.
import { execFile } from 'node:child_process';
import type { OwnTenantAccount } from './az-cli-credential.ts';

/** The Azure CLI's current account, as `az account show` reports it. */
export interface AzAccount {
  subscriptionId: string;
  tenantId?: string;
  /** `az cloud` name: AzureCloud, AzureChinaCloud, AzureUSGovernment, … */
  cloudName?: string;
  user?: string;
  /** `user.type`: user or servicePrincipal (a managed identity is a servicePrincipal). */
  userType?: string;
  /** Set when az refuses `--tenant` for this account: `az login --identity`, or Azure Cloud Shell. */
  ownTenantOnly?: OwnTenantAccount;
}

interface AccountJson {
  id?: string;
  tenantId?: string;
  environmentName?: string;
  user?: { name?: string; type?: string; cloudShellID?: boolean };
}

/**
 * The account kinds azure-cli's Profile.get_raw_token refuses `--tenant` for: a managed identity
 * (user.name systemAssignedIdentity / userAssignedIdentity, what `az login --identity` writes), and
 * Cloud Shell's account (user.cloudShellID).
 */
export function ownTenantAccount(user: AccountJson['user']): OwnTenantAccount | undefined {
  if (user?.name === 'systemAssignedIdentity' || user?.name === 'userAssignedIdentity') return 'managed identity';
  if (user?.cloudShellID === true) return 'Cloud Shell';
  return undefined;
}

export function azAccount(timeoutMs = 10_000): Promise<AzAccount | undefined> {
  return new Promise((resolve) => {
    execFile('az', ['account', 'show', '--output', 'json'], { timeout: timeoutMs, windowsHide: true }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const a = JSON.parse(stdout) as AccountJson;
        const own = ownTenantAccount(a.user);
        resolve(
          a.id
            ? {
                subscriptionId: a.id,
                tenantId: a.tenantId,
                cloudName: a.environmentName,
                user: a.user?.name,
                userType: a.user?.type,
                ...(own ? { ownTenantOnly: own } : {}),
              }
            : undefined,
        );
      } catch {
        resolve(undefined);
      }
    });
  });
}
