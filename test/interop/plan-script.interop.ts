// For every shipped world: the az script `apimkv fix all --plan` prints, run by Debian's az 2.45 (signed in to a
// fresh `sandbox serve`), must reach the end state `apimkv fix all --yes` reaches on another fresh sandbox, and lose
// nothing anyone else configured. az is the judge of what the printed lines do: it was not written here.
// Compared: GET /__sandbox/world (resources, vault data, deleted vaults) with etags and times dropped. A difference
// a world has for a documented reason is listed in EXPECTED with that reason; any other difference fails.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { WORLD_NAMES, type World } from '../../src/sandbox/index.ts';
import { CLI } from '../e2e/harness.ts';
import { azHandingOut, serveSandbox, tempDir, type Served } from '../e2e/support.ts';
import { AZ, azEnv, azFor, getJson } from './az.ts';

const run = promisify(execFile);

/** Keys whose values are the time or the version counter of a write, not its content. */
const VOLATILE = new Set([
  'etag',
  'createdOn',
  'updatedOn',
  'systemData',
  'timeStampUtc',
  'created',
  'updated',
  'lastModified',
  'changedTime',
]);

/**
 * Differences a world's two end states legitimately have, by world, as path patterns with the reason. Empty
 * today: every difference the comparison found was a fault of the printed script and is fixed.
 */
const EXPECTED: Record<string, { path: RegExp; why: string }[]> = {};

/**
 * Worlds where the script stops with an error, as `fix --yes` stops at the same fix (later fixes build on earlier
 * ones, so neither goes on): the end states are compared all the same.
 */
const STOPS: Record<string, string> = {
  'policy-denies-grant':
    'Azure Policy denies the role grant (RequestDisallowedByPolicy): az fails on it and set -e ends the script, as fix --yes reports the policy and stops; neither writes anything after it',
  'deployed-by-iac':
    "a deployment stack's deny assignment covers the subnet: apimkv does not send that write and stops, and the script prints it commented out and exits there",
};

/**
 * Worlds whose script can only go part of the way, and the operator plans again after running it (as the CLI tells):
 * the second script runs on the same sandbox before the end states are compared.
 */
const RESUMES: Record<string, string> = {
  'deleted-vault':
    "the target vault is soft-deleted: Vaults_GetDeleted shows no access model or network rules, so the first script only recovers it and fix --plan says to plan again; the second script grants API Management's role again",
};

/**
 * What the fixes themselves remove, on purpose, in both runs (anything else gone from the script's end state is a
 * loss). Checked against the --yes run too: the script may not remove more than apimkv's own requests.
 */
const REMOVES: Record<string, { path: RegExp; why: string }[]> = {
  'deleted-vault': [
    {
      path: /^\.deletedVaults\[.*\/deletedvaults\/kv-contoso-certs\]$/,
      why: 'PRE-VAULT recovers the soft-deleted vault (key-vault-recovery): it leaves the deleted vaults for the live ones, by design',
    },
  ],
  'uai-reference-behind-firewall': [
    {
      path: /certificates\/backend-client\.properties\.keyVault\.identityClientId$/,
      why: "CERT-IDENTITY's fix points the reference at the system-assigned identity, the only one Key Vault's firewall admits (api-management-howto-use-managed-service-identity): the user-assigned client id goes, by design",
    },
  ],
  'custom-domain-uai-behind-firewall': [
    {
      // Hostname entries have no name or id, so the entry is keyed by its whole content: the one entry whose
      // identityClientId goes is "gone" as a whole; the other hostnames must still match exactly.
      path: /hostnameConfigurations\[\{.*"hostname":"api\.contoso\.com","identityclientid":"e6f7a8b9-2c3d-4e5f-9a0b-1c2d3e4f5a6b".*\}\]$/,
      why: "FW-IDENTITY@id-apim-kv's fix points the hostname at the system-assigned identity, the only one Key Vault's firewall admits (api-management-howto-use-managed-service-identity#requirements-for-key-vault-firewall): its user-assigned client id goes, by design",
    },
    {
      path: /namedvalues\/partner-api-key\.properties\.keyVault\.identityClientId$/i,
      why: 'the same fix points the named value at the system-assigned identity: its user-assigned client id goes, by design',
    },
  ],
};

type Json = any;

function normalise(value: Json): Json {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    const out: Json = {};
    for (const k of Object.keys(value).sort()) if (!VOLATILE.has(k)) out[k] = normalise(value[k]);
    return out;
  }
  return value;
}

/** The parts of a world a fix can change, keyed for comparison (resources by lower-case id). */
function endState(world: World): Json {
  const resources: Json = {};
  for (const r of world.resources) resources[r.id.toLowerCase()] = normalise(r);
  return normalise({ resources, vaultData: world.vaultData ?? {}, deletedVaults: world.deletedVaults ?? [] });
}

/** An array entry's identity, so a changed entry is compared with itself rather than counted lost. */
const entryKey = (e: Json): string =>
  e && typeof e === 'object'
    ? String(e.id ?? e.objectId ?? e.name ?? e.service ?? e.value ?? JSON.stringify(e)).toLowerCase()
    : JSON.stringify(e);

/** Every path where `a` and `b` differ. */
function differences(a: Json, b: Json, path = ''): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    const byKey = (list: Json[]) => new Map(list.map((e) => [entryKey(e), e]));
    const ka = byKey(a);
    const kb = byKey(b);
    return [...new Set([...ka.keys(), ...kb.keys()])].flatMap((k) =>
      !ka.has(k) || !kb.has(k)
        ? [`${path}[${k}]: ${ka.has(k) ? 'only in the script run' : 'only in the --yes run'}`]
        : differences(ka.get(k), kb.get(k), `${path}[${k}]`),
    );
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => differences(a[k], b[k], `${path}.${k}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${path}: ${JSON.stringify(a)} (script) vs ${JSON.stringify(b)} (--yes)`];
}

/** What was there before and is gone after: keys, array entries (by identity), whole resources. */
function lost(before: Json, after: Json, path = ''): string[] {
  if (before === null || before === undefined) return [];
  if (after === undefined) return [path];
  if (Array.isArray(before)) {
    const now = new Map((Array.isArray(after) ? after : []).map((e: Json) => [entryKey(e), e]));
    return before.flatMap((e) =>
      now.has(entryKey(e)) ? lost(e, now.get(entryKey(e)), `${path}[${entryKey(e)}]`) : [`${path}[${entryKey(e)}]`],
    );
  }
  if (typeof before === 'object') return Object.keys(before).flatMap((k) => lost(before[k], after?.[k], `${path}.${k}`));
  return [];
}

const rgOf = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)![1]!;

/** apimkv against a served sandbox, signed in with the sandbox's own token (a stand-in az hands it out). */
async function apimkv(served: Served, world: World, state: string, args: string[]) {
  const apim = world.resources.find((r) => r.type === 'Microsoft.ApiManagement/service')!;
  // deleted-vault's target vault is soft-deleted (the plan starts with its recovery).
  const vault = world.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults') ?? world.deletedVaults![0]!.vault;
  const target = ['--subscription', world.subscriptions[0]!.subscriptionId, '-g', rgOf(apim.id), '--service', apim.name];
  target.push('--vault', vault.name, '--vault-resource-group', rgOf(vault.id));
  const env = { ...process.env, NO_COLOR: '1', PATH: azHandingOut(served.token), AZURE_SUBSCRIPTION_ID: '' };
  return run(process.execPath, [CLI, ...args, '--arm-endpoint', served.endpoint, '--ca-cert', served.ca, ...target, '--state-dir', state], {
    env,
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((e) => e as { stdout: string; stderr: string; code: number });
}

/** bash running the script with az signed in to `served`; resolves with its exit code and output. */
function runScript(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/bash', [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 900_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const figures: string[] = [];

test(
  'the az script of fix all --plan, run by az 2.45, ends where fix all --yes ends',
  { concurrency: 2, timeout: 3_600_000 },
  async (t) => {
    assert.ok(existsSync(AZ), `needs Debian's azure-cli (apt-get install -y azure-cli); looked for ${AZ}`);
    const only = process.env.APIMKV_INTEROP_WORLDS?.split(',');
    const names = WORLD_NAMES.filter((name) => !only || only.includes(name));
    // Two worlds at a time: each az command is a Python start-up, and CI has two cores.
    const queue = [...names];
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const current = name;
        await t.test(current, { timeout: 1_200_000 }, async () => {
          const [scripted, applied] = await Promise.all([serveSandbox(['--world', current]), serveSandbox(['--world', current])]);
          const dir = tempDir(`apimkv-plan-script-${current}-`);
          try {
            const initial = (await getJson(scripted, '/__sandbox/world')) as World;
            const t0 = Date.now();
            const plan = await apimkv(scripted, initial, join(dir, 'state-plan'), ['fix', 'all', '--plan']);
            // Nothing to fix: no script is printed (a sentence instead), and both runs must leave the world as it was.
            const isScript = plan.stdout.startsWith('#!/usr/bin/env bash');
            if (isScript) {
              const script = join(dir, 'plan.sh');
              writeFileSync(script, plan.stdout, { mode: 0o700 });
              await azFor(scripted, join(dir, 'az'));
              const ran = await runScript(script, { ...azEnv(scripted, join(dir, 'az')), AZURE_CORE_ONLY_SHOW_ERRORS: 'true' });
              if (STOPS[current]) assert.notEqual(ran.code, 0, `${current} should stop (${STOPS[current]}):\n${ran.out.slice(-2000)}`);
              else assert.equal(ran.code, 0, `the script failed on ${current}:\n${ran.out.slice(-4000)}\n--- script:\n${plan.stdout}`);
              if (RESUMES[current]) {
                assert.match(plan.stderr, /run fix --plan again once it is back/, RESUMES[current]);
                const again = await apimkv(scripted, initial, join(dir, 'state-plan'), ['fix', 'all', '--plan']);
                const second = join(dir, 'plan-2.sh');
                writeFileSync(second, again.stdout, { mode: 0o700 });
                const ran2 = await runScript(second, { ...azEnv(scripted, join(dir, 'az')), AZURE_CORE_ONLY_SHOW_ERRORS: 'true' });
                assert.equal(
                  ran2.code,
                  0,
                  `the second script failed on ${current}:\n${ran2.out.slice(-4000)}\n--- script:\n${again.stdout}`,
                );
                plan.stdout += `\n# --- planned again after the first script ---\n${again.stdout}`;
              }
            } else assert.match(plan.stdout, /Nothing failing has a fix/);
            const scriptMs = Date.now() - t0;
            // What az was asked to do, for the figures: "az rest --method patch", "az keyvault update", ...
            const azLines = isScript
              ? plan.stdout
                  .split('\n')
                  .map((l) => /(?:^|\$\()\s*(az (?:rest --method \w+|[a-z-]+(?: [a-z-]+){0,3}?(?= --)))/.exec(l.trim())?.[1])
                  .filter((l): l is string => !!l && !/^# /.test(l))
              : [];
            const commands = azLines.length;
            const t1 = Date.now();
            const yes = await apimkv(applied, initial, join(dir, 'state-yes'), ['fix', 'all', '--yes']);
            const yesMs = Date.now() - t1;
            const [a, b] = await Promise.all([getJson(scripted, '/__sandbox/world'), getJson(applied, '/__sandbox/world')]);
            const expected = EXPECTED[current] ?? [];
            const diff = differences(endState(a), endState(b));
            const unexplained = diff.filter((d) => !expected.some((e) => e.path.test(d)));
            const removes = REMOVES[current] ?? [];
            const gone = lost(endState(initial), endState(a)).filter((p) => !removes.some((r) => r.path.test(p)));
            const goneByYes = lost(endState(initial), endState(b));
            figures.push(
              `${current}: ${commands} az commands [${azLines.join('; ')}] in ${scriptMs} ms (incl. sign-in); fix --yes ${yesMs} ms (exit ${(yes as { code?: number }).code ?? 0}); ${diff.length} difference(s)${diff.length ? `: ${diff.join('; ')}` : ''}`,
            );
            assert.deepEqual(
              unexplained,
              [],
              `end states differ on ${current}\n--- script:\n${plan.stdout}\n--- fix --yes:\n${yes.stdout}`,
            );
            assert.deepEqual(gone, [], `the script lost what was configured on ${current}`);
            for (const r of removes)
              assert.ok(
                goneByYes.some((p) => r.path.test(p)),
                `${current}: fix --yes no longer removes ${r.path} (${r.why})`,
              );
            // Every expected difference must still be there: one that went away is a reason that no longer holds.
            for (const e of expected)
              assert.ok(
                diff.some((d) => e.path.test(d)),
                `${current}: expected difference ${e.path} (${e.why}) is gone`,
              );
          } finally {
            scripted.stop();
            applied.stop();
          }
        });
      }
    };
    await Promise.all([worker(), worker()]);
    console.log(`plan script vs fix --yes:\n  ${figures.join('\n  ')}`);
  },
);
