// The shipped worlds, imported as JSON modules so the bundled CLI carries them (no files to find at run time).
import accessPolicyVault from './access-policy-vault.json' with { type: 'json' };
import consumptionTier from './consumption-tier.json' with { type: 'json' };
import deployedByIac from './deployed-by-iac.json' with { type: 'json' };
import everythingBroken from './everything-broken.json' with { type: 'json' };
import healthy from './healthy.json' with { type: 'json' };
import internalVnet from './internal-vnet.json' with { type: 'json' };
import privateEndpoint from './private-endpoint.json' with { type: 'json' };
import uaiBehindFirewall from './uai-behind-firewall.json' with { type: 'json' };
import v2Tier from './v2-tier.json' with { type: 'json' };
// Issue 13's situations, one world each (derived from the worlds above; see docs/domain-corrections.md).
import accessPolicyCertificatesOnly from './situations/access-policy-certificates-only.json' with { type: 'json' };
import v2NoNsg from './situations/v2-no-nsg.json' with { type: 'json' };
import privateEndpointNsgDenyInternet from './situations/private-endpoint-nsg-deny-internet.json' with { type: 'json' };
import publicAccessDisabled from './situations/public-access-disabled.json' with { type: 'json' };
import pemCertificate from './situations/pem-certificate.json' with { type: 'json' };
import ipv6Operator from './situations/ipv6-operator.json' with { type: 'json' };
import customDomainUaiBehindFirewall from './situations/custom-domain-uai-behind-firewall.json' with { type: 'json' };
import policyDeniesGrant from './situations/policy-denies-grant.json' with { type: 'json' };
import uaiReferenceBehindFirewall from './situations/uai-reference-behind-firewall.json' with { type: 'json' };
import renewedVersionPinned from './situations/renewed-version-pinned.json' with { type: 'json' };
import namedValueAccessLost from './situations/named-value-access-lost.json' with { type: 'json' };
import serviceEndpointOtherVault from './situations/service-endpoint-other-vault.json' with { type: 'json' };
import otherSubscriptionVault from './situations/other-subscription-vault.json' with { type: 'json' };
import workspaces from './situations/workspaces.json' with { type: 'json' };
// The target vault soft-deleted and recoverable (issue 14: the deleted-vault reads on the wire).
import deletedVault from './situations/deleted-vault.json' with { type: 'json' };
import otherSubscriptionVaultNetwork from './situations/other-subscription-vault-network.json' with { type: 'json' };
import gatewayRetirementControlPlane from './situations/gateway-retirement-control-plane.json' with { type: 'json' };
import consumptionFirewalledVault from './situations/consumption-firewalled-vault.json' with { type: 'json' };
import pfxUploadAes from './situations/pfx-upload-aes.json' with { type: 'json' };
import privateEndpointNoDnsZone from './situations/private-endpoint-no-dns-zone.json' with { type: 'json' };
import vaultTenantMismatch from './situations/vault-tenant-mismatch.json' with { type: 'json' };
import disabledSecretVersion from './situations/disabled-secret-version.json' with { type: 'json' };
import firewallBypassOff from './situations/firewall-bypass-off.json' with { type: 'json' };
import unreadableOtherVault from './situations/unreadable-other-vault.json' with { type: 'json' };
import networkSecurityPerimeter from './situations/network-security-perimeter.json' with { type: 'json' };

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
  'access-policy-certificates-only': accessPolicyCertificatesOnly,
  'v2-no-nsg': v2NoNsg,
  'private-endpoint-nsg-deny-internet': privateEndpointNsgDenyInternet,
  'public-access-disabled': publicAccessDisabled,
  'pem-certificate': pemCertificate,
  'ipv6-operator': ipv6Operator,
  'custom-domain-uai-behind-firewall': customDomainUaiBehindFirewall,
  'policy-denies-grant': policyDeniesGrant,
  'uai-reference-behind-firewall': uaiReferenceBehindFirewall,
  'renewed-version-pinned': renewedVersionPinned,
  'named-value-access-lost': namedValueAccessLost,
  'deployed-by-iac': deployedByIac,
  'service-endpoint-other-vault': serviceEndpointOtherVault,
  'other-subscription-vault': otherSubscriptionVault,
  workspaces,
  'deleted-vault': deletedVault,
  'other-subscription-vault-network': otherSubscriptionVaultNetwork,
  'gateway-retirement-control-plane': gatewayRetirementControlPlane,
  'consumption-firewalled-vault': consumptionFirewalledVault,
  'pfx-upload-aes': pfxUploadAes,
  'private-endpoint-no-dns-zone': privateEndpointNoDnsZone,
  'vault-tenant-mismatch': vaultTenantMismatch,
  'disabled-secret-version': disabledSecretVersion,
  'firewall-bypass-off': firewallBypassOff,
  'unreadable-other-vault': unreadableOtherVault,
  'network-security-perimeter': networkSecurityPerimeter,
};

/** The names `--world` accepts besides a file path; the first is the demo default. */
export const WORLD_NAMES: readonly string[] = Object.keys(SHIPPED_WORLDS);
