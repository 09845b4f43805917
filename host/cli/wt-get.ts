// `h3-wasi wt-get [options] URL...`: the client of the WebTransport interop
// protocol (host/webtransport/interop.ts). URLs are grouped by their first
// path component, the endpoint: one session per endpoint, all sessions at
// once on ONE QUIC connection (allowPooling), each asking for its files over
// `--stream` and saving them as DIR/<endpoint>/<file>. A URL naming only the
// endpoint opens the session and asks for nothing (the handshake case).
// `--www DIR` answers the server's GETs (the server-requests role) from
// DIR/<endpoint>/; a session that asks for nothing then stays until the
// server closes it.
// No subprotocol negotiation (PROTOCOLS, WT-Available-Protocols): Chromium
// 156's draft-02 has none, and no negotiated_protocol.txt is written.
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { checkTrust, TRUST_HELP, trustOption, type TrustOptions } from './trust.js';
import { ArgCursor, isHelp, UsageError } from './usage.js';

const SYNOPSIS = 'h3-wasi wt-get [--stream uni|bidi|datagram] [--output-dir DIR | -o -] [--www DIR] [options] URL...';

export const description = 'the WebTransport interop client: files over sessions on one connection, saved under --output-dir';
export const synopsis = [SYNOPSIS];

const HELP = `usage: ${SYNOPSIS}

The client of the WebTransport interop protocol (GET <file> / PUSH <file>).
Each URL is https://HOST:PORT/ENDPOINT/FILE: one session per ENDPOINT, all
at once on one QUIC connection; each FILE is asked for with GET, all in
parallel, and saved as DIR/ENDPOINT/FILE. A URL with only an ENDPOINT opens
its session and asks for nothing. The interop runner's REQUESTS are the URLs:
\`h3-wasi wt-get --output-dir /downloads $REQUESTS\`.

options:
      --stream KIND       uni, bidi (default) or datagram: how files are asked for
      --output-dir DIR    where files go (default .), as DIR/ENDPOINT/FILE
  -o, --output -          the one file asked for to stdout
      --www DIR           answer the server's GETs with files from DIR/ENDPOINT/;
                          a session that asks for no files then stays open
                          until the server closes it (the server-requests role)
  -m, --max-time SECS     give up after SECS seconds (exit 28)
${TRUST_HELP}
  -v, --verbose           each request and answer on stderr
  -h, --help              this help

A refused session (the server's status), a missing file (reset with code 404),
a name the server will not serve (403), a datagram that got no reply after 5
tries: one line each on stderr.
No subprotocol negotiation (PROTOCOLS): no negotiated_protocol.txt is written.

exit status: 0 ok; 2 bad arguments; 1 any failure (one line each on stderr); 28 timeout.`;

export interface WtGetOptions extends TrustOptions {
  urls: URL[];
  stream: 'uni' | 'bidi' | 'datagram';
  outputDir: string;
  stdout: boolean;
  www?: string;
  maxTime?: number;
  verbose: boolean;
}

function parse(args: string[]): WtGetOptions | null {
  const o: WtGetOptions = { urls: [], stream: 'bidi', outputDir: '.', stdout: false, insecure: false, pins: [], verbose: false };
  const usage = (m: string) => new UsageError('wt-get', m, synopsis);
  const cursor = new ArgCursor(args, usage);
  let dirGiven = false;
  for (let a = cursor.next(); a !== undefined; a = cursor.next()) {
    if (isHelp(a)) return null;
    if (trustOption(a, cursor, o, usage)) continue;
    switch (a) {
      case '--stream': {
        const v = cursor.value();
        if (v !== 'uni' && v !== 'bidi' && v !== 'datagram') throw usage(`--stream wants uni, bidi or datagram, got '${v}'`);
        o.stream = v;
        break;
      }
      case '--output-dir': o.outputDir = cursor.value(); dirGiven = true; break;
      case '-o': case '--output': {
        const v = cursor.value();
        if (v !== '-') throw usage(`-o takes only '-' (stdout); use --output-dir DIR for files, got '${v}'`);
        o.stdout = true;
        break;
      }
      case '--www': o.www = cursor.value(); break;
      case '-m': case '--max-time': {
        const v = Number(cursor.value());
        if (!(v > 0) || !Number.isFinite(v)) throw usage('--max-time wants a positive number of seconds');
        o.maxTime = v;
        break;
      }
      case '-v': case '--verbose': o.verbose = true; break;
      default: {
        if (a.startsWith('-')) throw usage(`unknown option '${a}'`);
        let u: URL;
        try { u = new URL(a); } catch { throw usage(`not a URL: '${a}'`); }
        if (u.protocol !== 'https:') throw usage(`WebTransport needs an https: URL, got '${a}'`);
        if (endpointOf(u) === '') throw usage(`no endpoint in '${a}' (https://HOST/ENDPOINT[/FILE])`);
        o.urls.push(u);
      }
    }
  }
  if (o.urls.length === 0) throw usage('no URL given');
  const origins = new Set(o.urls.map((u) => u.origin));
  if (origins.size > 1) throw usage(`every URL on one connection: one origin only, got ${[...origins].join(', ')}`);
  if (o.stdout && dirGiven) throw usage('-o - and --output-dir exclude each other');
  if (o.stdout && o.urls.filter((u) => fileOf(u) !== '').length !== 1) throw usage('-o - takes exactly one file');
  checkTrust(o, usage);
  return o;
}

/** The first path component: the WebTransport endpoint. */
function endpointOf(u: URL): string {
  return decodeURIComponent(u.pathname.split('/')[1] ?? '');
}

/** The rest of the path: the file asked for ('' for none). */
function fileOf(u: URL): string {
  return decodeURIComponent(u.pathname.split('/').slice(2).join('/'));
}

export async function run(args: string[]): Promise<number> {
  const o = parse(args);
  if (o === null) {
    console.log(HELP);
    return 0;
  }
  if (o.www !== undefined && !fs.statSync(o.www, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--www ${o.www}: no such directory`);
  const { WebTransport } = await import('../webtransport/webtransport.js');
  const { InteropPeer, resolveBelow } = await import('../webtransport/interop.js');
  const ca = o.cacert !== undefined ? fs.readFileSync(o.cacert, 'utf8') : undefined;
  const log = (s: string) => { if (o.verbose) process.stderr.write(`* ${s}\n`); };

  // endpoint -> files, in the order given (a file named twice is asked for once)
  const sessions = new Map<string, Set<string>>();
  for (const u of o.urls) {
    const ep = endpointOf(u);
    if (!sessions.has(ep)) sessions.set(ep, new Set());
    const f = fileOf(u);
    if (f !== '') sessions.get(ep)!.add(f);
  }
  const origin = o.urls[0].origin;
  let failed = false;
  /** Once timed out, the sessions closed for it fail too: the timeout's line is the only one. */
  let over = false;
  const fail = (line: string) => { failed = true; if (!over) process.stderr.write(`h3-wasi wt-get: ${line}\n`); };

  const open: { close(i: { closeCode: number; reason: string }): void }[] = [];
  const one = async (ep: string, files: string[]): Promise<void> => {
    const url = `${origin}/${encodeURIComponent(ep)}`;
    const wt = new WebTransport(url, {
      allowPooling: true,
      ...(o.insecure ? { insecure: true } : {}),
      ...(ca !== undefined ? { ca } : {}),
      ...(o.pins.length ? { serverCertificateHashes: o.pins.map((p) => ({ algorithm: 'sha-256', value: Buffer.from(p, 'hex') })) } : {}),
    });
    open.push(wt);
    try {
      await wt.ready;
    } catch (e) {
      fail(`${url}: ${(e as Error).message}`);
      return;
    }
    log(`${url}: session established`);
    const dir = path.join(o.outputDir, ep);
    const output = o.stdout
      ? (name: string): Writable => { if (name !== files[0]) throw new Error(`${name}: not asked for`); return process.stdout; }
      : dir;
    const www = o.www !== undefined ? resolveBelow(o.www, ep) ?? undefined : undefined;
    const peer = new InteropPeer(wt, { output, ...(www !== undefined ? { www } : {}), log: (l) => log(`${ep}: ${l}`) });
    peer.start();
    const results = await peer.request(files, o.stream);
    for (const r of results) {
      if (r.error) fail(`${url}/${r.name}: ${r.error.message}`);
      else log(`${url}/${r.name}: ${r.bytes} bytes${o.stdout ? '' : ` -> ${path.join(dir, r.name)}`}`);
    }
    if (o.www !== undefined && files.length === 0) {
      // the server-requests role: the server closes the session once it has what it asked for
      const info = await wt.closed.catch((e: Error) => { fail(`${url}: ${e.message}`); return null; });
      if (info) log(`${url}: closed by the server (code ${info.closeCode}${info.reason ? `: ${info.reason}` : ''})`);
    } else {
      wt.close({ closeCode: 0, reason: '' });
      await wt.closed.catch(() => {});
    }
  };

  const all = Promise.all([...sessions].map(([ep, files]) => one(ep, [...files])));
  if (o.maxTime === undefined) {
    await all;
  } else {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(true), o.maxTime! * 1000); })]);
    clearTimeout(timer);
    if (timedOut) {
      over = true;
      process.stderr.write(`h3-wasi wt-get: timed out after ${o.maxTime} s\n`);
      for (const wt of open) wt.close({ closeCode: 0, reason: 'timed out' });
      return 28;
    }
  }
  return failed ? 1 : 0;
}
