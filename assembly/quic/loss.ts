// Loss detection (RFC 9002 §6, Appendix A) and persistent congestion (§7.6),
// one object per connection over the three packet-number spaces: the
// acknowledgment-based detection with packet and time thresholds (§6.1), the
// probe timeout (§6.2) with the client's anti-deadlock timer (§6.2.2.1), and
// the discarding of a space's state with its keys (§6.4). RTT estimation is
// rtt.ts, the window cc.ts; this file decides when they are told what.
//
// Sans-IO: `now` is passed in (µs). One timer (`timeout()`); the connection
// arms it and calls `onTimeout` when it fires. What a sent frame meant is the
// connection's business: it gets every frame of every acknowledged or lost
// packet through a `LossSink`, synchronously, and must not send or call back
// into this object from there.
//
// The connection's calls:
//   packet sent            sent[space].push(pn, now) ... onPacketSent(space, p, now)
//   ACK frame received     err = onAckReceived(space, frame, ackDelayMicros, now, sink)
//   timer fired            switch (onTimeout(now, sink)) { case LossTimer.Pto: send 1-2 ack-eliciting probes in probeSpace }
//   keys discarded         discardSpace(space, now)      (RFC 9001 §4.9)
//   0-RTT rejected         declareAllLost(SPACE_APPLICATION, sink, now)  (RFC 9001 §4.6.2)
//   state changed          set handshakeConfirmed / hasHandshakeKeys / peerCompletedAddressValidation /
//                          atAntiAmplificationLimit, then setLossDetectionTimer(now)
//   datagram received while the server was at its amplification limit (A.6 OnDatagramReceived):
//                          atAntiAmplificationLimit = false; setLossDetectionTimer(now);
//                          if (timeout() <= now) onTimeout(now, sink)
import { RttEstimator, kGranularity } from "./rtt";
import { CongestionController } from "./cc";
import { SPACE_INITIAL, SPACE_HANDSHAKE, SPACE_APPLICATION } from "./ack_tracker";
import { QuicFrame } from "./frame";
import { PROTOCOL_VIOLATION, FRAME_ENCODING_ERROR, INTERNAL_ERROR } from "./errors";
import { SentPackets, SentPacket, SentFrame } from "./sent_packets";

/** RFC 9002 §6.1.1: kPacketThreshold, "The RECOMMENDED initial value ... is 3". */
export const kPacketThreshold: u64 = 3;
/** RFC 9002 §6.1.2: kTimeThreshold = 9/8 (an RTT multiplier), numerator and denominator. */
export const kTimeThresholdNum: u64 = 9;
export const kTimeThresholdDen: u64 = 8;
/** RFC 9002 §7.6.1: "The RECOMMENDED value for kPersistentCongestionThreshold is 3". */
export const kPersistentCongestionThreshold: u64 = 3;

const NUM_SPACES: i32 = 3;
/** No time: an unset loss_time, an unarmed timer, an "infinite" largest_acked_packet. */
const NONE: u64 = u64.MAX_VALUE;

/** What the connection does when a sent frame is acknowledged or declared lost (called synchronously from onAckReceived / onTimeout / declareAllLost; never from discardSpace). */
export abstract class LossSink {
  abstract onFrameAcked(space: u32, f: SentFrame): void;
  abstract onFrameLost(space: u32, f: SentFrame): void;
  /** A packet was declared lost (before its frames go to `onFrameLost`): `byThreshold` = §6.1.1 packet threshold, else §6.1.2 time (or all lost, `declareAllLost`). */
  onPacketLost(space: u32, pn: u64, byPacketThreshold: bool, rejected: bool): void {}
}

/** What `onTimeout` did. */
export const enum LossTimer { None = 0, LossTime = 1, Pto = 2 }

@inline function satAdd(a: u64, b: u64): u64 {
  const s = a + b;
  return s < a ? NONE : s;
}

@inline function satMul(a: u64, k: u64): u64 {
  return a > NONE / k ? NONE : a * k;
}

/** RFC 9002 §6 and Appendix A, as one object per connection. */
@final
export class LossDetection {
  readonly rtt: RttEstimator;
  readonly cc: CongestionController;
  readonly isServer: bool;
  /** sent_packets[kPacketNumberSpace] (A.2), indexed by SPACE_*. */
  sent: StaticArray<SentPackets>;
  /** A.2 pto_count: PTOs since the last acknowledgment that reset it. */
  ptoCount: u32 = 0;
  /** When the newest packet acknowledged so far was sent (a recovery period ends once it is after the period's start, RFC 9002 §7.3.2). */
  largestAckedSentTime: u64 = 0;

  // ---- state the connection sets (then calls setLossDetectionTimer) ----
  /** RFC 9001 §4.1.2: the handshake is confirmed. Enables the Application Data PTO (RFC 9002 §6.2.1). */
  handshakeConfirmed: bool = false;
  /**
   * Client: the server is known to have validated our address (RFC 9002
   * §6.2.2.1, A.6 PeerCompletedAddressValidation). Set here when an ACK arrives
   * in the Handshake space; handshake confirmation implies it too. Ignored for a server.
   */
  peerCompletedAddressValidation: bool = false;
  /** Handshake keys are available: the client's anti-deadlock probe goes in a Handshake packet (A.9). */
  hasHandshakeKeys: bool = false;
  /** 1-RTT keys are available (informational: Appendix A decides on handshake confirmation). */
  hasOneRttKeys: bool = false;
  /** Server: nothing more may be sent until the client sends more (RFC 9000 §8.1); no PTO is armed (RFC 9002 §6.2.2.1). */
  atAntiAmplificationLimit: bool = false;

  /** After `onTimeout` returned LossTimer.Pto: the space to send 1-2 ack-eliciting probe packets in. */
  probeSpace: u32 = SPACE_INITIAL;

  // ---- the outcome of the last onAckReceived / onTimeout / declareAllLost ----
  /** Packets newly acknowledged. */
  newlyAcked: i32 = 0;
  /** Whether one of them was ack-eliciting. */
  newlyAckedAckEliciting: bool = false;
  /** Packets declared lost. */
  newlyLost: i32 = 0;
  /** Whether persistent congestion was established (RFC 9002 §7.6.2). */
  persistentCongestion: bool = false;

  // ---- statistics ----
  packetsSent: u64 = 0;
  bytesSent: u64 = 0;
  packetsAcked: u64 = 0;
  bytesAcked: u64 = 0;
  packetsLost: u64 = 0;
  bytesLost: u64 = 0;
  /** PTO expirations (§6.2). */
  ptoExpirations: u64 = 0;
  /** Times persistent congestion was established (§7.6). */
  persistentCongestionEvents: u64 = 0;

  // ---- Appendix A.2, per space ----
  private largestAckedPacket: StaticArray<u64> = new StaticArray<u64>(NUM_SPACES);
  private timeOfLastAckElicitingPacket: StaticArray<u64> = new StaticArray<u64>(NUM_SPACES);
  private lossTime: StaticArray<u64> = new StaticArray<u64>(NUM_SPACES);
  /** Ack-eliciting in-flight packets outstanding, per space. */
  private ackElicitingInFlight: StaticArray<i32> = new StaticArray<i32>(NUM_SPACES);
  /** loss_detection_timer (NONE: unarmed). */
  private timer: u64 = NONE;
  /** The latest `now` seen (for declareAllLost without a time). */
  private lastNow: u64 = 0;
  /** Space chosen by the last ptoTimeAndSpace. */
  private ptoSpace: u32 = SPACE_INITIAL;

  constructor(rtt: RttEstimator, cc: CongestionController, isServer: bool) {
    this.rtt = rtt;
    this.cc = cc;
    this.isServer = isServer;
    const sent = new StaticArray<SentPackets>(NUM_SPACES);
    for (let s = 0; s < NUM_SPACES; s++) unchecked(sent[s] = new SentPackets());
    this.sent = sent;
    for (let s = 0; s < NUM_SPACES; s++) {
      // A.4: largest_acked_packet = infinite, loss_time = 0 (unset).
      unchecked(this.largestAckedPacket[s] = NONE);
      unchecked(this.lossTime[s] = NONE);
    }
  }

  /** RFC 9002 B.2 bytes_in_flight. */
  @inline bytesInFlight(): u64 {
    return this.cc.bytesInFlight;
  }

  /** When the loss-detection timer fires (A.6 SetLossDetectionTimer): u64.MAX_VALUE when unarmed. */
  @inline timeout(): u64 {
    return this.timer;
  }

  /** A.2 largest_acked_packet[space]; u64.MAX_VALUE before any acknowledgment. */
  largestAcked(space: u32): u64 {
    return space < <u32>NUM_SPACES ? this.largestAckedPacket[space] : NONE;
  }

  /** A.2 loss_time[space]; u64.MAX_VALUE when unset. */
  lossTimeOf(space: u32): u64 {
    return space < <u32>NUM_SPACES ? this.lossTime[space] : NONE;
  }

  /** Ack-eliciting packets in flight in `space`. */
  ackElicitingInFlightIn(space: u32): i32 {
    return space < <u32>NUM_SPACES ? this.ackElicitingInFlight[space] : 0;
  }

  /** A.5 OnPacketSent: records are pushed by the connection on sent[space], then this is called with the finished record. */
  onPacketSent(space: u32, p: SentPacket, now: u64): void {
    if (space >= <u32>NUM_SPACES) return;
    this.lastNow = now;
    this.packetsSent++;
    this.bytesSent += p.size;
    if (!p.inFlight) return;
    if (p.ackEliciting) {
      unchecked(this.timeOfLastAckElicitingPacket[space] = p.timeSent);
      unchecked(this.ackElicitingInFlight[space]++);
    }
    // A.5 OnPacketSentCC (B.4).
    this.cc.onPacketSent(<u64>p.size, now);
    this.setLossDetectionTimer(now);
  }

  /**
   * A.7 OnAckReceived for one ACK frame `f` received in `space`; `ackDelay` is
   * the ACK Delay field already scaled to microseconds (RFC 9000 §19.3; pass 0
   * to ignore it, e.g. for Initial packets, RFC 9002 §5.3 MAY). Returns 0 or a
   * transport error code, with no state changed on error: RFC 9000 §13.1,
   * acknowledging a packet number never sent (above the largest sent, or
   * skipped) is PROTOCOL_VIOLATION; ranges that underflow (a frame not from
   * decodeFrame) are FRAME_ENCODING_ERROR. Ranges beyond `f.ackRangesStored`
   * are not seen (see QuicFrame.ackRangesTruncated).
   */
  onAckReceived(space: u32, f: QuicFrame, ackDelay: u64, now: u64, sink: LossSink): u64 {
    this.beginCall(now);
    if (space >= <u32>NUM_SPACES) return INTERNAL_ERROR;
    const sp = unchecked(this.sent[space]);
    const largest = f.largestAcknowledged;
    // RFC 9000 §13.1: "An endpoint SHOULD treat receipt of an acknowledgment
    // for a packet it did not send as a connection error of type
    // PROTOCOL_VIOLATION, if it is able to detect the condition."
    if (!sp.hasSent || largest > sp.largestSent) return PROTOCOL_VIOLATION;
    const err = this.checkRanges(sp, f);
    if (err != 0) return err;

    // A.7: largest_acked_packet = max(largest_acked_packet, ack.largest_acked).
    const la = unchecked(this.largestAckedPacket[space]);
    if (la == NONE || largest > la) unchecked(this.largestAckedPacket[space] = largest);
    // A.6 PeerCompletedAddressValidation: "has received Handshake ACK".
    if (space == SPACE_HANDSHAKE) this.peerCompletedAddressValidation = true;

    // A.7 DetectAndRemoveAckedPackets, range by range from the top.
    let largestNewly: u64 = 0;
    let largestNewlyTime: u64 = 0;
    let ackedBytes: u64 = 0;
    let ackedLargestSentTime: u64 = 0;
    let hi = largest;
    let lo = largest - f.firstAckRange;
    const ranges = f.ackRanges;
    const stored = this.storedRanges(f);
    for (let k = 0; ; k++) {
      for (let i = sp.lowerBound(lo); i < sp.length; i++) {
        if (sp.pnAt(i) > hi) break;
        const p = sp.packetAt(i);
        if (p === null) {
          // §7.6.2 asks whether packets were acknowledged: one declared lost counts once it is.
          sp.markAckedAt(i);
          continue;
        }
        if (this.newlyAcked == 0 || p.pn > largestNewly) {
          largestNewly = p.pn;
          largestNewlyTime = p.timeSent;
        }
        this.newlyAcked++;
        if (p.ackEliciting) this.newlyAckedAckEliciting = true;
        if (p.inFlight) {
          ackedBytes += p.size;
          if (p.timeSent > ackedLargestSentTime) ackedLargestSentTime = p.timeSent;
          if (p.ackEliciting) unchecked(this.ackElicitingInFlight[space]--);
        }
        this.packetsAcked++;
        this.bytesAcked += p.size;
        for (let j = 0; j < p.nFrames; j++) sink.onFrameAcked(space, p.frame(j));
        sp.removeAt(i, true);
      }
      if (k >= stored) break;
      // RFC 9000 §19.3.1: largest = previous smallest - gap - 2; smallest = largest - length (checked above).
      hi = lo - unchecked(ranges[k << 1]) - 2;
      lo = hi - unchecked(ranges[(k << 1) + 1]);
    }
    // A.7: "Nothing to do if there are no newly acked packets."
    if (this.newlyAcked == 0) {
      sp.trim();
      return 0;
    }

    // A.7 / RFC 9002 §5.1: an RTT sample when the largest acknowledged is newly
    // acknowledged and at least one newly acknowledged packet was ack-eliciting.
    if (largestNewly == largest && this.newlyAckedAckEliciting) {
      const latestRtt = now > largestNewlyTime ? now - largestNewlyTime : 0;
      this.rtt.updateRtt(latestRtt, ackDelay, this.handshakeConfirmed, now);
    }

    // A.7: DetectAndRemoveLostPackets, OnPacketsLost, then OnPacketsAcked.
    this.detectAndRemoveLostPackets(space, now, sink);
    if (ackedBytes > 0) {
      this.cc.onPacketsAcked(ackedBytes, ackedLargestSentTime, now, this.rtt);
      if (ackedLargestSentTime > this.largestAckedSentTime) this.largestAckedSentTime = ackedLargestSentTime;
    }

    // A.7: "Reset pto_count unless the client is unsure if the server has
    // validated the client's address" (RFC 9002 §6.2.1).
    if (this.peerValidatedAddress()) this.ptoCount = 0;
    this.setLossDetectionTimer(now);
    sp.trim();
    return 0;
  }

  /**
   * A.9 OnLossDetectionTimeout, when `now` reached `timeout()`: either declares
   * packets lost by the time threshold (sink called) and returns
   * LossTimer.LossTime, or it is a PTO — pto_count grows and LossTimer.Pto is
   * returned with `probeSpace` set: the connection MUST send at least one
   * ack-eliciting packet there (RFC 9002 §6.2.4), may send two, SHOULD add
   * ack-eliciting packets for other spaces with data in flight; with nothing
   * in flight (the client's anti-deadlock PTO, §6.2.2.1) a Handshake packet
   * if it has Handshake keys, else an Initial in a datagram of at least 1200
   * bytes. Returns LossTimer.None when the timer is not due.
   */
  onTimeout(now: u64, sink: LossSink): LossTimer {
    this.beginCall(now);
    if (this.timer == NONE || now < this.timer) return LossTimer.None;
    // A.9: time threshold loss detection.
    const space = this.earliestLossSpace();
    if (space >= 0) {
      this.detectAndRemoveLostPackets(<u32>space, now, sink);
      this.setLossDetectionTimer(now);
      unchecked(this.sent[space]).trim();
      return LossTimer.LossTime;
    }
    // RFC 9002 §6.2.1: "A PTO timer expiration event does not indicate packet
    // loss and MUST NOT cause prior unacknowledged packets to be marked as lost."
    if (this.noAckElicitingInFlight()) {
      // A.9 anti-deadlock: "a Handshake packet proves address ownership", an
      // Initial padded to 1200 bytes earns amplification credit.
      this.probeSpace = this.hasHandshakeKeys ? SPACE_HANDSHAKE : SPACE_INITIAL;
    } else {
      this.ptoTimeAndSpace(now);
      this.probeSpace = this.ptoSpace;
    }
    // RFC 9002 §6.2.1: "When a PTO timer expires, the PTO backoff MUST be increased".
    this.ptoCount++;
    this.ptoExpirations++;
    this.setLossDetectionTimer(now);
    return LossTimer.Pto;
  }

  /**
   * §6.4 / A.11 OnPacketNumberSpaceDiscarded (keys discarded, RFC 9001 §4.9):
   * removes the space's in-flight bytes from the congestion controller without
   * declaring loss (sink not called), clears its records, resets its loss_time
   * and time_of_last_ack_eliciting_packet and pto_count, re-arms the timer.
   */
  discardSpace(space: u32, now: u64): void {
    if (space >= <u32>NUM_SPACES) return;
    this.lastNow = now;
    const sp = unchecked(this.sent[space]);
    // RFC 9002 §6.4: "MUST remove them from the count of bytes in flight" (A.11 RemoveFromBytesInFlight).
    let bytes: u64 = 0;
    for (let i = 0; i < sp.length; i++) {
      const p = sp.packetAt(i);
      if (p !== null && p.inFlight) bytes += p.size;
    }
    this.cc.removeFromFlight(bytes);
    sp.clear();
    if (space != SPACE_APPLICATION) sp.dropPool(); // nothing is sent in it again
    unchecked(this.ackElicitingInFlight[space] = 0);
    unchecked(this.timeOfLastAckElicitingPacket[space] = 0);
    unchecked(this.lossTime[space] = NONE);
    // RFC 9002 §6.2.2: "the PTO and loss detection timers MUST be reset".
    this.ptoCount = 0;
    this.setLossDetectionTimer(now);
  }

  /**
   * Declares every outstanding packet of `space` lost (0-RTT rejected, RFC 9001
   * §4.6.2, RFC 9002 §6.4: 0-RTT packets are in SPACE_APPLICATION): the sink
   * gets every frame, their bytes leave flight, without a congestion event.
   * `now` defaults to the latest time this object saw (for the re-armed timer).
   */
  declareAllLost(space: u32, sink: LossSink, now: u64 = NONE): void {
    if (space >= <u32>NUM_SPACES) return;
    const t = now == NONE ? this.lastNow : now;
    this.beginCall(t);
    const sp = unchecked(this.sent[space]);
    let bytes: u64 = 0;
    for (let i = 0; i < sp.length; i++) {
      const p = sp.packetAt(i);
      if (p === null) continue;
      if (p.inFlight) bytes += p.size;
      this.newlyLost++;
      this.packetsLost++;
      this.bytesLost += p.size;
      sink.onPacketLost(space, sp.pnAt(i), false, true);
      for (let j = 0; j < p.nFrames; j++) sink.onFrameLost(space, p.frame(j));
      sp.removeAt(i, false);
    }
    this.cc.removeFromFlight(bytes);
    unchecked(this.ackElicitingInFlight[space] = 0);
    unchecked(this.lossTime[space] = NONE);
    this.setLossDetectionTimer(t);
    sp.trim();
  }

  /**
   * A.6 SetLossDetectionTimer. Called by every operation here; the connection
   * calls it after changing handshakeConfirmed, hasHandshakeKeys,
   * peerCompletedAddressValidation or atAntiAmplificationLimit (RFC 9002
   * §6.2.2.1: a server unblocked by a datagram re-arms, and runs the PTO at
   * once if it is already due).
   */
  setLossDetectionTimer(now: u64): void {
    // Time threshold loss detection (§6.1.2): "If packets sent prior to the
    // largest acknowledged packet cannot yet be declared lost, then a timer
    // SHOULD be set for the remaining time."
    const space = this.earliestLossSpace();
    if (space >= 0) {
      this.timer = unchecked(this.lossTime[space]);
      return;
    }
    // §6.2.2.1: "the server's PTO timer MUST NOT be armed until datagrams
    // have been received from the client".
    if (this.isServer && this.atAntiAmplificationLimit) {
      this.timer = NONE;
      return;
    }
    // "There is nothing to detect lost, so no timer is set. However, the
    // client needs to arm the timer if the server might be blocked by the
    // anti-amplification limit."
    if (this.noAckElicitingInFlight() && this.peerValidatedAddress()) {
      this.timer = NONE;
      return;
    }
    this.timer = this.ptoTimeAndSpace(now);
  }

  // ---------------------------------------------------------------------------

  private beginCall(now: u64): void {
    this.lastNow = now;
    this.newlyAcked = 0;
    this.newlyAckedAckEliciting = false;
    this.newlyLost = 0;
    this.persistentCongestion = false;
  }

  @inline private storedRanges(f: QuicFrame): i32 {
    const n = f.ackRangesStored;
    const cap = f.capacity;
    return n < 0 ? 0 : (n > cap ? cap : n);
  }

  /** Every range of `f` is well formed and covers no packet number skipped on purpose. */
  private checkRanges(sp: SentPackets, f: QuicFrame): u64 {
    let hi = f.largestAcknowledged;
    // RFC 9000 §19.3.1: "If any computed packet number is negative, an
    // endpoint MUST generate a connection error of type FRAME_ENCODING_ERROR."
    if (f.firstAckRange > hi) return FRAME_ENCODING_ERROR;
    let lo = hi - f.firstAckRange;
    const ranges = f.ackRanges;
    const stored = this.storedRanges(f);
    for (let k = 0; ; k++) {
      // RFC 9000 §21.4: an acknowledgment of a skipped packet number is an optimistic ACK.
      if (sp.isSkipped(lo, hi)) return PROTOCOL_VIOLATION;
      if (k >= stored) break;
      const gap = unchecked(ranges[k << 1]);
      const len = unchecked(ranges[(k << 1) + 1]);
      if (lo < 2 || gap > lo - 2) return FRAME_ENCODING_ERROR;
      hi = lo - gap - 2;
      if (len > hi) return FRAME_ENCODING_ERROR;
      lo = hi - len;
    }
    return 0;
  }

  /** A.6 PeerCompletedAddressValidation. */
  @inline private peerValidatedAddress(): bool {
    // "Assume clients validate the server's address implicitly"; "Servers
    // complete address validation when a protected packet is received":
    // "has received Handshake ACK || handshake confirmed".
    return this.isServer || this.peerCompletedAddressValidation || this.handshakeConfirmed;
  }

  private noAckElicitingInFlight(): bool {
    for (let s = 0; s < NUM_SPACES; s++) if (unchecked(this.ackElicitingInFlight[s]) > 0) return false;
    return true;
  }

  /** A.6 GetLossTimeAndSpace: the space with the earliest loss_time, or -1 when none is set. */
  private earliestLossSpace(): i32 {
    let time = NONE;
    let space = -1;
    for (let s = 0; s < NUM_SPACES; s++) {
      const t = unchecked(this.lossTime[s]);
      if (t < time) {
        time = t;
        space = s;
      }
    }
    return space;
  }

  /** A.6 GetPtoTimeAndSpace: returns the PTO time (NONE: none) and leaves the space in `ptoSpace`. */
  private ptoTimeAndSpace(now: u64): u64 {
    // RFC 9002 §6.2.1: PTO = smoothed_rtt + max(4*rttvar, kGranularity) (+ max_ack_delay), times 2^pto_count.
    const duration = this.rtt.ptoDuration(this.ptoCount, false);
    // "Anti-deadlock PTO starts from the current time."
    if (this.noAckElicitingInFlight()) {
      this.ptoSpace = this.hasHandshakeKeys ? SPACE_HANDSHAKE : SPACE_INITIAL;
      return satAdd(now, duration);
    }
    let ptoTimeout = NONE;
    this.ptoSpace = SPACE_INITIAL;
    for (let s: u32 = 0; s < <u32>NUM_SPACES; s++) {
      if (unchecked(this.ackElicitingInFlight[s]) <= 0) continue;
      let d = duration;
      if (s == SPACE_APPLICATION) {
        // §6.2.1: "An endpoint MUST NOT set its PTO timer for the Application
        // Data packet number space until the handshake is confirmed."
        if (!this.handshakeConfirmed) return ptoTimeout;
        // "Include max_ack_delay and backoff for Application Data."
        d = this.rtt.ptoDuration(this.ptoCount, true);
      }
      const t = satAdd(unchecked(this.timeOfLastAckElicitingPacket[s]), d);
      if (t < ptoTimeout) {
        ptoTimeout = t;
        this.ptoSpace = s;
      }
    }
    return ptoTimeout;
  }

  /**
   * A.10 DetectAndRemoveLostPackets for `space`, then A.x OnPacketsLost: bytes
   * leave flight, one congestion event for the newest lost packet (B.6), and
   * the persistent congestion test of RFC 9002 §7.6.2 over the packets lost
   * in this call.
   */
  private detectAndRemoveLostPackets(space: u32, now: u64, sink: LossSink): void {
    const sp = unchecked(this.sent[space]);
    const largestAcked = unchecked(this.largestAckedPacket[space]);
    unchecked(this.lossTime[space] = NONE);
    if (largestAcked == NONE) return;
    const rtt = this.rtt;
    // §6.1.2: max(kTimeThreshold * max(smoothed_rtt, latest_rtt), kGranularity).
    const m = rtt.latestRtt > rtt.smoothedRtt ? rtt.latestRtt : rtt.smoothedRtt;
    let lossDelay = satMul(m, kTimeThresholdNum) / kTimeThresholdDen;
    if (lossDelay < kGranularity) lossDelay = kGranularity;

    // §7.6.1: (smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay) *
    // kPersistentCongestionThreshold — max_ack_delay "irrespective of the
    // packet number spaces in which losses are established".
    const pcDuration = satMul(rtt.ptoDuration(0, true), kPersistentCongestionThreshold);
    // §7.6.2: "a prior RTT sample existed when these two packets were sent" (A.x: time_sent > first_rtt_sample).
    const hasSample = rtt.hasSample;
    const firstSample = rtt.firstRttSampleTime;
    let pcRun = false;
    let pcStart: u64 = 0;
    let pcFound = false;

    let lostBytes: u64 = 0;
    let congestionLoss = false;
    let lastLossTime: u64 = 0;
    let lossTime = NONE;
    for (let i = 0; i < sp.length; i++) {
      const pn = sp.pnAt(i);
      if (pn > largestAcked) break;
      const p = sp.packetAt(i);
      if (p === null) {
        // §7.6.2: "none of the packets sent between the send times of these
        // two packets are acknowledged" (a packet lost earlier does not break the run).
        if (sp.wasAckedAt(i)) pcRun = false;
        continue;
      }
      // §6.1: lost if sent kPacketThreshold packets before an acknowledged
      // one (§6.1.1) or long enough in the past (§6.1.2).
      if (satAdd(p.timeSent, lossDelay) <= now || largestAcked >= pn + kPacketThreshold) {
        if (p.inFlight) {
          lostBytes += p.size;
          if (p.ackEliciting) unchecked(this.ackElicitingInFlight[space]--);
          // RFC 8899 §4.4 / RFC 9000 §14.4: "loss of a QUIC packet that is
          // carrying a PMTU probe is therefore not a reliable indication of
          // congestion and SHOULD NOT trigger a congestion control reaction".
          if (!p.isPmtuProbe) {
            congestionLoss = true;
            if (p.timeSent > lastLossTime) lastLossTime = p.timeSent;
            // §7.6.2: "These two packets MUST be ack-eliciting".
            if (p.ackEliciting && hasSample && p.timeSent > firstSample) {
              if (!pcRun) {
                pcRun = true;
                pcStart = p.timeSent;
              } else if (p.timeSent - pcStart > pcDuration) {
                pcFound = true;
              }
            }
          }
        }
        this.newlyLost++;
        this.packetsLost++;
        this.bytesLost += p.size;
        sink.onPacketLost(space, pn, largestAcked >= pn + kPacketThreshold, false);
        for (let j = 0; j < p.nFrames; j++) sink.onFrameLost(space, p.frame(j));
        sp.removeAt(i, false);
      } else {
        // "Mark packet as lost, or set time when it should be marked."
        const t = satAdd(p.timeSent, lossDelay);
        if (t < lossTime) lossTime = t;
        pcRun = false;
      }
    }
    unchecked(this.lossTime[space] = lossTime);

    // A.x OnPacketsLost (B.8): remove from bytes_in_flight; a congestion event
    // for the newest lost packet; persistent congestion resets the window.
    if (lostBytes > 0) this.cc.removeFromFlight(lostBytes);
    if (congestionLoss) this.cc.onCongestionEvent(lastLossTime, now);
    if (pcFound) {
      // §7.6.2: "the sender's congestion window MUST be reduced to the minimum congestion window".
      this.cc.onPersistentCongestion();
      this.persistentCongestion = true;
      this.persistentCongestionEvents++;
    }
  }
}
