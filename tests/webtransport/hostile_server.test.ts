// Hostile servers against the Node WebTransport client: a raw QUIC endpoint
// (h3-wasi/quic, no HTTP/3 stack) with a hand-written HTTP/3 side that sends
// its own SETTINGS, answers the CONNECT with a 200 and then misbehaves. The
// rules themselves are tested at core level (tests/h3/webtransport_hostile.test.ts);
// here: what the API user sees — `ready`/`closed` reject with a
// WebTransportError naming the draft's error, nothing hangs, nothing is
// thrown out of the client, and harmless junk leaves the session working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeH3Frames, encodeVarint } from '../../host/codec/index.js';
import { createDevCert } from '../../host/http3/devcert.js';
import type { QuicConnection } from '../../host/quic/connection.js';
import { QuicEndpoint } from '../../host/quic/endpoint.js';
import { WebTransport, WebTransportError } from '../../host/webtransport/index.js';
import { first } from '../helpers/web-streams.js';

/** RFC 9220 §3 / RFC 9297 §5.1 / draft-02 (what our client and Chromium 156 look for). */
const ENABLE_CONNECT_PROTOCOL = 0x08n, H3_DATAGRAM = 0x33n, ENABLE_WEBTRANSPORT_DRAFT02 = 0x2b603742n;
const WT_SETTINGS: [bigint, bigint][] = [[ENABLE_CONNECT_PROTOCOL, 1n], [H3_DATAGRAM, 1n], [ENABLE_WEBTRANSPORT_DRAFT02, 1n]];
/** QPACK (RFC 9204 §4.5): no dynamic table, then the static entry 25 ":status 200". */
const STATUS_200 = Uint8Array.of(0x00, 0x00, 0xc0 | 25);
/** draft §6: CLOSE_WEBTRANSPORT_SESSION (WT_CLOSE_SESSION). */
const CLOSE_CAPSULE = 0x2843n;

const cat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));
function capsule(type: bigint, payload: Uint8Array): Uint8Array {
  return cat(encodeVarint(type), encodeVarint(payload.length), payload);
}
function closeCapsule(code: number, reason: Uint8Array): Uint8Array {
  const c = new Uint8Array(4);
  new DataView(c.buffer).setUint32(0, code);
  return capsule(CLOSE_CAPSULE, cat(c, reason));
}

/** What the raw server does once it answered the CONNECT (session ID = the CONNECT stream's). */
interface Behaviour {
  settings?: [bigint, bigint][];
  /** Never answer the CONNECT. */
  silent?: boolean;
  afterAccept?: (conn: QuicConnection, connect: WritableStreamDefaultWriter<Uint8Array>, session: bigint) => Promise<void>;
}

let endpoint: QuicEndpoint;
const cert = createDevCert();
/** Behaviours by the client's path is not known to a raw QUIC server: one per test, set before connecting. */
let behaviour: Behaviour = {};
/** CONNECT streams that arrived, and how each of them ended on our side. */
const connects: { id: bigint; ended: Promise<string> }[] = [];

async function discard(r: ReadableStream<Uint8Array>): Promise<void> {
  for await (const _ of r as unknown as AsyncIterable<Uint8Array>) { /* the client's control and QPACK streams */ }
}

async function onConnection(conn: QuicConnection): Promise<void> {
  const b = behaviour;
  const control = (await conn.createUnidirectionalStream()).getWriter();
  await control.write(cat(encodeVarint(0), encodeH3Frames([{ type: 'settings', settings: b.settings ?? WT_SETTINGS }])));
  void (async () => { for await (const r of conn.incomingUnidirectionalStreams as unknown as AsyncIterable<ReadableStream<Uint8Array>>) void discard(r).catch(() => {}); })().catch(() => {});
  for await (const s of conn.incomingBidirectionalStreams as unknown as AsyncIterable<{ id: bigint; readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }>) {
    const reader = s.readable.getReader();
    await reader.read(); // the CONNECT's HEADERS (not parsed: every request is a session here)
    const ended = (async () => {
      try {
        for (;;) if ((await reader.read()).done) return 'fin';
      } catch (e) {
        return `error: ${(e as Error).message}`;
      }
    })();
    connects.push({ id: s.id, ended });
    if (b.silent) continue;
    const w = s.writable.getWriter();
    await w.write(encodeH3Frames([{ type: 'headers', fieldSection: STATUS_200 }]));
    await b.afterAccept?.(conn, w, s.id).catch(() => {});
  }
}

beforeAll(async () => {
  endpoint = await QuicEndpoint.listen({ host: '127.0.0.1', port: 0, alpn: 'h3', tls: { certChainPem: cert.cert, privateKeyPem: cert.key }, closeTimeout: 200 });
  void (async () => { for await (const c of endpoint) void onConnection(c).catch(() => {}); })();
});
afterAll(async () => { await endpoint?.close(); });

function open(b: Behaviour): WebTransport {
  behaviour = b;
  return new WebTransport(`https://127.0.0.1:${endpoint.address.port}/hostile`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: cert.sha256 }] });
}

/** `p` rejects with a session WebTransportError whose message matches `re`. */
async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<WebTransportError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(WebTransportError);
  expect((e as WebTransportError).source).toBe('session');
  expect((e as Error).message).toMatch(re);
  return e as WebTransportError;
}

describe('hostile servers against the WebTransport client', () => {
  it('SETTINGS with extended CONNECT and datagrams but no WebTransport: ready rejects (WT_REQUIREMENTS_NOT_MET), no CONNECT is sent', async () => {
    const before = connects.length;
    const wt = open({ settings: [[ENABLE_CONNECT_PROTOCOL, 1n], [H3_DATAGRAM, 1n]] });
    await rejectsWith(wt.ready, /do not offer WebTransport \(WT_REQUIREMENTS_NOT_MET\)/);
    await rejectsWith(wt.closed, /WT_REQUIREMENTS_NOT_MET/);
    expect(connects.length).toBe(before);
  });

  it('a server that never answers the CONNECT: close() ends the wait — ready rejects, the CONNECT stream is ended', async () => {
    const wt = open({ silent: true });
    const before = connects.length;
    for (let i = 0; i < 200 && connects.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(connects.length).toBe(before + 1);
    wt.close({ closeCode: 1, reason: 'gave up' });
    await rejectsWith(wt.ready, /closed before it was established/);
    expect(await connects.at(-1)!.ended).toMatch(/^(fin|error)/);
  });

  it('a CLOSE capsule whose reason is over 1024 bytes: the session ends with H3_MESSAGE_ERROR (draft §6), the CONNECT stream is reset', async () => {
    const wt = open({
      afterAccept: async (_c, w) => { await w.write(encodeH3Frames([{ type: 'data', data: closeCapsule(1, new Uint8Array(1025).fill(0x61)) }])); },
    });
    await wt.ready;
    await rejectsWith(wt.closed, /H3_MESSAGE_ERROR/);
    expect(await connects.at(-1)!.ended).toMatch(/^error: .*0x10e/);
  });

  it('a malformed capsule (CLOSE shorter than its error code): the session ends with H3_MESSAGE_ERROR', async () => {
    const wt = open({
      afterAccept: async (_c, w) => { await w.write(encodeH3Frames([{ type: 'data', data: capsule(CLOSE_CAPSULE, Uint8Array.of(0, 1)) }])); },
    });
    await wt.ready;
    await rejectsWith(wt.closed, /H3_MESSAGE_ERROR/);
    // a session that ended takes no new streams
    await rejectsWith(wt.createBidirectionalStream(), /the session is closed/);
  });

  it('a CLOSE capsule whose reason is not UTF-8: H3_MESSAGE_ERROR (draft §6)', async () => {
    const wt = open({
      afterAccept: async (_c, w) => { await w.write(encodeH3Frames([{ type: 'data', data: closeCapsule(2, Uint8Array.of(0xc3, 0x28)) }])); },
    });
    await wt.ready;
    await rejectsWith(wt.closed, /H3_MESSAGE_ERROR/);
  });

  it('a stream naming a session ID that cannot be a session (not client-initiated bidirectional): the connection closes with H3_ID_ERROR', async () => {
    const wt = open({
      afterAccept: async (c) => {
        const w = (await c.createUnidirectionalStream()).getWriter();
        await w.write(cat(encodeVarint(0x54), encodeVarint(1), Uint8Array.of(1, 2, 3)));
      },
    });
    await wt.ready;
    const e = await rejectsWith(wt.closed, /H3_ID_ERROR/);
    expect(e.message).toMatch(/^the connection closed/); // our client closed it (the peer broke the rule)
  });

  it('a stream naming a session that does not exist is not delivered; the session goes on', async () => {
    const wt = open({
      afterAccept: async (c, _w, session) => {
        const bogus = (await c.createUnidirectionalStream()).getWriter();
        await bogus.write(cat(encodeVarint(0x54), encodeVarint(session + 400n), new TextEncoder().encode('not yours')));
        const good = (await c.createUnidirectionalStream()).getWriter();
        await good.write(cat(encodeVarint(0x54), encodeVarint(session), new TextEncoder().encode('yours')));
        await good.close();
      },
    });
    await wt.ready;
    const r = await first(wt.incomingUnidirectionalStreams);
    const chunks: Uint8Array[] = [];
    for await (const c of r as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
    expect(Buffer.concat(chunks).toString()).toBe('yours');
    wt.close({ closeCode: 0, reason: '' });
    await expect(wt.closed).resolves.toEqual({ closeCode: 0, reason: '' });
  });

  it('a datagram for an unknown session is dropped, one for ours arrives; an empty datagram closes the connection with H3_DATAGRAM_ERROR (RFC 9297 §2.1)', async () => {
    let sendEmpty!: () => Promise<void>;
    const wt = open({
      afterAccept: async (c, _w, session) => {
        const dw = c.datagrams.writable.getWriter();
        // Quarter Stream ID = session / 4 (RFC 9297 §2.1); +100: a session that does not exist
        for (let i = 0; i < 10; i++) {
          await dw.write(cat(encodeVarint(session / 4n + 100n), Uint8Array.of(0xee)));
          await dw.write(cat(encodeVarint(session / 4n), Uint8Array.of(i)));
          await new Promise((r) => setTimeout(r, 20));
        }
        sendEmpty = () => dw.write(new Uint8Array(0));
      },
    });
    await wt.ready;
    const got = await first(wt.datagrams.readable);
    expect(got[0]).not.toBe(0xee);
    for (let i = 0; i < 100 && !sendEmpty; i++) await new Promise((r) => setTimeout(r, 20));
    await sendEmpty();
    await rejectsWith(wt.closed, /H3_DATAGRAM_ERROR/);
  });
});
