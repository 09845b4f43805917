// assembly/quic/cc.ts, cc_new_reno.ts and cc_cubic.ts against references written
// from RFC 9002 Appendix B (NewReno, BigInt bytes) and RFC 9438 §4 (CUBIC, f64),
// driven by random sequences of sends, acknowledgments, losses and persistent congestion.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const MDS = 1200n;
const kInitialWindow = (mds: bigint) => { const b = 2n * mds > 14720n ? 2n * mds : 14720n; return 10n * mds < b ? 10n * mds : b; }; // RFC 9002 §7.2
const kMinimumWindow = (mds: bigint) => 2n * mds; // RFC 9002 §7.2
const INF = 2n ** 64n - 1n;

interface RefCc {
  cwnd: bigint; ssthresh: bigint; inFlight: bigint; recoveryStart: bigint | null;
  sent(bytes: bigint): void;
  acked(bytes: bigint, largestSentTime: bigint, now: bigint, srtt: bigint): void;
  lost(bytes: bigint, sentTime: bigint, now: bigint): void;
  persistent(): void;
}

/** RFC 9002 Appendix B, the acknowledgments of one ACK frame taken together. */
class RefNewReno implements RefCc {
  cwnd: bigint; ssthresh = INF; inFlight = 0n; recoveryStart: bigint | null = null;
  constructor(public mds: bigint) { this.cwnd = kInitialWindow(mds); }
  inRecovery(t: bigint) { return this.recoveryStart !== null && t <= this.recoveryStart; }
  sent(bytes: bigint) { this.inFlight += bytes; }
  acked(bytes: bigint, largestSentTime: bigint) {
    this.inFlight -= bytes;
    if (this.inRecovery(largestSentTime)) return;
    if (this.cwnd < this.ssthresh) this.cwnd += bytes;
    else this.cwnd += this.mds * bytes / this.cwnd;
  }
  lost(bytes: bigint, sentTime: bigint, now: bigint) {
    this.inFlight -= bytes;
    if (this.inRecovery(sentTime)) return;
    this.recoveryStart = now;
    this.ssthresh = this.cwnd / 2n; // kLossReductionFactor = 0.5
    this.cwnd = this.ssthresh > kMinimumWindow(this.mds) ? this.ssthresh : kMinimumWindow(this.mds);
  }
  persistent() { this.cwnd = kMinimumWindow(this.mds); this.recoveryStart = null; }
}

/** RFC 9438: C = 0.4, beta_cubic = 0.7 (§4.6, §5.1), windows in segments for the formulas. */
const C = 0.4, BETA = 0.7, ALPHA = 3 * (1 - BETA) / (1 + BETA);
class RefCubic implements RefCc {
  cwnd: bigint; ssthresh = INF; inFlight = 0n; recoveryStart: bigint | null = null;
  wMax = 0; k = 0; wEst = 0; cwndPrior = 0; tEpoch = 0n; inEpoch = false;
  constructor(public mds: bigint) { this.cwnd = kInitialWindow(mds); }
  inRecovery(t: bigint) { return this.recoveryStart !== null && t <= this.recoveryStart; }
  sent(bytes: bigint) { this.inFlight += bytes; }
  seg(bytes: number) { return bytes / Number(this.mds); }
  // W_cubic(t) = C (t - K)^3 + W_max  (§4.2 Figure 1), in segments
  wCubicSeg(t: number) { return C * (t - this.k) ** 3 + this.seg(this.wMax); }
  acked(bytes: bigint, largestSentTime: bigint, now: bigint, srtt: bigint) {
    this.inFlight -= bytes;
    if (this.inRecovery(largestSentTime)) return;
    if (this.cwnd < this.ssthresh) { this.cwnd += bytes; return; } // slow start
    let cwndSeg = this.seg(Number(this.cwnd));
    if (!this.inEpoch) { // §4.2: a congestion avoidance stage begins
      this.inEpoch = true; this.tEpoch = now;
      if (this.wMax < Number(this.cwnd)) this.wMax = Number(this.cwnd);
      // K = cubic_root((W_max - cwnd_epoch) / C)  (§4.2 Figure 2)
      this.k = this.wMax > Number(this.cwnd) ? Math.cbrt((this.seg(this.wMax) - cwndSeg) / C) : 0;
      this.wEst = Number(this.cwnd);
    }
    const t = Number(now - this.tEpoch) / 1e6, rtt = Number(srtt) / 1e6;
    const acked = this.seg(Number(bytes));
    // §4.3: W_est += alpha * segments_acked / cwnd; alpha = 1 once W_est >= cwnd_prior
    const alpha = this.wEst >= this.cwndPrior ? 1 : ALPHA;
    let wEstSeg = this.seg(this.wEst) + alpha * acked / cwndSeg;
    this.wEst = wEstSeg * Number(this.mds);
    if (this.wCubicSeg(t) < wEstSeg) cwndSeg = wEstSeg; // Reno-friendly region
    else { // §4.4, §4.5
      const target = Math.min(Math.max(this.wCubicSeg(t + rtt), cwndSeg), 1.5 * cwndSeg);
      cwndSeg += (target - cwndSeg) * acked / cwndSeg;
    }
    const next = BigInt(Math.floor(cwndSeg * Number(this.mds)));
    if (next > this.cwnd) this.cwnd = next;
  }
  lost(bytes: bigint, sentTime: bigint, now: bigint) {
    this.inFlight -= bytes;
    if (this.inRecovery(sentTime)) return;
    this.recoveryStart = now;
    const cwnd = Number(this.cwnd);
    this.wMax = cwnd < this.wMax ? cwnd * (1 + BETA) / 2 : cwnd; // §4.7 fast convergence
    this.cwndPrior = cwnd; // §4.6
    const reduced = BigInt(Math.floor(cwnd * BETA));
    this.ssthresh = reduced > kMinimumWindow(this.mds) ? reduced : kMinimumWindow(this.mds);
    this.cwnd = this.ssthresh;
    this.k = this.wMax > Number(this.cwnd) ? Math.cbrt((this.seg(this.wMax) - this.seg(Number(this.cwnd))) / C) : 0;
    this.wEst = Number(this.cwnd); this.inEpoch = false;
  }
  persistent() { this.cwnd = kMinimumWindow(this.mds); this.recoveryStart = null; this.wMax = 0; this.k = 0; this.inEpoch = false; }
}

type Op =
  | { op: 'send'; n: number; bytes: number; dt: number }
  | { op: 'ack'; n: number; dt: number }
  | { op: 'lose'; n: number; dt: number }
  | { op: 'persistent'; dt: number }
  | { op: 'rtt'; srtt: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('send' as const), n: fc.integer({ min: 1, max: 20 }), bytes: fc.integer({ min: 1, max: 1200 }), dt: fc.integer({ min: 0, max: 20_000 }) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('ack' as const), n: fc.integer({ min: 1, max: 20 }), dt: fc.integer({ min: 0, max: 200_000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('lose' as const), n: fc.integer({ min: 1, max: 5 }), dt: fc.integer({ min: 0, max: 100_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('persistent' as const), dt: fc.integer({ min: 0, max: 100_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rtt' as const), srtt: fc.integer({ min: 1_000, max: 500_000 }) }) },
);

/** Drives the AS controller and the reference through `ops`; `check` sees both after each op. */
function drive(t: any, kind: 0 | 1, mds: bigint, ops: Op[], check: (ref: RefCc, op: Op, before: bigint[]) => void) {
  t.ccNew(kind, mds);
  const ref: RefCc = kind === 0 ? new RefNewReno(mds) : new RefCubic(mds);
  const queue: { bytes: bigint; time: bigint }[] = [];
  let now = 1n, srtt = 333_000n;
  t.ccSetSmoothedRtt(srtt);
  for (const o of ops) {
    const before = t.ccState();
    if (o.op !== 'rtt') now += BigInt(o.dt);
    if (o.op === 'send') {
      for (let i = 0; i < o.n; i++) {
        const b = BigInt(o.bytes);
        queue.push({ bytes: b, time: now }); t.ccSent(b, now); ref.sent(b);
      }
    } else if (o.op === 'ack') {
      const acked = queue.splice(0, o.n);
      if (acked.length === 0) continue;
      const bytes = acked.reduce((s, p) => s + p.bytes, 0n), largest = acked[acked.length - 1].time;
      t.ccAcked(bytes, largest, now); ref.acked(bytes, largest, now, srtt);
    } else if (o.op === 'lose') {
      for (const p of queue.splice(0, o.n)) { t.ccLost(p.bytes, p.time, now); ref.lost(p.bytes, p.time, now); }
    } else if (o.op === 'persistent') {
      // RFC 9002 §7.6: every packet in the period was lost; the congestion event comes first.
      for (const p of queue.splice(0)) { t.ccLost(p.bytes, p.time, now); ref.lost(p.bytes, p.time, now); }
      t.ccPersistent(); ref.persistent();
    } else {
      srtt = BigInt(o.srtt); t.ccSetSmoothedRtt(srtt);
    }
    check(ref, o, before);
    expect(t.ccState()[2]).toBe(queue.reduce((s, p) => s + p.bytes, 0n)); // bytesInFlight bookkeeping
  }
}

const close = (a: bigint, b: bigint) => { const d = a > b ? a - b : b - a; return d * 1000n <= b + 1000n; }; // 0.1 % + 1 byte

for (const variant of VARIANTS) {
  describe(`congestion control, RFC 9002 §7 / RFC 9438 (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_recovery', variant);

    it('computes kInitialWindow and kMinimumWindow as RFC 9002 §7.2 defines them', () => {
      const c = t.constants();
      expect(c.slice(2)).toEqual([12_000n, 2_400n, 14_720n]);
      for (const mds of [1200n, 1452n, 1500n, 9000n]) {
        for (const kind of [0, 1]) {
          t.ccNew(kind, mds);
          const s = t.ccState();
          expect(s[0]).toBe(kInitialWindow(mds));
          expect(s[1]).toBe(INF);
          expect(s[4]).toBe(kMinimumWindow(mds));
        }
      }
    });

    it('NewReno: slow start, halving on loss, one reduction per recovery period, congestion avoidance', () => {
      t.ccNew(0, MDS);
      for (let i = 0; i < 10; i++) t.ccSent(1200n, 10n);
      t.ccAcked(6000n, 10n, 100n);
      expect(t.ccState().slice(0, 3)).toEqual([18_000n, INF, 6000n]);
      t.ccLost(1200n, 10n, 200n);
      expect(t.ccState().slice(0, 3)).toEqual([9_000n, 9_000n, 4800n]);
      expect(t.ccInRecovery(10n)).toBe(true);
      expect(t.ccInRecovery(201n)).toBe(false);
      t.ccLost(1200n, 10n, 300n); // sent before recovery began: no second reduction
      expect(t.ccState().slice(0, 2)).toEqual([9_000n, 9_000n]);
      t.ccAcked(1200n, 10n, 400n); // in recovery: no growth
      expect(t.ccState()[0]).toBe(9_000n);
      t.ccSent(1200n, 500n);
      t.ccAcked(1200n, 500n, 600n); // a packet sent after recovery began: recovery ends, CA growth
      expect(t.ccState()[0]).toBe(9_000n + 1200n * 1200n / 9_000n);
      const [w, , f] = t.ccState();
      expect(t.ccCanSend(w - f)).toBe(true);
      expect(t.ccCanSend(w - f + 1n)).toBe(false);
      t.ccLost(1200n, 500n, 700n); // a new period: reduced again
      expect(t.ccState()[0]).toBe((9_000n + 160n) / 2n);
    });

    it('does not grow the window while application limited (RFC 9002 §7.8)', () => {
      for (const kind of [0, 1]) {
        t.ccNew(kind, MDS);
        t.ccSetAppLimited(true);
        t.ccSent(1200n, 1n);
        t.ccAcked(1200n, 1n, 2n);
        expect(t.ccState().slice(0, 3)).toEqual([12_000n, INF, 0n]);
        t.ccSetAppLimited(false);
        t.ccSent(1200n, 3n);
        t.ccAcked(1200n, 3n, 4n);
        expect(t.ccState()[0]).toBe(13_200n);
      }
    });

    it('persistent congestion collapses the window to kMinimumWindow and ends recovery (RFC 9002 §7.6.2)', () => {
      for (const kind of [0, 1]) {
        t.ccNew(kind, MDS);
        t.ccSent(1200n, 1n);
        t.ccLost(1200n, 1n, 2n);
        t.ccPersistent();
        const s = t.ccState();
        expect(s[0]).toBe(2_400n);
        expect(s[6]).toBe(0n);
        expect(t.ccInRecovery(1n)).toBe(false);
      }
    });

    it('CUBIC: W_max, K and ssthresh after a loss, fast convergence on the next (RFC 9438 §4.2, §4.6, §4.7)', () => {
      t.ccNew(1, MDS);
      t.ccSent(12_000n, 1n);
      t.ccAcked(12_000n, 1n, 2n); // slow start to 24 000
      t.ccSent(1200n, 3n);
      t.ccLost(1200n, 3n, 4n);
      let [wMax, k, wEst, prior] = t.cubicState();
      expect(wMax).toBe(24_000);
      expect(prior).toBe(24_000);
      expect(t.ccState().slice(0, 2)).toEqual([16_800n, 16_800n]);
      expect(k).toBeCloseTo(Math.cbrt((20 - 14) / 0.4), 12);
      expect(wEst).toBe(16_800);
      // recovery ends, a congestion avoidance stage, then a loss below W_max
      t.ccSent(1200n, 10n);
      t.ccAcked(1200n, 10n, 20n);
      t.ccSent(1200n, 30n);
      t.ccLost(1200n, 30n, 40n);
      const cwnd = Number(t.ccState()[0]);
      [wMax, k, wEst, prior] = t.cubicState();
      expect(prior).toBeLessThan(24_000);
      expect(cwnd).toBe(Math.floor(prior * 0.7));
      expect(wMax).toBe(prior * 1.7 / 2);
      expect(k).toBeCloseTo(Math.cbrt((wMax / 1200 - cwnd / 1200) / 0.4), 9);
    });

    it('CUBIC grows along W_cubic back to W_max in about K seconds (RFC 9438 §4.4, §4.5)', () => {
      t.ccNew(1, MDS);
      t.ccSetSmoothedRtt(100_000n);
      // slow start to 1000 segments, so the cubic curve, not W_est, drives growth
      t.ccSent(1_188_000n, 1n); t.ccAcked(1_188_000n, 1n, 2n);
      expect(t.ccState()[0]).toBe(1_200_000n);
      t.ccSent(1200n, 3n); t.ccLost(1200n, 3n, 4n);
      const [wMax, k] = t.cubicState();
      let now = 10n;
      // ack a window's worth per RTT for K seconds
      while (now < 10n + BigInt(Math.round(k * 1e6))) {
        const cwnd = t.ccState()[0];
        t.ccSent(cwnd, now); now += 100_000n; t.ccAcked(cwnd, now - 100_000n, now);
      }
      const cwnd = Number(t.ccState()[0]);
      expect(k).toBeCloseTo(Math.cbrt(300 / 0.4), 9);
      expect(cwnd).toBeGreaterThan(wMax * 0.95);
      expect(cwnd).toBeLessThan(wMax * 1.05);
    });

    for (const [kind, name] of [[0, 'NewReno'], [1, 'CUBIC']] as const) {
      it(`${name} matches the reference over random send/ack/loss sequences and keeps the invariants`, () => {
        fc.assert(fc.property(fc.constantFrom(1200n, 1350n, 1500n), fc.array(opArb, { maxLength: 120 }), (mds, ops) => {
          drive(t, kind, mds, ops, (ref, op, before) => {
            const s = t.ccState();
            const [cwnd, ssthresh, inFlight] = s;
            if (kind === 0) {
              expect([cwnd, ssthresh, inFlight]).toEqual([ref.cwnd, ref.ssthresh, ref.inFlight]);
            } else {
              expect(close(cwnd, ref.cwnd)).toBe(true);
              expect(ssthresh === INF ? ref.ssthresh === INF : close(ssthresh, ref.ssthresh)).toBe(true);
              expect(inFlight).toBe(ref.inFlight);
            }
            // RFC 9002 §7.2: never below the minimum window
            expect(cwnd >= kMinimumWindow(mds)).toBe(true);
            // RFC 9002 §7.6.2: persistent congestion collapses the window
            if (op.op === 'persistent') { expect(cwnd).toBe(kMinimumWindow(mds)); expect(s[6]).toBe(0n); }
            // RFC 9002 §7.3.2: losses of packets sent before the recovery period began change nothing
            if (op.op === 'lose' && before[6] === 1n && !(s[5] !== before[5])) {
              expect(cwnd).toBe(before[0]); expect(ssthresh).toBe(before[1]);
            }
            // the window only shrinks on a congestion event
            if (op.op === 'ack' || op.op === 'send') expect(cwnd >= before[0]).toBe(true);
          });
        }), { numRuns: 150 });
      });
    }
  });
}
