import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Facts } from '../../src/checks/facts.ts';
import {
  checkBypass,
  checkClientIp,
  checkClientIpCleanup,
  checkIdentity,
  checkLineOfSight,
  checkPublicAccessDisabled,
  checkRetirement,
  checkState,
  DISABLE_OVER_PRIVILEGED_ACCESS,
} from '../../src/checks/firewall.ts';
import { APIM_ID, apimOf, baseline, forbidden, noVnet, SUBNET_ID, subnetOf, UAI_ID, VAULT_ID, vaultOf } from './builders.ts';

function publicVault(f: Facts = baseline()): Facts {
  vaultOf(f).networkAcls.defaultAction = 'Allow';
  return f;
}

describe('FW-STATE', () => {
  it('is info and says the firewall is on', () => {
    const r = checkState(baseline());
    assert.equal(r.status, 'info');
    assert.equal(
      r.cause,
      'The firewall is on: only selected networks are allowed (default action Deny). The checks below say how API Management and you get through.',
    );
  });
  it('treats public access disabled as on even with default action Allow', () => {
    const f = publicVault();
    vaultOf(f).publicNetworkAccess = 'Disabled';
    assert.match(checkState(f).cause, /^The firewall is on: public network access is disabled/);
  });
  it('the other checks are skipped when the firewall is off', () => {
    const f = publicVault();
    for (const check of [checkIdentity, checkBypass, checkLineOfSight, checkClientIp]) {
      assert.deepEqual(
        [check(f).status, check(f).cause],
        ['skipped', 'The vault firewall is off (public access from all networks): nothing to check here.'],
      );
    }
  });
});

describe('FW-IDENTITY', () => {
  it('passes with the system identity', () => assert.equal(checkIdentity(baseline()).status, 'pass'));
  it('fails when a user-assigned identity is chosen behind the firewall', () => {
    const f = baseline();
    f.intent = {
      kind: 'keyVault',
      certificateId: 'c',
      secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/c',
      identity: { userAssignedId: UAI_ID },
    };
    const r = checkIdentity(f);
    assert.deepEqual([r.status, r.fix], ['fail', undefined]);
    assert.equal(
      r.cause,
      'API Management would use the user-assigned identity uai-certs, but behind the vault firewall only the system-assigned identity gets the trusted-service exception. Choose the system-assigned identity in step 5.',
    );
  });
  it('offers to enable the system identity when only a user-assigned one exists', () => {
    const f = baseline();
    apimOf(f).identity = { type: 'UserAssigned', userAssigned: apimOf(f).identity.userAssigned };
    const r = checkIdentity(f);
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.fix?.operations, [{ kind: 'apim.enableSystemIdentity', apimId: APIM_ID }]);
    assert.deepEqual(r.fix?.preview[0].body, {
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAI_ID]: {} } },
    });
  });
});

describe('FW-BYPASS', () => {
  it('passes with the exception on and says the gateway no longer uses it', () => {
    const r = checkBypass(baseline());
    assert.equal(r.status, 'pass');
    assert.match(r.cause, /no longer serves the gateway \(policies, backends, send-request\)/);
  });
  it('passes with the exception off when a VNet rule gives a line of sight', () => {
    const f = baseline();
    vaultOf(f).networkAcls.bypass = 'None';
    const r = checkBypass(f);
    assert.equal(r.status, 'pass');
    assert.equal(
      r.cause,
      'The exception is off, but API Management has a network line of sight to the vault, which is enough for certificates and named values.',
    );
  });
  it('fails with the exception off and no line of sight', () => {
    const f = baseline();
    vaultOf(f).networkAcls.bypass = 'None';
    vaultOf(f).networkAcls.virtualNetworkRules = [];
    const r = checkBypass(f);
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.fix?.operations, [{ kind: 'vault.setBypass', vaultId: VAULT_ID, bypass: 'AzureServices' }]);
    assert.deepEqual(r.fix?.az, ['az keyvault update --name kv-contoso --resource-group rg-app --bypass AzureServices']);
  });
  it('fails for a custom domain on the vault even with a line of sight', () => {
    const f = baseline();
    vaultOf(f).networkAcls.bypass = 'None';
    apimOf(f).hostnameConfigurations = [
      {
        type: 'Proxy',
        hostName: 'api.contoso.com',
        keyVaultId: 'https://kv-contoso.vault.azure.net/secrets/gw',
        certificateSource: 'KeyVault',
        certificateStatus: 'Completed',
      },
    ];
    const r = checkBypass(f);
    assert.equal(r.status, 'fail');
    assert.equal(
      r.cause,
      'Custom-domain certificates (api.contoso.com) need the vault public or the trusted-services exception, even when API Management has a network line of sight: turn the exception on.',
    );
    assert.equal(r.fix?.operations[0].kind, 'vault.setBypass');
  });
  it('warns under a network security perimeter', () => {
    const f = baseline();
    vaultOf(f).publicNetworkAccess = 'SecuredByPerimeter';
    assert.equal(checkBypass(f).status, 'warn');
  });
  it('is unknown when the subnet could not be read and the exception is off', () => {
    const f = baseline();
    vaultOf(f).networkAcls.bypass = 'None';
    f.subnet = forbidden('Microsoft.Network/virtualNetworks/subnets/read');
    assert.equal(checkBypass(f).status, 'unknown');
  });
  it('treats an absent bypass as the ARM default AzureServices', () => {
    const f = baseline();
    vaultOf(f).networkAcls.bypass = '';
    assert.equal(checkBypass(f).status, 'pass');
  });
});

describe('FW-LOS', () => {
  it('passes with the VNet rule', () => assert.equal(checkLineOfSight(baseline()).status, 'pass'));
  it('passes outside a VNet when an IP rule covers the public IP', () =>
    assert.equal(
      checkLineOfSight(noVnet()).cause,
      'The gateway can reach the vault without the trusted-services exception: IP rules cover 20.50.1.10.',
    ));
  // The March 2026 retirement affects the gateway only; certificates, named values and custom domains keep the
  // exception: https://learn.microsoft.com/azure/api-management/breaking-changes/trusted-service-connectivity-retirement-march-2026
  it('is advice (info, never in fix all) outside a VNet, with an IP rule for the public IP to apply by choice', () => {
    const f = noVnet();
    vaultOf(f).networkAcls.ipRules = ['203.0.113.0/24'];
    const r = checkLineOfSight(f);
    assert.equal(r.status, 'info');
    assert.match(
      r.cause,
      /only if policies, backends or send-request calls reach this vault; certificates, named values and custom domains are not affected/,
    );
    assert.deepEqual(r.fix?.operations, [{ kind: 'vault.addIpRule', vaultId: VAULT_ID, value: '20.50.1.10/32' }]);
    assert.deepEqual(r.fix?.az, ['az keyvault network-rule add --name kv-contoso --resource-group rg-app --ip-address 20.50.1.10/32']);
    assert.deepEqual(r.fix?.preview[0].diff, [
      '  defaultAction: Deny',
      '  bypass: AzureServices',
      '  ipRule: 203.0.113.0/24',
      '+ ipRule: 20.50.1.10/32',
    ]);
  });
  it('offers the VNet rule when the subnet has the service endpoint', () => {
    const f = baseline();
    vaultOf(f).networkAcls.virtualNetworkRules = [];
    const r = checkLineOfSight(f);
    assert.deepEqual(r.fix?.operations, [{ kind: 'vault.addVirtualNetworkRule', vaultId: VAULT_ID, subnetId: SUBNET_ID }]);
  });
  it('an IP rule does not count once the subnet has a Key Vault service endpoint', () => {
    const f = baseline();
    vaultOf(f).networkAcls.virtualNetworkRules = [];
    vaultOf(f).networkAcls.ipRules = ['20.50.1.10/32'];
    assert.equal(checkLineOfSight(f).status, 'info');
    subnetOf(f).serviceEndpoints = [];
    assert.equal(checkLineOfSight(f).status, 'pass');
  });
  it('with public access disabled only a private endpoint counts; no fix', () => {
    const f = baseline();
    vaultOf(f).publicNetworkAccess = 'Disabled';
    const r = checkLineOfSight(f);
    assert.deepEqual([r.status, r.fix], ['info', undefined]);
    assert.match(r.cause, /only a private endpoint in API Management's virtual network can give one \(VNET-PE\)\.$/);
    vaultOf(f).privateEndpointConnections = [
      { id: `${VAULT_ID}/privateEndpointConnections/pe1`, privateEndpointId: '/pe/1', status: 'Approved' },
    ];
    f.privateEndpoints = {
      ok: true,
      value: [
        { id: '/pe/1', subnetId: SUBNET_ID, connectionStatus: 'Approved', privateDnsZoneIds: ['/zones/privatelink.vaultcore.azure.net'] },
      ],
    };
    assert.equal(checkLineOfSight(f).status, 'pass');
  });
  it('Consumption has no dedicated IP: info without a fix (a warning there could never be fixed)', () => {
    const f = noVnet();
    apimOf(f).sku = 'Consumption';
    const r = checkLineOfSight(f);
    assert.deepEqual([r.status, r.fix], ['info', undefined]);
  });
});

describe('FW-RETIRE', () => {
  it('is info with a separate, optional acknowledgement plan', () => {
    const r = checkRetirement(baseline());
    assert.equal(r.status, 'info');
    assert.equal(r.fix?.id, 'FW-RETIRE:acknowledge');
    assert.match(r.fix!.title, /^Optional, only after every gateway dependency has a line of sight/);
    assert.deepEqual(r.fix?.operations, [
      { kind: 'apim.setCustomProperty', apimId: APIM_ID, key: DISABLE_OVER_PRIVILEGED_ACCESS, value: 'True' },
    ]);
    assert.deepEqual(r.fix?.preview[0].body, {
      properties: {
        customProperties: {
          'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': 'False',
          [DISABLE_OVER_PRIVILEGED_ACCESS]: 'True',
        },
      },
    });
    assert.deepEqual(r.fix?.preview[0].diff, [
      '  Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10: False',
      `+ ${DISABLE_OVER_PRIVILEGED_ACCESS}: True`,
    ]);
  });
  it('passes once acknowledged', () => {
    const f = baseline();
    apimOf(f).customProperties[DISABLE_OVER_PRIVILEGED_ACCESS] = 'True';
    assert.equal(checkRetirement(f).status, 'pass');
  });
  it('has nothing to acknowledge for instances created from 1 December 2025', () => {
    const f = baseline();
    apimOf(f).createdAtUtc = '2025-12-02T00:00:00Z';
    assert.deepEqual([checkRetirement(f).status, checkRetirement(f).fix], ['info', undefined]);
  });
});

describe('FW-CLIENTIP', () => {
  const blocked = (f: Facts) => {
    f.operatorDataPlane = {
      ok: true,
      value: {
        status: 'firewall',
        clientAddress: '198.51.100.7',
        message: 'Client address is not authorized and caller is not a trusted service. Client address: 198.51.100.7',
      },
    };
    return f;
  };
  it('passes when the probe gets in', () => assert.equal(checkClientIp(baseline()).status, 'pass'));
  it('offers a temporary /32 rule when blocked', () => {
    const r = checkClientIp(blocked(baseline()));
    assert.equal(r.status, 'info');
    assert.equal(r.fix?.temporary, true);
    assert.deepEqual(r.fix?.operations, [{ kind: 'vault.addIpRule', vaultId: VAULT_ID, value: '198.51.100.7/32', temporary: true }]);
    assert.deepEqual(r.fix?.az, ['az keyvault network-rule add --name kv-contoso --resource-group rg-app --ip-address 198.51.100.7/32']);
  });
  it("offers no rule for an address that is not public IPv4, whatever the vault's error text said (issue 15)", () => {
    for (const address of ['0.0.0.0', '10.0.0.4', '127.0.0.1', '1.2.3', '240.1.2.3']) {
      const f = baseline();
      f.operatorDataPlane = {
        ok: true,
        value: { status: 'firewall', clientAddress: address, message: `Client address is not authorized. Client address: ${address}` },
      };
      const r = checkClientIp(f);
      assert.deepEqual([r.status, r.fix], ['info', undefined], address);
      assert.match(r.cause, /is not a public IPv4 address, so no rule can admit you/);
    }
  });
  it('offers no rule when public access is disabled', () => {
    const f = blocked(baseline());
    vaultOf(f).publicNetworkAccess = 'Disabled';
    assert.deepEqual([checkClientIp(f).status, checkClientIp(f).fix], ['info', undefined]);
  });
  it('is unknown when the probe failed', () => {
    const f = baseline();
    f.operatorDataPlane = { ok: false, unknown: 'Network', message: 'ETIMEDOUT' };
    assert.equal(checkClientIp(f).status, 'unknown');
  });
});

describe('FW-CLIENTIP-CLEANUP', () => {
  it('passes with nothing temporary', () => assert.equal(checkClientIpCleanup(baseline()).status, 'pass'));
  it('offers to remove exactly the recorded rule, even when the firewall is off', () => {
    const f = publicVault();
    vaultOf(f).networkAcls.ipRules.push('198.51.100.7/32');
    f.temporaryChanges = [{ kind: 'vault.ipRule', vaultId: VAULT_ID, value: '198.51.100.7/32', addedAt: '2026-11-22T09:30:00Z' }];
    const r = checkClientIpCleanup(f);
    assert.equal(r.status, 'warn');
    assert.deepEqual(r.evidence, ['198.51.100.7/32 on kv-contoso (added 2026-11-22T09:30:00Z, still present)']);
    assert.deepEqual(r.fix?.operations, [{ kind: 'vault.removeIpRule', vaultId: VAULT_ID, value: '198.51.100.7/32' }]);
    assert.deepEqual(r.fix?.preview[0].diff, [
      '  defaultAction: Allow',
      '  bypass: AzureServices',
      '  ipRule: 203.0.113.0/24',
      '- ipRule: 198.51.100.7/32',
      '  virtualNetworkRule: ' + SUBNET_ID,
    ]);
    assert.deepEqual(r.fix?.az, ['az keyvault network-rule remove --name kv-contoso --resource-group rg-app --ip-address 198.51.100.7/32']);
    assert.equal(r.fix?.temporary, undefined);
  });
});

describe('FW-PNA-DISABLED', () => {
  it('is skipped while public access is enabled', () => assert.equal(checkPublicAccessDisabled(baseline()).status, 'skipped'));
  it('is info when disabled', () => {
    const f = baseline();
    vaultOf(f).publicNetworkAccess = 'Disabled';
    assert.equal(
      checkPublicAccessDisabled(f).cause,
      "Public network access is disabled. API Management's control plane still gets in through the trusted-services exception. You need a path through a private endpoint to browse the vault, or type the secret identifier in step 5.",
    );
  });
});

describe('FW-LOS in a virtual network without the service endpoint', () => {
  it('points at VNET-SE instead of an IP rule that the endpoint would break', () => {
    const f = baseline();
    vaultOf(f).networkAcls.virtualNetworkRules = [];
    subnetOf(f).serviceEndpoints = [];
    const r = checkLineOfSight(f);
    assert.deepEqual([r.status, r.fix], ['info', undefined]);
    assert.match(r.cause, /\(VNET-SE adds both; it changes the source address of API Management's traffic to every vault\)\.$/);
  });
  it('FW-IDENTITY: a chosen system identity that is not enabled', () => {
    const f = baseline();
    apimOf(f).identity = { type: 'UserAssigned', userAssigned: apimOf(f).identity.userAssigned };
    f.intent = {
      kind: 'keyVault',
      certificateId: 'c',
      secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/c',
      identity: 'system',
    };
    const r = checkIdentity(f);
    assert.equal(
      r.cause,
      'The system-assigned identity is not enabled, and behind the vault firewall it is the only identity admitted (user-assigned identities do not get the trusted-service exception). Enable it, then grant it access (step 2).',
    );
    assert.equal(r.fix?.operations[0].kind, 'apim.enableSystemIdentity');
  });
});
