// Step 3's vault-level checks, step 4 (virtual network) and REF-SECRET on a vault in another subscription: the same
// checks as the target vault's,
// run over that vault's facts, each finding naming the vault and the references (and identities) that read it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainFailure } from '../../src/checks/certificate.ts';
import type { Facts, ReferencedSecretFacts, VaultFacts } from '../../src/checks/facts.ts';
import { runChecks } from '../../src/checks/index.ts';
import { firewallChecks } from '../../src/checks/firewall.ts';
import { networkChecks, otherVaultNetworkChecks } from '../../src/checks/network.ts';
import { otherVaultFirewallChecks, otherVaultSecretChecks } from '../../src/checks/references.ts';
import { APIM_ID, apimOf, baseline, find, nsgOf, rule, SUBNET_ID, subnetOf, vaultOf } from './builders.ts';

const OTHER_SUB = '33333333-3333-3333-3333-333333333333';
const OTHER_ID = `/subscriptions/${OTHER_SUB}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-shared`;
const HOST = 'kv-shared.vault.azure.net';
const NV_ID = `https://${HOST}/secrets/partner`;
const CERT_ID = `https://${HOST}/secrets/partner-mtls`;
const PE_ID = `/subscriptions/${OTHER_SUB}/resourceGroups/rg-shared/providers/Microsoft.Network/privateEndpoints/pe-kv-shared`;

/** The baseline (target kv-contoso admits the subnet) plus a named value and a certificate on kv-shared in another subscription. */
function estate(shared: Partial<VaultFacts> = {}, f: Facts = baseline()): Facts {
  const v: VaultFacts = {
    ...vaultOf(f),
    id: OTHER_ID,
    name: 'kv-shared',
    resourceGroup: 'rg-shared',
    vaultUri: `https://${HOST}/`,
    networkAcls: { bypass: 'None', defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [] },
    ...shared,
  };
  f.otherVaults = { [HOST]: { ok: true, value: v } };
  f.otherVaultRoleAssignments = { [HOST]: { ok: true, value: [] } };
  f.namedValues = {
    ok: true,
    value: [{ id: `${APIM_ID}/namedValues/partner`, name: 'partner', keyVault: { secretIdentifier: NV_ID } }],
  };
  if (f.apimCertificates.ok)
    f.apimCertificates.value.push({
      id: `${APIM_ID}/certificates/partner-mtls`,
      name: 'partner-mtls',
      subject: 'CN=partner',
      thumbprint: 'B1',
      expirationDate: '2027-06-01T00:00:00Z',
      keyVault: { secretIdentifier: CERT_ID },
    });
  f.referencedSecrets = {
    ...f.referencedSecrets,
    [NV_ID]: secret('partner', [{ version: 'n1', enabled: true, created: '2026-01-01T00:00:00Z', contentType: 'text/plain' }]),
    [CERT_ID]: secret('partner-mtls', [
      { version: 'c1', enabled: true, created: '2026-01-01T00:00:00Z', contentType: 'application/x-pkcs12' },
    ]),
  };
  return f;
}

function secret(name: string, versions: ReferencedSecretFacts['versions']) {
  return { ok: true as const, value: { secretId: `https://${HOST}/secrets/${name}`, name, versions } };
}

const noEndpoint = (f: Facts) => {
  subnetOf(f).serviceEndpoints = subnetOf(f).serviceEndpoints.filter((s) => s.service !== 'Microsoft.KeyVault');
  return f;
};

const VAULT_LEVEL = ['FW-STATE', 'FW-BYPASS', 'FW-LOS', 'FW-PNA-DISABLED'];

describe('step 3 on a vault in another subscription', () => {
  // https://learn.microsoft.com/azure/api-management/api-management-howto-use-managed-service-identity#requirements-for-key-vault-firewall:
  // behind the firewall API Management's system identity reads certificates and named values through the
  // trusted-services exception; with it off and no line of sight the firewall blocks the fetch.
  it('bypass None and no line of sight: FW-BYPASS@kv-shared fails naming the vault; its fix turns the exception on there, in its own subscription', () => {
    const f = estate();
    const bypass = find(otherVaultFirewallChecks(f), 'FW-BYPASS@kv-shared');
    assert.equal(bypass.status, 'fail');
    assert.equal(bypass.title, 'Trusted Microsoft services exception: on kv-shared');
    assert.match(
      bypass.cause,
      /^For certificate partner-mtls, named value partner \(identity apim-contoso \(system identity\), vault kv-shared\): The exception is off and API Management has no network line of sight/,
    );
    assert.match(bypass.cause, /give it a line of sight \(FW-LOS@kv-shared\)/, "the other vault's own FW-LOS");
    assert.deepEqual(bypass.about?.vault, 'kv-shared');
    assert.deepEqual(bypass.fix!.operations, [{ kind: 'vault.setBypass', vaultId: OTHER_ID, bypass: 'AzureServices' }]);
    assert.equal(bypass.fix!.id, 'FW-BYPASS:fix@kv-shared');
    assert.equal(bypass.fix!.checkId, 'FW-BYPASS@kv-shared');
    // az resolves --name/--resource-group in the run's subscription: the vault's own is named.
    assert.deepEqual(bypass.fix!.az, [
      `az keyvault update --name kv-shared --resource-group rg-shared --subscription ${OTHER_SUB} --bypass AzureServices`,
    ]);
    assert.ok(bypass.fix!.requiredRoles.some((r) => r.scope === OTHER_ID));
    assert.equal(find(firewallChecks(f), 'FW-BYPASS').status, 'pass', "the target's own exception is on");
    // In runbook order, after the target's step-3 checks and the pairs' FW-IDENTITY.
    const ids = runChecks(f).map((x) => x.checkId);
    assert.ok(ids.indexOf('FW-BYPASS@kv-shared') > ids.indexOf('FW-PNA-DISABLED'));
    assert.ok(ids.indexOf('FW-BYPASS@kv-shared') < ids.indexOf('VNET-MODE'));
  });

  it('the same rule code as the target vault: the other vault judged as the target gives the same verdicts and operations', () => {
    for (const shared of [
      {},
      { networkAcls: { bypass: 'None', defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [{ id: SUBNET_ID }] } },
      {
        publicNetworkAccess: 'Disabled',
        networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [] },
      },
    ] satisfies Partial<VaultFacts>[]) {
      const f = estate(shared);
      const asTarget: Facts = { ...f, vault: f.otherVaults![HOST]!, otherVaults: {}, privateEndpoints: { ok: true, value: [] } };
      const target = firewallChecks(asTarget).filter((x) => VAULT_LEVEL.includes(x.checkId) && x.status !== 'skipped');
      const other = otherVaultFirewallChecks({ ...f, otherVaultPrivateEndpoints: { [HOST]: { ok: true, value: [] } } });
      assert.deepEqual(
        other.map((x) => [x.checkId.split('@')[0], x.status, x.fix?.operations]),
        target.map((x) => [x.checkId, x.status, x.fix?.operations]),
      );
    }
  });

  // https://learn.microsoft.com/azure/key-vault/general/network-security: a VNet rule for a subnet with the
  // Microsoft.KeyVault endpoint admits its traffic, so the exception is not needed for certificates and named values.
  it('a VNet rule for the subnet on kv-shared: FW-BYPASS@kv-shared and FW-LOS@kv-shared pass by that line of sight', () => {
    const f = estate({ networkAcls: { bypass: 'None', defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [{ id: SUBNET_ID }] } });
    const found = otherVaultFirewallChecks(f);
    assert.equal(find(found, 'FW-BYPASS@kv-shared').status, 'pass');
    assert.equal(find(found, 'FW-LOS@kv-shared').status, 'pass');
    assert.match(find(found, 'FW-LOS@kv-shared').cause, /without the trusted-services exception/);
  });

  // The March 2026 retirement (domain.md §2.4; api-management/breaking-changes/trusted-service-connectivity-retirement-march-2026)
  // concerns the gateway only: FW-LOS@kv-shared is advice (info), and its fix is the VNet rule on kv-shared.
  it('exception on, no line of sight: FW-LOS@kv-shared is info with the VNet rule on kv-shared as its (optional) fix', () => {
    const f = estate({ networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [] } });
    const found = otherVaultFirewallChecks(f);
    assert.equal(find(found, 'FW-BYPASS@kv-shared').status, 'pass');
    const los = find(found, 'FW-LOS@kv-shared');
    assert.equal(los.status, 'info');
    assert.match(los.cause, /certificates, named values and custom domains are not affected/);
    assert.deepEqual(los.fix!.operations, [{ kind: 'vault.addVirtualNetworkRule', vaultId: OTHER_ID, subnetId: SUBNET_ID }]);
    assert.equal(
      los.fix!.az[0],
      `az keyvault network-rule add --name kv-shared --resource-group rg-shared --subscription ${OTHER_SUB} --subnet ${SUBNET_ID}`,
    );
  });

  // https://learn.microsoft.com/azure/key-vault/general/network-security: public access disabled admits private
  // endpoints and (with the exception) trusted services only.
  it('public access disabled on kv-shared: FW-PNA-DISABLED@kv-shared says so; a public kv-shared has only FW-STATE@kv-shared', () => {
    const off = estate({
      publicNetworkAccess: 'Disabled',
      networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [] },
    });
    assert.equal(find(otherVaultFirewallChecks(off), 'FW-PNA-DISABLED@kv-shared').status, 'info');
    const open = estate({ networkAcls: { bypass: 'AzureServices', defaultAction: 'Allow', ipRules: [], virtualNetworkRules: [] } });
    assert.deepEqual(
      otherVaultFirewallChecks(open).map((x) => [x.checkId, x.status]),
      [['FW-STATE@kv-shared', 'info']],
    );
  });

  it('an unreadable other vault gets no step-3 finding of its own (REF-VAULT names the read)', () => {
    const g = estate();
    g.otherVaults = { [HOST]: { ok: false, unknown: 'Forbidden', message: 'Forbidden', missingAction: 'Microsoft.KeyVault/vaults/read' } };
    assert.deepEqual(otherVaultFirewallChecks(g), []);
  });

  // Key Vault's firewall refusal (key-vault/general/network-security) is explained by the open findings on the
  // reference's vault, and the pointer names their step: step 4 when only step 4's findings are open.
  it("a firewall refusal on kv-shared explained by step 3's FW-BYPASS@kv-shared, or by step 4 alone once the exception is on", () => {
    const refusal = { code: 'ForbiddenByFirewall', message: 'Client address is not authorized and caller is not a trusted service.' };
    const who = 'apim-contoso (system identity)';
    const f = noEndpoint(estate());
    const both = explainFailure(
      refusal,
      runChecks(f).filter((x) => x.step !== 'certificate'),
      who,
      f,
      NV_ID,
    );
    assert.match(
      both,
      /see step 3 \(Key Vault firewall\) and step 4 \(Virtual network\) \(.*FW-BYPASS@kv-shared fail.*VNET-KVRULE@kv-shared fail/,
    );
    const g = noEndpoint(estate({ networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [] } }));
    const network = explainFailure(
      refusal,
      runChecks(g).filter((x) => x.step !== 'certificate'),
      who,
      g,
      NV_ID,
    );
    assert.match(network, /: see step 4 \(Virtual network\) \(VNET-KVRULE@kv-shared fail\)$/);
    assert.doesNotMatch(network, /step 3/);
  });
});

describe('step 4 on a vault in another subscription', () => {
  // https://learn.microsoft.com/azure/api-management/api-management-using-with-vnet and
  // https://learn.microsoft.com/azure/key-vault/general/network-security: behind the firewall, API Management in a
  // virtual network reaches the vault through the Microsoft.KeyVault service endpoint and the vault's VNet rule.
  it('firewalled, the subnet without the service endpoint: VNET-SE@kv-shared fails; its fix adds the endpoint and the VNet rule on kv-shared', () => {
    const f = noEndpoint(estate());
    const se = find(otherVaultNetworkChecks(f), 'VNET-SE@kv-shared');
    assert.equal(se.status, 'fail');
    assert.equal(se.title, 'Key Vault service endpoint on the subnet: on kv-shared');
    assert.match(
      se.cause,
      /^For certificate partner-mtls, named value partner \(identity apim-contoso \(system identity\), vault kv-shared\): /,
    );
    assert.deepEqual(se.about, {
      identity: 'apim-contoso (system identity)',
      vault: 'kv-shared',
      references: ['certificate partner-mtls', 'named value partner'],
    });
    assert.deepEqual(se.fix!.operations, [
      { kind: 'subnet.addServiceEndpoint', subnetId: SUBNET_ID, service: 'Microsoft.KeyVault' },
      { kind: 'vault.addVirtualNetworkRule', vaultId: OTHER_ID, subnetId: SUBNET_ID },
    ]);
    assert.equal(se.fix!.checkId, 'VNET-SE@kv-shared');
    // az resolves --name/--resource-group in the run's subscription: the vault's own is named.
    assert.equal(
      se.fix!.az[1],
      `az keyvault network-rule add --name kv-shared --resource-group rg-shared --subscription ${OTHER_SUB} --subnet ${SUBNET_ID}`,
    );
    assert.ok(se.fix!.requiredRoles.some((r) => r.scope === OTHER_ID && r.role === 'Key Vault Contributor'));
    assert.equal(find(otherVaultNetworkChecks(f), 'VNET-KVRULE@kv-shared').status, 'fail');
  });

  it('the same rule code as the target vault: the other vault judged as the target gives the same verdicts and operations', () => {
    const f = noEndpoint(estate());
    const asTarget: Facts = { ...f, vault: f.otherVaults![HOST]!, otherVaults: {}, privateEndpoints: { ok: true, value: [] } };
    const target = networkChecks(asTarget).filter((x) => ['VNET-SE', 'VNET-KVRULE', 'VNET-NSG-KV', 'VNET-PE'].includes(x.checkId));
    const other = otherVaultNetworkChecks({ ...f, otherVaultPrivateEndpoints: { [HOST]: { ok: true, value: [] } } });
    assert.deepEqual(
      other.map((x) => [x.checkId.split('@')[0], x.status, x.fix?.operations]),
      target.map((x) => [x.checkId, x.status, x.fix?.operations]),
    );
  });

  // The endpoint changes the source address for every vault (virtual-network-reference): from kv-shared's fix, the
  // target vault that admits API Management by its public IP today gets the VNet rule in the same plan.
  it("from the other vault's fix, the target admitted by public IP gets the companion VNet rule", () => {
    const f = noEndpoint(estate());
    vaultOf(f).networkAcls = { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: ['20.50.1.10/32'], virtualNetworkRules: [] };
    const se = find(otherVaultNetworkChecks(f), 'VNET-SE@kv-shared');
    assert.deepEqual(
      se.fix!.operations.map((o) => [o.kind, 'vaultId' in o ? o.vaultId : undefined]),
      [
        ['subnet.addServiceEndpoint', undefined],
        ['vault.addVirtualNetworkRule', OTHER_ID],
        ['vault.addVirtualNetworkRule', vaultOf(f).id],
      ],
    );
    assert.match(se.fix!.disruption ?? '', /gateway-client on kv-contoso: admitted today by API Management's public IP/);
  });

  // https://learn.microsoft.com/azure/key-vault/general/private-link-service: through an approved private endpoint the
  // vault is a VirtualNetwork address, so an NSG rule denying AzureKeyVault does not decide the path to kv-shared.
  it('an NSG denying AzureKeyVault: the target fails VNET-NSG-KV, kv-shared behind its private endpoint passes', () => {
    const f = noEndpoint(
      estate({
        publicNetworkAccess: 'Disabled',
        privateEndpointConnections: [{ id: `${OTHER_ID}/privateEndpointConnections/c`, status: 'Approved', privateEndpointId: PE_ID }],
      }),
    );
    f.otherVaultPrivateEndpoints = {
      [HOST]: {
        ok: true,
        value: [
          {
            id: PE_ID,
            subnetId: SUBNET_ID,
            connectionStatus: 'Approved',
            privateDnsZoneIds: [
              `/subscriptions/${OTHER_SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`,
            ],
          },
        ],
      },
    };
    nsgOf(f).rules = [
      rule({ name: 'Deny-KeyVault', priority: 150, access: 'Deny', destinationAddressPrefixes: ['AzureKeyVault'] }),
      ...nsgOf(f).rules,
    ];
    assert.equal(find(networkChecks(f), 'VNET-NSG-KV').status, 'fail');
    const other = otherVaultNetworkChecks(f);
    assert.equal(find(other, 'VNET-NSG-KV@kv-shared').status, 'pass');
    assert.equal(find(other, 'VNET-PE@kv-shared').status, 'pass');
    assert.equal(find(other, 'VNET-SE@kv-shared').status, 'info', 'the private endpoint serves instead of the service endpoint');
  });

  it("an NSG denying AzureKeyVault with no private endpoint: VNET-NSG-KV@kv-shared fails with the same rule fix as the target's", () => {
    const f = estate();
    nsgOf(f).rules = [
      rule({ name: 'Deny-KeyVault', priority: 150, access: 'Deny', destinationAddressPrefixes: ['AzureKeyVault'] }),
      ...nsgOf(f).rules,
    ];
    const kv = find(otherVaultNetworkChecks(f), 'VNET-NSG-KV@kv-shared');
    assert.equal(kv.status, 'fail');
    assert.deepEqual(kv.fix!.operations, find(networkChecks(f), 'VNET-NSG-KV').fix!.operations);
  });

  it('a failing fetch on kv-shared is explained by its own step-4 findings, not by the target vault passing ones', () => {
    const f = noEndpoint(estate());
    const earlier = runChecks(f).filter((x) => x.step !== 'certificate');
    const why = explainFailure(
      { code: 'ForbiddenByFirewall', message: 'Client address is not authorized and caller is not a trusted service.' },
      earlier,
      'apim-contoso (system identity)',
      f,
      NV_ID,
    );
    assert.match(why, /VNET-KVRULE@kv-shared fail/);
    assert.doesNotMatch(why, /VNET-KVRULE (fail|pass)/);
  });

  it('outside a virtual network nothing of step 4 runs for other vaults; an unreadable other vault is REF-VAULT only', () => {
    const f = estate();
    apimOf(f).virtualNetworkType = 'None';
    assert.deepEqual(otherVaultNetworkChecks(f), []);
    const g = estate();
    g.otherVaults = { [HOST]: { ok: false, unknown: 'Forbidden', message: 'Forbidden', missingAction: 'Microsoft.KeyVault/vaults/read' } };
    assert.deepEqual(otherVaultNetworkChecks(g), []);
    assert.deepEqual(otherVaultSecretChecks(g), []);
  });
});

describe('REF-SECRET on a vault in another subscription', () => {
  // https://learn.microsoft.com/azure/api-management/api-management-howto-use-managed-service-identity and
  // configure-custom-domain: API Management takes certificates from Key Vault only as PKCS#12.
  it('a PEM secret behind a certificate on kv-shared fails, naming the reference, its identity and the vault', () => {
    const f = estate();
    f.referencedSecrets![CERT_ID] = secret('partner-mtls', [
      { version: 'c2', enabled: true, created: '2026-10-01T00:00:00Z', contentType: 'application/x-pem-file' },
    ]);
    const r = find(otherVaultSecretChecks(f), 'REF-SECRET@kv-shared');
    assert.equal(r.status, 'fail');
    assert.match(
      r.cause,
      /^certificate partner-mtls \(identity apim-contoso \(system identity\)\) on kv-shared: the secret's content type is application\/x-pem-file/,
    );
    assert.equal(r.about?.vault, 'kv-shared');
    assert.equal(find(runChecks(f), 'REF-SECRET').status, 'pass', "the target vault's secrets are fine");
  });

  it('a disabled version of a named value on kv-shared fails', () => {
    const f = estate();
    f.referencedSecrets![NV_ID] = secret('partner', [{ version: 'n1', enabled: false, created: '2026-01-01T00:00:00Z' }]);
    assert.match(find(otherVaultSecretChecks(f), 'REF-SECRET@kv-shared').cause, /named value partner .* is disabled in Key Vault/);
  });

  // https://learn.microsoft.com/azure/key-vault/general/network-security: the firewall refuses a caller by address; no
  // role can change that, so no role is named.
  it("the vault's firewall refusing the operator: unknown, naming the refused address and no role", () => {
    const f = estate();
    f.referencedSecrets![NV_ID] = {
      ok: false,
      unknown: 'Forbidden',
      message: 'Client address is not authorized and caller is not a trusted service. Client address: 198.51.100.7',
      firewall: { clientAddress: '198.51.100.7' },
    };
    const r = find(otherVaultSecretChecks(f), 'REF-SECRET@kv-shared');
    assert.equal(r.status, 'unknown');
    assert.match(r.cause, /kv-shared's firewall refuses your address 198\.51\.100\.7: add 198\.51\.100\.7\/32 to its IP rules/);
    assert.doesNotMatch(r.cause, /Key Vault Reader|readMetadata/);
    assert.equal(r.missingAction, undefined);
  });

  // https://learn.microsoft.com/azure/key-vault/general/rbac-guide: Key Vault Reader reads secret metadata.
  it('a 403 for a missing role: unknown, naming the data action and Key Vault Reader on kv-shared', () => {
    const f = estate();
    f.referencedSecrets![NV_ID] = {
      ok: false,
      unknown: 'Forbidden',
      message: 'Caller is not authorized to perform action on resource.',
      missingAction: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
    };
    const r = find(otherVaultSecretChecks(f), 'REF-SECRET@kv-shared');
    assert.equal(r.status, 'unknown');
    assert.match(r.cause, /needs Microsoft\.KeyVault\/vaults\/secrets\/readMetadata\/action, e\.g\. Key Vault Reader on kv-shared/);
    assert.equal(r.missingAction, 'Microsoft.KeyVault/vaults/secrets/readMetadata/action');
  });

  it('on an access-policy vault the missing read is an access policy with secrets list', () => {
    const f = estate({ enableRbacAuthorization: false });
    f.referencedSecrets![NV_ID] = {
      ok: false,
      unknown: 'Forbidden',
      message: 'The user does not have secrets list permission.',
      missingAction: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
    };
    assert.match(
      find(otherVaultSecretChecks(f), 'REF-SECRET@kv-shared').cause,
      /needs an access policy on kv-shared with secrets list for you/,
    );
  });

  it('a secret on kv-shared that was not read is unknown, never a pass', () => {
    const f = estate();
    delete f.referencedSecrets![CERT_ID];
    assert.equal(find(otherVaultSecretChecks(f), 'REF-SECRET@kv-shared').status, 'unknown');
  });
});
