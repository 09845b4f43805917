import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';

const PROTOCOL_VIOLATION = 0x0an;
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 3 + 1);
const refToken = (cid: Uint8Array) => new Uint8Array(createHmac('sha256', KEY).update(cid).digest().subarray(0, 16));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface Cid { seq: bigint; cid: Uint8Array; token: Uint8Array }
const REC = 45;
function parse(b: Uint8Array | null): Cid | null {
  if (b === null) return null;
  let seq = 0n;
  for (let i = 0; i < 8; i++) seq = (seq << 8n) | BigInt(b[i]);
  const len = b[8];
  return { seq, cid: b.slice(9, 9 + len), token: b.slice(29, 45) };
}
const parseList = (b: Uint8Array) => Array.from({ length: b.length / REC }, (_, i) => parse(b.subarray(i * REC, (i + 1) * REC))!);
const info = (t: any, h: number) => {
  const [retirePriorTo, nextSeq, peerLimit, activeCount, addedCount, retiredCount, maxActive] = [...t.lcInfo(h)] as bigint[];
  return { retirePriorTo, nextSeq, peerLimit, activeCount, addedCount, retiredCount, maxActive };
};

/**
 * Reference model of the CIDs we issue, written from RFC 9000 §5.1.1, §5.1.2,
 * §19.15 and §19.16. It learns each CID's bytes from the implementation and
 * checks everything else: sequence numbers, limits, retirement, resends and
 * the routing changes.
 */
class Model {
  peerLimit: number;
  rpt = 0n;
  nextSeq = 0n;
  active = new Map<bigint, Cid>(); // issued and not retired by the peer
  resend = new Set<bigint>();
  added: bigint[] = [];
  retired: bigint[] = [];
  everIssued = new Set<string>();
  constructor(public cidLen: number, public maxActive: number) { this.peerLimit = Math.min(2, maxActive); }
  setPeerLimit(l: bigint) { this.peerLimit = Number(l < 2n ? 2n : l > BigInt(this.maxActive) ? BigInt(this.maxActive) : l); }
  countFrom(s: bigint) { return [...this.active.keys()].filter((q) => q >= s).length; }
  // §5.1.1: MUST NOT provide more than the peer's limit; CIDs below Retire Prior To are excess being retired
  wantsIssue() { return this.cidLen > 0 && this.nextSeq > 0n && this.countFrom(this.rpt) < this.peerLimit; }
  issued(c: Cid) {
    expect(c.seq).toBe(this.nextSeq); // §5.1.1 "MUST increase by 1"
    this.nextSeq++;
    expect(c.cid.length).toBe(this.cidLen);
    expect(c.token).toEqual(refToken(c.cid)); // §10.3.2
    for (const a of this.active.values()) expect(hex(a.cid)).not.toBe(hex(c.cid)); // §5.1 never twice
    this.active.set(c.seq, c);
    this.added.push(c.seq);
  }
  retire(seq: bigint, dcid: Uint8Array): bigint {
    if (this.cidLen === 0) return PROTOCOL_VIOLATION; // §19.16 zero-length provider
    if (seq >= this.nextSeq) return PROTOCOL_VIOLATION; // §19.16 greater than any sent
    const c = this.active.get(seq);
    if (!c) return 0n; // already retired: a retransmission
    if (hex(c.cid) === hex(dcid)) return PROTOCOL_VIOLATION; // §19.16 the packet's own DCID
    this.active.delete(seq);
    this.resend.delete(seq);
    const k = this.added.indexOf(seq);
    if (k >= 0) this.added.splice(k, 1); else this.retired.push(seq);
    return 0n;
  }
  retireBelow(seq: bigint): boolean {
    if (this.cidLen === 0 || seq <= this.rpt || seq > this.nextSeq) return false;
    if (this.countFrom(this.rpt) !== this.active.size) return false; // §5.1.2 previous increase not done
    if (this.countFrom(seq) === this.active.size) return false; // nothing to retire
    this.rpt = seq;
    return true;
  }
  lost(seq: bigint) { if (seq >= this.rpt && this.active.has(seq)) this.resend.add(seq); }
  pendingResend(): bigint | null {
    for (const s of [...this.active.keys()].sort((a, b) => (a < b ? -1 : 1))) {
      if (this.resend.has(s)) { this.resend.delete(s); if (s >= this.rpt) return s; }
    }
    return null;
  }
}

type Op =
  | { k: 'issue' } | { k: 'retire'; s: number; ownDcid: boolean }
  | { k: 'retireBelow'; s: number } | { k: 'lost'; s: number } | { k: 'resend' } | { k: 'clear' };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ k: 'issue' as const }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('retire' as const), s: fc.nat(16), ownDcid: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('retireBelow' as const), s: fc.nat(14) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('lost' as const), s: fc.nat(16) }) },
  { weight: 2, arbitrary: fc.constant({ k: 'resend' as const }) },
  { weight: 2, arbitrary: fc.constant({ k: 'clear' as const }) },
);

for (const variant of VARIANTS) {
  describe(`QUIC local connection IDs (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_cid', variant);
    const seqs = (t: any, h: number, which: number) => parseList(t.lcList(h, which)).map((c) => c.seq);

    it('follows the reference model over random sequences of issues, retirements and losses (fast-check)', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 2, max: 10 }), fc.bigInt({ min: 0n, max: 20n }), fc.array(op, { minLength: 5, maxLength: 100, size: 'max' }), (cidLen, maxActive, limit, ops) => {
        const h = t.lcNew(cidLen, KEY, maxActive);
        const m = new Model(cidLen, maxActive);
        m.issued(parse(t.lcIssueFirst(h))!);
        // the peer's transport parameters arrive once (§18.2; below 2 is the decoder's error, counted as 2 here)
        t.lcSetPeerLimit(h, limit);
        m.setPeerLimit(limit);
        const cidOf = (s: bigint) => m.active.get(s)?.cid ?? Uint8Array.of(0xff);
        for (const o of ops) {
          switch (o.k) {
            case 'issue': {
              expect(t.lcWantsIssue(h)).toBe(m.wantsIssue());
              const c = parse(t.lcIssueNext(h));
              if (m.wantsIssue()) m.issued(c!); else expect(c).toBeNull();
              break;
            }
            case 'retire': {
              const s = BigInt(o.s);
              // the packet carrying the frame was sent to that CID, or to another active one
              const other = [...m.active.keys()].find((q) => q !== s);
              const dcid = o.ownDcid ? cidOf(s) : other !== undefined ? cidOf(other) : new Uint8Array(0);
              expect(t.lcRetire(h, s, dcid)).toBe(m.retire(s, dcid));
              break;
            }
            case 'retireBelow': expect(t.lcRetireBelow(h, BigInt(o.s))).toBe(m.retireBelow(BigInt(o.s))); break;
            case 'lost': t.lcLost(h, BigInt(o.s)); m.lost(BigInt(o.s)); break;
            case 'resend': {
              const c = parse(t.lcPendingResend(h));
              const s = m.pendingResend();
              expect(c?.seq ?? null).toBe(s);
              if (c) {
                expect(c.seq).toBeGreaterThanOrEqual(m.rpt); // §19.15 Retire Prior To ≤ Sequence Number
                expect(c.cid).toEqual(m.active.get(c.seq)!.cid);
              }
              break;
            }
            case 'clear': t.lcClear(h); m.added = []; m.retired = []; break;
          }
          const i = info(t, h);
          expect(i.retirePriorTo).toBe(m.rpt);
          expect(i.nextSeq).toBe(m.nextSeq);
          expect(i.peerLimit).toBe(BigInt(m.peerLimit));
          expect(seqs(t, h, 2).sort()).toEqual([...m.active.keys()].sort());
          expect(seqs(t, h, 0)).toEqual(m.added);
          expect(seqs(t, h, 1)).toEqual(m.retired);
          // never more than the peer's limit, apart from CIDs it is being asked to retire (§5.1.1)
          expect(m.countFrom(m.rpt)).toBeLessThanOrEqual(m.peerLimit);
        }
        // the records the endpoint sees carry the bytes that were issued
        for (const c of parseList(t.lcList(h, 2))) {
          expect(c.cid).toEqual(m.active.get(c.seq)!.cid);
          expect(t.lcSeqOf(h, c.cid)).toBe(c.seq);
        }
      }), { numRuns: 300 });
    });

    it('issues sequence 0 first and up to min(peer limit, our cap) in all (§5.1.1, §18.2)', () => {
      const h = t.lcNew(8, KEY, 4);
      const first = parse(t.lcIssueFirst(h))!;
      expect(first.seq).toBe(0n);
      expect(first.cid.length).toBe(8);
      expect(first.token).toEqual(refToken(first.cid));
      // §18.2 default limit 2 until the peer's transport parameters say otherwise
      expect(t.lcWantsIssue(h)).toBe(true);
      expect(parse(t.lcIssueNext(h))!.seq).toBe(1n);
      expect(t.lcWantsIssue(h)).toBe(false);
      expect(t.lcIssueNext(h)).toBeNull();
      t.lcSetPeerLimit(h, 1000n);
      const got: bigint[] = [];
      while (t.lcWantsIssue(h)) got.push(parse(t.lcIssueNext(h))!.seq);
      expect(got).toEqual([2n, 3n]); // capped at our 4
      expect(info(t, h).activeCount).toBe(4n);
      expect(seqs(t, h, 0)).toEqual([0n, 1n, 2n, 3n]);
    });

    it('zero-length CIDs: nothing beyond sequence 0, and RETIRE_CONNECTION_ID is PROTOCOL_VIOLATION (§5.1.1, §19.16)', () => {
      const h = t.lcNew(0, KEY, 8);
      const first = parse(t.lcIssueFirst(h))!;
      expect(first.cid.length).toBe(0);
      t.lcSetPeerLimit(h, 8n);
      expect(t.lcWantsIssue(h)).toBe(false);
      expect(t.lcIssueNext(h)).toBeNull();
      expect(t.lcRetire(h, 0n, new Uint8Array(0))).toBe(PROTOCOL_VIOLATION);
      expect(t.lcRetireBelow(h, 1n)).toBe(false);
    });

    it('RETIRE_CONNECTION_ID: beyond any sent or for the packet\'s own DCID is PROTOCOL_VIOLATION; repeats are ignored (§19.16)', () => {
      const h = t.lcNew(8, KEY, 8);
      const c0 = parse(t.lcIssueFirst(h))!;
      const c1 = parse(t.lcIssueNext(h))!;
      expect(t.lcRetire(h, 2n, c0.cid)).toBe(PROTOCOL_VIOLATION); // "greater than any previously sent"
      expect(t.lcRetire(h, 1n, c1.cid)).toBe(PROTOCOL_VIOLATION); // "MUST NOT refer to the Destination Connection ID field of the packet"
      expect(info(t, h).activeCount).toBe(2n);
      t.lcClear(h);
      expect(t.lcRetire(h, 0n, c1.cid)).toBe(0n);
      expect(seqs(t, h, 1)).toEqual([0n]);
      expect(parseList(t.lcList(h, 1))[0].cid).toEqual(c0.cid); // the endpoint unregisters these bytes
      expect(t.lcRetire(h, 0n, c1.cid)).toBe(0n); // already retired: ignored
      expect(seqs(t, h, 1)).toEqual([0n]);
      // §5.1.1 "SHOULD supply a new connection ID when the peer retires a connection ID"
      expect(t.lcWantsIssue(h)).toBe(true);
      expect(parse(t.lcIssueNext(h))!.seq).toBe(2n);
      expect(t.lcSeqOf(h, c0.cid)).toBe(-1n);
    });

    it('a CID issued and retired between two drains never reaches the routing table', () => {
      const h = t.lcNew(8, KEY, 8);
      const c0 = parse(t.lcIssueFirst(h))!;
      t.lcClear(h);
      const c1 = parse(t.lcIssueNext(h))!;
      expect(t.lcRetire(h, 1n, c0.cid)).toBe(0n);
      expect(seqs(t, h, 0)).toEqual([]);
      expect(seqs(t, h, 1)).toEqual([]);
      expect(c1.seq).toBe(1n);
    });

    it('Retire Prior To: the old CIDs stay routable until retired; replacements may exceed the limit meanwhile (§5.1.2, §19.15)', () => {
      const h = t.lcNew(8, KEY, 8);
      t.lcIssueFirst(h);
      t.lcSetPeerLimit(h, 3n);
      while (t.lcWantsIssue(h)) t.lcIssueNext(h);
      expect(info(t, h).nextSeq).toBe(3n);
      expect(t.lcRetireBelow(h, 0n)).toBe(false); // not an increase
      expect(t.lcRetireBelow(h, 4n)).toBe(false); // beyond anything issued
      expect(t.lcRetireBelow(h, 3n)).toBe(true);
      expect(info(t, h).retirePriorTo).toBe(3n);
      expect(info(t, h).activeCount).toBe(3n); // still accepted (§5.1.2 SHOULD continue to accept)
      const fresh: bigint[] = [];
      while (t.lcWantsIssue(h)) fresh.push(parse(t.lcIssueNext(h))!.seq);
      expect(fresh).toEqual([3n, 4n, 5n]);
      expect(info(t, h).activeCount).toBe(6n);
      // §5.1.2 "SHOULD NOT issue updates of the Retire Prior To field before receiving
      // RETIRE_CONNECTION_ID frames that retire all connection IDs indicated by the previous"
      expect(t.lcRetireBelow(h, 5n)).toBe(false);
      // a lost NEW_CONNECTION_ID below Retire Prior To is not sent again; one above is
      t.lcLost(h, 1n);
      t.lcLost(h, 4n);
      expect(parse(t.lcPendingResend(h))!.seq).toBe(4n);
      expect(t.lcPendingResend(h)).toBeNull();
      const own = parseList(t.lcList(h, 2)).find((c) => c.seq === 5n)!.cid;
      for (const s of [0n, 1n, 2n]) expect(t.lcRetire(h, s, own)).toBe(0n);
      expect(t.lcWantsIssue(h)).toBe(false);
      expect(t.lcRetireBelow(h, 5n)).toBe(true);
    });

    it('a lost NEW_CONNECTION_ID is sent again while the CID is active, not after it is retired (§13.3)', () => {
      const h = t.lcNew(8, KEY, 8);
      const c0 = parse(t.lcIssueFirst(h))!;
      const c1 = parse(t.lcIssueNext(h))!;
      t.lcLost(h, 1n);
      const r = parse(t.lcPendingResend(h))!;
      expect(r.seq).toBe(1n);
      expect(r.cid).toEqual(c1.cid);
      expect(r.token).toEqual(c1.token);
      expect(t.lcPendingResend(h)).toBeNull();
      t.lcLost(h, 1n);
      expect(t.lcRetire(h, 1n, c0.cid)).toBe(0n);
      expect(t.lcPendingResend(h)).toBeNull();
      t.lcLost(h, 7n); // never issued: nothing
      expect(t.lcPendingResend(h)).toBeNull();
    });

    it('never issues the same CID twice on a connection, even 1-byte ones (§5.1)', () => {
      const h = t.lcNew(1, KEY, 16);
      t.lcIssueFirst(h);
      t.lcSetPeerLimit(h, 16n);
      for (let round = 0; round < 50; round++) {
        while (t.lcWantsIssue(h)) t.lcIssueNext(h);
        const act = parseList(t.lcList(h, 2));
        expect(new Set(act.map((c) => hex(c.cid))).size).toBe(act.length);
        expect(act.length).toBe(16);
        // the peer retires the lowest, from a packet sent to the highest
        expect(t.lcRetire(h, act[0].seq, act[act.length - 1].cid)).toBe(0n);
        t.lcClear(h);
      }
    });
  });
}
