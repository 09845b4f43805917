import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const FRAME_ENCODING_ERROR = 0x07n, CONNECTION_ID_LIMIT_ERROR = 0x09n, PROTOCOL_VIOLATION = 0x0an;
const NONE = (1n << 64n) - 1n;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The peer's CID and reset token for a sequence number: distinct for every sequence number, lengths 1..20. */
const cidFor = (seq: number) => Uint8Array.from({ length: 1 + ((seq * 7) % 20) }, (_, i) => (i === 0 ? 0x80 | (seq & 0x7f) : (seq * 31 + i) & 0xff));
const tokenFor = (seq: number) => Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? 0x55 : i === 1 ? seq & 0xff : (seq * 13 + i * 17) & 0xff));
const withTail = (prefixLen: number, token: Uint8Array) => {
  const d = new Uint8Array(prefixLen + 16);
  for (let i = 0; i < prefixLen; i++) d[i] = (i * 37 + 0x41) & 0xff;
  d.set(token, prefixLen);
  return d;
};
const info = (t: any, h: number) => {
  const [currentSeq, currentLen, hasCurrent, stored, pendingRetire, unackedRetire, largestRpt, zeroLength, activeLimit] = [...t.rcInfo(h)] as bigint[];
  return { currentSeq, currentLen, hasCurrent, stored, pendingRetire, unackedRetire, largestRpt, zeroLength, activeLimit };
};

interface Entry { cid: string; token: string | null; used: boolean }

/**
 * Reference model of the peer's CIDs, from RFC 9000 §5.1.1, §5.1.2, §10.3.1,
 * §19.15 and §19.16. The record of retired sequence numbers is bounded like
 * the implementation's (4 × limit ranges, the lowest forgotten first).
 */
class Model {
  stored = new Map<bigint, Entry>();
  cur: bigint | null = null;
  rpt = 0n;
  retired = new Set<bigint>();
  evictedBelow = 0n;
  unacked = new Map<bigint, 'pending' | 'inflight'>();
  constructor(public limit: number) {}
  get cap() { return 4 * this.limit; }
  lowest(unusedOnly: boolean): bigint | null {
    let best: bigint | null = null;
    for (const [s, e] of this.stored) if (s !== this.cur && (!unusedOnly || !e.used) && (best === null || s < best)) best = s;
    return best;
  }
  makeCurrent(s: bigint | null) { this.cur = s; if (s !== null) this.stored.get(s)!.used = true; }
  noteRetired(seq: bigint) {
    this.retired.add(seq);
    const sorted = [...this.retired].sort((a, b) => (a < b ? -1 : 1));
    const ranges: [bigint, bigint][] = [];
    for (const s of sorted) { const r = ranges[ranges.length - 1]; if (r && r[1] + 1n === s) r[1] = s; else ranges.push([s, s]); }
    if (ranges.length > this.cap) {
      const [lo, hi] = ranges[0];
      for (let s = lo; s <= hi; s++) this.retired.delete(s);
      if (hi + 1n > this.evictedBelow) this.evictedBelow = hi + 1n;
    }
  }
  queue(seq: bigint): boolean {
    if (this.unacked.has(seq)) return true;
    if (this.unacked.size >= this.cap) return false; // §5.1.2 bounded tracking
    this.unacked.set(seq, 'pending');
    this.noteRetired(seq);
    return true;
  }
  remove(seq: bigint) {
    this.stored.delete(seq);
    if (this.cur === seq) { this.cur = null; this.makeCurrent(this.lowest(false)); }
  }
  newCid(seq: bigint, rpt: bigint, cid: Uint8Array, token: Uint8Array): bigint {
    let dup = false;
    for (const [s, e] of this.stored) {
      const sameCid = e.cid === hex(cid), sameToken = e.token === hex(token);
      if (s === seq) { if (!sameCid || !sameToken) return PROTOCOL_VIOLATION; dup = true; } // §19.15 MAY
      else if (sameCid || sameToken) return PROTOCOL_VIOLATION; // §19.15, §10.3.2 MAY
    }
    if (rpt > this.rpt) { // §19.15: only increases count
      this.rpt = rpt;
      for (const s of [...this.stored.keys()].sort((a, b) => (a < b ? -1 : 1))) {
        if (s >= rpt) continue;
        if (!this.queue(s)) return CONNECTION_ID_LIMIT_ERROR;
        this.remove(s); // §5.1.2 stop using, retire, before adding
      }
    }
    if (!dup && !this.retired.has(seq)) {
      if (seq < this.rpt) { if (!this.queue(seq)) return CONNECTION_ID_LIMIT_ERROR; } // §19.15 MUST send RETIRE
      else if (seq < this.evictedBelow) { /* possibly retired long ago: never stored again */ }
      else {
        if (this.stored.size >= this.limit) return CONNECTION_ID_LIMIT_ERROR; // §5.1.1
        this.stored.set(seq, { cid: hex(cid), token: hex(token), used: false });
      }
    }
    if (this.cur === null) this.makeCurrent(this.lowest(false));
    return 0n;
  }
  rotate(): boolean {
    const next = this.lowest(true);
    if (next === null) return false;
    if (this.cur !== null) {
      if (!this.queue(this.cur)) return false;
      this.stored.delete(this.cur);
    }
    this.makeCurrent(next);
    return true;
  }
  /** §10.3.1: tokens of CIDs held and used, not retired or unused ones. */
  matches(tail: Uint8Array): boolean {
    for (const e of this.stored.values()) if (e.used && e.token === hex(tail)) return true;
    return false;
  }
  pendingCount() { return [...this.unacked.values()].filter((v) => v === 'pending').length; }
}

type Op =
  | { k: 'ncid'; mode: 'next' | 'resend' | 'random'; seq: number; rpt: number; raise: number; bad: 'none' | 'cid' | 'token' | 'reuse'; other: number }
  | { k: 'rotate' } | { k: 'take' } | { k: 'lost'; seq: number } | { k: 'acked'; seq: number }
  | { k: 'match'; pick: boolean; seq: number; flip: number };
const seqArb = fc.nat(24);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8, arbitrary: fc.record({
      k: fc.constant('ncid' as const),
      // mostly a well-behaved peer issuing in order within our limit, sometimes resending a frame, sometimes anything
      mode: fc.constantFrom<('next' | 'resend' | 'random')[]>(...Array(10).fill('next'), 'resend', 'resend', 'resend', 'random'),
      seq: seqArb, rpt: fc.oneof(fc.constant(0), seqArb), raise: fc.constantFrom(0, 0, 0, 1, 2),
      bad: fc.constantFrom<('none' | 'cid' | 'token' | 'reuse')[]>(...Array(40).fill('none'), 'cid', 'token', 'reuse'), other: seqArb,
    }),
  },
  { weight: 2, arbitrary: fc.constant({ k: 'rotate' as const }) },
  { weight: 4, arbitrary: fc.constant({ k: 'take' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('lost' as const), seq: seqArb }) },
  { weight: 8, arbitrary: fc.record({ k: fc.constant('acked' as const), seq: seqArb }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('match' as const), pick: fc.boolean(), seq: seqArb, flip: fc.oneof(fc.constant(-1), fc.nat(127)) }) },
);

for (const variant of VARIANTS) {
  describe(`QUIC remote connection IDs (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_cid', variant);

    /** A RemoteCids after the handshake: seq 0 = cidFor(0), optionally with the server's reset token. */
    const start = (limit: number, token0 = true) => {
      const h = t.rcNew(BigInt(limit));
      t.rcSetFirst(h, cidFor(0));
      if (token0) t.rcSetFirstToken(h, tokenFor(0));
      return h;
    };

    it('follows the reference model over random NEW_CONNECTION_ID sequences, rotations and retirements (fast-check)', () => {
      fc.assert(fc.property(fc.integer({ min: 2, max: 6 }), fc.boolean(), fc.array(op, { minLength: 5, maxLength: 120, size: 'max' }), (limit, token0, ops) => {
        const h = start(limit, token0);
        const m = new Model(limit);
        m.stored.set(0n, { cid: hex(cidFor(0)), token: token0 ? hex(tokenFor(0)) : null, used: true });
        m.cur = 0n;
        // the peer's side: the next sequence number, its Retire Prior To, the frames it sent
        let peerNext = 1, peerRpt = 0;
        const sent: [number, number][] = [];
        for (const o of ops) {
          switch (o.k) {
            case 'ncid': {
              let seq = o.seq, rptN = Math.min(o.rpt, o.seq);
              if (o.mode === 'next') {
                seq = peerNext++;
                // it keeps within our limit by retiring the oldest (§5.1.1), sometimes more
                peerRpt = Math.min(seq, Math.max(peerRpt + o.raise, seq + 1 - limit));
                rptN = peerRpt;
              } else if (o.mode === 'resend' && sent.length > 0) {
                [seq, rptN] = sent[o.seq % sent.length];
              }
              if (o.bad === 'none') sent.push([seq, rptN]);
              const rpt = BigInt(rptN);
              const cid = o.bad === 'cid' ? cidFor(seq + 100) : o.bad === 'reuse' ? cidFor(o.other) : cidFor(seq);
              const token = o.bad === 'token' ? tokenFor(o.other) : tokenFor(seq);
              const code = t.rcNewCid(h, BigInt(seq), rpt, cid, token);
              expect(code).toBe(m.newCid(BigInt(seq), rpt, cid, token));
              if (code !== 0n) return; // the connection closes
              break;
            }
            case 'rotate': expect(t.rcRotate(h)).toBe(m.rotate()); break;
            case 'take': { // the connection sends every RETIRE_CONNECTION_ID pending (one more take: none left)
              for (;;) {
                const s: bigint = t.rcTakeRetire(h);
                if (m.pendingCount() === 0) { expect(s).toBe(NONE); break; }
                expect(m.unacked.get(s)).toBe('pending');
                m.unacked.set(s, 'inflight');
              }
              break;
            }
            case 'lost':
            case 'acked': {
              // mostly a RETIRE_CONNECTION_ID in flight, sometimes any sequence number
              const inflight = [...m.unacked].filter(([, v]) => v === 'inflight').map(([q]) => q);
              const s = o.seq % 4 !== 0 && inflight.length > 0 ? inflight[o.seq % inflight.length] : BigInt(o.seq);
              if (o.k === 'lost') { t.rcRetireLost(h, s); if (m.unacked.get(s) === 'inflight') m.unacked.set(s, 'pending'); }
              else { t.rcRetireAcked(h, s); m.unacked.delete(s); }
              break;
            }
            case 'match': {
              const held = [...m.stored.keys()];
              const tok = tokenFor(o.pick && held.length > 0 ? Number(held[o.seq % held.length]) : o.seq).slice();
              if (o.flip >= 0) tok[o.flip >> 3] ^= 1 << (o.flip & 7);
              const d = withTail(5 + (o.seq % 30), tok);
              expect(t.rcMatches(h, d)).toBe(m.matches(tok));
              break;
            }
          }
          const i = info(t, h);
          expect(i.hasCurrent).toBe(m.cur === null ? 0n : 1n);
          expect(i.currentSeq).toBe(m.cur ?? NONE);
          if (m.cur !== null) expect(hex(t.rcCurrent(h))).toBe(m.stored.get(m.cur)!.cid);
          expect(i.stored).toBe(BigInt(m.stored.size));
          expect(i.stored).toBeLessThanOrEqual(BigInt(limit));
          expect(i.largestRpt).toBe(m.rpt);
          expect(i.pendingRetire).toBe(BigInt(m.pendingCount()));
          expect(i.unackedRetire).toBe(BigInt(m.unacked.size));
          expect(t.rcHasSpare(h)).toBe(m.lowest(true) !== null);
          // §5.1.2 MUST stop using: nothing below the largest Retire Prior To is current
          if (m.cur !== null && m.cur !== 0n) expect(m.cur).toBeGreaterThanOrEqual(m.rpt);
        }
      }), { numRuns: 300 });
    });

    it('a peer using zero-length CIDs: NEW_CONNECTION_ID is PROTOCOL_VIOLATION (§19.15)', () => {
      const h = t.rcNew(4n);
      t.rcSetFirst(h, new Uint8Array(0));
      expect(info(t, h).zeroLength).toBe(1n);
      expect(info(t, h).currentLen).toBe(0n);
      expect(t.rcNewCid(h, 1n, 0n, cidFor(1), tokenFor(1))).toBe(PROTOCOL_VIOLATION);
      expect(t.rcHasSpare(h)).toBe(false);
      expect(t.rcRotate(h)).toBe(false);
    });

    it('the client replaces its first DCID with the server\'s; the stateless_reset_token applies to seq 0 (§7.2, §18.2)', () => {
      const h = t.rcNew(2n);
      t.rcSetFirst(h, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)); // the client's random Initial DCID
      t.rcSetFirst(h, cidFor(0)); // the SCID of the server's first Initial
      expect(t.rcCurrent(h)).toEqual(cidFor(0));
      expect(info(t, h).currentSeq).toBe(0n);
      expect(info(t, h).stored).toBe(1n);
      expect(t.rcMatches(h, withTail(10, tokenFor(0)))).toBe(false); // no token yet
      t.rcSetFirstToken(h, tokenFor(0));
      expect(t.rcMatches(h, withTail(10, tokenFor(0)))).toBe(true);
      // preferred_address: sequence 1 (§5.1.1)
      expect(t.rcNewCid(h, 1n, 0n, cidFor(1), tokenFor(1))).toBe(0n);
      expect(info(t, h).stored).toBe(2n);
    });

    it('the same frame twice is not an error; a changed CID, token or sequence number is PROTOCOL_VIOLATION (§19.15)', () => {
      const h = start(4);
      expect(t.rcNewCid(h, 1n, 0n, cidFor(1), tokenFor(1))).toBe(0n);
      expect(t.rcNewCid(h, 1n, 0n, cidFor(1), tokenFor(1))).toBe(0n); // "MUST NOT be treated as a connection error"
      expect(info(t, h).stored).toBe(2n);
      expect(t.rcNewCid(h, 1n, 0n, cidFor(9), tokenFor(1))).toBe(PROTOCOL_VIOLATION); // a sequence number used for different CIDs
      expect(t.rcNewCid(h, 1n, 0n, cidFor(1), tokenFor(9))).toBe(PROTOCOL_VIOLATION); // same CID, different token
      expect(t.rcNewCid(h, 2n, 0n, cidFor(1), tokenFor(2))).toBe(PROTOCOL_VIOLATION); // same CID, different sequence number
      expect(t.rcNewCid(h, 2n, 0n, cidFor(2), tokenFor(1))).toBe(PROTOCOL_VIOLATION); // one token for two CIDs (§10.3.2)
      // rules of the decoder, checked again
      expect(t.rcNewCid(h, 2n, 3n, cidFor(2), tokenFor(2))).toBe(FRAME_ENCODING_ERROR);
      expect(t.rcNewCid(h, 2n, 0n, new Uint8Array(0), tokenFor(2))).toBe(FRAME_ENCODING_ERROR);
      expect(t.rcNewCid(h, 2n, 0n, new Uint8Array(21), tokenFor(2))).toBe(FRAME_ENCODING_ERROR);
    });

    it('more than active_connection_id_limit is CONNECTION_ID_LIMIT_ERROR, counted after Retire Prior To (§5.1.1)', () => {
      const h = start(3);
      expect(t.rcNewCid(h, 1n, 0n, cidFor(1), tokenFor(1))).toBe(0n);
      expect(t.rcNewCid(h, 2n, 0n, cidFor(2), tokenFor(2))).toBe(0n);
      expect(t.rcNewCid(h, 3n, 0n, cidFor(3), tokenFor(3))).toBe(CONNECTION_ID_LIMIT_ERROR);
      const g = start(3);
      expect(t.rcNewCid(g, 1n, 0n, cidFor(1), tokenFor(1))).toBe(0n);
      expect(t.rcNewCid(g, 2n, 0n, cidFor(2), tokenFor(2))).toBe(0n);
      // §5.1.1 "MAY send connection IDs that temporarily exceed a peer's limit if the
      // NEW_CONNECTION_ID frame also requires the retirement of any excess"
      expect(t.rcNewCid(g, 3n, 1n, cidFor(3), tokenFor(3))).toBe(0n);
      expect(info(t, g).stored).toBe(3n);
    });

    it('an increased Retire Prior To retires the CIDs below it, switches away from them and ignores smaller values (§5.1.2, §19.15)', () => {
      const h = start(4);
      for (const s of [1, 2]) expect(t.rcNewCid(h, BigInt(s), 0n, cidFor(s), tokenFor(s))).toBe(0n);
      expect(info(t, h).currentSeq).toBe(0n);
      expect(t.rcNewCid(h, 3n, 2n, cidFor(3), tokenFor(3))).toBe(0n);
      let i = info(t, h);
      expect(i.largestRpt).toBe(2n);
      expect(i.currentSeq).toBe(2n); // "MUST stop using the corresponding connection IDs"
      expect(t.rcCurrent(h)).toEqual(cidFor(2));
      expect(i.stored).toBe(2n);
      expect(i.pendingRetire).toBe(2n);
      expect(new Set([t.rcTakeRetire(h), t.rcTakeRetire(h)])).toEqual(new Set([0n, 1n]));
      expect(t.rcTakeRetire(h)).toBe(NONE);
      // the retired tokens are no longer matched (§10.3.1 MUST NOT check retired ones)
      expect(t.rcMatches(h, withTail(20, tokenFor(0)))).toBe(false);
      // a smaller Retire Prior To is ignored
      expect(t.rcNewCid(h, 4n, 1n, cidFor(4), tokenFor(4))).toBe(0n);
      i = info(t, h);
      expect(i.largestRpt).toBe(2n);
      expect(i.stored).toBe(3n);
    });

    it('a sequence number below Retire Prior To is retired at once, and only once (§19.15)', () => {
      const h = start(4);
      expect(t.rcNewCid(h, 5n, 5n, cidFor(5), tokenFor(5))).toBe(0n); // retires 0; 1..4 not seen yet
      expect(t.rcTakeRetire(h)).toBe(0n);
      expect(t.rcNewCid(h, 3n, 0n, cidFor(3), tokenFor(3))).toBe(0n); // arrives late
      expect(info(t, h).stored).toBe(1n);
      expect(info(t, h).pendingRetire).toBe(1n);
      expect(t.rcTakeRetire(h)).toBe(3n);
      t.rcRetireAcked(h, 3n);
      expect(t.rcNewCid(h, 3n, 0n, cidFor(3), tokenFor(3))).toBe(0n); // a retransmission: "unless it has already done so"
      expect(info(t, h).pendingRetire).toBe(0n);
      expect(info(t, h).stored).toBe(1n);
    });

    it('retirements not yet acknowledged are bounded: beyond 4 × the limit, CONNECTION_ID_LIMIT_ERROR (§5.1.2)', () => {
      const h = start(2); // tracks 8
      let code = 0n, s = 1;
      // every frame retires everything before it; nothing is acknowledged
      for (; s < 40 && code === 0n; s++) code = t.rcNewCid(h, BigInt(s), BigInt(s), cidFor(s), tokenFor(s));
      expect(code).toBe(CONNECTION_ID_LIMIT_ERROR);
      expect(s - 1).toBe(9); // seqs 0..7 retired fit, the 9th retirement does not
      // acknowledged retirements free room
      const g = start(2);
      for (let q = 1; q < 40; q++) {
        expect(t.rcNewCid(g, BigInt(q), BigInt(q), cidFor(q), tokenFor(q))).toBe(0n);
        const r = t.rcTakeRetire(g);
        expect(r).toBe(BigInt(q - 1));
        if (q % 3 === 0) { t.rcRetireLost(g, r); expect(t.rcTakeRetire(g)).toBe(r); } // lost, sent again
        t.rcRetireAcked(g, r);
      }
      expect(info(t, g).unackedRetire).toBe(0n);
    });

    it('rotate moves to an unused CID and retires the old one; a CID retired that way is never taken back (§9.5, §5.1.2)', () => {
      const h = start(4);
      expect(t.rcHasSpare(h)).toBe(false);
      expect(t.rcRotate(h)).toBe(false);
      expect(t.rcNewCid(h, 1n, 0n, cidFor(1), tokenFor(1))).toBe(0n);
      expect(t.rcNewCid(h, 2n, 0n, cidFor(2), tokenFor(2))).toBe(0n);
      expect(t.rcHasSpare(h)).toBe(true);
      // unused CIDs' tokens are not checked (§10.3.1)
      expect(t.rcMatches(h, withTail(30, tokenFor(1)))).toBe(false);
      expect(t.rcRotate(h)).toBe(true);
      expect(info(t, h).currentSeq).toBe(1n);
      expect(t.rcCurrent(h)).toEqual(cidFor(1));
      expect(t.rcTakeRetire(h)).toBe(0n);
      expect(t.rcMatches(h, withTail(30, tokenFor(1)))).toBe(true);
      expect(t.rcMatches(h, withTail(30, tokenFor(0)))).toBe(false);
      // a retransmitted NEW_CONNECTION_ID for seq 0 is ignored, not stored again
      expect(t.rcNewCid(h, 0n, 0n, cidFor(0), tokenFor(0))).toBe(0n);
      expect(info(t, h).stored).toBe(2n);
      expect(info(t, h).pendingRetire).toBe(0n);
      expect(t.rcRotate(h)).toBe(true);
      expect(info(t, h).currentSeq).toBe(2n);
      expect(t.rcRotate(h)).toBe(false); // none spare
    });

    it('detects a stateless reset by the last 16 bytes, in constant time per token: equal, or one bit off (§10.3.1, fast-check)', () => {
      const h = start(4);
      expect(t.rcNewCid(h, 1n, 0n, cidFor(1), tokenFor(1))).toBe(0n);
      expect(t.rcRotate(h)).toBe(true); // uses seq 1
      fc.assert(fc.property(fc.integer({ min: 5, max: 1400 }), fc.nat(127), (prefix, bit) => {
        const tok = tokenFor(1);
        expect(t.rcMatches(h, withTail(prefix, tok))).toBe(true);
        const off = tok.slice();
        off[bit >> 3] ^= 1 << (bit & 7);
        expect(t.rcMatches(h, withTail(prefix, off))).toBe(false);
      }), { numRuns: 300 });
      // the token must be the last 16 bytes; shorter than 21 bytes is never a reset (§10.3)
      const d = withTail(5, tokenFor(1));
      expect(t.rcMatches(h, d)).toBe(true);
      expect(t.rcMatches(h, d.subarray(1))).toBe(false);
      expect(t.rcMatches(h, Uint8Array.of(...withTail(5, tokenFor(1)), 0))).toBe(false);
      expect(t.rcMatches(h, new Uint8Array(0))).toBe(false);
    });

    it('left with no CID when the peer retires every one it gave: no current CID until a new one arrives', () => {
      const h = start(4);
      expect(t.rcNewCid(h, 2n, 0n, cidFor(2), tokenFor(2))).toBe(0n);
      expect(t.rcNewCid(h, 1n, 0n, cidFor(1), tokenFor(1))).toBe(0n);
      expect(t.rcRotate(h)).toBe(true); // to 1 (lowest unused), retiring 0
      expect(t.rcRotate(h)).toBe(true); // to 2, retiring 1
      expect(t.rcNewCid(h, 3n, 0n, cidFor(3), tokenFor(3))).toBe(0n);
      expect(t.rcRotate(h)).toBe(true); // to 3, retiring 2
      // a retransmission of seq 2 carrying Retire Prior To 2 retires nothing new; one for seq 3 with 3 neither
      expect(t.rcNewCid(h, 2n, 2n, cidFor(2), tokenFor(2))).toBe(0n);
      expect(info(t, h).currentSeq).toBe(3n);
      // the peer retires 3 and provides 5 (4 was lost): we move to 5
      expect(t.rcNewCid(h, 5n, 4n, cidFor(5), tokenFor(5))).toBe(0n);
      expect(info(t, h).currentSeq).toBe(5n);
      // now a late 4 arrives below Retire Prior To: retired, not used
      expect(t.rcNewCid(h, 4n, 0n, cidFor(4), tokenFor(4))).toBe(0n);
      expect(info(t, h).currentSeq).toBe(5n);
      expect(info(t, h).hasCurrent).toBe(1n);
    });
  });
}
