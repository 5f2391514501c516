// Answers in the requested api-version's shape. API Management's service contract grew after 2021-08-01 (what
// az 2.45 sends): 2022-08-01 added natGatewayState and outboundPublicIPAddresses, 2023-09-01-preview configurationApi,
// developerPortalStatus and legacyPortalStatus (https://learn.microsoft.com/azure/templates/microsoft.apimanagement/change-log/service;
// ApiManagementServiceBaseProperties of apimdeployment.json 2021-08-01, Azure/azure-rest-api-specs@033f28d, has none,
// 2024-05-01 in test/specs has all). Key Vault's default for new vaults changed in 2026-02-01 (Azure RBAC instead of
// access policies): test/sandbox/keyvault-spec.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { test } from 'node:test';
import { SERVICE_PROPERTY_ADDED_IN } from '../../src/sandbox/providers/apim.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { APIM_ID, RG_ID } from './clients.ts';

function call(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${sandbox.endpoint}${path}`,
      { method, agent: sandbox.agent, headers: { Authorization: `Bearer ${sandbox.token()}`, 'Content-Type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const spec2024 = JSON.parse(
  readFileSync(
    new URL(
      '../specs/specification/apimanagement/resource-manager/Microsoft.ApiManagement/stable/2024-05-01/apimdeployment.json',
      import.meta.url,
    ),
    'utf8',
  ),
);

const ADDED = Object.keys(SERVICE_PROPERTY_ADDED_IN);

test('the version-dependent properties are all properties of the 2024-05-01 contract', () => {
  const known = Object.keys(spec2024.definitions.ApiManagementServiceBaseProperties.properties);
  assert.deepEqual(
    ADDED.filter((k) => !known.includes(k)),
    [],
  );
});

test('an API Management service read at 2021-08-01, 2022-08-01 and 2024-05-01 has each version shape', async () => {
  const sandbox = await startSandbox({ world: 'healthy' });
  try {
    const read = async (v: string) => {
      const r = await call(sandbox, 'GET', `${APIM_ID}?api-version=${v}`);
      assert.equal(r.status, 200, v);
      return r.body;
    };
    const [v2021, v2022, v2024] = [await read('2021-08-01'), await read('2022-08-01'), await read('2024-05-01')];
    const has = (body: any) => ADDED.filter((k) => k in body.properties).sort();
    assert.ok(has(v2024).includes('natGatewayState') && has(v2024).includes('developerPortalStatus'), `the world has them: ${has(v2024)}`);
    assert.deepEqual(has(v2021), []);
    assert.deepEqual(
      has(v2022),
      has(v2024).filter((k) => SERVICE_PROPERTY_ADDED_IN[k] === '2022-08-01'),
    );
    const { properties: p2024, ...rest2024 } = v2024;
    const { properties: p2021, ...rest2021 } = v2021;
    assert.deepEqual(rest2021, rest2024, 'only properties differ');
    for (const k of ADDED) delete p2024[k];
    assert.deepEqual(p2021, p2024, 'every other property is the same');
    const listed = await call(sandbox, 'GET', `${RG_ID}/providers/Microsoft.ApiManagement/service?api-version=2021-08-01`);
    assert.deepEqual(
      listed.body.value.flatMap((s: any) => ADDED.filter((k) => k in s.properties)),
      [],
      'the list answers in the same shape',
    );
  } finally {
    await sandbox.close();
  }
});
