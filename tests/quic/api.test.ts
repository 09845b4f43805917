// h3-wasi/quic end to end on loopback: the shipped component behind the
// Node driver (host/quic/), a server endpoint and client connections over
// real UDP sockets. What the W3C-shaped API promises — ready/closed, streams
// both ways with back-pressure, datagrams, close codes, stats, migration,
// resumption material, qlog and key log files — and that bad options throw
// InvalidArgumentError before anything is bound.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QuicEndpoint, QuicError, QuicStreamError, type QuicConnection, type QuicConnectOptions, type QuicListenOptions,
} from '../../host/quic/index.js';
import { InvalidArgumentError } from '../../host/errors.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';

const hasOpenssl = requireOpenssl('QUIC API tests (certificates are made with openssl)');
let pki: Pki;
let tmp = '';
const endpoints: QuicEndpoint[] = [];

beforeAll(() => {
  if (!hasOpenssl) return;
  pki = makePki();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-quic-api-'));
});

afterAll(async () => {
  await Promise.all(endpoints.map((e) => e.close()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const enc = new TextEncoder();
const dec = new TextDecoder();

async function readAll(r: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = r.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/** A payload whose bytes depend on the position (a reordering or a gap shows). */
function pattern(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
}

/** What the echo server does with a connection: bidi streams echoed, uni streams answered on a new uni stream, datagrams echoed. */
function echo(c: QuicConnection): void {
  void (async () => {
    const r = c.incomingBidirectionalStreams.getReader();
    for (;;) {
      const { value, done } = await r.read().catch(() => ({ value: undefined, done: true as const }));
      if (done || !value) return;
      value.readable.pipeTo(value.writable).catch(() => {});
    }
  })();
  void (async () => {
    const r = c.incomingUnidirectionalStreams.getReader();
    for (;;) {
      const { value, done } = await r.read().catch(() => ({ value: undefined, done: true as const }));
      if (done || !value) return;
      void (async () => {
        const data = await readAll(value);
        const out = await c.createUnidirectionalStream();
        const w = out.getWriter();
        await w.write(data);
        await w.close();
      })().catch(() => {});
    }
  })();
  void (async () => {
    const r = c.datagrams.readable.getReader();
    const w = c.datagrams.writable.getWriter();
    for (;;) {
      const { value, done } = await r.read().catch(() => ({ value: undefined, done: true as const }));
      if (done || !value) return;
      await w.write(value).catch(() => {});
    }
  })();
}

interface Server {
  endpoint: QuicEndpoint;
  port: number;
  /** The next connection the server accepts. */
  next(): Promise<QuicConnection>;
}

async function server(opts: Partial<QuicListenOptions> = {}, handle: (c: QuicConnection) => void = echo): Promise<Server> {
  const endpoint = await QuicEndpoint.listen({
    host: '127.0.0.1', alpn: ['echo'], tls: { certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem }, ...opts,
  });
  endpoints.push(endpoint);
  const waiting: ((c: QuicConnection) => void)[] = [];
  const queued: QuicConnection[] = [];
  void (async () => {
    for await (const c of endpoint) {
      handle(c);
      const w = waiting.shift();
      if (w) w(c); else queued.push(c);
    }
  })();
  return {
    endpoint,
    port: endpoint.address.port,
    next: () => (queued.length ? Promise.resolve(queued.shift()!) : new Promise((res) => waiting.push(res))),
  };
}

function client(port: number, opts: Partial<QuicConnectOptions> = {}): QuicConnection {
  return QuicEndpoint.connect({
    host: '127.0.0.1', port, servername: 'localhost', alpn: 'echo', tls: { trustAnchorsPem: pki.ecCa.certPem }, ...opts,
  });
}

async function echoOnce(c: QuicConnection, data: Uint8Array): Promise<Uint8Array> {
  const s = await c.createBidirectionalStream();
  const w = s.writable.getWriter();
  const [back] = await Promise.all([readAll(s.readable), (async () => { await w.write(data); await w.close(); })()]);
  return back;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try { await p; } catch (e) { return e; }
  throw new Error('expected a rejection');
}

describe.runIf(hasOpenssl)('h3-wasi/quic on loopback', () => {
  it('connects, negotiates ALPN and echoes a bidirectional stream', async () => {
    const s = await server();
    const c = client(s.port);
    await c.ready;
    const sc = await s.next();
    expect(c.alpn).toBe('echo');
    expect(sc.alpn).toBe('echo');
    expect(c.isServer).toBe(false);
    expect(sc.isServer).toBe(true);
    expect(c.remoteAddress).toEqual({ address: '127.0.0.1', family: 4, port: s.port });
    // the server's side knows where the client is (the core's path address)
    expect(sc.remoteAddress).toEqual({ address: '127.0.0.1', family: 4, port: c.localAddress!.port });
    expect(dec.decode(await echoOnce(c, enc.encode('hello, quic')))).toBe('hello, quic');
    const empty = await echoOnce(c, new Uint8Array(0));
    expect(empty.length).toBe(0);
    c.close();
    await c.closed;
  });

  it('opens more streams than the peer allows at once: the extra ones wait for MAX_STREAMS (streams-available)', async () => {
    const s = await server({ quic: { maxStreamsBidi: 2, maxStreamsUni: 1 } });
    const c = client(s.port);
    await c.ready;
    const payloads = Array.from({ length: 9 }, (_, i) => pattern(1000 + 977 * i, i + 1));
    const backs = await Promise.all(payloads.map((p) => echoOnce(c, p)));
    backs.forEach((b, i) => expect(Buffer.compare(b, payloads[i]), `stream ${i}`).toBe(0));
    c.close();
    await c.closed;
  });

  it('unidirectional streams both ways', async () => {
    const s = await server();
    const c = client(s.port);
    await c.ready;
    const incoming = c.incomingUnidirectionalStreams.getReader();
    for (const msg of ['first', 'second']) {
      const w = (await c.createUnidirectionalStream()).getWriter();
      await w.write(enc.encode(msg));
      await w.close();
      const { value } = await incoming.read();
      expect(dec.decode(await readAll(value!))).toBe(msg);
    }
    c.close();
    await c.closed;
  });

  it('datagrams both ways; a write before the handshake waits for it; maxDatagramSize', async () => {
    const s = await server();
    const c = client(s.port);
    const w = c.datagrams.writable.getWriter();
    const r = c.datagrams.readable.getReader();
    await w.write(enc.encode('early')); // queued until ready
    expect(c.alpn).toBe('echo');
    const got = new Set<string>();
    // datagrams may be lost even on loopback: resend until the echo comes back
    for (let i = 0; i < 50 && got.size === 0; i++) {
      await w.write(enc.encode(`ping ${i}`));
      const v = await Promise.race([r.read(), new Promise<null>((res) => setTimeout(() => res(null), 100))]);
      if (v && !v.done) got.add(dec.decode(v.value));
    }
    expect([...got].some((g) => g === 'early' || g.startsWith('ping'))).toBe(true);
    const max = c.datagrams.maxDatagramSize;
    // exact: one packet at the path MTU — short header (1 + the server's 8-byte CID + a 4-byte packet
    // number), DATAGRAM type and 2-byte Length, the 16-byte AEAD tag — at most (DPLPMTUD may have grown it since)
    expect(max).toBeGreaterThanOrEqual(1200 - 32);
    expect(max + 32).toBeLessThanOrEqual((await c.getStats()).pathMtu);
    // a datagram of exactly that size arrives whole (resent until the echo comes: datagrams may be lost)
    const big = new Uint8Array(max).fill(7);
    let echoed = 0;
    for (let i = 0; i < 20 && echoed !== max; i++) {
      await w.write(big);
      for (;;) {
        const v = await Promise.race([r.read(), new Promise<null>((res) => setTimeout(() => res(null), 100))]);
        if (!v || v.done) break;
        if (v.value.length === max) { echoed = max; break; }
      }
    }
    expect(echoed).toBe(max);
    expect((await c.getStats()).datagrams.droppedOutgoing).toBe(0);
    c.close();
    await c.closed;
  });

  it('a datagram larger than the peer accepts is dropped and counted, and the writable stays usable (wit: datagram-send 1)', async () => {
    const s = await server();
    const c = client(s.port);
    await c.ready;
    const w = c.datagrams.writable.getWriter();
    const before = (await c.getStats()).datagrams.droppedOutgoing;
    await w.write(new Uint8Array(70_000));
    expect((await c.getStats()).datagrams.droppedOutgoing).toBe(before + 1);
    await w.write(enc.encode('still open'));
    c.close();
    await c.closed;
  });

  it('close codes: an application close resolves closed on both sides with its code and reason', async () => {
    const s = await server();
    const c = client(s.port);
    await c.ready;
    const sc = await s.next();
    c.close({ closeCode: 4242, reason: 'done here' });
    c.close({ closeCode: 1 }); // a second close does nothing
    expect(await c.closed).toEqual({ closeCode: 4242, reason: 'done here', wireCode: 4242n, remote: false });
    expect(await sc.closed).toEqual({ closeCode: 4242, reason: 'done here', wireCode: 4242n, remote: true });
    // a closed connection refuses new streams with the close's error
    const e = await rejection(c.createBidirectionalStream());
    expect(e).toBeInstanceOf(QuicError);
    expect((e as QuicError).wireCode).toBe(4242n);
    // large codes survive exactly (varint range)
    const c2 = client(s.port);
    await c2.ready;
    const sc2 = await s.next();
    c2.close({ closeCode: (1n << 62n) - 1n });
    expect((await sc2.closed).wireCode).toBe((1n << 62n) - 1n);
  });

  it('a handshake that fails rejects ready and closed with QuicError (unknown CA: CRYPTO_ERROR with the TLS alert)', async () => {
    const s = await server();
    const c = client(s.port, { tls: { trustAnchorsPem: pki.rsaCa.certPem } });
    const e = await rejection(c.ready);
    expect(e).toBeInstanceOf(QuicError);
    const q = e as QuicError;
    expect(q.code).toBe('H3W_ERR_QUIC_CRYPTO_ERROR');
    expect(q.kind).toBe('local');
    expect(q.remote).toBe(false);
    expect(q.app).toBe(false);
    expect(q.wireCode >= 0x100n && q.wireCode <= 0x1ffn).toBe(true);
    expect(q.tlsAlert).toBe(Number(q.wireCode - 0x100n));
    expect(await rejection(c.closed)).toBe(e);
  });

  it('an ALPN the server does not offer: the server refuses (no_application_protocol), the client sees a remote close', async () => {
    const s = await server();
    const c = client(s.port, { alpn: ['nope'] });
    const q = (await rejection(c.ready)) as QuicError;
    expect(q).toBeInstanceOf(QuicError);
    expect(q.remote).toBe(true);
    expect(q.kind).toBe('remote');
    // RFC 9001 §8.1: no_application_protocol (120) as CRYPTO_ERROR 0x178
    expect(q.wireCode).toBe(0x178n);
  });

  it('the idle timeout rejects closed with kind idle', async () => {
    const s = await server({ quic: { maxIdleTimeout: 300 } });
    const c = client(s.port, { quic: { maxIdleTimeout: 300 } });
    await c.ready;
    const q = (await rejection(c.closed)) as QuicError;
    expect(q).toBeInstanceOf(QuicError);
    expect(q.kind).toBe('idle');
    expect(q.code).toBe('H3W_ERR_QUIC_IDLE_TIMEOUT');
    expect((await c.getStats()).state).toBe('closed');
  });

  it('getStats: counters grow with traffic, RTT is measured, state follows the connection', async () => {
    const s = await server();
    const c = client(s.port);
    await c.ready;
    const a = await c.getStats();
    expect(a.state).toBe('established');
    expect(a.version).toBe(1);
    expect(a.cipherSuite).toBe('TLS_CHACHA20_POLY1305_SHA256'); // our endpoints' first choice (docs/quic.md, Speed)
    await echoOnce(c, pattern(50_000));
    const b = await c.getStats();
    expect(b.packetsSent).toBeGreaterThan(a.packetsSent);
    expect(b.bytesSent).toBeGreaterThan(a.bytesSent + 50_000);
    expect(b.bytesReceived).toBeGreaterThan(a.bytesReceived + 50_000);
    expect(b.smoothedRtt).toBeGreaterThan(0);
    expect(b.minRtt).toBeGreaterThan(0);
    expect(b.minRtt).toBeLessThanOrEqual(b.smoothedRtt + b.rttVariation * 4);
    expect(b.congestionWindow).toBeGreaterThan(0);
    expect(b.pathMtu).toBeGreaterThanOrEqual(1200);
    c.close();
    await c.closed;
    expect(['closing', 'closed']).toContain((await c.getStats()).state);
  });

  it('back-pressure: a 5 MB write waits for the reader, then everything arrives intact', async () => {
    let arrived!: (v: { readable: ReadableStream<Uint8Array> }) => void;
    const serverStream = new Promise<{ readable: ReadableStream<Uint8Array> }>((r) => { arrived = r; });
    const srv = await server({}, (sc) => {
      void sc.incomingBidirectionalStreams.getReader().read().then(({ value }) => arrived(value!));
    });
    const c = client(srv.port);
    await c.ready;
    const s = await c.createBidirectionalStream();
    const w = s.writable.getWriter();
    const big = pattern(5 << 20, 7);
    let written = false;
    const write = w.write(big).then(() => { written = true; });
    const ss = await serverStream;
    // nobody reads on the server: flow control (256 KiB stream window) and the send buffer hold the rest back
    for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 30));
    expect(written).toBe(false);
    const cs = await c.getStats();
    expect(cs.bytesSent).toBeLessThan(2 << 20);
    const received = readAll(ss.readable);
    await write;
    await w.close();
    const got = await received;
    expect(got.length).toBe(big.length);
    expect(Buffer.compare(got, big)).toBe(0);
    c.close();
    await c.closed;
  });

  it('RESET_STREAM and STOP_SENDING reach the other side with their codes', async () => {
    let gotStream!: (v: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }) => void;
    const streamP = new Promise<{ readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }>((r) => { gotStream = r; });
    const s = await server({}, (sc) => {
      void sc.incomingBidirectionalStreams.getReader().read().then(({ value }) => gotStream(value!));
    });
    const c = client(s.port);
    await c.ready;
    const cs = await c.createBidirectionalStream();
    const cw = cs.writable.getWriter();
    await cw.write(enc.encode('x'));
    const ss = await streamP;
    const sr = ss.readable.getReader();
    expect(dec.decode((await sr.read()).value!)).toBe('x');
    // client aborts its sending side: the server's readable errors with the code
    await cw.abort(9n);
    const reset = await rejection(sr.read());
    expect(reset).toBeInstanceOf(QuicStreamError);
    expect((reset as QuicStreamError).code).toBe('H3W_ERR_QUIC_STREAM_RESET');
    expect((reset as QuicStreamError).wireCode).toBe(9n);
    expect((reset as QuicStreamError).streamId).toBe(cs.id);
    // client cancels its receiving side: the server's writes fail with STOP_SENDING's code
    await cs.readable.cancel(5);
    const sw = ss.writable.getWriter();
    let stop: unknown = null;
    for (let i = 0; i < 200 && stop === null; i++) {
      try { await sw.write(new Uint8Array(1000)); await new Promise((r) => setTimeout(r, 5)); } catch (e) { stop = e; }
    }
    expect(stop).toBeInstanceOf(QuicStreamError);
    expect((stop as QuicStreamError).code).toBe('H3W_ERR_QUIC_STOP_SENDING');
    expect((stop as QuicStreamError).wireCode).toBe(5n);
    c.close();
    await c.closed;
  });

  it('endpoint close: every connection is closed (code 0), incoming ends, the port is released', async () => {
    const s = await server();
    const c1 = client(s.port), c2 = client(s.port);
    await Promise.all([c1.ready, c2.ready]);
    await s.next(); await s.next();
    await s.endpoint.close();
    for (const c of [c1, c2]) {
      const info = await c.closed;
      expect(info).toMatchObject({ closeCode: 0, remote: true });
    }
    const r = s.endpoint.incoming.getReader();
    expect((await r.read()).done).toBe(true);
    // the port can be bound again
    const again = await QuicEndpoint.listen({ host: '127.0.0.1', port: s.port, alpn: 'echo', tls: { certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem } });
    expect(again.address.port).toBe(s.port);
    await again.close();
  });

  it('migrate: the client moves to a new local port (RFC 9000 §9.2) and the connection keeps working', async () => {
    const s = await server();
    const c = client(s.port);
    await c.ready;
    expect(dec.decode(await echoOnce(c, enc.encode('before')))).toBe('before');
    const oldPort = c.localAddress!.port;
    await c.migrate();
    expect(c.localAddress!.port).not.toBe(oldPort);
    expect(dec.decode(await echoOnce(c, enc.encode('after')))).toBe('after');
    const sc = await s.next();
    await expect(sc.migrate()).rejects.toMatchObject({ code: 'H3W_ERR_QUIC_MIGRATION_REFUSED' });
    c.close();
    await c.closed;
  });

  it('a session ticket and a NEW_TOKEN token arrive, and a later connection uses them', async () => {
    const s = await server();
    const c = client(s.port);
    await c.ready;
    await echoOnce(c, enc.encode('warm up'));
    for (let i = 0; i < 100 && (!c.session || !c.token); i++) await new Promise((r) => setTimeout(r, 10));
    expect(c.session).toBeInstanceOf(Uint8Array);
    expect(c.token).toBeInstanceOf(Uint8Array);
    c.close();
    await c.closed;
    const again = client(s.port, { session: c.session, token: c.token });
    await again.ready;
    expect(dec.decode(await echoOnce(again, enc.encode('resumed')))).toBe('resumed');
    again.close();
    await again.closed;
  });

  it('stream priority: an urgency-0 stream opened second is sent before an urgency-7 one (RFC 9218 §4); bad options reject', async () => {
    const s = await server({}, (c) => {
      // the server only reads, and notes when each stream ended
      void (async () => {
        const r = c.incomingUnidirectionalStreams.getReader();
        for (;;) {
          const { value, done } = await r.read();
          if (done) return;
          void readAll(value).then((b) => finished.push(b[0]));
        }
      })();
    });
    const finished: number[] = [];
    const c = client(s.port);
    await c.ready;
    await expect(c.createUnidirectionalStream({ urgency: 8 })).rejects.toMatchObject({ argument: 'urgency' });
    await expect(c.createUnidirectionalStream({ incremental: 'yes' } as never)).rejects.toMatchObject({ argument: 'incremental' });
    await expect(c.createUnidirectionalStream({ weight: 1 } as never)).rejects.toMatchObject({ argument: 'options' });
    const size = 2 << 20;
    const send = async (urgency: number, tag: number) => {
      const w = (await c.createUnidirectionalStream({ urgency })).getWriter();
      await w.write(new Uint8Array(size).fill(tag));
      await w.close();
    };
    // the background stream starts first and has a head start of its send buffer; the urgent one still ends first
    const background = send(7, 7);
    await new Promise((r) => setImmediate(r));
    await Promise.all([background, send(0, 0)]);
    for (let i = 0; i < 200 && finished.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(finished).toEqual([0, 7]);
    c.close();
    await c.closed;
  });

  for (const accept of [true, false]) {
    it(`0-RTT: a resuming client writes before ready; the server ${accept ? 'accepts' : 'rejects'} the early data and the echo arrives either way`, async () => {
      const ticketKey = new Uint8Array(16).fill(9);
      const tls = { certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, ticketKey };
      const s = await server({ tls: { ...tls, earlyData: true } });
      const c = client(s.port, { tls: { trustAnchorsPem: pki.ecCa.certPem, earlyData: true } });
      await c.ready;
      expect(c.earlyData).toBe('none');
      await echoOnce(c, enc.encode('warm up'));
      for (let i = 0; i < 100 && !c.session; i++) await new Promise((r) => setTimeout(r, 10));
      c.close();
      await c.closed;
      // the same ticket key either way; a server without earlyData refuses 0-RTT (RFC 9001 §4.6.2)
      const s2 = accept ? s : await server({ tls });
      const again = client(s2.port, { session: c.session, tls: { trustAnchorsPem: pki.ecCa.certPem, earlyData: true } });
      let readyFirst = false;
      void again.ready.then(() => { readyFirst = true; });
      const st = await again.createBidirectionalStream();
      expect(readyFirst, 'the stream opened before the handshake completed').toBe(false);
      const w = st.writable.getWriter();
      const [back] = await Promise.all([readAll(st.readable), (async () => { await w.write(enc.encode('early bytes')); await w.close(); })()]);
      expect(dec.decode(back)).toBe('early bytes');
      await again.ready;
      expect(again.earlyData).toBe(accept ? 'accepted' : 'rejected');
      again.close();
      await again.closed;
    });
  }

  it('qlog (0.3 JSON-SEQ as qvis reads it, one trace per connection, packets from the core) and SSLKEYLOGFILE lines', async () => {
    const qlogDir = path.join(tmp, 'qlog');
    const keylog = path.join(tmp, 'keys.log');
    const s = await server({ qlogDir, keylog });
    const c = client(s.port, { qlogDir, keylog });
    await c.ready;
    await echoOnce(c, enc.encode('logged'));
    const sc = await s.next();
    c.close({ closeCode: 3, reason: 'bye' });
    await c.closed;
    await sc.closed;
    // the traces are complete once the connections are freed (after their closing periods)
    const files = async () => {
      for (let i = 0; i < 100; i++) {
        const f = fs.existsSync(qlogDir) ? fs.readdirSync(qlogDir) : [];
        const text = f.map((x) => fs.readFileSync(path.join(qlogDir, x), 'utf8'));
        if (f.length === 2 && text.every((t) => t.includes('"new":"closed"'))) return f;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('qlog traces not complete');
    };
    const names = await files();
    expect(names.map((n) => n.replace(/^[0-9a-f]{16}_/, '')).sort()).toEqual(['client.sqlog', 'server.sqlog']);
    const traces: Record<string, { name: string; time: number; data: any }[]> = {};
    for (const name of names) {
      const role = name.endsWith('client.sqlog') ? 'client' : 'server';
      const text = fs.readFileSync(path.join(qlogDir, name), 'utf8');
      expect(text[0]).toBe('\x1e');
      const records = text.split('\x1e').slice(1).map((r) => { expect(r.endsWith('\n')).toBe(true); return JSON.parse(r); });
      const [header, ...events] = records;
      // what qvis needs to load a JSON-SEQ trace (QlogLoaderV2: a version alias, the format, relative times with a reference)
      expect(header).toMatchObject({
        qlog_version: '0.3', qlog_format: 'JSON-SEQ',
        trace: { vantage_point: { type: role }, common_fields: { time_format: 'relative', reference_time: expect.any(Number) } },
      });
      let t = -1;
      for (const e of events) {
        // qvis files events by the category before ':' and rejects draft-01 shapes (header.packet_size, data.packet_type)
        expect(e.name).toMatch(/^(connectivity|transport|recovery|security|generic):[a-z_]+$/);
        expect(typeof e.time).toBe('number');
        expect(e.time).toBeGreaterThanOrEqual(t); // qvis needs them ordered
        t = e.time;
        expect(typeof e.data).toBe('object');
        expect(e.data.packet_type).toBeUndefined();
        expect(e.data.header?.packet_size).toBeUndefined();
      }
      traces[role] = events;
      const names2 = new Set(events.map((e) => e.name));
      for (const n of ['connectivity:connection_started', 'transport:parameters_set', 'transport:alpn_information', 'connectivity:connection_closed',
        'transport:packet_sent', 'transport:packet_received', 'recovery:metrics_updated', 'recovery:congestion_state_updated',
        'security:key_updated', 'security:key_discarded']) expect(names2, `${role} trace has ${n}`).toContain(n);
      const closed = events.find((e) => e.name === 'connectivity:connection_closed')!;
      expect(closed.data).toMatchObject({ application_code: 3, reason: 'bye', trigger: 'application' });
      for (const e of events.filter((x) => x.name === 'transport:packet_sent' || x.name === 'transport:packet_received')) {
        expect(['initial', 'handshake', '0RTT', '1RTT']).toContain(e.data.header.packet_type);
        expect(Number.isInteger(e.data.header.packet_number)).toBe(true);
        expect(e.data.raw.length).toBeGreaterThan(20);
        expect(Array.isArray(e.data.frames)).toBe(true);
        for (const f of e.data.frames) expect(typeof f.frame_type).toBe('string');
      }
      const metrics = events.filter((e) => e.name === 'recovery:metrics_updated');
      expect(metrics[0].data).toMatchObject({ congestion_window: expect.any(Number), bytes_in_flight: expect.any(Number), smoothed_rtt: expect.any(Number) });
      expect(metrics.some((m) => typeof m.data.latest_rtt === 'number' && m.data.latest_rtt > 0)).toBe(true);
    }
    const sent = (role: string, type: string) => traces[role].filter((e) => e.name === 'transport:packet_sent' && e.data.header.packet_type === type);
    const received = (role: string, type: string) => traces[role].filter((e) => e.name === 'transport:packet_received' && e.data.header.packet_type === type);
    // the client's first datagram: Initial 0 with the ClientHello in CRYPTO, padded to 1200 (RFC 9000 §14.1)
    const first = sent('client', 'initial')[0];
    expect(first.data.header.packet_number).toBe(0);
    expect(first.data.raw.length).toBeGreaterThanOrEqual(1200);
    expect(first.data.frames.map((f: any) => f.frame_type)).toEqual(expect.arrayContaining(['crypto', 'padding']));
    // the echo: a 6-byte STREAM frame each way, and the peer logged the packet that carried it under the same number
    for (const [from, to] of [['client', 'server'], ['server', 'client']]) {
      const carrier = sent(from, '1RTT').find((e) => e.data.frames.some((f: any) => f.frame_type === 'stream' && f.length === 6));
      expect(carrier, `${from} sent the echo`).toBeDefined();
      const pns = new Set(received(to, '1RTT').map((e) => e.data.header.packet_number));
      expect(pns.has(carrier!.data.header.packet_number)).toBe(true);
    }
    // the server's HANDSHAKE_DONE (RFC 9001 §4.1.2), and the client's ACK ranges name packets the server sent
    expect(sent('server', '1RTT').some((e) => e.data.frames.some((f: any) => f.frame_type === 'handshake_done'))).toBe(true);
    const serverPns = new Set(traces.server.filter((e) => e.name === 'transport:packet_sent' && e.data.header.packet_type === '1RTT').map((e) => e.data.header.packet_number));
    const acks = sent('client', '1RTT').flatMap((e) => e.data.frames.filter((f: any) => f.frame_type === 'ack'));
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) for (const [lo, hi] of a.acked_ranges) for (let pn = lo; pn <= hi; pn++) expect(serverPns.has(pn)).toBe(true);
    const lines = fs.readFileSync(keylog, 'utf8').trim().split('\n');
    const labels = new Set(lines.map((l) => l.split(' ')[0]));
    for (const l of ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']) expect(labels).toContain(l);
    for (const l of lines) expect(l).toMatch(/^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$/);
  });

  it('bad options throw InvalidArgumentError naming the option, before anything is bound', async () => {
    const base = { host: '127.0.0.1', port: 4433, alpn: 'echo', tls: { trustAnchorsPem: pki.ecCa.certPem }, servername: 'localhost' };
    const bad: [Record<string, unknown>, string][] = [
      [{ quic: { maxAckDelay: 0 } }, 'quic.maxAckDelay'],
      [{ quic: { congestionControl: 'bbr' } }, 'quic.congestionControl'],
      [{ quic: { retry: true } }, 'quic.retry'],
      [{ quic: { idle: 5 } }, 'quic'],
      [{ port: 0 }, 'port'],
      [{ port: 70000 }, 'port'],
      [{ host: '' }, 'host'],
      [{ alpn: [] }, 'alpn'],
      [{ alpn: [''] }, 'alpn[0]'],
      [{ tls: { alpn: ['h3'] } }, 'tls.alpn'],
      [{ tls: { transportParams: new Uint8Array(1) } }, 'tls.transportParams'],
      [{ session: 'abc' }, 'session'],
      [{ hots: 'x' }, 'options'],
    ];
    for (const [o, arg] of bad) {
      let err: unknown;
      try { QuicEndpoint.connect({ ...base, ...o } as QuicConnectOptions); } catch (e) { err = e; }
      expect(err, arg).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).argument, JSON.stringify(o)).toBe(arg);
    }
    const listen = { alpn: 'echo', tls: { certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem } };
    await expect(QuicEndpoint.listen({ ...listen, quic: { connectionIdLength: 0 } })).rejects.toMatchObject({ argument: 'quic.connectionIdLength' });
    await expect(QuicEndpoint.listen({ ...listen, port: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(QuicEndpoint.listen({ ...listen, quic: { maxStreamWindow: 10, streamWindow: 20 } })).rejects.toMatchObject({ argument: 'quic.maxStreamWindow' });
    const s = await server();
    const c = client(s.port);
    expect(() => c.close({ closeCode: -1 })).toThrow(InvalidArgumentError);
    expect(() => c.close({ closeCode: 1n << 62n })).toThrow(InvalidArgumentError);
    expect(() => c.close({ reason: 5 as unknown as string })).toThrow(InvalidArgumentError);
    await c.ready;
    c.close();
    await c.closed;
  });

  it('a name that does not resolve rejects ready (and closed) with the resolver error', async () => {
    const c = QuicEndpoint.connect({ host: 'no-such-host.invalid', port: 443, alpn: 'echo', tls: { trustAnchorsPem: pki.ecCa.certPem } });
    const e = (await rejection(c.ready)) as NodeJS.ErrnoException;
    expect(e.code).toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect(await rejection(c.closed)).toBe(e);
  });
});
