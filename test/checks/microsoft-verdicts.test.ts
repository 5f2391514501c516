// Verdicts as Microsoft's current text has them (issue 13): each test names the Learn page it follows. The sandbox is
// not the oracle here: these run on plain facts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOperator } from '../../src/checks/access.ts';
import { checkHostname } from '../../src/checks/certificate.ts';
import type { Facts } from '../../src/checks/facts.ts';
import { checkClientIp } from '../../src/checks/firewall.ts';
import { explainOrQuote, explainStatus } from '../../src/checks/key-vault-status.ts';
import { networkChecks } from '../../src/checks/network.ts';
import { stepDoc } from '../../src/checks/steps.ts';
import { apimOf, baseline, find, nsgOf, rule, SUBNET_ID, subnetOf, UAI_CLIENT, VAULT_ID, vaultOf } from './builders.ts';

const check = (f: Facts, id: string) => find(networkChecks(f), id);

/** The vault reached through an approved private endpoint in API Management's VNet (this cloud's zone), no SE. */
function privateEndpointOnly(f: Facts = baseline()): Facts {
  vaultOf(f).networkAcls.virtualNetworkRules = [];
  vaultOf(f).privateEndpointConnections = [
    { id: `${VAULT_ID}/privateEndpointConnections/pe1`, privateEndpointId: '/pe/kv', status: 'Approved' },
  ];
  f.privateEndpoints = {
    ok: true,
    value: [
      {
        id: '/pe/kv',
        subnetId: SUBNET_ID.replace(/apim$/, 'endpoints'),
        connectionStatus: 'Approved',
        privateDnsZoneIds: ['/zones/privatelink.vaultcore.azure.net'],
      },
    ],
  };
  subnetOf(f).serviceEndpoints = [];
  return f;
}

describe('private endpoint traffic and the NSG (Key Vault network security; Private Link)', () => {
  // https://learn.microsoft.com/azure/key-vault/general/private-link-service: traffic to a private endpoint goes to a
  // private IP of the VNet, so an NSG's Internet/AzureKeyVault rules do not decide it.
  it('an NSG that denies Internet 443 does not block an approved private endpoint (AllowVnetOutBound decides)', () => {
    const f = privateEndpointOnly();
    nsgOf(f).rules = [
      rule({ name: 'Deny-Internet-443', priority: 100, access: 'Deny', destinationAddressPrefixes: ['Internet'] }),
      rule({ name: 'Allow-Entra', priority: 90, destinationAddressPrefixes: ['AzureActiveDirectory'] }),
    ];
    const r = check(f, 'VNET-NSG-KV');
    assert.equal(r.status, 'pass', r.cause);
    assert.match(r.cause, /private endpoint, a VirtualNetwork address: outbound TCP 443 there is allowed by AllowVnetOutBound/);
  });
  it('a rule that denies VirtualNetwork 443 does block it', () => {
    const f = privateEndpointOnly();
    nsgOf(f).rules = [rule({ name: 'Deny-Vnet', priority: 100, access: 'Deny', destinationAddressPrefixes: ['VirtualNetwork'] })];
    assert.equal(check(f, 'VNET-NSG-KV').status, 'fail');
  });
  // https://learn.microsoft.com/azure/api-management/api-management-howto-mutual-certificates#requirements-for-key-vault-firewall:
  // a network line of sight (IP rule, private endpoint) is one of the ways in; the service endpoint is the VNet-rule way.
  it('VNET-SE is not a failure when a private endpoint already gives a line of sight', () => {
    const r = check(privateEndpointOnly(), 'VNET-SE');
    assert.equal(r.status, 'info');
    assert.equal(r.fix, undefined);
  });
  it('VNET-SE is not a failure when an IP rule covers API Management, and says the endpoint would break it', () => {
    const f = baseline();
    subnetOf(f).serviceEndpoints = [];
    vaultOf(f).networkAcls.virtualNetworkRules = [];
    vaultOf(f).networkAcls.ipRules = ['20.50.1.10/32'];
    const r = check(f, 'VNET-SE');
    assert.equal(r.status, 'info');
    assert.match(r.cause, /stop that IP rule from matching/);
  });
});

describe('FW-CLIENTIP (Key Vault network security: IP rules are IPv4)', () => {
  // https://learn.microsoft.com/azure/key-vault/general/network-security: IP network rules take IPv4 addresses/ranges.
  it('an IPv6 client address gets no IP rule, and the reason', () => {
    const f = baseline();
    f.operatorDataPlane = {
      ok: true,
      value: {
        status: 'firewall',
        clientAddress: '2001:db8::50',
        message: 'Client address is not authorized and caller is not a trusted service. Client address: 2001:db8::50',
      },
    };
    const r = checkClientIp(f);
    assert.deepEqual([r.status, r.fix], ['info', undefined]);
    assert.match(r.cause, /2001:db8::50 is IPv6: Key Vault IP rules are IPv4 only/);
  });
  // https://learn.microsoft.com/azure/key-vault/general/private-link-diagnostics: with public access disabled only
  // private endpoints (and trusted services) get in.
  it('public network access disabled: no IP rule and no Key Vault Reader grant are offered (neither can help)', () => {
    const f = baseline();
    vaultOf(f).publicNetworkAccess = 'Disabled';
    f.operatorDataPlane = {
      ok: true,
      value: {
        status: 'firewall',
        message: 'Public network access is disabled and request is not from a trusted service nor via an approved private link.',
        publicAccessDisabled: true,
      },
    };
    f.operatorPermissions.vault = { ok: true, value: [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }] };
    const ip = checkClientIp(f);
    assert.deepEqual([ip.status, ip.fix], ['info', undefined]);
    const op = checkOperator(f);
    assert.deepEqual([op.status, op.fix], ['info', undefined]);
    assert.match(op.cause, /public network access disabled/);
  });
  it('a permission refusal (not a network one) never reads as the firewall passing silently', () => {
    const f = baseline();
    f.operatorDataPlane = { ok: true, value: { status: 'forbidden', message: 'Caller is not authorized to perform action on resource.' } };
    assert.match(checkClientIp(f).cause, /permission refusal, not a network one: see ACC-OPERATOR/);
  });
});

describe('custom domains (configure-custom-domain, 06/03/2026)', () => {
  // https://learn.microsoft.com/azure/api-management/configure-custom-domain: behind the vault firewall only the
  // system identity gets the trusted-services exception, and a line of sight does not count for hostnames.
  it('a custom domain read by a user-assigned identity behind the firewall fails (its next sync will fail)', () => {
    const f = baseline();
    apimOf(f).hostnameConfigurations = [
      {
        type: 'Proxy',
        hostName: 'api.contoso.com',
        keyVaultId: 'https://kv-contoso.vault.azure.net/secrets/gateway-tls',
        identityClientId: UAI_CLIENT,
        certificateSource: 'KeyVault',
        certificateStatus: 'Completed',
      },
    ];
    const r = checkHostname(f);
    assert.equal(r.status, 'fail');
    assert.match(r.cause, /api\.contoso\.com: the user-assigned identity uai-certs reads the certificate behind the vault firewall/);
  });
  it('sync takes several hours, up to 1-2 days (not 4 hours)', () => {
    const f = baseline();
    apimOf(f).hostnameConfigurations = [
      {
        type: 'Proxy',
        hostName: 'api.contoso.com',
        keyVaultId: 'https://kv-contoso.vault.azure.net/secrets/gateway-tls',
        certificateSource: 'KeyVault',
        certificateStatus: 'Failed',
      },
    ];
    const r = checkHostname(f);
    assert.match(r.cause, /several hours, up to 1-2 days/);
    assert.doesNotMatch(r.cause, /four hours|4 hours/);
  });
});

describe('step 3 doc link (api-management-howto-mutual-certificates)', () => {
  it('uses the page anchor Microsoft has: #requirements-for-key-vault-firewall', () => {
    assert.equal(
      stepDoc('firewall'),
      'https://learn.microsoft.com/azure/api-management/api-management-howto-mutual-certificates#requirements-for-key-vault-firewall',
    );
  });
});

describe('the lastStatus matcher (Key Vault and API Management wording)', () => {
  const explain = (message: string, code = 'Failed') => explainStatus({ code, message });
  // https://learn.microsoft.com/azure/key-vault/general/network-security (403 ForbiddenByFirewall wording)
  it("Key Vault's firewall wording is the firewall, whatever the code says", () => {
    assert.equal(
      explain('Client address is not authorized and caller is not a trusted service.\r\nClient address: 20.50.1.10', 'Forbidden')?.area,
      'firewall',
    );
  });
  it('public network access disabled is the firewall step, not a permission', () => {
    assert.equal(
      explain('Public network access is disabled and request is not from a trusted service nor via an approved private link.', 'Forbidden')
        ?.area,
      'firewall',
    );
  });
  // https://learn.microsoft.com/azure/key-vault/general/rest-error-codes (AKV10032: Invalid issuer)
  it('AKV10032 (another tenant) points at PRE-TENANT', () =>
    assert.deepEqual(
      explain('AKV10032: Invalid issuer. Expected one of https://sts.windows.net/a/, found https://sts.windows.net/b/.')?.checks,
      ['PRE-TENANT'],
    ));
  it('"KeyVault Secrets type" with a space is the identifier', () =>
    assert.equal(explain('ApiManagement service only accepts KeyVault Secrets type')?.checks[0], 'CERT-ID-FORMAT'));
  it('a disabled secret is recognised', () =>
    assert.equal(explain('Operation get is not allowed on a disabled secret.')?.area, 'certificate'));
  it('DNS failures point at the vault existing and the private DNS zone', () =>
    assert.deepEqual(explain('No such host is known. (kv-contoso.vault.azure.net:443)')?.checks, ['PRE-VAULT', 'VNET-PE']));
  // https://learn.microsoft.com/azure/key-vault/general/common-error-codes writes the firewall sentence contracted.
  it("Learn's contracted firewall sentence is the firewall too", () =>
    assert.equal(explain("Client address isn't authorized and caller isn't a trusted service.", 'Forbidden')?.step, 'firewall'));
  // The sandbox's lastStatus for each cause it models (src/sandbox/providers/apim-fetch.ts), mapped to its check.
  describe("the sandbox fetch model's messages", () => {
    // API Management's wording for an unresolvable vault name: https://github.com/Azure/azure-rest-api-specs/issues/21655
    // The code VaultNotFound is the sandbox's own: the wording decides, whatever the code.
    it('a vault that does not exist: PRE-VAULT or VNET-PE by the wording, with or without the sandbox code', () => {
      assert.deepEqual(explain("The remote name could not be resolved: 'kv-gone.vault.azure.net'", 'VaultNotFound')?.checks, [
        'PRE-VAULT',
        'VNET-PE',
      ]);
      assert.deepEqual(explain("The remote name could not be resolved: 'kv-gone.vault.azure.net'")?.checks, ['PRE-VAULT', 'VNET-PE']);
    });
    // Undocumented by Microsoft: the sandbox's own sentences (the requirement: api-management/virtual-network-reference).
    it('an NSG deny: the NSG checks', () =>
      assert.deepEqual(
        explain(
          "Outbound traffic from subnet 'snet-apim' to 'AzureKeyVault' on TCP port 443 is denied by rule 'Deny-KV' (priority 100) of network security group 'nsg-apim'.",
          'NetworkBlocked',
        )?.checks,
        ['VNET-NSG-KV', 'VNET-NSG-AAD', 'VNET-UDR'],
      ));
    // Requirement: https://learn.microsoft.com/azure/api-management/configure-custom-domain (application/x-pkcs12).
    it('a PEM secret: REF-SECRET', () =>
      assert.deepEqual(
        explain(
          "The secret 'legacy-pem' has content type 'application/x-pem-file'. API Management requires 'application/x-pkcs12' (a certificate imported into Key Vault in PKCS#12/PFX format).",
          'InvalidContentType',
        )?.checks,
        ['REF-SECRET'],
      ));
    it("Key Vault's firewall body: the firewall checks", () =>
      assert.deepEqual(
        explain(
          'Client address is not authorized and caller is not a trusted service.\r\nClient address: 20.50.10.20\r\nCaller: appid=a;oid=b;iss=https://sts.windows.net/t/\r\nVault: kv;location=westeurope',
          'ForbiddenByFirewall',
        )?.checks,
        ['FW-IDENTITY', 'FW-BYPASS', 'FW-LOS', 'VNET-KVRULE', 'VNET-PE'],
      ));
  });
  it('access policy and RBAC refusals go to their own checks', () => {
    assert.deepEqual(
      explain("The user, group or application 'appid=…' does not have secrets get permission on key vault 'kv;location=westeurope'.")
        ?.checks,
      ['ACC-AP', 'ACC-MODEL'],
    );
    assert.deepEqual(explain('Caller is not authorized to perform action on resource.\r\nAction: getSecret')?.checks, [
      'ACC-RBAC',
      'ACC-MODEL',
    ]);
  });
  // Verbatim in the finding (facts stay exact); each output neutralises controls (test/safety/hostile-text.test.ts).
  it('an unknown message is quoted verbatim and labelled unrecognised', () => {
    assert.equal(explain('Something odd happened'), undefined);
    assert.equal(
      explainOrQuote({ code: 'Weird', message: 'line one\r\nline two\u001b[2J' }),
      'apimkv does not recognise this; the message was: Weird: line one\r\nline two\u001b[2J',
    );
  });
  it('a bare "Forbidden" is not mapped to a step', () => assert.equal(explain('Forbidden', 'Forbidden'), undefined));
  it('every pattern keeps its source', () => {
    for (const m of [
      'ForbiddenByFirewall',
      'ForbiddenByConnection',
      'AKV10032',
      'ForbiddenByPolicy',
      'ForbiddenByRbac',
      'SecretNotFound',
      'SecretDisabled',
      'ENOTFOUND',
    ]) {
      assert.match(explain(m)?.source ?? '', /^https:\/\/learn\.microsoft\.com\//, m);
    }
  });
});

describe('the service endpoint fix and the other vaults (key-vault/general/overview-vnet-service-endpoints)', () => {
  // https://learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints: with a service endpoint the
  // vault sees the subnet, not the public IP, so every vault that admits API Management by IP needs a VNet rule too.
  it('lists each other reference it would cut off and plans the companion VNet rule on that vault', () => {
    const f = baseline();
    subnetOf(f).serviceEndpoints = [];
    vaultOf(f).networkAcls.virtualNetworkRules = [];
    const shared = {
      ...structuredClone(vaultOf(f)),
      id: VAULT_ID.replace(/kv-contoso$/, 'kv-shared'),
      name: 'kv-shared',
      vaultUri: 'https://kv-shared.vault.azure.net/',
    };
    shared.networkAcls = { bypass: 'None', defaultAction: 'Deny', ipRules: ['20.50.1.10/32'], virtualNetworkRules: [] };
    f.otherVaults = {
      'kv-shared.vault.azure.net': { ok: true, value: shared },
      'kv-far.vault.azure.net': { ok: false, unknown: 'NotFound', message: 'No vault with host kv-far.vault.azure.net in subscription s.' },
    };
    f.namedValues = {
      ok: true,
      value: [
        { id: 'nv1', name: 'partner', keyVault: { secretIdentifier: 'https://kv-shared.vault.azure.net/secrets/partner' } },
        { id: 'nv2', name: 'far', keyVault: { secretIdentifier: 'https://kv-far.vault.azure.net/secrets/far' } },
      ],
    };
    const r = check(f, 'VNET-SE');
    assert.equal(r.status, 'fail');
    assert.deepEqual(
      r.fix?.operations.map((o) => `${o.kind} ${'vaultId' in o ? o.vaultId.split('/').pop() : ''}`),
      ['subnet.addServiceEndpoint ', 'vault.addVirtualNetworkRule kv-contoso', 'vault.addVirtualNetworkRule kv-shared'],
    );
    assert.match(r.fix?.disruption ?? '', /named value partner on kv-shared: admitted today by API Management's public IP/);
    assert.match(r.fix?.disruption ?? '', /named value far on kv-far\.vault\.azure\.net: not read/);
  });
});
