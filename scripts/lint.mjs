// What oxlint (.oxlintrc.json: layering, hooks, import cycles) cannot say: explicit .ts extensions on
// relative imports (Node's type stripping needs them) and a few text rules. `npm run lint` runs both.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|tsx)$/.test(name)) files.push(p);
  }
})(join(root, 'src'));

const rules = [];
const textRules = [
  // Reading NODE_TLS_REJECT_UNAUTHORIZED (to refuse it, src/cli.ts) is fine; setting it never is.
  // One exception: src/azure/tls-refusal.ts verifies by hand on a socket that never carries a byte of HTTP,
  // because a socket Node has refused no longer shows the certificate it refused (which the error must name).
  {
    name: 'never disable TLS verification',
    re: /rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED['"\]]*\s*=[^=]/,
    applies: (f) => f !== 'src/azure/tls-refusal.ts',
  },
  { name: 'no console.log in checks', re: /console\.log/, applies: (f) => f.startsWith('src/checks/') },
];

const importRe =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
const problems = [];
for (const abs of files) {
  const file = relative(root, abs).split(sep).join('/');
  const text = readFileSync(abs, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const line = text.slice(0, m.index).split('\n').length + (text[m.index] === '\n' ? 1 : 0);
    for (const r of rules) if (r.applies(file) && r.bad(spec)) problems.push(`${file}:${line}: "${spec}" breaks the rule: ${r.name}`);
    if (spec.startsWith('.') && !/\.(ts|tsx|json)$/.test(spec))
      problems.push(`${file}:${line}: "${spec}" needs an explicit .ts/.tsx extension`);
  }
  for (const r of textRules) {
    if (r.applies && !r.applies(file)) continue;
    const i = text.search(r.re);
    if (i >= 0) problems.push(`${file}:${text.slice(0, i).split('\n').length}: ${r.name}`);
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`lint: ${problems.length} problem(s) in ${files.length} files`);
  process.exit(1);
}
console.log(`lint: ${files.length} files, extensions and text rules hold`);
