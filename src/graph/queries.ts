// Resource Graph queries the product sends. The sandbox answers exactly these (matched by name
// after whitespace normalisation) and rejects any other query with 400, so an unplanned query is noticed.
import { InputError } from '../error-model.ts';

/** APIM instances with identity and network posture (domain.md §3.7). */
export const APIM_INSTANCES = `resources
| where type =~ 'microsoft.apimanagement/service'
| project id, name, resourceGroup, subscriptionId, location, tenantId,
          sku = tostring(sku.name), identityType = tostring(identity.type),
          principalId = tostring(identity.principalId), uais = identity.userAssignedIdentities,
          vnetType = tostring(properties.virtualNetworkType),
          subnetId = tostring(properties.virtualNetworkConfiguration.subnetResourceId),
          publicIPs = properties.publicIPAddresses, platform = tostring(properties.platformVersion),
          noTrusted = tostring(properties.customProperties['Microsoft.WindowsAzure.ApiManagement.Gateway.ManagedIdentity.DisableOverPrivilegedAccess']),
          hostnames = properties.hostnameConfigurations
| order by id asc`;

/** Key vaults with access model and firewall posture (domain.md §3.7). */
export const KEY_VAULTS = `resources
| where type =~ 'microsoft.keyvault/vaults'
| project id, name, resourceGroup, subscriptionId, location, vaultUri = tostring(properties.vaultUri),
          rbac = tobool(properties.enableRbacAuthorization), pna = tostring(properties.publicNetworkAccess),
          defaultAction = tostring(properties.networkAcls.defaultAction), bypass = tostring(properties.networkAcls.bypass),
          ipRules = properties.networkAcls.ipRules, vnetRules = properties.networkAcls.virtualNetworkRules,
          peCount = array_length(properties.privateEndpointConnections),
          softDelete = tobool(properties.enableSoftDelete), purgeProtection = tobool(properties.enablePurgeProtection)
| order by id asc`;

/** The subscriptions the operator can see (the target picker's first step). */
export const SUBSCRIPTIONS = `resourcecontainers
| where type =~ 'microsoft.resources/subscriptions'
| project subscriptionId, name, tenantId
| order by name asc`;

/** One vault by name (to find its resource group). The name is validated before it is inserted. */
export function vaultByName(name: string): string {
  if (!/^[a-zA-Z0-9-]{3,24}$/.test(name))
    throw new InputError(`"${name}" is not a valid key vault name (3-24 letters, digits and hyphens).`);
  return `resources
| where type =~ 'microsoft.keyvault/vaults' and name =~ '${name}'
| project id, name, resourceGroup, subscriptionId, location, vaultUri = tostring(properties.vaultUri)`;
}

/** Collapse whitespace so formatting differences do not matter when the sandbox matches a query. */
export function normaliseQuery(query: string): string {
  return query.replace(/\s+/g, ' ').trim();
}
