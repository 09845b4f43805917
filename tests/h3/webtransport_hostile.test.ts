// Hostile input for WebTransport over HTTP/3 (assembly/h3/webtransport/): a
// raw QUIC peer with ALPN "h3" (tests/helpers/h3-sim.ts RawH3Peer) writes
// crafted control streams, CONNECT requests, capsules, WebTransport streams
// and datagrams at a server core with WebTransport on, in the simulator.
// Each case asserts the exact code on the wire: the CONNECTION_CLOSE
// (connection errors), or the RESET_STREAM / STOP_SENDING on the stream.
import { beforeAll, describe, expect, it } from 'vitest';
import { Pair, simSeed } from '../helpers/pair.js';
import { addr } from '../helpers/quic-sim.js';
import { RawH3Peer, varint, cat, frame, settings, headers, data, parseFrames, decodeBlock, GET } from '../helpers/h3-sim.js';
import { WtSimEndpoint, wtConnectFields } from '../helpers/wt-sim.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { quic } from '../../host/core/engine.js';
import { WT_CLOSE_KIND, type H3Options, type QuicOptions } from '../../host/quic/wire.js';

const hasOpenssl = requireOpenssl('WebTransport hostile input (certificates are made with openssl)');
const SERVER = addr(2, 4433);
const EMPTY_TP = new Uint8Array(0);
let pki: Pki;
beforeAll(() => { if (hasOpenssl) pki = makePki(); });

const H3_ID_ERROR = 0x108n, H3_REQUEST_REJECTED = 0x10bn, H3_MESSAGE_ERROR = 0x10en, H3_DATAGRAM_ERROR = 0x33n;
const WT_BUFFERED_STREAM_REJECTED = 0x3994bd84n, WT_SESSION_GONE = 0x170d7b68n;
const ENABLE_WEBTRANSPORT = 0x2b603742;
const u8 = (s: string) => new Uint8Array(Buffer.from(s));
/** A client control stream whose SETTINGS offer WebTransport (draft-02, as Chromium) and H3 datagrams. */
const wtControl = () => cat(varint(0), settings([[ENABLE_WEBTRANSPORT, 1], [0x33, 1]]));
const CONNECT = headers(wtConnectFields());
/** A capsule: type, length, payload. */
const capsule = (type: number, payload: Uint8Array) => cat(varint(type), varint(payload.length), payload);
const closeCapsule = (code: number, reason: Uint8Array) => { const c = new Uint8Array(4); new DataView(c.buffer).setUint32(0, code); return capsule(0x2843, cat(c, reason)); };

function rawClient(serverH3: H3Options = {}, serverQuic?: QuicOptions, label = 'wt hostile') {
  const raw = new RawH3Peer(1, 50000, { tls: { serverName: 'localhost', alpn: ['h3'], trustAnchorsPem: pki.ecCa.certPem, transportParams: EMPTY_TP } } as never);
  const srv = new WtSimEndpoint(2, 4433, {
    h3: serverH3, quic: serverQuic,
    tls: { server: true, alpn: ['h3'], certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, transportParams: EMPTY_TP },
  } as never);
  srv.onSession = (c, id) => { try { srv.respondSession(c, id, 200); } catch { /* closed */ } };
  srv.onRequest = (c, s) => { try { srv.respond(c, s, 200, u8('ok')); } catch { /* closed */ } };
  const pair = new Pair(raw, srv, { seed: simSeed(label) });
  const conn = raw.connect(0, SERVER);
  pair.run(() => raw.connected() && srv.connected() && raw.eventsOf('streamOpened').length >= 4, 10_000_000);
  const sconn = srv.eventsOf('connected')[0].connection;
  const settle = (until: () => boolean = () => !!raw.closed()) => pair.run(until, pair.now + 2_000_000);
  /** The status of the response the server sent on `stream`. */
  const status = (stream: bigint) => {
    const f = parseFrames(raw.bytes(conn, stream)).find((x) => x.type === 1n);
    return f ? new Map(decodeBlock(f.payload)).get(':status') : undefined;
  };
  return { raw, srv, pair, conn, sconn, settle, status, close: () => { raw.close(); srv.close(); } };
}

/** A raw client with a session accepted on stream 0. */
function withSession(serverH3: H3Options = {}, label = 'wt hostile session') {
  const t = rawClient(serverH3, undefined, label);
  t.raw.openUni(t.conn, wtControl());
  t.raw.openBidi(t.conn, CONNECT);
  t.settle(() => t.status(0n) === '200');
  expect(t.status(0n)).toBe('200');
  return t;
}

describe.skipIf(!hasOpenssl)('WebTransport hostile input: session establishment', () => {
  it('CONNECT with :protocol webtransport to a server without extended CONNECT: H3_MESSAGE_ERROR on the stream', () => {
    const t = rawClient({ webtransport: 0 });
    t.raw.openUni(t.conn, wtControl());
    t.raw.openBidi(t.conn, CONNECT);
    t.settle(() => t.raw.resetCode(0n) !== undefined);
    expect(t.raw.resetCode(0n)).toBe(H3_MESSAGE_ERROR);
    expect(t.raw.stopSendingCode(0n)).toBe(H3_MESSAGE_ERROR);
    expect(t.srv.eventsOf('h3Headers')).toHaveLength(0);
    t.close();
  });

  it('CONNECT from a client whose SETTINGS do not offer WebTransport: H3_MESSAGE_ERROR, no session request', () => {
    const t = rawClient();
    t.raw.openUni(t.conn, cat(varint(0), settings([[0x33, 1]])));
    t.raw.openBidi(t.conn, CONNECT);
    t.settle(() => t.raw.resetCode(0n) !== undefined);
    expect(t.raw.resetCode(0n)).toBe(H3_MESSAGE_ERROR);
    expect(t.srv.eventsOf('wtSessionRequest')).toHaveLength(0);
    expect(t.raw.closed()).toBeUndefined();
    t.close();
  });

  it('CONNECT before the client\'s SETTINGS waits for them (draft §3.1), then is a session', () => {
    const t = rawClient();
    t.raw.openBidi(t.conn, CONNECT);
    t.settle(() => false);
    expect(t.srv.eventsOf('wtSessionRequest')).toHaveLength(0);
    t.raw.openUni(t.conn, wtControl());
    t.settle(() => t.status(0n) !== undefined);
    expect(t.srv.eventsOf('wtSessionRequest')).toHaveLength(1);
    expect(t.status(0n)).toBe('200');
    t.close();
  });

  it('sessions over the limit: the CONNECT stream is reset with H3_REQUEST_REJECTED', () => {
    const t = rawClient({ wtMaxSessions: 1 });
    t.raw.openUni(t.conn, wtControl());
    t.raw.openBidi(t.conn, CONNECT);
    t.raw.openBidi(t.conn, CONNECT);
    t.settle(() => t.raw.resetCode(4n) !== undefined);
    expect(t.status(0n)).toBe('200');
    expect(t.raw.resetCode(4n)).toBe(H3_REQUEST_REJECTED);
    expect(t.srv.eventsOf('wtSessionRequest').map((e) => e.stream)).toEqual([0n]);
    t.close();
  });
});

describe.skipIf(!hasOpenssl)('WebTransport hostile input: streams', () => {
  it('uni streams naming a session that never comes: held up to the limit, then STOP_SENDING WT_BUFFERED_STREAM_REJECTED', () => {
    const t = rawClient({ wtMaxBufferedStreams: 1 });
    t.raw.openUni(t.conn, wtControl());
    const a = t.raw.openUni(t.conn, cat(varint(0x54), varint(8), u8('held')));
    const b = t.raw.openUni(t.conn, cat(varint(0x54), varint(8), u8('refused')));
    t.settle(() => t.raw.stopSendingCode(b) !== undefined);
    expect(t.raw.stopSendingCode(b)).toBe(WT_BUFFERED_STREAM_REJECTED);
    expect(t.raw.stopSendingCode(a)).toBeUndefined();
    expect(t.raw.closed()).toBeUndefined();
    t.close();
  });

  it('a bidi stream (signal 0x41) over the limit: RESET_STREAM and STOP_SENDING WT_BUFFERED_STREAM_REJECTED', () => {
    const t = rawClient({ wtMaxBufferedStreams: 0 });
    t.raw.openUni(t.conn, wtControl());
    const s = t.raw.openBidi(t.conn, cat(varint(0x41), varint(8), u8('x')));
    t.settle(() => t.raw.resetCode(s) !== undefined);
    expect(t.raw.resetCode(s)).toBe(WT_BUFFERED_STREAM_REJECTED);
    expect(t.raw.stopSendingCode(s)).toBe(WT_BUFFERED_STREAM_REJECTED);
    t.close();
  });

  it('a stream naming a session ID that is not a client-initiated bidirectional stream: H3_ID_ERROR', () => {
    const t = rawClient();
    t.raw.openUni(t.conn, wtControl());
    t.raw.openUni(t.conn, cat(varint(0x54), varint(2)));
    t.settle();
    expect(t.raw.closedBy()).toBe(H3_ID_ERROR);
    t.close();
  });

  it('a stream naming a plain request (not a session): STOP_SENDING WT_SESSION_GONE', () => {
    const t = rawClient();
    t.raw.openUni(t.conn, wtControl());
    t.raw.openBidi(t.conn, headers(GET), true);
    t.settle(() => t.status(0n) !== undefined);
    const s = t.raw.openUni(t.conn, cat(varint(0x54), varint(0), u8('to a GET')));
    t.settle(() => t.raw.stopSendingCode(s) !== undefined);
    expect(t.raw.stopSendingCode(s)).toBe(WT_SESSION_GONE);
    t.close();
  });

  it('a stream that ends inside its session ID is dropped without harm', () => {
    const t = withSession();
    t.raw.openUni(t.conn, Uint8Array.of(0x40, 0x54, 0x80), true); // 0x54 as a 2-byte varint, then a cut 4-byte session ID
    const ok = t.raw.openUni(t.conn, cat(varint(0x54), varint(0), u8('fine')), true);
    t.settle(() => t.srv.fin(t.sconn, ok));
    expect(t.srv.text(t.sconn, ok)).toBe('fine');
    expect(t.raw.closed()).toBeUndefined();
    t.close();
  });
});

describe.skipIf(!hasOpenssl)('WebTransport hostile input: datagrams', () => {
  it('a datagram to a server that did not send SETTINGS_H3_DATAGRAM: H3_DATAGRAM_ERROR (RFC 9297 §2.1.1)', () => {
    const t = rawClient({ webtransport: 0 }, { maxDatagramFrameSize: 1200 });
    t.raw.openUni(t.conn, cat(varint(0), settings([[0x33, 1]])));
    expect(quic.datagramSend(t.conn, cat(varint(0), u8('x')))).toBe(0);
    t.settle();
    expect(t.raw.closedBy()).toBe(H3_DATAGRAM_ERROR);
    t.close();
  });

  it('an empty datagram (no Quarter Stream ID): H3_DATAGRAM_ERROR (RFC 9297 §2.1)', () => {
    const t = withSession();
    expect(quic.datagramSend(t.conn, new Uint8Array(0))).toBe(0);
    t.settle();
    expect(t.raw.closedBy()).toBe(H3_DATAGRAM_ERROR);
    t.close();
  });

  it('datagrams for an unknown session are held (bounded) and for a session that ends are dropped', () => {
    const t = withSession();
    for (let i = 0; i < 100; i++) quic.datagramSend(t.conn, cat(varint(2), u8(`n${i}`))); // session 8: not opened yet
    quic.datagramSend(t.conn, cat(varint(0), u8('s0')));
    t.settle(() => t.srv.session(t.sconn, 0n).datagrams.length > 0);
    t.raw.openBidi(t.conn, CONNECT); // stream 4
    t.raw.openBidi(t.conn, CONNECT); // stream 8: its held datagrams (the newest 32) arrive with it
    t.settle(() => t.srv.session(t.sconn, 8n).datagrams.length > 0);
    const got = t.srv.session(t.sconn, 8n).datagrams.map(String);
    expect(got.length).toBeLessThanOrEqual(32);
    expect(got.at(-1)).toBe('n99');
    expect(t.raw.closed()).toBeUndefined();
    t.close();
  });
});

describe.skipIf(!hasOpenssl)('WebTransport hostile input: capsules on the CONNECT stream', () => {
  const cases: [string, Uint8Array, boolean][] = [
    ['WT_CLOSE_SESSION with a 1025-byte message', closeCapsule(1, new Uint8Array(1025).fill(0x61)), false],
    ['WT_CLOSE_SESSION shorter than its code', capsule(0x2843, Uint8Array.of(0, 0)), false],
    ['WT_CLOSE_SESSION with a message that is not UTF-8', closeCapsule(1, Uint8Array.of(0xc3, 0x28)), false],
    ['WT_DRAIN_SESSION with a payload', capsule(0x78ae, u8('x')), false],
    ['data after WT_CLOSE_SESSION', cat(closeCapsule(1, u8('bye')), capsule(0x17, u8('more'))), false],
    ['a capsule cut by the FIN', cat(varint(0x2843), varint(10), u8('abc')), true],
  ];
  for (const [name, bytes, fin] of cases) {
    it(`${name}: the CONNECT stream is reset with H3_MESSAGE_ERROR`, () => {
      const t = withSession({}, `wt capsule ${name}`);
      t.raw.write(t.conn, 0n, data(bytes), fin);
      t.settle(() => t.raw.resetCode(0n) !== undefined);
      expect(t.raw.resetCode(0n)).toBe(H3_MESSAGE_ERROR);
      const closed = t.srv.session(t.sconn, 0n).closed;
      // the server's host sees the session end with the error (data after a close: the close came first)
      expect(closed).toBeDefined();
      if (!name.startsWith('data after')) expect(closed).toMatchObject({ kind: WT_CLOSE_KIND.error, code: H3_MESSAGE_ERROR });
      expect(t.raw.closed()).toBeUndefined();
      t.close();
    });
  }

  it('grease capsules are skipped; WT_CLOSE_SESSION and FIN close the session; the server ends its side', () => {
    const t = withSession();
    const s = t.raw.openUni(t.conn, cat(varint(0x54), varint(0), u8('open stream')));
    t.settle(() => t.srv.session(t.sconn, 0n).streams.length === 1);
    // Chromium's grease capsule type 0x2452d100e1ea41c (8-byte varint), split over two DATA frames
    const grease = capsule(0, new Uint8Array(35));
    grease.set([0xc2, 0x45, 0x2d, 0x10, 0x0e, 0x1e, 0xa4, 0x1c], 0);
    const all = cat(Uint8Array.of(0xc2, 0x45, 0x2d, 0x10, 0x0e, 0x1e, 0xa4, 0x1c), varint(35), new Uint8Array(35), capsule(0x78ae, new Uint8Array(0)), closeCapsule(42, u8('bye')));
    t.raw.write(t.conn, 0n, data(all.subarray(0, 20)));
    t.raw.write(t.conn, 0n, data(all.subarray(20)), true);
    t.settle(() => !!t.srv.session(t.sconn, 0n).closed && t.raw.finished.has(`${t.conn}:0`));
    expect(t.srv.session(t.sconn, 0n).draining).toBe(true);
    expect(t.srv.session(t.sconn, 0n).closed).toEqual({ kind: WT_CLOSE_KIND.clean, code: 42n, reason: 'bye', remote: true });
    expect(t.raw.finished.has(`${t.conn}:0`)).toBe(true);
    // the session's stream is stopped with WT_SESSION_GONE
    t.settle(() => t.raw.stopSendingCode(s) !== undefined);
    expect(t.raw.stopSendingCode(s)).toBe(WT_SESSION_GONE);
    t.close();
  });

  it('the server closes: WT_CLOSE_SESSION and FIN, no STOP_SENDING on the CONNECT stream (Chromium 156 would reject `closed`); the peer\'s FIN after is taken quietly', () => {
    const t = withSession();
    expect(t.srv.closeSession(t.sconn, 0n, 42, 'bye')).toBe(true);
    t.settle(() => t.raw.finished.has(`${t.conn}:0`));
    const body = parseFrames(t.raw.bytes(t.conn, 0n)).filter((f) => f.type === 0n).map((f) => f.payload);
    expect(Buffer.from(cat(...body)).toString('hex')).toContain(Buffer.from(closeCapsule(42, u8('bye'))).toString('hex'));
    t.raw.write(t.conn, 0n, new Uint8Array(0), true);
    t.settle(() => false);
    expect(t.raw.stopSendingCode(0n)).toBeUndefined();
    expect(t.raw.resetCode(0n)).toBeUndefined();
    expect(t.raw.closed()).toBeFalsy();
    t.close();
  });

  it('a peer reset of the CONNECT stream closes the session (close-kind reset)', () => {
    const t = withSession();
    quic.streamReset(t.conn, 0n, 0x10cn);
    t.settle(() => !!t.srv.session(t.sconn, 0n).closed);
    expect(t.srv.session(t.sconn, 0n).closed).toMatchObject({ kind: WT_CLOSE_KIND.reset, code: 0x10cn, remote: true });
    t.close();
  });
});
