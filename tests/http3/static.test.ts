// The `h3-wasi serve DIR` handler over the TCP server (HTTP/1.1 and HTTP/2):
// files with types, no way out of DIR, Range, validators, listings and
// index.html, POST /echo, GET /bytes/N, HEAD everywhere.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevCert } from '../../host/http3/devcert.js';
import { serveTcp, type TcpServer } from '../../host/http3/tcp.js';
import { staticHandler, contentType } from '../../host/http3/static.js';
import { InvalidArgumentError } from '../../host/errors.js';
import { request, type Proto } from './tcp-clients.js';

const dc = createDevCert();
const top = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-static-'));
const root = path.join(top, 'root');
const big = crypto.randomBytes(300_000);
let server: TcpServer;

beforeAll(async () => {
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.mkdirSync(path.join(root, 'plain dir'));
  fs.writeFileSync(path.join(top, 'secret.txt'), 'outside the root');
  fs.writeFileSync(path.join(root, 'hello.txt'), 'hello, world\n');
  fs.writeFileSync(path.join(root, '.env'), 'SECRET=1');
  fs.mkdirSync(path.join(root, '.git'));
  fs.writeFileSync(path.join(root, '.git', 'config'), '[core]');
  fs.mkdirSync(path.join(root, '.well-known'));
  fs.writeFileSync(path.join(root, '.well-known', 'security.txt'), 'Contact: x');
  fs.writeFileSync(path.join(root, 'big.bin'), big);
  fs.writeFileSync(path.join(root, 'empty.txt'), '');
  fs.writeFileSync(path.join(root, 'style.CSS'), 'body{}');
  fs.writeFileSync(path.join(root, 'sub', 'index.html'), '<p>sub index</p>');
  fs.writeFileSync(path.join(root, 'plain dir', '<b>&"x\'.txt'), 'odd');
  fs.mkdirSync(path.join(root, 'plain dir', 'inner'));
  fs.symlinkSync(path.join(root, 'hello.txt'), path.join(root, 'link-in.txt'));
  fs.symlinkSync(path.join(top, 'secret.txt'), path.join(root, 'link-out.txt'));
  fs.symlinkSync(top, path.join(root, 'dir-out'));
  execFileSync('mkfifo', [path.join(root, 'fifo')]);
  server = await serveTcp({ cert: dc.cert, key: dc.key, onError: () => {} }, staticHandler(root, { maxGeneratedBytes: 100 * 1024 * 1024 }));
});

afterAll(async () => {
  await server?.close({ timeoutMs: 100 });
  fs.rmSync(top, { recursive: true, force: true });
});

const get = (proto: Proto, p: string, o: Parameters<typeof request>[4] = {}) => request(proto, server.port, dc.cert, p, o);
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

for (const proto of ['h1', 'h2'] as Proto[]) {
  describe(`static files over ${proto}`, () => {
    it('serves files with their content type, length, validators and accept-ranges', async () => {
      const r = await get(proto, '/hello.txt');
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('hello, world\n');
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.headers['content-length']).toBe('13');
      expect(r.headers['accept-ranges']).toBe('bytes');
      expect(r.headers.etag).toMatch(/^"d-[0-9a-f]+"$/);
      expect(Date.parse(r.headers['last-modified']!)).toBe(Math.floor(fs.statSync(path.join(root, 'hello.txt')).mtimeMs / 1000) * 1000);
      const b = await get(proto, '/big.bin');
      expect(b.headers['content-type']).toBe('application/octet-stream');
      expect(sha(b.body)).toBe(sha(big));
      expect((await get(proto, '/style.CSS')).headers['content-type']).toBe('text/css; charset=utf-8');
      const e = await get(proto, '/empty.txt');
      expect([e.status, e.body.length, e.headers['content-length']]).toEqual([200, 0, '0']);
      expect((await get(proto, '/link-in.txt')).body.toString()).toBe('hello, world\n');
      expect((await get(proto, '/missing')).status).toBe(404);
    });

    it('never leaves the root: .., encoded separators, symlinks out, FIFOs', async () => {
      for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt', '/..%2Fsecret.txt', '/sub%2F..%2F..%2Fsecret.txt',
        '/..%5csecret.txt', '/hello.txt%00', '/%E0%A4%A']) {
        const r = await get(proto, p);
        expect(r.status, p).toBe(404);
        expect(r.body.toString()).not.toContain('outside the root');
      }
      expect((await get(proto, '/link-out.txt')).status).toBe(403);
      expect((await get(proto, '/dir-out/secret.txt')).status).toBe(403);
      expect((await get(proto, '/dir-out/')).status).toBe(403);
      expect((await get(proto, '/fifo')).status).toBe(403);
    });

    it('hides dotfiles (404, not listed) except /.well-known/', async () => {
      for (const p of ['/.env', '/.git/config', '/.git/', '/%2eenv']) expect((await get(proto, p)).status, p).toBe(404);
      expect((await get(proto, '/.well-known/security.txt')).body.toString()).toBe('Contact: x');
      expect((await get(proto, '/')).body.toString()).not.toMatch(/\.env|\.git|\.well-known/);
    });

    it('answers a single Range with 206, an unsatisfiable one with 416, several with the whole file', async () => {
      const r = await get(proto, '/big.bin', { headers: { range: 'bytes=100-199' } });
      expect(r.status).toBe(206);
      expect(r.headers['content-range']).toBe(`bytes 100-199/${big.length}`);
      expect(r.headers['content-length']).toBe('100');
      expect(Buffer.compare(r.body, big.subarray(100, 200))).toBe(0);
      const suffix = await get(proto, '/big.bin', { headers: { range: 'bytes=-10' } });
      expect(suffix.status).toBe(206);
      expect(Buffer.compare(suffix.body, big.subarray(big.length - 10))).toBe(0);
      const open = await get(proto, '/big.bin', { headers: { range: 'bytes=299990-' } });
      expect(open.headers['content-range']).toBe(`bytes 299990-299999/${big.length}`);
      const clamp = await get(proto, '/hello.txt', { headers: { range: 'bytes=7-1000' } });
      expect([clamp.status, clamp.body.toString()]).toEqual([206, 'world\n']);
      const bad = await get(proto, '/big.bin', { headers: { range: `bytes=${big.length}-` } });
      expect(bad.status).toBe(416);
      expect(bad.headers['content-range']).toBe(`bytes */${big.length}`);
      expect((await get(proto, '/empty.txt', { headers: { range: 'bytes=0-' } })).status).toBe(416);
      const multi = await get(proto, '/big.bin', { headers: { range: 'bytes=0-1,5-6' } });
      expect([multi.status, multi.body.length]).toEqual([200, big.length]);
      expect((await get(proto, '/big.bin', { headers: { range: 'items=0-1' } })).status).toBe(200);
      // If-Range: a matching strong tag keeps the range, another tag or a weak one drops it
      const etag = r.headers.etag!;
      expect((await get(proto, '/big.bin', { headers: { range: 'bytes=0-0', 'if-range': etag } })).status).toBe(206);
      expect((await get(proto, '/big.bin', { headers: { range: 'bytes=0-0', 'if-range': '"other"' } })).status).toBe(200);
      expect((await get(proto, '/big.bin', { headers: { range: 'bytes=0-0', 'if-range': `W/${etag}` } })).status).toBe(200);
      expect((await get(proto, '/big.bin', { headers: { range: 'bytes=0-0', 'if-range': r.headers['last-modified']! } })).status).toBe(206);
    });

    it('answers If-None-Match and If-Modified-Since with 304', async () => {
      const r = await get(proto, '/hello.txt');
      const etag = r.headers.etag!;
      const nm = await get(proto, '/hello.txt', { headers: { 'if-none-match': etag } });
      expect([nm.status, nm.body.length, nm.headers.etag]).toEqual([304, 0, etag]);
      expect((await get(proto, '/hello.txt', { headers: { 'if-none-match': `"x", W/${etag}` } })).status).toBe(304);
      expect((await get(proto, '/hello.txt', { headers: { 'if-none-match': '*' } })).status).toBe(304);
      expect((await get(proto, '/hello.txt', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
      expect((await get(proto, '/hello.txt', { headers: { 'if-modified-since': r.headers['last-modified']! } })).status).toBe(304);
      expect((await get(proto, '/hello.txt', { headers: { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' } })).status).toBe(200);
      // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
      expect((await get(proto, '/hello.txt', { headers: { 'if-none-match': '"other"', 'if-modified-since': r.headers['last-modified']! } })).status).toBe(200);
    });

    it('redirects a directory to its slash form, serves index.html, lists others with escaped names', async () => {
      const red = await get(proto, '/sub?x=1');
      expect([red.status, red.headers.location]).toEqual([301, '/sub/?x=1']);
      const idx = await get(proto, '/sub/');
      expect([idx.status, idx.body.toString(), idx.headers['content-type']]).toEqual([200, '<p>sub index</p>', 'text/html; charset=utf-8']);
      const list = await get(proto, '/plain%20dir/');
      expect(list.status).toBe(200);
      const html = list.body.toString();
      expect(html).toContain('Index of /plain dir/');
      expect(html).toContain('<a href="./%3Cb%3E%26%22x&#39;.txt">&#60;b&#62;&#38;&#34;x&#39;.txt</a>');
      expect(html).not.toContain('<b>');
      expect(html.indexOf('inner/')).toBeLessThan(html.indexOf('.txt'));
      expect(html).toContain('<a href="../">../</a>');
      const rootList = (await get(proto, '/')).body.toString();
      expect(rootList).toContain('hello.txt');
      expect(rootList).not.toContain('href="../"');
      const odd = await get(proto, `/plain%20dir/${encodeURIComponent('<b>&"x\'.txt')}`);
      expect(odd.body.toString()).toBe('odd');
    });

    it('echoes POST /echo, streamed, with type and length', async () => {
      const data = crypto.randomBytes(3 * 1024 * 1024 + 7);
      const r = await get(proto, '/echo', { method: 'POST', body: data, headers: { 'content-type': 'application/x-blob' } });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/x-blob');
      expect(sha(r.body)).toBe(sha(data));
      expect((await get(proto, '/echo')).status).toBe(405);
    });

    it('generates GET /bytes/N (byte i = i mod 256), refuses N over the bound', async () => {
      const n = 1_000_003;
      const r = await get(proto, `/bytes/${n}`);
      expect([r.status, r.headers['content-length'], r.body.length]).toEqual([200, String(n), n]);
      let ok = true;
      for (let i = 0; i < n; i++) if (r.body[i] !== (i & 0xff)) { ok = false; break; }
      expect(ok).toBe(true);
      expect((await get(proto, '/bytes/0')).body.length).toBe(0);
      expect((await get(proto, `/bytes/${100 * 1024 * 1024 + 1}`)).status).toBe(400);
      expect((await get(proto, '/bytes/12x')).status).toBe(404);
    });

    it('answers HEAD everywhere with the GET fields and no body; other methods get 405', async () => {
      for (const [p, len] of [['/hello.txt', '13'], ['/bytes/5000', '5000'], ['/plain%20dir/', undefined], ['/sub/', '16']] as const) {
        const g = await get(proto, p);
        const h = await get(proto, p, { method: 'HEAD' });
        expect(h.status, p).toBe(200);
        expect(h.body.length, p).toBe(0);
        expect(h.headers['content-type'], p).toBe(g.headers['content-type']);
        expect(h.headers['content-length'], p).toBe(len ?? String(g.body.length));
        expect(h.headers.etag, p).toBe(g.headers.etag);
      }
      // a HEAD with a Range gets the whole representation's fields (range is defined for GET only)
      const hr = await get(proto, '/big.bin', { method: 'HEAD', headers: { range: 'bytes=0-9' } });
      expect([hr.status, hr.headers['content-length']]).toEqual([200, String(big.length)]);
      const put = await get(proto, '/hello.txt', { method: 'PUT', body: 'x' });
      expect([put.status, put.headers.allow]).toEqual([405, 'GET, HEAD']);
    });
  });
}

describe('staticHandler options', () => {
  it('refuses a root that is not a directory; turns routes off', async () => {
    expect(() => staticHandler(path.join(root, 'hello.txt'))).toThrow(InvalidArgumentError);
    expect(() => staticHandler(path.join(root, 'nope'))).toThrow(InvalidArgumentError);
    const h = staticHandler(root, { listings: false, echo: false, maxGeneratedBytes: 0 });
    const info = { remoteAddress: '127.0.0.1', remotePort: 1, protocol: 'h3' as const };
    expect((await h(new Request('https://x/plain%20dir/'), info)).status).toBe(404);
    expect((await h(new Request('https://x/echo', { method: 'POST', body: 'a' }), info)).status).toBe(405);
    expect((await h(new Request('https://x/bytes/10'), info)).status).toBe(404);
    expect((await h(new Request('https://x/sub/'), info)).status).toBe(200);
    const dots = staticHandler(root, { dotfiles: true });
    expect(await (await dots(new Request('https://x/.env'), info)).text()).toBe('SECRET=1');
    expect(await (await dots(new Request('https://x/'), info)).text()).toContain('.git/');
    expect(contentType('a.WASM')).toBe('application/wasm');
    expect(contentType('noext')).toBe('application/octet-stream');
  });
});
