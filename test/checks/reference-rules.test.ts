// One implementation of the per-reference rules: the runbook and the fleet audit read the same estate through their own
// facts and reach the same verdict on each reference, because both ask src/checks/reference-rules.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditFleet } from '../../src/checks/audit/findings.ts';
import type { FleetFacts, FleetReference } from '../../src/checks/audit/types.ts';
import { checkHostname } from '../../src/checks/certificate.ts';
import type { Facts, VaultFacts } from '../../src/checks/facts.ts';
import { pairChecks } from '../../src/checks/references.ts';
import { bypassInForce, firewalled, referenceVerdicts } from '../../src/checks/reference-rules.ts';
import { APIM_ID, apimOf, baseline, find, NOW, SUB, UAI_CLIENT, UAI_ID, VAULT_ID, vaultOf } from './builders.ts';

const HOSTNAME_ID = 'https://kv-contoso.vault.azure.net/secrets/tls';

/** The runbook's facts and the audit's fleet facts for one estate: a custom domain and a certificate on kv-contoso. */
function estate(vault: Partial<VaultFacts['networkAcls']> & { publicNetworkAccess?: string }, hostnameClient?: string) {
  const f: Facts = baseline();
  const v = vaultOf(f);
  v.networkAcls = { ...v.networkAcls, ipRules: [], virtualNetworkRules: [], ...vault };
  if (vault.publicNetworkAccess) v.publicNetworkAccess = vault.publicNetworkAccess;
  apimOf(f).hostnameConfigurations = [
    {
      type: 'Proxy',
      hostName: 'api.contoso.com',
      keyVaultId: HOSTNAME_ID,
      ...(hostnameClient ? { identityClientId: hostnameClient } : {}),
    },
  ];
  const refs: FleetReference[] = [
    {
      kind: 'hostname',
      name: 'api.contoso.com',
      secretIdentifier: HOSTNAME_ID,
      ...(hostnameClient ? { identityClientId: hostnameClient } : {}),
    },
  ];
  const fleet: FleetFacts = {
    instances: [
      {
        instance: {
          id: APIM_ID,
          name: 'apim-contoso',
          resourceGroup: 'rg-app',
          subscriptionId: SUB,
          sku: 'Developer',
          identityType: 'SystemAssigned, UserAssigned',
          uais: { [UAI_ID]: { clientId: UAI_CLIENT, principalId: 'p' } },
          noTrusted: 'True',
        },
        references: refs,
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
        defaultAction: v.networkAcls.defaultAction,
        bypass: v.networkAcls.bypass,
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

const auditKinds = (fleet: FleetFacts) => auditFleet(fleet, { now: NOW }).map((x) => `${x.kind}:${x.severity}`);

describe('the per-reference rules, shared by the runbook and the audit', () => {
  // https://learn.microsoft.com/azure/key-vault/general/network-security: a network security perimeter overrides the
  // trusted-services exception; public access Disabled is a firewall even with defaultAction Allow.
  it('firewall and bypass: a perimeter is a firewall without the exception; Disabled is a firewall', () => {
    assert.equal(firewalled({ publicNetworkAccess: 'SecuredByPerimeter', defaultAction: 'Allow' }), true);
    assert.equal(bypassInForce({ publicNetworkAccess: 'SecuredByPerimeter', bypass: 'AzureServices' }), false);
    assert.equal(firewalled({ publicNetworkAccess: 'Disabled', defaultAction: 'Allow' }), true);
    assert.equal(bypassInForce({ bypass: '' }), true, "ARM's default bypass is AzureServices");
    assert.equal(firewalled({ publicNetworkAccess: 'Enabled', defaultAction: 'Allow' }), false);
  });

  // https://learn.microsoft.com/azure/api-management/configure-custom-domain: behind the vault firewall a custom domain
  // needs the trusted-services exception (a line of sight does not count) and the system-assigned identity.
  it('a custom domain on a firewalled vault without the exception fails in both (the runbook used to warn)', () => {
    const { f, fleet } = estate({ defaultAction: 'Deny', bypass: 'None' });
    assert.equal(checkHostname(f).status, 'fail');
    assert.match(checkHostname(f).cause, /trusted-services exception is off.*next sync will fail/);
    assert.ok(auditKinds(fleet).includes('hostname-bypass-only:fail'));
  });

  it('a custom domain read by a user-assigned identity behind the firewall fails in both, naming the same rule', () => {
    const { f, fleet } = estate({ defaultAction: 'Deny', bypass: 'AzureServices' }, UAI_CLIENT);
    assert.equal(checkHostname(f).status, 'fail');
    assert.match(checkHostname(f).cause, /user-assigned identity uai-certs .*behind the vault firewall/);
    assert.ok(auditKinds(fleet).includes('uai-behind-firewall:fail'));
    assert.ok(auditKinds(fleet).includes('hostname-bypass-only:warn'), 'the audit also notes the dependence on the exception');
  });

  it('an open vault: neither finds anything wrong with the custom domain', () => {
    const { f, fleet } = estate({ defaultAction: 'Allow' }, UAI_CLIENT);
    assert.equal(checkHostname(f).status, 'pass');
    assert.deepEqual(
      auditKinds(fleet).filter((k) => /uai|hostname/.test(k)),
      [],
    );
  });

  // https://learn.microsoft.com/azure/api-management/api-management-howto-use-managed-service-identity: only the system
  // identity gets the trusted-services exception. The runbook's pair checks and the audit both use the rule's verdict.
  it('a certificate read by a user-assigned identity behind the firewall: FW-IDENTITY@uai fails, the audit says uai-behind-firewall', () => {
    const { f, fleet } = estate({ defaultAction: 'Deny' });
    apimOf(f).hostnameConfigurations = [];
    const c = f.apimCertificates.ok ? f.apimCertificates.value[0]! : undefined;
    c!.keyVault = { secretIdentifier: 'https://kv-contoso.vault.azure.net/secrets/gw', identityClientId: UAI_CLIENT };
    fleet.instances[0]!.references = [
      { kind: 'certificate', name: c!.name, secretIdentifier: c!.keyVault.secretIdentifier, identityClientId: UAI_CLIENT },
    ];
    assert.equal(find(pairChecks(f), 'FW-IDENTITY@uai-certs').status, 'fail');
    assert.ok(auditKinds(fleet).includes('uai-behind-firewall:fail'));
    assert.deepEqual(
      referenceVerdicts(
        fleet.instances[0]!.references[0]!,
        { hasSystemIdentity: true, userAssignedClientIds: [UAI_CLIENT] },
        { defaultAction: 'Deny' },
        NOW,
        30,
      ).map((v) => v.rule),
      ['uai-behind-firewall'],
    );
  });
});
