// What the Azure CLI already knows (default subscription, tenant, active cloud), so an SRE who is logged
// in with `az` needs no flags. Runs `az` without a shell; a missing or logged-out az is not an error here.
import { execFile } from 'node:child_process';

/** The Azure CLI's current account, as `az account show` reports it. */
export interface AzAccount {
  subscriptionId: string;
  tenantId?: string;
  /** `az cloud` name: AzureCloud, AzureChinaCloud, AzureUSGovernment, … */
  cloudName?: string;
  user?: string;
}

export function azAccount(timeoutMs = 10_000): Promise<AzAccount | undefined> {
  return new Promise((resolve) => {
    execFile('az', ['account', 'show', '--output', 'json'], { timeout: timeoutMs, windowsHide: true }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const a = JSON.parse(stdout) as { id?: string; tenantId?: string; environmentName?: string; user?: { name?: string } };
        resolve(a.id ? { subscriptionId: a.id, tenantId: a.tenantId, cloudName: a.environmentName, user: a.user?.name } : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}
