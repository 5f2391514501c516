// `npm run test:package`: apimkv as users get it, run from outside the clone with the Node 24 of the `node`
// devDependency (first on PATH under npm run; checked below through --version).
//   1. the tarball: `npm pack`, `npm install -g` into a temporary prefix (size and time printed, at most
//      15 MB), then apimkv --version, sandbox worlds, check --sandbox (exit 1: the demo world fails), and
//      `npx --package <tarball> apimkv --help`;
//   2. the single executable (`npm run build:sea`): the same runs.
// SKIP_SEA=1 leaves out part 2 (it rebuilds a 130 MB file).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'apimkv-package-'));
const node = join(root, 'node_modules', 'node', 'bin', 'node');
const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
const env = {
  ...process.env,
  PATH: `${join(root, 'node_modules', 'node', 'bin')}:${process.env.PATH}`,
  NO_COLOR: '1',
  npm_config_cache: join(work, 'npm-cache'),
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};
const failures = [];

function du(path) {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((n, e) => n + du(join(path, e)), 0) : s.size;
}

/** Run `cmd` from outside the clone; check its exit code and output. */
function expect(label, cmd, args, { code = 0, stdout } = {}) {
  const r = spawnSync(cmd, args, { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
  const ok = r.status === code && (!stdout || stdout.test(r.stdout));
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${label}: exit ${r.status ?? r.signal}${ok ? '' : ` (wanted ${code}${stdout ? `, stdout ${stdout}` : ''})\n${r.stdout.slice(-800)}${r.stderr.slice(-800)}`}`,
  );
  if (!ok) failures.push(label);
  return r;
}

function fromOutside(name, apimkv) {
  expect(`${name}: apimkv --version`, apimkv[0], [...apimkv.slice(1), '--version'], {
    stdout: new RegExp(
      `^apimkv ${pkg.version.replace(/\./g, '\\.')} \\(Node\\.js ${nodeVersion.replace(/\./g, '\\.')}, ${process.platform}-${process.arch}\\)\\n$`,
    ),
  });
  expect(`${name}: apimkv sandbox worlds`, apimkv[0], [...apimkv.slice(1), 'sandbox', 'worlds'], {
    stdout: /^everything-broken\nhealthy\n/,
  });
  expect(`${name}: apimkv check --sandbox`, apimkv[0], [...apimkv.slice(1), 'check', '--sandbox'], {
    code: 1,
    stdout: /\d+ passed, \d+ failed/,
  });
  expect(`${name}: apimkv --help`, apimkv[0], [...apimkv.slice(1), '--help'], {
    stdout: /^apimkv .* step by step\n[\s\S]*Usage: apimkv \[options\]/,
  });
}

// 1. The tarball.
execFileSync(node, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
const packed = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, env, encoding: 'utf8' }),
);
const tarball = join(work, packed[0].filename);
const files = packed[0].files.map((f) => f.path);
// What the package carries besides the bundle: only what it needs at run time, and its papers.
const extra = files.filter(
  (f) => !f.startsWith('dist/') && !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|docs\/[\w-]+\.schema\.json)$/.test(f),
);
console.log(
  `tarball: ${packed[0].filename}, ${(packed[0].size / 1e6).toFixed(2)} MB packed, ${(packed[0].unpackedSize / 1e6).toFixed(2)} MB unpacked, ${files.length} files${extra.length ? `; unexpected: ${extra.join(', ')}` : ''}`,
);
if (extra.length) failures.push('tarball contents');
if (Object.keys(pkg.dependencies ?? {}).length) {
  console.log(
    `FAIL dependencies: ${Object.keys(pkg.dependencies).join(', ')} (the bundle inlines what it uses; keep them devDependencies)`,
  );
  failures.push('dependencies');
}
const prefix = join(work, 'prefix');
const t0 = Date.now();
execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], {
  cwd: work,
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const installMs = Date.now() - t0;
const installed = du(join(prefix, 'lib', 'node_modules', pkg.name));
console.log(
  `installed: ${(installed / 1e6).toFixed(2)} MB in ${prefix}/lib/node_modules/${pkg.name}, npm install -g took ${(installMs / 1000).toFixed(1)} s`,
);
if (installed > 15e6) failures.push(`installed size ${(installed / 1e6).toFixed(1)} MB > 15 MB`);
fromOutside('tarball', [join(prefix, 'bin', 'apimkv')]);
expect('tarball: npx --package <tarball> apimkv --help', 'npx', ['--yes', '--package', tarball, 'apimkv', '--help'], {
  stdout: /Usage: apimkv \[options\]/,
});

// 2. The single executable.
if (process.env.SKIP_SEA !== '1') {
  execFileSync(node, [join(root, 'scripts', 'build-sea.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
  fromOutside('single file', [join(root, 'dist-sea', 'apimkv')]);
}

rmSync(work, { recursive: true, force: true });
if (failures.length) {
  console.error(`test:package: ${failures.length} failed: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('test:package: ok');
