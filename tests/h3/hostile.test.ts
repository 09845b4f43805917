// Hostile input for the HTTP/3 connection (assembly/h3/connection.ts): a raw
// QUIC peer that negotiates ALPN "h3" but writes crafted bytes on streams it
// opens (tests/helpers/h3-sim.ts RawH3Peer) against an H3 endpoint of the
// component, in the simulator. Each case asserts the exact code on the wire:
// the CONNECTION_CLOSE the H3 side sends (RFC 9114 §8: connection errors), or
// the RESET_STREAM / STOP_SENDING on the stream (stream errors).
import { beforeAll, describe, expect, it } from 'vitest';
import { Pair, simSeed } from '../helpers/pair.js';
import { addr } from '../helpers/quic-sim.js';
import {
  H3SimEndpoint, RawH3Peer, varint, cat, frame, settings, headers, headerBlock, data, parseFrames, decodeBlock, GET, qpackFields,
} from '../helpers/h3-sim.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { http3, quic, qpack } from '../../host/core/engine.js';
import { callEngine } from '../../host/core/call.js';
import type { H3Options } from '../../host/quic/wire.js';

const hasOpenssl = requireOpenssl('HTTP/3 hostile input (certificates are made with openssl)');
const SERVER = addr(2, 4433);
const EMPTY_TP = new Uint8Array(0);
let pki: Pki;
beforeAll(() => { if (hasOpenssl) pki = makePki(); });

// RFC 9114 §8.1 / RFC 9204 §6
const H3 = {
  NO_ERROR: 0x100n, STREAM_CREATION: 0x103n, CLOSED_CRITICAL: 0x104n, FRAME_UNEXPECTED: 0x105n, FRAME_ERROR: 0x106n,
  EXCESSIVE_LOAD: 0x107n, ID_ERROR: 0x108n, SETTINGS_ERROR: 0x109n, MISSING_SETTINGS: 0x10an, REQUEST_REJECTED: 0x10bn,
  REQUEST_INCOMPLETE: 0x10dn, MESSAGE_ERROR: 0x10en,
  QPACK_DECOMPRESSION_FAILED: 0x200n, QPACK_ENCODER_STREAM_ERROR: 0x201n, QPACK_DECODER_STREAM_ERROR: 0x202n,
};
const u8 = (s: string) => new Uint8Array(Buffer.from(s));
/** Our control stream: type 0x00 and SETTINGS, then `more`. */
const ctl = (...more: Uint8Array[]) => cat(varint(0), settings(), ...more);
const POST = (len: number): [string, string][] => [[':method', 'POST'], ...GET.slice(1), ['content-length', String(len)]];

function rawClient(serverH3: H3Options = {}) {
  const raw = new RawH3Peer(1, 50000, { tls: { serverName: 'localhost', alpn: ['h3'], trustAnchorsPem: pki.ecCa.certPem, transportParams: EMPTY_TP } } as never);
  const h3 = new H3SimEndpoint(2, 4433, {
    h3: serverH3,
    tls: { server: true, alpn: ['h3'], certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, transportParams: EMPTY_TP },
  } as never);
  // answers valid requests; a connection already closed by the case refuses (that is what the case tests)
  h3.onRequest = (c, s) => { try { h3.respond(c, s, 200, u8('ok')); } catch { /* closed */ } };
  const pair = new Pair(raw, h3, { seed: simSeed('h3 hostile client') });
  const conn = raw.connect(0, SERVER);
  // the server's control, QPACK and grease streams have arrived once the raw side has seen 4 opened
  pair.run(() => raw.connected() && h3.connected() && raw.eventsOf('streamOpened').length >= 4, 10_000_000);
  const hconn = h3.eventsOf('connected')[0].connection;
  const settle = (until: () => boolean = () => !!raw.closed()) => pair.run(until, pair.now + 2_000_000);
  return { raw, h3, pair, conn, hconn, settle, close: () => { raw.close(); h3.close(); } };
}

function rawServer(clientH3: H3Options = {}) {
  const h3 = new H3SimEndpoint(1, 50000, { h3: clientH3, tls: { serverName: 'localhost', alpn: ['h3'], trustAnchorsPem: pki.ecCa.certPem, transportParams: EMPTY_TP } } as never);
  const raw = new RawH3Peer(2, 4433, {
    tls: { server: true, alpn: ['h3'], certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, transportParams: EMPTY_TP },
  } as never);
  const pair = new Pair(h3, raw, { seed: simSeed('h3 hostile server') });
  const conn = h3.connect(0, SERVER);
  pair.run(() => raw.connected() && h3.connected() && raw.eventsOf('streamOpened').length >= 4, 10_000_000);
  const rconn = raw.eventsOf('connected')[0].connection;
  const settle = (until: () => boolean = () => !!raw.closed()) => pair.run(until, pair.now + 2_000_000);
  return { raw, h3, pair, conn, rconn, settle, close: () => { raw.close(); h3.close(); } };
}

type Client = ReturnType<typeof rawClient>;

/** Connection errors a client's bytes must cause at the server (the code in its CONNECTION_CLOSE). */
const serverConnectionErrors: [string, bigint, (t: Client) => void][] = [
  ['control stream whose first frame is not SETTINGS (§6.2.1)', H3.MISSING_SETTINGS, (t) => t.raw.openUni(t.conn, cat(varint(0), frame(0x07, varint(0))))],
  ['a second control stream (§6.2.1)', H3.STREAM_CREATION, (t) => { t.raw.openUni(t.conn, ctl()); t.raw.openUni(t.conn, ctl()); }],
  ['a second SETTINGS frame (§7.2.4)', H3.FRAME_UNEXPECTED, (t) => t.raw.openUni(t.conn, ctl(settings()))],
  ['DATA on the control stream (§7.2.1)', H3.FRAME_UNEXPECTED, (t) => t.raw.openUni(t.conn, ctl(data('x')))],
  ['HEADERS on the control stream (§7.2.2)', H3.FRAME_UNEXPECTED, (t) => t.raw.openUni(t.conn, ctl(headers(GET)))],
  ['an HTTP/2 frame type (PING 0x06) on the control stream (§7.2.8)', H3.FRAME_UNEXPECTED, (t) => t.raw.openUni(t.conn, ctl(frame(0x06, new Uint8Array(8))))],
  ['an HTTP/2 setting identifier (0x02) (§7.2.4.1)', H3.SETTINGS_ERROR, (t) => t.raw.openUni(t.conn, cat(varint(0), settings([[0x02, 1]])))],
  ['a duplicate setting (§7.2.4)', H3.SETTINGS_ERROR, (t) => t.raw.openUni(t.conn, cat(varint(0), settings([[6, 100], [6, 200]])))],
  ['SETTINGS_ENABLE_CONNECT_PROTOCOL = 2 (RFC 9220 §3)', H3.SETTINGS_ERROR, (t) => t.raw.openUni(t.conn, cat(varint(0), settings([[8, 2]])))],
  ['SETTINGS_H3_DATAGRAM = 5 (RFC 9297 §2.1.1)', H3.SETTINGS_ERROR, (t) => t.raw.openUni(t.conn, cat(varint(0), settings([[0x33, 5]])))],
  ['the control stream ends (FIN) (§6.2.1)', H3.CLOSED_CRITICAL, (t) => t.raw.openUni(t.conn, ctl(), true)],
  ['the control stream is reset (§6.2.1)', H3.CLOSED_CRITICAL, (t) => { const id = t.raw.openUni(t.conn, ctl()); t.settle(() => false); quic.streamReset(t.conn, id, 0x100n); }],
  ['the QPACK encoder stream ends (RFC 9204 §4.2)', H3.CLOSED_CRITICAL, (t) => t.raw.openUni(t.conn, varint(2), true)],
  ['STOP_SENDING on the server\'s control stream (§6.2.1)', H3.CLOSED_CRITICAL, (t) => quic.stopSending(t.conn, 3n, 0x100n)],
  ['a push stream from a client (§6.2.2)', H3.STREAM_CREATION, (t) => t.raw.openUni(t.conn, cat(varint(1), varint(0)))],
  ['a second QPACK encoder stream (RFC 9204 §4.2)', H3.STREAM_CREATION, (t) => { t.raw.openUni(t.conn, varint(2)); t.raw.openUni(t.conn, varint(2)); }],
  ['a second QPACK decoder stream (RFC 9204 §4.2)', H3.STREAM_CREATION, (t) => { t.raw.openUni(t.conn, varint(3)); t.raw.openUni(t.conn, varint(3)); }],
  ['Set Dynamic Table Capacity above our maximum (RFC 9204 §4.3.1)', H3.QPACK_ENCODER_STREAM_ERROR, (t) => t.raw.openUni(t.conn, cat(varint(2), Uint8Array.of(0x3f, 0xe9, 0x26)))],
  ['Section Acknowledgment with nothing outstanding (RFC 9204 §4.4.1)', H3.QPACK_DECODER_STREAM_ERROR, (t) => t.raw.openUni(t.conn, cat(varint(3), Uint8Array.of(0x80)))],
  ['CANCEL_PUSH from a client that allowed no pushes (§7.2.3)', H3.ID_ERROR, (t) => t.raw.openUni(t.conn, ctl(frame(0x03, varint(0))))],
  ['MAX_PUSH_ID reduced (§7.2.7)', H3.ID_ERROR, (t) => t.raw.openUni(t.conn, ctl(frame(0x0d, varint(5)), frame(0x0d, varint(2))))],
  ['GOAWAY with a growing push ID (§5.2)', H3.ID_ERROR, (t) => t.raw.openUni(t.conn, ctl(frame(0x07, varint(0)), frame(0x07, varint(4))))],
  ['GOAWAY whose length does not match its varint (§7.1)', H3.FRAME_ERROR, (t) => t.raw.openUni(t.conn, ctl(frame(0x07, cat(varint(0), varint(0)))))],
  ['PRIORITY_UPDATE naming a stream that is not a client request (RFC 9218 §7.1)', H3.ID_ERROR, (t) => t.raw.openUni(t.conn, ctl(frame(0xf0700, cat(varint(2), u8('u=1')))))],
  ['PRIORITY_UPDATE for a stream beyond our stream limit (RFC 9218 §7.1)', H3.ID_ERROR, (t) => t.raw.openUni(t.conn, ctl(frame(0xf0700, cat(varint(4 * 1_000_000), u8('u=1')))))],
  ['PRIORITY_UPDATE for a push (RFC 9218 §7.2)', H3.ID_ERROR, (t) => t.raw.openUni(t.conn, ctl(frame(0xf0701, cat(varint(0), u8('u=1')))))],
  ['DATA before HEADERS on a request stream (§4.1)', H3.FRAME_UNEXPECTED, (t) => t.raw.openBidi(t.conn, data('x'), true)],
  ['PUSH_PROMISE from a client (§7.2.5)', H3.FRAME_UNEXPECTED, (t) => t.raw.openBidi(t.conn, cat(headers(GET), frame(0x05, cat(varint(0), headerBlock(GET)))), true)],
  ['SETTINGS on a request stream (§7.2.4)', H3.FRAME_UNEXPECTED, (t) => t.raw.openBidi(t.conn, cat(settings(), headers(GET)), true)],
  ['GOAWAY on a request stream (§7.2.6)', H3.FRAME_UNEXPECTED, (t) => t.raw.openBidi(t.conn, cat(headers(GET), frame(0x07, varint(0))), true)],
  ['PRIORITY_UPDATE on a request stream (RFC 9218 §7.1)', H3.FRAME_UNEXPECTED, (t) => t.raw.openBidi(t.conn, cat(frame(0xf0700, cat(varint(0), u8('u=1'))), headers(GET)), true)],
  ['HEADERS after the trailers (§4.1)', H3.FRAME_UNEXPECTED, (t) => t.raw.openBidi(t.conn, cat(headers(POST(0)), headers([['x-t', '1']]), headers([['x-u', '2']])), true)],
  ['a request stream that ends inside a frame (§7.1)', H3.FRAME_ERROR, (t) => t.raw.openBidi(t.conn, cat(headers(POST(3)), Uint8Array.of(0x00, 0x05, 0x61)), true)],
  ['a field section that does not decode (RFC 9204 §2.2)', H3.QPACK_DECOMPRESSION_FAILED, (t) => t.raw.openBidi(t.conn, frame(0x01, Uint8Array.of(0, 0, 0xff, 0x7f)), true)],
];

/** Malformed requests (§4.1.2): a stream error H3_MESSAGE_ERROR (RESET_STREAM and STOP_SENDING); `seen`: the host saw the headers (the error is in the body). */
const malformed: [string, Uint8Array, boolean?][] = [
  ['an upper-case field name (§4.2)', headers([...GET, ['X-Upper', '1']])],
  ['no :path (§4.3.1)', headers(GET.slice(0, 3))],
  ['an empty :path (§4.3.1)', headers([...GET.slice(0, 3), [':path', '']])],
  ['a connection-specific field (§4.2)', headers([...GET, ['connection', 'close']])],
  ['transfer-encoding (§4.2)', headers([...GET, ['transfer-encoding', 'chunked']])],
  ['te other than trailers (§4.2)', headers([...GET, ['te', 'gzip']])],
  ['a pseudo-header after a regular field (§4.3)', headers([[':method', 'GET'], ['x-a', '1'], [':scheme', 'https'], [':authority', 'a'], [':path', '/']])],
  ['an undefined pseudo-header (§4.3)', headers([...GET, [':foo', 'bar']])],
  [':status in a request (§4.3)', headers([...GET, [':status', '200']])],
  ['a repeated pseudo-header (§4.3.1)', headers([...GET, [':path', '/again']])],
  [':protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 9220 §4)', headers([[':method', 'CONNECT'], [':protocol', 'websocket'], ...GET.slice(1)])],
  ['CONNECT with :path (§4.4)', headers([[':method', 'CONNECT'], [':authority', 'a:443'], [':path', '/']])],
  ['a field value with CR LF (§10.3)', headers([...GET, ['x-a', 'a\r\nb']])],
  ['content-length larger than the body (§4.1.2)', cat(headers(POST(10)), data('abc')), true],
  ['content-length smaller than the body (§4.1.2)', cat(headers(POST(2)), data('abc')), true],
  ['two different content-length values (§4.1.2)', headers([...POST(2), ['content-length', '3']])],
];

describe.skipIf(!hasOpenssl)('HTTP/3 hostile input: a raw client against our server', () => {
  for (const [name, code, act] of serverConnectionErrors) {
    it(`${name}: CONNECTION_CLOSE 0x${code.toString(16)}`, () => {
      const t = rawClient();
      act(t);
      t.settle();
      const c = t.raw.closed();
      expect(c, 'the server closed the connection').toBeDefined();
      expect(c!.remote).toBe(true);
      expect(c!.app).toBe(true);
      expect(c!.value).toBe(code);
      t.close();
    });
  }

  for (const [name, bytes, seen] of malformed) {
    it(`malformed request, ${name}: RESET_STREAM and STOP_SENDING H3_MESSAGE_ERROR`, () => {
      const t = rawClient();
      const id = t.raw.openBidi(t.conn, bytes, true);
      t.settle(() => t.raw.resetCode(id) !== undefined);
      expect(t.raw.resetCode(id)).toBe(H3.MESSAGE_ERROR);
      expect(t.raw.closed()).toBeUndefined();
      // the host never saw the request, or was told it is gone
      if (!seen) expect(t.h3.eventsOf('h3Headers')).toHaveLength(0);
      else expect(t.h3.log(t.hconn, id).reset?.code).toBe(H3.MESSAGE_ERROR);
      t.close();
    });
  }

  it('a request stream that ends without HEADERS: stream error H3_REQUEST_INCOMPLETE', () => {
    const t = rawClient();
    const id = t.raw.openBidi(t.conn, frame(0x21, u8('grease')), true);
    t.settle(() => t.raw.resetCode(id) !== undefined);
    expect(t.raw.resetCode(id)).toBe(H3.REQUEST_INCOMPLETE);
    expect(t.raw.closed()).toBeUndefined();
    t.close();
  });

  it('unknown and reserved frame types on a request stream are ignored; the request is answered', () => {
    const t = rawClient();
    const id = t.raw.openBidi(t.conn, cat(frame(0x21, u8('xx')), headers(GET), frame(0x1f * 7 + 0x21, u8('yyyy')), frame(0x4242, new Uint8Array(100))), true);
    const key = `${t.conn}:${id}`;
    t.settle(() => t.raw.finished.has(key));
    const frames = parseFrames(t.raw.bytes(t.conn, id));
    expect(frames[0].type).toBe(1n);
    expect(new Map(decodeBlock(frames[0].payload)).get(':status')).toBe('200');
    expect(frames[1].type).toBe(0n);
    expect(Buffer.from(frames[1].payload).toString()).toBe('ok');
    t.close();
  });

  it('an unknown unidirectional stream type: STOP_SENDING H3_STREAM_CREATION_ERROR, the connection lives (§6.2)', () => {
    const t = rawClient();
    const id = t.raw.openUni(t.conn, cat(varint(0x21 + 0x1f * 3), u8('hello')));
    t.settle(() => t.raw.stopSendingCode(id) !== undefined);
    expect(t.raw.stopSendingCode(id)).toBe(H3.STREAM_CREATION);
    expect(t.raw.closed()).toBeUndefined();
    t.close();
  });

  it('the server sends its control stream first with SETTINGS and a grease setting, QPACK streams, and a grease stream', () => {
    const t = rawClient();
    const ctlBytes = t.raw.bytes(t.conn, 3n);
    expect(ctlBytes[0]).toBe(0);
    const frames = parseFrames(ctlBytes.subarray(1));
    expect(frames[0].type).toBe(4n);
    // a reserved frame type follows (§7.2.8)
    expect(frames.slice(1).some((f) => f.type >= 0x21n && (f.type - 0x21n) % 0x1fn === 0n)).toBe(true);
    // SETTINGS carry a reserved identifier (§7.2.4.1)
    const p = frames[0].payload;
    const ids: bigint[] = [];
    for (let i = 0; i < p.length;) {
      const rd = () => { const n = 1 << (p[i] >> 6); let v = BigInt(p[i] & 0x3f); for (let k = 1; k < n; k++) v = (v << 8n) | BigInt(p[i + k]); i += n; return v; };
      ids.push(rd()); rd();
    }
    expect(ids).toContain(6n);
    expect(ids.some((id) => id >= 0x21n && (id - 0x21n) % 0x1fn === 0n)).toBe(true);
    expect(t.raw.bytes(t.conn, 7n)[0]).toBe(2);
    expect(t.raw.bytes(t.conn, 11n)[0]).toBe(3);
    const grease = t.raw.bytes(t.conn, 15n);
    expect(grease.length).toBeGreaterThan(0);
    t.close();
  });

  for (const [name, opts, fields, encoded] of [
    ['its HEADERS frame is larger than the limit', { maxFieldSectionSize: 1000 }, [...GET, ['x-big', 'b'.repeat(3000)]], false],
    ['it decodes to more than the limit (Huffman keeps the frame small)', { maxFieldSectionSize: 800 }, [...GET, ['x-big', 'b'.repeat(900)]], true],
  ] as [string, H3Options, [string, string][], boolean][]) {
    it(`a request field section over SETTINGS_MAX_FIELD_SECTION_SIZE (${name}): 431 from the core, STOP_SENDING H3_NO_ERROR`, () => {
      const t = rawClient(opts);
      const block = headerBlock(fields, encoded);
      if (encoded) expect(block.length).toBeLessThan(800);
      const id = t.raw.openBidi(t.conn, frame(0x01, block), true);
      const key = `${t.conn}:${id}`;
      t.settle(() => t.raw.finished.has(key));
      const frames = parseFrames(t.raw.bytes(t.conn, id));
      expect(new Map(decodeBlock(frames[0].payload)).get(':status')).toBe('431');
      expect(t.h3.eventsOf('h3Headers')).toHaveLength(0);
      t.close();
    });
  }

  it('a body over the configured limit by content-length: 413 and STOP_SENDING H3_NO_ERROR', () => {
    const t = rawClient({ maxBodySize: 100 });
    const id = t.raw.openBidi(t.conn, headers(POST(5000)));
    const key = `${t.conn}:${id}`;
    t.settle(() => t.raw.finished.has(key) && t.raw.stopSendingCode(id) !== undefined);
    expect(new Map(decodeBlock(parseFrames(t.raw.bytes(t.conn, id))[0].payload)).get(':status')).toBe('413');
    expect(t.raw.stopSendingCode(id)).toBe(H3.NO_ERROR);
    t.close();
  });

  it('a PRIORITY_UPDATE that overtakes its request is kept for it, and overrides its priority field (RFC 9218 §7)', () => {
    const t = rawClient();
    const reqs: bigint[] = [];
    t.h3.onRequest = (_c, s) => reqs.push(s);
    // the update for stream 8 (urgency 0) arrives before stream 8 exists; its request then says u=7
    t.raw.openUni(t.conn, ctl(frame(0xf0700, cat(varint(8), u8('u=0')))));
    t.settle(() => false);
    const ids = [
      t.raw.openBidi(t.conn, headers(GET), true),
      t.raw.openBidi(t.conn, headers([...GET, ['priority', 'u=2']]), true),
      t.raw.openBidi(t.conn, headers([...GET, ['priority', 'u=7']]), true),
    ];
    expect(ids).toEqual([0n, 4n, 8n]);
    t.settle(() => reqs.length === 3);
    const body = new Uint8Array(300_000);
    for (const s of reqs) t.h3.respond(t.hconn, s, 200, body);
    const keys = ids.map((id) => `${t.conn}:${id}`);
    t.pair.run(() => keys.every((k) => t.raw.finished.has(k)), t.pair.now + 60_000_000);
    // urgency 0 (the update) first, then 2, then the default 3
    expect([...t.raw.finished].filter((k) => keys.includes(k))).toEqual([keys[2], keys[1], keys[0]]);
    t.close();
  });

  it('a request above our GOAWAY id: RESET_STREAM H3_REQUEST_REJECTED; the one below is answered', () => {
    const t = rawClient();
    t.raw.openUni(t.conn, ctl());
    t.h3.onRequest = () => {};
    const first = t.raw.openBidi(t.conn, headers(GET), true);
    t.settle(() => t.h3.eventsOf('h3Headers').length > 0);
    expect(http3.goaway(t.hconn)).toBe(true);
    t.settle(() => t.raw.bytes(t.conn, 3n).length > 0 && parseFrames(t.raw.bytes(t.conn, 3n).subarray(1)).some((f) => f.type === 7n));
    const gf = parseFrames(t.raw.bytes(t.conn, 3n).subarray(1)).find((f) => f.type === 7n)!;
    expect(gf.payload[0]).toBe(4); // the first request not processed: stream 4
    const late = t.raw.openBidi(t.conn, headers(GET), true);
    t.settle(() => t.raw.resetCode(late) !== undefined);
    expect(t.raw.resetCode(late)).toBe(H3.REQUEST_REJECTED);
    t.h3.respond(t.hconn, first, 200, u8('done'));
    t.settle(() => t.raw.finished.has(`${t.conn}:${first}`));
    expect(Buffer.from(parseFrames(t.raw.bytes(t.conn, first))[1].payload).toString()).toBe('done');
    t.close();
  });
});

describe.skipIf(!hasOpenssl)('HTTP/3 hostile input: QPACK blocked streams (RFC 9204 §2.1.2)', () => {
  /** Sections that reference dynamic entries, with the encoder-stream bytes that insert them. */
  function dynamicSections(ids: bigint[]) {
    const enc = qpack.encoderNew(4096, 16, 4096, false);
    const out = ids.map((id, i) => callEngine(() => qpack.encoderEncode(enc, id, qpackFields([...GET, [`x-custom-${i}`, 'v'.repeat(20)]]))));
    qpack.encoderFree(enc);
    for (const r of out) expect(r.requiredInsertCount).toBeGreaterThan(0n);
    return { sections: out.map((r) => r.section.slice()), encoderStream: cat(...out.map((r) => r.encoderStream.slice())) };
  }

  it('a section that needs inserts not yet received waits, is decoded when they come, and is acknowledged', () => {
    const t = rawClient();
    const { sections, encoderStream } = dynamicSections([0n]);
    const id = t.raw.openBidi(t.conn, frame(0x01, sections[0]), true);
    expect(id).toBe(0n);
    t.settle(() => false);
    expect(t.h3.eventsOf('h3Headers'), 'blocked: not delivered yet').toHaveLength(0);
    t.raw.openUni(t.conn, cat(varint(2), encoderStream));
    t.settle(() => t.raw.finished.has(`${t.conn}:${id}`));
    expect(t.h3.log(t.hconn, id).headers().get('x-custom-0')).toBe('v'.repeat(20));
    expect(new Map(decodeBlock(parseFrames(t.raw.bytes(t.conn, id))[0].payload)).get(':status')).toBe('200');
    // the server's decoder stream (its third unidirectional stream): type 0x03, Section Acknowledgment for stream 0
    expect([...t.raw.bytes(t.conn, 11n)]).toEqual([0x03, 0x80]);
    expect(t.raw.closed()).toBeUndefined();
    t.close();
  });

  it('more blocked streams than SETTINGS_QPACK_BLOCKED_STREAMS: QPACK_DECOMPRESSION_FAILED', () => {
    const t = rawClient({ qpackBlockedStreams: 1 });
    const { sections } = dynamicSections([0n, 4n]);
    t.raw.openBidi(t.conn, frame(0x01, sections[0]), true);
    t.raw.openBidi(t.conn, frame(0x01, sections[1]), true);
    t.settle();
    expect(t.raw.closed()?.value).toBe(H3.QPACK_DECOMPRESSION_FAILED);
    t.close();
  });

  it('a blocked request stream that is reset: Stream Cancellation on the decoder stream (RFC 9204 §4.4.2)', () => {
    const t = rawClient();
    const { sections } = dynamicSections([0n]);
    const id = t.raw.openBidi(t.conn, frame(0x01, sections[0]));
    t.settle(() => false);
    quic.streamReset(t.conn, id, 0x10cn);
    t.settle(() => t.raw.bytes(t.conn, 11n).length > 1);
    expect([...t.raw.bytes(t.conn, 11n)]).toEqual([0x03, 0x40]);
    t.close();
  });
});

type Server = ReturnType<typeof rawServer>;
/** Connection errors a server's bytes must cause at the client. */
const clientConnectionErrors: [string, bigint, (t: Server, req: bigint) => void][] = [
  ['a server-initiated bidirectional stream (§6.1)', H3.STREAM_CREATION, (t) => t.raw.openBidi(t.rconn, headers(GET))],
  ['a push stream: no MAX_PUSH_ID was sent (§4.6)', H3.ID_ERROR, (t) => t.raw.openUni(t.rconn, cat(varint(1), varint(0)))],
  ['PUSH_PROMISE: no MAX_PUSH_ID was sent (§7.2.5)', H3.ID_ERROR, (t, req) => t.raw.write(t.rconn, req, frame(0x05, cat(varint(0), headerBlock(GET))))],
  ['MAX_PUSH_ID from a server (§7.2.7)', H3.FRAME_UNEXPECTED, (t) => t.raw.openUni(t.rconn, ctl(frame(0x0d, varint(0))))],
  ['GOAWAY naming a stream that is not a client request (§5.2)', H3.ID_ERROR, (t) => t.raw.openUni(t.rconn, ctl(frame(0x07, varint(1))))],
  ['GOAWAY with a growing stream ID (§5.2)', H3.ID_ERROR, (t) => t.raw.openUni(t.rconn, ctl(frame(0x07, varint(4)), frame(0x07, varint(8))))],
  ['PRIORITY_UPDATE from a server (RFC 9218 §7.1)', H3.FRAME_UNEXPECTED, (t) => t.raw.openUni(t.rconn, ctl(frame(0xf0700, cat(varint(0), u8('u=1')))))],
  ['DATA before the response HEADERS (§4.1)', H3.FRAME_UNEXPECTED, (t, req) => t.raw.write(t.rconn, req, data('x'))],
];

const malformedResponses: [string, Uint8Array, bigint][] = [
  ['no :status (§4.3.2)', headers([['content-type', 'text/plain']]), H3.MESSAGE_ERROR],
  ['a request pseudo-header (§4.3)', headers([[':status', '200'], [':path', '/']]), H3.MESSAGE_ERROR],
  ['101 Switching Protocols (§4.5)', headers([[':status', '101']]), H3.MESSAGE_ERROR],
  ['an upper-case name (§4.2)', headers([[':status', '200'], ['Bad', '1']]), H3.MESSAGE_ERROR],
  ['content-length against the body (§4.1.2)', cat(headers([[':status', '200'], ['content-length', '1']]), data('abc')), H3.MESSAGE_ERROR],
  ['a stream that ends without a final response', headers([[':status', '103']]), H3.MESSAGE_ERROR],
];

describe.skipIf(!hasOpenssl)('HTTP/3 hostile input: a raw server against our client', () => {
  for (const [name, code, act] of clientConnectionErrors) {
    it(`${name}: CONNECTION_CLOSE 0x${code.toString(16)}`, () => {
      const t = rawServer();
      const req = t.h3.request(t.conn, GET);
      t.settle(() => t.raw.eventsOf('streamOpened').some((e) => e.stream === req));
      act(t, req);
      t.settle();
      const c = t.raw.closed();
      expect(c, 'the client closed the connection').toBeDefined();
      expect(c!.remote).toBe(true);
      expect(c!.value).toBe(code);
      t.close();
    });
  }

  for (const [name, bytes, code] of malformedResponses) {
    it(`malformed response, ${name}: RESET_STREAM 0x${code.toString(16)} and the host told`, () => {
      const t = rawServer();
      // the request body stays open, so the client's RESET_STREAM shows on the wire
      const req = t.h3.request(t.conn, POST(100), undefined, false);
      t.settle(() => t.raw.eventsOf('streamOpened').some((e) => e.stream === req));
      t.raw.write(t.rconn, req, bytes, true);
      t.settle(() => t.raw.resetCode(req) !== undefined || !!t.raw.closed());
      expect(t.raw.resetCode(req)).toBe(code);
      expect(t.h3.log(t.conn, req).reset?.code).toBe(code);
      expect(t.raw.closed()).toBeUndefined();
      t.close();
    });
  }

  it('a response field section over our limit: RESET_STREAM H3_EXCESSIVE_LOAD', () => {
    const t = rawServer({ maxFieldSectionSize: 500 });
    const req = t.h3.request(t.conn, POST(100), undefined, false);
    t.settle(() => t.raw.eventsOf('streamOpened').some((e) => e.stream === req));
    t.raw.write(t.rconn, req, headers([[':status', '200'], ['x-big', 'b'.repeat(2000)]]));
    t.settle(() => t.raw.resetCode(req) !== undefined && t.raw.stopSendingCode(req) !== undefined);
    expect(t.raw.resetCode(req)).toBe(H3.EXCESSIVE_LOAD);
    expect(t.raw.stopSendingCode(req)).toBe(H3.EXCESSIVE_LOAD);
    expect(t.h3.log(t.conn, req).reset?.code).toBe(H3.EXCESSIVE_LOAD);
    t.close();
  });

  it('a request the server resets with H3_REQUEST_REJECTED is reported retryable', () => {
    const t = rawServer();
    const req = t.h3.request(t.conn, GET);
    t.settle(() => t.raw.eventsOf('streamOpened').some((e) => e.stream === req));
    quic.streamReset(t.rconn, req, H3.REQUEST_REJECTED);
    t.settle(() => t.h3.log(t.conn, req).rejected !== undefined);
    expect(t.h3.log(t.conn, req).rejected).toBe(H3.REQUEST_REJECTED);
    t.close();
  });

  it('a client GOAWAY carries push ID 0 (§5.2)', () => {
    const t = rawServer();
    expect(http3.goaway(t.conn)).toBe(true);
    const ctlId = 2n; // the client's first unidirectional stream
    t.settle(() => parseFrames(t.raw.bytes(t.rconn, ctlId).subarray(1)).some((f) => f.type === 7n));
    expect(parseFrames(t.raw.bytes(t.rconn, ctlId).subarray(1)).find((f) => f.type === 7n)!.payload[0]).toBe(0);
    t.close();
  });
});
