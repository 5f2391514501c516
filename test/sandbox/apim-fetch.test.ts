// APIM's fetch of a Key Vault secret, one outcome per test, through the real ApiManagementClient: a PUT
// that fails answers 400 ValidationError naming the cause; refreshSecret records it in lastStatus.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadWorld, type World } from '../../src/sandbox/index.ts';
import { APIM_ID, APIM_PRINCIPAL, KV_ID, NSG_ID, RG_ID, SECRET_ID, SUB, collect, rejection, setup, worldWith } from './clients.ts';

const healthy = loadWorld('healthy');
const RG = 'rg-apim-demo';
const APIM = 'apim-contoso-dev';

/** PUT a Key Vault certificate in `world`; returns the error's code and message, or 'Success'. */
async function fetchOutcome(
  world: World,
  identifier = SECRET_ID,
  identityClientId?: string,
): Promise<{ status?: number; code?: string; message: string }> {
  const t = await setup({ world });
  try {
    await t.apim.certificate.createOrUpdate(RG, APIM, 'probe', { keyVault: { secretIdentifier: identifier, identityClientId } });
    return { status: 201, code: 'Success', message: '' };
  } catch (e) {
    const err = e as { statusCode?: number; code?: string; message: string };
    return { status: err.statusCode, code: err.code, message: err.message };
  } finally {
    await t.close();
  }
}

const failure = (identifier: string, code: string, message: string) =>
  `Failed to fetch secret from Key Vault '${identifier}': ${code}: ${message}`;
const resource = (w: World, id: string) => w.resources.find((r) => r.id.toLowerCase() === id.toLowerCase())!;

describe('APIM fetch evaluation (certificate PUT)', () => {
  test('healthy world: Success, with subject, thumbprint and expiry from the current version', async () => {
    const t = await setup({ world: healthy });
    try {
      const cert = await t.apim.certificate.createOrUpdate(RG, APIM, 'probe', { keyVault: { secretIdentifier: SECRET_ID } });
      assert.equal(cert.keyVault?.lastStatus?.code, 'Success');
      assert.equal(cert.keyVault?.lastStatus?.message, '');
      assert.equal(cert.subject, 'CN=api-client.contoso.com');
      assert.equal(cert.expirationDate?.toISOString(), '2027-10-15T09:00:00.000Z');
      assert.match(cert.thumbprint ?? '', /^[0-9A-F]{40}$/);
      assert.match(cert.eTag ?? '', /^"[0-9a-f]{16}"$/);
    } finally {
      await t.close();
    }
  });

  test('IdentityNotFound: a clientId that matches no attached identity', async () => {
    const r = await fetchOutcome(healthy, SECRET_ID, APIM_PRINCIPAL);
    assert.equal(r.status, 400);
    assert.equal(r.code, 'ValidationError');
    assert.equal(
      r.message,
      failure(
        SECRET_ID,
        'IdentityNotFound',
        `Can not find Managed Identity with provided IdentityClientId : ${APIM_PRINCIPAL}. For more information please see aka.ms/apimmsi.`,
      ),
    );
  });

  test('IdentityNotFound: system identity off', async () => {
    const r = await fetchOutcome(worldWith(healthy, (w) => (resource(w, APIM_ID).identity = { type: 'None' })));
    assert.equal(r.code, 'ValidationError');
    assert.match(
      r.message,
      /: IdentityNotFound: Managed Service Identity \(http:\/\/aka\.ms\/apimmsi\) is not enabled on the service 'apim-contoso-dev'/,
    );
  });

  test('SecretsTypeRequired: a /certificates/ identifier', async () => {
    const id = 'https://kv-contoso-certs.vault.localhost/certificates/contoso-api-client';
    const r = await fetchOutcome(healthy, id);
    assert.equal(r.message, failure(id, 'SecretsTypeRequired', 'ApiManagement service only accepts KeyVault Secrets type'));
  });

  // API Management's wording when the vault's name does not resolve: https://github.com/Azure/azure-rest-api-specs/issues/21655
  test('VaultNotFound: no vault has that host, so its name does not resolve', async () => {
    const id = 'https://kv-nowhere.vault.localhost/secrets/contoso-api-client';
    const r = await fetchOutcome(healthy, id);
    assert.equal(r.message, failure(id, 'VaultNotFound', "The remote name could not be resolved: 'kv-nowhere.vault.localhost'"));
  });

  test('NetworkBlocked: an NSG deny to AzureKeyVault wins by priority', async () => {
    const world = worldWith(healthy, (w) =>
      w.resources.push({
        id: `${NSG_ID}/securityRules/Deny-KV`,
        name: 'Deny-KV',
        type: 'Microsoft.Network/networkSecurityGroups/securityRules',
        properties: {
          protocol: 'Tcp',
          access: 'Deny',
          direction: 'Outbound',
          priority: 150,
          sourceAddressPrefix: '*',
          sourcePortRange: '*',
          destinationAddressPrefix: 'AzureKeyVault',
          destinationPortRange: '443',
        },
      }),
    );
    const r = await fetchOutcome(world);
    assert.equal(
      r.message,
      failure(
        SECRET_ID,
        'NetworkBlocked',
        "Outbound traffic from subnet 'snet-apim' to 'AzureKeyVault' on TCP port 443 is denied by rule 'Deny-KV' (priority 150) of network security group 'nsg-apim'.",
      ),
    );
  });

  test('NetworkBlocked: Entra ID (AzureActiveDirectory) blocked by a Deny on Internet', async () => {
    const world = worldWith(
      healthy,
      (w) => (w.resources = w.resources.filter((r) => !r.id.endsWith('Allow-AzureActiveDirectory-443-Outbound'))),
    );
    const r = await fetchOutcome(world);
    assert.match(
      r.message,
      /: NetworkBlocked: .*'AzureActiveDirectory' on TCP port 443 is denied by rule 'Deny-Internet-443-Outbound' \(priority 4000\)/,
    );
  });

  test('ForbiddenByFirewall: bypass off and the subnet not in the vault rules', async () => {
    const world = worldWith(
      healthy,
      (w) =>
        (resource(w, KV_ID).properties.networkAcls = {
          bypass: 'None',
          defaultAction: 'Deny',
          ipRules: [{ value: '20.50.10.20/32' }],
          virtualNetworkRules: [],
        }),
    );
    const r = await fetchOutcome(world);
    // With a Key Vault service endpoint on the subnet, traffic comes from the subnet, so the public IP rule does not match.
    assert.equal(
      r.message,
      failure(
        SECRET_ID,
        'ForbiddenByFirewall',
        `Client address is not authorized and caller is not a trusted service.\r\nClient address: 10.20.1.0\r\nCaller: appid=${APIM_PRINCIPAL};oid=${APIM_PRINCIPAL};iss=https://sts.windows.net/8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90/\r\nVault: kv-contoso-certs;location=westeurope`,
      ),
    );
  });

  test('bypass is not enough behind a Network Security Perimeter', async () => {
    const world = worldWith(healthy, (w) => {
      resource(w, KV_ID).properties.publicNetworkAccess = 'SecuredByPerimeter';
    });
    const r = await fetchOutcome(world);
    assert.match(r.message, /: ForbiddenByFirewall: Client address is not authorized/);
  });

  test('ForbiddenByRbac: only Key Vault Reader (no getSecret)', async () => {
    const world = worldWith(healthy, (w) => {
      const ra = w.resources.find(
        (r) => r.type === 'Microsoft.Authorization/roleAssignments' && r.properties.principalId === APIM_PRINCIPAL,
      )!;
      ra.properties.roleDefinitionId = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/21090545-7ca7-4776-b22c-e363652d74d2`;
    });
    const r = await fetchOutcome(world);
    assert.match(r.message, /: ForbiddenByRbac: Caller is not authorized to perform action on resource\.\r\n/);
    assert.match(r.message, /Action: 'Microsoft\.KeyVault\/vaults\/secrets\/getSecret\/action'/);
  });

  test('ForbiddenByPolicy: access-policy vault without secrets get', async () => {
    const r = await fetchOutcome(loadWorld('access-policy-vault'));
    assert.match(
      r.message,
      /: ForbiddenByPolicy: The user, group or application 'appid=.*oid=9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d;.*' does not have secrets get permission on key vault 'kv-contoso-certs;location=westeurope'/,
    );
  });

  test('SecretNotFound: no such secret', async () => {
    const id = 'https://kv-contoso-certs.vault.localhost/secrets/missing';
    const r = await fetchOutcome(healthy, id);
    assert.match(r.message, /: SecretNotFound: A secret with \(name\/id\) missing was not found in this key vault\./);
  });

  test('SecretDisabled: the current version is disabled', async () => {
    const id = 'https://kv-contoso-certs.vault.localhost/secrets/disabled-cert';
    const r = await fetchOutcome(healthy, id);
    assert.equal(r.message, failure(id, 'SecretDisabled', 'Operation get is not allowed on a disabled secret.'));
  });

  // https://learn.microsoft.com/azure/key-vault/general/rest-error-codes (401, AKV10032 Invalid issuer): the vault
  // accepts only tokens of its own tenant, which a subscription move to another tenant leaves behind.
  test('Unauthorized (AKV10032): the vault trusts another tenant than the identity belongs to', async () => {
    const other = 'c5d1e3f7-2a4b-4c6d-8e0f-1a3b5c7d9e2f';
    const r = await fetchOutcome(worldWith(healthy, (w) => (resource(w, KV_ID).properties.tenantId = other)));
    assert.equal(
      r.message,
      failure(
        SECRET_ID,
        'Unauthorized',
        `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${other}/, found https://sts.windows.net/${healthy.tenantId}/.`,
      ),
    );
  });

  test('InvalidContentType: a PEM certificate', async () => {
    const id = 'https://kv-contoso-certs.vault.localhost/secrets/legacy-pem';
    const r = await fetchOutcome(healthy, id);
    assert.match(
      r.message,
      /: InvalidContentType: The secret 'legacy-pem' has content type 'application\/x-pem-file'\. API Management requires 'application\/x-pkcs12'/,
    );
  });

  test('private endpoint world: Approved PE with a DNS zone group gives line of sight with public access disabled', async () => {
    const r = await fetchOutcome(loadWorld('private-endpoint'));
    assert.deepEqual(r, { status: 201, code: 'Success', message: '' });
  });

  // key-vault/general/private-link-service and private-link/private-endpoint-dns: the endpoint carries the vault's
  // traffic only when the vault's name resolves to it, i.e. the privatelink.vaultcore.azure.net zone the endpoint
  // registers in is linked to API Management's virtual network. Otherwise the public name resolves publicly and,
  // with public network access disabled, Key Vault answers ForbiddenByConnection in its own words.
  const ZONE = `${RG_ID}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`;
  test('private endpoint whose privatelink zone is not linked to the APIM VNet: no private route, ForbiddenByConnection', async () => {
    const world = worldWith(loadWorld('private-endpoint'), (w) => {
      w.resources = w.resources.filter((r) => r.type !== 'Microsoft.Network/privateDnsZones/virtualNetworkLinks');
    });
    const r = await fetchOutcome(world);
    assert.match(
      r.message,
      /: ForbiddenByConnection: Public network access is disabled and request is not from a trusted service nor via an approved private link\.\r\nCaller: appid=/,
    );
  });

  // The vault zone stays linked to API Management's network but holds no record for the vault: its name does not
  // resolve there at all (private-link/private-endpoint-dns), unless the link falls back to public DNS
  // (dns/private-dns-fallback, resolutionPolicy NxDomainRedirect), which leads to the public, disabled endpoint.
  test('private endpoint registered in another zone than the linked vault zone: the name does not resolve', async () => {
    const world = worldWith(loadWorld('private-endpoint'), (w) => {
      const group = w.resources.find((r) => r.type === 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups')!;
      group.properties.privateDnsZoneConfigs[0].properties.privateDnsZoneId = ZONE.replace('vaultcore', 'blob.core');
    });
    assert.equal(
      (await fetchOutcome(world)).message,
      failure(SECRET_ID, 'NameNotResolved', "The remote name could not be resolved: 'kv-contoso-certs.vault.localhost'"),
    );
  });
  test('private endpoint without a zone group, the vault zone linked: NameNotResolved; with NxDomainRedirect: the public endpoint', async () => {
    const noGroup = (w: World) => {
      w.resources = w.resources.filter((r) => r.type !== 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups');
    };
    assert.match((await fetchOutcome(worldWith(loadWorld('private-endpoint'), noGroup))).message, /: NameNotResolved: /);
    const fallback = worldWith(loadWorld('private-endpoint'), (w) => {
      noGroup(w);
      w.resources.find((r) => r.type === 'Microsoft.Network/privateDnsZones/virtualNetworkLinks')!.properties.resolutionPolicy =
        'NxDomainRedirect';
    });
    assert.match((await fetchOutcome(fallback)).message, /: ForbiddenByConnection: /);
  });

  test('private endpoint zone linked to another VNet only: no private route', async () => {
    const world = worldWith(loadWorld('private-endpoint'), (w) => {
      const link = w.resources.find((r) => r.type === 'Microsoft.Network/privateDnsZones/virtualNetworkLinks')!;
      link.properties.virtualNetwork.id = `${RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet-elsewhere`;
    });
    assert.match((await fetchOutcome(world)).message, /: ForbiddenByConnection: /);
  });

  test('the private endpoint is met before NSG service tags: a Deny to AzureKeyVault does not block the private route', async () => {
    const world = worldWith(loadWorld('private-endpoint'), (w) =>
      w.resources.push({
        id: `${NSG_ID}/securityRules/Deny-KV-Tag`,
        name: 'Deny-KV-Tag',
        type: 'Microsoft.Network/networkSecurityGroups/securityRules',
        properties: {
          protocol: 'Tcp',
          access: 'Deny',
          direction: 'Outbound',
          priority: 105,
          sourceAddressPrefix: '*',
          sourcePortRange: '*',
          destinationAddressPrefix: 'AzureKeyVault',
          destinationPortRange: '443',
        },
      }),
    );
    assert.deepEqual(await fetchOutcome(world), { status: 201, code: 'Success', message: '' });
    // Without the zone's link the same rule is met on the public route and blocks it.
    const unlinked = worldWith(world, (w) => {
      w.resources = w.resources.filter((r) => r.type !== 'Microsoft.Network/privateDnsZones/virtualNetworkLinks');
    });
    assert.match((await fetchOutcome(unlinked)).message, /: NetworkBlocked: .*'AzureKeyVault' .* rule 'Deny-KV-Tag'/);
  });

  // api-management-howto-use-managed-service-identity (Key Vault firewall requirements): only the system-assigned identity.
  test('user-assigned identity never gets the trusted-services bypass', async () => {
    const r = await fetchOutcome(loadWorld('uai-behind-firewall'), SECRET_ID, 'e6f7a8b9-2c3d-4e5f-9a0b-1c2d3e4f5a6b');
    assert.match(
      r.message,
      /: ForbiddenByFirewall: Client address is not authorized and caller is not a trusted service\.\r\nClient address: 20\.50\.10\.20\r\n/,
    );
  });

  test('an APIM public IP in ipRules is line of sight when the subnet has no Key Vault service endpoint', async () => {
    const r = await fetchOutcome(loadWorld('internal-vnet'));
    assert.deepEqual(r, { status: 201, code: 'Success', message: '' });
  });
});

describe('refreshSecret and RBAC propagation', () => {
  let now = Date.parse('2026-11-22T10:00:00Z');
  let t: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    // everything-broken with the identity on and the firewall/NSG out of the way: only the role is missing.
    const world = worldWith(loadWorld('everything-broken'), (w) => {
      resource(w, APIM_ID).properties.virtualNetworkType = 'None';
      resource(w, KV_ID).properties.networkAcls.bypass = 'AzureServices';
    });
    t = await setup({ world, clock: () => now });
  });
  after(() => t.close());

  test('a new role assignment counts only after rbacPropagationMs; refreshSecret records each outcome in lastStatus', async () => {
    await t.apim.apiManagementService.beginUpdateAndWait(RG, APIM, { identity: { type: 'SystemAssigned' } }, { updateIntervalInMs: 10 });
    const refreshed = await t.apim.certificate.refreshSecret(RG, APIM, 'backend-client');
    assert.equal(refreshed.keyVault?.lastStatus?.code, 'ForbiddenByRbac');
    assert.equal(refreshed.keyVault?.lastStatus?.timeStampUtc?.toISOString(), '2026-11-22T10:00:00.000Z');

    await t.auth.roleAssignments.create(KV_ID.slice(1), '0f0e0d0c-0b0a-4909-8807-060504030201', {
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
      principalId: APIM_PRINCIPAL,
      principalType: 'ServicePrincipal',
    });
    now += 2999;
    assert.equal((await t.apim.certificate.refreshSecret(RG, APIM, 'backend-client')).keyVault?.lastStatus?.code, 'ForbiddenByRbac');
    now += 1;
    const ok = await t.apim.certificate.refreshSecret(RG, APIM, 'backend-client');
    assert.deepEqual(ok.keyVault?.lastStatus, { code: 'Success', message: '', timeStampUtc: new Date('2026-11-22T10:00:03.000Z') });
    // The versioned identifier keeps pointing at the old version.
    assert.equal(ok.expirationDate?.toISOString(), '2026-11-01T09:00:00.000Z');
    const failed = await collect(t.apim.certificate.listByService(RG, APIM, { isKeyVaultRefreshFailed: true }));
    assert.deepEqual(
      failed.map((c) => c.name),
      [],
    );
  });

  test('refreshSecret of a missing certificate is a 404 ResourceNotFound', async () => {
    const err = await rejection(t.apim.certificate.refreshSecret(RG, APIM, 'nope'));
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'ResourceNotFound');
  });
});

test('everything-broken: fixing identity, role, bypass, NSG in turn ends in Success', async () => {
  let now = Date.parse('2026-11-22T10:00:00Z');
  const t = await setup({ clock: () => now });
  try {
    const refresh = async () => (await t.apim.certificate.refreshSecret(RG, APIM, 'backend-client')).keyVault?.lastStatus?.code;
    assert.equal(await refresh(), 'IdentityNotFound');
    const apim = await t.apim.apiManagementService.beginUpdateAndWait(
      RG,
      APIM,
      { identity: { type: 'SystemAssigned' } },
      { updateIntervalInMs: 10 },
    );
    assert.equal(apim.identity?.principalId, APIM_PRINCIPAL);
    assert.equal(await refresh(), 'NetworkBlocked');
    for (const [name, tag, priority] of [
      ['Allow-KV', 'AzureKeyVault', 300],
      ['Allow-AAD', 'AzureActiveDirectory', 310],
    ] as const) {
      await t.network.securityRules
        .createOrUpdate(
          RG,
          'nsg-apim',
          name,
          {
            protocol: 'Tcp',
            access: 'Allow',
            direction: 'Outbound',
            priority,
            sourceAddressPrefix: 'VirtualNetwork',
            sourcePortRange: '*',
            destinationAddressPrefix: tag,
            destinationPortRange: '443',
          },
          LRO_OPTS,
        )
        .pollUntilDone();
    }
    assert.equal(await refresh(), 'ForbiddenByFirewall');
    const vault = await t.kv.vaults.get(RG, 'kv-contoso-certs');
    await t.kv.vaults.update(RG, 'kv-contoso-certs', {
      properties: { networkAcls: { ...vault.properties!.networkAcls!, bypass: 'AzureServices' } },
    });
    assert.equal(await refresh(), 'ForbiddenByRbac');
    await t.auth.roleAssignments.create(KV_ID.slice(1), '1f0e0d0c-0b0a-4909-8807-060504030201', {
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/db79e9a7-68ee-4b58-9aeb-b90e7c24fcba`,
      principalId: APIM_PRINCIPAL,
      principalType: 'ServicePrincipal',
    });
    now += 3000;
    assert.equal(await refresh(), 'Success');
    const kv = (await t.kv.vaults.get(RG, 'kv-contoso-certs')).properties!.networkAcls!;
    assert.deepEqual(kv.ipRules, [{ value: '198.51.100.0/24' }]);
    assert.equal(
      t.sandbox
        .world()
        .resources.some(
          (r) => r.id === `${RG_ID}/providers/Microsoft.Network/networkSecurityGroups/nsg-apim/securityRules/Allow-Storage-Outbound`,
        ),
      true,
    );
  } finally {
    await t.close();
  }
});

const LRO_OPTS = { updateIntervalInMs: 10 };

// configure-custom-domain: a custom hostname's certificate comes from Key Vault through the identity the hostname
// names; API Management fetches it when the service write sets it, and refuses the write when it cannot.
describe('custom hostname certificates (service write)', () => {
  const HOST = 'api.contoso.com';
  const hostname = (identityClientId?: string) => ({
    type: 'Proxy',
    hostName: HOST,
    keyVaultId: SECRET_ID,
    ...(identityClientId ? { identityClientId } : {}),
  });

  test('healthy world: the PATCH is accepted and the hostname carries the fetched certificate', async () => {
    const t = await setup({ world: healthy });
    try {
      const apim = await t.apim.apiManagementService.beginUpdateAndWait(
        RG,
        APIM,
        { hostnameConfigurations: [hostname()] },
        { updateIntervalInMs: 10 },
      );
      const h = apim.hostnameConfigurations!.find((x) => x.hostName === HOST)!;
      assert.equal(h.certificateSource, 'KeyVault');
      assert.equal(h.certificate?.subject, 'CN=api-client.contoso.com');
      assert.equal(h.certificate?.expiry?.toISOString(), '2027-10-15T09:00:00.000Z');
      assert.match(h.certificate?.thumbprint ?? '', /^[0-9A-F]{40}$/);
    } finally {
      await t.close();
    }
  });

  test("user-assigned identity behind the firewall: 400 InvalidOperation in API Management's words, nothing changed", async () => {
    const world = loadWorld('uai-behind-firewall');
    const uai = Object.values(
      resource(world, APIM_ID).identity.userAssignedIdentities as Record<string, { clientId: string; principalId: string }>,
    )[0]!;
    const t = await setup({ world });
    try {
      const err = await rejection(
        t.apim.apiManagementService.beginUpdateAndWait(
          RG,
          APIM,
          { hostnameConfigurations: [hostname(uai.clientId)] },
          { updateIntervalInMs: 10 },
        ),
      );
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'InvalidOperation');
      assert.equal(
        err.message,
        `Failed to access KeyVault Secret ${SECRET_ID} using Managed Service Identity (http://aka.ms/apimmsi) of Api Management service. Check if Managed Identity of Type: UserAssigned, ClientId: ${uai.clientId} and ObjectId: ${uai.principalId} has GET permissions on secrets in the KeyVault Access Policies.`,
      );
      const after = resource(t.sandbox.world(), APIM_ID).properties.hostnameConfigurations ?? [];
      assert.ok(!after.some((h: { hostName: string }) => h.hostName === HOST));
    } finally {
      await t.close();
    }
  });

  test('an identity client id the service does not have: ValidationError naming identityClientId', async () => {
    const t = await setup({ world: healthy });
    try {
      const err = await rejection(
        t.apim.apiManagementService.beginUpdateAndWait(
          RG,
          APIM,
          { hostnameConfigurations: [hostname(APIM_PRINCIPAL)] },
          { updateIntervalInMs: 10 },
        ),
      );
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'ValidationError');
      assert.match(JSON.stringify(err), /Can not find Managed Identity with provided IdentityClientId/);
    } finally {
      await t.close();
    }
  });

  test('a write that leaves a Key Vault hostname as it was does not fetch it again (it would fail now)', async () => {
    // custom-domain-uai-behind-firewall: the UAI hostname was set before the firewall; a PATCH of another property keeps it.
    const t = await setup({ world: loadWorld('custom-domain-uai-behind-firewall') });
    try {
      const apim = await t.apim.apiManagementService.get(RG, APIM);
      await t.apim.apiManagementService.beginUpdateAndWait(
        RG,
        APIM,
        { hostnameConfigurations: apim.hostnameConfigurations, customProperties: apim.customProperties },
        { updateIntervalInMs: 10 },
      );
    } finally {
      await t.close();
    }
  });
});
