// The fleet as the audit sees it: Resource Graph rows for instances and vaults, plus the Key Vault
// references read from each instance over ARM (Resource Graph has no APIM child resources). Plain data:
// the findings are pure functions of it.
import type { AzureErrorInfo } from '../run-types.ts';
import type { RuleReference } from '../reference-rules.ts';
import type { WorkspaceName } from '../workspaces.ts';

export interface FleetIdentity {
  clientId?: string;
  principalId?: string;
}

/** One API Management instance, as the APIM_INSTANCES query projects it. */
export interface FleetInstance {
  id: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  location?: string;
  sku: string;
  identityType: string;
  principalId?: string;
  /** User-assigned identities by resource id. */
  uais?: Record<string, FleetIdentity> | null;
  vnetType?: string;
  subnetId?: string;
  publicIPs?: string[] | null;
  /** The DisableOverPrivilegedAccess custom property ("True" once the gateway no longer needs the bypass). */
  noTrusted?: string;
  hostnames?: FleetHostname[] | null;
}

export interface FleetHostname {
  type?: string;
  hostName?: string;
  keyVaultId?: string | null;
  identityClientId?: string | null;
  certificateSource?: string;
  certificateStatus?: string;
  certificate?: { expiry?: string; thumbprint?: string; subject?: string } | null;
}

/** One key vault, as the KEY_VAULTS query projects it. */
export interface FleetVault {
  id: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  vaultUri: string;
  rbac?: boolean | null;
  pna?: string;
  defaultAction?: string;
  bypass?: string;
  ipRules?: { value?: string }[] | null;
  vnetRules?: { id?: string }[] | null;
  peCount?: number | null;
  softDelete?: boolean | null;
  purgeProtection?: boolean | null;
}

export type ReferenceKind = RuleReference['kind'];

/** One Key Vault reference of an instance: the shape the per-reference rules judge (reference-rules.ts). */
export type FleetReference = RuleReference;

export interface FleetInstanceFacts {
  instance: FleetInstance;
  references: FleetReference[];
  /** The ARM lists that could not be read (the references are then incomplete). */
  errors: { what: string; error: AzureErrorInfo }[];
  /** The instance's workspaces (read on the tiers that offer them; absent when not read). */
  workspaces?: WorkspaceName[];
}

export interface FleetFacts {
  instances: FleetInstanceFacts[];
  vaults: FleetVault[];
  /** Resource Graph queries whose result was truncated (the fleet is incomplete). */
  truncated: string[];
  /** When the facts were read (ISO). */
  readAt: string;
  stats: { graphPages: number; armLists: number; requests: number; throttled: number; ms: number };
}

export type AuditSeverity = 'fail' | 'unknown' | 'warn' | 'info';

export type AuditKind =
  | 'refresh-failed'
  | 'expired'
  | 'expiring'
  | 'versioned-identifier'
  | 'uai-behind-firewall'
  | 'no-identity'
  | 'soft-delete-off'
  | 'purge-protection-off'
  | 'gateway-bypass'
  | 'hostname-bypass-only'
  | 'vault-not-visible'
  | 'unreadable'
  | 'workspaces'
  | 'fleet-truncated';

export interface AuditFinding {
  kind: AuditKind;
  severity: AuditSeverity;
  /** Instance id ('' for fleet-wide findings). */
  instanceId: string;
  instance: string;
  subscriptionId: string;
  resourceGroup: string;
  /** "certificate kv-cert-1", "named value backend-key", "hostname api.contoso.com", or "" for instance-level. */
  reference: string;
  vault: string;
  message: string;
  /** When the finding is about time (expiry), the date. */
  date?: string;
  docs?: string;
}

/** An audit as read and judged: the fleet's facts, the findings, and the scope in words. */
export interface AuditResult {
  facts: FleetFacts;
  findings: AuditFinding[];
  scope: AuditScopeText;
}

/** How far the fleet read has got. */
export interface AuditProgress {
  done: number;
  total: number;
  /** Set while a 429 holds new calls back. */
  throttledMs?: number;
}

export interface AuditScopeText {
  cloud: string;
  subscriptions: string[];
  managementGroups: string[];
  days: number;
}
