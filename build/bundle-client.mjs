// The browser client h3-wasi/realtime/client (host/realtime/client/) as one
// ESM file for pages: esbuild, platform browser, target es2022, minified,
// with a linked source map (dist/realtime-client.js.map, not shipped).
// build/build.mjs calls it after tsc; tests/realtime/client-bundle.test.ts
// checks what it writes.
import path from 'node:path';
import * as esbuild from 'esbuild';

/** Bundles host/realtime/client/index.ts into `outFile`; returns esbuild's metafile. */
export async function bundleClient(root, outFile) {
  const r = await esbuild.build({
    entryPoints: [path.join(root, 'host', 'realtime', 'client', 'index.ts')],
    outfile: outFile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  return r.metafile;
}
