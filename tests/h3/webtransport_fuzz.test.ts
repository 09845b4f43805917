// Fuzz smoke for WebTransport in the core (assembly/h3/webtransport/): a raw
// client (h3-sim.ts RawH3Peer) with WebTransport SETTINGS writes random and
// mutated WebTransport streams (type 0x54, signal 0x41, random session IDs),
// CONNECTs followed by random capsule bytes, resets, and random datagrams
// into a server core with WebTransport on, one connection after another.
// Checked: no trap (it would throw out of an engine call), a close carries an
// H3 code (or H3_DATAGRAM_ERROR) as an application close, core memory stays
// bounded, and a surviving connection still accepts a session.
// FUZZ_SEED replays a run.
import { describe, expect, it } from 'vitest';
import { Pair, prng } from '../helpers/pair.js';
import { addr } from '../helpers/quic-sim.js';
import { RawH3Peer, varint, cat, settings, headers, data, parseFrames, decodeBlock } from '../helpers/h3-sim.js';
import { Gen, isH3Code } from '../helpers/h3-fuzz.js';
import { FUZZ_CERT } from '../helpers/quic-fuzz.js';
import { WtSimEndpoint, wtConnectFields } from '../helpers/wt-sim.js';
import { coreMemoryBytes } from '../helpers/core-hooks.js';
import { quic } from '../../host/core/engine.js';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
const CONNECTIONS = Number(process.env.WT_FUZZ_CONNECTIONS ?? 30);
const PER_CONNECTION = 40;
const EMPTY_TP = new Uint8Array(0);
const CONNECT = headers(wtConnectFields());
const CAPSULE_TYPES = [0x2843, 0x78ae, 0x17, 0x190b4d3f, 0x2452d100e1ea41cn];

describe('WebTransport fuzz smoke', () => {
  it(`random WebTransport streams, capsules and datagrams into our server: no trap, H3 codes only, bounded memory (FUZZ_SEED=${SEED})`, () => {
    console.log(`wt fuzz: FUZZ_SEED=${SEED}`);
    const opts = { quic: { maxStreamsBidi: 1000, maxStreamsUni: 1000, maxDatagramFrameSize: 1200 } };
    const raw = new RawH3Peer(1, 50000, { ...opts, tls: { serverName: 'localhost', alpn: ['h3'], trustAnchorsPem: FUZZ_CERT.certPem, transportParams: EMPTY_TP } } as never);
    const srv = new WtSimEndpoint(2, 4433, { ...opts, h3: { wtMaxBufferedStreams: 8, wtMaxSessions: 4 }, tls: { server: true, alpn: ['h3'], certChainPem: FUZZ_CERT.certPem, privateKeyPem: FUZZ_CERT.keyPem, transportParams: EMPTY_TP } } as never);
    srv.onSession = (c, id) => { try { srv.respondSession(c, id, 200); } catch { /* gone */ } };
    const pair = new Pair(raw, srv, { seed: SEED });
    const g = new Gen(prng(SEED ^ 0x77));
    const sid = () => BigInt(g.int(60) === 0 ? g.int(1 << 20) : 4 * g.int(12));
    let inputs = 0, closes = 0, survivors = 0;
    const codes = new Map<bigint, number>();
    const mem0 = coreMemoryBytes();
    for (let n = 0; n < CONNECTIONS; n++) {
      const before = { raw: raw.events.length, srv: srv.events.length };
      const up = (ep: RawH3Peer | WtSimEndpoint, from: number) => ep.events.slice(from).find((e) => e.kind === 'connected')?.connection ?? 0;
      raw.connect(pair.now, addr(2, 4433));
      pair.run(() => up(raw, before.raw) !== 0 && up(srv, before.srv) !== 0, pair.now + 5_000_000);
      const rconn = up(raw, before.raw), sconn = up(srv, before.srv);
      expect(rconn && sconn).toBeTruthy();
      const closed = () => raw.events.slice(before.raw).find((e) => e.kind === 'closed' && e.connection === rconn);
      raw.openUni(rconn, cat(varint(0), settings([[0x2b603742, 1], [0x33, 1]])));
      const sessions: bigint[] = [];
      for (let k = 0; k < PER_CONNECTION && !closed(); k++) {
        inputs++;
        const kind = g.int(9);
        if (kind === 0) raw.openUni(rconn, cat(varint(0x54), varint(sid()), g.bytes(g.int(30))), g.int(2) === 0);
        else if (kind === 1) raw.openBidi(rconn, cat(varint(0x41), varint(sid()), g.bytes(g.int(30))), g.int(2) === 0);
        else if (kind === 2) sessions.push(raw.openBidi(rconn, CONNECT));
        else if (kind === 3 && sessions.length > 0) {
          const s = sessions[g.int(sessions.length)];
          const type = CAPSULE_TYPES[g.int(CAPSULE_TYPES.length)];
          const body = g.bytes(g.int(40));
          const capsule = g.int(4) === 0 ? g.bytes(g.int(20)) : cat(varint(type), varint(g.int(3) === 0 ? g.int(2000) : body.length), body);
          raw.write(rconn, s, g.int(5) === 0 ? capsule : data(capsule), g.int(6) === 0);
        } else if (kind === 4) quic.datagramSend(rconn, g.int(60) === 0 ? new Uint8Array(0) : cat(varint(sid() / 4n), g.bytes(g.int(50))));
        else if (kind === 5 && sessions.length > 0) quic.streamReset(rconn, sessions[g.int(sessions.length)], BigInt(0x100 + g.int(16)));
        else if (kind === 6) raw.openUni(rconn, g.bytes(1 + g.int(12)), g.int(2) === 0);
        else if (kind === 7) raw.openBidi(rconn, cat(Uint8Array.of(0x40, 0x41), g.int(8) === 0 ? g.bytes(g.int(6)) : cat(varint(sid()), g.bytes(g.int(20)))), g.int(2) === 0);
        pair.run(() => !!closed(), pair.now + 50_000);
      }
      const c = closed();
      if (c) {
        closes++;
        codes.set(c.value, (codes.get(c.value) ?? 0) + 1);
        if (c.remote) expect(c.app && (isH3Code(c.value) || c.value === 0x33n), `close 0x${c.value.toString(16)}`).toBe(true);
      } else {
        survivors++;
        // a new session still works (or is over the session limit: H3_REQUEST_REJECTED)
        const id = raw.openBidi(rconn, CONNECT);
        pair.run(() => raw.bytes(rconn, id).length > 0 || raw.resetCode(id, rconn) !== undefined || !!closed(), pair.now + 2_000_000);
        if (!closed() && raw.resetCode(id, rconn) === undefined) {
          const f = parseFrames(raw.bytes(rconn, id)).find((x) => x.type === 1n);
          expect(f && new Map(decodeBlock(f.payload)).get(':status')).toBe('200');
        } else if (!closed()) expect(raw.resetCode(id, rconn)).toBe(0x10bn);
      }
      quic.connectionFree(rconn);
      quic.connectionFree(sconn);
      raw.events = [];
      srv.events = [];
      raw.received.clear();
      raw.finished.clear();
      srv.logs.clear();
      srv.sessions.clear();
    }
    const grown = coreMemoryBytes() - mem0;
    console.log(`wt fuzz: ${inputs} inputs, ${closes} connection errors, ${survivors} survived; core memory +${(grown / 2 ** 20).toFixed(1)} MiB; closes by code ${[...codes].map(([k, v]) => `0x${k.toString(16)}:${v}`).join(' ')}`);
    expect(inputs).toBeGreaterThan(CONNECTIONS * 5);
    expect(survivors).toBeGreaterThan(0);
    expect(grown).toBeLessThan(64 * 2 ** 20);
    raw.close();
    srv.close();
  }, 120_000);
});
