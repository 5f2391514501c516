// Fleet audit benchmark (printed, never asserted): generated fleets of 100, 300 and 1,000 instances served by
// a standalone `apimkv sandbox serve` with 50 ms added to every request, audited by the built CLI as in
// production (--arm-endpoint, the Azure CLI credential through a stand-in `az`). Prints wall time, requests
// against the minimum (Resource Graph pages + one certificate list per instance; named-value lists
// separately), 429s, the audit process's peak RSS, and how wall time grows from 100 to 1,000 instances.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}dist/cli.js`;
const work = mkdtempSync(join(tmpdir(), 'apimkv-bench-audit-'));
const LATENCY_MS = 50;
const sizes = (process.env.BENCH_AUDIT_SIZES ?? '100,300,1000').split(',').map(Number);

// The audit process reports its own peak RSS on exit (KiB on Linux), without touching src/.
const rssHook = join(work, 'rss.mjs');
writeFileSync(rssHook, "process.on('exit', () => process.stderr.write(`\\nmaxrss-kib ${process.resourceUsage().maxRSS}\\n`));\n");

function serve(world) {
  const ca = join(work, 'ca.pem');
  const p = spawn(process.execPath, [cli, 'sandbox', 'serve', '--world', world, '--port', '0', '--ca-out', ca], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sandbox serve did not start: ${out}`)), 60_000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = /emulator on (https:\/\/\S+)[\s\S]*Bearer ([\w.-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ process: p, endpoint: m[1], token: m[2], ca });
      }
    });
  });
}

function fakeAz(token, subscriptionId) {
  const bin = mkdtempSync(join(work, 'az-'));
  writeFileSync(
    join(bin, 'az'),
    `#!/bin/sh
case "$2" in
  show) echo '{"id":"${subscriptionId}","tenantId":"00000000-0000-0000-0000-000000000001","environmentName":"AzureCloud","user":{"name":"sre@contoso.com"}}' ;;
  get-access-token) echo '{"accessToken":"${token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}' ;;
  *) exit 2 ;;
esac
`,
  );
  chmodSync(join(bin, 'az'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

function audit(server, path, extra = []) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', rssHook, cli, 'audit', '--arm-endpoint', server.endpoint, '--ca-cert', server.ca, '--json', ...extra], {
    encoding: 'utf8',
    env: { ...process.env, PATH: path },
    maxBuffer: 512 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!r.stdout.startsWith('{')) throw new Error(`audit failed (exit ${r.status}): ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const rssKib = Number(/maxrss-kib (\d+)/.exec(r.stderr)?.[1] ?? 0);
  return { ms, report, rssMib: rssKib / 1024 };
}

const results = [];
try {
  for (const instances of sizes) {
    const file = join(work, `fleet-${instances}.json`);
    const gen = spawnSync(process.execPath, [cli, 'sandbox', 'generate', '--instances', String(instances), '--vaults', String(Math.round(instances * 1.5)), '--subscriptions', '20', '--seed', '1', '--out', file], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(gen.stderr);
    const world = JSON.parse(readFileSync(file, 'utf8'));
    world.latency = { baseMs: LATENCY_MS, jitterMs: 0 };
    writeFileSync(file, JSON.stringify(world));
    const server = await serve(file);
    try {
      const path = fakeAz(server.token, world.subscriptions[0].subscriptionId);
      const full = audit(server, path);
      const lean = audit(server, path, ['--no-named-values']);
      const wide = instances === sizes.at(-1) ? audit(server, path, ['--no-named-values', '--concurrency', '64']) : undefined;
      results.push({ instances, full, lean, wide });
      const s = full.report.stats;
      const minimum = s.graphPages + instances;
      console.log(
        `audit ${String(instances).padStart(4)} instances (${LATENCY_MS} ms/request, concurrency 16): ` +
          `${(full.ms / 1000).toFixed(2)} s wall, ${s.requests} requests = ${s.graphPages} graph pages + ${instances} certificate lists + ${s.armLists - instances} named-value lists ` +
          `(minimum ${minimum}; ${(s.requests / (minimum + instances)).toFixed(2)}x of graph + 2 lists/instance), ${s.throttled} throttled, peak RSS ${full.rssMib.toFixed(0)} MiB; ` +
          `certificates only: ${(lean.ms / 1000).toFixed(2)} s, ${lean.report.stats.requests} requests (minimum ${minimum})`,
      );
      if (wide) console.log(`audit ${instances} instances, certificates only, concurrency 64: ${(wide.ms / 1000).toFixed(2)} s wall, ${wide.report.stats.requests} requests, peak RSS ${wide.rssMib.toFixed(0)} MiB`);
    } finally {
      server.process.kill('SIGTERM');
    }
  }
  const first = results[0];
  const last = results.at(-1);
  if (first && last && last !== first) {
    console.log(
      `audit growth ${first.instances} -> ${last.instances} instances (${(last.instances / first.instances).toFixed(0)}x): wall ${(last.full.ms / first.full.ms).toFixed(2)}x ` +
        `(${(first.full.ms / first.instances).toFixed(1)} -> ${(last.full.ms / last.instances).toFixed(1)} ms per instance), peak RSS ${first.full.rssMib.toFixed(0)} -> ${last.full.rssMib.toFixed(0)} MiB`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
