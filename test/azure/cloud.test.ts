import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AZURE_CHINA_CLOUD,
  AZURE_PUBLIC_CLOUD,
  AZURE_US_GOVERNMENT,
  cloudFromAzCliName,
  customCloud,
  sandboxCloud,
} from '../../src/azure/cloud.ts';

test('public, China and US Government profiles carry the documented endpoints (domain.md §2.12)', () => {
  assert.deepEqual(
    [AZURE_PUBLIC_CLOUD, AZURE_CHINA_CLOUD, AZURE_US_GOVERNMENT].map((p) => [
      p.name,
      p.armEndpoint,
      p.armScope,
      p.authorityHost,
      p.kvDnsSuffix,
      p.kvScope,
      p.kvPrivateDnsZone,
      p.apimHostSuffix,
      p.sandbox,
    ]),
    [
      [
        'AzureCloud',
        'https://management.azure.com',
        'https://management.azure.com/.default',
        'https://login.microsoftonline.com',
        '.vault.azure.net',
        'https://vault.azure.net/.default',
        'privatelink.vaultcore.azure.net',
        '.azure-api.net',
        false,
      ],
      [
        'AzureChinaCloud',
        'https://management.chinacloudapi.cn',
        'https://management.chinacloudapi.cn/.default',
        'https://login.chinacloudapi.cn',
        '.vault.azure.cn',
        'https://vault.azure.cn/.default',
        'privatelink.vaultcore.azure.cn',
        '.azure-api.cn',
        false,
      ],
      [
        'AzureUSGovernment',
        'https://management.usgovcloudapi.net',
        'https://management.usgovcloudapi.net/.default',
        'https://login.microsoftonline.us',
        '.vault.usgovcloudapi.net',
        'https://vault.usgovcloudapi.net/.default',
        'privatelink.vaultcore.usgovcloudapi.net',
        '.azure-api.us',
        false,
      ],
    ],
  );
});

test('cloudFromAzCliName maps az cloud names case-insensitively and names the flag for unknown ones', () => {
  assert.equal(cloudFromAzCliName('AzureCloud'), AZURE_PUBLIC_CLOUD);
  assert.equal(cloudFromAzCliName('azurechinacloud'), AZURE_CHINA_CLOUD);
  assert.equal(cloudFromAzCliName(' AzureUSGovernment '), AZURE_US_GOVERNMENT);
  assert.throws(() => cloudFromAzCliName('AzureGermanCloud'), {
    message:
      'Unknown cloud "AzureGermanCloud". Pass --cloud AzureCloud, AzureChinaCloud or AzureUSGovernment (or run "az cloud set --name <cloud>").',
  });
});

test('customCloud trims the trailing slash, derives the ARM scope and keeps overrides', () => {
  const p = customCloud('https://arm.contoso.local:4443/', { kvDnsSuffix: '.vault.contoso.local' });
  assert.equal(p.name, 'Custom');
  assert.equal(p.armEndpoint, 'https://arm.contoso.local:4443');
  assert.equal(p.armScope, 'https://arm.contoso.local:4443/.default');
  assert.equal(p.kvDnsSuffix, '.vault.contoso.local');
  assert.equal(p.authorityHost, 'https://login.microsoftonline.com');
  assert.equal(p.label, 'https://arm.contoso.local:4443');
});

test('customCloud refuses plain http and non-URLs', () => {
  assert.throws(() => customCloud('http://127.0.0.1:8080'), {
    message: 'The ARM endpoint must use https:// (got "http://127.0.0.1:8080"): tokens are never sent over plain http.',
  });
  assert.throws(() => customCloud('management'), { message: '"management" is not a URL: give the ARM endpoint as https://host[:port].' });
});

test('sandboxCloud uses the emulator endpoint for ARM and .vault.localhost for vaults', () => {
  const p = sandboxCloud('https://127.0.0.1:50123');
  assert.deepEqual(
    { name: p.name, label: p.label, arm: p.armEndpoint, scope: p.armScope, kv: p.kvDnsSuffix, kvScope: p.kvScope, sandbox: p.sandbox },
    {
      name: 'Custom',
      label: 'Sandbox',
      arm: 'https://127.0.0.1:50123',
      scope: 'https://127.0.0.1:50123/.default',
      kv: '.vault.localhost',
      kvScope: 'https://vault.localhost/.default',
      sandbox: true,
    },
  );
});
