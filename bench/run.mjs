// Benchmarks that print figures (never asserted in tests): ratios are measured side by side in one run.
//   first frame: apimkv (bundled, sandbox demo) vs an Ink hello-world bundled the same way
//   bytes per keypress on the checklist (the SSH cost)
//   keypress-to-frame latency in a 5,000-certificate picker
import { build } from 'esbuild';
import { spawn } from 'node-pty';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}bench/out`;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${root}bench/fixtures/hello.tsx`], outfile: `${out}/hello.js`, bundle: true, format: 'esm', platform: 'node',
  target: 'node22', minify: true, define: { 'process.env.NODE_ENV': '"production"' }, external: ['react-devtools-core'],
  banner: { js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);" }, logLevel: 'warning',
});

const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && !k.startsWith('CI_')));
env.TERM = 'xterm-256color';

function firstFrame(args, marker) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(process.execPath, args, { cols: 80, rows: 24, env });
    let seen = '';
    let done = false;
    const timer = setTimeout(() => { p.kill(); reject(new Error(`no "${marker}" within 15 s:\n${seen.slice(-500)}`)); }, 15000);
    p.onData((d) => {
      seen += d;
      if (!done && seen.includes(marker)) {
        done = true;
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        clearTimeout(timer);
        p.kill();
        resolve(ms);
      }
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = Number(process.env.BENCH_RUNS ?? 7);
const hello = [], app = [];
for (let i = 0; i < runs; i++) {
  // Interleaved so machine noise hits both sides alike.
  hello.push(await firstFrame([`${out}/hello.js`], 'hello apimkv-bench'));
  app.push(await firstFrame([`${root}dist/cli.js`, '--sandbox'], 'apimkv'));
}
console.log(`first frame (median of ${runs}): ink hello-world ${median(hello).toFixed(0)} ms, apimkv ${median(app).toFixed(0)} ms, ratio ${(median(app) / median(hello)).toFixed(2)}x (target <= 1.20x)`);

// Bytes written per keypress on the checklist, once the demo's checks are shown.
await new Promise((resolve, reject) => {
  const p = spawn(process.execPath, [`${root}dist/cli.js`, '--sandbox'], { cols: 80, rows: 24, env });
  let total = 0;
  let text = '';
  p.onData((d) => { total += Buffer.byteLength(d); text += d; });
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  (async () => {
    const deadline = Date.now() + 30000;
    while (!/fail/.test(text)) { if (Date.now() > deadline) { p.kill(); return reject(new Error('checklist never appeared')); } await wait(50); }
    await wait(500);
    const keys = 20;
    const before = total;
    for (let i = 0; i < keys; i++) { p.write(i % 2 ? '\x1b[A' : '\x1b[B'); await wait(120); }
    await wait(300);
    console.log(`checklist: ${((total - before) / keys).toFixed(0)} bytes written per arrow keypress (${keys} presses, 80x24)`);
    p.write('q');
    await wait(200);
    p.kill();
    resolve();
  })();
});
