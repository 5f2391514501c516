// Architecture lint: the layering rules of DESIGN.md §1, enforced on every import in src/.
// (typescript-eslint does not support TypeScript 7 yet; this is the equivalent of no-restricted-imports.)
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

const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|dns|tls|dgram|worker_threads)$/;
const rules = [
  { name: 'only src/azure imports @azure/*', applies: (f) => !f.startsWith('src/azure/'), bad: (spec) => spec.startsWith('@azure/') },
  { name: 'checks are pure (no I/O, no UI, no Azure)', applies: (f) => f.startsWith('src/checks/'),
    bad: (spec) => IO_MODULES.test(spec) || /^(ink|react)/.test(spec) || (spec.startsWith('.') && /(^|\/)(azure|sandbox|screens|runbook)(\/|$)/.test(spec)) },
  { name: 'screens never reach Azure or the sandbox', applies: (f) => f.startsWith('src/screens/'),
    bad: (spec) => /(^|\/)(azure|sandbox)(\/|$)/.test(spec) && spec.startsWith('.') },
  // Files, sockets and processes are the engine's: a screen asks it (inspectPfx, readPfx, saveTranscript).
  { name: 'screens do no I/O', applies: (f) => f.startsWith('src/screens/'), bad: (spec) => IO_MODULES.test(spec) },
  { name: 'the sandbox does not depend on the product', applies: (f) => f.startsWith('src/sandbox/'),
    bad: (spec) => spec.startsWith('.') && /(^|\/)(azure|screens|runbook)(\/|$)/.test(spec) },
];
const textRules = [
  { name: 'never disable TLS verification', re: /rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED/ },
  { name: 'no console.log in checks', re: /console\.log/, applies: (f) => f.startsWith('src/checks/') },
];

const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
const problems = [];
for (const abs of files) {
  const file = relative(root, abs).split(sep).join('/');
  const text = readFileSync(abs, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const line = text.slice(0, m.index).split('\n').length + (text[m.index] === '\n' ? 1 : 0);
    for (const r of rules) if (r.applies(file) && r.bad(spec)) problems.push(`${file}:${line}: "${spec}" breaks the rule: ${r.name}`);
    if (spec.startsWith('.') && !/\.(ts|tsx|json)$/.test(spec)) problems.push(`${file}:${line}: "${spec}" needs an explicit .ts/.tsx extension`);
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
console.log(`lint: ${files.length} files, layering rules hold`);
