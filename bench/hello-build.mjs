// The Ink hello-world the first-frame ratios compare against, bundled exactly like dist/cli.js (ESM, splitting,
// production React), so the ratio compares like with like. Shared by run.mjs and package.mjs.
import { build } from 'esbuild';
import { join } from 'node:path';

/** Build bench/fixtures/hello.tsx into `out` (hello.js), and hello-nofetch.tsx (hello-nofetch.js). */
export function buildHello(root, out) {
  return build({
    entryPoints: { hello: join(root, 'bench/fixtures/hello.tsx'), 'hello-nofetch': join(root, 'bench/fixtures/hello-nofetch.tsx') },
    outdir: out,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    external: ['react-devtools-core'],
    banner: { js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);" },
    logLevel: 'warning',
  });
}
