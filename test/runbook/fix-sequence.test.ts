// One fix sequence for fix-all in the full-screen runbook and `apimkv fix --yes` with no check ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixableInOrder, markTried, nextFix, type Tried } from '../../src/runbook/fix-sequence.ts';
import { evaluation, finding, plan } from '../screens/fixtures.ts';

const withFix = (checkId: string, step: Parameters<typeof finding>[1], status: Parameters<typeof finding>[2], vaultId = `/v/${checkId}`) =>
  finding(checkId, step, status, { fix: plan(checkId, { operations: [{ kind: 'vault.setBypass', vaultId, bypass: 'AzureServices' }] }) });

test('fixable: fail and unknown with a fix, in runbook order; not warn, info or fixless', () => {
  const e = evaluation({
    findings: [
      withFix('NET-1', 'network', 'fail'),
      withFix('ACC-1', 'access', 'unknown'),
      withFix('W', 'access', 'warn'),
      finding('F', 'access', 'fail'),
      withFix('CTX-1', 'context', 'fail'),
    ],
  });
  assert.deepEqual(
    fixableInOrder(e).map((f) => f.checkId),
    ['CTX-1', 'ACC-1', 'NET-1'],
  );
});

test('next fix: skips the checks and the plans already tried (two checks asking for one change)', () => {
  const e = evaluation({
    findings: [
      withFix('PRE-MI', 'prerequisites', 'fail', '/same'),
      withFix('FW-IDENTITY', 'firewall', 'fail', '/same'),
      withFix('FW-BYPASS', 'firewall', 'unknown'),
    ],
  });
  let tried: Tried = { checks: [], plans: [] };
  const first = nextFix(e, tried)!;
  assert.equal(first.checkId, 'PRE-MI');
  tried = markTried(tried, first.fix!);
  assert.equal(nextFix(e, tried)?.checkId, 'FW-BYPASS');
  tried = markTried(tried, nextFix(e, tried)!.fix!);
  assert.equal(nextFix(e, tried), undefined);
});
