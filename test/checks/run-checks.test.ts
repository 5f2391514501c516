import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runChecks } from '../../src/checks/index.ts';
import { STEPS } from '../../src/checks/steps.ts';
import { apimOf, baseline, find, forbidden, SECRET_ID, subnetOf, vaultOf } from './builders.ts';

const ALL_IDS = [
  'CTX-CLOUD',
  'CTX-WHOAMI',
  'PRE-VAULT',
  'PRE-TENANT',
  'PRE-APIM',
  'PRE-MI',
  'PRE-MI-PICK',
  'ACC-MODEL',
  'ACC-AP',
  'ACC-RBAC',
  'ACC-WRONG-MODEL',
  'ACC-OPERATOR',
  'FW-STATE',
  'FW-IDENTITY',
  'FW-BYPASS',
  'FW-LOS',
  'FW-RETIRE',
  'FW-CLIENTIP',
  'FW-CLIENTIP-CLEANUP',
  'FW-PNA-DISABLED',
  'VNET-MODE',
  'VNET-SE',
  'VNET-KVRULE',
  'VNET-NSG',
  'VNET-NSG-KV',
  'VNET-NSG-AAD',
  'VNET-PE',
  'CERT-ID-FORMAT',
  'CERT-ID-VERSION',
  'CERT-IDENTITY',
  'CERT-EXISTING',
  'CERT-CREATE',
  'CERT-VERIFY',
  'CERT-EXPIRY',
  'CERT-REFRESH',
  'CERT-VERSIONED',
  'CERT-HOSTNAME',
  'REF-SECRET',
  'REF-NAMED-VALUE',
  'UPL-FILE',
  'UPL-KEY',
  'UPL-CREATE',
  'UPL-ROTATE',
];

describe('runChecks', () => {
  it('every check id once, in step order', () => {
    const findings = runChecks(baseline());
    assert.deepEqual(
      findings.map((f) => f.checkId),
      ALL_IDS,
    );
    const order = STEPS.map((s) => s.id);
    const stepIndexes = findings.map((f) => order.indexOf(f.step));
    assert.deepEqual(
      stepIndexes,
      [...stepIndexes].sort((a, b) => a - b),
    );
  });
  it('the healthy baseline has nothing failing, warning or unknown', () => {
    const bad = runChecks(baseline()).filter((f) => ['fail', 'warn', 'unknown'].includes(f.status));
    assert.deepEqual(
      bad.map((f) => f.checkId),
      [],
    );
  });
  it('is pure: the same facts give identical output, and the facts are not changed', () => {
    const facts = baseline();
    vaultOf(facts).networkAcls.bypass = 'None';
    vaultOf(facts).networkAcls.virtualNetworkRules = [];
    subnetOf(facts).serviceEndpoints = [];
    facts.intent = { kind: 'keyVault', certificateId: 'backend-client', secretIdentifier: SECRET_ID, identity: 'system' };
    const before = JSON.stringify(facts);
    const first = runChecks(facts);
    const second = runChecks(facts);
    assert.deepEqual(second, first);
    assert.equal(JSON.stringify(facts), before);
  });
  it('every finding links to Learn', () => {
    for (const f of runChecks(baseline())) assert.match(f.docLink ?? '', /^https:\/\/learn\.microsoft\.com\//, f.checkId);
  });
  it('an unreadable vault makes the checks that need it unknown, naming the missing action, never guessing', () => {
    const facts = baseline();
    facts.vault = forbidden('Microsoft.KeyVault/vaults/read');
    const findings = runChecks(facts);
    for (const id of [
      'CTX-CLOUD',
      'PRE-VAULT',
      'PRE-TENANT',
      'ACC-MODEL',
      'ACC-AP',
      'ACC-RBAC',
      'FW-STATE',
      'FW-BYPASS',
      'FW-LOS',
      'FW-CLIENTIP',
      'VNET-KVRULE',
      'VNET-PE',
    ]) {
      const f = find(findings, id);
      assert.deepEqual([f.status, f.missingAction], ['unknown', 'Microsoft.KeyVault/vaults/read'], id);
      assert.match(f.cause, /^Could not check: the key vault could not be read/, id);
      assert.equal(f.fix, undefined, id);
    }
    // Checks that do not need the vault still run.
    assert.equal(find(findings, 'PRE-MI').status, 'pass');
    assert.equal(find(findings, 'FW-RETIRE').status, 'info');
  });
  it('a broken world yields one fix per failing cause', () => {
    const facts = baseline();
    apimOf(facts).identity = { type: 'None', userAssigned: [] };
    vaultOf(facts).networkAcls.bypass = 'None';
    vaultOf(facts).networkAcls.virtualNetworkRules = [];
    const findings = runChecks(facts);
    const fixes = findings
      .filter((f) => f.fix && f.status === 'fail')
      .map((f) => [f.checkId, f.fix!.operations.map((o) => o.kind).join('+')]);
    assert.deepEqual(fixes, [
      ['PRE-MI', 'apim.enableSystemIdentity'],
      ['FW-IDENTITY', 'apim.enableSystemIdentity'],
      ['FW-BYPASS', 'vault.setBypass'],
      ['VNET-KVRULE', 'vault.addVirtualNetworkRule'],
    ]);
    assert.equal(find(findings, 'ACC-RBAC').status, 'fail');
  });
});
