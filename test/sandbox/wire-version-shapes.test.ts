// Answers in the requested api-version's shape. API Management's service contract grew after 2021-08-01 (what
// az 2.45 sends): 2022-08-01 added natGatewayState and outboundPublicIPAddresses, 2023-09-01-preview configurationApi,
// developerPortalStatus and legacyPortalStatus (https://learn.microsoft.com/azure/templates/microsoft.apimanagement/change-log/service;
// ApiManagementServiceBaseProperties of apimdeployment.json 2021-08-01, Azure/azure-rest-api-specs@033f28d, has none,
// 2024-05-01 in test/specs has all). Key Vault's default for new vaults changed in 2026-02-01 (Azure RBAC instead of
// access policies): test/sandbox/keyvault-spec.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import https from 'node:https';
import { test } from 'node:test';
import { SERVICE_PROPERTY_ADDED_IN } from '../../src/sandbox/providers/apim.ts';
import { startSandbox, WORLD_NAMES, type Sandbox } from '../../src/sandbox/index.ts';
import { APIM_ID, RG_ID } from './clients.ts';
import { livePair } from './live-pair.ts';

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

const require = createRequire(import.meta.url);
const { LiveValidator } = require('oav') as {
  LiveValidator: new (o: unknown) => { initialize(): Promise<void>; validateLiveRequestResponse(p: unknown): Promise<any> };
};

// What az 2.45 reads of API Management at 2021-08-01 (az apim show / list, az apim nv show / list) plus the
// certificate reads the issue names, judged by oav against the verbatim 2021-08-01 subset in test/specs
// (apimanagement/.../ApiManagement/stable/2021-08-01): every pair must match an operation and validate.
test(
  "API Management reads at 2021-08-01 validate against Microsoft's 2021-08-01 spec (oav), on every shipped world",
  { timeout: 300_000 },
  async () => {
    const validator = new LiveValidator({
      directory: fileURLToPath(new URL('../specs/specification', import.meta.url)),
      git: { shouldClone: false },
      swaggerPathsPattern: ['**/*.json'],
      excludedSwaggerPathsPattern: ['**/examples/**'],
      isPathCaseSensitive: false,
      loadValidatorInBackground: false,
    });
    await validator.initialize();
    const rows = new Map<string, { pairs: number; pass: number }>();
    const problems: string[] = [];
    for (const world of WORLD_NAMES) {
      const sandbox = await startSandbox({ world });
      try {
        const w = sandbox.world();
        const v = '?api-version=2021-08-01';
        for (const apim of w.resources.filter((r) => r.type === 'Microsoft.ApiManagement/service')) {
          const rg = apim.id.slice(0, apim.id.indexOf('/providers/'));
          await call(sandbox, 'GET', `${apim.id}${v}`);
          await call(sandbox, 'GET', `${rg}/providers/Microsoft.ApiManagement/service${v}`);
          for (const kind of ['certificates', 'namedValues']) {
            const listed = await call(sandbox, 'GET', `${apim.id}/${kind}${v}`);
            const first = listed.body?.value?.[0]?.id as string | undefined;
            if (first) await call(sandbox, 'GET', `${first}${v}`);
          }
        }
        for (const e of sandbox.requests()) {
          if (!e.url?.includes('api-version=2021-08-01')) continue;
          const r = await validator.validateLiveRequestResponse(livePair(e));
          const req = r.requestValidationResult;
          const res = r.responseValidationResult;
          const exception = req.runtimeException ?? res.runtimeException;
          const operation = res.operationInfo?.operationId ?? req.operationInfo?.operationId ?? e.path;
          const row = rows.get(operation) ?? { pairs: 0, pass: 0 };
          rows.set(operation, row);
          row.pairs++;
          const errors = [...(req.errors ?? []), ...(res.errors ?? [])];
          if (exception) problems.push(`${world} ${e.method} ${e.path}: ${exception.code}`);
          else if (errors.length)
            problems.push(
              `${world} ${operation} ${e.status}: ${errors
                .map((x: any) => `${x.code} ${x.path ?? ''}`)
                .join('; ')
                .slice(0, 300)}`,
            );
          else row.pass++;
        }
      } finally {
        await sandbox.close();
      }
    }
    console.log(
      `2021-08-01 (oav):\n| operation | api-version | pairs | pass |\n|---|---|---|---|\n${[...rows].map(([op, r]) => `| ${op} | 2021-08-01 | ${r.pairs} | ${r.pass} |`).join('\n')}`,
    );
    assert.deepEqual(problems, [], 'every 2021-08-01 pair matches an operation of the 2021-08-01 spec and validates');
    for (const op of [
      'ApiManagementService_Get',
      'ApiManagementService_ListByResourceGroup',
      'Certificate_ListByService',
      'Certificate_Get',
      'NamedValue_ListByService',
      'NamedValue_Get',
    ])
      assert.ok((rows.get(op)?.pass ?? 0) > 0, `${op} was judged`);
  },
);
