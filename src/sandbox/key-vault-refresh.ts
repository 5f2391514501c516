// API Management re-reads its Key Vault references on its own schedule, whether or not anyone calls it: certificates
// and named values "within four hours" (api-management-howto-use-managed-service-identity, api-management-howto-properties;
// "API Management now refreshes certificates from Azure Key Vault every 4 hours, instead of every 24 hours",
// https://azure.microsoft.com/updates/azure-api-management-update-april-19/), custom-domain certificates on the
// same 4-hour default here; configure-custom-domain's troubleshooting allows "several hours or longer" (up to
// 1-2 days) for a hostname, which a world sets with keyVaultRefresh.hostnamesMs. The schedule runs on the sandbox's
// clock: the first re-fetch is one interval after start (a world's timestamps are not replayed), then every interval.
import { fetchContext } from './http.ts';
import { periodicFetch } from './providers/apim.ts';
import type { SandboxState } from './state.ts';
import type { KeyVaultRefreshSettings } from './types.ts';

/** Four hours, API Management's documented interval. */
export const DEFAULT_REFRESH_MS = 4 * 3_600_000;

export class KeyVaultRefresh {
  private readonly due: Record<'references' | 'hostnames', number>;
  private readonly every: Record<'references' | 'hostnames', number>;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: SandboxState,
    private readonly clock: () => number,
    settings: KeyVaultRefreshSettings = {},
  ) {
    this.every = {
      references: settings.referencesMs ?? DEFAULT_REFRESH_MS,
      hostnames: settings.hostnamesMs ?? DEFAULT_REFRESH_MS,
    };
    const start = clock();
    this.due = { references: start + this.every.references, hostnames: start + this.every.hostnames };
    // With the real clock the schedule keeps itself; an injected clock is swept on each request, as LROs are.
    const shortest = Math.min(this.every.references, this.every.hostnames);
    if (shortest > 0 && shortest < 2 ** 31) {
      this.timer = setInterval(() => this.sweep(), shortest);
      this.timer.unref();
    }
  }

  /** Run every re-fetch whose time has come (once, however many intervals have passed), and schedule the next. */
  sweep(): void {
    const now = this.clock();
    for (const what of ['references', 'hostnames'] as const) {
      const every = this.every[what];
      if (every <= 0 || now < this.due[what]) continue;
      periodicFetch(fetchContext(this.state), what);
      this.due[what] += every * (Math.floor((now - this.due[what]) / every) + 1);
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
