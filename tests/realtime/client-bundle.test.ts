// The browser bundle of h3-wasi/realtime/client (build/bundle-client.mjs →
// dist/realtime-client.js): ESM with no Node built-in anywhere in its inputs
// or its text, exporting TransportManager, small enough for a page.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// @ts-expect-error plain ESM build script
import { bundleClient } from '../../build/bundle-client.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-client-bundle-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('dist/realtime-client.js', () => {
  it('bundles with no node: import, exports TransportManager, and loads as ESM', async () => {
    const out = path.join(dir, 'realtime-client.js');
    const meta = await bundleClient(root, out);
    const inputs = Object.keys(meta.inputs);
    expect(inputs.some((i) => i.endsWith('host/realtime/client/manager.ts'))).toBe(true);
    expect(inputs.some((i) => i.endsWith('host/realtime/protocol.ts'))).toBe(true); // the shared contract, not a fork
    expect(inputs.filter((i) => i.startsWith('node:') || i.includes('node_modules'))).toEqual([]);
    const text = fs.readFileSync(out, 'utf8');
    expect(text).not.toMatch(/["'`]node:/);
    expect(text).not.toMatch(/\brequire\(/);
    expect(text).toMatch(/\/\/# sourceMappingURL=realtime-client\.js\.map\s*$/);
    expect(fs.existsSync(`${out}.map`)).toBe(true);
    const output = Object.values(meta.outputs).find((o) => (o as { exports: string[] }).exports?.length) as { exports: string[] };
    expect(output.exports).toContain('TransportManager');
    expect(text.length).toBeLessThan(64 * 1024);
    const m = await import(pathToFileURL(out).href);
    expect(typeof m.TransportManager).toBe('function');
  });

  it('npm run build wrote the same bundle into dist/', () => {
    const built = path.join(root, 'dist', 'realtime-client.js');
    expect(fs.existsSync(built)).toBe(true);
    expect(fs.readFileSync(built, 'utf8')).toMatch(/TransportManager/);
  });
});
