// HTTP/3 in the simulator: an H3 client and an H3 server of the component
// (wit/http3.wit) on tests/helpers/pair.ts's virtual network, in virtual time.
// Every case prints its seed (SIM_SEED=... replays it).
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { payload } from '../helpers/pair.js';
import { H3SimEndpoint, H3CallError, GET, connectH3Pair, type H3PairOptions } from '../helpers/h3-sim.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { http3, quic } from '../../host/core/engine.js';
import type { H3Options } from '../../host/quic/wire.js';

const hasOpenssl = requireOpenssl('HTTP/3 simulator (certificates are made with openssl)');

let pki: Pki;
beforeAll(() => { if (hasOpenssl) pki = makePki(); });

function setup(label: string, s: H3PairOptions = {}) {
  return connectH3Pair(H3SimEndpoint, pki, label, s);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!hasOpenssl)('HTTP/3 simulator', () => {
  it('GET: request headers reach the server, the response and its body reach the client', () => {
    const t = setup('h3 get');
    expect(t.client.connected()).toBe(true);
    t.server.onRequest = (c, s, fields, fin) => {
      expect(fin).toBe(true);
      expect(new Map(fields).get(':path')).toBe('/hello');
      t.server.respond(c, s, 200, new Uint8Array(Buffer.from('hello world')), [['content-type', 'text/plain']]);
    };
    const id = t.client.request(t.conn, [[':method', 'GET'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/hello'], ['user-agent', 'sim']]);
    const log = t.client.log(t.conn, id);
    t.pair.run(() => log.fin || !!log.reset, t.pair.now + 10_000_000);
    expect(log.reset).toBeUndefined();
    expect(log.sections[0].kind).toBe(2);
    expect(log.headers().get(':status')).toBe('200');
    expect(log.headers().get('content-type')).toBe('text/plain');
    expect(log.bodyBytes().toString()).toBe('hello world');
    // the peer's settings as the API reports them
    const ps = http3.peerSettings(t.conn);
    expect(ps.received).toBe(true);
    expect(ps.maxFieldSectionSize).toBe(65536n);
    t.close();
  });
});

describe.skipIf(!hasOpenssl)('HTTP/3 simulator: bodies, trailers, 1xx, concurrency, QPACK', () => {
  it('POST with a 1 MB body both ways under 5% loss and reordering: bytes intact', () => {
    const t = setup('h3 post loss', { link: { loss: 0.05, reorder: 0.05, jitterUs: 2000 } });
    const up = payload(1, 1 << 20), down = payload(2, 1 << 20);
    const id = t.client.request(t.conn, [[':method', 'POST'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/up'], ['content-length', String(up.length)]], up);
    let sid: bigint | undefined;
    t.pair.run(() => { const l = [...t.server.logs.entries()].find(([, v]) => v.fin); if (l) sid = BigInt(l[0].split(':')[1]); return sid !== undefined; }, t.pair.now + 120_000_000);
    expect(sid).toBe(id);
    const sl = t.server.log(t.sconn, id);
    expect(sha(sl.bodyBytes())).toBe(sha(up));
    expect(sl.headers().get('content-length')).toBe(String(up.length));
    t.server.respond(t.sconn, id, 200, down);
    const cl = t.client.log(t.conn, id);
    t.pair.run(() => cl.fin || !!cl.reset, t.pair.now + 120_000_000);
    expect(cl.reset).toBeUndefined();
    expect(sha(cl.bodyBytes())).toBe(sha(down));
    t.close();
  });

  it('trailers both ways and informational responses before the final one', () => {
    const t = setup('h3 trailers');
    t.server.onRequest = (c, s) => {
      t.server.sendHeaders(c, s, [[':status', '103'], ['link', '</style.css>; rel=preload']]);
      t.server.sendHeaders(c, s, [[':status', '100']]);
      t.server.sendHeaders(c, s, [[':status', '200'], ['trailer', 'x-checksum']]);
      expect(Number(http3.sendData(c, s, new Uint8Array(Buffer.from('body')), false))).toBe(4);
      t.server.sendHeaders(c, s, [['x-checksum', 'abc']], true);
    };
    const id = t.client.request(t.conn, [...GET.slice(0, 3), [':path', '/t'], ['te', 'trailers']], undefined, false);
    expect(Number(http3.sendData(t.conn, id, new Uint8Array(Buffer.from('req')), false))).toBe(3);
    t.client.sendHeaders(t.conn, id, [['x-req-trailer', '1']], true);
    const cl = t.client.log(t.conn, id);
    t.pair.run(() => cl.fin || !!cl.reset, t.pair.now + 10_000_000);
    expect(cl.sections.map((s) => s.kind)).toEqual([1, 1, 2, 3]);
    expect(cl.headers(0).get(':status')).toBe('103');
    expect(cl.headers(2).get(':status')).toBe('200');
    expect(cl.headers(3).get('x-checksum')).toBe('abc');
    expect(cl.bodyBytes().toString()).toBe('body');
    const sl = t.server.log(t.sconn, id);
    t.pair.run(() => sl.fin, t.pair.now + 10_000_000);
    expect(sl.sections.map((s) => s.kind)).toEqual([0, 3]);
    expect(sl.headers(1).get('x-req-trailer')).toBe('1');
    expect(sl.bodyBytes().toString()).toBe('req');
    // trailers must end the stream; a second final response is refused
    expect(() => t.server.sendHeaders(t.sconn, id, [[':status', '200']])).toThrow(H3CallError);
    t.close();
  });

  it('300 concurrent requests on a server allowing 50 streams at once: requests-available, all answered', () => {
    const t = setup('h3 concurrent', { server: { maxStreamsBidi: 50 } });
    t.server.onRequest = (c, s, f) => t.server.respond(c, s, 200, new Uint8Array(Buffer.from(new Map(f).get(':path')!)));
    const ids: bigint[] = [];
    let blocked = 0;
    for (let guard = 0; ids.length < 300 && guard < 1000; guard++) {
      try {
        ids.push(t.client.request(t.conn, [...GET.slice(0, 3), [':path', `/r${ids.length}`]]));
      } catch (e) {
        expect(e).toBeInstanceOf(H3CallError);
        expect((e as H3CallError).code).toBe(0n);
        blocked++;
        const before = t.client.eventsOf('h3RequestsAvailable').length;
        t.pair.run(() => t.client.eventsOf('h3RequestsAvailable').length > before, t.pair.now + 10_000_000);
      }
    }
    expect(blocked).toBeGreaterThan(0);
    t.pair.run(() => ids.every((id) => t.client.log(t.conn, id).fin), t.pair.now + 60_000_000);
    ids.forEach((id, i) => expect(t.client.log(t.conn, id).bodyBytes().toString()).toBe(`/r${i}`));
    t.close();
  });

  it('QPACK with the dynamic table (and blocked streams under reordering) sends fewer bytes than without', () => {
    const big: [string, string][] = [['x-custom-token', 'a'.repeat(200)], ['user-agent', 'h3-wasi-sim/'.repeat(10)], ['cookie', 'session=' + 'c'.repeat(100)]];
    const sent = (cap: number, label: string) => {
      const t = setup(label, { link: { reorder: 0.2, jitterUs: 5000 }, clientH3: { qpackMaxTableCapacity: cap }, serverH3: { qpackMaxTableCapacity: cap, qpackBlockedStreams: 8 } });
      t.server.onRequest = (c, s, f) => {
        expect(new Map(f).get('x-custom-token')).toBe('a'.repeat(200));
        t.server.respond(c, s, 200, new Uint8Array(0), [['x-server', 'b'.repeat(200)]]);
      };
      const before = Number(quic.stats(t.conn).bytesSent);
      const ids: bigint[] = [];
      // in rounds: the first of a burst may block on new entries (up to the blocked-streams limit), later rounds reference acknowledged ones
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 8; i++) ids.push(t.client.request(t.conn, [...GET.slice(0, 3), [':path', `/q${round}-${i}`], ...big]));
        t.pair.run(() => ids.every((id) => t.client.log(t.conn, id).fin || t.client.log(t.conn, id).reset), t.pair.now + 30_000_000);
      }
      for (const id of ids) {
        const l = t.client.log(t.conn, id);
        expect(l.reset).toBeUndefined();
        expect(l.headers().get('x-server')).toBe('b'.repeat(200));
      }
      const n = Number(quic.stats(t.conn).bytesSent) - before;
      t.close();
      return n;
    };
    const without = sent(0, 'h3 qpack static');
    const withTable = sent(4096, 'h3 qpack dynamic');
    console.log(`QPACK: 40 requests with 3 large repeated fields: client sent ${without} bytes with the static table only, ${withTable} with a 4096-byte dynamic table`);
    expect(withTable).toBeLessThan(without * 0.6);
  });
});

describe.skipIf(!hasOpenssl)('HTTP/3 simulator: GOAWAY, priorities, limits', () => {
  it('GOAWAY drains: requests in flight finish, new ones are refused or rejected (retryable)', () => {
    const t = setup('h3 goaway');
    const held: [number, bigint][] = [];
    t.server.onRequest = (c, s) => held.push([c, s]);
    const ids = [0, 1, 2].map((i) => t.client.request(t.conn, [...GET.slice(0, 3), [':path', `/g${i}`]]));
    t.pair.run(() => held.length === 3, t.pair.now + 10_000_000);
    expect(http3.goaway(t.sconn)).toBe(true);
    // a request the client sends before it hears of the GOAWAY is above the id: rejected by the server
    const late = t.client.request(t.conn, [...GET.slice(0, 3), [':path', '/late']]);
    t.pair.run(() => t.client.eventsOf('h3Goaway').length > 0 && t.client.log(t.conn, late).rejected !== undefined, t.pair.now + 10_000_000);
    expect(t.client.eventsOf('h3Goaway')[0].value).toBe(12n);
    expect(t.client.log(t.conn, late).rejected).toBe(0x10bn);
    // after the GOAWAY the client sends no new requests (§5.2)
    expect(() => t.client.request(t.conn, GET)).toThrow(expect.objectContaining({ code: 0x10bn }));
    // the ones in flight are answered
    for (const [c, s] of held) t.server.respond(c, s, 200, new Uint8Array(Buffer.from('ok')));
    t.pair.run(() => ids.every((id) => t.client.log(t.conn, id).fin), t.pair.now + 10_000_000);
    for (const id of ids) expect(t.client.log(t.conn, id).bodyBytes().toString()).toBe('ok');
    // the host closes with H3_NO_ERROR once drained
    quic.close(t.sconn, BigInt(Math.round(t.pair.now)), 0x100n, 'bye', true);
    t.pair.run(() => !!t.client.closed(), t.pair.now + 10_000_000);
    expect(t.client.closed()!.value).toBe(0x100n);
    // a client GOAWAY carries push ID 0
    t.close();
  });

  it('priorities reach the QUIC scheduler: the priority field and PRIORITY_UPDATE order the responses', () => {
    const t = setup('h3 priority', { link: { bandwidth: 2_000_000 } });
    const reqs: bigint[] = [];
    t.server.onRequest = (c, s) => reqs.push(s);
    const body = payload(3, 400_000);
    const a = t.client.request(t.conn, [...GET.slice(0, 3), [':path', '/a']]);
    const b = t.client.request(t.conn, [...GET.slice(0, 3), [':path', '/b'], ['priority', 'u=5']]);
    const c = t.client.request(t.conn, [...GET.slice(0, 3), [':path', '/c'], ['priority', 'u=6']]);
    t.pair.run(() => reqs.length === 3, t.pair.now + 10_000_000);
    // the client raises c above everything with PRIORITY_UPDATE, before the server starts answering
    expect(http3.setPriority(t.conn, c, 0, false)).toBe(true);
    t.pair.run(() => false, t.pair.now + 200_000);
    for (const s of reqs) t.server.respond(t.sconn, s, 200, body);
    t.pair.run(() => [a, b, c].every((id) => t.client.log(t.conn, id).fin), t.pair.now + 60_000_000);
    const order = [a, b, c].map((id) => t.client.log(t.conn, id).doneAt);
    // c (urgency 0) first, then a (default 3), then b (5)
    expect(order[2]).toBeLessThan(order[0]);
    expect(order[0]).toBeLessThan(order[1]);
    t.close();
  });

  it('a request body over the configured limit gets 413 from the core; the host never sees it', () => {
    const t = setup('h3 413', { serverH3: { maxBodySize: 1000 } });
    let seen = 0;
    t.server.onRequest = () => { seen++; };
    const id = t.client.request(t.conn, [[':method', 'POST'], ...GET.slice(1, 3), [':path', '/big'], ['content-length', '5000']], payload(4, 5000));
    const l = t.client.log(t.conn, id);
    t.pair.run(() => l.fin || !!l.reset, t.pair.now + 10_000_000);
    expect(seen).toBe(0);
    expect(l.headers().get(':status')).toBe('413');
    t.close();
  });

  it('extended CONNECT (RFC 9220) and SETTINGS_H3_DATAGRAM once the server enables them; refused before', () => {
    const wt: [string, string][] = [[':method', 'CONNECT'], [':protocol', 'webtransport'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/wt']];
    const off = setup('h3 connect off');
    expect(http3.peerSettings(off.conn).enableConnectProtocol).toBe(false);
    expect(() => off.client.request(off.conn, wt, undefined, false)).toThrow(expect.objectContaining({ code: 0x10en }));
    off.close();
    const t = setup('h3 connect on', { serverH3: { enableConnectProtocol: true, h3Datagram: true } });
    const ps = http3.peerSettings(t.conn);
    expect([ps.enableConnectProtocol, ps.h3Datagram]).toEqual([true, true]);
    const settings = t.client.eventsOf('h3Settings')[0];
    expect(settings.bytes.length % 16).toBe(0);
    t.server.onRequest = (c, s, f) => {
      expect(new Map(f).get(':protocol')).toBe('webtransport');
      t.server.sendHeaders(c, s, [[':status', '200']]);
    };
    const id = t.client.request(t.conn, wt, undefined, false);
    const l = t.client.log(t.conn, id);
    t.pair.run(() => l.sections.length > 0, t.pair.now + 5_000_000);
    expect(l.headers().get(':status')).toBe('200');
    // the stream stays open both ways (the session lives on it)
    expect(Number(http3.sendData(t.conn, id, new Uint8Array(Buffer.from('capsule')), false))).toBe(7);
    t.close();
  });

  it('a request field section over SETTINGS_MAX_FIELD_SECTION_SIZE is refused by the client before it is sent', () => {
    const t = setup('h3 431 client', { serverH3: { maxFieldSectionSize: 500 } });
    expect(http3.peerSettings(t.conn).maxFieldSectionSize).toBe(500n);
    expect(() => t.client.request(t.conn, [...GET, ['x-big', 'b'.repeat(600)]])).toThrow(expect.objectContaining({ code: 0x107n }));
    t.close();
  });
});
