// The api-versions ARM serves for the emulated resource providers: every published version of the types the
// sandbox emulates (as `GET /providers/{namespace}` lists them in Azure), so az 2.45 (APIM 2021-08-01,
// Key Vault 2022-07-01, Network 2022-01-01, Authorization 2020-04-01-preview / 2018-01-01-preview,
// Managed Identity 2022-01-31-preview), the Python SDK (Network 2022-07-01) and the JS SDKs all get answers.
// A version ARM does not know for the type gets ARM's NoRegisteredProviderFound listing the supported ones.

export const API_VERSIONS: Record<string, string[]> = {
  'microsoft.apimanagement': [
    '2016-07-07', '2016-10-10', '2017-03-01', '2018-01-01', '2018-06-01-preview', '2019-01-01', '2019-12-01', '2019-12-01-preview',
    '2020-06-01-preview', '2020-12-01', '2021-01-01-preview', '2021-04-01-preview', '2021-08-01', '2021-12-01-preview', '2022-04-01-preview',
    '2022-08-01', '2022-09-01-preview', '2023-03-01-preview', '2023-05-01-preview', '2023-09-01-preview', '2024-05-01', '2024-06-01-preview',
    '2025-03-01-preview',
  ],
  'microsoft.keyvault': [
    '2015-06-01', '2016-10-01', '2018-02-14', '2018-02-14-preview', '2019-09-01', '2020-04-01-preview', '2021-04-01-preview', '2021-06-01-preview',
    '2021-10-01', '2021-11-01-preview', '2022-02-01-preview', '2022-07-01', '2022-11-01', '2023-02-01', '2023-07-01', '2023-08-01-preview',
    '2024-04-01-preview', '2024-11-01', '2024-12-01-preview', '2025-05-01', '2026-02-01',
  ],
  'microsoft.network': [
    '2017-06-01', '2017-08-01', '2017-09-01', '2017-10-01', '2017-11-01', '2018-01-01', '2018-02-01', '2018-04-01', '2018-06-01', '2018-07-01',
    '2018-08-01', '2018-10-01', '2018-11-01', '2018-12-01', '2019-02-01', '2019-04-01', '2019-06-01', '2019-07-01', '2019-08-01', '2019-09-01',
    '2019-11-01', '2019-12-01', '2020-03-01', '2020-04-01', '2020-05-01', '2020-06-01', '2020-07-01', '2020-08-01', '2020-11-01', '2021-02-01',
    '2021-03-01', '2021-05-01', '2021-08-01', '2022-01-01', '2022-05-01', '2022-07-01', '2022-09-01', '2022-11-01', '2023-02-01', '2023-04-01',
    '2023-05-01', '2023-06-01', '2023-09-01', '2023-11-01', '2024-01-01', '2024-03-01', '2024-05-01', '2024-07-01', '2024-10-01', '2025-01-01',
    '2025-03-01', '2025-05-01', '2025-07-01', '2026-01-01',
  ],
  'microsoft.authorization': [
    '2014-04-01-preview', '2015-06-01', '2015-07-01', '2017-05-01', '2017-10-01-preview', '2018-01-01-preview', '2018-07-01', '2018-09-01-preview',
    '2020-03-01-preview', '2020-04-01-preview', '2020-08-01-preview', '2020-10-01', '2020-10-01-preview', '2021-03-01-preview', '2021-04-01-preview',
    '2022-01-01-preview', '2022-04-01', '2022-05-01-preview',
  ],
  'microsoft.resourcegraph': ['2018-09-01-preview', '2019-04-01', '2020-04-01-preview', '2021-03-01', '2021-06-01-preview', '2022-10-01', '2024-04-01'],
  'microsoft.managedidentity': ['2015-08-31-preview', '2018-11-30', '2021-09-30-preview', '2022-01-31-preview', '2023-01-31', '2023-07-31-preview', '2024-11-30', '2025-01-31-preview'],
};

/** Microsoft.Resources (subscriptions, resource groups, resources, providers): any well-formed version ARM has published. */
export const RESOURCES_VERSIONS = [
  '2014-04-01', '2015-01-01', '2015-11-01', '2016-02-01', '2016-06-01', '2016-07-01', '2016-09-01', '2017-05-10', '2017-06-01', '2017-08-01',
  '2018-02-01', '2018-05-01', '2018-06-01', '2018-07-01', '2018-08-01', '2018-09-01', '2019-03-01', '2019-05-01', '2019-05-10', '2019-06-01',
  '2019-07-01', '2019-08-01', '2019-10-01', '2019-11-01', '2020-01-01', '2020-06-01', '2020-08-01', '2020-10-01', '2021-01-01', '2021-04-01',
  '2022-01-01', '2022-09-01', '2022-12-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-03-01', '2025-04-01',
];

/** Resource types (under their namespace) with their locations, as provider metadata serves them. */
export const RESOURCE_TYPES: Record<string, string[]> = {
  'Microsoft.ApiManagement': ['service', 'service/certificates', 'service/namedValues', 'locations', 'operations'],
  'Microsoft.KeyVault': ['vaults', 'vaults/accessPolicies', 'deletedVaults', 'locations', 'locations/deletedVaults', 'operations'],
  'Microsoft.Network': ['virtualNetworks', 'virtualNetworks/subnets', 'networkSecurityGroups', 'privateEndpoints', 'privateEndpoints/privateDnsZoneGroups', 'privateDnsZones', 'privateDnsZones/virtualNetworkLinks', 'locations', 'operations'],
  'Microsoft.Authorization': ['roleAssignments', 'roleDefinitions', 'permissions', 'policyAssignments'],
  'Microsoft.ManagedIdentity': ['userAssignedIdentities', 'operations'],
  'Microsoft.ResourceGraph': ['resources', 'operations'],
};

/** The newest non-preview version a namespace serves (what `az resource show` picks). */
export function latestStable(namespace: string): string | undefined {
  return API_VERSIONS[namespace.toLowerCase()]?.filter((v) => !v.endsWith('-preview')).at(-1);
}

/** Key Vault before 2026-02-01 created vaults with access policies unless told otherwise; 2026-02-01 defaults to Azure RBAC. */
export function vaultRbacDefault(version: string): boolean {
  return version >= '2026-02-01';
}
