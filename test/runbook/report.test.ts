// The plain report: a read that failed leaves many checks unknown for one reason; it is told once in
// full and the other checks point back to it, so the cause is not lost in repeats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport } from '../../src/runbook/report.ts';
import { evaluation, finding, runContext } from '../screens/fixtures.ts';

test('unknown checks with the same cause are told once, then point to the first', () => {
  const cause = 'Could not check: the key vault could not be read (it was not found: No key vault named "kv-nope").';
  const text = formatReport(
    evaluation({
      findings: [
        finding('CTX-CLOUD', 'context', 'unknown', { cause, evidence: ['the key vault: NotFound'] }),
        finding('PRE-VAULT', 'prerequisites', 'fail', { cause: 'The key vault kv-nope was not found.' }),
        finding('ACC-MODEL', 'access', 'unknown', { cause, evidence: ['the key vault: NotFound'] }),
        finding('ACC-OPERATOR', 'access', 'unknown', {
          cause: 'Could not check: you may not read secrets.',
          missingAction: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
        }),
        finding('FW-STATE', 'firewall', 'unknown', { cause, evidence: ['the key vault: NotFound'] }),
      ],
    }),
    runContext(),
  );
  assert.equal(text.split(cause).length - 1, 1, 'the full cause once');
  assert.match(text, /ACC-MODEL .*\n {13}Could not check: the key vault could not be read: see CTX-CLOUD\n/);
  assert.match(text, /FW-STATE .*\n {13}Could not check: the key vault could not be read: see CTX-CLOUD\n/);
  // A different reason is told in full, with its missing permission.
  assert.match(
    text,
    /ACC-OPERATOR .*\n {13}Could not check: you may not read secrets\.\n[\s\S]*missing permission: Microsoft\.KeyVault\/vaults\/secrets\/readMetadata\/action/,
  );
  // Failures are never folded, even with the same words.
  assert.match(text, /PRE-VAULT .*\n {13}The key vault kv-nope was not found\./);
  assert.match(text, /4 unknown/);
});
