// Shipping figures (printed, never asserted): the installed package's size and `npm install -g` time, the
// single executable's size, and each one's start-up (--version) and first frame beside the Ink
// hello-world's, measured interleaved in one run. BENCH_ONLY=package runs just these.
import { buildHello } from './hello-build.mjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node-pty';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });
const nodeBin = join(root, 'node_modules', 'node', 'bin');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && !k.startsWith('CI_')));
env.TERM = 'xterm-256color';
env.PATH = `${nodeBin}:${env.PATH}`;
const du = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((n, e) => n + du(join(p, e)), 0) : statSync(p).size);
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The tarball, installed the way a user installs it.
execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'ignore' });
const work = mkdtempSync(join(tmpdir(), 'apimkv-bench-package-'));
const npmEnv = { ...env, npm_config_cache: join(work, 'cache'), npm_config_update_notifier: 'false' };
const packed = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, env: npmEnv, encoding: 'utf8' }),
)[0];
const t0 = Date.now();
execFileSync('npm', ['install', '-g', '--prefix', join(work, 'prefix'), '--no-audit', '--no-fund', join(work, packed.filename)], {
  cwd: work,
  env: npmEnv,
  stdio: 'ignore',
});
const installMs = Date.now() - t0;
const installed = du(join(work, 'prefix', 'lib', 'node_modules', 'apimkv'));
console.log(
  `package: tarball ${mb(packed.size)}, installed ${mb(installed)} (goal <= 15 MB), npm install -g ${(installMs / 1000).toFixed(1)} s (no dependencies to fetch)`,
);

// The single executable (built when missing or older than the bundle).
const sea = join(root, 'dist-sea', 'apimkv');
if (!existsSync(sea) || statSync(sea).mtimeMs < statSync(join(root, 'dist', 'cli.js')).mtimeMs)
  execFileSync(process.execPath, [join(root, 'scripts', 'build-sea.mjs')], { stdio: 'ignore' });
console.log(
  `single file: ${mb(statSync(sea).size)} (the Node ${execFileSync(join(nodeBin, 'node'), ['--version'], { encoding: 'utf8' }).trim()} binary, ${mb(statSync(join(nodeBin, 'node')).size)}, plus the bundle)`,
);

await buildHello(root, out);

function firstFrame(cmd, args, marker) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const p = spawn(cmd, args, { cols: 80, rows: 24, env, cwd: work });
    let seen = '';
    let done = false;
    const timer = setTimeout(() => {
      p.kill();
      reject(new Error(`no "${marker}" within 20 s: ${seen.slice(-300)}`));
    }, 20000);
    p.onData((d) => {
      seen += d;
      if (done || !seen.includes(marker)) return;
      done = true;
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      clearTimeout(timer);
      p.onExit(() => resolve(ms));
      p.kill();
    });
  });
}
const startup = (cmd, args) => {
  const t = process.hrtime.bigint();
  spawnSync(cmd, args, { env, cwd: work, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e6;
};

const installedBin = join(work, 'prefix', 'bin', 'apimkv');
const runs = Number(process.env.BENCH_RUNS ?? 7);
const f = { hello: [], installed: [], sea: [] };
const s = { installed: [], sea: [] };
for (let i = 0; i < runs; i++) {
  f.hello.push(await firstFrame(join(nodeBin, 'node'), [join(out, 'hello.js')], 'hello apimkv-bench'));
  f.installed.push(await firstFrame(installedBin, ['--sandbox'], 'apimkv'));
  f.sea.push(await firstFrame(sea, ['--sandbox'], 'apimkv'));
  s.installed.push(startup(installedBin, ['--version']));
  s.sea.push(startup(sea, ['--version']));
}
const h = median(f.hello);
console.log(
  `start-up (--version, median of ${runs}): installed package ${median(s.installed).toFixed(0)} ms, single file ${median(s.sea).toFixed(0)} ms`,
);
console.log(
  `first frame (median of ${runs}): ink hello-world ${h.toFixed(0)} ms; installed package ${median(f.installed).toFixed(0)} ms, ratio ${(median(f.installed) / h).toFixed(2)}x; single file ${median(f.sea).toFixed(0)} ms, ratio ${(median(f.sea) / h).toFixed(2)}x (target <= 1.20x)`,
);
rmSync(work, { recursive: true, force: true });
