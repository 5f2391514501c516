// Builds dist-sea/apimkv: one executable file for machines without Node 22, from Node's single executable
// application support (https://nodejs.org/api/single-executable-applications.html): the `node`
// devDependency's binary (Node 24) with the CLI injected by postject.
//
// SEA runs one CommonJS main script; the CLI is ESM with top-level await (Ink's yoga-layout). So the CLI is
// bundled into one ESM file (no splitting: the dynamic imports are inlined), carried as an SEA asset, and
// the main script imports it through a module hook. Its `require` (for bundled CommonJS code asking for
// Node's built-ins) is made from the executable's path: the module has no file of its own.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const work = join(root, 'build', 'sea');
const outDir = join(root, 'dist-sea');
const exe = join(outDir, process.platform === 'win32' ? 'apimkv.exe' : 'apimkv');
// The devDependency's Node, whatever `node` is on PATH: the executable is exactly this binary plus the blob.
const nodeBinary = join(root, 'node_modules', 'node', 'bin', 'node');
const version = execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim();
if (!/^v(2[4-9]|[3-9]\d)\./.test(version)) throw new Error(`build-sea: the node devDependency is ${version}; SEA needs Node 24 or newer.`);

const t0 = Date.now();
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: [join(root, 'src/cli.ts')],
  outfile: join(work, 'apimkv.mjs'),
  bundle: true,
  splitting: false,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink loads its devtools integration only when DEV is set; with no splitting its import is static, and a
  // module served from memory cannot resolve a package, so the optional peer becomes an empty module.
  plugins: [
    {
      name: 'no-devtools',
      setup: (b) => {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'no-devtools' }));
        b.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({
          contents: 'export default { initialize() {}, connectToDevTools() {} };',
          loader: 'js',
        }));
      },
    },
  ],
  banner: {
    js: "import { createRequire as __apimkvCreateRequire } from 'node:module';\nconst require = __apimkvCreateRequire(process.execPath);",
  },
  loader: { '.json': 'json' },
  logLevel: 'warning',
});
// The bundle is served to the ESM loader under a short file: URL by a load hook: a data: URL of the whole
// bundle works too, but every import inside it then resolves against a 6 MB URL (3x the start-up).
writeFileSync(
  join(work, 'main.cjs'),
  `const { getAsset } = require('node:sea');
const { registerHooks } = require('node:module');
const MAIN = 'file:///apimkv-single-file/apimkv.mjs';
const source = getAsset('apimkv.mjs', 'utf8');
registerHooks({
  resolve: (specifier, context, next) => (specifier === MAIN ? { url: MAIN, format: 'module', shortCircuit: true } : next(specifier, context)),
  load: (url, context, next) => (url === MAIN ? { format: 'module', source, shortCircuit: true } : next(url, context)),
});
import(MAIN).catch((e) => {
  process.stderr.write('apimkv: ' + ((e && e.message) || e) + '\\n');
  process.exitCode = 70;
});
`,
);
writeFileSync(
  join(work, 'sea-config.json'),
  JSON.stringify({
    main: join(work, 'main.cjs'),
    output: join(work, 'sea-prep.blob'),
    disableExperimentalSEAWarning: true,
    useCodeCache: false,
    assets: { 'apimkv.mjs': join(work, 'apimkv.mjs') },
  }),
);
execFileSync(nodeBinary, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
rmSync(exe, { force: true });
copyFileSync(nodeBinary, exe);
chmodSync(exe, 0o755);
execFileSync(
  nodeBinary,
  [
    join(root, 'node_modules', 'postject', 'dist', 'cli.js'),
    exe,
    'NODE_SEA_BLOB',
    join(work, 'sea-prep.blob'),
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
    ...(process.platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : []),
  ],
  // postject warns about ELF notes it does not parse; the injection itself is checked by running the file.
  { stdio: ['ignore', 'ignore', 'ignore'] },
);
console.log(`build-sea: ${exe} (${(statSync(exe).size / 1e6).toFixed(1)} MB, Node ${version}) in ${Date.now() - t0} ms`);
