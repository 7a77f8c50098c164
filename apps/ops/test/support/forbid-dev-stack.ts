import { registerHooks } from 'node:module';

// Loaded with `node --import` before the CLI: resolving the dev stack, or
// what it runs, kills the process with this error, so a test sees any load.
const FORBIDDEN = ['@airlock/dev-stack', '@20minutes/s3rver', 'fauxqs'];

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    if (FORBIDDEN.includes(specifier) || resolved.url.includes('/libs/dev-stack/'))
      throw new Error(`dev stack loaded: ${specifier} (from ${context.parentURL ?? '?'})`);
    return resolved;
  },
});
