// The Fetch handler behind `h3-wasi serve DIR`: files under DIR (content
// types, ranges, validators, directory listings, index.html), `POST /echo`
// and `GET /bytes/N` for tests and benchmarks. Any protocol runs it (h1, h2
// over TCP; h3). Nothing outside DIR is reachable: `..` and encoded
// separators are refused, symlinks are followed only when they stay inside.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { FetchHandler } from './handler.js';

export interface StaticOptions {
  /** HTML listings for directories without index.html (else 404). Default true. */
  listings?: boolean;
  /** `POST /echo` answers with the request body, streamed. Default true. */
  echo?: boolean;
  /** The largest N for `GET /bytes/N`; 0 turns the route off. Default 1 GiB. */
  maxGeneratedBytes?: number;
  /** Serve and list names starting with '.' (.git, .env, ...). Default false: 404, except /.well-known/. */
  dotfiles?: boolean;
}

/** Bytes per chunk of a file or generated body. */
const CHUNK = 64 * 1024;
const DEFAULT_MAX_GENERATED = 2 ** 30;

/** A small table of common types; anything else is application/octet-stream. */
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', htm: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8', json: 'application/json',
  map: 'application/json', txt: 'text/plain; charset=utf-8', md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8', xml: 'application/xml', svg: 'image/svg+xml', png: 'image/png',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif',
  ico: 'image/x-icon', wasm: 'application/wasm', pdf: 'application/pdf', zip: 'application/zip',
  gz: 'application/gzip', tar: 'application/x-tar', mp4: 'video/mp4', webm: 'video/webm', mp3: 'audio/mpeg',
  ogg: 'audio/ogg', wav: 'audio/wav', woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf',
};

export function contentType(file: string): string {
  return TYPES[path.extname(file).slice(1).toLowerCase()] ?? 'application/octet-stream';
}

/** The handler for `root` (resolved once, symlinks included). Throws InvalidArgumentError when it is not a directory. */
export function staticHandler(root: string, options: StaticOptions = {}): FetchHandler {
  let base: string;
  try {
    base = fs.realpathSync(root);
    if (!fs.statSync(base).isDirectory()) throw new Error('not a directory');
  } catch (e) {
    throw new InvalidArgumentError('root', `${root}: ${(e as Error).message}`);
  }
  const listings = options.listings ?? true;
  const echo = options.echo ?? true;
  const dotfiles = options.dotfiles ?? false;
  const maxGenerated = options.maxGeneratedBytes ?? DEFAULT_MAX_GENERATED;
  if (!Number.isSafeInteger(maxGenerated) || maxGenerated < 0) throw new InvalidArgumentError('maxGeneratedBytes', `must be a non-negative integer, got ${maxGenerated}`);

  return async (request) => {
    const url = new URL(request.url);
    const method = request.method;
    if (echo && url.pathname === '/echo') {
      if (method !== 'POST') return text(405, 'use POST\n', { allow: 'POST' });
      return echoBody(request);
    }
    if (method !== 'GET' && method !== 'HEAD') return text(405, 'method not allowed\n', { allow: 'GET, HEAD' });
    const head = method === 'HEAD';
    const gen = /^\/bytes\/(\d{1,16})$/.exec(url.pathname);
    if (gen && maxGenerated > 0) {
      const n = Number(gen[1]);
      if (n > maxGenerated) return text(400, `at most ${maxGenerated} bytes\n`);
      return generated(n, head);
    }

    const segments = pathSegments(url.pathname);
    if (segments === null || (!dotfiles && segments.some((s, i) => s.startsWith('.') && !(i === 0 && s === '.well-known')))) return text(404, 'not found\n');
    const target = await resolveInside(base, path.join(base, ...segments));
    if (target === 'outside') return text(403, 'forbidden\n');
    if (target === null) return text(404, 'not found\n');
    const st = await fsp.stat(target).catch(() => null);
    if (st === null) return text(404, 'not found\n');
    if (st.isDirectory()) {
      if (!url.pathname.endsWith('/')) return new Response(null, { status: 301, headers: { location: `${url.pathname}/${url.search}` } });
      const index = await resolveInside(base, path.join(target, 'index.html'));
      const ist = index && index !== 'outside' ? await fsp.stat(index).catch(() => null) : null;
      if (index && index !== 'outside' && ist?.isFile()) return file(request, index, ist, head);
      if (!listings) return text(404, 'not found\n');
      return listing(target, url.pathname, target === base, head, dotfiles);
    }
    if (!st.isFile()) return text(403, 'forbidden\n'); // FIFOs, sockets, devices: never opened
    return file(request, target, st, head);
  };
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });
}

/**
 * The decoded path segments of a URL path, or null when one cannot name a
 * file under the root: a `..` (the URL parser already folds plain and
 * `%2e%2e` ones), an encoded `/` or `\`, a NUL, bad percent-encoding.
 */
function pathSegments(pathname: string): string[] | null {
  const out: string[] = [];
  for (const raw of pathname.split('/')) {
    if (raw === '') continue;
    let s: string;
    try { s = decodeURIComponent(raw); } catch { return null; }
    if (s === '.' || s === '..' || /[/\\\0]/.test(s)) return null;
    out.push(s);
  }
  return out;
}

/** The real path of `p` when it exists and lies inside `base`; 'outside' when a symlink leads out; null when missing. */
async function resolveInside(base: string, p: string): Promise<string | 'outside' | null> {
  const real = await fsp.realpath(p).catch(() => null);
  if (real === null) return null;
  return real === base || real.startsWith(base.endsWith(path.sep) ? base : base + path.sep) ? real : 'outside';
}

/** A strong validator from size and modification time (RFC 9110 §8.8.3). */
function etagOf(st: fs.Stats): string {
  return `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

/** RFC 9110 §13.1.2: If-None-Match uses the weak comparison; "*" matches any current representation. */
function noneMatch(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === opaque);
}

async function file(request: Request, p: string, st: fs.Stats, head: boolean): Promise<Response> {
  const etag = etagOf(st);
  const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000).toUTCString();
  const validators = { etag, 'last-modified': lastModified };
  // RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only without it.
  const inm = request.headers.get('if-none-match');
  const ims = request.headers.get('if-modified-since');
  if (inm !== null ? noneMatch(inm, etag) : ims !== null && Math.floor(st.mtimeMs / 1000) * 1000 <= Date.parse(ims)) {
    return new Response(null, { status: 304, headers: validators });
  }
  const headers: Record<string, string> = { ...validators, 'content-type': contentType(p), 'accept-ranges': 'bytes' };
  let start = 0, end = st.size - 1, status = 200;
  // RFC 9110 §14.2: range handling is defined for GET only.
  const range = request.method === 'GET' ? request.headers.get('range') : null;
  if (range !== null && ifRangeHolds(request.headers.get('if-range'), etag, lastModified)) {
    const r = parseRange(range, st.size);
    if (r === 'unsatisfiable') {
      return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${st.size}` } });
    }
    if (r !== null) {
      [start, end] = r;
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
    }
  }
  const length = end - start + 1;
  headers['content-length'] = String(length);
  if (head || length === 0) return new Response(head ? null : new Uint8Array(0), { status, headers });
  const fh = await fsp.open(p, 'r');
  return new Response(fileStream(fh, start, length), { status, headers });
}

/** RFC 9110 §13.1.5: If-Range holds when its entity tag matches strongly or its date equals Last-Modified. */
function ifRangeHolds(ifRange: string | null, etag: string, lastModified: string): boolean {
  if (ifRange === null) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return v === etag; // a weak tag never matches strongly
  return Date.parse(v) === Date.parse(lastModified);
}

/**
 * RFC 9110 §14.1.2 for one `bytes` range: [first, last] clamped to the
 * size, 'unsatisfiable', or null to ignore the field (another unit, bad
 * syntax, or several ranges — served whole, as §14.2 allows).
 */
function parseRange(v: string, size: number): [number, number] | 'unsatisfiable' | null {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(v);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const first = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < first) return null; // invalid: ignored
  if (first >= size) return 'unsatisfiable';
  return [first, m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)];
}

/** `length` bytes of an open file from `start`, read on demand (the consumer's pace), closed at the end or on cancel. */
function fileStream(fh: fsp.FileHandle, start: number, length: number): ReadableStream<Uint8Array> {
  let pos = start, left = length, closed = false;
  const close = () => { if (!closed) { closed = true; fh.close().catch(() => {}); } };
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const buf = new Uint8Array(Math.min(CHUNK, left));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) throw new Error(`file ended ${left} bytes early (changed while being served)`);
        pos += bytesRead;
        left -= bytesRead;
        c.enqueue(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
        if (left === 0) { close(); c.close(); }
      } catch (e) {
        close();
        c.error(e);
      }
    },
    cancel: close,
  }, { highWaterMark: 1 });
}

/** `GET /bytes/N`: N bytes where byte i is i mod 256, made on demand in 64 KiB chunks. */
function generated(n: number, head: boolean): Response {
  const headers = { 'content-type': 'application/octet-stream', 'content-length': String(n), 'cache-control': 'no-store' };
  if (head) return new Response(null, { headers });
  let left = n;
  return new Response(new ReadableStream<Uint8Array>({
    pull(c) {
      if (left === 0) { c.close(); return; }
      const k = Math.min(CHUNK, left);
      c.enqueue(PATTERN.slice(0, k)); // chunks start at multiples of 64 KiB, so the pattern lines up; a copy, so no consumer can detach the template
      left -= k;
      if (left === 0) c.close();
    },
  }, { highWaterMark: 1 }), { headers });
}

const PATTERN = Uint8Array.from({ length: CHUNK }, (_, i) => i & 0xff);

/** `POST /echo`: the body back as it arrives, with its type and length. */
function echoBody(request: Request): Response {
  const headers: Record<string, string> = { 'content-type': request.headers.get('content-type') ?? 'application/octet-stream', 'cache-control': 'no-store' };
  const cl = request.headers.get('content-length');
  if (cl !== null && /^\d+$/.test(cl)) headers['content-length'] = cl;
  return new Response(request.body, { headers });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An HTML index of a directory: names escaped, links percent-encoded, directories first. */
async function listing(dir: string, urlPath: string, isRoot: boolean, head: boolean, dotfiles: boolean): Promise<Response> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const rows = entries
    .filter((e) => dotfiles || !e.name.startsWith('.'))
    .map((e) => ({ name: e.name, dir: e.isDirectory() }))
    .sort((a, b) => (a.dir === b.dir ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.dir ? -1 : 1));
  const title = escapeHtml(safeDecode(urlPath));
  const items = [
    ...(isRoot ? [] : ['<li><a href="../">../</a></li>']),
    ...rows.map((r) => {
      const shown = escapeHtml(r.name) + (r.dir ? '/' : '');
      return `<li><a href="./${escapeHtml(encodeURIComponent(r.name))}${r.dir ? '/' : ''}">${shown}</a></li>`;
    }),
  ];
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>Index of ${title}</title></head>\n<body><h1>Index of ${title}</h1>\n<ul>\n${items.join('\n')}\n</ul></body></html>\n`;
  const body = new TextEncoder().encode(html);
  return new Response(head ? null : body, { headers: { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) } });
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}
