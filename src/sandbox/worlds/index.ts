// The shipped worlds, imported as JSON modules so the bundled CLI carries them (no files to find at run time).
import accessPolicyVault from './access-policy-vault.json' with { type: 'json' };
import consumptionTier from './consumption-tier.json' with { type: 'json' };
import everythingBroken from './everything-broken.json' with { type: 'json' };
import healthy from './healthy.json' with { type: 'json' };
import internalVnet from './internal-vnet.json' with { type: 'json' };
import privateEndpoint from './private-endpoint.json' with { type: 'json' };
import uaiBehindFirewall from './uai-behind-firewall.json' with { type: 'json' };
import v2Tier from './v2-tier.json' with { type: 'json' };

/** Shipped worlds by name (validated when loaded, not here). */
export const SHIPPED_WORLDS: Readonly<Record<string, unknown>> = {
  'everything-broken': everythingBroken,
  healthy,
  'access-policy-vault': accessPolicyVault,
  'uai-behind-firewall': uaiBehindFirewall,
  'private-endpoint': privateEndpoint,
  'internal-vnet': internalVnet,
  'v2-tier': v2Tier,
  'consumption-tier': consumptionTier,
};

/** The names `--world` accepts besides a file path; the first is the demo default. */
export const WORLD_NAMES: readonly string[] = Object.keys(SHIPPED_WORLDS);
