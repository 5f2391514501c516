// API Management's lastStatus codes are undocumented (the contract's code is free text), so the sandbox's codes for
// three causes (VaultNotFound, NetworkBlocked, InvalidContentType) are its own. The product must diagnose those causes
// from the facts the checks read, and show a message it has never seen verbatim, labelled unrecognised.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Facts, KeyVaultStatusFacts } from '../../src/checks/facts.ts';
import { runChecks } from '../../src/checks/index.ts';
import { explainStatus } from '../../src/checks/key-vault-status.ts';
import { SANDBOX_OWN_CODES } from '../../src/sandbox/providers/apim-fetch.ts';
import { baseline, find, nsgOf, rule, VAULT_ID } from './builders.ts';

const UNSEEN: KeyVaultStatusFacts = { code: 'Failed', message: 'Zorglub 7: the fetch did not complete (ref 42).' };
const QUOTED = 'apimkv does not recognise this; the message was: Failed: Zorglub 7: the fetch did not complete (ref 42).';

function failing(f: Facts, status: KeyVaultStatusFacts): Facts {
  if (!f.apimCertificates.ok) throw new Error('baseline has certificates');
  f.apimCertificates.value[0].keyVault!.lastStatus = { ...status, timeStampUtc: '2026-11-22T09:30:00Z' };
  return f;
}

describe('a lastStatus the product has never seen', () => {
  it('no sandbox-own code is recognised by itself (the wording decides, or nothing does)', () => {
    for (const code of SANDBOX_OWN_CODES) assert.equal(explainStatus({ code, message: UNSEEN.message }), undefined, code);
  });

  // https://learn.microsoft.com/azure/api-management/virtual-network-reference#required-ports: outbound TCP 443 to
  // AzureKeyVault is required; the NSG facts say it is denied whatever API Management wrote.
  it('an NSG deny is found by VNET-NSG-KV, and the message is quoted verbatim', () => {
    const f = failing(baseline(), UNSEEN);
    nsgOf(f).rules = [rule({ name: 'Deny-KV', priority: 100, access: 'Deny', destinationAddressPrefixes: ['AzureKeyVault'] })];
    const findings = runChecks(f);
    assert.equal(find(findings, 'VNET-NSG-KV').status, 'fail');
    const refresh = find(findings, 'CERT-REFRESH');
    assert.equal(refresh.status, 'fail');
    assert.ok(
      refresh.evidence?.some((e) => e.endsWith(QUOTED)),
      refresh.evidence?.join('\n'),
    );
  });

  it('the same with the sandbox code NetworkBlocked: the code alone explains nothing', () => {
    const f = failing(baseline(), { code: 'NetworkBlocked', message: UNSEEN.message });
    assert.match(
      find(runChecks(f), 'CERT-REFRESH').evidence!.join('\n'),
      /apimkv does not recognise this; the message was: NetworkBlocked: Zorglub/,
    );
  });

  // https://learn.microsoft.com/azure/api-management/configure-custom-domain: the secret must be application/x-pkcs12.
  it('a PEM secret is found by REF-SECRET, and the message is quoted verbatim', () => {
    const f = failing(baseline(), UNSEEN);
    const ref = Object.values(f.referencedSecrets ?? {})[0];
    if (!ref.ok) throw new Error('baseline reads the secret');
    ref.value.versions[0].contentType = 'application/x-pem-file';
    const findings = runChecks(f);
    assert.equal(find(findings, 'REF-SECRET').status, 'fail');
    assert.ok(find(findings, 'CERT-REFRESH').evidence?.some((e) => e.endsWith(QUOTED)));
  });

  it('a vault that is gone is found by PRE-VAULT, and VaultNotFound with an unseen message stays unrecognised', () => {
    const f = failing(baseline(), { code: 'VaultNotFound', message: UNSEEN.message });
    f.vault = {
      ok: false,
      unknown: 'NotFound',
      message: 'The Resource was not found.',
      from: { resourceId: VAULT_ID, readAt: '2026-11-22T10:00:00Z' },
    };
    const findings = runChecks(f);
    assert.equal(find(findings, 'PRE-VAULT').status, 'fail');
    assert.match(
      find(findings, 'CERT-REFRESH').evidence!.join('\n'),
      /apimkv does not recognise this; the message was: VaultNotFound: Zorglub/,
    );
  });
});
