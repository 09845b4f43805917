// assembly/quic/path.ts: the anti-amplification limit (RFC 9000 §8.1) against a
// model of "at most three times the bytes received until validated", path
// validation (§8.2) against a model of the outstanding challenge data, the
// §8.2.4 timeout formula and the bounded PATH_RESPONSE queue (§8.2.2).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const U64_MAX = 2n ** 64n - 1n;
const kInitialRtt = 333_000n; // RFC 9002 §6.2.2
/** RFC 9000 §8.2.4: 3 × max(current PTO, the PTO of a new path with kInitialRtt = kInitialRtt + 4·kInitialRtt/2). */
const refTimeout = (pto: bigint) => { const p = pto > 3n * kInitialRtt ? pto : 3n * kInitialRtt; return 3n * p > U64_MAX ? U64_MAX : 3n * p; };

const info = (t: any) => {
  const [validated, received, sent, validating, pending, deadline, failed, mtuValidated, responses, responsesDropped] = [...t.pathInfo()] as bigint[];
  return { validated, received, sent, validating, pending, deadline, failed, mtuValidated, responses, responsesDropped };
};
const v4 = (ip: number[], port: number) => Uint8Array.of(4, ...ip, port >> 8, port & 0xff);
const v6 = (ip: number[], port: number) => Uint8Array.of(6, ...ip, port >> 8, port & 0xff);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

for (const variant of VARIANTS) {
  describe(`QUIC path (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_path', variant);

    it('stores IPv4 and IPv6 addresses and refuses malformed ones', () => {
      t.pathNew(false);
      const a = v4([192, 0, 2, 1], 443);
      expect(t.pathSetAddress(a)).toBe(true);
      expect(t.pathAddress()).toEqual(a);
      expect(t.pathSameAddress(a)).toBe(true);
      expect(t.pathSameAddress(v4([192, 0, 2, 1], 444))).toBe(false);
      // RFC 9000 §9.4: a port-only change may keep the congestion state
      expect(t.pathSameHost(v4([192, 0, 2, 1], 444))).toBe(true);
      expect(t.pathSameHost(v4([192, 0, 2, 2], 443))).toBe(false);
      const b = v6(Array.from({ length: 16 }, (_, i) => i), 8443);
      expect(t.pathSetAddress(b)).toBe(true);
      expect(t.pathAddress()).toEqual(b);
      expect(t.pathSameAddress(a)).toBe(false);
      expect(t.pathSameHost(a)).toBe(false);
      for (const bad of [Uint8Array.of(6, 1, 2, 3, 4, 0, 1), Uint8Array.of(4, ...new Array(16).fill(0), 0, 1), Uint8Array.of(4, 1, 2, 3, 4, 0),
        new Uint8Array(0), Uint8Array.of(5, 1, 2, 3, 4, 0, 1), new Uint8Array(20)]) {
        expect(t.pathSetAddress(bad)).toBe(false);
      }
      expect(t.pathAddress()).toEqual(b); // unchanged by the refusals
    });

    it('RFC 9000 §8.1: an unvalidated path never sends more than 3× what it received (fast-check)', () => {
      const op = fc.oneof(
        fc.record({ recv: fc.integer({ min: 0, max: 3000 }) }),
        fc.record({ send: fc.integer({ min: 1, max: 5000 }) }),
        fc.record({ validate: fc.constant(true) }),
      );
      fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        t.pathNew(false);
        let recv = 0n, sent = 0n, validated = false;
        for (const o of ops) {
          if ('recv' in o) { t.pathReceived(BigInt(o.recv)); recv += BigInt(o.recv); }
          else if ('validate' in o) { t.pathValidate(); validated = true; }
          else {
            // a sender that honours the allowance: sends min(want, allowance)
            const allow = t.pathAllowance() as bigint;
            const n = BigInt(o.send) < allow ? BigInt(o.send) : allow;
            if (n > 0n) { t.pathSent(n); sent += n; }
          }
          const allow = t.pathAllowance() as bigint;
          if (validated) expect(allow).toBe(U64_MAX);
          else {
            expect(sent).toBeLessThanOrEqual(3n * recv);
            expect(allow).toBe(3n * recv - sent);
          }
          const i = info(t);
          expect(i.received).toBe(recv);
          expect(i.sent).toBe(sent);
        }
      }), { numRuns: 300 });
    });

    it('§8.1: the allowance is exactly exhausted, then 0; a client path starts validated', () => {
      t.pathNew(false);
      expect(t.pathAllowance()).toBe(0n); // nothing received: nothing may be sent
      t.pathReceived(1200n);
      expect(t.pathAllowance()).toBe(3600n);
      t.pathSent(3600n);
      expect(t.pathAllowance()).toBe(0n);
      t.pathSent(100n); // a caller that overshoots does not wrap the allowance
      expect(t.pathAllowance()).toBe(0n);
      t.pathReceived(100n);
      expect(t.pathAllowance()).toBe(200n);
      t.pathReceived(U64_MAX); // saturates
      expect(t.pathAllowance()).toBeGreaterThan(2n ** 63n);
      t.pathNew(true);
      expect(t.pathAllowance()).toBe(U64_MAX);
      t.pathReset(false);
      expect(t.pathAllowance()).toBe(0n);
    });

    it('§8.2.4: the validation timeout is 3 × max(PTO, 3·kInitialRtt), saturating', () => {
      expect(t.pathConstants()[0]).toBe(3n * kInitialRtt);
      fc.assert(fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), (pto) => {
        expect(t.pathValidationTimeout(pto)).toBe(refTimeout(pto));
      }), { numRuns: 500 });
      for (const pto of [0n, 1n, 999_000n, 999_001n, 5_000_000n, U64_MAX / 3n, U64_MAX / 3n + 1n, U64_MAX]) {
        expect(t.pathValidationTimeout(pto)).toBe(refTimeout(pto));
      }
      t.pathNew(false);
      t.pathStartChallenge(10_000_000n, 2_000_000n);
      expect(t.pathValidationTimeoutNow()).toBe(6_000_000n);
      expect(info(t).deadline).toBe(16_000_000n);
      t.pathStartChallenge(10_000_000n, 100_000n);
      expect(info(t).deadline).toBe(10_000_000n + 9n * kInitialRtt);
      t.pathStartChallenge(U64_MAX - 5n, 100_000n);
      expect(info(t).deadline).toBe(U64_MAX);
    });

    it('§8.2.3: a response with the data we sent validates the path; wrong and stale data do not', () => {
      t.pathNew(false);
      t.pathStartChallenge(0n, 1_000_000n);
      let i = info(t);
      expect(i.validating).toBe(1n);
      expect(i.pending).toBe(1n);
      const data = t.pathChallengeData();
      expect(data.length).toBe(8);
      // not yet sent: not accepted
      expect(t.pathResponse(data)).toBe(false);
      t.pathChallengeSent(1200, 0n);
      expect(info(t).pending).toBe(0n);
      const wrong = Uint8Array.from(data); wrong[7] ^= 1;
      expect(t.pathResponse(wrong)).toBe(false);
      expect(t.pathResponse(new Uint8Array(8))).toBe(false);
      expect(info(t).validated).toBe(0n);
      expect(t.pathResponse(data)).toBe(true);
      i = info(t);
      expect(i.validated).toBe(1n);
      expect(i.validating).toBe(0n);
      expect(i.mtuValidated).toBe(1n);
      expect(i.deadline).toBe(U64_MAX);
      expect(t.pathAllowance()).toBe(U64_MAX);
      // stale: the same data again
      expect(t.pathResponse(data)).toBe(false);
      // a timeout after success is no failure
      expect(t.pathTimeout(U64_MAX)).toBe(false);
      expect(info(t).failed).toBe(0n);
    });

    it('§8.2.1, §8.2.3: a challenge in a datagram under 1200 bytes validates the address but not the MTU', () => {
      t.pathNew(false);
      t.pathStartChallenge(0n, 1_000_000n);
      const data = t.pathChallengeData();
      t.pathChallengeSent(1199, 0n);
      expect(t.pathResponse(data)).toBe(true);
      const i = info(t);
      expect(i.validated).toBe(1n);
      expect(i.mtuValidated).toBe(0n);
    });

    it('§13.3: each resend after a loss carries new data; the last three stay acceptable', () => {
      t.pathNew(false);
      t.pathStartChallenge(0n, 1_000_000n);
      const sent: Uint8Array[] = [];
      for (let k = 0; k < 5; k++) {
        const d = t.pathChallengeData();
        expect(sent.map(hex)).not.toContain(hex(d));
        t.pathChallengeSent(1200, 0n);
        sent.push(d);
        t.pathChallengeLost();
        expect(info(t).pending).toBe(1n);
      }
      // pending one (never sent) is not accepted; the two oldest sent were evicted
      expect(t.pathResponse(t.pathChallengeData())).toBe(false);
      expect(t.pathResponse(sent[0])).toBe(false);
      expect(t.pathResponse(sent[1])).toBe(false);
      expect(info(t).validated).toBe(0n);
      expect(t.pathResponse(sent[3])).toBe(true);
      expect(info(t).validated).toBe(1n);
      // a loss after success resends nothing
      t.pathChallengeLost();
      expect(info(t).pending).toBe(0n);
    });

    it('§8.2.4: an unanswered validation is abandoned at 3 × max(PTO, new-path PTO)', () => {
      t.pathNew(false);
      t.pathStartChallenge(1_000n, 2_000_000n);
      const data = t.pathChallengeData();
      t.pathChallengeSent(1200, 0n);
      expect(t.pathTimeout(1_000n + 6_000_000n - 1n)).toBe(false);
      expect(info(t).validating).toBe(1n);
      expect(t.pathTimeout(1_000n + 6_000_000n)).toBe(true);
      const i = info(t);
      expect(i.failed).toBe(1n);
      expect(i.validating).toBe(0n);
      expect(i.validated).toBe(0n);
      expect(t.pathTimeout(U64_MAX)).toBe(false); // reported once
      // a late response does not revive it
      expect(t.pathResponse(data)).toBe(false);
      expect(info(t).validated).toBe(0n);
      // a new attempt clears the failure
      t.pathStartChallenge(10_000_000n, 0n);
      expect(info(t).failed).toBe(0n);
      const d2 = t.pathChallengeData();
      t.pathChallengeSent(1200, 0n);
      t.pathCancel();
      expect(t.pathResponse(d2)).toBe(false);
    });

    it('§9.4: an unanswered challenge is sent again after a PTO, then 2, 4… PTOs (RFC 9002 §6.2.1), new data each time', () => {
      t.pathNew(false);
      t.pathStartChallenge(1_000n, 100_000n);
      expect(t.pathRetryAt()).toBe(U64_MAX); // nothing sent yet
      const first = t.pathChallengeData();
      t.pathChallengeSent(1200, 1_000n);
      expect(t.pathRetryAt()).toBe(101_000n);
      t.pathRetryTimer(100_999n);
      expect(info(t).pending).toBe(0n);
      t.pathRetryTimer(101_000n);
      expect(info(t).pending).toBe(1n);
      expect(hex(t.pathChallengeData())).not.toBe(hex(first));
      t.pathChallengeSent(1200, 101_000n);
      expect(t.pathRetryAt()).toBe(301_000n); // doubled
      t.pathRetryTimer(301_000n);
      t.pathChallengeSent(1200, 301_000n);
      expect(t.pathRetryAt()).toBe(701_000n);
      // the response to the first challenge arrives late: still accepted, and no resend is left armed
      expect(t.pathResponse(first)).toBe(true);
      expect(t.pathRetryAt()).toBe(U64_MAX);
      t.pathRetryTimer(U64_MAX);
      expect(info(t).pending).toBe(0n);
      // abandoning at the §8.2.4 deadline disarms it too
      t.pathStartChallenge(1_000_000n, 100_000n);
      t.pathChallengeSent(1200, 1_000_000n);
      expect(t.pathTimeout(U64_MAX)).toBe(true);
      expect(t.pathRetryAt()).toBe(U64_MAX);
    });

    it('challenge/response against a model of the outstanding data (fast-check)', () => {
      const op = fc.oneof(
        fc.constant({ k: 'start' as const }),
        fc.record({ k: fc.constant('send' as const), size: fc.integer({ min: 1100, max: 1500 }) }),
        fc.constant({ k: 'lost' as const }),
        fc.record({ k: fc.constant('respond' as const), back: fc.nat(8) }),
        fc.record({ k: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 8, maxLength: 8 }) }),
        fc.constant({ k: 'timeout' as const }),
      );
      fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        t.pathNew(false);
        // model: every drawn challenge in order, whether it was sent, and which are still live
        const drawn: { data: string; sent: boolean; expanded: boolean }[] = [];
        let validating = false, pending = false, validated = false, live = new Set<string>();
        let now = 0n;
        const liveNow = () => {
          // the three newest draws, if sent, while validating
          const s = new Set<string>();
          if (validating) for (const d of drawn.slice(-3)) if (d.sent && live.has(d.data)) s.add(d.data);
          return s;
        };
        for (const o of ops) {
          now += 100_000n;
          if (o.k === 'start') {
            t.pathStartChallenge(now, 1_000_000n);
            validating = true; pending = true;
            drawn.push({ data: hex(t.pathChallengeData()), sent: false, expanded: false });
          } else if (o.k === 'send') {
            t.pathChallengeSent(o.size, now);
            if (pending) { const d = drawn[drawn.length - 1]; d.sent = true; d.expanded = o.size >= 1200; live.add(d.data); pending = false; }
          } else if (o.k === 'lost') {
            t.pathChallengeLost();
            if (validating && !pending) { pending = true; drawn.push({ data: hex(t.pathChallengeData()), sent: false, expanded: false }); }
          } else if (o.k === 'respond') {
            if (drawn.length === 0) continue;
            const d = drawn[Math.max(0, drawn.length - 1 - o.back)];
            const ok = liveNow().has(d.data);
            expect(t.pathResponse(Buffer.from(d.data, 'hex'))).toBe(ok);
            if (ok) {
              validating = false; pending = false; validated = true; live = new Set();
              expect(info(t).mtuValidated).toBe(d.expanded ? 1n : 0n);
            }
          } else if (o.k === 'garbage') {
            const ok = liveNow().has(hex(o.bytes));
            expect(t.pathResponse(o.bytes)).toBe(ok);
            if (ok) { validating = false; pending = false; validated = true; live = new Set(); }
          } else {
            const fired = t.pathTimeout(now + 10_000_000n);
            expect(fired).toBe(validating);
            if (validating) { validating = false; pending = false; live = new Set(); }
          }
          const i = info(t);
          expect(i.validating).toBe(validating ? 1n : 0n);
          expect(i.pending).toBe(pending ? 1n : 0n);
          expect(i.validated).toBe(validated ? 1n : 0n);
        }
        // every draw is different (64 bits of entropy)
        expect(new Set(drawn.map((d) => d.data)).size).toBe(drawn.length);
      }), { numRuns: 300 });
    });

    it('§8.2.2: owed PATH_RESPONSEs are kept in order, only the newest few', () => {
      t.pathNew(false);
      const max = Number(t.pathConstants()[2]);
      expect(t.pathPopResponse()).toBeNull();
      const challenges = Array.from({ length: max + 2 }, (_, k) => Uint8Array.from({ length: 8 }, (_, j) => k * 16 + j));
      for (const c of challenges) t.pathQueueResponse(c);
      const i = info(t);
      expect(i.responses).toBe(BigInt(max));
      expect(i.responsesDropped).toBe(2n);
      for (const c of challenges.slice(2)) expect(t.pathPopResponse()).toEqual(c);
      expect(t.pathPopResponse()).toBeNull();
      // random interleavings against a bounded FIFO
      fc.assert(fc.property(fc.array(fc.oneof(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.constant(null)), { maxLength: 40 }), (ops) => {
        t.pathNew(false);
        const model: Uint8Array[] = [];
        let dropped = 0n;
        for (const o of ops) {
          if (o === null) {
            const got = t.pathPopResponse();
            const want = model.shift() ?? null;
            expect(got).toEqual(want);
          } else {
            t.pathQueueResponse(o);
            model.push(o);
            if (model.length > max) { model.shift(); dropped++; }
          }
          expect(info(t).responses).toBe(BigInt(model.length));
          expect(info(t).responsesDropped).toBe(dropped);
        }
      }), { numRuns: 200 });
    });
  });
}
