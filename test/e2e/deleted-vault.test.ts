// The target vault soft-deleted (world deleted-vault), end to end against a standalone sandbox reached as production
// reaches Azure. Microsoft: a soft-deleted vault is recoverable until its scheduled purge, cannot be purged before
// then when purge protection is on, and its Azure RBAC role assignments are deleted with it and not restored by the
// recovery (https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview; recovery:
// https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery). The final state is read back over plain
// HTTPS with the sandbox's token, not through apimkv's own checks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { CLI } from './harness.ts';
import { azHandingOut, serveSandbox, tempDir, type Served } from './support.ts';

const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-apim-demo`;
const VAULT = `${RG}/providers/Microsoft.KeyVault/vaults/kv-contoso-certs`;
const APIM_PRINCIPAL = '9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d';
const TARGET = ['--subscription', SUB, '-g', 'rg-apim-demo', '--service', 'apim-contoso-dev', '--vault', 'kv-contoso-certs'];

const served: Served[] = [];
after(() => served.forEach((s) => s.stop()));

const line = (out: string, id: string) =>
  out.split('\n').find((l) => new RegExp(`^\\s*\\S+ (pass|warn|fail|unknown|skipped|info)\\s+${id}\\s`).test(l)) ?? '';

test(
  'a soft-deleted target vault: check names it and its purge date, fix --yes recovers it and grants API Management again, the picker grant restores the rest',
  { timeout: 300_000 },
  async () => {
    const s = await serveSandbox(['--world', 'deleted-vault']);
    served.push(s);
    const state = tempDir('apimkv-deleted-vault-');
    const env = { ...process.env, NO_COLOR: '1', PATH: azHandingOut(s.token), AZURE_SUBSCRIPTION_ID: '' };
    const cli = (...args: string[]) => {
      const r = spawnSync(
        process.execPath,
        [CLI, ...args, '--arm-endpoint', s.endpoint, '--ca-cert', s.ca, ...TARGET, '--state-dir', state],
        { encoding: 'utf8', env, timeout: 120_000 },
      );
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const read = (path: string, apiVersion: string) => {
      const r = spawnSync(
        'curl',
        ['-s', '--cacert', s.ca, '-H', `Authorization: Bearer ${s.token}`, `${s.endpoint}${path}?api-version=${apiVersion}`],
        { encoding: 'utf8' },
      );
      return JSON.parse(r.stdout) as Record<string, any>;
    };

    const check = cli('check');
    assert.equal(check.code, 1, check.err);
    assert.match(line(check.out, 'PRE-VAULT'), /fail/);
    assert.match(
      check.out,
      /The vault kv-contoso-certs was deleted on 2026-11-30T16:20:00(\.000)?Z and is soft-deleted, recoverable until its scheduled purge on 2027-02-28T16:20:00(\.000)?Z\. Purge protection is on: nobody can purge it before then/,
    );

    const fix = cli('fix', '--yes');
    assert.match(fix.out, /Fix PRE-VAULT: Recover the soft-deleted key vault kv-contoso-certs/);
    // The operator's own role assignment on the vault went with the deletion too: the only thing left unchecked
    // is the secrets' metadata, and the picker's grant (ACC-OPERATOR, Key Vault Reader) is offered for it.
    const after = cli('check');
    assert.equal(after.code, 1);
    const open = after.out.split('\n').filter((l) => /^\s*\S+ (fail|warn|unknown)\s/.test(l));
    assert.deepEqual(
      open.map((l) => l.trim().split(/\s+/)[2]),
      ['REF-SECRET'],
      after.out,
    );
    assert.match(after.out, /needs Microsoft\.KeyVault\/vaults\/secrets\/readMetadata\/action\)?, e\.g\. Key Vault Reader/);
    assert.match(cli('fix', 'ACC-OPERATOR', '--yes').out, /Grant yourself Key Vault Reader on kv-contoso-certs/);
    assert.equal(cli('check').code, 0, 'green after the recovery and the grants that followed it');

    assert.equal(read(VAULT, '2026-02-01').name, 'kv-contoso-certs');
    assert.deepEqual(read(`/subscriptions/${SUB}/providers/Microsoft.KeyVault/deletedVaults`, '2026-02-01').value, []);
    // The role assignment API Management had on the vault went with the deletion; the access fix granted it again.
    const roles = read(`${VAULT}/providers/Microsoft.Authorization/roleAssignments`, '2022-04-01').value as {
      properties: { principalId: string; scope: string };
    }[];
    assert.ok(roles.some((a) => a.properties.principalId === APIM_PRINCIPAL && a.properties.scope.toLowerCase() === VAULT.toLowerCase()));
  },
);
