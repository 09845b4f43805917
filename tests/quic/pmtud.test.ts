// assembly/quic/pmtud.ts (DPLPMTUD, RFC 8899 with RFC 9000 §14.3): driven over a
// simulated link with a given MTU and random probe losses; checks that the search
// converges on the link MTU, never probes above the configured maximum or the
// peer's max_udp_payload_size, restarts after the raise timer and falls back to
// BASE_PLPMTU on a black hole.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const U64_MAX = 2n ** 64n - 1n;
const BASE = 1200, MAX_PROBES = 3, DEFAULT_MAX = 1452;
const RAISE = 600_000_000n, PROBE_TIMER = 15_000_000n;
const S = { Disabled: 0n, Base: 1n, Searching: 2n, SearchComplete: 3n, Error: 4n };
const info = (t: any) => {
  const [state, mtu, max, inFlight, probeCount, timeout, blackHoles, probePn] = [...t.pmtudInfo()] as bigint[];
  return { state, mtu: Number(mtu), max: Number(max), inFlight, probeCount, timeout, blackHoles, probePn };
};

/**
 * Runs probes over a link carrying datagrams up to `link` bytes until the search completes.
 * `losses[i]` drops the i-th probe that would fit, but never MAX_PROBES in a row (so a size
 * that fits is never taken as failed). Returns the number of probes sent.
 */
function search(t: any, link: number, cap: number, losses: boolean[], clock: { now: bigint; pn: bigint }, limit = 200) {
  let probes = 0, k = 0, run = 0;
  while (info(t).state !== S.SearchComplete) {
    clock.now += 50_000n;
    expect(probes).toBeLessThan(limit);
    if (!t.pmtudShouldProbe(clock.now)) continue;
    const size = t.pmtudNextProbeSize();
    const before = info(t).mtu;
    expect(size).toBeGreaterThan(before);
    expect(size).toBeLessThanOrEqual(cap);
    t.pmtudProbeSent(clock.pn++, size, clock.now);
    expect(info(t).inFlight).toBe(1n);
    expect(t.pmtudShouldProbe(clock.now)).toBe(false); // one probe at a time
    probes++;
    clock.now += 30_000n;
    let lost = size > link;
    if (!lost && losses.length > 0 && losses[k++ % losses.length] && run < MAX_PROBES - 1) { lost = true; run++; }
    else if (!lost) run = 0;
    if (lost) t.pmtudProbeLost(size, clock.now); else t.pmtudProbeAcked(size, clock.now);
    expect(info(t).mtu).toBeLessThanOrEqual(Math.min(link, cap));
  }
  return probes;
}

for (const variant of VARIANTS) {
  describe(`QUIC DPLPMTUD (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_path', variant);

    it('constants from RFC 8899 §5.1 and RFC 9000 §14', () => {
      expect([...t.pmtudConstants()]).toEqual([BigInt(BASE), BigInt(MAX_PROBES), BigInt(DEFAULT_MAX), RAISE, PROBE_TIMER, 3n]);
    });

    it('Disabled until the handshake completes: 1200 bytes, no probes', () => {
      t.pmtudNew(0);
      const i = info(t);
      expect(i.state).toBe(S.Disabled);
      expect(i.mtu).toBe(BASE);
      expect(i.max).toBe(DEFAULT_MAX);
      expect(t.pmtudShouldProbe(U64_MAX)).toBe(false);
      expect(t.pmtudNextProbeSize()).toBe(0);
      expect(i.timeout).toBe(U64_MAX);
    });

    it('converges on the link MTU under random probe losses, never above the maximum or the peer limit (fast-check)', () => {
      fc.assert(fc.property(
        fc.integer({ min: BASE, max: 9000 }), fc.option(fc.integer({ min: 1000, max: 10000 })), fc.nat(10000),
        fc.array(fc.boolean(), { maxLength: 30 }),
        (max, peer, linkSeed, losses) => {
          t.pmtudNew(max);
          if (peer !== null) t.pmtudPeerMax(BigInt(peer));
          const cap = Math.min(max, peer === null ? Infinity : Math.max(BASE, peer));
          expect(info(t).max).toBe(cap);
          const link = BASE + (linkSeed % (cap - BASE + 1)); // a link MTU in [1200, cap]
          const clock = { now: 1_000_000n, pn: 10n };
          t.pmtudEnable(clock.now, true);
          const probes = search(t, link, cap, losses, clock);
          const i = info(t);
          expect(i.mtu).toBe(link);
          expect(i.state).toBe(S.SearchComplete);
          // binary search: ceil(log2(range + 1)) sizes, each tried at most MAX_PROBES times
          expect(probes).toBeLessThanOrEqual(MAX_PROBES * (Math.ceil(Math.log2(cap - BASE + 1)) + 1));
          // RFC 8899 §5.1.1: the raise timer is armed 600 s out
          expect(i.timeout).toBeGreaterThan(clock.now);
          expect(i.timeout).toBeLessThanOrEqual(clock.now + RAISE);
        }), { numRuns: 200 });
    });

    it('a link MTU above the cap stops at the cap; a link of 1200 stays at 1200', () => {
      for (const [max, link] of [[1452, 9000], [1500, 1200], [1200, 1500]]) {
        t.pmtudNew(max);
        const clock = { now: 0n, pn: 0n };
        t.pmtudEnable(0n, true);
        search(t, link, max, [], clock);
        expect(info(t).mtu).toBe(Math.min(link, max));
      }
    });

    it('the configured maximum is clamped to [1200, 65527]; the peer limit only lowers it', () => {
      t.pmtudNew(100);
      expect(info(t).max).toBe(BASE);
      t.pmtudNew(100_000);
      expect(info(t).max).toBe(65527);
      t.pmtudNew(1452);
      t.pmtudPeerMax(65527n);
      expect(info(t).max).toBe(1452);
      t.pmtudPeerMax(1300n);
      expect(info(t).max).toBe(1300);
      t.pmtudPeerMax(500n);
      expect(info(t).max).toBe(BASE);
      t.pmtudPeerMax(U64_MAX);
      expect(info(t).max).toBe(1452);
    });

    it('RFC 8899 §5.1.1: after PMTU_RAISE_TIMER the search restarts and finds a larger MTU', () => {
      t.pmtudNew(1500);
      const clock = { now: 0n, pn: 0n };
      t.pmtudEnable(0n, true);
      search(t, 1300, 1500, [], clock);
      expect(info(t).mtu).toBe(1300);
      const raise = info(t).timeout;
      expect(t.pmtudShouldProbe(raise - 1n)).toBe(false);
      clock.now = raise;
      expect(t.pmtudShouldProbe(clock.now)).toBe(true);
      expect(info(t).state).toBe(S.Searching);
      expect(info(t).mtu).toBe(1300); // still usable while searching
      search(t, 1480, 1500, [], clock);
      expect(info(t).mtu).toBe(1480);
      // at the maximum: the raise timer just re-arms
      t.pmtudNew(1400);
      t.pmtudEnable(0n, true);
      const c2 = { now: 0n, pn: 0n };
      search(t, 1500, 1400, [], c2);
      const r2 = info(t).timeout;
      expect(t.pmtudShouldProbe(r2)).toBe(false);
      expect(info(t).state).toBe(S.SearchComplete);
      expect(info(t).timeout).toBe(r2 + RAISE);
    });

    it('RFC 8899 §5.2: BASE is confirmed by a probe; MAX_PROBES failures enter ERROR, which retries every PROBE_TIMER', () => {
      t.pmtudNew(1452);
      t.pmtudEnable(0n, false);
      expect(info(t).state).toBe(S.Base);
      for (let k = 0; k < MAX_PROBES; k++) {
        expect(t.pmtudShouldProbe(BigInt(k))).toBe(true);
        expect(t.pmtudNextProbeSize()).toBe(BASE);
        t.pmtudProbeSent(BigInt(k), BASE, BigInt(k));
        t.pmtudProbeLost(BASE, BigInt(k) + 1n);
      }
      let i = info(t);
      expect(i.state).toBe(S.Error);
      expect(i.mtu).toBe(BASE);
      expect(i.timeout).toBe(BigInt(MAX_PROBES - 1) + 1n + PROBE_TIMER);
      expect(t.pmtudShouldProbe(i.timeout - 1n)).toBe(false);
      expect(t.pmtudShouldProbe(i.timeout)).toBe(true);
      t.pmtudProbeSent(100n, BASE, i.timeout);
      t.pmtudProbeAcked(BASE, i.timeout + 1n);
      i = info(t);
      expect(i.state).toBe(S.Searching);
      const clock = { now: i.timeout, pn: 200n };
      search(t, 1400, 1452, [], clock);
      expect(info(t).mtu).toBe(1400);
    });

    it('stale or mismatched probe reports are ignored', () => {
      t.pmtudNew(1452);
      t.pmtudEnable(0n, true);
      expect(t.pmtudShouldProbe(1n)).toBe(true);
      const size = t.pmtudNextProbeSize();
      t.pmtudProbeSent(7n, size, 1n);
      expect(info(t).probePn).toBe(7n);
      t.pmtudProbeAcked(size + 1, 2n);
      t.pmtudProbeLost(size - 1, 2n);
      expect(info(t).mtu).toBe(BASE);
      expect(info(t).probeCount).toBe(0n);
      t.pmtudProbeAcked(size, 3n);
      expect(info(t).mtu).toBe(size);
      t.pmtudProbeAcked(size, 4n); // a duplicate report
      t.pmtudProbeLost(size, 4n);
      expect(info(t).mtu).toBe(size);
      expect(info(t).probeCount).toBe(0n);
    });

    it('RFC 8899 §4.3: repeated losses of large packets while smaller ones get through fall back to 1200', () => {
      t.pmtudNew(1452);
      const clock = { now: 0n, pn: 0n };
      t.pmtudEnable(0n, true);
      search(t, 1452, 1452, [], clock);
      expect(info(t).mtu).toBe(1452);
      // the link shrinks to 1300: full-size packets vanish, small ones are acknowledged
      let pn = 1000n;
      t.pmtudPacketAcked(pn++, 1452); // a full-size packet got through before the change
      // one burst of consecutive losses counts once
      expect(t.pmtudPacketLost(pn++, 1452, clock.now)).toBe(false);
      expect(t.pmtudPacketLost(pn++, 1452, clock.now)).toBe(false);
      expect(t.pmtudPacketLost(pn++, 1452, clock.now)).toBe(false);
      t.pmtudPacketAcked(pn++, 200);
      expect(t.pmtudPacketLost(pn++, 1452, clock.now)).toBe(false);
      t.pmtudPacketAcked(pn++, 200);
      // small packets never count
      expect(t.pmtudPacketLost(pn++, 1200, clock.now)).toBe(false);
      t.pmtudPacketAcked(pn++, 1200);
      expect(t.pmtudPacketLost(pn++, 1452, clock.now)).toBe(true);
      let i = info(t);
      expect(i.mtu).toBe(BASE);
      expect(i.state).toBe(S.Base);
      expect(i.blackHoles).toBe(1n);
      // further losses of the old large packets change nothing
      expect(t.pmtudPacketLost(pn++, 1452, clock.now)).toBe(false);
      // BASE is confirmed again, then the search finds the new MTU
      expect(t.pmtudShouldProbe(clock.now)).toBe(true);
      expect(t.pmtudNextProbeSize()).toBe(BASE);
      t.pmtudProbeSent(pn++, BASE, clock.now);
      t.pmtudProbeAcked(BASE, clock.now);
      search(t, 1300, 1452, [], clock);
      i = info(t);
      expect(i.mtu).toBe(1300);
      expect(i.state).toBe(S.SearchComplete);
    });

    it('losses of packets sent before a full-size packet got through are congestion, not a black hole', () => {
      t.pmtudNew(1452);
      const clock = { now: 0n, pn: 0n };
      t.pmtudEnable(0n, true);
      search(t, 1452, 1452, [], clock);
      t.pmtudPacketAcked(100n, 1452);
      for (const pn of [10n, 20n, 30n, 40n, 50n, 60n]) expect(t.pmtudPacketLost(pn, 1452, 0n)).toBe(false);
      // a full-size acknowledgment clears suspicion
      expect(t.pmtudPacketLost(102n, 1452, 0n)).toBe(false);
      expect(t.pmtudPacketLost(104n, 1452, 0n)).toBe(false);
      t.pmtudPacketAcked(105n, 1452);
      expect(t.pmtudPacketLost(106n, 1452, 0n)).toBe(false);
      expect(t.pmtudPacketLost(108n, 1452, 0n)).toBe(false);
      expect(info(t).mtu).toBe(1452);
      expect(t.pmtudPacketLost(110n, 1452, 0n)).toBe(true);
      expect(info(t).mtu).toBe(BASE);
    });

    it('onCongestionBlackHole falls back to 1200 from any search state; not while Disabled', () => {
      t.pmtudNew(1452);
      t.pmtudBlackHole(0n);
      expect(info(t).state).toBe(S.Disabled);
      const clock = { now: 0n, pn: 0n };
      t.pmtudEnable(0n, true);
      expect(t.pmtudShouldProbe(1n)).toBe(true);
      const size = t.pmtudNextProbeSize();
      t.pmtudProbeSent(1n, size, 1n);
      t.pmtudProbeAcked(size, 2n);
      expect(info(t).mtu).toBe(size);
      t.pmtudShouldProbe(3n);
      t.pmtudProbeSent(2n, t.pmtudNextProbeSize(), 3n); // a probe in flight is abandoned
      t.pmtudBlackHole(4n);
      let i = info(t);
      expect(i.mtu).toBe(BASE);
      expect(i.state).toBe(S.Base);
      expect(i.inFlight).toBe(0n);
      // at BASE already: nothing to fall back from
      t.pmtudBlackHole(5n);
      expect(info(t).blackHoles).toBe(1n);
      clock.now = 10n;
      t.pmtudShouldProbe(clock.now);
      t.pmtudProbeSent(3n, BASE, clock.now);
      t.pmtudProbeAcked(BASE, clock.now);
      search(t, 1452, 1452, [], clock);
      t.pmtudBlackHole(clock.now);
      i = info(t);
      expect(i.mtu).toBe(BASE);
      expect(i.blackHoles).toBe(2n);
      t.pmtudDisable();
      expect(info(t).state).toBe(S.Disabled);
      expect(info(t).mtu).toBe(BASE);
    });
  });
}
