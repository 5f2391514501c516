// Issue 13's situations end to end: one world each, served by a standalone sandbox and reached as production reaches
// Azure. On each, `check` names the cause (and the identity), `fix --yes` (plus add-cert where the fix is a new
// reference) ends green or with the one documented unfixable cause named, and the final state is read back over plain
// HTTPS (curl with the sandbox's token) rather than through apimkv's own checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APIM, detail, line, RG, VAULT, world } from './situation-support.ts';

describe('issue 13 situations', { timeout: 900_000 }, () => {
  // api-management-howto-mutual-certificates: the identity needs secrets Get (+ List); certificate permissions do not help.
  test('access policy with certificate permissions only: ACC-AP fails, fix --yes grants secrets get+list and refreshes', async () => {
    const { cli, read } = await world('access-policy-certificates-only');
    const check = cli('check');
    assert.equal(check.code, 1);
    assert.match(line(check.out, 'ACC-AP'), /fail/);
    const fix = cli('fix', '--yes');
    assert.match(fix.out, /Fix ACC-AP: Add an access policy for apim-contoso-dev \(system identity\): secrets get, list/);
    assert.match(fix.out, /Fix CERT-REFRESH/);
    assert.equal(cli('check').code, 0, 'green after the fixes');
    const vault = read(VAULT, '2026-02-01');
    const policies = vault.properties.accessPolicies as { objectId: string; permissions: { secrets: string[]; certificates: string[] } }[];
    const apimPolicy = policies.find((p) => p.objectId === '9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d')!;
    assert.deepEqual([...apimPolicy.permissions.secrets].sort(), ['get', 'list']);
    assert.deepEqual(apimPolicy.permissions.certificates, ['get', 'list'], 'the certificate permissions others set are kept');
    assert.equal(policies.length, 2, "the operator's own policy is kept");
    assert.equal(read(`${APIM}/certificates/backend-client`, '2024-05-01').properties.keyVault.lastStatus.code, 'Success');
  });

  // integrate-vnet-outbound: "A network security group must be associated with the subnet" (Standard v2 / Premium v2).
  test('v2 VNet integration without an NSG: VNET-NSG fails and stays the one named unfixable cause', async () => {
    const { cli, read } = await world('v2-no-nsg');
    const check = cli('check');
    assert.match(line(check.out, 'VNET-NSG'), /fail/);
    const fix = cli('fix', '--yes');
    assert.equal(fix.code, 1);
    const after = cli('check');
    const failing = after.out.split('\n').filter((l) => /^\s*✖ fail/.test(l));
    assert.deepEqual(
      failing.map((l) => /(\S+-\S+)/.exec(l.replace(/^\s*✖ fail\s+/, ''))?.[1]),
      ['VNET-NSG'],
      after.out,
    );
    const subnet = read(`${RG}/providers/Microsoft.Network/virtualNetworks/vnet-apim/subnets/snet-apim`, '2026-01-01');
    assert.equal(subnet.properties.networkSecurityGroup, undefined, 'apimkv does not create or attach NSGs');
  });

  // private-link-service: private endpoint traffic goes to a VirtualNetwork address; Internet rules do not apply.
  test('private endpoint behind an NSG that denies Internet 443: VNET-NSG-KV passes and the certificate refreshes', async () => {
    const { cli, read } = await world('private-endpoint-nsg-deny-internet');
    const check = cli('check');
    assert.match(line(check.out, 'VNET-NSG-KV'), /pass/);
    assert.doesNotMatch(line(check.out, 'VNET-SE'), /fail/);
    cli('fix', '--yes');
    const final = cli('check');
    assert.equal(final.code, 0, final.out);
    const rules = read(`${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-apim`, '2026-01-01').properties.securityRules as {
      name: string;
    }[];
    assert.ok(!rules.some((r) => r.name === 'Allow-AzureKeyVault-443-Out'), 'no needless NSG rule was added');
  });

  // private-link-diagnostics: with public access disabled, no IP rule or role lets the operator in.
  test('public network access disabled: nothing useless is offered, nothing is written', async () => {
    const { cli, read } = await world('public-access-disabled');
    const check = cli('check');
    assert.equal(check.code, 0, check.out);
    assert.doesNotMatch(check.out, /Grant yourself Key Vault Reader|Temporarily allow your IP/);
    assert.match(line(check.out, 'FW-CLIENTIP'), /info/);
    assert.match(line(check.out, 'REF-SECRET'), /info/, 'not checkable from here, and said so');
    const before = read(VAULT, '2026-02-01');
    cli('fix', '--yes');
    assert.deepEqual(read(VAULT, '2026-02-01').properties.networkAcls, before.properties.networkAcls);
  });

  // configure-custom-domain: the secret's content type must be application/x-pkcs12; re-add with a PKCS#12 certificate.
  test('PEM secret behind a certificate: no refresh is offered; add-cert with a PKCS#12 secret ends green', async () => {
    const { cli, read } = await world('pem-certificate');
    const check = cli('check');
    assert.match(check.out, /A refresh cannot help backend-client/);
    const fix = cli('fix', '--yes');
    assert.doesNotMatch(fix.out, /Fix CERT-REFRESH/);
    const add = cli(
      'add-cert',
      '--yes',
      '--certificate-id',
      'backend-client',
      '--secret-id',
      'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client',
    );
    assert.equal(add.code, 0, add.out + add.err);
    assert.equal(cli('check').code, 0);
    const cert = read(`${APIM}/certificates/backend-client`, '2024-05-01');
    assert.equal(cert.properties.keyVault.secretIdentifier, 'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client');
    assert.equal(cert.properties.keyVault.lastStatus.code, 'Success');
  });

  // Key Vault network security: IP rules are IPv4 addresses or ranges.
  test('IPv6 operator: no IPv6 rule is planned or written', async () => {
    const { cli, read } = await world('ipv6-operator');
    const check = cli('check');
    assert.match(check.out, /2001:db8::50 is IPv6: Key Vault IP rules are IPv4 only/);
    cli('fix', '--yes');
    const rules = (read(VAULT, '2026-02-01').properties.networkAcls.ipRules as { value: string }[]).map((r) => r.value);
    assert.ok(!rules.some((r) => r.includes(':')), rules.join(', '));
  });

  // configure-custom-domain + api-management-howto-use-managed-service-identity#requirements-for-key-vault-firewall:
  // behind the Key Vault firewall only the system-assigned identity passes the trusted-services exception, so the
  // hostname is switched to it (identityClientId dropped) and every other hostname configuration is sent back as read.
  test('custom domain and named value read by a user-assigned identity behind the firewall: both switched to the system identity, other hostnames kept', async () => {
    const { cli, read } = await world('custom-domain-uai-behind-firewall');
    type Host = { hostName: string; identityClientId?: string; keyVaultId?: string; certificateStatus?: string };
    const hostsOf = () => read(APIM, '2024-05-01').properties.hostnameConfigurations as Host[];
    const before = hostsOf();
    const check = cli('check');
    assert.match(line(check.out, 'CERT-HOSTNAME'), /fail/);
    assert.match(check.out, /api\.contoso\.com: the user-assigned identity id-apim-kv reads the certificate behind the vault firewall/);
    assert.match(line(check.out, 'FW-IDENTITY@id-apim-kv'), /fail/);
    const plan = cli('fix', '--plan');
    // The script reads the list back as Azure holds it and drops only this hostname's identityClientId.
    assert.match(
      plan.out,
      /az rest --method get .* --query properties\.hostnameConfigurations .*HOST_NAME=api\.contoso\.com HOST_TYPE=Proxy/,
    );
    assert.doesNotMatch(plan.out, /Fix ACC-RBAC@id-apim-kv/, 'no grant to the user-assigned identity, which could not help');
    const fix = cli('fix', '--yes');
    assert.match(
      fix.out,
      /Fix FW-IDENTITY@id-apim-kv: Switch hostname "api\.contoso\.com", named value "partner-api-key" to apim-contoso-dev \(system identity\)/,
    );
    assert.equal(cli('check').code, 0, cli('check').out);
    const after = hostsOf();
    const host = after.find((h) => h.hostName === 'api.contoso.com')!;
    assert.equal(host.identityClientId ?? undefined, undefined);
    assert.equal(host.keyVaultId, 'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client', 'same secret');
    assert.equal(host.certificateStatus, 'Completed');
    assert.deepEqual(
      after.filter((h) => h.hostName !== 'api.contoso.com'),
      before.filter((h) => h.hostName !== 'api.contoso.com'),
      'every other hostname configuration untouched',
    );
    assert.equal(after.length, before.length);
    const nv = read(`${APIM}/namedValues/partner-api-key`, '2024-05-01').properties;
    assert.equal(nv.keyVault.identityClientId ?? undefined, undefined);
    assert.equal(nv.keyVault.secretIdentifier, 'https://kv-contoso-certs.vault.localhost/secrets/partner-api-key', 'same secret');
    assert.equal(nv.keyVault.lastStatus.code, 'Success');
    assert.deepEqual(
      [nv.displayName, nv.secret, nv.tags],
      ['partner-api-key', true, ['partner']],
      'display name, secret flag and tags kept',
    );
  });

  // Azure Policy deny: RequestDisallowedByPolicy names the assignment; a role does not help.
  test('Azure Policy denies the grant: the fix reports the policy, not a missing permission, and nothing is written', async () => {
    const { cli, read } = await world('policy-denies-grant');
    const fix = cli('fix', '--yes');
    assert.equal(fix.code, 1);
    assert.match(fix.out + fix.err, /Azure Policy denies this change \(assignment deny-kv-role-grants\): a role does not help/);
    assert.doesNotMatch(fix.out + fix.err, /You lack a permission here/);
    const assignments = read(`${VAULT}/providers/Microsoft.Authorization/roleAssignments`, '2022-04-01').value as {
      properties: { principalId: string };
    }[];
    assert.ok(!assignments.some((a) => a.properties.principalId === '9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d'));
  });

  // api-management-howto-use-managed-service-identity: behind the Key Vault firewall only the system-assigned identity
  // is admitted. The finding names the reference and the identity; the fix switches the reference, not the grant.
  test('existing certificate read by a user-assigned identity behind the firewall: FW-IDENTITY@id-apim-kv, switched to the system identity', async () => {
    const { cli, read } = await world('uai-reference-behind-firewall');
    const check = cli('check');
    assert.match(line(check.out, 'FW-IDENTITY@id-apim-kv'), /fail/);
    assert.match(check.out, /certificate backend-client reads kv-contoso-certs with the user-assigned identity id-apim-kv/);
    assert.match(line(check.out, 'FW-IDENTITY'), /pass/, 'the new certificate would use the system identity, which is admitted');
    const fix = cli('fix', '--yes');
    assert.match(fix.out, /Fix FW-IDENTITY@id-apim-kv: Switch "backend-client" to apim-contoso-dev \(system identity\)/);
    assert.doesNotMatch(fix.out, /Fix ACC-RBAC@/, 'no grant to the user-assigned identity, which could not help');
    assert.equal(cli('check').code, 0);
    const cert = read(`${APIM}/certificates/backend-client`, '2024-05-01');
    assert.equal(cert.properties.keyVault.identityClientId ?? undefined, undefined);
    assert.equal(cert.properties.keyVault.lastStatus.code, 'Success');
    assert.equal(
      cert.properties.keyVault.secretIdentifier,
      'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client',
      'same secret',
    );
  });

  // configure-custom-domain / mutual-certificates: versionless identifiers follow renewals; a pinned one never does.
  test('expired certificate pinned to an old version while Key Vault has a renewed one: re-add versionless', async () => {
    const { cli, read } = await world('renewed-version-pinned');
    const check = cli('check');
    assert.match(
      check.out,
      /Key Vault already has a renewed version \(valid until 2027-10-15\), but the reference is pinned to 0b8f3c1a…: re-add it versionless/,
    );
    const add = cli(
      'add-cert',
      '--yes',
      '--certificate-id',
      'backend-client',
      '--secret-id',
      'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client',
    );
    assert.equal(add.code, 0, add.out + add.err);
    assert.equal(cli('check').code, 0);
    const cert = read(`${APIM}/certificates/backend-client`, '2024-05-01');
    assert.equal(cert.properties.keyVault.secretIdentifier, 'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client');
    assert.ok(Date.parse(cert.properties.expirationDate) > Date.now());
  });

  // api-management-howto-properties: Key Vault named values need the identity's secret access; refreshSecret re-reads.
  test('named value whose identity lost its role: REF-NAMED-VALUE explains it, fix --yes grants and refreshes it', async () => {
    const { cli, read } = await world('named-value-access-lost');
    const check = cli('check');
    assert.match(
      check.out,
      /db-password \(identity apim-contoso-dev \(system identity\)\): Forbidden .* -> no role on the vault gives the identity getSecret/,
    );
    const fix = cli('fix', '--yes');
    assert.match(fix.out, /Fix ACC-RBAC: Grant Key Vault Secrets User/);
    assert.match(fix.out, /Fix REF-NAMED-VALUE: Refresh "db-password"/);
    assert.equal(cli('check').code, 0);
    assert.equal(read(`${APIM}/namedValues/db-password`, '2024-05-01').properties.keyVault.lastStatus.code, 'Success');
    const roles = read(`${VAULT}/providers/Microsoft.Authorization/roleAssignments`, '2022-04-01').value as {
      properties: { principalId: string; roleDefinitionId: string };
    }[];
    assert.ok(
      roles.some(
        (a) =>
          a.properties.principalId === '9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d' &&
          a.properties.roleDefinitionId.endsWith('4633458b-17de-408a-b874-0445c86b69e6'),
      ),
    );
  });

  // api-management-howto-properties (a named value from any vault) + key-vault/general/rbac-guide (Secrets User on the
  // vault that holds the secret): the reference's own (identity, vault) pair is diagnosed in the vault's subscription.
  test('named value on a vault in another subscription: its pair is diagnosed there, fix --yes grants there and refreshes it', async () => {
    const { cli, read } = await world('other-subscription-vault');
    const SHARED =
      '/subscriptions/6d4a9e2f-1b3c-4e5d-8f7a-9c0b1d2e3f45/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-contoso-shared';
    const check = cli('check');
    assert.notEqual(check.code, 0);
    assert.match(check.out, /ACC-RBAC@apim-contoso-dev-system@kv-contoso-shared/);
    assert.match(
      check.out,
      /db-password \(identity apim-contoso-dev \(system identity\)\): Forbidden .* -> .*ACC-RBAC@apim-contoso-dev-system@kv-contoso-shared fail/,
    );
    const fix = cli('fix', '--yes');
    assert.match(fix.out, /Grant Key Vault Secrets User on kv-contoso-shared/);
    assert.match(fix.out, /Fix REF-NAMED-VALUE: Refresh "db-password"/);
    assert.equal(cli('check').code, 0);
    assert.equal(read(`${APIM}/namedValues/db-password`, '2024-05-01').properties.keyVault.lastStatus.code, 'Success');
    const roles = read(`${SHARED}/providers/Microsoft.Authorization/roleAssignments`, '2022-04-01').value as {
      properties: { principalId: string; roleDefinitionId: string; scope: string };
    }[];
    assert.ok(
      roles.some(
        (a) =>
          a.properties.principalId === '9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d' &&
          a.properties.scope.toLowerCase() === SHARED.toLowerCase() &&
          a.properties.roleDefinitionId.endsWith('4633458b-17de-408a-b874-0445c86b69e6'),
      ),
    );
    // What the platform team configured on the shared vault is kept.
    assert.ok(roles.some((a) => a.properties.principalId === '0c2e4a6b-8d0f-4b2c-9e4a-6c8e0a2b4d6f'));
    assert.deepEqual(read(SHARED, '2023-07-01').tags, { owner: 'platform-team' });
  });

  // api-management-using-with-vnet + key-vault/general/network-security (the subnet's Microsoft.KeyVault service
  // endpoint and the vault's VNet rule), api-management-howto-use-managed-service-identity#requirements-for-key-vault-firewall
  // (the trusted-services exception), configure-custom-domain (PKCS#12 only): steps 3 and 4 and REF-SECRET run on the
  // vault in the other subscription; the PEM secret is the one cause no fix can cure, and it stays named.
  test('vault in another subscription behind its firewall, subnet without the endpoint, a PEM secret: found there, fixed there', async () => {
    const { cli, read } = await world('other-subscription-vault-network');
    const SHARED =
      '/subscriptions/6d4a9e2f-1b3c-4e5d-8f7a-9c0b1d2e3f45/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-contoso-shared';
    const SUBNET = `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-apim/subnets/snet-apim`;
    const check = cli('check');
    assert.equal(check.code, 1);
    assert.match(line(check.out, 'FW-BYPASS@kv-contoso-shared'), /fail/);
    assert.match(detail(check.out, 'FW-BYPASS@kv-contoso-shared'), /vault kv-contoso-shared\): The exception is off/);
    assert.match(line(check.out, 'FW-BYPASS'), /skipped/, 'the target vault accepts all networks');
    assert.match(line(check.out, 'VNET-SE@kv-contoso-shared'), /fail/);
    assert.match(line(check.out, 'VNET-SE'), /info/, 'the target vault accepts all networks');
    assert.match(
      check.out,
      /For certificate partner-mtls, named value db-password \(identity apim-contoso-dev \(system identity\), vault kv-contoso-shared\)/,
    );
    assert.match(
      check.out,
      /certificate partner-mtls \(identity apim-contoso-dev \(system identity\)\) on kv-contoso-shared: the secret's content type is application\/x-pem-file/,
    );
    const fix = cli('fix', '--yes');
    assert.match(fix.out, /Fix FW-BYPASS@kv-contoso-shared: Allow trusted Microsoft services to bypass the vault firewall/);
    assert.match(
      fix.out,
      /Fix VNET-SE@kv-contoso-shared: Add the Microsoft.KeyVault service endpoint and the VNet rule on kv-contoso-shared/,
    );
    assert.match(fix.out, /Fix REF-NAMED-VALUE: Refresh "db-password"/);
    const after = cli('check');
    assert.equal(after.code, 1, 'the PEM secret cannot be fixed by apimkv');
    const failing = after.out
      .split('\n')
      .filter((l) => /^\s*\S+ (fail|unknown)\s/.test(l))
      .map((l) => l.trim().split(/\s+/)[2]);
    assert.deepEqual(failing, ['CERT-REFRESH', 'REF-SECRET@kv-contoso-shared']);
    assert.match(after.out, /import the certificate into Key Vault as \.pfx and re-add the reference/);
    // The independent read: the endpoint and the VNet rule are there, and nothing others configured was lost.
    const subnet = read(SUBNET, '2026-01-01');
    assert.deepEqual(
      subnet.properties.serviceEndpoints.map((e: { service: string; locations: string[] }) => [e.service, e.locations]),
      [
        ['Microsoft.Storage', ['westeurope', 'northeurope']],
        ['Microsoft.KeyVault', ['*']],
      ],
    );
    assert.match(subnet.properties.networkSecurityGroup.id, /nsg-apim$/);
    const shared = read(SHARED, '2026-02-01');
    assert.deepEqual(
      shared.properties.networkAcls.virtualNetworkRules.map((r: { id: string }) => r.id.toLowerCase()),
      [SUBNET.toLowerCase()],
    );
    assert.deepEqual(shared.properties.networkAcls.ipRules, [{ value: '203.0.113.50/32' }]);
    assert.equal(shared.properties.networkAcls.bypass, 'AzureServices', 'the exception is on there');
    assert.equal(shared.properties.networkAcls.defaultAction, 'Deny');
    assert.deepEqual(shared.tags, { owner: 'platform-team' });
    const roles = (read(`${SHARED}/providers/Microsoft.Authorization/roleAssignments`, '2022-04-01').value as { name: string }[]).map(
      (a) => a.name,
    );
    for (const kept of [
      '7a9b1c3d-4e5f-4a6b-8c9d-0e1f2a3b4c60',
      '3d5f7a9b-1c2e-4f6a-8b0c-2d4e6f8a0b15',
      '6b8d0f2a-4c6e-4a8b-9d1f-3e5a7c9b1d26',
    ])
      assert.ok(roles.includes(kept), `role assignment ${kept} kept`);
    assert.equal(read(`${APIM}/namedValues/db-password`, '2024-05-01').properties.keyVault.lastStatus.code, 'Success');
  });

  // The add flow refuses before any preview what the fetch would refuse (same parser and rules as the checks).
  test('add-cert refuses a PEM secret and a user-assigned identity behind the firewall before any plan, writing nothing', async () => {
    const { cli, read } = await world('custom-domain-uai-behind-firewall');
    const pem = cli(
      'add-cert',
      '--certificate-id',
      'new-pem',
      '--secret-id',
      'https://kv-contoso-certs.vault.localhost/secrets/legacy-pem',
    );
    assert.equal(pem.code, 1);
    assert.match(pem.err, /Not ready to add it: the secret's content type is application\/x-pem-file, not application\/x-pkcs12/);
    const uai = cli(
      'add-cert',
      '--certificate-id',
      'new-uai',
      '--identity',
      'id-apim-kv',
      '--secret-id',
      'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client',
    );
    assert.equal(uai.code, 1);
    assert.match(uai.err, /only the system-assigned identity is admitted, not id-apim-kv \(FW-IDENTITY\)/);
    const disabled = cli(
      'add-cert',
      '--certificate-id',
      'new-disabled',
      '--secret-id',
      'https://kv-contoso-certs.vault.localhost/secrets/disabled-cert',
    );
    assert.match(disabled.err, /is disabled in Key Vault/);
    const names = (read(`${APIM}/certificates`, '2024-05-01').value as { name: string }[]).map((c) => c.name);
    assert.deepEqual(
      names.filter((n) => n.startsWith('new-')),
      [],
    );
  });

  // A Microsoft.KeyVault service endpoint changes the source address Key Vault sees for every vault
  // (key-vault/general/overview-vnet-service-endpoints): the companion VNet rule goes on each vault that admits APIM by IP.
  test('service endpoint fix with a second vault that admits APIM by its public IP: the preview names it and the fix adds its VNet rule', async () => {
    const { cli, read, post } = await world('service-endpoint-other-vault');
    const preview = cli('fix', 'VNET-SE');
    assert.match(preview.out, /named value partner-api-key on kv-contoso-shared: admitted today by API Management's public IP/);
    assert.match(preview.out, /PATCH \S+\/vaults\/kv-contoso-shared\?/);
    cli('fix', '--yes');
    const subnet = `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-apim/subnets/snet-apim`;
    const shared = read(`${RG}/providers/Microsoft.KeyVault/vaults/kv-contoso-shared`, '2026-02-01').properties.networkAcls;
    assert.ok((shared.virtualNetworkRules as { id: string }[]).some((r) => r.id.toLowerCase() === subnet.toLowerCase()));
    assert.deepEqual(
      (shared.ipRules as { value: string }[]).map((r) => r.value),
      ['20.50.10.20/32', '203.0.113.50/32'],
      'the IP rules others set are kept',
    );
    // The independent proof: API Management's own fetch of the named value still works after the change.
    assert.equal(post(`${APIM}/namedValues/partner-api-key/refreshSecret`, '2024-05-01').properties.keyVault.lastStatus.code, 'Success');
  });
  // workspaces-overview#workspaces-constraints: workspaces hold their own named values, certificates and backends and
  // don't support the instance's managed identity for Key Vault secrets; apimkv says it covers the service level only.
  test('an instance with workspaces: check names both (as Azure lists them) and says what it covers, info only, exit 0', async () => {
    const { cli, read } = await world('workspaces');
    const check = cli('check');
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /i info +PRE-WORKSPACES +Workspaces: what apimkv covers/);
    assert.match(check.out, /This instance has 2 workspaces: "partner-apis" \(Partner APIs\), "payments-team" \(Payments team\)\./);
    assert.match(
      check.out,
      /apimkv diagnoses the service-level Key Vault references \(the service's certificates, named values and custom domains\); it does not read the workspaces' own named values, certificates or backends\./,
    );
    const json = JSON.parse(cli('check', '--json').out) as {
      findings: { checkId: string; status: string; docLink: string; cause: string }[];
    };
    const note = json.findings.find((f) => f.checkId === 'PRE-WORKSPACES');
    assert.equal(note?.status, 'info');
    assert.equal(note.docLink, 'https://learn.microsoft.com/azure/api-management/workspaces-overview#workspaces-constraints');
    // The independent read: the names in the note are exactly the workspaces Azure lists.
    const listed = (read(`${APIM}/workspaces`, '2024-05-01').value as { name: string }[]).map((w) => w.name).sort();
    assert.deepEqual(listed, ['partner-apis', 'payments-team']);
    for (const name of listed) assert.ok(note.cause.includes(`"${name}"`));
  });
});
