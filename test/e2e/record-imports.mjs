// Preloaded by a test: appends every module URL the process resolves to $IMPORT_LOG, and a line
// "FIRST FRAME" when the process first writes to stdout (so a test can tell what loaded before it).
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    appendFileSync(process.env.IMPORT_LOG, `${resolved.url}\n`);
    return resolved;
  },
});

const write = process.stdout.write.bind(process.stdout);
let first = true;
process.stdout.write = (...args) => {
  if (first) {
    first = false;
    appendFileSync(process.env.IMPORT_LOG, 'FIRST FRAME\n');
  }
  return write(...args);
};
