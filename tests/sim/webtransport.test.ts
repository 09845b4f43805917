// WebTransport over HTTP/3 in the simulator: a client and a server core with
// WebTransport on (assembly/h3/webtransport/, wit/http3.wit), on
// tests/helpers/pair.ts's virtual network in virtual time. Every case prints
// its seed (SIM_SEED=... replays it).
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { payload, type LinkOptions } from '../helpers/pair.js';
import { WtSimEndpoint, wtConnectFields } from '../helpers/wt-sim.js';
import { H3CallError, connectH3Pair } from '../helpers/h3-sim.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { http3 } from '../../host/core/engine.js';
import { WT_CLOSE_KIND, decodeSettings, type H3Options } from '../../host/quic/wire.js';

const hasOpenssl = requireOpenssl('WebTransport simulator (certificates are made with openssl)');
const WT_SESSION_GONE = 0x170d7b68n;
const WT_BUFFERED_STREAM_REJECTED = 0x3994bd84n;

let pki: Pki;
beforeAll(() => { if (hasOpenssl) pki = makePki(); });

function setup(label: string, s: { clientH3?: H3Options; serverH3?: H3Options; link?: LinkOptions } = {}) {
  const { client, server, pair, conn, sconn } = connectH3Pair(WtSimEndpoint, pki, label, s);
  const run = (until: () => boolean, us = 10_000_000) => pair.run(until, pair.now + us);
  /** Opens a session the server accepts; its ID. */
  const open = (path = '/wt'): bigint => {
    const id = client.connectSession(conn, wtConnectFields(path));
    run(() => !!client.session(conn, id).ready || !!client.session(conn, id).refused);
    return id;
  };
  server.onSession = (c, id) => server.respondSession(c, id, 200, [['sec-webtransport-http3-draft', 'draft02']]);
  return { client, server, pair, conn, sconn, run, open, close: () => { client.close(); server.close(); } };
}

const u8 = (s: string) => new Uint8Array(Buffer.from(s));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!hasOpenssl)('WebTransport simulator: sessions', () => {
  it('the settings: both sides send ENABLE_WEBTRANSPORT (draft-02), WT_ENABLED, ENABLE_CONNECT_PROTOCOL and H3_DATAGRAM', () => {
    const t = setup('wt settings');
    const st = decodeSettings(t.client.eventsOf('h3Settings')[0].bytes);
    expect(st.get(0x2b603742n)).toBe(1n);
    expect(st.get(0x2c7cf000n)).toBe(1n);
    expect(st.get(0x08n)).toBe(1n);
    expect(st.get(0x33n)).toBe(1n);
    t.close();
  });

  it('a session accepted: the server sees the CONNECT, the client the 2xx', () => {
    const t = setup('wt accept');
    const id = t.open('/chat');
    const req = new Map(t.server.session(t.sconn, id).request);
    expect(req.get(':protocol')).toBe('webtransport');
    expect(req.get(':path')).toBe('/chat');
    expect(req.get('sec-webtransport-http3-draft02')).toBe('1');
    expect(new Map(t.client.session(t.conn, id).ready).get('sec-webtransport-http3-draft')).toBe('draft02');
    // no HTTP/3 request events for the session's stream
    expect(t.server.eventsOf('h3Headers')).toHaveLength(0);
    expect(t.client.eventsOf('h3Headers')).toHaveLength(0);
    t.close();
  });

  it('a session refused: the client sees the status; streams opened on it optimistically are refused', () => {
    const t = setup('wt refuse');
    t.server.onSession = (c, id) => t.server.respondSession(c, id, 403);
    const id = t.client.connectSession(t.conn);
    const s = t.client.openStream(t.conn, id, false);
    t.client.write(t.conn, s, u8('early'), true);
    t.run(() => !!t.client.session(t.conn, id).refused);
    expect(t.client.session(t.conn, id).refused!.status).toBe(403n);
    expect(t.client.session(t.conn, id).ready).toBeUndefined();
    expect(t.server.session(t.sconn, id).streams).toHaveLength(0);
    t.close();
  });

  it('a session at or above the server\'s GOAWAY id is refused (status 0), not reported as a rejected request', () => {
    const t = setup('wt goaway');
    const first = t.open('/first');
    expect(http3.goaway(t.sconn)).toBe(true);
    const late = t.client.connectSession(t.conn, wtConnectFields('/late'));
    t.run(() => !!t.client.session(t.conn, late).refused);
    expect(t.client.session(t.conn, late).refused!.status).toBe(0n);
    expect(t.client.eventsOf('h3RequestRejected')).toHaveLength(0);
    // the session below the GOAWAY id goes on
    expect(t.client.sendDatagram(t.conn, first, u8('still here'))).toBe(0);
    t.run(() => t.server.session(t.sconn, first).datagrams.length > 0);
    expect(t.server.session(t.sconn, first).datagrams.map(String)).toEqual(['still here']);
    t.close();
  });

  it('wt-connect before the server\'s SETTINGS or against a server without WebTransport is refused', () => {
    const t = setup('wt no server support', { serverH3: { webtransport: 0 } });
    let err: unknown;
    try { t.client.connectSession(t.conn); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(H3CallError);
    expect((err as H3CallError).code).toBe(0x212c0d48n); // WT_REQUIREMENTS_NOT_MET
    t.close();
  });

  it('several sessions on one connection: streams and datagrams go to their own session', () => {
    const t = setup('wt several');
    const ids = [t.open('/a'), t.open('/b'), t.open('/c')];
    expect(new Set(ids).size).toBe(3);
    const streams = ids.map((id, i) => {
      const s = t.client.openStream(t.conn, id, true);
      t.client.write(t.conn, s, u8(`to session ${i}`), true);
      t.client.sendDatagram(t.conn, id, u8(`dgram ${i}`));
      return s;
    });
    t.run(() => ids.every((id) => t.server.session(t.sconn, id).streams.length === 1 && t.server.session(t.sconn, id).datagrams.length === 1)
      && streams.every((s) => t.server.fin(t.sconn, s)));
    ids.forEach((id, i) => {
      const log = t.server.session(t.sconn, id);
      expect(log.streams).toEqual([streams[i]]);
      expect(t.server.text(t.sconn, streams[i])).toBe(`to session ${i}`);
      expect(log.datagrams.map(String)).toEqual([`dgram ${i}`]);
    });
    t.close();
  });
});

describe.skipIf(!hasOpenssl)('WebTransport simulator: streams and datagrams', () => {
  it('bidirectional and unidirectional streams both ways, bound to the session', () => {
    const t = setup('wt streams');
    const id = t.open();
    // client → server: bidi (echoed back on the same stream) and uni
    const bi = t.client.openStream(t.conn, id, true);
    const uni = t.client.openStream(t.conn, id, false);
    t.client.write(t.conn, bi, u8('ping'), true);
    t.client.write(t.conn, uni, u8('one way'), true);
    t.run(() => t.server.fin(t.sconn, bi) && t.server.fin(t.sconn, uni));
    expect(t.server.session(t.sconn, id).streams.sort()).toEqual([bi, uni].sort());
    expect(t.server.eventsOf('wtStream').every((e) => e.value === id)).toBe(true);
    expect(t.server.text(t.sconn, bi)).toBe('ping');
    expect(t.server.text(t.sconn, uni)).toBe('one way');
    t.server.write(t.sconn, bi, u8('pong'), true);
    // server → client: its own bidi and uni
    const sbi = t.server.openStream(t.sconn, id, true);
    const suni = t.server.openStream(t.sconn, id, false);
    expect(sbi & 3n).toBe(1n); // server-initiated bidirectional
    expect(suni & 3n).toBe(3n);
    t.server.write(t.sconn, sbi, u8('server bidi'), true);
    t.server.write(t.sconn, suni, u8('server uni'), true);
    t.run(() => t.client.fin(t.conn, bi) && t.client.fin(t.conn, sbi) && t.client.fin(t.conn, suni));
    expect(t.client.text(t.conn, bi)).toBe('pong');
    expect(t.client.text(t.conn, sbi)).toBe('server bidi');
    expect(t.client.text(t.conn, suni)).toBe('server uni');
    expect(t.client.session(t.conn, id).streams.sort()).toEqual([sbi, suni].sort());
    // the client answers on the server's bidi stream
    t.client.write(t.conn, sbi, u8('back'), true);
    t.run(() => t.server.fin(t.sconn, sbi));
    expect(t.server.text(t.sconn, sbi)).toBe('back');
    t.close();
  });

  it('datagrams both ways with the quarter-stream-ID prefix', () => {
    const t = setup('wt datagrams');
    const a = t.open('/a'), b = t.open('/b');
    expect(t.client.sendDatagram(t.conn, b, u8('c2s'))).toBe(0);
    expect(t.server.sendDatagram(t.sconn, a, u8('s2c'))).toBe(0);
    expect(t.server.sendDatagram(t.sconn, 1000n, u8('x'))).toBe(-1); // no such session
    t.run(() => t.server.session(t.sconn, b).datagrams.length > 0 && t.client.session(t.conn, a).datagrams.length > 0);
    expect(t.server.session(t.sconn, b).datagrams.map(String)).toEqual(['c2s']);
    expect(t.client.session(t.conn, a).datagrams.map(String)).toEqual(['s2c']);
    expect(t.server.session(t.sconn, a).datagrams).toHaveLength(0);
    expect(http3.wtMaxDatagramSize(t.conn, a)).toBeGreaterThan(1000);
    t.close();
  });

  it('close with a code and reason: the other side sees both; the session\'s streams are reset with WT_SESSION_GONE', () => {
    const t = setup('wt close');
    const id = t.open();
    const s = t.client.openStream(t.conn, id, true);
    t.client.write(t.conn, s, u8('open'));
    t.run(() => t.server.session(t.sconn, id).streams.length === 1);
    expect(t.server.closeSession(t.sconn, id, 42, 'bye ✓')).toBe(true);
    t.run(() => !!t.client.session(t.conn, id).closed && t.client.resets.has(`${t.conn}:${s}`));
    expect(t.client.session(t.conn, id).closed).toEqual({ kind: WT_CLOSE_KIND.clean, code: 42n, reason: 'bye ✓', remote: true });
    expect(t.client.resets.get(`${t.conn}:${s}`)).toBe(WT_SESSION_GONE);
    // the closing side is told nothing; the session is gone for new streams and datagrams
    expect(t.server.session(t.sconn, id).closed).toBeUndefined();
    expect(() => t.client.openStream(t.conn, id, true)).toThrow(H3CallError);
    expect(t.client.sendDatagram(t.conn, id, u8('late'))).toBe(-1);
    // the connection goes on: a new session works
    const id2 = t.open('/again');
    expect(t.client.session(t.conn, id2).ready).toBeDefined();
    t.close();
  });

  it('a client close reaches the server; a FIN without a capsule is code 0', () => {
    const t = setup('wt client close');
    const id = t.open();
    t.client.closeSession(t.conn, id, 7, '');
    t.run(() => !!t.server.session(t.sconn, id).closed);
    expect(t.server.session(t.sconn, id).closed).toMatchObject({ kind: WT_CLOSE_KIND.clean, code: 7n, reason: '' });
    t.close();
  });

  it('a stream that arrives before its session is accepted waits, then is delivered with its data', () => {
    const t = setup('wt buffered');
    let pending: bigint | undefined;
    t.server.onSession = (_c, sid) => { pending = sid; };
    const id = t.client.connectSession(t.conn);
    const s = t.client.openStream(t.conn, id, false);
    t.client.write(t.conn, s, u8('before the 200'), true);
    t.client.sendDatagram(t.conn, id, u8('early datagram'));
    t.run(() => false, 200_000);
    expect(pending).toBe(id);
    expect(t.server.session(t.sconn, id).streams).toHaveLength(0);
    expect(t.server.session(t.sconn, id).datagrams).toHaveLength(0);
    t.server.respondSession(t.sconn, id, 200);
    t.run(() => t.server.fin(t.sconn, s));
    expect(t.server.session(t.sconn, id).streams).toEqual([s]);
    expect(t.server.text(t.sconn, s)).toBe('before the 200');
    expect(t.server.session(t.sconn, id).datagrams.map(String)).toEqual(['early datagram']);
    t.close();
  });

  it('streams over the buffering limit are refused with WT_BUFFERED_STREAM_REJECTED', () => {
    const t = setup('wt buffer limit', { serverH3: { wtMaxBufferedStreams: 2 } });
    t.server.onSession = () => {};
    const id = t.client.connectSession(t.conn);
    // not ended: STOP_SENDING goes only to a stream whose data is not all received (RFC 9000 §3.5)
    const ids = [0, 1, 2, 3].map((i) => { const s = t.client.openStream(t.conn, id, false); t.client.write(t.conn, s, u8(`s${i}`)); return s; });
    t.run(() => ids.filter((s) => t.client.stops.has(`${t.conn}:${s}`)).length === 2);
    const refused = ids.filter((s) => t.client.stops.get(`${t.conn}:${s}`) === WT_BUFFERED_STREAM_REJECTED);
    expect(refused).toHaveLength(2);
    t.server.respondSession(t.sconn, id, 200);
    const kept = ids.filter((s) => !refused.includes(s));
    for (const s of kept) t.client.write(t.conn, s, new Uint8Array(0), true);
    t.run(() => kept.every((s) => t.server.fin(t.sconn, s)));
    expect(t.server.session(t.sconn, id).streams.sort()).toEqual(kept.sort());
    t.close();
  });

  it('under loss and reordering: 8 streams of 64 KiB each way arrive intact on the right session', () => {
    const t = setup('wt loss', { link: { loss: 0.05, reorder: 0.05, jitterUs: 2000 } });
    const a = t.open('/a'), b = t.open('/b');
    const sent = new Map<bigint, { sid: bigint; data: Uint8Array }>();
    for (let i = 0; i < 8; i++) {
      const sid = i % 2 ? b : a;
      const s = t.client.openStream(t.conn, sid, i % 3 !== 0);
      const data = payload(100 + i, 64 << 10);
      sent.set(s, { sid, data });
      let off = 0;
      const push = () => { while (off < data.length) { const n = t.client.write(t.conn, s, data.subarray(off), true); if (n <= 0) break; off += n; } };
      push();
      t.run(() => { push(); return off === data.length; }, 30_000_000);
    }
    t.run(() => [...sent.keys()].every((s) => t.server.fin(t.sconn, s)), 60_000_000);
    for (const [s, { sid, data }] of sent) {
      expect(sha(t.server.bytes(t.sconn, s))).toBe(sha(data));
      expect(t.server.session(t.sconn, sid).streams).toContain(s);
    }
    t.close();
  });
});
