// Bundles the CLI with esbuild: ESM with code splitting, so the first frame paints before the Azure
// SDKs load (they sit behind dynamic imports), NODE_ENV=production, Ink's devtools hook stubbed.
import { build } from 'esbuild';
import { existsSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist');
const entry = join(out, 'cli.js');

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

if (process.argv.includes('--if-stale') && existsSync(entry)) {
  const sources = Math.max(
    newest(join(root, 'src')),
    statSync(join(root, 'package.json')).mtimeMs,
    statSync(new URL(import.meta.url).pathname).mtimeMs,
  );
  if (statSync(entry).mtimeMs >= sources) process.exit(0);
}

/**
 * Every import of string-width in the bundle (Ink, wrap-ansi, slice-ansi, cli-truncate, src/screens/text.ts) goes
 * to src/screens/width.ts, which answers for the screens' own characters without compiling string-width's emoji
 * expression before the first frame; only width.ts itself gets the real package.
 */
const widthShortcut = {
  name: 'string-width-shortcut',
  setup(b) {
    const shortcut = join(root, 'src/screens/width.ts');
    const real = join(root, 'node_modules/string-width/index.js');
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.importer === shortcut || args.pluginData?.resolving) return undefined;
      const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: { resolving: true } });
      return r.errors.length || r.path !== real ? r : { path: shortcut };
    });
  },
};

rmSync(out, { recursive: true, force: true });
const t0 = Date.now();
await build({
  // The .pfx parse runs in a worker thread: its own entry (dist/pfx-worker.js), sharing chunks with the CLI.
  entryPoints: { cli: join(root, 'src/cli.ts'), 'pfx-worker': join(root, 'src/runbook/pfx-worker.ts') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink imports its devtools integration only when DEV is set; keep the optional peer out of the bundle.
  external: ['react-devtools-core'],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __apimkvCreateRequire } from 'node:module';\nconst require = __apimkvCreateRequire(import.meta.url);",
  },
  loader: { '.json': 'json' },
  plugins: [widthShortcut],
  logLevel: 'warning',
});
console.log(`build: dist/cli.js in ${Date.now() - t0} ms`);
