#!/usr/bin/env node
// The h3-wasi command; the implementation is compiled from host/cli/ by `npm run build`
// (a published package always carries it: `prepack` builds).
let main;
try {
  ({ main } = await import('../dist/host/cli/main.js'));
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/host/cli/main.js')) throw e;
  console.error('h3-wasi: dist/ is not built in this checkout; run `npm run build` first');
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
