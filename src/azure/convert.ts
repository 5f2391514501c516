// SDK models -> plain Facts. Pure functions. Classic APIM/authorization models are flattened
// (`svc.virtualNetworkType`); the modular Key Vault model keeps `properties`; network models are flattened.
import type {
  ApiManagementServiceResource,
  CertificateContract,
  KeyVaultLastAccessStatusContractProperties,
  NamedValueContract,
  WorkspaceContract,
} from '@azure/arm-apimanagement';
import type { Permission, RoleAssignment, RoleDefinition } from '@azure/arm-authorization';
import type { DeletedVault, Vault } from '@azure/arm-keyvault';
import type { NetworkSecurityGroup, PrivateDnsZoneGroup, PrivateEndpoint, SecurityRule, Subnet } from '@azure/arm-network';
import type { CertificateProperties } from '@azure/keyvault-certificates';
import type {
  ApimCertificateFacts,
  ApimNamedValueFacts,
  ApimFacts,
  ApimWorkspaceFacts,
  DeletedVaultFacts,
  NsgFacts,
  NsgRuleFacts,
  PermissionFacts,
  PrivateEndpointFacts,
  RoleAssignmentFacts,
  RoleDefinitionFacts,
  SubnetFacts,
  VaultCertificateFacts,
  VaultFacts,
} from '../checks/facts.ts';

/** The resource group segment of an ARM id ('' when there is none). */
export function resourceGroupOf(id: string): string {
  return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '';
}

/** The last segment of an ARM id. */
export function nameOf(id: string): string {
  return id.replace(/\/+$/, '').split('/').pop() ?? '';
}

function iso(d: Date | string | undefined | null): string | undefined {
  if (d === undefined || d === null) return undefined;
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function list<T>(v: T[] | undefined | null): T[] {
  return Array.isArray(v) ? v : [];
}

/** Tags, as given (remote text is made safe where it is shown, by each output's escaper). */
export function tagsFrom(tags: Record<string, string> | undefined | null): { tags?: Record<string, string> } {
  const entries = Object.entries(tags ?? {}).map(([k, v]) => [k, String(v ?? '')] as const);
  return entries.length ? { tags: Object.fromEntries(entries) } : {};
}

/** singular + plural ARM fields (e.g. destinationPortRange + destinationPortRanges) as one list. */
function merged(single: string | undefined, plural: string[] | undefined): string[] {
  const out = [...(single ? [single] : []), ...list(plural)].filter((x) => x !== '');
  return [...new Set(out)];
}

export function apimFromSdk(svc: ApiManagementServiceResource & { etag?: string }): ApimFacts {
  const id = svc.id ?? '';
  const identity = svc.identity;
  const userAssigned = Object.entries(identity?.userAssignedIdentities ?? {}).map(([uaiId, v]) => ({
    id: uaiId,
    principalId: v?.principalId ?? '',
    clientId: v?.clientId ?? '',
  }));
  return {
    id,
    name: svc.name ?? nameOf(id),
    resourceGroup: resourceGroupOf(id),
    location: svc.location ?? '',
    sku: svc.sku?.name ?? '',
    capacity: svc.sku?.capacity,
    provisioningState: svc.provisioningState,
    platformVersion: svc.platformVersion,
    createdAtUtc: iso(svc.createdAtUtc ?? svc.systemData?.createdAt),
    virtualNetworkType: svc.virtualNetworkType ?? 'None',
    subnetId: svc.virtualNetworkConfiguration?.subnetResourceId || undefined,
    publicIPAddresses: list(svc.publicIPAddresses),
    outboundPublicIPAddresses: list((svc as { outboundPublicIPAddresses?: string[] }).outboundPublicIPAddresses),
    privateIPAddresses: list(svc.privateIPAddresses),
    publicNetworkAccess: svc.publicNetworkAccess,
    customProperties: { ...(svc.customProperties ?? {}) },
    hostnameConfigurations: list(svc.hostnameConfigurations).map((h) => ({
      type: h.type,
      hostName: h.hostName,
      keyVaultId: h.keyVaultId || undefined,
      identityClientId: h.identityClientId || undefined,
      certificateSource: h.certificateSource,
      certificateStatus: h.certificateStatus,
      expiry: iso(h.certificate?.expiry),
    })),
    identity: {
      type: identity?.type ?? 'None',
      principalId: identity?.principalId || undefined,
      tenantId: identity?.tenantId || undefined,
      userAssigned,
    },
    etag: svc.etag,
    ...tagsFrom(svc.tags),
  };
}

export function vaultFromSdk(v: Vault & { etag?: string }): VaultFacts {
  const id = v.id ?? '';
  const p = v.properties;
  const acls = p?.networkAcls;
  return {
    id,
    name: v.name ?? nameOf(id),
    resourceGroup: resourceGroupOf(id),
    location: v.location ?? '',
    tenantId: p?.tenantId ?? '',
    vaultUri: p?.vaultUri ?? '',
    // ARM omits the flag on old vaults: absent means the access-policy model.
    enableRbacAuthorization: p?.enableRbacAuthorization === true,
    accessPolicies: list(p?.accessPolicies).map((a) => ({
      tenantId: a.tenantId,
      objectId: a.objectId,
      applicationId: a.applicationId || undefined,
      permissions: {
        secrets: list(a.permissions?.secrets).map(String),
        certificates: list(a.permissions?.certificates).map(String),
        keys: list(a.permissions?.keys).map(String),
      },
    })),
    networkAcls: {
      // ARM's default when unspecified (domain.md §2.5).
      bypass: acls?.bypass ?? 'AzureServices',
      defaultAction: acls?.defaultAction ?? 'Allow',
      ipRules: list(acls?.ipRules).map((r) => r.value),
      virtualNetworkRules: list(acls?.virtualNetworkRules).map((r) => ({
        id: r.id,
        ...(r.ignoreMissingVnetServiceEndpoint !== undefined
          ? { ignoreMissingVnetServiceEndpoint: r.ignoreMissingVnetServiceEndpoint }
          : {}),
      })),
    },
    publicNetworkAccess: p?.publicNetworkAccess ?? 'Enabled',
    privateEndpointConnections: list(p?.privateEndpointConnections).map((c) => ({
      id: c.id ?? '',
      privateEndpointId: c.privateEndpoint?.id || undefined,
      status: c.privateLinkServiceConnectionState?.status ?? 'Unknown',
    })),
    enableSoftDelete: p?.enableSoftDelete,
    enablePurgeProtection: p?.enablePurgeProtection,
    etag: v.etag,
    ...tagsFrom(v.tags),
  };
}

export function deletedVaultFromSdk(d: DeletedVault): DeletedVaultFacts {
  const p = d.properties;
  return {
    id: p?.vaultId ?? d.id ?? '',
    name: d.name ?? '',
    location: p?.location ?? '',
    deletionDate: iso(p?.deletionDate),
    scheduledPurgeDate: iso(p?.scheduledPurgeDate),
    ...(p?.purgeProtectionEnabled === undefined ? {} : { purgeProtectionEnabled: p.purgeProtectionEnabled }),
  };
}

/** The role definition GUID (lower case) of a full role definition id. */
export function roleDefinitionGuid(roleDefinitionId: string): string {
  return nameOf(roleDefinitionId).toLowerCase();
}

export function roleAssignmentFromSdk(ra: RoleAssignment): RoleAssignmentFacts {
  return {
    id: ra.id ?? '',
    name: ra.name ?? nameOf(ra.id ?? ''),
    scope: ra.scope ?? '',
    roleDefinitionId: ra.roleDefinitionId ?? '',
    principalId: ra.principalId ?? '',
    principalType: ra.principalType,
  };
}

function flatten(perms: Permission[] | undefined): PermissionFacts {
  const ps = list(perms);
  return {
    actions: ps.flatMap((p) => list(p.actions)),
    notActions: ps.flatMap((p) => list(p.notActions)),
    dataActions: ps.flatMap((p) => list(p.dataActions)),
    notDataActions: ps.flatMap((p) => list(p.notDataActions)),
  };
}

export function roleDefinitionFromSdk(rd: RoleDefinition): RoleDefinitionFacts {
  return { id: rd.id ?? '', roleName: rd.roleName ?? '', ...flatten(rd.permissions) };
}

/** One entry of the permissions API (`…/providers/Microsoft.Authorization/permissions`). */
export function permissionFromRest(p: Permission): PermissionFacts {
  return {
    actions: list(p.actions),
    notActions: list(p.notActions),
    dataActions: list(p.dataActions),
    notDataActions: list(p.notDataActions),
  };
}

export function subnetFromSdk(s: Subnet): SubnetFacts {
  const id = s.id ?? '';
  return {
    id,
    name: s.name ?? nameOf(id),
    addressPrefixes: merged(s.addressPrefix, s.addressPrefixes),
    serviceEndpoints: list(s.serviceEndpoints).map((e) => ({
      service: e.service ?? '',
      locations: list(e.locations),
      provisioningState: e.provisioningState,
    })),
    nsgId: s.networkSecurityGroup?.id || undefined,
    routeTableId: s.routeTable?.id || undefined,
    delegations: list(s.delegations).map((d) => d.serviceName ?? d.name ?? ''),
    etag: s.etag,
  };
}

export function nsgRuleFromSdk(r: SecurityRule, isDefault: boolean): NsgRuleFacts {
  return {
    name: r.name ?? nameOf(r.id ?? ''),
    priority: r.priority ?? 0,
    direction: r.direction === 'Inbound' ? 'Inbound' : 'Outbound',
    access: r.access === 'Allow' ? 'Allow' : 'Deny',
    protocol: r.protocol ?? '*',
    sourceAddressPrefixes: merged(r.sourceAddressPrefix, r.sourceAddressPrefixes),
    destinationAddressPrefixes: merged(r.destinationAddressPrefix, r.destinationAddressPrefixes),
    destinationPortRanges: merged(r.destinationPortRange, r.destinationPortRanges),
    isDefault,
  };
}

/** The NSG with its own rules and the default rules, sorted by direction then priority. */
export function nsgFromSdk(n: NetworkSecurityGroup): NsgFacts {
  const id = n.id ?? '';
  const rules = [
    ...list(n.securityRules).map((r) => nsgRuleFromSdk(r, false)),
    ...list(n.defaultSecurityRules).map((r) => nsgRuleFromSdk(r, true)),
  ];
  rules.sort((a, b) => (a.direction === b.direction ? a.priority - b.priority : a.direction < b.direction ? -1 : 1));
  return { id, name: n.name ?? nameOf(id), location: n.location ?? '', rules, ...tagsFrom(n.tags) };
}

export function privateEndpointFromSdk(
  pe: PrivateEndpoint,
  connectionStatus: string,
  zoneGroups: PrivateDnsZoneGroup[],
): PrivateEndpointFacts {
  return {
    id: pe.id ?? '',
    subnetId: pe.subnet?.id || undefined,
    connectionStatus,
    privateDnsZoneIds: [
      ...new Set(zoneGroups.flatMap((g) => list(g.privateDnsZoneConfigs).map((c) => c.privateDnsZoneId ?? '')).filter(Boolean)),
    ],
  };
}

/** API Management's record of its last fetch from Key Vault (certificates and named values alike). */
export function lastStatusFromSdk(
  s: KeyVaultLastAccessStatusContractProperties | undefined,
): { code: string; message?: string; timeStampUtc?: string } | undefined {
  return s ? { code: s.code ?? '', message: s.message || undefined, timeStampUtc: iso(s.timeStampUtc) } : undefined;
}

export function apimCertificateFromSdk(c: CertificateContract & { eTag?: string }): ApimCertificateFacts {
  const id = c.id ?? '';
  const kv = c.keyVault;
  return {
    id,
    name: c.name ?? nameOf(id),
    subject: c.subject || undefined,
    thumbprint: c.thumbprint || undefined,
    expirationDate: iso(c.expirationDate),
    keyVault: kv?.secretIdentifier
      ? {
          secretIdentifier: kv.secretIdentifier,
          identityClientId: kv.identityClientId || undefined,
          lastStatus: lastStatusFromSdk(kv.lastStatus),
        }
      : undefined,
    etag: c.eTag,
  };
}

/** The versionless secret identifier APIM wants for a vault certificate (domain.md §2.7). */
export function versionlessSecretId(certificateId: string, name: string): string {
  const origin = new URL(certificateId).origin;
  return `${origin}/secrets/${name}`;
}

export function vaultCertificateFromSdk(c: CertificateProperties, contentType?: string): VaultCertificateFacts {
  const name = c.name ?? '';
  return {
    name,
    secretId: versionlessSecretId(c.id ?? c.vaultUrl ?? '', name),
    enabled: c.enabled !== false,
    expiresOn: iso(c.expiresOn),
    contentType,
  };
}

/** A workspace: its name and display name (what the note shows). */
export function apimWorkspaceFromSdk(w: WorkspaceContract): ApimWorkspaceFacts {
  const id = w.id ?? '';
  return { id, name: w.name ?? nameOf(id), ...(w.displayName ? { displayName: w.displayName } : {}) };
}

/** A named value (Key Vault ones carry keyVault). */
export function apimNamedValueFromSdk(v: NamedValueContract): ApimNamedValueFacts {
  const id = v.id ?? '';
  const kv = v.keyVault;
  return {
    id,
    name: v.name ?? nameOf(id),
    ...(v.displayName ? { displayName: v.displayName } : {}),
    ...(kv?.secretIdentifier
      ? {
          keyVault: {
            secretIdentifier: kv.secretIdentifier,
            identityClientId: kv.identityClientId || undefined,
            lastStatus: lastStatusFromSdk(kv.lastStatus),
          },
        }
      : {}),
  };
}
