// The per-reference rules, once: the runbook (CERT-HOSTNAME, CERT-VERSIONED, FW-IDENTITY and PRE-MI per pair) and the
// fleet audit both ask these functions what is wrong with a Key Vault reference, each over its own facts mapped to the
// small shapes below, so the two cannot disagree about a reference again.
import { daysUntil } from './dates.ts';

/** A vault's network posture, as ARM (VaultFacts) and Resource Graph (the audit's rows) both report it. */
export interface VaultPosture {
  publicNetworkAccess?: string;
  defaultAction?: string;
  bypass?: string;
}

/** The instance's identities, as far as the rules need them. */
export interface InstanceIdentities {
  hasSystemIdentity: boolean;
  userAssignedClientIds: readonly string[];
}

/** One Key Vault reference, as both the runbook's Reference and the audit's FleetReference carry it. */
export interface RuleReference {
  kind: 'certificate' | 'named value' | 'hostname';
  /** Certificate id, named value id, or host name. */
  name: string;
  secretIdentifier: string;
  identityClientId?: string;
  lastStatus?: { code: string; message?: string; timeStampUtc?: string };
  /** Certificates: the cached certificate's expiry; hostnames: certificate.expiry. */
  expirationDate?: string;
  /** Hostnames: Completed | Failed | InProgress. */
  certificateStatus?: string;
}

export type ReferenceRule =
  | 'refresh-failed'
  | 'versioned-identifier'
  | 'expired'
  | 'expiring'
  | 'no-identity'
  | 'vault-not-visible'
  | 'uai-behind-firewall'
  | 'hostname-bypass-only';

/** What a rule found about one reference. `severity` is the rule's own; callers render, never re-judge it. */
export interface RuleVerdict {
  rule: ReferenceRule;
  severity: 'fail' | 'warn' | 'unknown';
  /** Rule-specific detail: the pinned version, the days left or past, whether the bypass is on. */
  version?: string;
  days?: number;
  bypass?: boolean;
}

/**
 * Firewall on: public access off (or a perimeter), or the ACL denies by default
 * (https://learn.microsoft.com/azure/key-vault/general/network-security).
 */
export function firewalled(p: VaultPosture): boolean {
  return (
    p.publicNetworkAccess === 'Disabled' ||
    p.publicNetworkAccess === 'SecuredByPerimeter' ||
    (p.defaultAction ?? '').toLowerCase() === 'deny'
  );
}

/**
 * The trusted-services exception in force: ARM's default bypass is AzureServices, and a network security perimeter
 * overrides it (https://learn.microsoft.com/azure/key-vault/general/network-security#key-vault-firewall-enabled-trusted-services-only).
 */
export function bypassInForce(p: VaultPosture): boolean {
  return p.publicNetworkAccess !== 'SecuredByPerimeter' && (p.bypass || 'AzureServices').toLowerCase().includes('azureservices');
}

const IDENTIFIER = /^https:\/\/([^/:?#]+)(?::\d+)?\/(secrets|certificates)\/([^/?#]+)(?:\/([^/?#]+))?\/?$/i;

/** Host (lower-case, no port), object name and version of a Key Vault identifier; undefined when it is not one. */
export function splitIdentifier(identifier: string): { host: string; name: string; version?: string } | undefined {
  const m = IDENTIFIER.exec(identifier.trim());
  return m ? { host: m[1]!.toLowerCase(), name: m[3]!, ...(m[4] ? { version: m[4] } : {}) } : undefined;
}

/** Did the reference's last fetch fail? (Hostnames report a certificate status; the others a last status.) */
export function refreshFailed(ref: RuleReference): boolean {
  return ref.kind === 'hostname'
    ? ref.certificateStatus?.toLowerCase() === 'failed'
    : !!ref.lastStatus && ref.lastStatus.code !== 'Success';
}

/** Is the identity the reference names attached to the instance? */
export function identityAttached(ref: RuleReference, identities: InstanceIdentities): boolean {
  if (!ref.identityClientId) return identities.hasSystemIdentity;
  const id = ref.identityClientId.toLowerCase();
  return identities.userAssignedClientIds.some((c) => c.toLowerCase() === id);
}

/**
 * Every rule's verdict on one reference. `vault` undefined: the vault was not visible (its rules are not evaluated).
 * - user-assigned identity behind the firewall: only the system-assigned identity gets the trusted-services exception
 *   (https://learn.microsoft.com/azure/api-management/api-management-howto-use-managed-service-identity);
 * - custom domains behind the firewall need the exception even with a line of sight
 *   (https://learn.microsoft.com/azure/api-management/configure-custom-domain);
 * - a pinned version never picks up a renewal
 *   (https://learn.microsoft.com/azure/api-management/api-management-howto-mutual-certificates).
 */
export function referenceVerdicts(
  ref: RuleReference,
  identities: InstanceIdentities,
  vault: VaultPosture | undefined,
  now: string,
  expiringWithinDays: number,
): RuleVerdict[] {
  const out: RuleVerdict[] = [];
  if (refreshFailed(ref)) out.push({ rule: 'refresh-failed', severity: 'fail' });
  const version = splitIdentifier(ref.secretIdentifier)?.version;
  if (version) out.push({ rule: 'versioned-identifier', severity: 'warn', version });
  const left = daysUntil(ref.expirationDate, now);
  if (left !== undefined && left < 0) out.push({ rule: 'expired', severity: 'fail', days: left });
  else if (left !== undefined && left <= expiringWithinDays) out.push({ rule: 'expiring', severity: 'warn', days: left });
  if (!identityAttached(ref, identities)) out.push({ rule: 'no-identity', severity: 'fail' });
  if (!vault) {
    out.push({ rule: 'vault-not-visible', severity: 'unknown' });
    return out;
  }
  if (ref.identityClientId && firewalled(vault)) out.push({ rule: 'uai-behind-firewall', severity: 'fail' });
  if (ref.kind === 'hostname' && firewalled(vault)) {
    const bypass = bypassInForce(vault);
    out.push({ rule: 'hostname-bypass-only', severity: bypass ? 'warn' : 'fail', bypass });
  }
  return out;
}
