// assembly/quic/ack_tracker.ts (RFC 9000 §13.2): duplicates (§12.3), the ACK
// frame it writes re-decoded through frame_encode.ts / frame.ts against a JS
// reference model, the §13.2.1 / §13.2.2 timing rules, the ACK Delay field
// (§19.3) and forgetting acknowledged ranges (§13.2.4). Debug and release builds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const INITIAL = 0, HANDSHAKE = 1, APPLICATION = 2;
const NO_DEADLINE = (1n << 64n) - 1n;

/** Reference model of what the tracker remembers. */
class Model {
  values = new Set<number>();
  floor = 0;
  constructor(readonly cap: number) {}
  ranges(): [number, number][] { // descending
    const v = [...this.values].sort((a, b) => b - a);
    const out: [number, number][] = [];
    for (const x of v) {
      if (out.length && out[out.length - 1][0] - 1 === x) out[out.length - 1][0] = x;
      else out.push([x, x]);
    }
    return out;
  }
  recv(pn: number): boolean {
    if (pn < this.floor || this.values.has(pn)) return true;
    this.values.add(pn);
    let r = this.ranges();
    while (r.length > this.cap) {
      const [s, e] = r[r.length - 1];
      for (let x = s; x <= e; x++) this.values.delete(x);
      this.floor = Math.max(this.floor, e + 1);
      r = r.slice(0, -1);
    }
    return false;
  }
  acked(largest: number) {
    this.floor = Math.max(this.floor, largest + 1);
    for (const x of [...this.values]) if (x < this.floor) this.values.delete(x);
  }
}

/** Decoded ACK fields -> descending ranges. */
function decodedRanges(out: bigint[]): [number, number][] {
  const largest = Number(out[4]);
  let smallest = largest - Number(out[6]);
  const r: [number, number][] = [[smallest, largest]];
  for (let i = 7; i + 1 < out.length; i += 2) {
    const end = smallest - Number(out[i]) - 2;
    smallest = end - Number(out[i + 1]);
    r.push([smallest, end]);
  }
  return r;
}

for (const variant of VARIANTS) {
  describe(`AckTracker (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_ack', variant);
    const roundTrip = (now = 0n, exp = 3, cap = 64): bigint[] => Array.from(t.atAckRoundTrip(now, exp, cap) as ArrayLike<bigint>);

    it('detects duplicates and tracks the largest received with its time', () => {
      t.atNew(APPLICATION, 16, 25000n);
      expect(t.atRecv(5n, true, 100n)).toBe(false);
      expect(t.atRecv(5n, true, 200n)).toBe(true);
      expect(t.atRecv(3n, false, 300n)).toBe(false);
      expect(t.atLargest()).toEqual([5n, 100n, 1n]);
      expect(t.atRecv(9n, false, 400n)).toBe(false);
      expect(t.atLargest()).toEqual([9n, 400n, 1n]);
      expect(roundTrip()[0]).toBe(1n);
      t.atNew(APPLICATION, 16, 25000n);
      expect(roundTrip()).toEqual([0n]); // nothing to acknowledge
    });

    it('ACK frames re-decode to the received set minus dropped low ranges (reference model)', () => {
      const pnArb = fc.array(fc.nat(300), { maxLength: 150 });
      fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 12 }), pnArb,
        fc.option(fc.nat(300)), fc.array(fc.nat(300), { maxLength: 20 }),
        (cap, frameCap, pns, ackedAt, later) => {
          t.atNew(APPLICATION, cap, 25000n);
          const m = new Model(cap);
          const dup = Array.from(t.atRecvMany(pns.map(BigInt), 0n) as ArrayLike<boolean>, Boolean);
          expect(dup).toEqual(pns.map((p) => m.recv(p)));
          if (ackedAt !== null) {
            t.atOnAckAcknowledged(BigInt(ackedAt));
            m.acked(ackedAt);
            const dup2 = Array.from(t.atRecvMany(later.map(BigInt), 0n) as ArrayLike<boolean>, Boolean);
            expect(dup2).toEqual(later.map((p) => m.recv(p)));
          }
          expect(Number(t.atMinimum())).toBe(m.floor);
          const out = roundTrip(0n, 3, frameCap);
          const want = m.ranges();
          if (want.length === 0) { expect(out).toEqual([0n]); return; }
          expect(out[1]).toBe(0n); // encodeFrame accepted it
          expect(out[2]).toBe(0n); // decodeFrame accepted it and consumed every byte
          const got = decodedRanges(out);
          // the First ACK Range plus at most the frame's capacity (QuicFrame keeps at least 1): the highest ones
          const stored = Math.max(frameCap, 1) + 1;
          expect(got).toEqual(want.slice(0, stored));
          expect(out[3]).toBe(want.length > stored ? 1n : 0n);
        }), { numRuns: 300 });
    });

    it('acknowledges ack-eliciting Initial and Handshake packets immediately (§13.2.1)', () => {
      for (const space of [INITIAL, HANDSHAKE]) {
        t.atNew(space, 8, 25000n);
        t.atRecv(0n, false, 10n); // not ack-eliciting: no ACK on its own
        expect(t.atShouldSend(10n)).toBe(false);
        expect(t.atDeadline()).toBe(NO_DEADLINE);
        t.atRecv(1n, true, 20n);
        expect(t.atShouldSend(20n)).toBe(true);
        expect(t.atDeadline()).toBe(20n);
        t.atOnAckSent();
        expect(t.atShouldSend(1000000n)).toBe(false);
      }
    });

    it('application space: max_ack_delay, then two ack-eliciting packets (§13.2.1, §13.2.2)', () => {
      t.atNew(APPLICATION, 8, 25000n);
      t.atRecv(0n, false, 5n);
      expect(t.atDeadline()).toBe(NO_DEADLINE); // §13.2.1: never in response to non-ack-eliciting
      t.atRecv(1n, true, 1000n);
      expect(t.atShouldSend(1000n)).toBe(false);
      expect(t.atDeadline()).toBe(26000n);
      expect(t.atShouldSend(25999n)).toBe(false);
      expect(t.atShouldSend(26000n)).toBe(true);
      t.atRecv(2n, true, 2000n); // the second ack-eliciting packet
      expect(t.atShouldSend(2000n)).toBe(true);
      t.atOnAckSent();
      expect(t.atDeadline()).toBe(NO_DEADLINE);
      t.atRecv(3n, true, 3000n);
      expect(t.atDeadline()).toBe(28000n); // the clock restarts after an ACK is sent
      expect(t.atShouldSend(3000n)).toBe(false);
      t.atRecv(4n, false, 3100n); // non-ack-eliciting does not count towards the two
      expect(t.atShouldSend(3100n)).toBe(false);
      expect(t.atDeadline()).toBe(28000n);
    });

    it('acknowledges at once on reordering and on a gap (§13.2.1)', () => {
      t.atNew(APPLICATION, 8, 25000n);
      t.atRecv(5n, true, 0n);
      t.atOnAckSent();
      t.atRecv(3n, true, 10n); // lower than an ack-eliciting packet received
      expect(t.atImmediate()).toBe(true);
      t.atOnAckSent();
      t.atRecv(6n, true, 20n); // in order, no gap
      expect(t.atImmediate()).toBe(false);
      t.atOnAckSent();
      t.atRecv(9n, true, 30n); // 7, 8 missing
      expect(t.atImmediate()).toBe(true);
      t.atOnAckSent();
      t.atRecv(11n, false, 40n); // non-ack-eliciting fills nothing and elicits nothing
      expect(t.atImmediate()).toBe(false);
      t.atRecv(10n, false, 41n);
      t.atRecv(12n, true, 50n); // 10, 11 arrived (non-ack-eliciting): no gap above 9
      expect(t.atImmediate()).toBe(false);
    });

    it('does not count forgotten packet numbers as a gap, and keeps the earliest deadline', () => {
      t.atNew(APPLICATION, 8, 25000n);
      t.atRecv(5n, true, 0n);
      t.atRecv(6n, false, 0n);
      t.atOnAckSent();
      t.atOnAckAcknowledged(6n); // 5 and 6 forgotten (§13.2.4)
      t.atRecv(7n, true, 10n);
      expect(t.atImmediate()).toBe(false);
      t.atRecv(8n, true, 20n); // second ack-eliciting: immediately, deadline 20
      t.atRecv(9n, true, 30n);
      expect(t.atDeadline()).toBe(20n);
    });

    it('timing decisions match a reference model of §13.2.1 / §13.2.2 on random arrivals', () => {
      const step = fc.oneof(
        { weight: 6, arbitrary: fc.tuple(fc.constant('recv' as const), fc.nat(60), fc.boolean(), fc.nat(40000)) },
        { weight: 1, arbitrary: fc.tuple(fc.constant('sent' as const), fc.constant(0), fc.constant(false), fc.nat(40000)) },
        { weight: 1, arbitrary: fc.tuple(fc.constant('acked' as const), fc.nat(60), fc.constant(false), fc.nat(40000)) },
      );
      fc.assert(fc.property(fc.integer({ min: 2, max: 8 }), fc.array(step, { maxLength: 80 }), (cap, steps) => {
        const delay = 25000;
        t.atNew(APPLICATION, cap, BigInt(delay));
        const m = new Model(cap);
        let largestAE: number | null = null, count = 0, immediate = false, deadline: number | null = null, now = 0;
        for (const [kind, pn, ae, dt] of steps) {
          now += dt;
          if (kind === 'sent') { t.atOnAckSent(); count = 0; immediate = false; deadline = null; continue; }
          if (kind === 'acked') { t.atOnAckAcknowledged(BigInt(pn)); m.acked(pn); continue; }
          let reordered = false;
          if (ae && largestAE !== null && !(pn < m.floor || m.values.has(pn))) {
            if (pn < largestAE) reordered = true;
            else for (let x = Math.max(largestAE + 1, m.floor); x < pn; x++) if (!m.values.has(x)) reordered = true;
          }
          const dup = m.recv(pn);
          expect(t.atRecv(BigInt(pn), ae, BigInt(now))).toBe(dup);
          if (dup || !ae) continue;
          if (largestAE === null || pn > largestAE) largestAE = pn;
          count++;
          if (reordered || count >= 2) immediate = true;
          if (immediate) deadline = deadline === null ? now : Math.min(deadline, now);
          else if (deadline === null) deadline = now + delay;
          expect(t.atImmediate()).toBe(immediate);
          expect(t.atDeadline()).toBe(deadline === null ? NO_DEADLINE : BigInt(deadline));
          expect(t.atShouldSend(BigInt(now))).toBe(immediate || (deadline !== null && now >= deadline));
        }
      }), { numRuns: 300 });
    });

    it('encodes the ACK Delay with ack_delay_exponent from the largest packet\'s receive time (§13.2.5, §19.3)', () => {
      t.atNew(APPLICATION, 8, 25000n);
      t.atRecv(7n, true, 1000n);
      t.atRecv(4n, true, 5000n); // not the largest: the time stays 1000
      expect(t.atDelayField(9000n, 3)).toBe(1000n);
      expect(t.atDelayField(9000n, 0)).toBe(8000n);
      expect(t.atDelayField(9000n, 20)).toBe(0n);
      expect(t.atDelayField(1n << 40n, 200)).toBe(((1n << 40n) - 1000n) >> 20n); // clamped, no trap
      expect(t.atDelayField(500n, 3)).toBe(0n); // clock before the receive time
      expect(roundTrip(9000n, 3)[5]).toBe(1000n);
    });

    it('forgets acknowledged ranges and refuses packets below them (§13.2.3, §13.2.4)', () => {
      t.atNew(APPLICATION, 8, 25000n);
      for (const pn of [0, 1, 2, 4, 5, 8]) t.atRecv(BigInt(pn), true, 0n);
      t.atOnAckAcknowledged(4n);
      expect(t.atMinimum()).toBe(5n);
      expect(decodedRanges(roundTrip())).toEqual([[8, 8], [5, 5]]);
      expect(t.atRecv(3n, true, 0n)).toBe(true); // below the minimum: possibly a duplicate
      expect(t.atRecv(6n, true, 0n)).toBe(false);
      t.atOnAckAcknowledged(2n); // an older ACK acknowledged later changes nothing
      expect(t.atMinimum()).toBe(5n);
      t.atOnAckAcknowledged((1n << 64n) - 1n);
      expect(roundTrip()).toEqual([0n]);
    });

    it('never traps on extreme inputs', () => {
      const MAX = (1n << 64n) - 1n;
      fc.assert(fc.property(fc.array(fc.tuple(fc.bigInt({ min: 0n, max: MAX }), fc.boolean(), fc.bigInt({ min: 0n, max: MAX })), { maxLength: 40 }),
        fc.bigInt({ min: 0n, max: MAX }), fc.nat(300), fc.integer({ min: -1, max: 4 }), (pkts, delay, exp, frameCap) => {
          t.atNew(APPLICATION, 4, delay);
          for (const [pn, ae, now] of pkts) { t.atRecv(pn, ae, now); t.atShouldSend(now); }
          expect(t.atRecv(MAX, true, MAX)).toBe(true); // above 2^62-1 (§12.3): refused
          t.atRecv((1n << 62n) - 1n, true, MAX);
          const out = roundTrip(MAX, exp, frameCap);
          expect(out[1]).toBe(0n);
          expect(out[2]).toBe(0n);
        }), { numRuns: 200 });
    });
  });
}
