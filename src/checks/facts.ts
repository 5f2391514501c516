import type { Secret } from './secret.ts';

// Plain snapshots of what was read from Azure (or the sandbox). No SDK types leak past src/azure:
// the gateway converts ARM/SDK shapes into these, so checks stay pure and testable on literals.

/** Where a fact came from: the resource, the api-version it was read with, and when. */
export interface Provenance {
  resourceId: string;
  apiVersion?: string;
  readAt: string;
}

/** Why a fact could not be read. */
export type ReadFailure = 'Forbidden' | 'NotFound' | 'Throttled' | 'Network' | 'Error';

/** A fact that was read, or the reason it could not be (never a guess). */
export type Fact<T> =
  | { ok: true; value: T; from?: Provenance }
  | {
      ok: false;
      unknown: ReadFailure;
      message: string;
      missingAction?: string;
      /** A data-plane read the vault's network refused (not a missing role): the address it refused, or public access off. */
      firewall?: { clientAddress?: string; publicAccessDisabled?: boolean };
      from?: Provenance;
    };

export type CloudName = 'AzureCloud' | 'AzureChinaCloud' | 'AzureUSGovernment' | 'Custom';

/** Who is signed in, from the ARM token's claims (never the token). */
export interface OperatorFacts {
  objectId?: string;
  /** A user's user name (alice@contoso.com), or a service principal's app display name when the token has it. */
  displayName?: string;
  /** A person's name (the token's name claim), when it says more than the user name. */
  name?: string;
  /** 'servicePrincipal' for an app-only token (a service principal or managed identity). */
  kind?: 'user' | 'servicePrincipal';
  /** A service principal's application (client) id. */
  appId?: string;
  publicIp?: string;
}

/** Who and where: the cloud, subscription and operator the run is acting as. */
export interface ContextFacts {
  cloud: CloudName;
  armEndpoint: string;
  /** e.g. ".vault.azure.net" (sandbox: ".vault.localhost"). */
  kvDnsSuffix: string;
  /** The private DNS zone for vaults in this cloud, e.g. "privatelink.vaultcore.azure.cn". */
  kvPrivateDnsZone: string;
  subscriptionId: string;
  tenantId?: string;
  operator: OperatorFacts;
  sandbox: boolean;
  /** ISO time the facts were gathered; checks use it instead of the clock so they stay pure. */
  now: string;
}

/** A user-assigned identity attached to the APIM instance. */
export interface UserAssignedIdentityFacts {
  id: string;
  principalId: string;
  clientId: string;
}

export interface ApimIdentityFacts {
  /** "SystemAssigned" | "UserAssigned" | "SystemAssigned, UserAssigned" | "None" */
  type: string;
  principalId?: string;
  tenantId?: string;
  userAssigned: UserAssignedIdentityFacts[];
}

export interface HostnameFacts {
  type: string;
  hostName: string;
  keyVaultId?: string;
  identityClientId?: string;
  certificateSource?: string;
  certificateStatus?: string;
  expiry?: string;
}

export interface ApimFacts {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  sku: string;
  capacity?: number;
  provisioningState?: string;
  platformVersion?: string;
  /** The retirement of the gateway's trusted access treats services created on/after 2025-12-01 differently. */
  createdAtUtc?: string;
  /** "None" | "External" | "Internal" */
  virtualNetworkType: string;
  subnetId?: string;
  publicIPAddresses: string[];
  outboundPublicIPAddresses: string[];
  privateIPAddresses: string[];
  publicNetworkAccess?: string;
  customProperties: Record<string, string>;
  hostnameConfigurations: HostnameFacts[];
  identity: ApimIdentityFacts;
  etag?: string;
  /** Tags, kept for the ownership evidence (IaC tools leave some, e.g. azd-env-name). */
  tags?: Record<string, string>;
}

export interface AccessPolicyFacts {
  tenantId: string;
  objectId: string;
  applicationId?: string;
  permissions: { secrets: string[]; certificates: string[]; keys: string[] };
}

export interface VaultFacts {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  tenantId: string;
  vaultUri: string;
  enableRbacAuthorization: boolean;
  accessPolicies: AccessPolicyFacts[];
  networkAcls: {
    /** "AzureServices" | "None" (ARM default when absent: AzureServices) */
    bypass: string;
    /** "Allow" | "Deny" */
    defaultAction: string;
    ipRules: string[];
    virtualNetworkRules: { id: string; ignoreMissingVnetServiceEndpoint?: boolean }[];
  };
  /** "Enabled" | "Disabled" | "SecuredByPerimeter" */
  publicNetworkAccess: string;
  privateEndpointConnections: { id: string; privateEndpointId?: string; status: string }[];
  enableSoftDelete?: boolean;
  enablePurgeProtection?: boolean;
  etag?: string;
  tags?: Record<string, string>;
}

export interface DeletedVaultFacts {
  id: string;
  name: string;
  location: string;
  deletionDate?: string;
  scheduledPurgeDate?: string;
  /** Purge protection of the original vault: no purge before scheduledPurgeDate, by anyone. */
  purgeProtectionEnabled?: boolean;
}

export interface RoleAssignmentFacts {
  id: string;
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
}

export interface RoleDefinitionFacts {
  id: string;
  roleName: string;
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

/** The caller's effective permissions on a resource (ARM permissions API). */
export interface PermissionFacts {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

/** What happened when the operator tried to list the vault's secrets/certificates on the data plane. */
export type DataPlaneProbe =
  | { status: 'ok'; canListSecrets: boolean; canListCertificates: boolean }
  | {
      status: 'firewall';
      clientAddress?: string;
      message: string;
      /** Refused because public network access is disabled (no IP rule can help). */ publicAccessDisabled?: boolean;
    }
  | { status: 'forbidden'; message: string }
  | { status: 'unreachable'; message: string };

export interface ServiceEndpointFacts {
  service: string;
  locations: string[];
  provisioningState?: string;
}

export interface SubnetFacts {
  id: string;
  name: string;
  addressPrefixes: string[];
  serviceEndpoints: ServiceEndpointFacts[];
  nsgId?: string;
  routeTableId?: string;
  delegations: string[];
  etag?: string;
}

/** One NSG rule, normalised: singular and plural prefix/port fields merged into arrays. */
export interface NsgRuleFacts {
  name: string;
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol: string;
  sourceAddressPrefixes: string[];
  destinationAddressPrefixes: string[];
  destinationPortRanges: string[];
  isDefault: boolean;
}

export interface NsgFacts {
  id: string;
  name: string;
  location: string;
  rules: NsgRuleFacts[];
  tags?: Record<string, string>;
}

export interface PrivateEndpointFacts {
  id: string;
  subnetId?: string;
  /** Approved | Pending | Rejected | Disconnected */
  connectionStatus: string;
  privateDnsZoneIds: string[];
}

export interface KeyVaultStatusFacts {
  code: string;
  message?: string;
  timeStampUtc?: string;
}

/** A certificate entity in API Management. */
export interface ApimCertificateFacts {
  id: string;
  name: string;
  subject?: string;
  thumbprint?: string;
  expirationDate?: string;
  keyVault?: { secretIdentifier: string; identityClientId?: string; lastStatus?: KeyVaultStatusFacts };
  etag?: string;
}

/** A named value in API Management; only Key Vault ones carry keyVault. */
export interface ApimNamedValueFacts {
  id: string;
  name: string;
  displayName?: string;
  keyVault?: { secretIdentifier: string; identityClientId?: string; lastStatus?: KeyVaultStatusFacts };
}

/** A workspace of the instance: its own APIs, named values, certificates and backends (workspaces-overview). */
export interface ApimWorkspaceFacts {
  id: string;
  name: string;
  displayName?: string;
}

/** One version of a secret as Key Vault lists it (metadata only, never the value). */
export interface SecretVersionFacts {
  version: string;
  enabled: boolean;
  created?: string;
  expiresOn?: string;
  contentType?: string;
}

/** The versions of a secret a reference names (read with secrets list, i.e. metadata, on the data plane). */
export interface ReferencedSecretFacts {
  /** Versionless secret identifier (lower-case host). */
  secretId: string;
  name: string;
  versions: SecretVersionFacts[];
}

/** A certificate in the key vault (data plane), as the picker lists it. */
export interface VaultCertificateFacts {
  name: string;
  /** Versionless secret identifier: https://<vault><suffix>/secrets/<name> */
  secretId: string;
  enabled: boolean;
  expiresOn?: string;
  contentType?: string;
  exportable?: boolean;
}

/** A change apimkv made that must be undone later (the operator's client IP rule). */
export interface TemporaryChange {
  kind: 'vault.ipRule';
  vaultId: string;
  value: string;
  addedAt: string;
}

/** What the operator wants to add to API Management in step 5. */
export type CertificateIntent =
  | {
      kind: 'keyVault';
      certificateId: string;
      secretIdentifier: string;
      /** 'system', or the resource id of a user-assigned identity attached to the instance. */
      identity: 'system' | { userAssignedId: string };
    }
  | { kind: 'pfx'; certificateId: string; path: string; inspection: PfxInspection; pfx: Secret; password: Secret };

/** What local validation of a .pfx found (before anything is uploaded). */
export type PfxInspection =
  | {
      ok: true;
      subject: string;
      issuer: string;
      thumbprint: string;
      notBefore: string;
      notAfter: string;
      keyType: string;
      keyBits?: number;
      hasPrivateKey: boolean;
      /** Certificates in the file, leaf included. */
      chainLength: number;
      selfSigned: boolean;
      sizeBytes: number;
      /** How the file is encrypted: Microsoft requires triple DES; OpenSSL 3's default (PBES2, AES-256) is refused. */
      encryption?: 'aes' | '3des' | 'other';
    }
  | {
      ok: false;
      reason: 'unreadable' | 'too-large' | 'too-costly' | 'pem' | 'not-pkcs12' | 'wrong-password' | 'no-certificate';
      message: string;
    };

/** One ARM deployment (resource group or subscription scope), as evidence of what it deployed. */
export interface DeploymentFacts {
  id: string;
  name: string;
  /** The resource group or subscription it was deployed at. */
  scope: string;
  timestamp?: string;
  provisioningState?: string;
  templateHash?: string;
  templateLink?: string;
  /** Who ran it (systemData), e.g. a user's UPN or a pipeline's application. */
  createdBy?: string;
  createdByType?: string;
  outputResources: string[];
  /** Targets of its operations, when they were read (deployments that list no output resources). */
  operationTargets?: string[];
}

/** A deployment stack: what it manages and how it locks it. */
export interface StackFacts {
  id: string;
  name: string;
  scope: string;
  /** "none" | "denyDelete" | "denyWriteAndDelete" */
  denyMode: string;
  excludedPrincipals: string[];
  excludedActions: string[];
  applyToChildScopes: boolean;
  resources: { id: string; denyStatus?: string; status?: string }[];
  createdBy?: string;
  lastModifiedAt?: string;
}

/** The deployments and stacks of one scope (a resource group or a subscription), read with Reader rights. */
export interface OwnershipScopeFacts {
  scope: string;
  /** The newest deployments only; `truncated` when older ones were left unread. */
  deployments: Fact<{ items: DeploymentFacts[]; truncated: boolean }>;
  stacks: Fact<StackFacts[]>;
}

/** Who deploys the resources fixes write: evidence (deployments and stacks; tags are on the resources' facts), never certainty. */
export interface OwnershipFacts {
  scopes: OwnershipScopeFacts[];
}

/** Everything the checks look at, gathered in one pass. */
export interface Facts {
  context: ContextFacts;
  apim: Fact<ApimFacts>;
  vault: Fact<VaultFacts>;
  /** Read only when the vault is not found: is it soft-deleted? */
  deletedVault?: Fact<DeletedVaultFacts | null>;
  /** Assignments at, or inherited by, the vault scope for the APIM identities' principals. */
  vaultRoleAssignments: Fact<RoleAssignmentFacts[]>;
  /** Definitions referenced by vaultRoleAssignments, keyed by lower-cased role definition GUID. */
  roleDefinitions: Record<string, RoleDefinitionFacts>;
  /** The operator's own effective permissions, per resource the fixes would touch. */
  operatorPermissions: {
    vault: Fact<PermissionFacts[]>;
    apim: Fact<PermissionFacts[]>;
    subnet?: Fact<PermissionFacts[]>;
    nsg?: Fact<PermissionFacts[]>;
  };
  operatorDataPlane: Fact<DataPlaneProbe>;
  /** Present only when APIM is in a VNet. */
  subnet?: Fact<SubnetFacts>;
  nsg?: Fact<NsgFacts>;
  /** Private endpoints behind the vault's approved/pending connections. */
  privateEndpoints?: Fact<PrivateEndpointFacts[]>;
  apimCertificates: Fact<ApimCertificateFacts[]>;
  /** Named values (read alongside certificates; absent in facts built before they were read). */
  namedValues?: Fact<ApimNamedValueFacts[]>;
  /**
   * The instance's workspaces, read only on the tiers that offer them (an empty list where the service answers that it
   * has none: 400/404); absent when not read.
   */
  workspaces?: Fact<ApimWorkspaceFacts[]>;
  /**
   * Metadata of the secrets the references (on the target vault and every other vault read) and the step-5 intent name, keyed by lower-case
   * versionless secret identifier; a key absent means it was not read.
   */
  referencedSecrets?: Record<string, Fact<ReferencedSecretFacts>>;
  /** Deployments, stacks and tags of the resources fixes write (absent when not read). */
  ownership?: OwnershipFacts;
  /**
   * The other vaults the references read, keyed by lower-case vault host, in whichever subscription holds them (one
   * the operator cannot read is a failed fact naming the missing read). Steps 2-3 run for their pairs; a subnet
   * change affects them too.
   */
  otherVaults?: Record<string, Fact<VaultFacts>>;
  /** Role assignments of API Management's identities on each other RBAC vault, keyed like otherVaults. */
  otherVaultRoleAssignments?: Record<string, Fact<RoleAssignmentFacts[]>>;
  /** The private endpoints behind each other vault's connections, keyed like otherVaults (step 4 runs for them too). */
  otherVaultPrivateEndpoints?: Record<string, Fact<PrivateEndpointFacts[]>>;
  /** Added by the engine from its journal. */
  temporaryChanges: TemporaryChange[];
  /** Added by the engine when the operator has chosen what to add in step 5. */
  intent?: CertificateIntent;
}
