// Fleet audit benchmark (printed, never asserted): generated fleets of 100, 300 and 1,000 instances served by
// a standalone `apimkv sandbox serve` with 50 ms added to every request, audited by the built CLI as in
// production (--arm-endpoint, the Azure CLI credential through a stand-in `az`). Prints wall time, requests
// as the sandbox logged them against the minimum (Resource Graph pages + one certificate list per instance;
// named-value lists separately), 429s, the audit process's peak RSS, and how wall time grows from 100 to
// 1,000 instances. Run alone: `node bench/audit.mjs` (after `npm run build`) or `BENCH_ONLY=audit npm run bench`.
//   BENCH_AUDIT_SIZES=100,300,1000  fleet sizes (the last one also gets a wider --concurrency run)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}dist/cli.js`;
const work = mkdtempSync(join(tmpdir(), 'apimkv-bench-audit-'));
const LATENCY_MS = 50;
const GRAPH_PAGE = 1000; // Resource Graph's page size (src/azure/fleet.ts)
const CONCURRENCY = 16; // the audit's default bound
const WIDE = 64;
const sizes = (process.env.BENCH_AUDIT_SIZES ?? '100,300,1000').split(',').map(Number);

// The audit process reports its own peak RSS (KiB on Linux) and CPU time (µs) on exit, without touching src/.
// CPU shows when the client, not the 50 ms, is what bounds the read.
const rssHook = join(work, 'rss.mjs');
writeFileSync(
  rssHook,
  "process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write(`\\nbench-usage ${u.maxRSS} ${u.userCPUTime + u.systemCPUTime}\\n`); });\n",
);

function serve(world) {
  const ca = join(work, 'ca.pem');
  const p = spawn(process.execPath, [cli, 'sandbox', 'serve', '--world', world, '--port', '0', '--ca-out', ca], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((r) => p.once('exit', r));
  // Waits for the process to be gone, so the temp dir is removed after it and nothing outlives the bench.
  const stop = () => {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => stop().then(() => reject(new Error(`sandbox serve did not start: ${out}`))), 60_000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = /emulator on (https:\/\/\S+)[\s\S]*Bearer ([\w.-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ stop, endpoint: m[1], token: m[2], ca });
      }
    });
  });
}

// The sandbox's own request log: an independent count (the audit's stats come from its own pipeline).
// The log cannot be reset, so each audit's share is the entries after the previous audit's last seq.
// A fresh connection each time: the audit's spawnSync blocks this loop for longer than the server's keep-alive
// timeout, so a pooled socket would already be closed by the server ("socket hang up").
function sandboxLog(server) {
  return new Promise((resolve, reject) => {
    https
      .get(`${server.endpoint}/__sandbox/log`, { ca: readFileSync(server.ca), agent: false }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      })
      .on('error', reject);
  });
}

function classify(entries) {
  const n = { total: entries.length, graph: 0, certificates: 0, namedValues: 0, other: [], throttled: 0, failed: 0 };
  for (const e of entries) {
    if (/\/providers\/Microsoft\.ResourceGraph\/resources$/i.test(e.path)) n.graph++;
    else if (/\/service\/[^/]+\/certificates$/i.test(e.path)) n.certificates++;
    else if (/\/service\/[^/]+\/namedValues$/i.test(e.path)) n.namedValues++;
    else n.other.push(`${e.method} ${e.path}`);
    if (e.status === 429) n.throttled++;
    else if (e.status >= 400 || e.fault) n.failed++;
  }
  return n;
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

let seen = 0;
async function audit(server, path, extra = []) {
  const t0 = process.hrtime.bigint();
  // spawnSync is fine here: the sandbox is another process, and the bench has nothing else to do meanwhile.
  const r = spawnSync(
    process.execPath,
    ['--import', rssHook, cli, 'audit', '--arm-endpoint', server.endpoint, '--ca-cert', server.ca, '--json', ...extra],
    {
      encoding: 'utf8',
      env: { ...process.env, PATH: path, AZURE_SUBSCRIPTION_ID: '' },
      maxBuffer: 512 * 1024 * 1024,
      timeout: 120_000,
    },
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!r.stdout?.startsWith('{')) throw new Error(`audit ${extra.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const [, rssKib = 0, cpuUs = 0] = (/bench-usage (\d+) (\d+)/.exec(r.stderr) ?? []).map(Number);
  const log = await sandboxLog(server);
  const mine = log.filter((e) => e.seq > seen);
  seen = log.at(-1)?.seq ?? seen;
  return { ms, report, rssMib: rssKib / 1024, cpuMs: cpuUs / 1000, sandbox: classify(mine) };
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
// The floor set by latency alone: the two Resource Graph queries page side by side, then the lists go out
// `concurrency` at a time, each taking at least the latency.
const floorMs = (graphRounds, lists, concurrency) => (graphRounds + Math.ceil(lists / concurrency)) * LATENCY_MS;

function line(label, run, minimum, graphRounds, lists, concurrency) {
  const n = run.sandbox;
  const parts = [`${n.graph} graph pages`, `${n.certificates} certificate lists`];
  if (n.namedValues) parts.push(`${n.namedValues} named-value lists`);
  if (n.other.length) parts.push(`${n.other.length} other`);
  return (
    `  ${label.padEnd(28)} wall ${s(run.ms)} (read ${s(run.report.stats.ms)}, latency floor ${s(floorMs(graphRounds, lists, concurrency))}, audit CPU ${s(run.cpuMs)}); ` +
    `sandbox saw ${n.total} requests = ${parts.join(' + ')} (minimum ${minimum}, ${(n.total / minimum).toFixed(2)}x; audit's own count ${run.report.stats.requests}); ` +
    `throttled ${run.report.stats.throttled} (sandbox 429s ${n.throttled}), failed ${n.failed}; peak RSS ${run.rssMib.toFixed(0)} MiB`
  );
}

const results = [];
try {
  for (const instances of sizes) {
    const vaults = Math.round(instances * 1.5);
    const file = join(work, `fleet-${instances}.json`);
    const gen = spawnSync(
      process.execPath,
      [
        cli,
        'sandbox',
        'generate',
        '--instances',
        String(instances),
        '--vaults',
        String(vaults),
        '--subscriptions',
        '20',
        '--seed',
        '1',
        '--out',
        file,
      ],
      { encoding: 'utf8' },
    );
    if (gen.status !== 0) throw new Error(gen.stderr);
    const world = JSON.parse(readFileSync(file, 'utf8'));
    world.latency = { baseMs: LATENCY_MS, jitterMs: 0 };
    writeFileSync(file, JSON.stringify(world));
    // Computed from the fleet's size, not from the audit's stats, so a wasteful audit cannot move the bar.
    const pages = [Math.ceil(instances / GRAPH_PAGE), Math.ceil(vaults / GRAPH_PAGE)];
    const minimum = pages[0] + pages[1] + instances;
    const rounds = Math.max(...pages);
    const server = await serve(file);
    seen = 0;
    try {
      const path = fakeAz(server.token, world.subscriptions[0].subscriptionId);
      const full = await audit(server, path);
      const lean = await audit(server, path, ['--no-named-values']);
      const wide = instances === sizes.at(-1) ? await audit(server, path, ['--no-named-values', '--concurrency', String(WIDE)]) : undefined;
      results.push({ instances, full, lean });
      console.log(
        `audit of ${instances} instances, ${vaults} vaults, 20 subscriptions (${LATENCY_MS} ms/request; audit found ${full.report.summary.instances} instances):`,
      );
      console.log(line(`certificates, concurrency ${CONCURRENCY}`, lean, minimum, rounds, instances, CONCURRENCY));
      console.log(line(`+ named values, concurrency ${CONCURRENCY}`, full, minimum + instances, rounds, 2 * instances, CONCURRENCY));
      if (wide) console.log(line(`certificates, concurrency ${WIDE}`, wide, minimum, rounds, instances, WIDE));
      for (const run of [full, lean, wide].filter(Boolean))
        if (run.sandbox.other.length) console.log(`    other requests: ${[...new Set(run.sandbox.other)].slice(0, 5).join(', ')}`);
    } finally {
      await server.stop();
    }
  }
  const first = results[0];
  const last = results.at(-1);
  if (first && last && last !== first) {
    const grow = (k) =>
      `${s(first[k].ms)} -> ${s(last[k].ms)} = ${(last[k].ms / first[k].ms).toFixed(2)}x (${(first[k].ms / first.instances).toFixed(1)} -> ${(last[k].ms / last.instances).toFixed(1)} ms per instance; read alone ${(last[k].report.stats.ms / first[k].report.stats.ms).toFixed(2)}x)`;
    console.log(
      `audit growth ${first.instances} -> ${last.instances} instances (${(last.instances / first.instances).toFixed(0)}x): certificates ${grow('lean')}; with named values ${grow('full')}; peak RSS ${first.full.rssMib.toFixed(0)} -> ${last.full.rssMib.toFixed(0)} MiB`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
