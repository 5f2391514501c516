// Step 4 (virtual network) and REF-SECRET on a vault in another subscription: the same checks as the target vault's,
// run over that vault's facts, each finding naming the vault and the references (and identities) that read it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainFailure } from '../../src/checks/certificate.ts';
import type { Facts, ReferencedSecretFacts, VaultFacts } from '../../src/checks/facts.ts';
import { runChecks } from '../../src/checks/index.ts';
import { networkChecks, otherVaultNetworkChecks } from '../../src/checks/network.ts';
import { otherVaultSecretChecks } from '../../src/checks/references.ts';
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
