import type { Secret } from './secret.ts';

/** The runbook's steps, in the order of Microsoft's documents. */
export type StepId = 'context' | 'prerequisites' | 'access' | 'firewall' | 'network' | 'certificate';

export type Status = 'pass' | 'warn' | 'fail' | 'unknown' | 'skipped' | 'info';

/** One check's verdict, in plain words, with the evidence behind it and (when it failed) a fix. */
export interface Finding {
  checkId: string;
  step: StepId;
  status: Status;
  title: string;
  /** Plain words: what is wrong (or right) and why it matters. */
  cause: string;
  /** Ids and values that support the verdict, one per line. */
  evidence: string[];
  docLink?: string;
  fix?: FixPlan;
  /** When status is 'unknown': the permission that would have let us read the fact. */
  missingAction?: string;
  /** For a finding about one (identity, vault) pair in use: the identity and vault by name, and the references using them. */
  about?: { identity: string; vault: string; references: string[] };
}

/** An NSG security rule to create, in ARM's property names. */
export interface NsgRuleSpec {
  priority: number;
  direction: 'Outbound' | 'Inbound';
  access: 'Allow' | 'Deny';
  protocol: 'Tcp' | 'Udp' | '*';
  sourceAddressPrefix: string;
  sourcePortRange: string;
  destinationAddressPrefix: string;
  destinationPortRange: string;
  description?: string;
}

/** One write, described as data. The gateway executes it (read-modify-write where needed, then verifies). */
export type Operation =
  | { kind: 'apim.enableSystemIdentity'; apimId: string }
  | { kind: 'apim.setCustomProperty'; apimId: string; key: string; value: string }
  | {
      kind: 'apim.putKeyVaultCertificate';
      apimId: string;
      certificateId: string;
      secretIdentifier: string;
      identityClientId?: string;
      ifMatch?: string;
    }
  | { kind: 'apim.uploadCertificate'; apimId: string; certificateId: string; pfx: Secret; password: Secret; ifMatch?: string }
  | { kind: 'apim.refreshCertificate'; apimId: string; certificateId: string }
  | { kind: 'apim.refreshNamedValue'; apimId: string; namedValueId: string }
  /** One custom-domain hostname reads its Key Vault certificate with the system identity (identityClientId dropped). */
  | { kind: 'apim.hostnameToSystemIdentity'; apimId: string; hostName: string; hostType: string; keyVaultId: string }
  /** One Key Vault named value reads its secret with the system identity (keyVault.identityClientId dropped). */
  | { kind: 'apim.namedValueToSystemIdentity'; apimId: string; namedValueId: string; secretIdentifier: string }
  | { kind: 'vault.recover'; vaultId: string; location: string }
  | {
      kind: 'vault.addAccessPolicy';
      vaultId: string;
      tenantId: string;
      objectId: string;
      permissions: { secrets?: string[]; certificates?: string[] };
    }
  | { kind: 'vault.setBypass'; vaultId: string; bypass: 'AzureServices' }
  | { kind: 'vault.addIpRule'; vaultId: string; value: string; temporary?: boolean }
  | { kind: 'vault.removeIpRule'; vaultId: string; value: string }
  | { kind: 'vault.addVirtualNetworkRule'; vaultId: string; subnetId: string }
  | {
      kind: 'roleAssignment.create';
      /** Resource id the role is granted on (with leading slash). */
      scope: string;
      /** GUID; deterministic so re-runs are idempotent. */
      name: string;
      roleDefinitionId: string;
      principalId: string;
      principalType: 'ServicePrincipal' | 'User';
      description?: string;
    }
  | { kind: 'subnet.addServiceEndpoint'; subnetId: string; service: 'Microsoft.KeyVault' }
  | { kind: 'nsg.putRule'; nsgId: string; ruleName: string; rule: NsgRuleSpec };

/** One HTTP request a fix will send, for the preview. */
export interface PreviewRequest {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  /** ARM path (no host), with api-version. */
  path: string;
  /** The body as it will be sent (secrets redacted). */
  body?: unknown;
  /** Lines of a diff of the resource: "  unchanged", "+ added", "- removed". */
  diff: string[];
}

/** A one-key fix: what it writes, how to do the same with az, and what it needs. */
export interface FixPlan {
  id: string;
  checkId: string;
  title: string;
  operations: Operation[];
  preview: PreviewRequest[];
  /** Equivalent az CLI command lines (secrets replaced by placeholders). */
  az: string[];
  /** Least-privileged built-in roles that allow this, e.g. "Key Vault Contributor on <vault>". */
  requiredRoles: { role: string; scope: string }[];
  /** ARM actions the operator needs, checked against the permissions API before offering the fix. */
  requiredActions: string[];
  /** What may briefly break while it applies. */
  disruption?: string;
  /** A change meant to be undone later (recorded in the journal and offered for removal). */
  temporary?: boolean;
  /** After applying, RBAC changes can take minutes to be honoured: the engine waits and re-checks. */
  propagation?: 'rbac';
  /** Who deploys what this plan writes (deployments, stacks, IaC tags), in plain words: evidence, never certainty. */
  ownership?: string[];
  /** The same change as template code, for exactly the properties it changes (from the requests' bodies). */
  templates?: { bicep: string; terraform: string };
  /** A deployment stack's deny assignment refuses one of the writes: the engine does not send the plan. */
  denied?: { stackId: string; scope: string; action: string; message: string };
}

/** A step of the runbook, for the checklist and the onboarding "why this matters". */
export interface StepInfo {
  id: StepId;
  title: string;
  why: string;
  docLink: string;
}
