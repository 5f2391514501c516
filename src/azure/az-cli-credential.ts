// The Azure CLI credential, for every kind of az login. An az signed in with a managed identity
// (`az login --identity`) or in Azure Cloud Shell gets tokens only for its own tenant and refuses
// `az account get-access-token --tenant …` outright ("Tenant shouldn't be specified for managed identity
// account" / "… for Cloud Shell account": azure-cli's Profile.get_raw_token, 2.45 and today). The SDK's
// AzureCliCredential adds --tenant whenever a tenant is known (ours, or a Key Vault challenge's), so for
// those accounts it is asked without one, and a token for another tenant is refused here with the reason.
// https://learn.microsoft.com/cli/azure/authenticate-azure-cli (Cloud Shell signs az in for you; managed identity
// sign-in); the refusal itself: azure-cli src/azure-cli-core/azure/cli/core/_profile.py, Profile.get_raw_token.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { AzureCliCredential } from '@azure/identity';
import { ApimkvError } from '../error-model.ts';

/** Accounts whose az refuses --tenant. */
export type OwnTenantAccount = 'managed identity' | 'Cloud Shell';

const REFUSAL = /Tenant shouldn't be specified for (managed identity|Cloud Shell) account/;

/** The tenant a vault or --tenant asks for cannot be reached by this az login; says what would. */
export class OtherTenantError extends ApimkvError {
  override readonly name = 'OtherTenantError';
  declare readonly hint: string;
  constructor(account: OwnTenantAccount, own: string, wanted: string) {
    super(
      'sign-in',
      `az is signed in with a ${account} account of tenant ${own}, which gets tokens only for its own tenant; tenant ${wanted} cannot be reached with it.`,
      {
        hint: `To reach tenant ${wanted}, sign az in there as a user or service principal ("az login --tenant ${wanted}"), or run apimkv with --device-code --tenant ${wanted}.`,
      },
    );
  }
}

function tenantOf(token: string): string | undefined {
  try {
    const tid = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).tid;
    return typeof tid === 'string' ? tid : undefined;
  } catch {
    return undefined;
  }
}

export interface AzCliCredentialOptions {
  tenantId?: string;
  processTimeoutInMs?: number;
  /** Known from `az account show`: skip the refused first try. Otherwise learnt from az's refusal. */
  ownTenantOnly?: OwnTenantAccount;
}

export function azCliCredential(opts: AzCliCredentialOptions): TokenCredential {
  let ownTenantOnly = opts.ownTenantOnly;
  const withTenant = new AzureCliCredential({ tenantId: opts.tenantId, processTimeoutInMs: opts.processTimeoutInMs });
  const withoutTenant = new AzureCliCredential({ processTimeoutInMs: opts.processTimeoutInMs });
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      if (!ownTenantOnly) {
        try {
          return await withTenant.getToken(scopes, options);
        } catch (e) {
          const refused = REFUSAL.exec((e as Error).message ?? '');
          if (!refused) throw e;
          ownTenantOnly = refused[1] as OwnTenantAccount;
        }
      }
      const wanted = options?.tenantId ?? opts.tenantId;
      const { tenantId: _tenant, ...rest } = options ?? {};
      const token = await withoutTenant.getToken(scopes, rest);
      const own = tenantOf(token.token);
      if (wanted && own && wanted.toLowerCase() !== own.toLowerCase()) throw new OtherTenantError(ownTenantOnly, own, wanted);
      return token;
    },
  };
}
