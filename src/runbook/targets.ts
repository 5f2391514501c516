// What the target picker offers (subscription -> API Management instance -> key vault) and the last
// choice per tenant, so the next run at 3 a.m. starts with the cursor on yesterday's instance.
import { readFileSync } from 'node:fs';
import type { Target } from '../checks/ports.ts';
import { writePrivateFile } from './private-files.ts';

export interface SubscriptionChoice {
  subscriptionId: string;
  name: string;
}

export interface ResourceChoice {
  id: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  location?: string;
}

/** The last target chosen in a tenant, by resource ids. */
export interface RememberedTarget {
  subscriptionId: string;
  apimId: string;
  vaultId: string;
}

export interface TargetSource {
  subscriptions(signal?: AbortSignal): Promise<SubscriptionChoice[]>;
  instances(subscriptionId: string, signal?: AbortSignal): Promise<ResourceChoice[]>;
  vaults(signal?: AbortSignal): Promise<ResourceChoice[]>;
  /** The tenant's last choice, if any. */
  remembered(): Promise<RememberedTarget | undefined>;
  remember(choice: RememberedTarget): Promise<void>;
}

/** The picked resources as the engine's target. */
export function targetOf(apim: ResourceChoice, vault: ResourceChoice): Target {
  return {
    subscriptionId: apim.subscriptionId,
    apim: { resourceGroup: apim.resourceGroup, name: apim.name },
    vault: {
      name: vault.name,
      resourceGroup: vault.resourceGroup,
      ...(vault.subscriptionId.toLowerCase() !== apim.subscriptionId.toLowerCase() ? { subscriptionId: vault.subscriptionId } : {}),
    },
  };
}

/** Choices per tenant in one small JSON file; a missing or unreadable file is an empty memory. */
export class TargetMemory {
  constructor(private readonly path: string | undefined) {}

  read(tenantId: string): RememberedTarget | undefined {
    if (!this.path) return undefined;
    try {
      const all = JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, RememberedTarget>;
      const hit = all[tenantId.toLowerCase()];
      return hit && typeof hit.apimId === 'string' && typeof hit.vaultId === 'string' ? hit : undefined;
    } catch {
      return undefined;
    }
  }

  write(tenantId: string, choice: RememberedTarget): void {
    if (!this.path) return;
    let all: Record<string, RememberedTarget> = {};
    try {
      all = JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, RememberedTarget>;
    } catch {
      // First choice, or a damaged file: start again rather than refuse to remember.
    }
    all[tenantId.toLowerCase()] = choice;
    writePrivateFile(this.path, `${JSON.stringify(all, null, 2)}\n`);
  }
}
