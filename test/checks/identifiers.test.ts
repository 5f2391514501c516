import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVersioned, parseSecretIdentifier, vaultHost } from '../../src/checks/identifiers.ts';

const S = '.vault.azure.net';
const V = '0123456789abcdef0123456789abcdef';

describe('parseSecretIdentifier', () => {
  const valid: [string, string, Record<string, unknown>][] = [
    [
      'versionless',
      'https://kv-contoso.vault.azure.net/secrets/gw',
      {
        normalised: 'https://kv-contoso.vault.azure.net/secrets/gw',
        versionless: 'https://kv-contoso.vault.azure.net/secrets/gw',
        version: undefined,
        changes: [],
        wasCertificateUrl: false,
      },
    ],
    [
      'versioned',
      `https://kv-contoso.vault.azure.net/secrets/gw/${V}`,
      {
        normalised: `https://kv-contoso.vault.azure.net/secrets/gw/${V}`,
        versionless: 'https://kv-contoso.vault.azure.net/secrets/gw',
        version: V,
        changes: [],
        wasCertificateUrl: false,
      },
    ],
    [
      '/certificates/',
      'https://kv-contoso.vault.azure.net/certificates/gw',
      {
        normalised: 'https://kv-contoso.vault.azure.net/secrets/gw',
        version: undefined,
        changes: ['rewrote /certificates/ to /secrets/ (API Management only accepts the secret endpoint)'],
        wasCertificateUrl: true,
      },
    ],
    [
      'trailing slash',
      'https://kv-contoso.vault.azure.net/secrets/gw/',
      {
        normalised: 'https://kv-contoso.vault.azure.net/secrets/gw',
        version: undefined,
        changes: ['removed the trailing slash'],
        wasCertificateUrl: false,
      },
    ],
    [
      'upper-case host and whitespace',
      '  https://KV-Contoso.Vault.Azure.NET/secrets/gw  ',
      { normalised: 'https://kv-contoso.vault.azure.net/secrets/gw', changes: [] },
    ],
  ];
  for (const [name, input, expected] of valid) {
    it(`accepts ${name}`, () => {
      const parsed = parseSecretIdentifier(input, S);
      assert.equal(parsed.ok, true);
      if (!parsed.ok) return;
      assert.equal(parsed.vaultName, 'kv-contoso');
      assert.equal(parsed.name, 'gw');
      for (const [k, v] of Object.entries(expected)) assert.deepEqual((parsed as unknown as Record<string, unknown>)[k], v, k);
    });
  }

  it('drops the port of a sandbox vault host', () => {
    const parsed = parseSecretIdentifier(`https://kv1.vault.localhost:8443/secrets/apim-cert/${V}`, '.vault.localhost');
    assert.deepEqual(parsed, {
      ok: true,
      vaultName: 'kv1',
      host: 'kv1.vault.localhost',
      name: 'apim-cert',
      version: V,
      normalised: `https://kv1.vault.localhost/secrets/apim-cert/${V}`,
      versionless: 'https://kv1.vault.localhost/secrets/apim-cert',
      changes: ['dropped the port :8443'],
      wasCertificateUrl: false,
    });
  });

  const invalid: [string, string, string][] = [
    ['empty', '', 'The identifier is empty: expected https://<vault>.vault.azure.net/secrets/<name>.'],
    ['garbage', 'not a url', '"not a url" is not a URL: expected https://<vault>.vault.azure.net/secrets/<name>.'],
    ['http', 'http://kv-contoso.vault.azure.net/secrets/gw', 'Key Vault identifiers use https, not http.'],
    [
      'other cloud',
      'https://kv-contoso.vault.azure.cn/secrets/gw',
      'The vault kv-contoso.vault.azure.cn is in Azure China (.vault.azure.cn), but this run is connected to a cloud whose vaults end in .vault.azure.net: run apimkv with --cloud AzureChinaCloud, or use a vault in this cloud.',
    ],
    [
      'not a vault host',
      'https://example.com/secrets/gw',
      'example.com is not a Key Vault host in this cloud: vault hosts end in .vault.azure.net.',
    ],
    [
      'privatelink host',
      'https://kv-contoso.privatelink.vaultcore.azure.net/secrets/gw',
      "Use the vault's public name (<vault>.vault.azure.net), not its privatelink host kv-contoso.privatelink.vaultcore.azure.net: the private DNS zone maps the public name to the private endpoint.",
    ],
    [
      'keys collection',
      'https://kv-contoso.vault.azure.net/keys/gw',
      'The path starts with /keys/: API Management reads certificates through /secrets/<name>.',
    ],
    ['no name', 'https://kv-contoso.vault.azure.net/secrets', 'The identifier names no secret: expected /secrets/<name>.'],
    [
      'no path',
      'https://kv-contoso.vault.azure.net',
      'The identifier has no path: expected https://kv-contoso.vault.azure.net/secrets/<name>.',
    ],
    ['bad version', 'https://kv-contoso.vault.azure.net/secrets/gw/v1', '"v1" is not a Key Vault version (32 hexadecimal characters).'],
    [
      'bad name',
      'https://kv-contoso.vault.azure.net/secrets/gw_cert',
      '"gw_cert" is not a valid Key Vault object name (1-127 letters, digits and hyphens).',
    ],
    [
      'too many segments',
      `https://kv-contoso.vault.azure.net/secrets/gw/${V}/x`,
      'Too many path segments after /secrets/gw: expected /secrets/<name>[/<version>].',
    ],
    [
      'bad vault name',
      'https://k.vault.azure.net/secrets/gw',
      '"k" is not a valid vault name (3-24 letters, digits and single hyphens, starting with a letter).',
    ],
    [
      'query string',
      'https://kv-contoso.vault.azure.net/secrets/gw?x=1',
      'The identifier must not have a query string or fragment (?x=1): API Management takes https://<vault>.vault.azure.net/secrets/<name> with nothing after it.',
    ],
  ];
  for (const [name, input, error] of invalid) {
    it(`rejects ${name}`, () => assert.deepEqual(parseSecretIdentifier(input, S), { ok: false, error }));
  }

  it('detects versions and vault hosts', () => {
    assert.equal(isVersioned(`https://kv-contoso.vault.azure.net/secrets/gw/${V}`, S), true);
    assert.equal(isVersioned('https://kv-contoso.vault.azure.net/secrets/gw', S), false);
    assert.equal(isVersioned('garbage', S), false);
    assert.equal(vaultHost('https://kv1.vault.localhost:8443/'), 'kv1.vault.localhost');
    assert.equal(vaultHost('::'), undefined);
  });
});
