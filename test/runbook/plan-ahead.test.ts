// `fix --plan` as an az script: the grant that needs the identity an earlier line enables is in the script, with
// the principal id (and apimkv's assignment name) worked out when the script gets there; a refresh after a grant
// is retried while RBAC propagates. (What the script does with real az is judged in test/interop/plan-script.interop.ts.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { runChecks } from '../../src/checks/index.ts';
import { roleAssignmentName } from '../../src/checks/uuid.ts';
import { fixableInOrder } from '../../src/runbook/fix-sequence.ts';
import { planAhead, PRINCIPAL_PLACEHOLDER } from '../../src/runbook/plan-ahead.ts';
import { azScript, spliceVariable } from '../../src/runbook/report.ts';
import { STEPS } from '../../src/checks/steps.ts';
import { baseline, VAULT_ID } from '../checks/builders.ts';
import { runContext } from '../screens/fixtures.ts';

const SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';

function withoutIdentity() {
  const facts = baseline();
  if (facts.apim.ok) facts.apim.value.identity = { type: 'None', userAssigned: [] };
  return facts;
}

function scriptFor(facts: ReturnType<typeof baseline>) {
  const findings = runChecks(facts);
  const evaluation = { facts, findings, steps: STEPS, gatherMs: 0, journalNotes: [] };
  const chosen = fixableInOrder(evaluation).map((f) => f.fix!);
  return { chosen, plans: planAhead(evaluation, chosen), script: azScript(planAhead(evaluation, chosen), runContext(), new Date(0)) };
}

test('no identity yet: the script enables it, then grants Key Vault Secrets User to the principal id it reads at run time', () => {
  const { chosen, plans, script } = scriptFor(withoutIdentity());
  assert.ok(!chosen.some((p) => p.checkId === 'ACC-RBAC'), 'the first evaluation cannot plan the grant');
  const ids = plans.map((p) => p.checkId);
  assert.ok(ids.indexOf('ACC-RBAC') > ids.indexOf('PRE-MI') && ids.indexOf('PRE-MI') >= 0, ids.join(' '));
  assert.match(
    script,
    /\nprincipal_id=\$\(az apim show --resource-group rg-app --name apim-contoso --query identity\.principalId --output tsv\)\ntest -n "\$principal_id"\n/,
  );
  assert.ok(!script.includes(PRINCIPAL_PLACEHOLDER), 'no placeholder left in the script');
  // The lines run by bash give the assignment apimkv's own PUT would make: same principal, same name.
  const lines = script.split('\n');
  const nameLine = lines.find((l) => l.startsWith('assignment_name_0='))!;
  const grant = lines.find((l) => l.startsWith('az role assignment create'))!;
  const principal = '0f1e2d3c-4b5a-4968-8776-655443322110';
  const echoed = execFileSync(
    '/bin/bash',
    ['-c', `set -eu; principal_id=${principal}; ${nameLine}; az() { printf '%s\\n' "$@"; }; ${grant}`],
    {
      encoding: 'utf8',
    },
  ).split('\n');
  assert.equal(echoed[echoed.indexOf('--assignee-object-id') + 1], principal);
  assert.equal(echoed[echoed.indexOf('--name') + 1], roleAssignmentName(VAULT_ID, principal, SECRETS_USER));
  assert.equal(echoed[echoed.indexOf('--role') + 1], 'Key Vault Secrets User');
});

test('an identity already there: nothing is planned twice and no principal is read at run time', () => {
  const { chosen, plans, script } = scriptFor(baseline());
  assert.deepEqual(plans, chosen);
  assert.ok(!script.includes('principal_id='));
});

test('a refresh after a grant is retried until API Management reads the secret; one before any grant is sent once', () => {
  const { plans } = scriptFor(withoutIdentity());
  const grant = plans.find((p) => p.checkId === 'ACC-RBAC')!;
  const refresh = {
    ...grant,
    id: 'CERT-REFRESH:fix',
    checkId: 'CERT-REFRESH',
    principalAtRunTime: undefined,
    propagation: undefined,
    operations: [{ kind: 'apim.refreshCertificate' as const, apimId: 'x', certificateId: 'c' }],
    az: ['az rest --method post --url https://x/refreshSecret'],
  };
  const after = azScript([grant, refresh], runContext(), new Date(0));
  assert.match(
    after,
    /for wait in 0 5 10 20 40 60 60 60 60 60 60 60; do\n {2}sleep "\$wait"\n {2}status=\$\(az rest --method post --url https:\/\/x\/refreshSecret --query properties\.keyVault\.lastStatus\.code --output tsv\)/,
  );
  assert.match(after, /if \[ "\$status" != Success \]; then .* exit 1; fi/);
  const before = azScript([refresh, grant], runContext(), new Date(0));
  assert.ok(!before.includes('for wait in'), before);
  assert.match(before, /\naz rest --method post --url https:\/\/x\/refreshSecret\n/);
});

test('spliceVariable reads the value from a variable, in or out of single quotes', () => {
  const p = PRINCIPAL_PLACEHOLDER;
  assert.equal(spliceVariable(`az x --id ${p}`, p, 'v'), 'az x --id "${v}"');
  assert.equal(spliceVariable(`az x --body '{"objectId":"${p}"}'`, p, 'v'), `az x --body '{"objectId":"'"\${v}"'"}'`);
  assert.equal(spliceVariable(`az x --d 'it'\\''s ${p}'`, p, 'v'), `az x --d 'it'\\''s '"\${v}"''`);
  const out = execFileSync('/bin/bash', ['-c', `v=ID; printf '%s|' ${spliceVariable(`'a ${p} b' ${p} 'it'\\''s'`, p, 'v')}`], {
    encoding: 'utf8',
  });
  assert.equal(out, "a ID b|ID|it's|");
});

test('a fix a deny assignment refuses: the script prints its lines commented out and stops there, as apimkv does', () => {
  const { plans } = scriptFor(withoutIdentity());
  const [first, ...rest] = plans;
  const denied = { ...first!, denied: { stackId: 's', scope: 'x', action: 'a', message: 'denied by network-stack' } };
  const script = azScript([denied, ...rest], runContext(), new Date(0));
  const lines = script.split('\n');
  const at = lines.indexOf('exit 1');
  assert.ok(at > 0, script);
  assert.match(lines[at - 1 - first!.az.length]!, /apimkv will not send this fix: denied by network-stack' >&2$/);
  for (const line of first!.az) assert.ok(lines.includes(`# ${line}`), line);
  assert.ok(!lines.slice(0, at).some((l) => l.startsWith('az ')), 'nothing runnable before the stop');
});
