// Key Vault (management and data plane), Network, Authorization and Resource Graph through the real clients.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APIM_INSTANCES, KEY_VAULTS, vaultByName } from '../../src/graph/queries.ts';
import { loadWorld } from '../../src/sandbox/index.ts';
import { APIM_PRINCIPAL, KV_ID, OPERATOR, RG_ID, SUB, SUBNET_ID, collect, rejection, setup, worldWith } from './clients.ts';

const RG = 'rg-apim-demo';
const LRO = { updateIntervalInMs: 10 };
const role = (guid: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

const subscriptionReader = {
  id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d`,
  name: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
  type: 'Microsoft.Authorization/roleAssignments',
  properties: {
    roleDefinitionId: role('acdd72a7-3385-48ef-bd42-f606fba81ae7'),
    principalId: OPERATOR,
    principalType: 'User',
    scope: `/subscriptions/${SUB}`,
  },
};

describe('Key Vault management', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    // Reader at the subscription: deleted vaults are read there.
    t = await setup({ world: worldWith(loadWorld('everything-broken'), (w) => w.resources.push(subscriptionReader)) });
  });
  after(() => t.close());

  test('GET serves vaultUri with the port; the world keeps it port-less', async () => {
    const vault = await t.kv.vaults.get(RG, 'kv-contoso-certs');
    assert.equal(vault.properties.vaultUri, `https://kv-contoso-certs.vault.localhost:${new URL(t.sandbox.endpoint).port}/`);
    assert.equal(t.sandbox.world().resources.find((r) => r.id === KV_ID)!.properties.vaultUri, 'https://kv-contoso-certs.vault.localhost/');
    assert.deepEqual(
      (await collect(t.kv.vaults.listByResourceGroup(RG))).map((v) => v.name),
      ['kv-contoso-certs'],
    );
  });

  test('PATCH replaces networkAcls arrays (read-modify-write keeps the others)', async () => {
    const acls = (await t.kv.vaults.get(RG, 'kv-contoso-certs')).properties.networkAcls!;
    const updated = await t.kv.vaults.update(RG, 'kv-contoso-certs', {
      properties: { networkAcls: { ...acls, ipRules: [...acls.ipRules!, { value: '203.0.113.50/32' }] } },
    });
    assert.deepEqual(updated.properties?.networkAcls?.ipRules, [{ value: '198.51.100.0/24' }, { value: '203.0.113.50/32' }]);
    const replaced = await t.kv.vaults.update(RG, 'kv-contoso-certs', {
      properties: { networkAcls: { ipRules: [{ value: '203.0.113.50/32' }] } },
    });
    assert.deepEqual(replaced.properties?.networkAcls?.ipRules, [{ value: '203.0.113.50/32' }]);
    assert.equal(replaced.properties?.networkAcls?.defaultAction, 'Deny');
  });

  test('accessPolicies add merges permissions, remove subtracts, replace overwrites', async () => {
    const entry = (secrets: string[]) => ({ tenantId: t.sandbox.tenantId, objectId: APIM_PRINCIPAL, permissions: { secrets } as never });
    await t.kv.vaults.updateAccessPolicy(RG, 'kv-contoso-certs', 'add', { properties: { accessPolicies: [entry(['get', 'set'])] } });
    const policies = () =>
      t.sandbox
        .world()
        .resources.find((r) => r.id === KV_ID)!
        .properties.accessPolicies.find((p: { objectId: string }) => p.objectId === APIM_PRINCIPAL);
    assert.deepEqual(policies().permissions.secrets, ['get', 'list', 'set']);
    await t.kv.vaults.updateAccessPolicy(RG, 'kv-contoso-certs', 'remove', { properties: { accessPolicies: [entry(['set'])] } });
    assert.deepEqual(policies().permissions.secrets, ['get', 'list']);
    await t.kv.vaults.updateAccessPolicy(RG, 'kv-contoso-certs', 'replace', { properties: { accessPolicies: [entry(['get'])] } });
    assert.deepEqual(policies().permissions, { secrets: ['get'] });
  });

  test('deleted vaults are read at the subscription: a resource-group Owner is refused', async () => {
    const rgOnly = await setup();
    try {
      const err = await rejection(rgOnly.kv.vaults.getDeleted('kv-contoso-certs', 'westeurope'));
      assert.equal(err.code, 'AuthorizationFailed');
      assert.match(
        err.message,
        /'Microsoft\.KeyVault\/locations\/deletedVaults\/read' over scope '\/subscriptions\/3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34'/,
      );
    } finally {
      await rgOnly.close();
    }
  });

  test('DELETE soft-deletes; deletedVaults GET finds it; createMode recover restores it', async () => {
    await t.kv.vaults.delete(RG, 'kv-contoso-certs');
    assert.equal((await rejection(t.kv.vaults.get(RG, 'kv-contoso-certs'))).statusCode, 404);
    const deleted = await t.kv.vaults.getDeleted('kv-contoso-certs', 'westeurope');
    assert.equal(deleted.properties?.vaultId, KV_ID);
    const conflict = await rejection(
      t.kv.vaults
        .createOrUpdate(
          RG,
          'kv-contoso-certs',
          { location: 'westeurope', properties: { tenantId: t.sandbox.tenantId, sku: { family: 'A', name: 'standard' } } },
          LRO,
        )
        .pollUntilDone(),
    );
    assert.equal(conflict.statusCode, 409);
    const restored = await t.kv.vaults
      .createOrUpdate(
        RG,
        'kv-contoso-certs',
        {
          location: 'westeurope',
          properties: { tenantId: t.sandbox.tenantId, sku: { family: 'A', name: 'standard' }, createMode: 'recover' },
        },
        LRO,
      )
      .pollUntilDone();
    assert.deepEqual(restored.properties.networkAcls?.ipRules, [{ value: '203.0.113.50/32' }]);
    assert.deepEqual(await collect(t.kv.vaults.listDeleted()), []);
  });
});

describe('Key Vault data plane', () => {
  test('401 challenge, then 403 ForbiddenByFirewall with the client address', async () => {
    const t = await setup();
    try {
      const uri = (await t.kv.vaults.get(RG, 'kv-contoso-certs')).properties.vaultUri!;
      const err = await rejection(t.certificates(uri).getCertificate('contoso-api-client'));
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, 'Forbidden');
      assert.match(
        err.message,
        /^Client address is not authorized and caller is not a trusted service\.\r\nClient address: 203\.0\.113\.50\r\nCaller: appid=.*;oid=5a1f0c2e-7d3b-4e8a-9c6f-2b4d8e1a3c57;/,
      );
      const calls = t.sandbox.requests().filter((r) => r.host.startsWith('kv-contoso-certs.vault.localhost'));
      assert.deepEqual(
        calls.map((c) => c.status),
        [401, 403],
      );
      assert.equal(t.cred.scopes.includes('https://vault.localhost/.default'), true);
    } finally {
      await t.close();
    }
  });

  test('healthy world: list (paged), get with policy, versions, secrets metadata', async () => {
    const t = await setup({ world: 'healthy' });
    try {
      const uri = (await t.kv.vaults.get(RG, 'kv-contoso-certs')).properties.vaultUri!;
      const certs = t.certificates(uri);
      const names = (await collect(certs.listPropertiesOfCertificates({ maxresults: 2 } as never))).map((c) => c.name);
      assert.deepEqual(names, ['contoso-api-client', 'disabled-cert', 'expired-client', 'legacy-pem']);
      const cert = await certs.getCertificate('contoso-api-client');
      assert.equal(
        cert.properties.id,
        'https://kv-contoso-certs.vault.localhost/certificates/contoso-api-client/3e7a9c2b5d1f4e8a9b6c0d2e4f6a8b1c',
      );
      assert.equal(cert.policy?.contentType, 'application/x-pkcs12');
      assert.equal(cert.policy?.exportable, true);
      assert.equal(cert.policy?.subject, 'CN=api-client.contoso.com');
      assert.equal(cert.properties.expiresOn?.toISOString(), '2027-10-15T09:00:00.000Z');
      assert.equal((await certs.getCertificate('legacy-pem')).policy?.contentType, 'application/x-pem-file');
      assert.equal((await certs.getCertificate('disabled-cert')).properties.enabled, false);
      assert.equal((await collect(certs.listPropertiesOfCertificateVersions('contoso-api-client'))).length, 2);
      const secrets = await collect(t.secrets(uri).listPropertiesOfSecrets());
      assert.deepEqual(
        secrets.map((s) => [s.name, s.contentType, s.managed]),
        [
          ['contoso-api-client', 'application/x-pkcs12', true],
          ['disabled-cert', 'application/x-pkcs12', true],
          ['expired-client', 'application/x-pkcs12', true],
          ['legacy-pem', 'application/x-pem-file', true],
        ],
      );
      const missing = await rejection(certs.getCertificate('nope'));
      assert.equal(missing.statusCode, 404);
    } finally {
      await t.close();
    }
  });

  test('RBAC data permissions: a caller without a data role gets 403 ForbiddenByRbac wording', async () => {
    const world = worldWith(
      loadWorld('healthy'),
      (w) =>
        (w.resources = w.resources.filter(
          (r) => !(r.type === 'Microsoft.Authorization/roleAssignments' && r.properties.principalId === OPERATOR && r.id.startsWith(KV_ID)),
        )),
    );
    const t = await setup({ world });
    try {
      const uri = (await t.kv.vaults.get(RG, 'kv-contoso-certs')).properties.vaultUri!;
      const err = await rejection(t.certificates(uri).getCertificate('contoso-api-client'));
      assert.equal(err.statusCode, 403);
      assert.match(
        err.message,
        /^Caller is not authorized to perform action on resource\.\r\n.*Action: 'Microsoft\.KeyVault\/vaults\/certificates\/read'/s,
      );
    } finally {
      await t.close();
    }
  });
});

describe('Network', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    t = await setup({ lroMs: 300 });
  });
  after(() => t.close());

  test('subnet PUT replaces the subnet; LRO Updating -> Succeeded; service endpoints Succeeded', async () => {
    const subnet = await t.network.subnets.get(RG, 'vnet-apim', 'snet-apim');
    const poller = t.network.subnets.createOrUpdate(
      RG,
      'vnet-apim',
      'snet-apim',
      { ...subnet, serviceEndpoints: [...subnet.serviceEndpoints!, { service: 'Microsoft.KeyVault' }] },
      LRO,
    );
    const done = await poller.pollUntilDone();
    assert.equal(done.provisioningState, 'Succeeded');
    assert.deepEqual(
      done.serviceEndpoints?.map((e) => [e.service, e.provisioningState]),
      [
        ['Microsoft.Storage', 'Succeeded'],
        ['Microsoft.KeyVault', 'Succeeded'],
      ],
    );
    assert.equal(done.networkSecurityGroup?.id, `${RG_ID}/providers/Microsoft.Network/networkSecurityGroups/nsg-apim`);
    // Sent without locations, the Key Vault endpoint covers the VNet's region.
    assert.deepEqual(done.serviceEndpoints?.find((e) => e.service === 'Microsoft.KeyVault')?.locations, ['westeurope']);
    const polls = t.sandbox.requests().filter((r) => /\/operations\//.test(r.path));
    assert.equal((polls.at(-1)!.responseBody as { status: string }).status, 'Succeeded');
    for (const p of polls.slice(0, -1)) {
      assert.equal((p.responseBody as { status: string }).status, 'InProgress');
      assert.equal(p.responseHeaders?.['retry-after'], '1');
    }
    const vnet = await t.network.virtualNetworks.get(RG, 'vnet-apim');
    assert.deepEqual(
      vnet.subnets?.map((s) => s.id),
      [SUBNET_ID],
    );
  });

  test('NSG GET inlines rules and the six default rules; securityRules list/get/PUT with priority conflicts refused', async () => {
    const nsg = await t.network.networkSecurityGroups.get(RG, 'nsg-apim');
    assert.deepEqual(
      nsg.securityRules?.map((r) => r.priority),
      [100, 110, 200, 4000],
    );
    assert.deepEqual(
      nsg.defaultSecurityRules?.map((r) => r.name),
      [
        'AllowVnetInBound',
        'AllowAzureLoadBalancerInBound',
        'DenyAllInBound',
        'AllowVnetOutBound',
        'AllowInternetOutBound',
        'DenyAllOutBound',
      ],
    );
    const clash = await rejection(
      t.network.securityRules
        .createOrUpdate(
          RG,
          'nsg-apim',
          'Clash',
          {
            protocol: 'Tcp',
            access: 'Allow',
            direction: 'Outbound',
            priority: 4000,
            destinationAddressPrefix: 'AzureKeyVault',
            destinationPortRange: '443',
          },
          LRO,
        )
        .pollUntilDone(),
    );
    assert.equal(clash.code, 'SecurityRuleConflict');
    const rule = await t.network.securityRules
      .createOrUpdate(
        RG,
        'nsg-apim',
        'Allow-KV',
        {
          protocol: 'Tcp',
          access: 'Allow',
          direction: 'Outbound',
          priority: 300,
          sourceAddressPrefix: 'VirtualNetwork',
          sourcePortRange: '*',
          destinationAddressPrefix: 'AzureKeyVault',
          destinationPortRange: '443',
        },
        LRO,
      )
      .pollUntilDone();
    assert.equal(rule.provisioningState, 'Succeeded');
    assert.deepEqual(
      (await collect(t.network.securityRules.list(RG, 'nsg-apim'))).map((r) => r.name),
      [
        'Allow-APIM-Management-Inbound',
        'Allow-AzureLoadBalancer-Inbound',
        'Allow-KV',
        'Allow-Storage-Outbound',
        'Deny-Internet-443-Outbound',
      ],
    );
  });

  test('private endpoint and its DNS zone groups', async () => {
    const p = await setup({ world: 'private-endpoint' });
    try {
      const pe = await p.network.privateEndpoints.get(RG, 'pe-kv-contoso-certs');
      assert.equal(pe.privateLinkServiceConnections?.[0].privateLinkServiceId, KV_ID);
      const groups = await collect(p.network.privateDnsZoneGroups.list(RG, 'pe-kv-contoso-certs'));
      assert.deepEqual(
        groups.map((g) => g.name),
        ['default'],
      );
    } finally {
      await p.close();
    }
  });
});

describe('Authorization', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    t = await setup();
  });
  after(() => t.close());

  test('listForScope includes inherited assignments and filters by principal', async () => {
    const all = await collect(t.auth.roleAssignments.listForScope(KV_ID.slice(1)));
    assert.deepEqual(all.map((a) => a.principalId).sort(), [OPERATOR, APIM_PRINCIPAL].sort());
    const mine = await collect(t.auth.roleAssignments.listForScope(KV_ID.slice(1), { filter: `principalId eq '${OPERATOR}'` }));
    assert.deepEqual(
      mine.map((a) => a.scope),
      [RG_ID],
    );
  });

  test('create by GUID; same principal+role+scope under another name is 409 RoleAssignmentExists; non-GUID is 400', async () => {
    const body = {
      roleDefinitionId: role('db79e9a7-68ee-4b58-9aeb-b90e7c24fcba'),
      principalId: APIM_PRINCIPAL,
      principalType: 'ServicePrincipal' as const,
    };
    const created = await t.auth.roleAssignments.create(KV_ID.slice(1), '3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a', body);
    assert.equal(created.scope, KV_ID);
    const dup = await rejection(t.auth.roleAssignments.create(KV_ID.slice(1), '4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b', body));
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.code, 'RoleAssignmentExists');
    const bad = await rejection(t.auth.roleAssignments.create(KV_ID.slice(1), 'not-a-guid', body));
    assert.equal(bad.code, 'InvalidRoleAssignmentId');
    const byId = await t.auth.roleAssignments.getById(created.id!);
    assert.equal(byId.principalId, APIM_PRINCIPAL);
    await t.auth.roleAssignments.delete(KV_ID.slice(1), '3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a');
    assert.equal((await rejection(t.auth.roleAssignments.getById(created.id!))).code, 'RoleAssignmentNotFound');
  });

  test('role definitions by id and by name, with real GUIDs and data actions', async () => {
    const certUser = await t.auth.roleDefinitions.getById(role('db79e9a7-68ee-4b58-9aeb-b90e7c24fcba'));
    assert.equal(certUser.roleName, 'Key Vault Certificate User');
    assert.equal(certUser.permissions?.[0].dataActions?.includes('Microsoft.KeyVault/vaults/secrets/getSecret/action'), true);
    const byName = await collect(t.auth.roleDefinitions.list(`subscriptions/${SUB}`, { filter: "roleName eq 'Key Vault Secrets User'" }));
    assert.deepEqual(
      byName.map((r) => r.name),
      ['4633458b-17de-408a-b874-0445c86b69e6'],
    );
  });

  test('permissions for the caller on a resource (the SDK double-slash form)', async () => {
    const perms = await collect(t.auth.permissions.listForResource(RG, 'Microsoft.KeyVault', '', 'vaults', 'kv-contoso-certs'));
    assert.deepEqual(perms, [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }]);
  });

  test('the operator without roleAssignments/write gets 403 on create', async () => {
    const c = await setup({}, APIM_PRINCIPAL);
    try {
      const err = await rejection(
        c.auth.roleAssignments.create(KV_ID.slice(1), '5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c', {
          roleDefinitionId: role('acdd72a7-3385-48ef-bd42-f606fba81ae7'),
          principalId: APIM_PRINCIPAL,
        }),
      );
      assert.equal(err.code, 'AuthorizationFailed');
      assert.match(err.message, /perform action 'Microsoft\.Authorization\/roleAssignments\/write' over scope/);
    } finally {
      await c.close();
    }
  });
});

describe('Resource Graph', () => {
  test('the product queries, paged with $skipToken; vaultByName; an unknown query is 400 InvalidQuery', async () => {
    const t = await setup();
    try {
      const apims = await t.graph.resources({ query: APIM_INSTANCES, options: { resultFormat: 'objectArray' } });
      assert.equal(apims.totalRecords, 1);
      assert.deepEqual(apims.data, [
        {
          id: `${RG_ID}/providers/Microsoft.ApiManagement/service/apim-contoso-dev`,
          name: 'apim-contoso-dev',
          resourceGroup: 'rg-apim-demo',
          subscriptionId: SUB,
          location: 'West Europe',
          tenantId: t.sandbox.tenantId,
          sku: 'Developer',
          identityType: 'None',
          principalId: '',
          uais: null,
          vnetType: 'External',
          subnetId: SUBNET_ID,
          publicIPs: ['20.50.10.20'],
          platform: 'stv2',
          noTrusted: '',
          hostnames: [
            {
              type: 'Proxy',
              hostName: 'apim-contoso-dev.azure-api.net',
              negotiateClientCertificate: false,
              defaultSslBinding: true,
              certificateSource: 'BuiltIn',
            },
          ],
        },
      ]);
      const byName = await t.graph.resources({ query: vaultByName('kv-contoso-certs'), subscriptions: [SUB] });
      assert.deepEqual(
        (byName.data as { resourceGroup: string }[]).map((r) => r.resourceGroup),
        ['rg-apim-demo'],
      );
      const other = await rejection(t.graph.resources({ query: 'resources | take 5' }));
      assert.equal(other.statusCode, 400);
      assert.equal(other.code, 'InvalidQuery');
      assert.match(other.message, /resources \| take 5/);
    } finally {
      await t.close();
    }
    const world = worldWith(loadWorld('healthy'), (w) => {
      const kv = w.resources.find((r) => r.id === KV_ID)!;
      for (const n of ['kv-a-1', 'kv-b-2', 'kv-c-3'])
        w.resources.push({ ...structuredClone(kv), id: kv.id.replace('kv-contoso-certs', n), name: n });
    });
    const p = await setup({ world });
    try {
      const first = await p.graph.resources({ query: KEY_VAULTS, options: { top: 3, resultFormat: 'objectArray' } });
      assert.deepEqual([first.totalRecords, first.count, first.resultTruncated, first.skipToken], [4, 3, 'false', '3']);
      const second = await p.graph.resources({
        query: KEY_VAULTS,
        options: { top: 3, skipToken: first.skipToken, resultFormat: 'objectArray' },
      });
      assert.deepEqual(
        (second.data as { name: string }[]).map((r) => r.name),
        ['kv-contoso-certs'],
      );
      assert.equal(second.skipToken, undefined);
    } finally {
      await p.close();
    }
  });
});
