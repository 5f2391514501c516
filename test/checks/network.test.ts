import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Facts } from '../../src/checks/facts.ts';
import { networkChecks } from '../../src/checks/network.ts';
import { apimOf, baseline, find, forbidden, noVnet, NSG_ID, nsgOf, rule, SUBNET_ID, subnetOf, VAULT_ID, vaultOf } from './builders.ts';

const IDS = ['VNET-MODE', 'VNET-SE', 'VNET-KVRULE', 'VNET-NSG', 'VNET-NSG-KV', 'VNET-NSG-AAD', 'VNET-PE'];
const check = (f: Facts, id: string) => find(networkChecks(f), id);

describe('step 4 applicability', () => {
  it('baseline: every check present once, in order, no VNET-UDR without a route table', () => {
    const findings = networkChecks(baseline());
    assert.deepEqual(
      findings.map((x) => x.checkId),
      IDS,
    );
    assert.deepEqual(
      findings.map((x) => x.status),
      ['info', 'pass', 'pass', 'pass', 'pass', 'pass', 'skipped'],
    );
  });
  it('skips everything outside a VNet, with the reason', () => {
    const findings = networkChecks(noVnet());
    assert.deepEqual(
      findings.map((x) => [x.checkId, x.status, x.cause]),
      IDS.map((id) => [id, 'skipped', 'API Management is not in a virtual network.']),
    );
  });
  it('skips everything on Consumption', () => {
    const f = noVnet();
    apimOf(f).sku = 'Consumption';
    assert.deepEqual(
      new Set(networkChecks(f).map((x) => x.cause)),
      new Set(['The Consumption tier cannot be placed in a virtual network.']),
    );
  });
  it('is unknown everywhere when APIM cannot be read', () => {
    const f = baseline();
    f.apim = forbidden('Microsoft.ApiManagement/service/read');
    assert.deepEqual(
      networkChecks(f).map((x) => x.status),
      IDS.map(() => 'unknown'),
    );
  });
  // integrate-vnet-outbound (Standard v2 / Premium v2): "A network security group must be associated with the subnet".
  // https://learn.microsoft.com/azure/api-management/integrate-vnet-outbound
  it('v2 VNet integration requires an NSG on the subnet (Microsoft, not the classic table)', () => {
    const f = baseline();
    apimOf(f).sku = 'StandardV2';
    subnetOf(f).delegations = ['Microsoft.Web/serverFarms'];
    assert.match(
      check(f, 'VNET-MODE').cause,
      /^StandardV2 in a virtual network: VNet integration \(subnet delegated to Microsoft.Web\/serverFarms\)\. Microsoft requires a network security group/,
    );
    assert.equal(check(f, 'VNET-NSG').status, 'pass');
    delete subnetOf(f).nsgId;
    const r = check(f, 'VNET-NSG');
    assert.deepEqual(
      [r.status, r.fix, r.docLink],
      ['fail', undefined, 'https://learn.microsoft.com/azure/api-management/integrate-vnet-outbound'],
    );
    assert.match(r.cause, /Microsoft requires one to be associated with the subnet for v2 VNet integration/);
    assert.equal(check(f, 'VNET-NSG-KV').status, 'skipped');
  });
  // inject-vnet-v2 (Premium v2): an NSG must be associated with the subnet and allow outbound Storage on 443.
  // https://learn.microsoft.com/azure/api-management/inject-vnet-v2
  it('Premium v2 injection requires an NSG that allows outbound Storage 443', () => {
    const f = baseline();
    apimOf(f).sku = 'PremiumV2';
    subnetOf(f).delegations = ['Microsoft.Web/hostingEnvironments'];
    nsgOf(f).rules.push(rule({ name: 'Deny-Storage', priority: 300, access: 'Deny', destinationAddressPrefixes: ['Storage'] }));
    const r = check(f, 'VNET-NSG');
    assert.equal(r.status, 'fail');
    assert.match(r.cause, /^Deny-Storage \(priority 300\) denies outbound TCP 443 to Storage, which Premium v2 injection requires/);
    nsgOf(f).rules = [
      ...nsgOf(f).rules.filter((x) => x.name !== 'Deny-Storage'),
      rule({ name: 'Allow-Storage', priority: 300, destinationAddressPrefixes: ['Storage'] }),
    ];
    assert.equal(check(f, 'VNET-NSG').status, 'pass');
    delete subnetOf(f).nsgId;
    assert.match(check(f, 'VNET-NSG').cause, /for Premium v2 injection\. Create an NSG \(allowing outbound Storage on 443\)/);
  });
  it('adds VNET-UDR when a route table is attached', () => {
    const f = baseline();
    subnetOf(f).routeTableId = '/rt/1';
    const udr = find(networkChecks(f), 'VNET-UDR');
    assert.deepEqual([udr.status, udr.evidence], ['info', ['route table: /rt/1']]);
  });
});

describe('VNET-SE', () => {
  it('fails without the endpoint and adds it together with the vault VNet rule', () => {
    const f = baseline();
    subnetOf(f).serviceEndpoints = [{ service: 'Microsoft.Storage', locations: ['westeurope'], provisioningState: 'Succeeded' }];
    vaultOf(f).networkAcls.virtualNetworkRules = [];
    const r = check(f, 'VNET-SE');
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.fix?.operations, [
      { kind: 'subnet.addServiceEndpoint', subnetId: SUBNET_ID, service: 'Microsoft.KeyVault' },
      { kind: 'vault.addVirtualNetworkRule', vaultId: VAULT_ID, subnetId: SUBNET_ID },
    ]);
    assert.match(r.fix!.disruption!, /^Adding a service endpoint briefly interrupts connections/);
    assert.deepEqual(r.fix?.az, [
      `az network vnet subnet update --resource-group rg-app --vnet-name vnet-apim --name apim --add serviceEndpoints '{"service":"Microsoft.KeyVault","locations":["*"]}'`,
      `az keyvault network-rule add --name kv-contoso --resource-group rg-app --subnet ${SUBNET_ID}`,
    ]);
    assert.deepEqual(r.fix?.requiredActions, [
      'Microsoft.Network/virtualNetworks/subnets/write',
      'Microsoft.KeyVault/vaults/write',
      'Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action',
    ]);
  });
  it('warns while the endpoint is still provisioning', () => {
    const f = baseline();
    subnetOf(f).serviceEndpoints[1].provisioningState = 'Updating';
    assert.equal(check(f, 'VNET-SE').status, 'warn');
  });
  it('is info when the vault is public', () => {
    const f = baseline();
    subnetOf(f).serviceEndpoints = [];
    vaultOf(f).networkAcls.defaultAction = 'Allow';
    assert.equal(check(f, 'VNET-SE').status, 'info');
  });
  it('is unknown when the subnet could not be read', () => {
    const f = baseline();
    f.subnet = forbidden('Microsoft.Network/virtualNetworks/subnets/read');
    assert.deepEqual(
      [check(f, 'VNET-SE').status, check(f, 'VNET-SE').missingAction],
      ['unknown', 'Microsoft.Network/virtualNetworks/subnets/read'],
    );
  });
});

describe('VNET-KVRULE', () => {
  it('fails with a fix when the endpoint is there but the rule is not (case-insensitive compare)', () => {
    const f = baseline();
    vaultOf(f).networkAcls.virtualNetworkRules = [{ id: SUBNET_ID.toUpperCase() }];
    assert.equal(check(f, 'VNET-KVRULE').status, 'pass');
    vaultOf(f).networkAcls.virtualNetworkRules = [];
    const r = check(f, 'VNET-KVRULE');
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.fix?.operations, [{ kind: 'vault.addVirtualNetworkRule', vaultId: VAULT_ID, subnetId: SUBNET_ID }]);
  });
  it('fails without a fix when the endpoint is missing (VNET-SE adds both)', () => {
    const f = baseline();
    vaultOf(f).networkAcls.virtualNetworkRules = [];
    subnetOf(f).serviceEndpoints = [];
    assert.deepEqual([check(f, 'VNET-KVRULE').status, check(f, 'VNET-KVRULE').fix], ['fail', undefined]);
  });
  it('is skipped when public access is disabled', () => {
    const f = baseline();
    vaultOf(f).publicNetworkAccess = 'Disabled';
    assert.equal(check(f, 'VNET-KVRULE').status, 'skipped');
  });
});

describe('VNET-NSG and its rules', () => {
  it('fails without an NSG on a classic tier', () => {
    const f = baseline();
    delete subnetOf(f).nsgId;
    assert.equal(check(f, 'VNET-NSG').status, 'fail');
    assert.equal(check(f, 'VNET-NSG-KV').status, 'skipped');
  });
  it('a deny before the allow blocks Key Vault: fix with a free priority below the deny', () => {
    const f = baseline();
    nsgOf(f).rules = [
      rule({
        name: 'Deny-All-Out',
        priority: 150,
        access: 'Deny',
        protocol: '*',
        sourceAddressPrefixes: ['*'],
        destinationAddressPrefixes: ['*'],
        destinationPortRanges: ['*'],
      }),
      rule({ name: 'x', priority: 149, destinationAddressPrefixes: ['Storage'] }),
      ...nsgOf(f).rules,
    ];
    const r = check(f, 'VNET-NSG-KV');
    assert.equal(r.status, 'fail');
    assert.equal(
      r.cause,
      'Deny-All-Out (priority 150) denies outbound TCP 443 to AzureKeyVault: API Management cannot fetch certificates from Key Vault.',
    );
    assert.deepEqual(r.fix?.operations, [
      {
        kind: 'nsg.putRule',
        nsgId: NSG_ID,
        ruleName: 'Allow-AzureKeyVault-443-Out',
        rule: {
          priority: 148,
          direction: 'Outbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: 'VirtualNetwork',
          sourcePortRange: '*',
          destinationAddressPrefix: 'AzureKeyVault',
          destinationPortRange: '443',
          description: 'API Management to AzureKeyVault (apimkv)',
        },
      },
    ]);
    assert.deepEqual(r.fix?.az, [
      "az network nsg rule create --resource-group rg-app --nsg-name nsg-apim --name Allow-AzureKeyVault-443-Out --priority 148 --direction Outbound --access Allow --protocol Tcp --source-address-prefixes VirtualNetwork --source-port-ranges '*' --destination-address-prefixes AzureKeyVault --destination-port-ranges 443 --description 'API Management to AzureKeyVault (apimkv)'",
    ]);
    assert.equal(check(f, 'VNET-NSG-AAD').status, 'fail');
    const aad = check(f, 'VNET-NSG-AAD').fix?.operations[0];
    assert.equal(aad?.kind === 'nsg.putRule' && aad.rule.destinationAddressPrefix, 'AzureActiveDirectory');
    // Both missing: the two rules take distinct free priorities (148 for Key Vault, 147 for Entra ID).
    assert.equal(aad?.kind === 'nsg.putRule' && aad.rule.priority, 147);
  });
  it('the default DenyAllOutBound is not reached while AllowInternetOutBound applies', () => {
    const f = baseline();
    nsgOf(f).rules = [];
    assert.equal(check(f, 'VNET-NSG-KV').cause, 'Outbound TCP 443 to AzureKeyVault is allowed by AllowInternetOutBound.');
  });
  it('is unknown when the NSG could not be read', () => {
    const f = baseline();
    f.nsg = forbidden('Microsoft.Network/networkSecurityGroups/read');
    assert.equal(check(f, 'VNET-NSG-AAD').status, 'unknown');
  });
});

describe('VNET-PE', () => {
  const withPe = (f: Facts, status: string, zones: string[]) => {
    vaultOf(f).privateEndpointConnections = [{ id: `${VAULT_ID}/privateEndpointConnections/c1`, privateEndpointId: '/pe/1', status }];
    f.privateEndpoints = {
      ok: true,
      value: [{ id: '/pe/1', subnetId: SUBNET_ID.replace('/apim', '/pe'), connectionStatus: status, privateDnsZoneIds: zones }],
    };
    return f;
  };
  it('info while pending', () => assert.equal(check(withPe(baseline(), 'Pending', []), 'VNET-PE').status, 'info'));
  it('warns without a privatelink.vaultcore DNS zone', () =>
    assert.equal(check(withPe(baseline(), 'Approved', []), 'VNET-PE').status, 'warn'));
  it('passes with the DNS zone in the APIM VNet', () =>
    assert.equal(check(withPe(baseline(), 'Approved', ['/zones/privatelink.vaultcore.azure.net']), 'VNET-PE').status, 'pass'));
  it("follows the cloud: in China only privatelink.vaultcore.azure.cn counts, and another cloud's zone is named", () => {
    const china = (zones: string[]) => {
      const f = withPe(baseline(), 'Approved', zones);
      f.context = {
        ...f.context,
        cloud: 'AzureChinaCloud',
        kvDnsSuffix: '.vault.azure.cn',
        kvPrivateDnsZone: 'privatelink.vaultcore.azure.cn',
      };
      return check(f, 'VNET-PE');
    };
    const wrong = china(['/zones/privatelink.vaultcore.azure.net']);
    assert.equal(wrong.status, 'warn');
    assert.match(
      wrong.cause,
      /registers the vault in privatelink\.vaultcore\.azure\.net, but vaults in AzureChinaCloud resolve through privatelink\.vaultcore\.azure\.cn/,
    );
    assert.equal(china(['/zones/privatelink.vaultcore.azure.cn']).status, 'pass');
    assert.match(china([]).cause, /no privatelink\.vaultcore\.azure\.cn DNS zone group/);
  });
  it('is unknown when the private endpoints could not be read', () => {
    const f = withPe(baseline(), 'Approved', []);
    f.privateEndpoints = forbidden('Microsoft.Network/privateEndpoints/read');
    assert.equal(check(f, 'VNET-PE').status, 'unknown');
  });
});
