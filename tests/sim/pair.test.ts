// tests/helpers/pair.ts: the virtual network the transport's simulator
// builds on. A toy reliable sender (numbered messages, cumulative ACKs, a
// retransmission timer) must get every message across loss, duplication and
// reordering; the same seed must replay the same run; the link must respect
// its MTU, delay and bandwidth. And a real engine (the TLS handshake) runs
// over it.
import { describe, expect, it } from 'vitest';
import { Pair, simSeed, type Datagram, type Micros, type SimEndpoint } from '../helpers/pair.js';
import { TlsConfig, TlsConnection, type TlsEvent } from '../../host/tls/index.js';

/** Sends `total` numbered messages, 8 in flight, resending the unacknowledged ones after `rto`. */
class Sender implements SimEndpoint {
  acked = 0;
  next = 0;
  timer: Micros | null = null;
  constructor(readonly total: number, readonly rto: Micros, readonly size = 100) {}
  recv(now: Micros, d: Uint8Array) {
    const ack = new DataView(d.buffer, d.byteOffset).getUint32(0);
    if (ack > this.acked) { this.acked = ack; this.timer = this.acked < this.total ? now + this.rto : null; }
  }
  pollTransmit(now: Micros): Datagram | null {
    if (this.next >= this.total || this.next >= this.acked + 8) return null;
    const d = new Uint8Array(this.size);
    new DataView(d.buffer).setUint32(0, this.next++);
    if (this.timer === null) this.timer = now + this.rto;
    return { data: d };
  }
  pollTimeout() { return this.timer; }
  onTimeout(now: Micros) { this.next = this.acked; this.timer = now + this.rto; } // go back N
}

class Receiver implements SimEndpoint {
  expected = 0;
  received: number[] = [];
  pending: Uint8Array[] = [];
  recv(_now: Micros, d: Uint8Array) {
    const n = new DataView(d.buffer, d.byteOffset).getUint32(0);
    if (n === this.expected) { this.received.push(n); this.expected++; }
    const ack = new Uint8Array(4);
    new DataView(ack.buffer).setUint32(0, this.expected);
    this.pending.push(ack);
  }
  pollTransmit(): Datagram | null { const d = this.pending.shift(); return d ? { data: d } : null; }
  pollTimeout() { return null; }
  onTimeout() {}
}

function transfer(seed: number, link: ConstructorParameters<typeof Pair>[2]['link'], total = 200) {
  const s = new Sender(total, 100_000), r = new Receiver();
  const pair = new Pair(s, r, { seed, link });
  const done = pair.run(() => s.acked === total, 600_000_000);
  return { done, pair, s, r };
}

describe('virtual network pair', () => {
  it('a reliable sender gets every message across 20% loss, duplication and reordering, in order', () => {
    for (let i = 0; i < 5; i++) {
      const seed = simSeed(`pair lossy transfer #${i}`);
      const { done, pair, r } = transfer(seed, { loss: 0.2, duplicate: 0.1, reorder: 0.2, jitterUs: 5_000 });
      expect(done, `SIM_SEED=${seed}`).toBe(true);
      expect(r.received).toEqual(Array.from({ length: 200 }, (_, k) => k));
      expect(pair.stats.a.dropped).toBeGreaterThan(0);
      expect(pair.stats.a.duplicated).toBeGreaterThan(0);
    }
  });

  it('the same seed replays the same run', () => {
    const seed = simSeed('pair replay');
    const x = transfer(seed, { loss: 0.1, duplicate: 0.05, reorder: 0.1, jitterUs: 3_000 });
    const y = transfer(seed, { loss: 0.1, duplicate: 0.05, reorder: 0.1, jitterUs: 3_000 });
    expect(y.pair.now).toBe(x.pair.now);
    expect(y.pair.stats).toEqual(x.pair.stats);
  });

  it('respects the MTU, the delay and the bandwidth', () => {
    const big = new Sender(1, 1_000_000, 2000), r = new Receiver();
    const p = new Pair(big, r, { seed: 1, link: { mtu: 1500 } });
    expect(p.run(() => r.received.length > 0, 5_000_000)).toBe(false);
    expect(p.stats.a.tooBig).toBeGreaterThan(0);
    // 100 messages of 1000 B at 1 MB/s take at least 0.1 s of serialization plus the delay
    const s = new Sender(100, 10_000_000, 1000), rr = new Receiver();
    const q = new Pair(s, rr, { seed: 2, link: { delayUs: 20_000, bandwidth: 1_000_000 } });
    expect(q.run(() => rr.received.length === 100)).toBe(true);
    expect(q.now).toBeGreaterThanOrEqual(100_000 + 20_000 - 1_000);
  });

  it('carries a real engine: a TLS handshake between two TlsConnections in 1.5 round trips', () => {
    // Each handshake message travels as one datagram: [level][bytes].
    class TlsEndpoint implements SimEndpoint {
      out: Datagram[] = [];
      events: TlsEvent[] = [];
      constructor(readonly conn: TlsConnection) {}
      take(evs: TlsEvent[]) {
        this.events.push(...evs);
        for (const e of evs) if (e.kind === 'data') this.out.push({ data: Uint8Array.of(e.level, ...e.data) });
      }
      recv(_now: Micros, d: Uint8Array) { this.take(this.conn.handle(d[0] as 0 | 2 | 3, d.subarray(1))); }
      pollTransmit() { return this.out.shift() ?? null; }
      pollTimeout() { return null; }
      onTimeout() {}
    }
    return (async () => {
      const { makePki, haveOpenssl } = await import('../tls/pki.js');
      if (!haveOpenssl()) { if (process.env.CI) throw new Error('openssl is required under CI'); return; }
      const pki = makePki();
      const tp = Uint8Array.from([0x0f, 4, 1, 2, 3, 4]), stp = Uint8Array.from([0x00, 4, 1, 2, 3, 4, 0x0f, 2, 9, 9]);
      const sc = new TlsConfig({ server: true, certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['h3'], transportParams: stp });
      const cc = new TlsConfig({ serverName: 'localhost', trustAnchorsPem: pki.ecCa.certPem, alpn: ['h3'], transportParams: tp });
      const client = new TlsEndpoint(new TlsConnection(cc)), server = new TlsEndpoint(new TlsConnection(sc));
      client.take(client.conn.start());
      const pair = new Pair(client, server, { seed: simSeed('pair tls'), link: { delayUs: 25_000 } });
      expect(pair.run(() => server.events.some((e) => e.kind === 'confirmed') && client.events.some((e) => e.kind === 'complete'))).toBe(true);
      // ClientHello (25 ms), the server's flight back (50 ms), the client's Finished (75 ms): 1.5 RTT
      expect(pair.now).toBe(75_000);
    })();
  });
});
