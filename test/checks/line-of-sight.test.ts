// One implementation of the network line of sight: the runbook (FW-LOS, over ARM facts) and the fleet audit
// (gateway-bypass, over Resource Graph rows) read the same estate and reach the same verdict, because both ask
// src/checks/line-of-sight.ts. Paths: https://learn.microsoft.com/azure/key-vault/general/network-security (IP rules,
// VNet rules with the Microsoft.KeyVault service endpoint, private endpoints; public access Disabled leaves only
// private endpoints); https://learn.microsoft.com/azure/api-management/virtual-network-reference (with the service
// endpoint Key Vault sees the subnet's private address, so an IP rule for the public IP no longer matches).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditFleet, lineOfSight as auditLineOfSight } from '../../src/checks/audit/findings.ts';
import type { FleetFacts } from '../../src/checks/audit/types.ts';
import type { Facts } from '../../src/checks/facts.ts';
import { checkLineOfSight } from '../../src/checks/firewall.ts';
import { lineOfSight } from '../../src/checks/line-of-sight.ts';
import { lineOfSight as runbookLineOfSight } from '../../src/checks/posture.ts';
import { APIM_ID, apimOf, baseline, NOW, SUB, SUBNET_ID, VAULT_ID, vaultOf, subnetOf } from './builders.ts';

const PE_ID = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Network/privateEndpoints/pe-kv`;

interface Estate {
  vnet: boolean;
  endpoint: boolean;
  pna: string;
  ipRules: string[];
  vnetRule: boolean;
  pe: boolean;
  sku?: string;
}

/** The runbook's facts and the audit's fleet facts for one estate (a system-identity certificate on kv-contoso). */
function estate(e: Estate): { f: Facts; fleet: FleetFacts } {
  const f = baseline();
  const apim = apimOf(f);
  const v = vaultOf(f);
  if (e.sku) apim.sku = e.sku;
  if (!e.vnet) {
    apim.virtualNetworkType = 'None';
    delete apim.subnetId;
    delete f.subnet;
    delete f.nsg;
  } else if (!e.endpoint) subnetOf(f).serviceEndpoints = subnetOf(f).serviceEndpoints.filter((s) => s.service !== 'Microsoft.KeyVault');
  v.publicNetworkAccess = e.pna;
  v.networkAcls = {
    bypass: 'AzureServices',
    defaultAction: 'Deny',
    ipRules: e.ipRules,
    virtualNetworkRules: e.vnetRule ? [{ id: SUBNET_ID }] : [],
  };
  if (e.pe) {
    v.privateEndpointConnections = [{ id: `${VAULT_ID}/privateEndpointConnections/pec`, status: 'Approved', privateEndpointId: PE_ID }];
    f.privateEndpoints = {
      ok: true,
      value: [
        {
          id: PE_ID,
          subnetId: SUBNET_ID,
          connectionStatus: 'Approved',
          privateDnsZoneIds: [
            `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`,
          ],
        },
      ],
    };
  }
  const fleet: FleetFacts = {
    instances: [
      {
        instance: {
          id: APIM_ID,
          name: 'apim-contoso',
          resourceGroup: 'rg-app',
          subscriptionId: SUB,
          sku: apim.sku,
          identityType: 'SystemAssigned',
          vnetType: apim.virtualNetworkType,
          ...(apim.subnetId ? { subnetId: apim.subnetId } : {}),
          publicIPs: apim.publicIPAddresses,
        },
        references: [
          { kind: 'certificate', name: 'gateway-client', secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/gateway-client' },
        ],
        errors: [],
      },
    ],
    vaults: [
      {
        id: VAULT_ID,
        name: 'kv-contoso',
        resourceGroup: 'rg-app',
        subscriptionId: SUB,
        vaultUri: v.vaultUri,
        pna: v.publicNetworkAccess,
        defaultAction: 'Deny',
        bypass: 'AzureServices',
        ipRules: e.ipRules.map((value) => ({ value })),
        vnetRules: e.vnetRule ? [{ id: SUBNET_ID }] : [],
        peCount: e.pe ? 1 : 0,
        softDelete: true,
        purgeProtection: true,
      },
    ],
    truncated: [],
    readAt: NOW,
    stats: { graphPages: 0, armLists: 0, requests: 0, throttled: 0, ms: 0 },
  };
  return { f, fleet };
}

const gatewayBypass = (fleet: FleetFacts) => auditFleet(fleet, { now: NOW }).some((x) => x.kind === 'gateway-bypass');

const SAME: [string, Estate, string[]][] = [
  [
    'outside a VNet, an IP rule for the public IP',
    { vnet: false, endpoint: false, pna: 'Enabled', ipRules: ['20.50.1.10/32'], vnetRule: false, pe: false },
    ['ipRule'],
  ],
  [
    'outside a VNet, an IP rule for another range',
    { vnet: false, endpoint: false, pna: 'Enabled', ipRules: ['203.0.113.0/24'], vnetRule: false, pe: false },
    [],
  ],
  [
    'public access Disabled: the IP rule is ignored',
    { vnet: false, endpoint: false, pna: 'Disabled', ipRules: ['20.50.1.10/32'], vnetRule: false, pe: false },
    [],
  ],
  [
    'Consumption: no dedicated outbound IP, an IP rule does not count',
    { vnet: false, endpoint: false, pna: 'Enabled', ipRules: ['20.50.1.10/32'], vnetRule: false, pe: false, sku: 'Consumption' },
    [],
  ],
  [
    'in a VNet with the endpoint, a VNet rule for the subnet',
    { vnet: true, endpoint: true, pna: 'Enabled', ipRules: [], vnetRule: true, pe: false },
    ['vnetRule'],
  ],
  [
    'in a VNet, an approved private endpoint with public access Disabled',
    { vnet: true, endpoint: false, pna: 'Disabled', ipRules: [], vnetRule: false, pe: true },
    ['privateEndpoint'],
  ],
  [
    'in a VNet, no rule and no private endpoint',
    { vnet: true, endpoint: true, pna: 'Enabled', ipRules: [], vnetRule: false, pe: false },
    [],
  ],
];

describe('the network line of sight, shared by the runbook and the audit', () => {
  for (const [name, e, kinds] of SAME) {
    it(`${name}: FW-LOS and gateway-bypass agree`, () => {
      const { f, fleet } = estate(e);
      assert.deepEqual(
        runbookLineOfSight(f, apimOf(f), vaultOf(f)).paths.map((p) => p.kind),
        kinds,
      );
      assert.equal(checkLineOfSight(f).status, kinds.length ? 'pass' : 'info');
      assert.equal(auditLineOfSight(fleet.instances[0]!.instance, fleet.vaults[0]!), kinds.length > 0);
      assert.equal(gatewayBypass(fleet), kinds.length === 0, 'the audit notes the bypass exactly where the runbook finds no line of sight');
    });
  }

  // The audit cannot see the subnet's service endpoint (Resource Graph rows): a VNet rule is a possible path there, and
  // the one rule says so instead of guessing; the runbook, which read the subnet, knows the rule cannot work yet.
  it('a VNet rule without the service endpoint: no path for the runbook, a possible one (with its gap) for the audit', () => {
    const { f, fleet } = estate({ vnet: true, endpoint: false, pna: 'Enabled', ipRules: [], vnetRule: true, pe: false });
    assert.deepEqual(runbookLineOfSight(f, apimOf(f), vaultOf(f)).paths, []);
    const reading = lineOfSight(
      { inVnet: true, subnetId: SUBNET_ID, consumption: false, sourceIps: ['20.50.1.10'], endpointGap: 'not shown' },
      { defaultAction: 'Deny', publicNetworkAccess: 'Enabled', ipRules: [], vnetRuleIds: [SUBNET_ID], privateEndpoints: [] },
    );
    assert.deepEqual(reading.paths, []);
    assert.deepEqual(
      reading.possible.map((p) => p.kind),
      ['vnetRule'],
    );
    assert.deepEqual(reading.gaps, ['not shown']);
    assert.equal(gatewayBypass(fleet), false);
  });

  it('with the service endpoint an IP rule for the public IP no longer matches (the source is the private address)', () => {
    const { f } = estate({ vnet: true, endpoint: true, pna: 'Enabled', ipRules: ['20.50.1.10/32'], vnetRule: false, pe: false });
    assert.deepEqual(runbookLineOfSight(f, apimOf(f), vaultOf(f)).paths, []);
    assert.deepEqual(runbookLineOfSight(f, apimOf(f), vaultOf(f)).ipRuleCandidates, []);
  });

  it('every public IP must be covered: one uncovered address is a candidate, not a path', () => {
    const reading = lineOfSight(
      { inVnet: false, consumption: false, sourceIps: ['20.50.1.10', '20.50.2.20'] },
      { defaultAction: 'Deny', publicNetworkAccess: 'Enabled', ipRules: ['20.50.1.0/24'], vnetRuleIds: [], privateEndpoints: [] },
    );
    assert.deepEqual(reading.paths, []);
    assert.deepEqual(reading.ipRuleCandidates, ['20.50.2.20']);
  });
});
