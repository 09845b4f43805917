// `h3-wasi get [options] URL...`: curl's habits over HTTP/3. The body goes
// to stdout, or `-o FILE` (`-` is stdout), or under `--output-dir DIR` by
// each URL's path; `-i` prints the response head first, `-v` tells the
// connection's story on stderr. Any failure: a one-line reason and a
// non-zero exit (curl's codes where they exist: 22 for --fail, 28 for a
// timeout, 6 for a name that does not resolve, 7 for a refused connection).
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { checkTrust, TRUST_HELP, trustOption, type TrustOptions } from './trust.js';
import { ArgCursor, isHelp, UsageError } from './usage.js';

const SYNOPSIS = 'h3-wasi get [options] URL...';

export const description = 'fetch URLs over HTTP/3 (curl-like): body to stdout, -o FILE or --output-dir DIR';
export const synopsis = [SYNOPSIS];

const HELP = `usage: ${SYNOPSIS}

Fetches each URL (https:) over HTTP/3, one QUIC connection per origin, and
writes the response body to stdout (several URLs: one after another).

options:
  -o, --output FILE       write the body to FILE ('-' is stdout); one URL only
      --output-dir DIR    save each URL under DIR by its path (/ -> index.html)
  -X, --request METHOD    the request method (default GET, or POST with a body)
  -H, --header 'N: V'     add a request header (repeatable)
  -d, --data DATA         send DATA as the body (POST); @FILE reads FILE, @- stdin
      --data-binary DATA  the same (kept for curl's muscle memory)
  -i, --include           print the status line and response headers before the body
  -f, --fail              exit 22 on an HTTP status of 400 or more (no body written)
  -v, --verbose           the connection (QUIC version, ALPN, cipher suite, 0-RTT, RTT) and each request's events on stderr
  -s, --silent            no progress bar
      --parallel          all URLs at once on one connection per origin
  -m, --max-time SECS     give up a request after SECS seconds (exit 28)
${TRUST_HELP}
      --chacha20          offer only TLS_CHACHA20_POLY1305_SHA256
      --session FILE      resume from the session in FILE (0-RTT for GET/HEAD) and store the new one there
      --qlog-dir DIR      write a qlog trace per connection into DIR
      --keylog FILE       append TLS secrets to FILE (SSLKEYLOGFILE is honoured too)
  -h, --help              this help

exit status: 0 ok; 2 bad arguments; 1 any other failure (one line on stderr);
22 HTTP error with --fail; 28 timeout.`;

interface GetOptions extends TrustOptions {
  urls: URL[];
  output?: string;
  outputDir?: string;
  method?: string;
  headers: [string, string][];
  data?: string;
  include: boolean;
  fail: boolean;
  verbose: boolean;
  silent: boolean;
  parallel: boolean;
  maxTime?: number;
  chacha20: boolean;
  session?: string;
  qlogDir?: string;
  keylog?: string;
}

function parse(args: string[]): GetOptions | null {
  const o: GetOptions = { urls: [], headers: [], include: false, fail: false, verbose: false, silent: false, parallel: false, insecure: false, pins: [], chacha20: false };
  const usage = (m: string) => new UsageError('get', m, synopsis);
  const cursor = new ArgCursor(args, usage);
  for (let a = cursor.next(); a !== undefined; a = cursor.next()) {
    const value = () => cursor.value();
    if (isHelp(a)) return null;
    if (trustOption(a, cursor, o, usage)) continue;
    switch (a) {
      case '-o': case '--output': o.output = value(); break;
      case '--output-dir': o.outputDir = value(); break;
      case '-X': case '--request': o.method = value().toUpperCase(); break;
      case '-H': case '--header': {
        const h = value();
        const c = h.indexOf(':');
        if (c <= 0) throw usage(`-H wants 'Name: value', got '${h}'`);
        o.headers.push([h.slice(0, c).trim(), h.slice(c + 1).trim()]);
        break;
      }
      case '-d': case '--data': case '--data-binary': o.data = value(); break;
      case '-i': case '--include': o.include = true; break;
      case '-f': case '--fail': o.fail = true; break;
      case '-v': case '--verbose': o.verbose = true; break;
      case '-s': case '--silent': o.silent = true; break;
      case '--parallel': o.parallel = true; break;
      case '-m': case '--max-time': {
        const v = Number(value());
        if (!(v > 0) || !Number.isFinite(v)) throw usage('--max-time wants a positive number of seconds');
        o.maxTime = v;
        break;
      }
      case '--chacha20': o.chacha20 = true; break;
      case '--session': o.session = value(); break;
      case '--qlog-dir': o.qlogDir = value(); break;
      case '--keylog': o.keylog = value(); break;
      default: {
        if (a.startsWith('-') && a !== '-') throw usage(`unknown option '${a}'`);
        let u: URL;
        try { u = new URL(a); } catch { throw usage(`not a URL: '${a}'`); }
        if (u.protocol !== 'https:') throw usage(`HTTP/3 needs an https: URL, got '${a}'`);
        o.urls.push(u);
      }
    }
  }
  if (o.urls.length === 0) throw usage('no URL given');
  if (o.output !== undefined && o.outputDir !== undefined) throw usage('-o and --output-dir exclude each other');
  if (o.output !== undefined && o.urls.length > 1) throw usage('-o takes one URL; use --output-dir for several');
  checkTrust(o, usage);
  return o;
}

/** Where a URL's body goes under --output-dir: its path, '/' and '…/' as index.html, never outside DIR. */
export function outputPath(dir: string, u: URL): string {
  let p = decodeURIComponent(u.pathname);
  if (p.endsWith('/')) p += 'index.html';
  const parts = p.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  return path.join(dir, ...parts);
}

function readData(spec: string): Uint8Array {
  if (!spec.startsWith('@')) return new TextEncoder().encode(spec);
  const f = spec.slice(1);
  return new Uint8Array(f === '-' ? fs.readFileSync(0) : fs.readFileSync(f));
}

/** A one-line progress bar on stderr (TTY only). */
class Progress {
  #last = 0;
  #shown = false;
  constructor(readonly label: string, readonly total: number | null, readonly enabled: boolean) {}
  update(n: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    this.#shown = true;
    const mb = (x: number) => (x / 1e6).toFixed(1);
    const pct = this.total ? ` ${Math.floor((100 * n) / this.total)}%` : '';
    process.stderr.write(`\r${this.label}: ${mb(n)}${this.total ? `/${mb(this.total)}` : ''} MB${pct}   `);
  }
  done(): void { if (this.#shown) process.stderr.write('\n'); }
}

export async function run(args: string[]): Promise<number> {
  const o = parse(args);
  if (o === null) {
    console.log(HELP);
    return 0;
  }
  const { Http3Client } = await import('../http3/client.js');
  const { CIPHER_SUITES } = await import('../tls/index.js');
  const { Http3Error, QuicError } = await import('../errors.js');
  let sessions: Record<string, Uint8Array> | undefined;
  if (o.session && fs.existsSync(o.session)) {
    try {
      const j = JSON.parse(fs.readFileSync(o.session, 'utf8')) as Record<string, string>;
      sessions = Object.fromEntries(Object.entries(j).map(([k, v]) => [k, Uint8Array.from(Buffer.from(v, 'base64'))]));
    } catch {
      throw new Error(`--session ${o.session}: not a session file written by h3-wasi get`);
    }
  }
  const client = new Http3Client({
    ...(o.insecure ? { insecure: true } : {}),
    ...(o.cacert ? { ca: fs.readFileSync(o.cacert, 'utf8') } : {}),
    ...(o.pins.length ? { pinnedSha256: o.pins } : {}),
    ...(o.chacha20 ? { cipherSuites: [CIPHER_SUITES.TLS_CHACHA20_POLY1305_SHA256] } : {}),
    ...(sessions ? { sessions } : {}),
    ...(o.maxTime ? { timeout: Math.round(o.maxTime * 1000) } : {}),
    ...(o.qlogDir ? { qlogDir: o.qlogDir } : {}),
    ...(o.keylog ? { keylog: o.keylog } : {}),
  });
  const body = o.data !== undefined ? readData(o.data) : undefined;
  const method = o.method ?? (body ? 'POST' : 'GET');
  const log = (s: string) => { if (o.verbose) process.stderr.write(`* ${s}\n`); };
  const described = new Set<string>();
  let httpFailed = false;

  const one = async (u: URL): Promise<void> => {
    const t0 = performance.now();
    log(`${method} ${u.href}`);
    const res = await client.fetch(u, { method, headers: o.headers, ...(body ? { body: body as unknown as BodyInit } : {}) });
    const conn = client.connection(u);
    if (conn && !described.has(u.host)) {
      described.add(u.host);
      const st = await conn.getStats();
      const version = st.version === 1 ? 'v1' : st.version === 0x6b3343cf ? 'v2' : `0x${st.version.toString(16)}`;
      log(`connected to ${conn.remoteAddress?.address}:${conn.remoteAddress?.port} over QUIC ${version}, ALPN ${conn.alpn}, ${st.cipherSuite}, 0-RTT ${conn.earlyData}, RTT ${st.smoothedRtt.toFixed(2)} ms, path MTU ${st.pathMtu}`);
    }
    log(`${u.pathname}: HTTP/3 ${res.status} after ${(performance.now() - t0).toFixed(1)} ms`);
    if (o.fail && res.status >= 400) {
      await res.body?.cancel();
      httpFailed = true;
      process.stderr.write(`h3-wasi get: ${u.href}: HTTP ${res.status}\n`);
      return;
    }
    const lines: string[] = [];
    res.headers.forEach((v, k) => lines.push(`${k}: ${v}`));
    const head = `HTTP/3 ${res.status}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
    const file = o.outputDir !== undefined ? outputPath(o.outputDir, u) : o.output !== undefined && o.output !== '-' ? o.output : null;
    let out: Writable;
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      out = fs.createWriteStream(file);
    } else {
      out = process.stdout;
    }
    if (o.include) process.stdout.write(head);
    const total = Number(res.headers.get('content-length')) || null;
    const progress = new Progress(u.pathname, total, !o.silent && !o.verbose && process.stderr.isTTY === true && (file !== null || !process.stdout.isTTY) && !o.parallel);
    let n = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        n += chunk.length;
        progress.update(n);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    }
    progress.done();
    if (file) await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    log(`${u.pathname}: ${n} bytes in ${(performance.now() - t0).toFixed(1)} ms${file ? ` -> ${file}` : ''}`);
  };

  const reason = (e: unknown): [string, number] => {
    if (e instanceof DOMException && e.name === 'TimeoutError') return ['timed out', 28];
    if (e instanceof Http3Error || e instanceof QuicError) return [e.message, 1];
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'ENOTFOUND' || err?.code === 'EAI_AGAIN') return [`could not resolve ${err.message.split(' ').pop()}`, 6];
    return [err?.message ?? String(e), 1];
  };
  let status = 0;
  try {
    if (o.parallel) {
      const results = await Promise.allSettled(o.urls.map(one));
      for (const [i, r] of results.entries()) {
        if (r.status === 'rejected') {
          const [m, code] = reason(r.reason);
          process.stderr.write(`h3-wasi get: ${o.urls[i].href}: ${m}\n`);
          status ||= code;
        }
      }
    } else {
      for (const u of o.urls) {
        try {
          await one(u);
        } catch (e) {
          const [m, code] = reason(e);
          process.stderr.write(`h3-wasi get: ${u.href}: ${m}\n`);
          status = code;
          break;
        }
      }
    }
  } finally {
    if (o.session) {
      const s = client.sessions;
      if (Object.keys(s).length) fs.writeFileSync(o.session, JSON.stringify(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))));
    }
    await client.close();
  }
  if (status === 0 && httpFailed) return 22;
  return status;
}
