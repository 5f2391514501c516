// Issue 13's situations that had unit tests only, now each on a world of its own (src/sandbox/worlds/situations/),
// end to end as in situations.test.ts: `check` names the cause and the identity, `fix --yes` (or upload-cert) ends
// green or with the one documented unfixable cause named, and the final state is read back over plain HTTPS (curl
// with the sandbox's token, or the sandbox's own state and request log) rather than through apimkv's own checks.
// The step-3 doc link, which only the TUI shows, is in tui-situations.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { APIM, detail, failing, line, RG, SUB, VAULT, world, writesTo } from './situation-support.ts';
import { DEMO_TARGET, tempDir } from './support.ts';

const CERT = `${APIM}/certificates/backend-client`;
const SHARED_SUB = '6d4a9e2f-1b3c-4e5d-8f7a-9c0b1d2e3f45';
const SHARED = `/subscriptions/${SHARED_SUB}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-contoso-shared`;
const warnings = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^\s*▲ warn\s/.test(l))
    .map((l) => l.replace(/^\s*▲ warn\s+/, '').split(/\s/)[0]);

describe('issue 13 situations (second set)', { timeout: 900_000 }, () => {
  // https://learn.microsoft.com/azure/api-management/breaking-changes/trusted-service-connectivity-retirement-march-2026:
  // the retirement concerns the gateway (policies, backends, send-request); certificates, named values and custom
  // domains keep the trusted-services exception. So a firewalled vault that admits the instance only through the
  // exception gets advice (info), never a warning, in the runbook and in the audit, and fix all changes nothing.
  // A gateway reference (a policy or backend that calls the vault) would warrant a warning, but apimkv reads no
  // policies or backends: the advice names them instead of guessing (docs/domain-corrections.md).
  test('control-plane references on a firewalled vault: FW-LOS and the audit note the retirement as info, nothing is written', async () => {
    const { cli, run, read } = await world('gateway-retirement-control-plane');
    const before = read(VAULT, '2026-02-01').properties.networkAcls;
    const check = cli('check');
    assert.equal(check.code, 0, check.out);
    assert.match(line(check.out, 'FW-LOS'), /info/);
    assert.match(detail(check.out, 'FW-LOS'), /certificates, named values and custom domains are not affected/);
    assert.deepEqual(warnings(check.out), [], 'no warning about the retirement');
    const audit = run(['audit', '--subscription', SUB, '--json']);
    assert.equal(audit.code, 0, audit.err);
    const findings = (JSON.parse(audit.out) as { findings: { severity: string; kind: string; vault: string; message: string }[] }).findings;
    assert.deepEqual(
      findings.map((f) => [f.kind, f.severity, f.vault]),
      [['gateway-bypass', 'info', 'kv-contoso-certs']],
    );
    assert.match(findings[0]!.message, /not affected by the March 2026 retirement/);
    const fix = cli('fix', '--yes');
    assert.equal(fix.code, 0);
    assert.match(fix.out, /Nothing failing has a fix/);
    assert.equal(cli('check').code, 0);
    assert.deepEqual(read(VAULT, '2026-02-01').properties.networkAcls, before, 'no IP rule added, nothing else changed');
    assert.equal(read(CERT, '2024-05-01').properties.keyVault.lastStatus.code, 'Success');
    const nv = read(`${APIM}/namedValues/partner-api-key`, '2024-05-01').properties;
    assert.deepEqual([nv.keyVault.lastStatus.code, nv.tags], ['Success', ['partner']]);
  });

  // Same page: the gateway would need a line of sight, but "Consumption tier: no dedicated outbound IP, no virtual
  // network" (api-management/api-management-features), so nothing can give it one: the cause is named, no fix offered.
  test('Consumption tier behind a vault firewall: FW-LOS names why it can never be given a line of sight, and offers no fix', async () => {
    const { cli, read } = await world('consumption-firewalled-vault');
    const before = read(VAULT, '2026-02-01').properties.networkAcls;
    const check = cli('check');
    assert.equal(check.code, 0, check.out);
    const los = detail(check.out, 'FW-LOS');
    assert.match(line(check.out, 'FW-LOS'), /info/);
    assert.match(los, /The Consumption tier has no dedicated outbound IP and no virtual network, so apimkv cannot give it a line of sight/);
    assert.doesNotMatch(los, /fix: apimkv fix FW-LOS/);
    assert.deepEqual(warnings(check.out), []);
    assert.match(cli('fix', '--yes').out, /Nothing failing has a fix/);
    const after = cli('check');
    assert.equal(after.code, 0);
    assert.match(detail(after.out, 'FW-LOS'), /The Consumption tier has no dedicated outbound IP/);
    assert.deepEqual(read(VAULT, '2026-02-01').properties.networkAcls, before);
    assert.equal(read(CERT, '2024-05-01').properties.keyVault.lastStatus.code, 'Success');
  });

  // https://learn.microsoft.com/azure/api-management/configure-custom-domain: the .pfx must be encrypted with triple
  // DES; OpenSSL 3 writes PBES2/AES-256 unless told -legacy. The files are made by openssl itself, as a user would.
  test('AES-256 .pfx (OpenSSL 3 default): upload-cert refuses it with the -legacy advice and uploads nothing; the -legacy export goes in', async () => {
    const { cli, run, read, status, log } = await world('pfx-upload-aes');
    const dir = tempDir('apimkv-aes-');
    const password = 'Pfx-Passw0rd-e2e';
    const env = { ...process.env, PFX_PW: password };
    const openssl = (args: string[]) => {
      const r = spawnSync('openssl', args, { encoding: 'utf8', env });
      assert.equal(r.status, 0, r.stderr);
    };
    openssl(
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')].concat([
        '-days',
        '365',
        '-subj',
        '/CN=upload.contoso.com',
      ]),
    );
    const pem = ['-in', join(dir, 'cert.pem'), '-inkey', join(dir, 'key.pem'), '-passout', 'env:PFX_PW'];
    openssl(['pkcs12', '-export', ...pem, '-out', join(dir, 'aes.pfx')]);
    openssl(['pkcs12', '-export', '-legacy', ...pem, '-out', join(dir, 'legacy.pfx')]);
    const upload = (file: string) =>
      run(
        [
          'upload-cert',
          '--file',
          join(dir, file),
          '--certificate-id',
          'client-upload',
          '--password-env',
          'PFX_PW',
          '--yes',
          ...DEMO_TARGET,
        ],
        { PFX_PW: password },
      );
    const partner = read(`${APIM}/certificates/partner-mtls`, '2024-05-01');
    const aes = upload('aes.pfx');
    assert.equal(aes.code, 1);
    assert.match(aes.out, /^\s*fail\s+UPL-FILE\s/m);
    assert.match(aes.out, /encrypted with AES-256 .*Microsoft requires triple-DES encryption.*openssl pkcs12 -export -legacy/);
    assert.match(aes.err, /Not ready to add it: the file is AES-encrypted/);
    assert.equal(status(`${APIM}/certificates/client-upload`, '2024-05-01'), 404, 'nothing uploaded');
    assert.deepEqual(writesTo(log(), '/certificates/'), [], 'no write to any certificate');
    const legacy = upload('legacy.pfx');
    assert.equal(legacy.code, 0, legacy.out + legacy.err);
    assert.equal(cli('check').code, 0);
    for (const out of [aes.out, aes.err, legacy.out, legacy.err]) assert.ok(!out.includes(password), 'the password is never printed');
    const thumbprint = new X509Certificate(readFileSync(join(dir, 'cert.pem'))).fingerprint.replace(/:/g, '');
    assert.equal(read(`${APIM}/certificates/client-upload`, '2024-05-01').properties.thumbprint, thumbprint, 'the file openssl made');
    assert.deepEqual(read(`${APIM}/certificates/partner-mtls`, '2024-05-01'), partner, 'the certificate someone else uploaded is kept');
  });

  // https://learn.microsoft.com/azure/private-link/private-endpoint-dns and key-vault/general/private-link-service: a
  // privatelink.vaultcore.azure.net zone linked to the network answers for the vault's name, so a private endpoint
  // not registered there (no DNS zone group) leaves the name unresolvable. apimkv does not create zone groups: VNET-PE
  // names the cause and the refresh keeps failing on the same DNS error.
  test('DNS failure in a lastStatus (private endpoint without its zone group): explained by VNET-PE, the one unfixable cause', async () => {
    const { cli, read, state, log } = await world('private-endpoint-no-dns-zone');
    const ZONE = `${RG}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`;
    const check = cli('check');
    assert.equal(check.code, 1);
    assert.match(
      detail(check.out, 'CERT-REFRESH'),
      /backend-client \(identity apim-contoso-dev \(system identity\)\): NameNotResolved: The remote name could not be resolved: 'kv-contoso-certs\.vault\.localhost'.* -> API Management could not resolve the vault's name \(DNS\)/,
    );
    assert.match(detail(check.out, 'CERT-REFRESH'), /\(VNET-PE warn\)/);
    assert.match(detail(check.out, 'VNET-PE'), /has no privatelink\.vaultcore\.azure\.net DNS zone group/);
    // Its one cause has no fix apimkv can apply, so no refresh is offered that would fail on the same DNS error.
    assert.match(detail(check.out, 'CERT-REFRESH'), /A refresh cannot help backend-client until VNET-PE is resolved/);
    const before = read(VAULT, '2026-02-01').properties;
    assert.match(cli('fix', '--yes').out, /Nothing failing has a fix/);
    assert.deepEqual(writesTo(log(), '/'), [], 'nothing written anywhere');
    const after = cli('check');
    assert.deepEqual(failing(after.out), ['CERT-REFRESH'], after.out);
    assert.deepEqual(warnings(after.out), ['VNET-PE']);
    assert.match(detail(after.out, 'CERT-REFRESH'), /NameNotResolved.*\(VNET-PE warn\)/);
    const vault = read(VAULT, '2026-02-01').properties;
    assert.deepEqual([vault.networkAcls, vault.publicNetworkAccess], [before.networkAcls, before.publicNetworkAccess]);
    assert.equal(vault.privateEndpointConnections.length, 1, 'the private endpoint connection is kept');
    assert.ok(
      state().resources.some((r) => r.id.toLowerCase() === `${ZONE}/virtualNetworkLinks/link-vnet-apim`.toLowerCase()),
      'the zone link is kept',
    );
    assert.equal(read(CERT, '2024-05-01').properties.keyVault.lastStatus.code, 'NameNotResolved');
  });

  // https://learn.microsoft.com/azure/key-vault/general/rest-error-codes (401, AKV10032 Invalid issuer): the vault
  // trusts another tenant than API Management's identity, so no grant in it can apply; after a subscription move the
  // vault's tenant is changed by its owner (https://learn.microsoft.com/azure/key-vault/general/move-subscription).
  test('AKV10032 in a lastStatus: explained by PRE-TENANT, no refresh or grant is attempted, nothing written', async () => {
    const { cli, read, log } = await world('vault-tenant-mismatch');
    const check = cli('check');
    assert.match(line(check.out, 'PRE-TENANT'), /fail/);
    assert.match(
      detail(check.out, 'PRE-TENANT'),
      /The vault trusts tenant c5d1e3f7-2a4b-4c6d-8e0f-1a3b5c7d9e2f, but API Management's identity belongs to 8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90/,
    );
    assert.match(
      detail(check.out, 'CERT-REFRESH'),
      /backend-client \(identity apim-contoso-dev \(system identity\)\): Unauthorized: AKV10032: Invalid issuer.* -> the vault belongs to another Microsoft Entra tenant than API Management's identity: see step 1 \(PRE-TENANT\) \(PRE-TENANT fail\)/,
    );
    assert.match(detail(check.out, 'CERT-REFRESH'), /A refresh cannot help backend-client/);
    const fix = cli('fix', '--yes');
    assert.match(fix.out, /Nothing failing has a fix/);
    const after = cli('check');
    assert.deepEqual(failing(after.out), ['PRE-TENANT', 'CERT-REFRESH']);
    assert.deepEqual(writesTo(log(), '/'), [], 'nothing written anywhere');
    assert.equal(read(VAULT, '2026-02-01').properties.tenantId, 'c5d1e3f7-2a4b-4c6d-8e0f-1a3b5c7d9e2f');
    assert.match(read(CERT, '2024-05-01').properties.keyVault.lastStatus.message, /^AKV10032/);
  });

  // https://learn.microsoft.com/azure/key-vault/secrets/about-secrets (enabled: whether the secret data can be
  // retrieved): a disabled version cannot be fetched, so a refresh cannot help; the version is re-enabled (or the
  // reference changed) by the vault's owner, not by apimkv.
  test('disabled secret version: REF-SECRET names it, no refresh is offered, nothing written', async () => {
    const { cli, log, state } = await world('disabled-secret-version');
    const check = cli('check');
    assert.match(line(check.out, 'REF-SECRET'), /fail/);
    assert.match(
      detail(check.out, 'REF-SECRET'),
      /certificate backend-client \(identity apim-contoso-dev \(system identity\)\) on kv-contoso-certs: the version it reads \(3e7a9c2b…\) is disabled in Key Vault\. A refresh cannot help/,
    );
    assert.match(detail(check.out, 'CERT-REFRESH'), /SecretDisabled: Operation get is not allowed on a disabled secret/);
    assert.doesNotMatch(detail(check.out, 'CERT-REFRESH'), /fix: apimkv fix CERT-REFRESH/);
    assert.match(cli('fix', '--yes').out, /Nothing failing has a fix/);
    const after = cli('check');
    assert.deepEqual(failing(after.out), ['CERT-REFRESH', 'REF-SECRET']);
    assert.match(detail(after.out, 'CERT-REFRESH'), /A refresh cannot help backend-client/);
    assert.deepEqual(writesTo(log(), '/'), []);
    const versions = state().vaultData['kv-contoso-certs'].certificates['contoso-api-client'].versions as {
      version: string;
      enabled: boolean;
    }[];
    assert.deepEqual(
      versions.map((v) => [v.version, v.enabled]).sort(),
      [
        ['0b8f3c1a9d2e4f6a8b7c5d4e3f2a1b0c', true],
        ['3e7a9c2b5d1f4e8a9b6c0d2e4f6a8b1c', false],
      ],
      'the version stays disabled: that is the vault owner’s call',
    );
  });

  // api-management-howto-mutual-certificates#requirements-for-key-vault-firewall: behind the firewall, turn on "Allow
  // trusted Microsoft services"; its doc link in the TUI is checked in tui-situations.test.ts.
  test('trusted-services exception off, no line of sight: FW-BYPASS fails, fix --yes turns it on and refreshes, IP rules kept', async () => {
    const { cli, read } = await world('firewall-bypass-off');
    const before = read(VAULT, '2026-02-01');
    const check = cli('check');
    assert.match(line(check.out, 'FW-BYPASS'), /fail/);
    assert.match(
      detail(check.out, 'CERT-REFRESH'),
      /identity apim-contoso-dev \(system identity\).* -> the vault firewall refused API Management.*\(FW-BYPASS fail\)/,
    );
    const fix = cli('fix', '--yes');
    assert.match(fix.out, /Fix FW-BYPASS: Allow trusted Microsoft services to bypass the vault firewall/);
    assert.match(fix.out, /Fix CERT-REFRESH: Refresh "backend-client"/);
    assert.equal(cli('check').code, 0);
    const after = read(VAULT, '2026-02-01');
    assert.equal(after.properties.networkAcls.bypass, 'AzureServices');
    assert.deepEqual(
      { ...after.properties.networkAcls, bypass: 'None' },
      before.properties.networkAcls,
      'default action, IP rules and VNet rules as they were',
    );
    assert.deepEqual(after.tags, before.tags);
    assert.equal(read(CERT, '2024-05-01').properties.keyVault.lastStatus.code, 'Success');
  });

  // Issue 13 "Bad input": nothing is written for a reference whose vault cannot be read; the missing read is named
  // with the role that grants it (key-vault/general/rbac-guide: Reader or Key Vault Reader give vaults/read).
  test('named value on an unreadable vault in another subscription: REF-VAULT names the read and its role, nothing written', async () => {
    const { cli, log, state } = await world('unreadable-other-vault');
    const check = cli('check');
    assert.match(line(check.out, 'REF-VAULT@kv-contoso-shared\\.vault\\.localhost'), /unknown/);
    const ref = detail(check.out, 'REF-VAULT@kv-contoso-shared\\.vault\\.localhost');
    assert.match(ref, /Not diagnosed, nothing written: named value db-password \(identity apim-contoso-dev \(system identity\)\)/);
    assert.match(ref, /needs Microsoft\.KeyVault\/vaults\/read, granted by Reader or Key Vault Reader on the vault/);
    assert.match(ref, /missing permission: Microsoft\.KeyVault\/vaults\/read/);
    assert.match(
      detail(check.out, 'REF-NAMED-VALUE'),
      /-> not diagnosed: its vault could not be read \(REF-VAULT@kv-contoso-shared\.vault\.localhost unknown\)/,
    );
    assert.match(detail(check.out, 'REF-NAMED-VALUE'), /Nothing is refreshed for db-password/);
    const before = state().resources.filter((r) => r.id.toLowerCase().startsWith(`/subscriptions/${SHARED_SUB}`));
    const fix = cli('fix', '--yes');
    assert.doesNotMatch(fix.out, /Fix (REF-NAMED-VALUE|ACC-RBAC)/);
    assert.deepEqual(writesTo(log(), '/'), [], 'no write: not on the vault, not a refresh of the named value');
    const after = state().resources.filter((r) => r.id.toLowerCase().startsWith(`/subscriptions/${SHARED_SUB}`));
    assert.deepEqual(after, before, "the shared subscription's vault and role assignments are as they were");
    assert.ok(after.some((r) => r.id.toLowerCase() === SHARED.toLowerCase()));
    const final = cli('check');
    assert.match(line(final.out, 'REF-VAULT@kv-contoso-shared\\.vault\\.localhost'), /unknown/);
  });

  // https://learn.microsoft.com/azure/key-vault/general/network-security: a network security perimeter overrides the
  // vault's own firewall settings, trusted-services exception included; API Management then needs a perimeter
  // access rule, which apimkv does not set. So FW-BYPASS warns, the refresh failure points at it, nothing is changed.
  test('network security perimeter: the trusted-services exception does not apply; FW-BYPASS is the one named cause', async () => {
    const { cli, read, log } = await world('network-security-perimeter');
    const before = read(VAULT, '2026-02-01').properties;
    const check = cli('check');
    assert.match(line(check.out, 'FW-BYPASS'), /warn/);
    assert.match(
      detail(check.out, 'FW-BYPASS'),
      /A network security perimeter governs this vault and overrides the trusted-services exception: API Management needs an explicit perimeter access rule \(not something apimkv can set\)/,
    );
    assert.match(
      detail(check.out, 'CERT-REFRESH'),
      /identity apim-contoso-dev \(system identity\).* -> the vault firewall refused API Management.*\(FW-BYPASS warn\)/,
    );
    assert.match(detail(check.out, 'CERT-REFRESH'), /A refresh cannot help backend-client until FW-BYPASS is resolved/);
    assert.match(cli('fix', '--yes').out, /Nothing failing has a fix/);
    assert.deepEqual(writesTo(log(), '/'), [], 'nothing written anywhere');
    const after = cli('check');
    assert.deepEqual(failing(after.out), ['CERT-REFRESH'], after.out);
    assert.deepEqual(warnings(after.out), ['FW-BYPASS']);
    assert.match(detail(after.out, 'CERT-REFRESH'), /\(FW-BYPASS warn\)/);
    const vault = read(VAULT, '2026-02-01').properties;
    assert.deepEqual(
      [vault.publicNetworkAccess, vault.networkAcls],
      ['SecuredByPerimeter', before.networkAcls],
      'no firewall change that the perimeter would ignore anyway',
    );
    assert.match(read(CERT, '2024-05-01').properties.keyVault.lastStatus.message, /not a trusted service/);
  });
});
