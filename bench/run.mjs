// Benchmarks that print figures (never asserted in tests): ratios are measured side by side in one run.
//   first frame: apimkv (bundled, sandbox demo) vs an Ink hello-world bundled the same way
//   bytes per cursor move on the checklist (the SSH cost), bytes per second idle and while a check waits
//   keypress-to-frame latency in a 5,000-certificate picker
//   the fleet audit (bench/audit.mjs; BENCH_ONLY=audit runs only that)
//   the installed package and the single executable (bench/package.mjs; BENCH_ONLY=package runs only that)
//   the safety suite's figures (bench/safety.mjs; BENCH_ONLY=safety runs only that)
import { buildHello } from './hello-build.mjs';
import { spawn } from 'node-pty';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// BENCH_ONLY=audit: just the fleet audit figures, without the TUI benchmarks before them.
if (process.env.BENCH_ONLY === 'audit') {
  await import('./audit.mjs');
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'safety') {
  await import('./safety.mjs');
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'package') {
  await import('./package.mjs');
  process.exit(0);
}
const out = `${root}bench/out`;
mkdirSync(out, { recursive: true });
await buildHello(root, out);

const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && !k.startsWith('CI_')));
env.TERM = 'xterm-256color';

function firstFrame(args, marker) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(process.execPath, args, { cols: 80, rows: 24, env });
    let seen = '';
    let done = false;
    const timer = setTimeout(() => {
      p.kill();
      reject(new Error(`no "${marker}" within 15 s:\n${seen.slice(-500)}`));
    }, 15000);
    p.onData((d) => {
      seen += d;
      if (!done && seen.includes(marker)) {
        done = true;
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        clearTimeout(timer);
        // The next run starts only once this process is gone: a dying process still loading its
        // modules would share the 2 cores with the next measurement.
        p.onExit(() => resolve(ms));
        p.kill();
      }
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = Number(process.env.BENCH_RUNS ?? 7);
const hello = [],
  helloNoFetch = [],
  app = [];
for (let i = 0; i < runs; i++) {
  // Interleaved so machine noise hits every side alike.
  hello.push(await firstFrame([`${out}/hello.js`], 'hello apimkv-bench'));
  app.push(await firstFrame([`${root}dist/cli.js`, '--sandbox'], 'apimkv'));
  helloNoFetch.push(await firstFrame([`${out}/hello-nofetch.js`], 'hello apimkv-bench'));
}
console.log(
  `first frame (median of ${runs}, load average ${loadavg()[0].toFixed(2)}): ink hello-world ${median(hello).toFixed(0)} ms, apimkv ${median(app).toFixed(0)} ms, ratio ${(median(app) / median(hello)).toFixed(2)}x (target <= 1.20x)`,
);
// apimkv skips a cost stock Ink pays (yoga's fetch of its WebAssembly): its own cost over Ink, like for like.
console.log(
  `  like for like (a hello-world that also loads Ink without fetch, ${median(helloNoFetch).toFixed(0)} ms): ratio ${(median(app) / median(helloNoFetch)).toFixed(2)}x`,
);

// Bytes written per keypress on the checklist, once the demo's checks are shown.
await new Promise((resolve, reject) => {
  const p = spawn(process.execPath, [`${root}dist/cli.js`, '--sandbox'], { cols: 80, rows: 24, env });
  let total = 0;
  let text = '';
  p.onData((d) => {
    total += Buffer.byteLength(d);
    text += d;
  });
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  (async () => {
    const deadline = Date.now() + 30000;
    while (!/fail/.test(text)) {
      if (Date.now() > deadline) {
        p.kill();
        return reject(new Error('checklist never appeared'));
      }
      await wait(50);
    }
    await wait(500);
    const keys = 20;
    const before = total;
    for (let i = 0; i < keys; i++) {
      p.write(i % 2 ? '\x1b[A' : '\x1b[B');
      await wait(120);
    }
    await wait(300);
    console.log(`checklist: ${((total - before) / keys).toFixed(0)} bytes per cursor move (${keys} arrow presses, 80x24; target <= 1 KB)`);
    // Idle: nothing moves, nothing may be written (no timer runs on an idle screen).
    await wait(1000);
    const idleFrom = total;
    await wait(5000);
    console.log(`checklist idle: ${((total - idleFrom) / 5).toFixed(1)} bytes per second over 5 s (target 0)`);
    p.write('q');
    await wait(200);
    p.kill();
    resolve();
  })();
});

// While a check waits on a slow link (every request 1.5 s): the spinner and elapsed time tick once a
// second and the activity line follows the gateway's events; what that costs per second.
await new Promise((resolve, reject) => {
  const world = JSON.parse(readFileSync(`${root}src/sandbox/worlds/everything-broken.json`, 'utf8'));
  world.latency = { baseMs: 1500, jitterMs: 0 };
  const path = `${out}/slow-world.json`;
  writeFileSync(path, JSON.stringify(world));
  const p = spawn(process.execPath, [`${root}dist/cli.js`, '--world', path], { cols: 80, rows: 24, env });
  let total = 0;
  let text = '';
  // The window ends where the checklist arrives: its first frame is not the cost of waiting.
  let listedAt;
  let listedBytes;
  p.onData((d) => {
    if (listedAt === undefined && /fail ·/.test(text + d)) {
      listedAt = performance.now();
      listedBytes = total;
    }
    total += Buffer.byteLength(d);
    text += d;
  });
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  (async () => {
    const deadline = Date.now() + 30000;
    while (!/checking ·/.test(text)) {
      if (Date.now() > deadline) {
        p.kill();
        return reject(new Error('never saw the check waiting'));
      }
      await wait(20);
    }
    await wait(300);
    const from = total;
    const t0 = performance.now();
    await wait(6000);
    const end = listedAt ?? performance.now();
    const bytes = (listedBytes ?? total) - from;
    console.log(
      `while checking (1.5 s per request): ${(bytes / ((end - t0) / 1000)).toFixed(0)} bytes per second over ${((end - t0) / 1000).toFixed(1)} s of waiting (target <= 100)`,
    );
    p.write('q');
    await wait(200);
    p.kill();
    resolve();
  })();
});

// Keypress-to-frame latency in the certificate picker with 5,000 certificates, side by side with the same
// picker holding 5: the list is windowed, so the per-keypress cost must not grow with the vault.
function pickerWorld(count) {
  const world = JSON.parse(readFileSync(`${root}src/sandbox/worlds/healthy.json`, 'utf8'));
  const vault = Object.values(world.vaultData)[0];
  for (let i = 0; i < count; i++) {
    const name = `bulk-cert-${String(i).padStart(5, '0')}`;
    const version = i.toString(16).padStart(32, '0');
    vault.certificates[name] = {
      versions: [
        {
          version,
          enabled: i % 17 !== 0,
          created: '2026-01-01T00:00:00Z',
          expires: `2027-${String((i % 12) + 1).padStart(2, '0')}-01T00:00:00Z`,
          contentType: 'application/x-pkcs12',
          exportable: true,
          subject: `CN=${name}.contoso.com`,
        },
      ],
    };
  }
  const path = `${out}/picker-${count}.json`;
  writeFileSync(path, JSON.stringify(world));
  return path;
}

async function pickerLatency(count, presses = 40) {
  const world = pickerWorld(count);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [`${root}dist/cli.js`, '--world', world], { cols: 80, rows: 24, env });
    let text = '';
    let lastChunkAt = 0;
    p.onData((d) => {
      text += d;
      lastChunkAt = performance.now();
    });
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    const until = async (re, ms = 60000) => {
      const deadline = Date.now() + ms;
      while (!re.test(text)) {
        if (Date.now() > deadline) throw new Error(`never saw ${re}: ${text.slice(-300)}`);
        await wait(20);
      }
    };
    (async () => {
      await until(/pass/);
      await wait(300);
      p.write('a');
      await until(new RegExp(`${count + 4} of ${count + 4} certificates`));
      await wait(500);
      const samples = [];
      for (let i = 0; i < presses; i++) {
        const sentAt = performance.now();
        const seenBefore = lastChunkAt;
        p.write(i % 2 ? '\x1b[A' : '\x1b[B');
        while (lastChunkAt === seenBefore) await wait(1);
        // A frame can arrive in several chunks: wait for the output to settle, then count to its last byte.
        let settled = lastChunkAt;
        await wait(30);
        while (lastChunkAt !== settled) {
          settled = lastChunkAt;
          await wait(30);
        }
        samples.push(settled - sentAt);
        await wait(50);
      }
      p.write('q');
      await wait(200);
      p.kill();
      resolve(samples.sort((a, b) => a - b));
    })().catch((e) => {
      p.kill();
      reject(e);
    });
  });
}

const small = await pickerLatency(0);
const large = await pickerLatency(5000);
const pct = (xs, q) => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))];
console.log(
  `picker keypress-to-frame: 4 certificates median ${pct(small, 0.5).toFixed(1)} ms (p95 ${pct(small, 0.95).toFixed(1)}), 5,004 certificates median ${pct(large, 0.5).toFixed(1)} ms (p95 ${pct(large, 0.95).toFixed(1)}), ratio ${(pct(large, 0.5) / pct(small, 0.5)).toFixed(2)}x`,
);

// The fleet audit (1,000 instances at 50 ms per request): its own script, run here so `npm run bench` prints everything.
await import('./audit.mjs');
await import('./package.mjs');
process.exit(0);
