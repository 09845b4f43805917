// The WebTransport interop protocol (the QUIC interop runner's WebTransport
// test cases, ../shared/specs/interop-runner-webtransport-testcases.md): an
// HTTP/0.9-like `GET <filename>` with a `PUSH <filename>\n` reply, over
// unidirectional streams, bidirectional streams and datagrams. Both roles
// run on one W3C `WebTransport` session, a client's or a server's accepted
// one (the same shape), so `h3-wasi serve` and `h3-wasi wt-get` share them:
//   responder: answers the peer's GETs from a directory (`www`);
//   requester: `request(files, kind)` sends GETs, all in parallel, and saves
//     the replies; what the peer PUSHes unasked is saved too (`output`).
// Incoming unidirectional streams and datagrams carry both GETs and PUSHes,
// so one reader per session tells them apart by their first word.
//
// Errors are our own (the protocol defines none), sent as WebTransport
// stream error codes (draft-ietf-webtrans-http3 §4.4 maps them into the
// HTTP/3 space) named after the HTTP statuses they mean: INTEROP_CODES.

import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { WebTransportError } from '../errors.js';
import type { WebTransport } from './webtransport.js';

export type InteropStreamKind = 'uni' | 'bidi' | 'datagram';

/** The stream error codes a responder resets a reply with. */
export const INTEROP_CODES = {
  /** Not `GET <filename>`, or a request longer than MAX_REQUEST. */
  badRequest: 400,
  /** The name escapes the served directory (`..`, an absolute path, a symlink out of it). */
  forbidden: 403,
  /** No regular file by that name (or no directory is served). */
  notFound: 404,
} as const;

/** Longest request (`GET ` and a name) or PUSH header we read; longer ones are refused (bounded memory). */
const MAX_REQUEST = 4096;
const GET = 'GET ';
const PUSH = 'PUSH ';

export interface InteropOptions {
  /** Answer the peer's GETs with files from this directory; without it every GET is refused (404). */
  www?: string;
  /**
   * Where replies and unasked PUSHes go: a directory (the file name below it,
   * never outside) or a function giving the sink for a name. Without it,
   * unasked PUSHes are refused and `request()` cannot save.
   */
  output?: string | ((name: string) => Writable);
  /** One line per request answered or refused (e.g. to stderr). */
  log?: (line: string) => void;
  /** Datagram requests: wait this long for the PUSH before sending the GET again (default 1000 ms). */
  datagramTimeoutMs?: number;
  /** Datagram requests: GETs sent before giving up (default 5). */
  datagramTries?: number;
}

/** One requested file: its size once saved, or why it failed. */
export type InteropResult = { name: string; bytes: number; error?: undefined } | { name: string; bytes?: undefined; error: Error };

/** The failure of one interop request (the peer's reset code in `code`, when that is what happened). */
export class InteropError extends Error {
  constructor(message: string, readonly code: number | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InteropError';
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** `name` below `dir`, or null when it would leave it (absolute, `..`, NUL, empty). */
export function resolveBelow(dir: string, name: string): string | null {
  if (name === '' || name.includes('\0') || path.isAbsolute(name) || name.startsWith('\\')) return null;
  const parts = name.split(/[/\\]/);
  if (parts.some((p) => p === '..')) return null;
  const rest = parts.filter((p) => p !== '' && p !== '.');
  if (rest.length === 0) return null;
  return path.join(dir, ...rest);
}

interface Waiter { resolve: (bytes: number) => void; reject: (e: Error) => void }

/** The interop protocol's two roles on one session. */
export class InteropPeer {
  readonly #wt: WebTransport;
  readonly #o: InteropOptions;
  /** Requests waiting for their PUSH (uni and datagram replies), by name. */
  readonly #waiting = new Map<string, Waiter>();
  #started = false;
  #dgramWriter: WritableStreamDefaultWriter<Uint8Array> | null = null;

  constructor(session: WebTransport, options: InteropOptions = {}) {
    this.#wt = session;
    this.#o = options;
  }

  /** Starts reading the session's incoming streams and datagrams (once); they end with the session. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const quiet = () => {};
    void this.#each(this.#wt.incomingUnidirectionalStreams, (s) => this.#onUni(s)).catch(quiet);
    void this.#each(this.#wt.incomingBidirectionalStreams, (s) => this.#onBidi(s)).catch(quiet);
    void this.#each(this.#wt.datagrams.readable, (d) => this.#onDatagram(d)).catch(quiet);
    // a request still waiting for its PUSH when the session ends fails, rather than waiting forever
    const ended = (why: string) => { for (const w of [...this.#waiting.values()]) w.reject(new InteropError(`the session ended before the reply (${why})`)); };
    this.#wt.closed.then((i) => ended(`closed with code ${i.closeCode}`), (e: Error) => ended(e.message));
  }

  /** Requests every file over `kind`, all at once; resolves when each is saved or failed. */
  async request(names: string[], kind: InteropStreamKind): Promise<InteropResult[]> {
    this.start();
    await this.#wt.ready;
    const one = (name: string): Promise<number> => {
      if (kind === 'bidi') return this.#requestBidi(name);
      if (this.#waiting.has(name)) return Promise.reject(new InteropError('already requested'));
      return kind === 'uni' ? this.#requestUni(name) : this.#requestDatagram(name);
    };
    const settled = await Promise.allSettled(names.map(one));
    return settled.map((r, i) => (r.status === 'fulfilled' ? { name: names[i], bytes: r.value } : { name: names[i], error: r.reason instanceof Error ? r.reason : new Error(String(r.reason)) }));
  }

  // ---- requester -------------------------------------------------------------------------------

  async #requestBidi(name: string): Promise<number> {
    const sink = this.#sink(name);
    const { readable, writable } = await this.#wt.createBidirectionalStream();
    const w = writable.getWriter();
    await w.write(enc.encode(GET + name));
    await w.close();
    // the reply is the contents on the same stream (or a reset with INTEROP_CODES)
    return save(readable.getReader(), null, sink, name);
  }

  async #requestUni(name: string): Promise<number> {
    const reply = this.#wait(name);
    const w = (await this.#wt.createUnidirectionalStream()).getWriter();
    await w.write(enc.encode(GET + name));
    await w.close();
    return reply;
  }

  async #requestDatagram(name: string): Promise<number> {
    const reply = this.#wait(name);
    const tries = this.#o.datagramTries ?? 5;
    const timeout = this.#o.datagramTimeoutMs ?? 1000;
    for (let i = 0; i < tries; i++) {
      await this.#sendDatagram(enc.encode(GET + name));
      let timer: NodeJS.Timeout | undefined;
      const got = await Promise.race([reply, new Promise<null>((r) => { timer = setTimeout(() => r(null), timeout); })]).finally(() => clearTimeout(timer));
      if (got !== null) return got;
    }
    // datagrams are unreliable: a lost GET or PUSH was retried; this many losses (or a refused name) is a failure
    const e = new InteropError(`no datagram reply after ${tries} requests ${timeout} ms apart`);
    this.#waiting.get(name)?.reject(e);
    throw e;
  }

  /** Registers a request waiting for its PUSH. */
  #wait(name: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#waiting.set(name, {
        resolve: (n) => { this.#waiting.delete(name); resolve(n); },
        reject: (e) => { this.#waiting.delete(name); reject(e); },
      });
    });
  }

  /** The sink for a file the peer sends us; throws InteropError when there is none for that name. */
  #sink(name: string): Writable {
    const out = this.#o.output;
    if (typeof out === 'function') return out(name);
    if (out === undefined) throw new InteropError('nowhere to save it (no output)');
    const file = resolveBelow(out, name);
    if (file === null) throw new InteropError(`would be saved outside ${out}`, INTEROP_CODES.forbidden);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return fs.createWriteStream(file);
  }

  // ---- incoming --------------------------------------------------------------------------------

  async #each<T>(r: ReadableStream<T>, f: (x: T) => Promise<void> | void): Promise<void> {
    const reader = r.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      void Promise.resolve().then(() => f(value)).catch((e) => this.#log(`error: ${(e as Error)?.message ?? e}`));
    }
  }

  async #onUni(readable: ReadableStream<Uint8Array>): Promise<void> {
    const reader = readable.getReader();
    const head = await readHead(reader);
    if (head.kind === 'push') {
      // a reply to our request, or a PUSH the peer sends unasked
      const waiter = this.#waiting.get(head.name);
      try {
        const n = await save(reader, head.rest, this.#sink(head.name), head.name);
        this.#log(`PUSH ${head.name}: ${n} bytes saved`);
        waiter?.resolve(n);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        waiter?.reject(err);
        this.#log(`PUSH ${head.name}: ${err.message}`);
        await reader.cancel(INTEROP_CODES.forbidden).catch(() => {});
      }
      return;
    }
    if (head.kind !== 'get') {
      this.#log(`a unidirectional stream that is neither GET nor PUSH: ${head.why}`);
      await reader.cancel(INTEROP_CODES.badRequest).catch(() => {});
      return;
    }
    // the reply: a new unidirectional stream, `PUSH <filename>\n` and the contents
    const w = (await this.#wt.createUnidirectionalStream()).getWriter();
    await w.write(enc.encode(`${PUSH}${head.name}\n`));
    await this.#answer(head.name, w, 'uni');
  }

  async #onBidi(s: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }): Promise<void> {
    const reader = s.readable.getReader();
    const w = s.writable.getWriter();
    const head = await readHead(reader);
    if (head.kind !== 'get') {
      this.#log(`a bidirectional stream that is not a GET: ${head.kind === 'bad' ? head.why : 'PUSH'}`);
      await reader.cancel(INTEROP_CODES.badRequest).catch(() => {});
      await w.abort(INTEROP_CODES.badRequest).catch(() => {});
      return;
    }
    // the reply: the contents on the same stream
    await this.#answer(head.name, w, 'bidi');
  }

  async #onDatagram(d: Uint8Array): Promise<void> {
    const text = latin1(d.subarray(0, PUSH.length));
    if (text.startsWith(PUSH)) {
      const nl = d.indexOf(0x0a);
      const name = nl > 0 ? utf8(d.subarray(PUSH.length, nl)) : null;
      if (name === null) { this.#log('a datagram PUSH without a name line'); return; }
      const waiter = this.#waiting.get(name);
      // retries can bring the same file twice: the first one counts
      if (!waiter && typeof this.#o.output !== 'string') return;
      try {
        const n = await save(null, d.subarray(nl + 1), this.#sink(name), name);
        waiter?.resolve(n);
      } catch (e) {
        waiter?.reject(e as Error);
      }
      return;
    }
    const name = text.startsWith(GET) ? utf8(d.subarray(GET.length))?.replace(/\r?\n$/, '') ?? null : null;
    if (name === null || name === '' || d.length > MAX_REQUEST) { this.#log('a datagram that is neither GET nor PUSH'); return; }
    const r = this.#open(name);
    if (typeof r === 'number') { this.#log(`GET ${name} (datagram): refused ${r}`); return; } // a datagram cannot be reset: no reply
    const head = enc.encode(`${PUSH}${name}\n`);
    const max = this.#wt.datagrams.maxDatagramSize;
    // the file must fit one datagram: its size is checked before it is read (bounded memory)
    const size = (await fs.promises.stat(r.file).catch(() => null))?.size ?? -1;
    if (size >= 0 && head.length + size > max) { this.#log(`GET ${name} (datagram): ${head.length + size} bytes do not fit a datagram (${max}): not answered`); return; }
    const body = size < 0 ? null : await fs.promises.readFile(r.file).catch(() => null);
    if (body === null || head.length + body.length > max) { this.#log(`GET ${name} (datagram): refused ${INTEROP_CODES.notFound}`); return; }
    const reply = Buffer.concat([head, body]);
    await this.#sendDatagram(new Uint8Array(reply));
    this.#log(`GET ${name} (datagram): ${body.length} bytes`);
  }

  // ---- responder -------------------------------------------------------------------------------

  /** The file for a GET, or the code it is refused with. */
  #open(name: string): { file: string } | number {
    const www = this.#o.www;
    if (www === undefined) return INTEROP_CODES.notFound;
    const file = resolveBelow(www, name);
    if (file === null) return INTEROP_CODES.forbidden;
    let real: string;
    try {
      real = fs.realpathSync(file);
      if (!fs.statSync(real).isFile()) return INTEROP_CODES.notFound;
    } catch {
      return INTEROP_CODES.notFound;
    }
    // a symlink inside www that points out of it is an escape too
    const root = fs.realpathSync(www);
    if (real !== root && !real.startsWith(root + path.sep)) return INTEROP_CODES.forbidden;
    return { file: real };
  }

  /** Writes the file for `name` to `w` and closes it, or resets it with the refusal's code. */
  async #answer(name: string, w: WritableStreamDefaultWriter<Uint8Array>, how: string): Promise<void> {
    const r = this.#open(name);
    if (typeof r === 'number') {
      this.#log(`GET ${name} (${how}): refused ${r}`);
      if (how === 'uni') {
        // RESET_STREAM drops what was not sent yet (RFC 9000 §3.1; RESET_STREAM_AT is not spoken): let the
        // driver send the stream's header and `PUSH` line first, so the requester learns which file failed
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
      }
      // RESET_STREAM with the code, a WebTransport stream error code (draft §4.4)
      await w.abort(r).catch(() => {});
      return;
    }
    let n = 0;
    try {
      for await (const chunk of fs.createReadStream(r.file, { highWaterMark: 64 << 10 })) {
        await w.write(new Uint8Array(chunk as Buffer));
        n += (chunk as Buffer).length;
      }
      await w.close();
      this.#log(`GET ${name} (${how}): ${n} bytes`);
    } catch (e) {
      this.#log(`GET ${name} (${how}): failed after ${n} bytes: ${(e as Error)?.message ?? e}`);
      await w.abort(0).catch(() => {});
    }
  }

  /** One writer for every datagram of the session (a stream has one writer at a time). */
  #sendDatagram(d: Uint8Array): Promise<void> {
    this.#dgramWriter ??= this.#wt.datagrams.writable.getWriter();
    return this.#dgramWriter.write(d);
  }

  #log(line: string): void { this.#o.log?.(line); }
}

type Head = { kind: 'get'; name: string } | { kind: 'push'; name: string; rest: Uint8Array } | { kind: 'bad'; why: string };

/**
 * The start of an incoming stream: a whole `GET <filename>` request (to its
 * FIN), or a `PUSH <filename>\n` line and the bytes read past it. At most
 * MAX_REQUEST bytes are held.
 */
async function readHead(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Head> {
  let buf: Uint8Array = new Uint8Array(0);
  for (;;) {
    let r: ReadableStreamReadResult<Uint8Array>;
    try { r = await reader.read(); } catch (e) { return { kind: 'bad', why: (e as Error)?.message ?? String(e) }; }
    if (!r.done) buf = concat(buf, r.value);
    const lead = latin1(buf.subarray(0, PUSH.length));
    if (lead.length >= PUSH.length && lead === PUSH) {
      const nl = buf.indexOf(0x0a);
      if (nl >= 0) {
        const name = utf8(buf.subarray(PUSH.length, nl));
        return name === null || name === '' ? { kind: 'bad', why: 'a PUSH line that is not a UTF-8 name' } : { kind: 'push', name, rest: buf.subarray(nl + 1) };
      }
      if (r.done) return { kind: 'bad', why: 'a PUSH without its line end' };
    } else if (r.done) {
      if (latin1(buf.subarray(0, GET.length)) !== GET) return { kind: 'bad', why: `'${latin1(buf.subarray(0, 16))}'` };
      // "GET <filename>", then the stream ends; a line end after the name is tolerated
      const name = utf8(buf.subarray(GET.length))?.replace(/\r?\n$/, '') ?? null;
      return name === null || name === '' ? { kind: 'bad', why: 'a GET without a UTF-8 name' } : { kind: 'get', name };
    } else if (lead.length >= GET.length && !PUSH.startsWith(lead) && !lead.startsWith(GET)) {
      return { kind: 'bad', why: `'${lead}'` };
    }
    if (buf.length > MAX_REQUEST + PUSH.length) return { kind: 'bad', why: `more than ${MAX_REQUEST} bytes without an end` };
  }
}

/** Copies `first` and then what `reader` gives to `sink`; the byte count. A reset becomes InteropError with the peer's code. */
async function save(reader: ReadableStreamDefaultReader<Uint8Array> | null, first: Uint8Array | null, sink: Writable, name: string): Promise<number> {
  let n = 0;
  const write = (b: Uint8Array) => new Promise<void>((resolve, reject) => {
    n += b.length;
    sink.write(b, (e) => (e ? reject(e) : resolve()));
  });
  try {
    if (first && first.length) await write(first);
    if (reader) {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        await write(value);
      }
    }
  } catch (e) {
    // a file that did not arrive whole is not left behind
    if (sink instanceof fs.WriteStream) {
      // after its close: a file still being opened would otherwise appear after the removal
      if (!sink.closed) await new Promise<void>((resolve) => { sink.once('close', () => resolve()); sink.destroy(); });
      await fs.promises.rm(String(sink.path), { force: true });
    } else if (sink !== process.stdout) {
      sink.destroy();
    }
    if (e instanceof WebTransportError && e.source === 'stream') {
      const code = e.streamErrorCode;
      throw new InteropError(`the peer reset the reply (code ${code ?? 'outside the WebTransport range'}${code === INTEROP_CODES.notFound ? ': not found' : code === INTEROP_CODES.forbidden ? ': forbidden' : code === INTEROP_CODES.badRequest ? ': bad request' : ''})`, code, { cause: e });
    }
    throw e;
  }
  if (sink === process.stdout) return n;
  await new Promise<void>((resolve, reject) => sink.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return n;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
function utf8(b: Uint8Array): string | null {
  try { return dec.decode(b); } catch { return null; }
}
