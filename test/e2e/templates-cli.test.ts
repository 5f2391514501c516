// fix --plan --format bicep|terraform through the built CLI on the world deployed by IaC: the printed files
// parse, carry each fix's ownership evidence as comments, and say which fix a stack's deny refuses; check --json
// carries the same per fix; the transcript of a refused fix says why and nothing was written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parseBicep } from '../checks/bicep-parse.ts';
import { CLI } from './harness.ts';
import { tempDir } from './support.ts';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('fix --plan --format terraform and bicep print files that parse, with the evidence and the deny as comments', async () => {
  const tf = run(['fix', '--sandbox', '--world', 'deployed-by-iac', '--plan', '--format', 'terraform']);
  assert.equal(tf.code, 0, tf.stderr);
  const parsed = (await parseHcl('plan.tf', tf.stdout)) as { resource: Record<string, unknown> };
  assert.ok(parsed.resource.azurerm_subnet && parsed.resource.azurerm_network_security_rule && parsed.resource.azurerm_key_vault);
  assert.match(
    tf.stdout,
    /^# nsg-apim was deployed by deployment apim-prod-0412 at resource group rg-apim-demo on 12 April 2026 from template hash 1482693044571927485/m,
  );
  assert.match(
    tf.stdout,
    /^# apimkv will not send this fix: The deny assignment of deployment stack network-stack refuses Microsoft\.Network\/virtualNetworks\/subnets\/write on snet-apim/m,
  );
  assert.match(tf.stderr, /printed as Terraform; nothing was changed/);

  const bicep = run(['fix', '--sandbox', '--world', 'deployed-by-iac', '--plan', '--format=bicep']);
  assert.equal(bicep.code, 0, bicep.stderr);
  const types = parseBicep(bicep.stdout).resources.map((r) => r.type);
  assert.ok(
    types.includes('Microsoft.Network/virtualNetworks/subnets@2026-01-01') &&
      types.includes('Microsoft.Network/networkSecurityGroups/securityRules@2026-01-01'),
    types.join(', '),
  );
  assert.match(bicep.stdout, /^\/\/ kv-contoso-certs has the tag azd-env-name=contoso-prod/m);

  assert.equal(run(['fix', '--sandbox', '--format', 'bicep']).code, 2);
});

test('check --json: each fix carries bicep, terraform, its ownership evidence and the deny', () => {
  const r = run(['check', '--json', '--sandbox', '--world', 'deployed-by-iac']);
  const report = JSON.parse(r.stdout) as {
    findings: { checkId: string; fix?: { bicep: string; terraform: string; ownership?: string[]; denied?: { message: string } } }[];
  };
  const fixes = report.findings.filter((f) => f.fix);
  assert.ok(fixes.length > 3);
  for (const f of fixes) assert.ok(f.fix!.bicep && f.fix!.terraform, f.checkId);
  const se = fixes.find((f) => f.checkId === 'VNET-SE')!.fix!;
  assert.match(se.denied!.message, /network-stack/);
  assert.ok(se.ownership!.some((l) => /^snet-apim is managed by deployment stack network-stack/.test(l)));
});

test('fix VNET-SE --yes: refused before sending, said in the output and the transcript', () => {
  const dir = tempDir('h18-deny');
  const transcript = join(dir, 't.md');
  const r = run(['fix', 'VNET-SE', '--yes', '--sandbox', '--world', 'deployed-by-iac', '--transcript', transcript, '--state-dir', dir]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(`${r.stdout}\n${r.stderr}`, /Not applied: The deny assignment of deployment stack network-stack refuses/);
  assert.match(readFileSync(transcript, 'utf8'), /Not applied: The deny assignment of deployment stack network-stack/);
});
