// The audit's findings, one test per kind, over hand-built fleet facts; the exit code; the reports'
// escaping; and the table model (sort, filter, runbook target).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditExitCode, auditFleet, lineOfSight, splitIdentifier } from '../../src/checks/audit/findings.ts';
import { auditCsv, auditJson, auditText } from '../../src/checks/audit/report.ts';
import { csvCell } from '../../src/checks/escape.ts';
import { workspacesNote } from '../../src/checks/workspaces.ts';
import type { AuditKind, FleetFacts, FleetInstance, FleetInstanceFacts, FleetReference, FleetVault } from '../../src/checks/audit/types.ts';
import { instanceRows, runbookTarget, visibleRows } from '../../src/screens/audit-model.ts';

const NOW = '2026-11-23T00:00:00Z';
const SUB = '11111111-1111-4111-8111-111111111111';
const UAI_CLIENT = 'c1c1c1c1-0000-4000-8000-000000000001';

function instance(name: string, over: Partial<FleetInstance> = {}): FleetInstance {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg-${name}/providers/Microsoft.ApiManagement/service/${name}`,
    name,
    resourceGroup: `rg-${name}`,
    subscriptionId: SUB,
    sku: 'Developer',
    identityType: 'SystemAssigned',
    principalId: 'p-1',
    noTrusted: 'True',
    ...over,
  };
}

function vault(name: string, over: Partial<FleetVault> = {}): FleetVault {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/${name}`,
    name,
    resourceGroup: 'rg-kv',
    subscriptionId: SUB,
    vaultUri: `https://${name}.vault.azure.net/`,
    rbac: true,
    pna: 'Enabled',
    defaultAction: 'Allow',
    bypass: 'AzureServices',
    softDelete: true,
    purgeProtection: true,
    ...over,
  };
}

function cert(name: string, vaultName: string, over: Partial<FleetReference> = {}): FleetReference {
  return {
    kind: 'certificate',
    name,
    secretIdentifier: `https://${vaultName}.vault.azure.net/secrets/${name}`,
    lastStatus: { code: 'Success', timeStampUtc: '2026-11-22T00:00:00Z' },
    expirationDate: '2027-06-01T00:00:00Z',
    ...over,
  };
}

function facts(instances: FleetInstanceFacts[], vaults: FleetVault[], truncated: string[] = []): FleetFacts {
  return {
    instances,
    vaults,
    truncated,
    readAt: NOW,
    stats: { graphPages: 2, armLists: instances.length, requests: 2 + instances.length, throttled: 0, ms: 1 },
  };
}

const one = (i: FleetInstance, refs: FleetReference[], vaults: FleetVault[], errors: FleetInstanceFacts['errors'] = []) =>
  auditFleet(facts([{ instance: i, references: refs, errors }], vaults), { now: NOW });
const kinds = (f: { kind: AuditKind }[]) => f.map((x) => x.kind).sort();

test('a healthy instance has no findings and exits 0', () => {
  const findings = one(instance('apim-ok'), [cert('c1', 'kv-ok')], [vault('kv-ok')]);
  assert.deepEqual(findings, []);
  assert.equal(auditExitCode(findings), 0);
});

test('refresh-failed: a certificate or named value whose lastStatus is not Success; a hostname whose status is Failed', () => {
  const refs: FleetReference[] = [
    cert('c1', 'kv-a', {
      lastStatus: { code: 'Forbidden', message: 'Access denied by the vault\nsecond line', timeStampUtc: '2026-11-20T00:00:00Z' },
    }),
    {
      kind: 'named value',
      name: 'backend-key',
      secretIdentifier: 'https://kv-a.vault.azure.net/secrets/backend-key',
      lastStatus: { code: 'NotFound' },
    },
    {
      kind: 'hostname',
      name: 'api.contoso.com',
      secretIdentifier: 'https://kv-a.vault.azure.net/secrets/tls',
      certificateStatus: 'Failed',
      expirationDate: '2027-06-01T00:00:00Z',
    },
  ];
  const findings = one(instance('apim-a'), refs, [vault('kv-a')]);
  assert.deepEqual(kinds(findings), ['refresh-failed', 'refresh-failed', 'refresh-failed']);
  const c1 = findings.find((f) => f.reference === 'certificate c1')!;
  assert.equal(c1.severity, 'fail');
  assert.match(c1.message, /Forbidden: Access denied by the vault\)/);
  assert.doesNotMatch(c1.message, /second line/);
  assert.equal(c1.date, '2026-11-20T00:00:00Z');
  assert.equal(c1.vault, 'kv-a');
  assert.match(findings.find((f) => f.reference === 'hostname api.contoso.com')!.message, /certificate status is Failed/);
  assert.equal(auditExitCode(findings), 1);
});

test('versioned-identifier: a pinned version is a warning with the versionless identifier', () => {
  const findings = one(
    instance('apim-v'),
    [cert('c1', 'kv-v', { secretIdentifier: 'https://kv-v.vault.azure.net/secrets/c1/0123456789abcdef0123456789abcdef' })],
    [vault('kv-v')],
  );
  assert.deepEqual(kinds(findings), ['versioned-identifier']);
  assert.equal(findings[0]!.severity, 'warn');
  assert.match(findings[0]!.message, /Pinned to version 01234567….*https:\/\/kv-v\.vault\.azure\.net\/secrets\/c1\./);
  assert.equal(auditExitCode(findings), 3);
});

test('expired and expiring: against the window (--days), singular and plural', () => {
  const refs = [
    cert('old', 'kv-e', { expirationDate: '2026-11-22T00:00:00Z' }),
    cert('soon', 'kv-e', { expirationDate: '2026-12-10T00:00:00Z' }),
    cert('later', 'kv-e', { expirationDate: '2027-02-01T00:00:00Z' }),
  ];
  const i = { instance: instance('apim-e'), references: refs, errors: [] };
  const f30 = auditFleet(facts([i], [vault('kv-e')]), { now: NOW });
  assert.deepEqual(
    f30.map((f) => `${f.kind} ${f.reference}`),
    ['expired certificate old', 'expiring certificate soon'],
  );
  assert.match(f30[0]!.message, /expired on 2026-11-22 \(1 day ago\)/);
  assert.match(f30[1]!.message, /expires on 2026-12-10 \(in 17 days\)/);
  assert.equal(f30[0]!.severity, 'fail');
  const f90 = auditFleet(facts([i], [vault('kv-e')]), { now: NOW, days: 90 });
  assert.deepEqual(
    f90.map((f) => `${f.kind} ${f.reference}`),
    ['expired certificate old', 'expiring certificate later', 'expiring certificate soon'],
  );
  const f7 = auditFleet(facts([i], [vault('kv-e')]), { now: NOW, days: 7 });
  assert.deepEqual(kinds(f7), ['expired']);
});

test('uai-behind-firewall: a user-assigned identity reading a firewalled vault fails; the same on an open vault does not', () => {
  const uai = instance('apim-u', { identityType: 'UserAssigned', uais: { '/x/uai-1': { clientId: UAI_CLIENT, principalId: 'p-u' } } });
  const ref = cert('c1', 'kv-fw', { identityClientId: UAI_CLIENT });
  const behind = one(uai, [ref], [vault('kv-fw', { defaultAction: 'Deny' })]);
  assert.deepEqual(kinds(behind), ['uai-behind-firewall']);
  assert.equal(behind[0]!.severity, 'fail');
  assert.match(behind[0]!.message, /only the system-assigned identity is admitted/);
  assert.deepEqual(one(uai, [ref], [vault('kv-fw')]), []);
  // Public access disabled is a firewall too.
  assert.deepEqual(kinds(one(uai, [ref], [vault('kv-fw', { pna: 'Disabled' })])), ['uai-behind-firewall']);
});

test('no-identity: system identity missing (once per instance), or a client id the instance does not have', () => {
  const none = instance('apim-n', { identityType: 'None', principalId: undefined });
  const twice = one(none, [cert('c1', 'kv-n'), cert('c2', 'kv-n')], [vault('kv-n')]);
  assert.deepEqual(kinds(twice), ['no-identity']);
  assert.match(twice[0]!.message, /no system-assigned identity \(identity: None\)/);
  const stray = one(
    instance('apim-s', { identityType: 'SystemAssigned, UserAssigned', uais: {} }),
    [cert('c1', 'kv-n', { identityClientId: UAI_CLIENT })],
    [vault('kv-n')],
  );
  assert.deepEqual(kinds(stray), ['no-identity']);
  assert.match(stray[0]!.message, new RegExp(`${UAI_CLIENT}, which is not attached`));
  // "SystemAssigned, UserAssigned" counts as having the system identity.
  assert.deepEqual(one(instance('apim-b', { identityType: 'SystemAssigned, UserAssigned' }), [cert('c1', 'kv-n')], [vault('kv-n')]), []);
});

test('soft-delete-off and purge-protection-off: once per vault however many references use it', () => {
  const v = vault('kv-sd', { softDelete: false, purgeProtection: null });
  const findings = one(instance('apim-sd'), [cert('c1', 'kv-sd'), cert('c2', 'kv-sd')], [v]);
  assert.deepEqual(kinds(findings), ['purge-protection-off', 'soft-delete-off']);
  assert.ok(findings.every((f) => f.severity === 'warn' && f.reference === '' && f.vault === 'kv-sd'));
});

test('gateway-bypass: DisableOverPrivilegedAccess not set and the vault admits the instance only through the bypass', () => {
  const firewalled = vault('kv-g', { defaultAction: 'Deny', bypass: 'AzureServices' });
  const flagOff = instance('apim-g', { noTrusted: undefined });
  const findings = one(flagOff, [cert('c1', 'kv-g')], [firewalled]);
  assert.deepEqual(kinds(findings), ['gateway-bypass']);
  // Control-plane references are not affected by the retirement: a note (info), never a warning.
  // https://learn.microsoft.com/azure/api-management/breaking-changes/trusted-service-connectivity-retirement-march-2026
  assert.equal(findings[0]!.severity, 'info');
  assert.match(findings[0]!.message, /not affected by the March 2026 retirement/);
  // The flag set, a line of sight (IP rule covering the gateway's address), or no firewall: no finding.
  assert.deepEqual(one({ ...flagOff, noTrusted: 'True' }, [cert('c1', 'kv-g')], [firewalled]), []);
  const withIp = { ...firewalled, ipRules: [{ value: '20.1.2.0/24' }] };
  assert.deepEqual(one({ ...flagOff, publicIPs: ['20.1.2.3'] }, [cert('c1', 'kv-g')], [withIp]), []);
  assert.deepEqual(one(flagOff, [cert('c1', 'kv-g')], [vault('kv-g')]), []);
});

test('lineOfSight: VNet rule for the subnet, private endpoint from a VNet instance, IP rule; not when public access is off', () => {
  const subnet = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vn/subnets/apim`;
  const v = vault('kv-l', { defaultAction: 'Deny' });
  assert.equal(
    lineOfSight(instance('a', { vnetType: 'External', subnetId: subnet }), { ...v, vnetRules: [{ id: subnet.toUpperCase() }] }),
    true,
  );
  assert.equal(lineOfSight(instance('a', { vnetType: 'Internal', subnetId: subnet }), { ...v, pna: 'Disabled', peCount: 1 }), true);
  assert.equal(lineOfSight(instance('a', { vnetType: 'None' }), { ...v, pna: 'Disabled', peCount: 1 }), false);
  assert.equal(lineOfSight(instance('a', { publicIPs: ['20.1.2.3'] }), { ...v, pna: 'Disabled', ipRules: [{ value: '20.1.2.3' }] }), false);
  assert.equal(lineOfSight(instance('a', { publicIPs: ['20.1.2.3'] }), { ...v, ipRules: [{ value: '20.1.3.0/24' }] }), false);
});

test('hostname-bypass-only: a custom domain on a firewalled vault warns with the bypass and fails without it', () => {
  const host: FleetReference = {
    kind: 'hostname',
    name: 'api.contoso.com',
    secretIdentifier: 'https://kv-h.vault.azure.net/secrets/tls',
    certificateStatus: 'Completed',
    expirationDate: '2027-06-01T00:00:00Z',
  };
  const withBypass = one(instance('apim-h'), [host], [vault('kv-h', { defaultAction: 'Deny' })]);
  assert.deepEqual(kinds(withBypass), ['hostname-bypass-only']);
  assert.equal(withBypass[0]!.severity, 'warn');
  assert.match(withBypass[0]!.message, /only through the trusted-services bypass/);
  const noBypass = one(instance('apim-h'), [host], [vault('kv-h', { defaultAction: 'Deny', bypass: 'None' })]);
  assert.equal(noBypass.find((f) => f.kind === 'hostname-bypass-only')?.severity, 'fail');
  assert.match(noBypass.find((f) => f.kind === 'hostname-bypass-only')!.message, /without the trusted-services bypass/);
  assert.deepEqual(one(instance('apim-h'), [host], [vault('kv-h')]), []);
});

test('vault-not-visible: once per vault host, unknown severity, exit 1', () => {
  const findings = one(instance('apim-x'), [cert('c1', 'kv-gone'), cert('c2', 'kv-gone')], []);
  assert.deepEqual(kinds(findings), ['vault-not-visible']);
  assert.equal(findings[0]!.severity, 'unknown');
  assert.match(findings[0]!.message, /kv-gone\.vault\.azure\.net is not among the vaults visible/);
  assert.equal(auditExitCode(findings), 1);
  // Not an identifier at all: still reported, with the raw text.
  assert.match(one(instance('apim-x'), [cert('c1', 'kv', { secretIdentifier: 'not-a-url' })], [])[0]!.message, /"not-a-url"/);
});

test('unreadable: a list that could not be read names the missing action', () => {
  const findings = one(
    instance('apim-r'),
    [],
    [],
    [
      {
        what: 'certificates',
        error: {
          kind: 'Forbidden',
          message: 'The client does not have authorization',
          missingAction: 'Microsoft.ApiManagement/service/certificates/read',
        } as never,
      },
    ],
  );
  assert.deepEqual(kinds(findings), ['unreadable']);
  assert.match(findings[0]!.message, /Could not list certificates: .*needs Microsoft\.ApiManagement\/service\/certificates\/read/);
  assert.equal(auditExitCode(findings), 1);
});

test('fleet-truncated: a truncated Resource Graph answer is a fleet-wide warning', () => {
  const findings = auditFleet(facts([], [], ['API Management instance']), { now: NOW });
  assert.deepEqual(kinds(findings), ['fleet-truncated']);
  assert.equal(findings[0]!.instanceId, '');
  assert.match(findings[0]!.message, /--subscription or --management-group/);
  assert.equal(auditExitCode(findings), 3);
});

test('findings come worst first; the exit code reflects the worst', () => {
  const f = auditFleet(
    facts(
      [
        {
          instance: instance('apim-1'),
          references: [cert('c1', 'kv-1', { secretIdentifier: 'https://kv-1.vault.azure.net/secrets/c1/abc' })],
          errors: [],
        },
        { instance: instance('apim-2'), references: [cert('c2', 'kv-missing')], errors: [] },
        { instance: instance('apim-3'), references: [cert('c3', 'kv-1', { lastStatus: { code: 'Forbidden' } })], errors: [] },
      ],
      [vault('kv-1')],
    ),
    { now: NOW },
  );
  assert.deepEqual(
    f.map((x) => x.severity),
    ['fail', 'unknown', 'warn'],
  );
  assert.equal(auditExitCode(f), 1);
  assert.equal(auditExitCode(f.filter((x) => x.severity === 'warn')), 3);
});

test('splitIdentifier: host, name and version of secrets and certificates URLs', () => {
  assert.deepEqual(splitIdentifier('https://KV.vault.azure.net/secrets/c1/'), { host: 'kv.vault.azure.net', name: 'c1' });
  assert.deepEqual(splitIdentifier('https://kv.vault.azure.cn:443/certificates/c1/v2'), {
    host: 'kv.vault.azure.cn',
    name: 'c1',
    version: 'v2',
  });
  assert.equal(splitIdentifier('https://kv.vault.azure.net/keys/c1'), undefined);
});

test('CSV: RFC 4180 quoting and formula neutralising; JSON and text carry the counts', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('line\nbreak'), 'line ⏎ break');
  const fx = facts(
    [{ instance: instance('=evil'), references: [cert('c1', 'kv-c', { lastStatus: { code: 'Forbidden' } })], errors: [] }],
    [vault('kv-c')],
  );
  const findings = auditFleet(fx, { now: NOW });
  const csv = auditCsv(findings);
  const [head, row] = csv.split('\r\n');
  assert.equal(head, 'severity,kind,subscriptionId,resourceGroup,instance,reference,vault,date,message');
  assert.match(row!, /^fail,refresh-failed,[^,]+,rg-=evil,'=evil,certificate c1,kv-c,/);
  const json = JSON.parse(auditJson(fx, findings, { cloud: 'AzureCloud', subscriptions: [SUB], managementGroups: [], days: 30 }));
  assert.equal(json.schemaVersion, 1);
  assert.deepEqual(json.summary, {
    instances: 1,
    vaults: 1,
    references: 1,
    instancesWithFindings: 1,
    fail: 1,
    unknown: 0,
    warn: 0,
    info: 0,
    truncated: false,
  });
  const text = auditText(fx, findings, { cloud: 'AzureCloud', subscriptions: [SUB], managementGroups: [], days: 30 });
  assert.match(text, /1 failing, 0 unknown, 0 at risk/);
  assert.match(text, /FAIL refresh-failed \(1\)\n  =evil \(rg-=evil\) · certificate c1 · vault kv-c/);
  assert.match(auditText(facts([], []), [], { cloud: 'AzureCloud', subscriptions: [], managementGroups: [], days: 30 }), /No findings/);
});

test("table model: rows sorted by severity, name, findings; the filter matches every word; runbook target uses the worst finding's vault", () => {
  const fx = facts(
    [
      {
        instance: instance('zeta'),
        references: [
          cert('c1', 'kv-1', { lastStatus: { code: 'Forbidden' } }),
          cert('c2', 'kv-1', { secretIdentifier: 'https://kv-1.vault.azure.net/secrets/c2/v1' }),
        ],
        errors: [],
      },
      { instance: instance('alpha'), references: [cert('c1', 'kv-2')], errors: [] },
      {
        instance: instance('mid'),
        references: [cert('c1', 'kv-1', { secretIdentifier: 'https://kv-1.vault.azure.net/secrets/c1/v9' })],
        errors: [],
      },
    ],
    [vault('kv-1'), vault('kv-2', { resourceGroup: 'rg-other' })],
  );
  const rows = instanceRows(fx, auditFleet(fx, { now: NOW }));
  assert.deepEqual(
    visibleRows(rows, 'severity', '').map((r) => r.label),
    ['zeta', 'mid', 'alpha'],
  );
  assert.deepEqual(
    visibleRows(rows, 'name', '').map((r) => r.label),
    ['alpha', 'mid', 'zeta'],
  );
  assert.deepEqual(
    visibleRows(rows, 'findings', '').map((r) => r.label),
    ['zeta', 'mid', 'alpha'],
  );
  assert.deepEqual(
    visibleRows(rows, 'name', 'versioned').map((r) => r.label),
    ['mid', 'zeta'],
  );
  assert.deepEqual(
    visibleRows(rows, 'name', 'VERSIONED fail').map((r) => r.label),
    ['zeta'],
  );
  assert.deepEqual(visibleRows(rows, 'name', 'nothing-like-this'), []);
  const zeta = rows.find((r) => r.label === 'zeta')!;
  assert.equal(zeta.worst, 'fail');
  assert.deepEqual(runbookTarget(zeta, fx), {
    subscriptionId: SUB,
    apim: { resourceGroup: 'rg-zeta', name: 'zeta' },
    vault: { name: 'kv-1', resourceGroup: 'rg-kv', subscriptionId: SUB },
  });
  // No findings: the vault of the first reference.
  assert.deepEqual(
    runbookTarget(
      rows.find((r) => r.label === 'alpha')!,
      fx,
    )?.vault,
    { name: 'kv-2', resourceGroup: 'rg-other', subscriptionId: SUB },
  );
  // No references at all: nothing to open.
  const bare = instanceRows(facts([{ instance: instance('bare'), references: [], errors: [] }], []), []);
  assert.equal(runbookTarget(bare[0]!, facts([], [])), undefined);
});

// https://learn.microsoft.com/azure/api-management/workspaces-overview#workspaces-constraints: workspaces hold their own
// named values, certificates and backends and don't support the instance's managed identity for Key Vault secrets.
test('workspaces: one info note per instance with workspaces, the same text as the runbook; none without', () => {
  const i = instance('apim-w', { sku: 'Premium' });
  const findings = auditFleet(
    facts([{ instance: i, references: [], errors: [], workspaces: [{ name: 'team-b' }, { name: 'team-a', displayName: 'Team A' }] }], []),
    { now: NOW },
  );
  assert.deepEqual(kinds(findings), ['workspaces']);
  assert.equal(findings[0]!.severity, 'info');
  assert.equal(findings[0]!.message, workspacesNote([{ name: 'team-a', displayName: 'Team A' }, { name: 'team-b' }]));
  assert.match(findings[0]!.message, /^This instance has 2 workspaces: "team-a" \(Team A\), "team-b"\. apimkv diagnoses the service-level/);
  assert.equal(findings[0]!.docs, 'https://learn.microsoft.com/azure/api-management/workspaces-overview#workspaces-constraints');
  assert.equal(auditExitCode(findings), 0);
  assert.deepEqual(auditFleet(facts([{ instance: i, references: [], errors: [], workspaces: [] }], []), { now: NOW }), []);
  const refused = one(
    i,
    [],
    [],
    [
      {
        what: 'workspaces',
        error: { kind: 'Forbidden', message: 'Denied.', missingAction: 'Microsoft.ApiManagement/service/workspaces/read' },
      },
    ],
  );
  assert.deepEqual(kinds(refused), ['unreadable']);
  assert.equal(
    refused[0]!.message,
    'Could not list workspaces: Denied. (needs Microsoft.ApiManagement/service/workspaces/read). Whether it has workspaces (which apimkv does not audit) is unknown.',
  );
});
