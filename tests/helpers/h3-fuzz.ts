// The HTTP/3 connection fuzzer (tests/h3/fuzz.test.ts runs its smoke,
// `npm run fuzz -- h3` a long run, bench/fuzz-h3.mjs): a raw QUIC peer with
// ALPN "h3" (h3-sim.ts RawH3Peer) writes random, mutated and well-framed but
// hostile bytes on control, QPACK, unknown and request streams into an H3
// server or an H3 client of the component, in the simulator, one connection
// after another. Checked per connection: no trap (a trap throws out of the
// engine call), a close carries an H3 or QPACK code as an application close,
// and a connection that survived answers a valid request (server role).
// Deterministic for a seed: the certificate is quic-fuzz.ts's fixed one.
import { Pair, prng } from './pair.js';
import { addr } from './quic-sim.js';
import { H3SimEndpoint, RawH3Peer, varint, cat, frame, settings, headers, data, GET, headerBlock } from './h3-sim.js';
import { FUZZ_CERT } from './quic-fuzz.js';
import { quic } from '../../host/core/engine.js';

const EMPTY_TP = new Uint8Array(0);
/** Inputs tried on one connection before the next (fewer when it closes). */
export const PER_CONNECTION = 40;

export const isH3Code = (c: bigint) => (c >= 0x100n && c <= 0x110n) || (c >= 0x200n && c <= 0x202n);

export class Gen {
  constructor(readonly r: () => number) {}
  int(n: number) { return Math.floor(this.r() * n); }
  bytes(n: number) { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = this.int(256); return b; }
  /** A valid-looking frame sequence, then mutated: flipped bytes, cut, or spliced random bytes. */
  frames(request: boolean): Uint8Array {
    const parts: Uint8Array[] = [];
    const n = 1 + this.int(4);
    for (let i = 0; i < n; i++) {
      switch (this.int(8)) {
        case 0: parts.push(headers(this.int(2) ? GET : [[':status', '200'], ['x', 'y']])); break;
        case 1: parts.push(data(this.bytes(this.int(40)))); break;
        case 2: parts.push(settings([[this.int(64), this.int(1 << 20)], [0x21 + 0x1f * this.int(9), 1]])); break;
        case 3: parts.push(frame(this.int(2) ? 0x07 : 0x0d, varint(this.int(100)))); break;
        case 4: parts.push(frame(0xf0700, cat(varint(this.int(16)), new Uint8Array(Buffer.from('u=' + this.int(9)))))); break;
        case 5: parts.push(frame(this.int(0x40), this.bytes(this.int(20)))); break;
        case 6: parts.push(frame(0x01, headerBlock([...GET, ['x-r', String(this.int(1e6))]], this.int(2) === 1))); break;
        default: parts.push(this.bytes(this.int(30)));
      }
    }
    const b = cat(...parts);
    const m = this.int(4);
    if (m === 0 && b.length) for (let k = 0; k < 1 + this.int(4); k++) b[this.int(b.length)] ^= 1 << this.int(8);
    if (m === 1 && b.length) return b.subarray(0, this.int(b.length));
    if (m === 2) return cat(b.subarray(0, this.int(b.length + 1)), this.bytes(this.int(20)));
    void request;
    return b;
  }
  /** A string over an alphabet that reaches every validation rule (upper case, ':', CR/LF, spaces, NUL). */
  str(max: number): string {
    const A = 'abcxyz-:AZ09 \r\n\t\0/*;=,"?';
    let out = '';
    for (let i = this.int(max); i > 0; i--) out += A[this.int(A.length)];
    return out;
  }
  /** Well-framed requests or responses with random fields, bodies, content-length, unknown frames: mostly stream errors, not connection errors. */
  message(response: boolean): Uint8Array {
    const f: [string, string][] = response ? [[':status', String(this.int(8) ? 200 + this.int(400) : 100 + this.int(500))]]
      : this.int(4) ? [...GET] : [[':method', this.str(6)], [':path', this.str(8)]];
    for (let i = this.int(5); i > 0; i--) {
      const pick = this.int(6);
      f.splice(this.int(f.length + 1), 0, pick === 0 ? ['content-length', String(this.int(50))] : pick === 1 ? ['priority', this.str(10)] : pick === 2 ? ['te', this.str(8)] : [this.str(10) || 'x', this.str(20)]);
    }
    const parts: Uint8Array[] = [];
    if (this.int(4) === 0) parts.push(frame(0x21 + 0x1f * this.int(100), this.bytes(this.int(10))));
    parts.push(frame(0x01, headerBlock(f, this.int(2) === 1)));
    for (let i = this.int(3); i > 0; i--) parts.push(this.int(3) ? data(this.bytes(this.int(30))) : frame(0x21, this.bytes(3)));
    if (this.int(4) === 0) parts.push(headers([[this.str(6) || 'x', this.str(6)]]));
    return cat(...parts);
  }
  /** A unidirectional stream: type (control, push, QPACK, reserved, random) then bytes. */
  uni(): Uint8Array {
    const t = [0, 0, 1, 2, 3, 2, 3, 0x21, this.int(1 << 14)][this.int(9)];
    const body = t === 2 || t === 3 ? this.bytes(this.int(40)) : t === 0 ? cat(this.int(3) ? settings() : new Uint8Array(0), this.frames(false)) : this.bytes(this.int(30));
    return cat(varint(t), body);
  }
}


export interface ConnectionResult { inputs: number; closeCode?: bigint; survived: boolean }

export class H3Fuzzer {
  readonly raw: RawH3Peer;
  readonly h3: H3SimEndpoint;
  readonly pair: Pair;
  readonly g: Gen;
  readonly rawIsClient: boolean;

  constructor(readonly role: 'server' | 'client', seed: number) {
    const clientTls = { serverName: 'localhost', alpn: ['h3'], trustAnchorsPem: FUZZ_CERT.certPem, transportParams: EMPTY_TP };
    const serverTls = { server: true, alpn: ['h3'], certChainPem: FUZZ_CERT.certPem, privateKeyPem: FUZZ_CERT.keyPem, transportParams: EMPTY_TP };
    const opts = { quic: { maxStreamsBidi: 1000, maxStreamsUni: 1000 } };
    this.g = new Gen(prng(seed ^ (role === 'server' ? 0x5e : 0xc1)));
    this.rawIsClient = role === 'server';
    if (role === 'server') {
      this.raw = new RawH3Peer(1, 50000, { ...opts, tls: clientTls } as never);
      const h3 = (this.h3 = new H3SimEndpoint(2, 4433, { ...opts, tls: serverTls } as never));
      h3.onRequest = (c, s) => { try { h3.respond(c, s, 200, new Uint8Array(3)); } catch { /* the stream or connection is gone */ } };
      this.pair = new Pair(this.raw, this.h3, { seed });
    } else {
      this.h3 = new H3SimEndpoint(1, 50000, { ...opts, tls: clientTls } as never);
      this.raw = new RawH3Peer(2, 4433, { ...opts, tls: serverTls } as never);
      this.pair = new Pair(this.h3, this.raw, { seed });
    }
  }

  /** One connection: handshake, inputs until it closes or PER_CONNECTION, then both sides freed. Throws on a broken rule. */
  runConnection(): ConnectionResult {
    const { raw, h3, pair, g, rawIsClient } = this;
    const before = { raw: raw.events.length, h3: h3.events.length };
    const up = (ep: RawH3Peer | H3SimEndpoint, from: number) => ep.events.slice(from).find((e) => e.kind === 'connected')?.connection ?? 0;
    if (rawIsClient) raw.connect(pair.now, addr(2, 4433));
    else h3.connect(pair.now, addr(2, 4433));
    pair.run(() => up(raw, before.raw) !== 0 && up(h3, before.h3) !== 0, pair.now + 5_000_000);
    const rconn = up(raw, before.raw);
    const hconn = up(h3, before.h3);
    if (!rconn || !hconn) throw new Error('handshake failed');
    // the raw side's control stream, which some inputs extend with frames
    const ctlId = raw.openUni(rconn, cat(varint(0), settings()));
    const closed = () => raw.events.slice(before.raw).find((e) => e.kind === 'closed' && e.connection === rconn);
    // client role: a request for the raw server to answer with garbage
    const waitReq = (id: bigint) => pair.run(() => raw.eventsOf('streamOpened').some((e) => e.connection === rconn && e.stream === id), pair.now + 500_000);
    let req = rawIsClient ? -1n : h3.request(hconn, GET, undefined, g.int(2) === 0);
    if (!rawIsClient) waitReq(req);
    let inputs = 0;
    for (let k = 0; k < PER_CONNECTION && !closed(); k++) {
      inputs++;
      const kind = g.int(40);
      // one in twenty harsh (random or mutated frames: mostly connection errors), the rest well framed
      if (kind === 0) raw.openUni(rconn, g.uni(), g.int(8) === 0);
      else if (kind === 1) raw.write(rconn, rawIsClient ? raw.openBidi(rconn, new Uint8Array(0)) : ctlId, g.frames(false), g.int(2) === 0);
      else if (kind < 4) raw.openUni(rconn, cat(varint(0x21 + 0x1f * g.int(1000)), g.bytes(g.int(20))), g.int(2) === 0);
      else if (rawIsClient) {
        const id = raw.openBidi(rconn, g.message(false), g.int(3) !== 0);
        if (g.int(6) === 0) quic.streamReset(rconn, id, BigInt(0x100 + g.int(16)));
      } else {
        // answer the pending request with a random response, then open another
        raw.write(rconn, req, g.message(true), true);
        pair.run(() => !!closed(), pair.now + 50_000);
        if (closed()) break;
        try { req = h3.request(hconn, GET, undefined, g.int(2) === 0); } catch { break; }
        waitReq(req);
      }
      pair.run(() => !!closed(), pair.now + 100_000);
    }
    const c = closed();
    const out: ConnectionResult = { inputs, survived: !c };
    if (c) {
      out.closeCode = c.value;
      // our side closed: an H3/QPACK code, as an application close
      if (c.remote && !(c.app && isH3Code(c.value))) throw new Error(`close with 0x${c.value.toString(16)} (app ${c.app}): not an HTTP/3 or QPACK code`);
    } else if (rawIsClient) {
      // the connection still serves a valid request
      const id = raw.openBidi(rconn, headers(GET), true);
      pair.run(() => raw.finished.has(`${rconn}:${id}`) || raw.resetCode(id, rconn) !== undefined || !!closed(), pair.now + 2_000_000);
      if (!closed()) {
        if (raw.resetCode(id, rconn) !== undefined) throw new Error(`a valid request on a surviving connection was reset with 0x${raw.resetCode(id, rconn)!.toString(16)}`);
        if (raw.bytes(rconn, id)[0] !== 1) throw new Error('a valid request on a surviving connection got no HEADERS');
      }
    }
    // the host's part: forget both connections (their memory goes back to the core)
    quic.connectionFree(rconn);
    quic.connectionFree(hconn);
    // keep the logs from growing over a long run
    raw.events = [];
    h3.events = [];
    raw.received.clear();
    raw.finished.clear();
    h3.logs.clear();
    return out;
  }

  close(): void {
    this.raw.close();
    this.h3.close();
  }
}
