// assembly/quic/loss.ts against a reference transcribed from RFC 9002 Appendix A
// (OnPacketSent, OnAckReceived, UpdateRtt, SetLossDetectionTimer,
// OnLossDetectionTimeout, DetectAndRemoveLostPackets,
// OnPacketNumberSpaceDiscarded) with NewReno from Appendix B and the persistent
// congestion rule of §7.6.2 written as its text says, over BigInt and a plain
// map of every packet ever sent. Driven by random sequences of sends in
// several spaces, ACK frames with random ranges (duplicates, gaps, unsent and
// skipped numbers), timeouts, handshake state changes and space discards;
// plus hand-written cases for each rule.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const NONE = 2n ** 64n - 1n;
const PROTOCOL_VIOLATION = 0x0an;
const INITIAL = 0, HANDSHAKE = 1, APPLICATION = 2;
const NO_TIMER = 0, LOSS_TIME = 1, PTO = 2;
// RFC 9002 A.2 / §6.1.1, §6.1.2, §7.6.1, §6.2.2
const kPacketThreshold = 3n, kGranularity = 1000n, kPersistentCongestionThreshold = 3n, kInitialRtt = 333_000n;
const MDS = 1200n;
const kInitialWindow = 12_000n, kMinimumWindow = 2n * MDS; // RFC 9002 §7.2 for 1200-byte datagrams
const MAX_SHIFT = 30n; // rtt.ts caps the PTO backoff shift
const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const sat = (v: bigint) => (v > NONE ? NONE : v);

/** RFC 9002 A.3 / A.7 UpdateRtt, with rtt.ts's integer arithmetic. */
class RefRtt {
  latest = 0n; min = 0n; srtt = kInitialRtt; rttvar = kInitialRtt / 2n; first = 0n; has = false;
  constructor(public maxAckDelay: bigint) {}
  update(latest: bigint, ackDelay: bigint, handshakeConfirmed: boolean, now: bigint) {
    this.latest = latest;
    if (!this.has) { this.has = true; this.first = now; this.min = latest; this.srtt = latest; this.rttvar = latest / 2n; return; }
    this.min = min(this.min, latest);
    if (handshakeConfirmed) ackDelay = min(ackDelay, this.maxAckDelay);
    let adjusted = latest;
    if (latest >= this.min + ackDelay) adjusted = latest - ackDelay;
    const d = this.srtt > adjusted ? this.srtt - adjusted : adjusted - this.srtt;
    this.rttvar = (3n * this.rttvar + d) / 4n;
    this.srtt = (7n * this.srtt + adjusted) / 8n;
  }
  /** smoothed_rtt + max(4*rttvar, kGranularity) */
  base() { return this.srtt + max(4n * this.rttvar, kGranularity); }
}

/** RFC 9002 Appendix B (NewReno), one OnPacketsAcked per ACK frame as cc.ts takes it. */
class RefNewReno {
  cwnd = kInitialWindow; ssthresh = NONE; inFlight = 0n; recoveryStart: bigint | null = null;
  inRecovery(t: bigint) { return this.recoveryStart !== null && t <= this.recoveryStart; }
  remove(bytes: bigint) { this.inFlight = bytes < this.inFlight ? this.inFlight - bytes : 0n; }
  acked(bytes: bigint, largestSentTime: bigint) {
    this.remove(bytes);
    if (this.inRecovery(largestSentTime)) return;
    if (this.cwnd < this.ssthresh) this.cwnd += bytes;
    else this.cwnd += MDS * bytes / this.cwnd;
  }
  congestionEvent(sentTime: bigint, now: bigint) {
    if (this.inRecovery(sentTime)) return;
    this.recoveryStart = now;
    this.ssthresh = this.cwnd / 2n;
    this.cwnd = max(this.ssthresh, kMinimumWindow);
  }
  persistent() { this.cwnd = kMinimumWindow; this.recoveryStart = null; }
}

interface Pkt { pn: bigint; t: bigint; size: bigint; ackEliciting: boolean; inFlight: boolean; probe: boolean; nFrames: number; everAcked: boolean }
interface Space {
  sent: Map<bigint, Pkt>; // sent_packets: outstanding
  all: Map<bigint, Pkt>; // every packet ever sent (for §7.6.2 and §13.1)
  largestAcked: bigint | null; lastAckEliciting: bigint; lossTime: bigint | null; largestSent: bigint | null;
}
type Ev = [number, number, bigint, number]; // (0 acked / 1 lost, space, pn, frame index)

/** RFC 9002 Appendix A, line by line. */
class RefLoss {
  rtt: RefRtt; cc = new RefNewReno();
  spaces: Space[] = [0, 1, 2].map(() => ({ sent: new Map(), all: new Map(), largestAcked: null, lastAckEliciting: 0n, lossTime: null, largestSent: null }));
  ptoCount = 0n; timer: bigint | null = null; probeSpace = INITIAL;
  handshakeConfirmed = false; pcav = false; hasHandshakeKeys = false; amp = false;
  events: Ev[] = [];
  newlyAcked = 0; newlyLost = 0; persistent = false; persistentEvents = 0;
  constructor(public isServer: boolean, maxAckDelay: bigint) { this.rtt = new RefRtt(maxAckDelay); }

  // A.5
  onPacketSent(space: number, p: Pkt, now: bigint) {
    const s = this.spaces[space];
    s.sent.set(p.pn, p); s.all.set(p.pn, p); s.largestSent = p.pn;
    if (p.inFlight) {
      if (p.ackEliciting) s.lastAckEliciting = p.t;
      this.cc.inFlight += p.size;
      this.setTimer(now);
    }
  }
  ackElicitingInFlight(space: number) { let n = 0; for (const p of this.spaces[space].sent.values()) if (p.ackEliciting && p.inFlight) n++; return n; }
  noAckElicitingInFlight() { return [0, 1, 2].every((s) => this.ackElicitingInFlight(s) === 0); }
  // A.6
  peerCompletedAddressValidation() { return this.isServer || this.pcav || this.handshakeConfirmed; }
  lossTimeAndSpace(): [bigint | null, number] {
    let time = this.spaces[INITIAL].lossTime, space = INITIAL;
    for (const s of [HANDSHAKE, APPLICATION]) {
      const lt = this.spaces[s].lossTime;
      if (time === null || (lt !== null && lt < time)) { time = lt; space = s; }
    }
    return [time, space];
  }
  ptoTimeAndSpace(now: bigint): [bigint | null, number] {
    const backoff = 2n ** min(this.ptoCount, MAX_SHIFT);
    let duration = this.rtt.base() * backoff;
    if (this.noAckElicitingInFlight()) return [now + duration, this.hasHandshakeKeys ? HANDSHAKE : INITIAL];
    let ptoTimeout: bigint | null = null, ptoSpace = INITIAL;
    for (const space of [INITIAL, HANDSHAKE, APPLICATION]) {
      if (this.ackElicitingInFlight(space) === 0) continue;
      if (space === APPLICATION) {
        if (!this.handshakeConfirmed) return [ptoTimeout, ptoSpace];
        duration += this.rtt.maxAckDelay * backoff;
      }
      const t = this.spaces[space].lastAckEliciting + duration;
      if (ptoTimeout === null || t < ptoTimeout) { ptoTimeout = t; ptoSpace = space; }
    }
    return [ptoTimeout, ptoSpace];
  }
  setTimer(now: bigint) {
    const [lt] = this.lossTimeAndSpace();
    if (lt !== null) { this.timer = lt; return; }
    if (this.isServer && this.amp) { this.timer = null; return; }
    if (this.noAckElicitingInFlight() && this.peerCompletedAddressValidation()) { this.timer = null; return; }
    this.timer = this.ptoTimeAndSpace(now)[0];
  }
  begin() { this.newlyAcked = 0; this.newlyLost = 0; this.persistent = false; }
  // A.7; ranges [lo, hi], as the frame lists them
  onAckReceived(space: number, ranges: [bigint, bigint][], ackDelay: bigint, now: bigint): bigint {
    this.begin();
    const s = this.spaces[space];
    const largest = ranges[0][1];
    // RFC 9000 §13.1: acknowledging a packet never sent
    if (s.largestSent === null || largest > s.largestSent) return PROTOCOL_VIOLATION;
    for (const [lo, hi] of ranges) for (let pn = lo; pn <= hi; pn++) if (!s.all.has(pn)) return PROTOCOL_VIOLATION;
    s.largestAcked = s.largestAcked === null ? largest : max(s.largestAcked, largest);
    if (space === HANDSHAKE) this.pcav = true; // "has received Handshake ACK"
    const newly: Pkt[] = [];
    for (const [lo, hi] of ranges) for (let pn = lo; pn <= hi; pn++) {
      const p = s.all.get(pn)!;
      p.everAcked = true;
      if (s.sent.delete(pn)) newly.push(p);
    }
    if (newly.length === 0) return 0n;
    newly.sort((a, b) => (a.pn < b.pn ? -1 : 1));
    this.newlyAcked = newly.length;
    for (const p of newly) for (let j = 0; j < p.nFrames; j++) this.events.push([0, space, p.pn, j]);
    const top = newly[newly.length - 1];
    if (top.pn === largest && newly.some((p) => p.ackEliciting)) {
      this.rtt.update(now > top.t ? now - top.t : 0n, ackDelay, this.handshakeConfirmed, now);
    }
    const lost = this.detectAndRemoveLostPackets(space, now);
    if (lost.length) this.onPacketsLost(space, lost, now);
    const inFlight = newly.filter((p) => p.inFlight);
    const bytes = inFlight.reduce((a, p) => a + p.size, 0n);
    if (bytes > 0n) this.cc.acked(bytes, inFlight.reduce((a, p) => max(a, p.t), 0n));
    if (this.peerCompletedAddressValidation()) this.ptoCount = 0n;
    this.setTimer(now);
    return 0n;
  }
  // A.9
  onTimeout(now: bigint): number {
    this.begin();
    if (this.timer === null || now < this.timer) return NO_TIMER;
    const [lt, space] = this.lossTimeAndSpace();
    if (lt !== null) {
      const lost = this.detectAndRemoveLostPackets(space, now);
      if (lost.length) this.onPacketsLost(space, lost, now);
      this.setTimer(now);
      return LOSS_TIME;
    }
    if (this.noAckElicitingInFlight()) this.probeSpace = this.hasHandshakeKeys ? HANDSHAKE : INITIAL;
    else this.probeSpace = this.ptoTimeAndSpace(now)[1];
    this.ptoCount++;
    this.setTimer(now);
    return PTO;
  }
  // A.10
  detectAndRemoveLostPackets(space: number, now: bigint): Pkt[] {
    const s = this.spaces[space];
    s.lossTime = null;
    const lost: Pkt[] = [];
    let lossDelay = 9n * max(this.rtt.latest, this.rtt.srtt) / 8n; // kTimeThreshold
    lossDelay = max(lossDelay, kGranularity);
    const lostSendTime = now - lossDelay;
    for (const p of [...s.sent.values()].sort((a, b) => (a.pn < b.pn ? -1 : 1))) {
      if (p.pn > s.largestAcked!) continue;
      if (p.t <= lostSendTime || s.largestAcked! >= p.pn + kPacketThreshold) {
        s.sent.delete(p.pn);
        lost.push(p);
      } else {
        s.lossTime = s.lossTime === null ? p.t + lossDelay : min(s.lossTime, p.t + lossDelay);
      }
    }
    this.newlyLost = lost.length;
    for (const p of lost) for (let j = 0; j < p.nFrames; j++) this.events.push([1, space, p.pn, j]);
    return lost;
  }
  // B.8 OnPacketsLost, with DPLPMTUD probes kept out of congestion signals (RFC 9000 §14.4)
  onPacketsLost(space: number, lost: Pkt[], now: bigint) {
    let bytes = 0n, last: bigint | null = null;
    for (const p of lost) if (p.inFlight) {
      bytes += p.size;
      if (!p.probe) last = last === null ? p.t : max(last, p.t);
    }
    this.cc.remove(bytes);
    if (last !== null) this.cc.congestionEvent(last, now);
    if (!this.rtt.has) return;
    // §7.6.2: two ack-eliciting packets declared lost, sent after the first RTT sample,
    // more than the persistent congestion duration apart, and none of the packets sent
    // between them acknowledged.
    const pc = lost.filter((p) => p.ackEliciting && p.inFlight && !p.probe && p.t > this.rtt.first);
    const duration = (this.rtt.base() + this.rtt.maxAckDelay) * kPersistentCongestionThreshold;
    const all = this.spaces[space].all;
    for (let i = 0; i < pc.length && !this.persistent; i++) for (let k = i + 1; k < pc.length; k++) {
      const a = pc[i], b = pc[k];
      if (b.t - a.t <= duration) continue;
      let between = false;
      for (let pn = a.pn + 1n; pn < b.pn; pn++) if (all.get(pn)?.everAcked) between = true;
      if (!between) { this.persistent = true; break; }
    }
    if (this.persistent) { this.cc.persistent(); this.persistentEvents++; }
  }
  // A.11
  discardSpace(space: number, now: bigint) {
    const s = this.spaces[space];
    let bytes = 0n;
    for (const p of s.sent.values()) if (p.inFlight) bytes += p.size;
    this.cc.remove(bytes);
    s.sent.clear();
    s.lastAckEliciting = 0n; s.lossTime = null;
    this.ptoCount = 0n;
    this.setTimer(now);
  }
  /** 0-RTT rejected: every outstanding packet lost, no congestion event. */
  declareAllLost(space: number, now: bigint) {
    this.begin();
    const s = this.spaces[space];
    let bytes = 0n;
    for (const p of [...s.sent.values()].sort((a, b) => (a.pn < b.pn ? -1 : 1))) {
      if (p.inFlight) bytes += p.size;
      for (let j = 0; j < p.nFrames; j++) this.events.push([1, space, p.pn, j]);
      this.newlyLost++;
    }
    s.sent.clear();
    this.cc.remove(bytes);
    s.lossTime = null;
    this.setTimer(now);
  }
}

/** Ranges [lo, hi] (descending, disjoint, not adjacent) as an ACK frame: largest, first range, (gap, length) pairs. */
function toWire(ranges: [bigint, bigint][]): { largest: bigint; first: bigint; pairs: bigint[] } {
  const pairs: bigint[] = [];
  for (let i = 1; i < ranges.length; i++) {
    pairs.push(ranges[i - 1][0] - ranges[i][1] - 2n, ranges[i][1] - ranges[i][0]); // RFC 9000 §19.3.1
  }
  return { largest: ranges[0][1], first: ranges[0][1] - ranges[0][0], pairs };
}
/** A set of packet numbers as descending ranges. */
function toRanges(pns: bigint[]): [bigint, bigint][] {
  const sorted = [...new Set(pns)].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const pn of sorted) {
    const last = out[out.length - 1];
    if (last && last[0] === pn + 1n) last[0] = pn; else out.push([pn, pn]);
  }
  return out;
}
const sortEv = (e: Ev[]) => e.map((x) => x.map(String).join(':')).sort();

type Op =
  | { op: 'send'; space: number; n: number; size: number; kind: number; skip: boolean; dt: number }
  | { op: 'ack'; space: number; picks: [number, number][]; bad: number; ackDelay: number; dt: number }
  | { op: 'timeout'; atTimer: boolean; dt: number }
  | { op: 'flag'; which: number; dt: number }
  | { op: 'discard'; space: number; dt: number }
  | { op: 'zeroRtt'; dt: number };
// time steps: mostly short (RTTs of a few ms), sometimes long gaps (spans for persistent congestion, time-threshold losses)
const dtArb = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3_000 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 50_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 400_000 }) });
const spaceArb = fc.oneof({ weight: 1, arbitrary: fc.constant(INITIAL) }, { weight: 1, arbitrary: fc.constant(HANDSHAKE) }, { weight: 3, arbitrary: fc.constant(APPLICATION) });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('send' as const), space: spaceArb, n: fc.integer({ min: 1, max: 6 }), size: fc.integer({ min: 30, max: 1500 }),
    // 0 ack-eliciting, 1 ACK only (not in flight), 2 PADDING only (in flight, not ack-eliciting), 3 DPLPMTUD probe
    kind: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.constant(3) }),
    skip: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }), dt: dtArb }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('ack' as const), space: spaceArb, picks: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 5 }),
    bad: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }),
    ackDelay: fc.integer({ min: 0, max: 40_000 }), dt: dtArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('timeout' as const), atTimer: fc.boolean(), dt: fc.integer({ min: 0, max: 2_000_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flag' as const), which: fc.integer({ min: 0, max: 3 }), dt: fc.integer({ min: 0, max: 10_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('discard' as const), space: fc.integer({ min: 0, max: 1 }), dt: fc.integer({ min: 0, max: 10_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('zeroRtt' as const), dt: fc.integer({ min: 0, max: 10_000 }) }) },
);

/** What the random sequences reached (so that a property that never exercised a rule fails). */
const newSeen = () => ({ violation: 0, acked: 0, lost: 0, lossTimer: 0, pto: 0, antiDeadlock: 0, applicationPto: 0, persistent: 0, congestion: 0, rttSample: 0 });

/** Plays `ops` on the AS object and the reference, comparing after each step; `confirmed`: start with the handshake confirmed. */
function drive(t: any, isServer: boolean, maxAckDelay: bigint, confirmed: boolean, ops: Op[], seen: ReturnType<typeof newSeen>) {
  t.lossNew(isServer, 0, MDS, maxAckDelay, 64);
  t.lossLog();
  const ref = new RefLoss(isServer, maxAckDelay);
  ref.handshakeConfirmed = confirmed;
  t.lossSetFlags(confirmed, false, false, false);
  const discarded = [false, false, false];
  const skips = [0, 0, 0];
  let now = 1n;
  const sendFlags = () => t.lossSetFlags(ref.handshakeConfirmed, ref.pcav, ref.hasHandshakeKeys, ref.amp);
  for (const o of ops) {
    now += BigInt(o.dt);
    let code = 0n, fired = -1;
    if (o.op === 'send') {
      if (discarded[o.space]) continue;
      const s = ref.spaces[o.space];
      for (let i = 0; i < o.n; i++) {
        let pn = s.largestSent === null ? 0n : s.largestSent + 1n;
        if (o.skip && i === 0 && skips[o.space] < 12) { pn += 1n; skips[o.space]++; } // RFC 9000 §21.4 (the AS side remembers 16 gaps)
        const ackEliciting = o.kind === 0 || o.kind === 3, inFlight = o.kind !== 1, probe = o.kind === 3;
        const nFrames = (Number(pn) + o.size) % 3;
        const p: Pkt = { pn, t: now, size: BigInt(o.size), ackEliciting, inFlight, probe, nFrames, everAcked: false };
        t.lossSend(o.space, pn, now, o.size, ackEliciting, inFlight, probe, nFrames);
        ref.onPacketSent(o.space, p, now);
      }
    } else if (o.op === 'ack') {
      if (discarded[o.space]) continue;
      const s = ref.spaces[o.space];
      if (s.largestSent === null) {
        expect(t.lossAck(o.space, 0n, 0n, [], 0n, now)).toBe(PROTOCOL_VIOLATION);
        continue;
      }
      const sentPns = [...s.all.keys()].sort((a, b) => (a < b ? -1 : 1));
      const chosen: bigint[] = [];
      // mostly recent packets: pick indices from the top
      for (const [k, run] of o.picks) {
        const idx = sentPns.length - 1 - (k % Math.min(sentPns.length, 24));
        for (let r = 0; r <= run && idx + r < sentPns.length; r++) chosen.push(sentPns[idx + r]);
      }
      if (o.bad === 1) chosen.push(s.largestSent + 1n + BigInt(o.picks[0][0] % 3));
      if (o.bad === 2) {
        const skipped: bigint[] = [];
        for (let pn = 0n; pn < s.largestSent; pn++) if (!s.all.has(pn)) skipped.push(pn);
        if (skipped.length) chosen.push(skipped[o.picks[0][0] % skipped.length]);
      }
      const ranges = toRanges(chosen);
      const w = toWire(ranges);
      const ackDelay = BigInt(o.ackDelay);
      code = t.lossAck(o.space, w.largest, w.first, w.pairs, ackDelay, now);
      expect(code).toBe(ref.onAckReceived(o.space, ranges, ackDelay, now));
    } else if (o.op === 'timeout') {
      if (o.atTimer && ref.timer !== null && ref.timer > now) now = ref.timer;
      fired = t.lossTimeout(now);
      expect(fired).toBe(ref.onTimeout(now));
    } else if (o.op === 'flag') {
      if (o.which === 0) ref.handshakeConfirmed = true;
      else if (o.which === 1) ref.hasHandshakeKeys = true;
      else if (o.which === 2) ref.pcav = true;
      else ref.amp = !ref.amp;
      sendFlags();
      t.lossRearm(now); ref.setTimer(now);
    } else if (o.op === 'discard') {
      if (discarded[o.space]) continue;
      discarded[o.space] = true;
      t.lossDiscard(o.space, now); ref.discardSpace(o.space, now);
    } else {
      t.lossDeclareAllLost(APPLICATION, now); ref.declareAllLost(APPLICATION, now);
    }
    // after every step: the sink's calls, the timer, pto_count, bytes in flight, the window, RTT, persistent congestion
    const log: bigint[] = t.lossLog();
    const got: Ev[] = [];
    for (let i = 0; i < log.length; i += 4) got.push([Number(log[i]), Number(log[i + 1]), log[i + 2], Number(log[i + 3])]);
    expect(sortEv(got)).toEqual(sortEv(ref.events));
    ref.events = [];
    const st: bigint[] = t.lossState();
    const cc = ref.cc, r = ref.rtt;
    expect({
      timeout: st[0], ptoCount: st[1], inFlight: st[3], cwnd: st[4], ssthresh: st[5],
      recoveryStart: st[7] ? st[6] : null, rtt: st.slice(8, 14), pcav: st[18],
    }).toEqual({
      timeout: ref.timer === null ? NONE : sat(ref.timer), ptoCount: ref.ptoCount, inFlight: cc.inFlight, cwnd: cc.cwnd, ssthresh: cc.ssthresh,
      recoveryStart: cc.recoveryStart, rtt: [r.latest, r.min, r.srtt, r.rttvar, r.first, r.has ? 1n : 0n], pcav: ref.pcav ? 1n : 0n,
    });
    if (fired === PTO) expect(st[2]).toBe(BigInt(ref.probeSpace));
    if (code !== 0n) seen.violation++;
    if (fired === LOSS_TIME) seen.lossTimer++;
    if (fired === PTO) { seen.pto++; if (ref.noAckElicitingInFlight()) seen.antiDeadlock++; if (ref.probeSpace === APPLICATION) seen.applicationPto++; }
    if (ref.persistent) seen.persistent++;
    if (ref.cc.recoveryStart === now) seen.congestion++;
    if (r.has && r.latest > 0n && o.op === 'ack' && code === 0n && ref.newlyAcked > 0) seen.rttSample++;
    for (const e of got) if (e[0] === 0) seen.acked++; else seen.lost++;
    if (code === 0n && (o.op === 'ack' || o.op === 'timeout' || o.op === 'zeroRtt')) {
      expect([st[14], st[16], st[17]]).toEqual([BigInt(ref.newlyAcked), BigInt(ref.newlyLost), ref.persistent ? 1n : 0n]);
    }
    expect(st[26]).toBe(BigInt(ref.persistentEvents));
    for (const sp of [INITIAL, HANDSHAKE, APPLICATION]) {
      const ss: bigint[] = t.lossSpace(sp);
      const rs = ref.spaces[sp];
      expect(ss.slice(0, 4)).toEqual([rs.largestAcked ?? NONE, rs.lossTime ?? NONE, BigInt(ref.ackElicitingInFlight(sp)), BigInt(rs.sent.size)]);
    }
  }
}

/** Test helper over the AS object: one method per call, times in µs. */
function harness(t: any, isServer = false, maxAckDelay = 25_000n, maxRanges = 64) {
  t.lossNew(isServer, 0, MDS, maxAckDelay, maxRanges);
  t.lossLog();
  const h = {
    send(space: number, pn: bigint, now: bigint, o: { size?: number; ackEliciting?: boolean; inFlight?: boolean; probe?: boolean; frames?: number } = {}) {
      const ackEliciting = o.ackEliciting ?? true;
      t.lossSend(space, pn, now, o.size ?? 1000, ackEliciting, o.inFlight ?? true, o.probe ?? false, o.frames ?? 1);
    },
    /** Acknowledges packet-number ranges [hi, lo] (inclusive), given from the top. */
    ack(space: number, ranges: [bigint, bigint][], now: bigint, ackDelay = 0n): bigint {
      const w = toWire(ranges.map(([hi, lo]) => [lo, hi] as [bigint, bigint]));
      return t.lossAck(space, w.largest, w.first, w.pairs, ackDelay, now);
    },
    /** [acked pns, lost pns] since the last call (frame 0 only). */
    log(): [bigint[], bigint[]] {
      const l: bigint[] = t.lossLog();
      const acked: bigint[] = [], lost: bigint[] = [];
      for (let i = 0; i < l.length; i += 4) if (l[i + 3] === 0n) (l[i] === 0n ? acked : lost).push(l[i + 2]);
      return [acked.sort((a, b) => (a < b ? -1 : 1)), lost.sort((a, b) => (a < b ? -1 : 1))];
    },
    state() {
      const s: bigint[] = t.lossState();
      return { timeout: s[0], ptoCount: s[1], probeSpace: Number(s[2]), inFlight: s[3], cwnd: s[4], ssthresh: s[5], latestRtt: s[8], srtt: s[10], rttvar: s[11], hasSample: s[13] === 1n, newlyAcked: Number(s[14]), newlyAckedAckEliciting: s[15] === 1n, newlyLost: Number(s[16]), persistent: s[17] === 1n, pcav: s[18] === 1n, packetsSent: s[19], bytesSent: s[20], packetsAcked: s[21], packetsLost: s[23], bytesLost: s[24], ptoExpirations: s[25], persistentEvents: s[26] };
    },
    space(sp: number) {
      const s: bigint[] = t.lossSpace(sp);
      return { largestAcked: s[0], lossTime: s[1], ackElicitingInFlight: Number(s[2]), count: Number(s[3]), length: Number(s[4]), capacity: Number(s[5]), poolSize: Number(s[6]) };
    },
    flags(f: { confirmed?: boolean; pcav?: boolean; hsKeys?: boolean; amp?: boolean }, now: bigint) {
      t.lossSetFlags(f.confirmed ?? false, f.pcav ?? false, f.hsKeys ?? false, f.amp ?? false);
      t.lossRearm(now);
    },
  };
  return h;
}

// PTO of the initial RTT: 333 ms + 4 × 166.5 ms (RFC 9002 §6.2.2: about 1 s)
const PTO0 = kInitialRtt + 4n * (kInitialRtt / 2n);

for (const variant of VARIANTS) {
  describe(`loss detection, RFC 9002 §6 / §7.6 (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_loss', variant);
    const seen = newSeen();

    it('exports the RFC 9002 constants', () => {
      // kPacketThreshold, kTimeThreshold = 9/8, kPersistentCongestionThreshold, kGranularity
      expect(t.constants()).toEqual([3n, 9n, 8n, 3n, 1000n]);
    });

    for (const isServer of [false, true]) {
      it(`matches the Appendix A reference over random sends, ACKs, timeouts and discards (${isServer ? 'server' : 'client'})`, () => {
        fc.assert(fc.property(fc.constantFrom(0n, 25_000n, 100_000n), fc.boolean(), fc.array(opArb, { minLength: 1, maxLength: 150, size: 'max' }), (mad, confirmed, ops) => {
          drive(t, isServer, mad, confirmed, ops, seen);
        }), { numRuns: 200 });
      });
    }

    it('the random sequences reached every rule', () => {
      for (const [k, v] of Object.entries(seen)) expect(v, k).toBeGreaterThan(10);
    });

    it('packet threshold: lost when kPacketThreshold packets after it are acknowledged (§6.1.1)', () => {
      const h = harness(t, true);
      for (let pn = 0n; pn < 6n; pn++) h.send(APPLICATION, pn, 1000n + pn);
      expect(h.ack(APPLICATION, [[4n, 4n]], 50_000n)).toBe(0n);
      // 4 >= pn + 3 for pn 0, 1; 2 and 3 wait for the time threshold
      expect(h.log()).toEqual([[4n], [0n, 1n]]);
      const s = h.state();
      expect([s.newlyAcked, s.newlyLost]).toEqual([1, 2]);
      expect(h.space(APPLICATION).count).toBe(3);
      // loss_time = time_sent(2) + 9/8 × max(latest_rtt, smoothed_rtt); the timer takes it
      const lossDelay = 9n * (50_000n - 1004n) / 8n;
      expect(h.space(APPLICATION).lossTime).toBe(1002n + lossDelay);
      expect(s.timeout).toBe(1002n + lossDelay);
      // a congestion event for the newest lost packet (B.6): the window halves; packet 4,
      // acknowledged after the event but sent before the recovery period, does not grow it
      expect(s.cwnd).toBe(kInitialWindow / 2n);
      expect(s.inFlight).toBe(3000n);
    });

    it('time threshold: 9/8 × max(smoothed_rtt, latest_rtt), at least kGranularity, fires on the timer (§6.1.2)', () => {
      const h = harness(t, true);
      h.send(APPLICATION, 0n, 0n);
      h.send(APPLICATION, 1n, 100n);
      h.ack(APPLICATION, [[1n, 1n]], 10_100n); // latest_rtt = smoothed_rtt = 10 ms
      expect(h.log()).toEqual([[1n], []]);
      const lossTime = 0n + 9n * 10_000n / 8n;
      expect(h.state().timeout).toBe(lossTime);
      expect(t.lossTimeout(lossTime - 1n)).toBe(NO_TIMER);
      expect(h.log()).toEqual([[], []]);
      expect(t.lossTimeout(lossTime)).toBe(LOSS_TIME);
      expect(h.log()).toEqual([[], [0n]]);
      expect(h.state().timeout).toBe(NONE); // nothing left in flight (server)
      // tiny RTTs: the threshold is at least kGranularity
      const g = harness(t, true);
      g.send(APPLICATION, 0n, 0n);
      g.send(APPLICATION, 1n, 10n);
      g.ack(APPLICATION, [[1n, 1n]], 110n); // 100 µs RTT
      expect(g.space(APPLICATION).lossTime).toBe(kGranularity);
      // max(latest_rtt, smoothed_rtt): a sample below the average does not shorten it
      const k = harness(t, true);
      k.send(APPLICATION, 0n, 0n);
      k.ack(APPLICATION, [[0n, 0n]], 80_000n); // srtt 80 ms
      k.send(APPLICATION, 1n, 100_000n);
      k.send(APPLICATION, 2n, 100_000n);
      k.ack(APPLICATION, [[2n, 2n]], 110_000n); // latest 10 ms, srtt = (7 × 80 + 10) / 8 ms
      const srtt = (7n * 80_000n + 10_000n) / 8n;
      expect(k.state().srtt).toBe(srtt);
      expect(k.space(APPLICATION).lossTime).toBe(100_000n + 9n * srtt / 8n);
    });

    it('PTO: earliest of Initial and Handshake, doubles per expiry, probe space, no Application PTO before confirmation (§6.2.1)', () => {
      const h = harness(t, true);
      h.send(INITIAL, 0n, 1000n);
      expect(h.state().timeout).toBe(1000n + PTO0);
      h.send(HANDSHAKE, 0n, 2000n);
      h.send(APPLICATION, 0n, 2500n); // e.g. 0.5-RTT data: no PTO until the handshake is confirmed
      expect(h.state().timeout).toBe(1000n + PTO0);
      expect(t.lossTimeout(1000n + PTO0)).toBe(PTO);
      let s = h.state();
      expect([s.probeSpace, s.ptoCount, s.ptoExpirations]).toEqual([INITIAL, 1n, 1n]);
      expect(h.log()).toEqual([[], []]); // MUST NOT mark anything lost
      expect(s.inFlight).toBe(3000n);
      // backoff: both spaces now wait 2 × PTO from their last ack-eliciting packet
      expect(s.timeout).toBe(1000n + 2n * PTO0);
      t.lossDiscard(INITIAL, 1000n + PTO0 + 1n); // Initial keys gone: pto_count resets (A.11)
      s = h.state();
      expect([s.ptoCount, s.inFlight, s.timeout]).toEqual([0n, 2000n, 2000n + PTO0]);
      expect(h.log()).toEqual([[], []]); // no sink calls on discard
      expect(t.lossTimeout(2000n + PTO0)).toBe(PTO);
      expect(h.state().probeSpace).toBe(HANDSHAKE);
      expect(t.lossTimeout(2000n + PTO0 + 1n)).toBe(NO_TIMER);
      // Handshake discarded, handshake confirmed: the Application PTO includes max_ack_delay, backed off
      h.flags({ confirmed: true }, 2000n + PTO0 + 2n);
      t.lossDiscard(HANDSHAKE, 2000n + PTO0 + 2n);
      s = h.state();
      expect(s.timeout).toBe(2500n + PTO0 + 25_000n);
      expect(t.lossTimeout(s.timeout)).toBe(PTO);
      expect(h.state().probeSpace).toBe(APPLICATION);
      expect(h.state().timeout).toBe(2500n + 2n * (PTO0 + 25_000n));
      // an acknowledgment resets the backoff (server)
      h.send(APPLICATION, 1n, 3_000_000n);
      h.ack(APPLICATION, [[1n, 1n]], 3_010_000n);
      expect(h.state().ptoCount).toBe(0n);
    });

    it('client anti-deadlock: a PTO with nothing in flight until the server validated the address (§6.2.2.1)', () => {
      const h = harness(t, false);
      h.send(INITIAL, 0n, 0n);
      h.ack(INITIAL, [[0n, 0n]], 30_000n); // Initial ACK: no proof of address validation
      let s = h.state();
      expect(s.pcav).toBe(false);
      const pto = 30_000n + 4n * 15_000n; // srtt 30 ms, rttvar 15 ms
      expect(s.timeout).toBe(30_000n + pto); // from now, not from a sent packet
      expect(t.lossTimeout(30_000n + pto)).toBe(PTO);
      expect(h.state().probeSpace).toBe(INITIAL); // no Handshake keys: a padded Initial
      expect(h.state().timeout).toBe(30_000n + pto + 2n * pto);
      // pto_count is not reset by an Initial ACK at a client not yet sure of validation
      h.send(INITIAL, 1n, 400_000n);
      h.ack(INITIAL, [[1n, 1n]], 430_000n);
      expect(h.state().ptoCount).toBe(1n);
      h.flags({ hsKeys: true }, 430_000n);
      const s2 = h.state();
      expect(t.lossTimeout(s2.timeout)).toBe(PTO);
      expect(h.state().probeSpace).toBe(HANDSHAKE); // "send a Handshake packet if it has Handshake keys"
      // a Handshake ACK proves the server validated the address: timer off, backoff reset
      h.send(HANDSHAKE, 0n, 1_000_000n);
      h.ack(HANDSHAKE, [[0n, 0n]], 1_030_000n);
      s = h.state();
      expect([s.pcav, s.timeout, s.ptoCount]).toEqual([true, NONE, 0n]);
      // a server with nothing in flight arms nothing
      const g = harness(t, true);
      g.send(INITIAL, 0n, 0n);
      g.ack(INITIAL, [[0n, 0n]], 30_000n);
      expect(g.state().timeout).toBe(NONE);
    });

    it('a server at its anti-amplification limit arms no PTO; a datagram from the client re-arms it (§6.2.2.1, A.6)', () => {
      const h = harness(t, true);
      h.send(INITIAL, 0n, 0n);
      h.flags({ amp: true }, 10n);
      expect(h.state().timeout).toBe(NONE);
      h.flags({ amp: false }, 5_000_000n);
      expect(h.state().timeout).toBe(PTO0); // already due: the connection runs it at once
      expect(t.lossTimeout(5_000_000n)).toBe(PTO);
      // the time-threshold timer is not affected by the limit
      h.send(INITIAL, 1n, 5_000_001n);
      h.send(INITIAL, 2n, 5_000_002n);
      h.ack(INITIAL, [[2n, 2n]], 5_010_000n);
      h.flags({ amp: true }, 5_010_000n);
      expect(h.state().timeout).toBe(h.space(INITIAL).lossTime);
      expect(h.space(INITIAL).lossTime).not.toBe(NONE);
    });

    it('persistent congestion: lost ack-eliciting packets spanning more than 3 × (PTO + max_ack_delay) (§7.6)', () => {
      // A first sample of 10 ms at 10 ms; a second one of 10 ms with the ACK that declares
      // the losses leaves rttvar = 3.75 ms: (10 + 15 + 25) ms × 3 = 150 ms
      const setup = () => {
        const h = harness(t, true);
        h.send(APPLICATION, 0n, 0n);
        h.ack(APPLICATION, [[0n, 0n]], 10_000n);
        h.log();
        return h;
      };
      const DUR = 150_000n;
      // declared: packets 1..8 over 175 ms, 9 acknowledged (the RFC 9002 §7.6.3 example's shape)
      let h = setup();
      for (let pn = 1n; pn <= 8n; pn++) h.send(APPLICATION, pn, 20_000n + (pn - 1n) * 25_000n); // last at 195 ms
      h.send(APPLICATION, 9n, 200_000n);
      h.ack(APPLICATION, [[9n, 9n]], 210_000n);
      let s = h.state();
      expect(h.log()).toEqual([[9n], [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]]);
      // kMinimumWindow, and B.8 ends the recovery period: packet 9's acknowledgment (OnPacketsAcked
      // runs after OnPacketsLost, A.7) grows it in slow start
      expect([s.persistent, s.persistentEvents, s.cwnd]).toEqual([true, 1n, kMinimumWindow + 1000n]);
      // the span must exceed the duration: exactly the duration is not enough, one µs more is
      for (const extra of [0n, 1n]) {
        h = setup();
        h.send(APPLICATION, 1n, 20_000n);
        for (let pn = 2n; pn <= 5n; pn++) h.send(APPLICATION, pn, 20_000n + DUR + extra);
        h.ack(APPLICATION, [[5n, 5n]], 30_000n + DUR + extra);
        s = h.state();
        expect(h.log()[1]).toEqual([1n, 2n]);
        expect([s.persistent, s.cwnd]).toEqual(extra === 0n ? [false, (kInitialWindow + 1000n) / 2n] : [true, kMinimumWindow + 1000n]);
      }
      // not declared: a packet acknowledged in the middle breaks the span
      h = setup();
      for (let pn = 1n; pn <= 8n; pn++) h.send(APPLICATION, pn, 20_000n + (pn - 1n) * 25_000n);
      h.send(APPLICATION, 9n, 200_000n);
      h.ack(APPLICATION, [[9n, 9n], [4n, 4n]], 210_000n);
      s = h.state();
      expect(h.log()).toEqual([[4n, 9n], [1n, 2n, 3n, 5n, 6n, 7n, 8n]]); // 1..3: 50 ms, 5..8: 75 ms
      expect(s.persistent).toBe(false);
      // ... also when it was acknowledged by an earlier ACK, while the packet before it waited
      const middle = (ackMiddle: boolean) => {
        const g = setup();
        g.send(APPLICATION, 1n, 20_000n);
        g.send(APPLICATION, 2n, 21_000n);
        if (ackMiddle) g.ack(APPLICATION, [[2n, 2n]], 31_000n); // 1 is not lost yet: 20 + 11.25 ms > 31 ms
        for (let pn = 3n; pn <= 8n; pn++) g.send(APPLICATION, pn, 100_000n + (pn - 3n) * 15_000n); // 3..8: 75 ms
        g.send(APPLICATION, 9n, 200_000n);
        g.ack(APPLICATION, [[9n, 9n]], 210_000n);
        expect(g.log()[1]).toEqual(ackMiddle ? [1n, 3n, 4n, 5n, 6n, 7n, 8n] : [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
        return g.state().persistent;
      };
      expect(middle(false)).toBe(true); // 1..8: 155 ms > 150 ms
      expect(middle(true)).toBe(false); // (with the extra sample the duration is 138.75 ms: 1..8 would exceed it)
      // non-ack-eliciting packets do not count: 2..8 span 150 ms only
      h = setup();
      for (let pn = 1n; pn <= 8n; pn++) h.send(APPLICATION, pn, 20_000n + (pn - 1n) * 25_000n, { ackEliciting: pn !== 1n });
      h.send(APPLICATION, 9n, 200_000n);
      h.ack(APPLICATION, [[9n, 9n]], 210_000n);
      expect(h.log()[1]).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
      expect(h.state().persistent).toBe(false);
      // "a prior RTT sample existed when these two packets were sent": time_sent > first_rtt_sample (A.x)
      for (const late of [0n, 1n]) {
        h = setup(); // first sample at 10 ms
        h.send(APPLICATION, 1n, 10_000n + late);
        for (let pn = 2n; pn <= 5n; pn++) h.send(APPLICATION, pn, 10_000n + late + DUR + 1n);
        h.ack(APPLICATION, [[5n, 5n]], 20_000n + late + DUR + 1n);
        expect(h.log()[1]).toEqual([1n, 2n]);
        expect(h.state().persistent).toBe(late === 1n);
      }
      // packets sent before the first RTT sample do not count
      h = harness(t, true);
      for (let pn = 0n; pn <= 7n; pn++) h.send(APPLICATION, pn, (pn + 1n) * 25_000n); // 25..200 ms
      h.send(APPLICATION, 8n, 205_000n);
      h.ack(APPLICATION, [[8n, 8n]], 215_000n); // the first sample comes with this ACK
      s = h.state();
      expect(h.log()[1]).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
      expect([s.persistent, s.cwnd]).toEqual([false, kInitialWindow / 2n]);
    });

    it('DPLPMTUD probe loss leaves flight without a congestion event or persistent congestion (RFC 9000 §14.4)', () => {
      const h = harness(t, true);
      h.send(APPLICATION, 0n, 0n);
      h.ack(APPLICATION, [[0n, 0n]], 10_000n);
      h.log();
      for (let pn = 1n; pn <= 8n; pn++) h.send(APPLICATION, pn, 20_000n + (pn - 1n) * 25_000n, { probe: true, size: 1400 });
      h.send(APPLICATION, 9n, 200_000n);
      const before = h.state();
      h.ack(APPLICATION, [[9n, 9n]], 210_000n);
      const s = h.state();
      expect(h.log()[1]).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
      expect([s.persistent, s.ssthresh, s.inFlight]).toEqual([false, NONE, 0n]);
      expect(s.cwnd).toBe(before.cwnd + 1000n); // slow start on packet 9 only
      expect(s.bytesLost).toBe(8n * 1400n);
    });

    it('ACK-only packets: never in flight, acknowledged or dropped by the thresholds', () => {
      const h = harness(t, true);
      h.send(APPLICATION, 0n, 0n, { ackEliciting: false, inFlight: false, size: 50 });
      h.send(APPLICATION, 1n, 0n, { ackEliciting: false, inFlight: false, size: 50 });
      let s = h.state();
      expect([s.inFlight, s.timeout]).toEqual([0n, NONE]); // nothing to detect
      expect(h.space(APPLICATION).ackElicitingInFlight).toBe(0);
      // acknowledging only non-ack-eliciting packets: no RTT sample, no window growth
      h.ack(APPLICATION, [[1n, 1n]], 10_000n);
      s = h.state();
      expect(h.log()).toEqual([[1n], []]);
      expect([s.hasSample, s.cwnd, s.newlyAckedAckEliciting]).toEqual([false, kInitialWindow, false]);
      expect(h.space(APPLICATION).lossTime).toBe(9n * kInitialRtt / 8n); // 0 waits for the threshold
      expect(t.lossTimeout(9n * kInitialRtt / 8n)).toBe(LOSS_TIME);
      s = h.state();
      expect(h.log()).toEqual([[], [0n]]);
      expect([s.ssthresh, s.cwnd]).toEqual([NONE, kInitialWindow]); // not in flight: no congestion event
      expect(h.space(APPLICATION).count).toBe(0);
    });

    it('an RTT sample only when the largest acknowledged is newly acknowledged and ack-eliciting packets were (§5.1)', () => {
      const h = harness(t, true);
      h.send(APPLICATION, 0n, 0n);
      h.send(APPLICATION, 1n, 1000n);
      h.ack(APPLICATION, [[1n, 1n]], 21_000n, 5_000n);
      expect(h.state().latestRtt).toBe(20_000n);
      h.ack(APPLICATION, [[1n, 0n]], 50_000n); // 1 not new: no sample
      expect(h.log()).toEqual([[0n, 1n], []]);
      expect(h.state().latestRtt).toBe(20_000n);
      expect(h.state().newlyAcked).toBe(1);
      h.send(APPLICATION, 2n, 60_000n, { ackEliciting: false, inFlight: false });
      h.ack(APPLICATION, [[2n, 2n]], 70_000n); // only a non-ack-eliciting packet
      expect(h.state().latestRtt).toBe(20_000n);
      // a duplicate ACK changes nothing and does not re-arm
      const before = { st: h.state(), sp: h.space(APPLICATION) };
      expect(before.st.newlyAcked).toBe(1);
      expect(h.ack(APPLICATION, [[2n, 0n]], 80_000n)).toBe(0n);
      expect({ st: { ...h.state(), newlyAcked: 1 }, sp: h.space(APPLICATION) }).toEqual(before);
      expect(h.state().newlyAcked).toBe(0);
    });

    it('PROTOCOL_VIOLATION for acknowledging a packet never sent, with no state change (RFC 9000 §13.1)', () => {
      const h = harness(t, true);
      expect(h.ack(APPLICATION, [[0n, 0n]], 10n)).toBe(PROTOCOL_VIOLATION); // nothing sent yet
      h.send(APPLICATION, 0n, 0n);
      h.send(APPLICATION, 2n, 0n); // 1 skipped on purpose (RFC 9000 §21.4)
      h.send(APPLICATION, 3n, 0n);
      const before = [h.state(), h.space(APPLICATION)];
      expect(h.ack(APPLICATION, [[4n, 4n]], 10_000n)).toBe(PROTOCOL_VIOLATION); // above the largest sent
      expect(h.ack(APPLICATION, [[3n, 0n]], 10_000n)).toBe(PROTOCOL_VIOLATION); // covers the skipped 1
      expect(h.ack(APPLICATION, [[3n, 3n], [1n, 1n]], 10_000n)).toBe(PROTOCOL_VIOLATION); // in a lower range
      expect(h.log()).toEqual([[], []]);
      expect([h.state(), h.space(APPLICATION)]).toEqual(before);
      expect(h.ack(APPLICATION, [[3n, 2n], [0n, 0n]], 10_000n)).toBe(0n);
      expect(h.log()).toEqual([[0n, 2n, 3n], []]);
      // a malformed frame (not from decodeFrame): FRAME_ENCODING_ERROR, no trap
      expect(t.lossAck(APPLICATION, 3n, 4n, [], 0n, 20_000n)).toBe(0x07n);
      expect(t.lossAck(APPLICATION, 3n, 0n, [5n, 0n], 0n, 20_000n)).toBe(0x07n);
      expect(t.lossAck(APPLICATION, 3n, 0n, [0n, 2n], 0n, 20_000n)).toBe(0x07n);
    });

    it('processes only the ACK ranges the frame stored (QuicFrame.ackRangesTruncated)', () => {
      const h = harness(t, true, 25_000n, 1);
      for (let pn = 0n; pn < 10n; pn++) h.send(APPLICATION, pn, 0n);
      h.ack(APPLICATION, [[9n, 9n], [7n, 7n], [5n, 5n]], 1000n);
      expect(h.log()[0]).toEqual([7n, 9n]);
    });

    it('discardSpace: bytes leave flight without loss, records and timers reset (§6.4, A.11)', () => {
      const h = harness(t, false);
      h.send(INITIAL, 0n, 0n, { size: 1200, frames: 2 });
      h.send(INITIAL, 1n, 0n, { size: 1200 });
      h.send(HANDSHAKE, 0n, 10n, { size: 500 });
      expect(t.lossTimeout(PTO0)).toBe(PTO);
      t.lossDiscard(INITIAL, PTO0 + 5n);
      const s = h.state();
      expect(h.log()).toEqual([[], []]);
      expect([s.inFlight, s.ptoCount, s.cwnd, s.packetsLost]).toEqual([500n, 0n, kInitialWindow, 0n]);
      expect(h.space(INITIAL)).toMatchObject({ count: 0, ackElicitingInFlight: 0, lossTime: NONE });
      expect(s.timeout).toBe(10n + PTO0);
    });

    it('declareAllLost: 0-RTT rejected, every frame to the sink, no congestion event (RFC 9001 §4.6.2)', () => {
      const h = harness(t, false);
      h.send(INITIAL, 0n, 0n, { size: 1200 });
      for (let pn = 0n; pn < 4n; pn++) h.send(APPLICATION, pn, 10n, { size: 1000, frames: 2 });
      t.lossDeclareAllLost(APPLICATION, 50_000n);
      const raw: bigint[] = t.lossLog();
      expect(raw.length).toBe(4 * 4 * 2); // two frames each
      let s = h.state();
      expect([s.inFlight, s.cwnd, s.ssthresh, s.newlyLost, s.packetsLost, s.persistent]).toEqual([1200n, kInitialWindow, NONE, 4, 4n, false]);
      expect(h.space(APPLICATION).count).toBe(0);
      expect(s.timeout).toBe(PTO0); // the Initial PTO remains
      // without a time, the last one seen re-arms the anti-deadlock timer
      h.send(APPLICATION, 4n, 60_000n);
      t.lossDiscard(INITIAL, 70_000n);
      t.lossDeclareAllLostNoTime(APPLICATION);
      s = h.state();
      expect(s.timeout).toBe(70_000n + PTO0);
    });

    it('counts sends, acknowledgments and losses', () => {
      const h = harness(t, true);
      for (let pn = 0n; pn < 5n; pn++) h.send(APPLICATION, pn, 0n, { size: 100 });
      h.ack(APPLICATION, [[4n, 4n]], 10_000n); // 0, 1 lost
      h.ack(APPLICATION, [[4n, 0n]], 11_000n); // 0, 1 acknowledged after all (spurious losses); 2, 3 newly
      const s = h.state();
      expect([s.packetsSent, s.bytesSent, s.packetsAcked, s.packetsLost, s.bytesLost]).toEqual([5n, 500n, 3n, 2n, 200n]);
    });

    it('reuses records: 100k packets through a 40-packet window keep the pool and ring bounded', () => {
      const h = harness(t, true);
      h.flags({ confirmed: true }, 0n);
      const r: bigint[] = t.lossChurn(100_000, 40, 100n, 1200);
      const sp = h.space(APPLICATION);
      expect(r[4]).toBe(0n); // in-order ACKs: nothing lost
      expect(r[2]).toBe(39n);
      expect(r[3]).toBe(39n * 1200n);
      expect(sp.capacity).toBeLessThanOrEqual(128);
      expect(sp.poolSize).toBeLessThanOrEqual(2);
      expect(h.state().packetsAcked).toBe(BigInt(100_000 - 39));
      // drop everything: the ring shrinks back, the pool is capped
      t.lossDeclareAllLost(APPLICATION, 10_000_000_000n);
      expect(h.space(APPLICATION).count).toBe(0);
      expect(h.space(APPLICATION).capacity).toBe(8); // sent_packets.ts INITIAL_CAPACITY
    });

    it('CUBIC: persistent congestion collapses the window to the minimum as well', () => {
      t.lossNew(true, 1, MDS, 25_000n, 64);
      t.lossSend(APPLICATION, 0n, 0n, 1000, true, true, false, 1);
      t.lossAck(APPLICATION, 0n, 0n, [], 0n, 10_000n);
      for (let pn = 1n; pn <= 8n; pn++) t.lossSend(APPLICATION, pn, 20_000n + (pn - 1n) * 25_000n, 1000, true, true, false, 1);
      t.lossSend(APPLICATION, 9n, 200_000n, 1000, true, true, false, 1);
      t.lossAck(APPLICATION, 9n, 0n, [], 0n, 210_000n);
      const s: bigint[] = t.lossState();
      expect([s[17], s[4]]).toEqual([1n, kMinimumWindow + 1000n]); // then slow start on packet 9, as NewReno
    });
  });
}
