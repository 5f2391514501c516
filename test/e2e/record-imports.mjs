// Preloaded by a test: appends every module URL the process resolves to $IMPORT_LOG.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    appendFileSync(process.env.IMPORT_LOG, `${resolved.url}\n`);
    return resolved;
  },
});
