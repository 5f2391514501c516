// APIM service and certificates through the real ApiManagementClient: the PATCH LRO and identity rules,
// certificate ETags (412 on a stale If-Match, If-Match required on DELETE), paging, and .pfx upload.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import forge from 'node-forge';
import { generate } from 'selfsigned';
import { loadWorld } from '../../src/sandbox/index.ts';
import { APIM_ID, APIM_PRINCIPAL, SECRET_ID, TENANT, collect, rejection, setup, worldWith } from './clients.ts';

const RG = 'rg-apim-demo';
const APIM = 'apim-contoso-dev';
const DOP = 'Microsoft.WindowsAzure.ApiManagement.Gateway.ManagedIdentity.DisableOverPrivilegedAccess';

async function pfxBase64(password: string): Promise<string> {
  const pems = await generate([{ name: 'commonName', value: 'upload.contoso.com' }], {
    keyType: 'rsa',
    keySize: 2048,
    notAfterDate: new Date('2028-01-02T03:04:05Z'),
  } as never);
  const p12 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(pems.private), forge.pki.certificateFromPem(pems.cert), password, {
    algorithm: '3des',
  });
  return forge.util.encode64(forge.asn1.toDer(p12).getBytes());
}

describe('APIM service', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    t = await setup({ lroMs: 300 });
  });
  after(() => t.close());

  test('PATCH is an LRO: 202 + Azure-AsyncOperation + Location, InProgress polls, change visible after success', async () => {
    const poller = await t.apim.apiManagementService.beginUpdate(
      RG,
      APIM,
      { identity: { type: 'SystemAssigned' } },
      { updateIntervalInMs: 10 },
    );
    const during = t.sandbox.world().resources.find((r) => r.id === APIM_ID)!;
    assert.equal(during.identity.type, 'None');
    assert.equal(during.properties.provisioningState, 'Updating');
    const done = await poller.pollUntilDone();
    assert.deepEqual(done.identity, { type: 'SystemAssigned', principalId: APIM_PRINCIPAL, tenantId: TENANT });
    assert.equal(done.provisioningState, 'Succeeded');
    const log = t.sandbox.requests().filter((r) => r.seq > 0);
    const patch = log.find((r) => r.method === 'PATCH')!;
    assert.equal(patch.status, 202);
    assert.equal(patch.responseHeaders?.['retry-after'], '1');
    const polls = log.filter((r) => /operationStatuses/.test(r.path)).map((r) => (r.responseBody as { status: string }).status);
    assert.equal(polls.at(-1), 'Succeeded');
    assert.ok(polls.slice(0, -1).every((p) => p === 'InProgress'));
  });

  test('customProperties merge as a PATCH of the map; other keys survive', async () => {
    const done = await t.apim.apiManagementService.beginUpdateAndWait(
      RG,
      APIM,
      { customProperties: { [DOP]: 'True' } },
      { updateIntervalInMs: 10 },
    );
    assert.equal(done.customProperties?.[DOP], 'True');
    assert.equal(done.customProperties?.['Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10'], 'False');
    assert.equal(Object.keys(done.customProperties ?? {}).length, 7);
  });

  test('echoing principalId/clientId inside userAssignedIdentities is 400 InvalidIdentityValues', async () => {
    const err = await rejection(
      t.apim.apiManagementService.beginUpdateAndWait(RG, APIM, {
        identity: {
          type: 'SystemAssigned, UserAssigned',
          userAssignedIdentities: {
            '/subscriptions/x/resourceGroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z': {
              principalId: 'p',
              clientId: 'c',
            } as never,
          },
        },
      }),
    );
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'InvalidIdentityValues');
  });
});

describe('APIM certificates', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    const world = worldWith(loadWorld('healthy'), (w) => {
      w.pageSize = 2;
      for (const n of ['c1', 'c2', 'c3', 'c4']) {
        w.resources.push({
          id: `${APIM_ID}/certificates/${n}`,
          name: n,
          type: 'Microsoft.ApiManagement/service/certificates',
          properties: { subject: `CN=${n}`, thumbprint: 'AB'.repeat(20), expirationDate: '2027-01-01T00:00:00Z' },
        });
      }
    });
    t = await setup({ world });
  });
  after(() => t.close());

  test('list follows the absolute nextLink across pages; isKeyVaultRefreshFailed filters', async () => {
    const all = await collect(t.apim.certificate.listByService(RG, APIM));
    assert.deepEqual(
      all.map((c) => c.name),
      ['backend-client', 'c1', 'c2', 'c3', 'c4'],
    );
    const pages = t.sandbox.requests().filter((r) => r.method === 'GET' && r.path.endsWith('/certificates'));
    assert.equal(pages.length, 3);
    assert.equal(pages[1].query, 'api-version=2024-05-01&%24skiptoken=2');
    const failed = await collect(t.apim.certificate.listByService(RG, APIM, { isKeyVaultRefreshFailed: true }));
    assert.deepEqual(
      failed.map((c) => c.name),
      [],
    );
  });

  test('GET returns the ETag; PUT with a stale If-Match is 412; missing If-Match on update is accepted', async () => {
    const before = await t.apim.certificate.get(RG, APIM, 'backend-client');
    assert.match(before.eTag ?? '', /^"[0-9a-f]{16}"$/);
    const updated = await t.apim.certificate.createOrUpdate(
      RG,
      APIM,
      'backend-client',
      { keyVault: { secretIdentifier: SECRET_ID } },
      { ifMatch: before.eTag },
    );
    assert.notEqual(updated.eTag, before.eTag);
    const stale = await rejection(
      t.apim.certificate.createOrUpdate(
        RG,
        APIM,
        'backend-client',
        { keyVault: { secretIdentifier: SECRET_ID } },
        { ifMatch: before.eTag },
      ),
    );
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.code, 'PreconditionFailed');
    const noMatch = await t.apim.certificate.createOrUpdate(RG, APIM, 'backend-client', { keyVault: { secretIdentifier: SECRET_ID } });
    assert.equal(noMatch.keyVault?.lastStatus?.code, 'Success');
  });

  test('DELETE needs a matching If-Match', async () => {
    const stale = await rejection(t.apim.certificate.delete(RG, APIM, 'c4', '"0000000000000000"'));
    assert.equal(stale.statusCode, 412);
    const { eTag } = await t.apim.certificate.getEntityTag(RG, APIM, 'c4');
    await t.apim.certificate.delete(RG, APIM, 'c4', eTag!);
    const gone = await rejection(t.apim.certificate.get(RG, APIM, 'c4'));
    assert.equal(gone.statusCode, 404);
  });

  test('upload: a .pfx with its password is parsed; data and password are never stored or logged', async () => {
    const data = await pfxBase64('correct horse');
    const cert = await t.apim.certificate.createOrUpdate(RG, APIM, 'uploaded', { data, password: 'correct horse' });
    assert.equal(cert.subject, 'CN=upload.contoso.com');
    assert.equal(cert.expirationDate?.toISOString(), '2028-01-02T03:04:05.000Z');
    assert.match(cert.thumbprint ?? '', /^[0-9A-F]{40}$/);
    const everything = JSON.stringify([t.sandbox.world(), t.sandbox.requests()]);
    assert.equal(everything.includes('correct horse'), false);
    assert.equal(everything.includes(data.slice(0, 40)), false);
    const put = t.sandbox.requests().find((r) => r.method === 'PUT' && r.path.endsWith('/uploaded'))!;
    assert.deepEqual(put.requestBody, { properties: { data: '[redacted]', password: '[redacted]' } });
  });

  test('upload: wrong password and non-PKCS#12 data are 400 with a clear message', async () => {
    const data = await pfxBase64('right');
    const wrong = await rejection(t.apim.certificate.createOrUpdate(RG, APIM, 'bad', { data, password: 'wrong' }));
    assert.equal(wrong.statusCode, 400);
    assert.equal(
      wrong.message,
      'The password does not open the certificate file (PKCS#12 MAC could not be verified). Check the .pfx password.',
    );
    const garbage = await rejection(
      t.apim.certificate.createOrUpdate(RG, APIM, 'bad', {
        data: Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64'),
        password: 'x',
      }),
    );
    assert.equal(
      garbage.message,
      'The certificate data is not a PKCS#12 (.pfx) file. Export the certificate with its private key as .pfx and upload that.',
    );
    assert.equal(JSON.stringify(t.sandbox.requests()).includes('wrong'), false);
  });
});

// Workspace_ListByService (apimworkspaces.json 2024-05-01). Workspaces exist on Basic v2, Standard v2, Premium and
// Premium v2 (https://learn.microsoft.com/azure/api-management/workspaces-overview); elsewhere the service refuses
// with 400 MethodNotAllowedInPricingTier (the code Azure/apiops tolerates as "no workspaces").
describe('APIM workspaces', () => {
  test('list pages with nextLink on a Premium instance', async () => {
    const world = worldWith(loadWorld('workspaces'), (w) => {
      w.pageSize = 1;
    });
    const t = await setup({ world });
    try {
      const all = await collect(t.apim.workspace.listByService(RG, APIM));
      assert.deepEqual(
        all.map((w) => [w.name, w.displayName]),
        [
          ['partner-apis', 'Partner APIs'],
          ['payments-team', 'Payments team'],
        ],
      );
      const pages = t.sandbox.requests().filter((r) => r.method === 'GET' && r.path.endsWith('/workspaces'));
      assert.equal(pages.length, 2);
    } finally {
      await t.close();
    }
  });

  test('a Developer instance refuses with 400 MethodNotAllowedInPricingTier', async () => {
    const t = await setup({ world: 'healthy' });
    try {
      const err = await rejection(collect(t.apim.workspace.listByService(RG, APIM)));
      assert.deepEqual([err.statusCode, err.code], [400, 'MethodNotAllowedInPricingTier']);
    } finally {
      await t.close();
    }
  });
});
