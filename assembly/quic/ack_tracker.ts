// Received packet numbers of one packet-number space and the decision when to
// acknowledge them (RFC 9000 §13.2). One AckTracker per space (Initial,
// Handshake, Application data); pure state, time passed in (microseconds).
//
// Use, per received packet that was successfully unprotected:
//   if (tracker.onPacketReceived(pn, ackEliciting, now)) drop it  // §12.3 duplicate
// when building a packet:
//   if (tracker.shouldSendAck(now) || piggybacking) {
//     tracker.writeAckFrame(frame, now, ackDelayExponent); encodeFrame(w, frame);
//     tracker.onAckSent();
//   }
// when a packet that carried an ACK frame is acknowledged by the peer:
//   tracker.onAckAcknowledged(largestAcknowledgedInThatAck);
// the connection arms its ACK timer at `tracker.ackDeadline`.
import { RangeSet } from "./range_set";
import { QuicFrame, FRAME_ACK } from "./frame";

/** The packet-number space a tracker serves (RFC 9000 §12.3). */
export const SPACE_INITIAL: u32 = 0;
export const SPACE_HANDSHAKE: u32 = 1;
export const SPACE_APPLICATION: u32 = 2;

/** RFC 9000 §13.2.2: "A receiver SHOULD send an ACK frame after receiving at least two ack-eliciting packets." */
export const ACK_ELICITING_THRESHOLD: i32 = 2;

/** RFC 9000 §18.2: "Values above 20 are invalid" for ack_delay_exponent. */
export const MAX_ACK_DELAY_EXPONENT: u32 = 20;

/** RFC 9000 §12.3: "packet numbers are limited to this range" (0 to 2^62-1). */
export const MAX_PACKET_NUMBER: u64 = (<u64>1 << 62) - 1;

/** The largest value a variable-length integer holds (RFC 9000 §16): the ACK Delay field's ceiling. */
const MAX_VARINT: u64 = (<u64>1 << 62) - 1;

/** No deadline. */
export const NO_DEADLINE: u64 = u64.MAX_VALUE;

@final
export class AckTracker {
  /** Received packet numbers not yet forgotten (bounded: see RangeSet's policy). */
  readonly received: RangeSet;
  /** The largest packet number received, valid when `hasReceived`. */
  largestReceived: u64 = 0;
  /** When `largestReceived` arrived (µs); RFC 9000 §13.2.5 measures the ACK delay from it. */
  largestReceivedTime: u64 = 0;
  hasReceived: bool = false;
  /** The largest ack-eliciting packet number received, valid when `hasAckEliciting`. */
  largestAckEliciting: u64 = 0;
  hasAckEliciting: bool = false;
  /** Ack-eliciting packets received since the last ACK frame was sent. */
  ackElicitingSinceAck: i32 = 0;
  /** An ACK frame must be sent now (not after a delay). */
  ackImmediately: bool = false;
  /** Time by which an ACK frame must be sent (NO_DEADLINE: none pending). */
  ackDeadline: u64 = NO_DEADLINE;
  /**
   * Packet numbers below this are refused as possible duplicates: RFC 9000
   * §13.2.3, "Maintaining a minimum packet number that increases as ranges are
   * discarded". Raised by onAckAcknowledged (§13.2.4) and by the range cap.
   */
  minimumPacketNumber: u64 = 0;

  /**
   * space: SPACE_*; maxRanges: ranges remembered (at least 1); maxAckDelay:
   * our max_ack_delay transport parameter in microseconds (used in the
   * application space only: Initial and Handshake are acknowledged at once).
   */
  constructor(readonly space: u32, maxRanges: i32, readonly maxAckDelay: u64) {
    this.received = new RangeSet(maxRanges);
  }

  /**
   * Records a received packet. Returns true when it is a duplicate (or below
   * the minimum packet number, so possibly one): RFC 9000 §12.3, "A receiver
   * MUST discard a newly unprotected packet unless it is certain that it has
   * not processed another packet with the same packet number". A duplicate
   * changes no state. Packet numbers above 2^62-1 (§12.3) are refused the same way.
   */
  onPacketReceived(pn: u64, ackEliciting: bool, now: u64): bool {
    if (pn > MAX_PACKET_NUMBER) return true;
    if (pn < this.minimumPacketNumber || pn < this.received.evictedBelow) return true;
    if (this.received.contains(pn)) return true;

    // §13.2.1: an ack-eliciting packet that arrives out of order, or that
    // reveals a gap above the largest ack-eliciting packet, is acknowledged
    // "without delay". Checked before the insert changes the set.
    let reordered = false;
    if (ackEliciting && this.hasAckEliciting) {
      const top = this.largestAckEliciting;
      if (pn < top) reordered = true;
      // "larger than the highest-numbered ack-eliciting packet ... and there
      // are missing packets between that packet and this packet". Numbers
      // below the minimum were received and forgotten, or given up: not missing.
      else {
        const min = this.minimumPacketNumber;
        const from = top + 1 > min ? top + 1 : min;
        if (pn > from && !this.received.covers(from, pn - 1)) reordered = true;
      }
    }

    this.received.insert(pn, pn);
    if (!this.hasReceived || pn > this.largestReceived) {
      this.largestReceived = pn;
      this.largestReceivedTime = now;
      this.hasReceived = true;
    }
    if (this.received.evictedBelow > this.minimumPacketNumber) {
      this.minimumPacketNumber = this.received.evictedBelow;
    }

    // §13.2.1: "An endpoint MUST NOT send a non-ack-eliciting packet in
    // response to a non-ack-eliciting packet": only ack-eliciting packets
    // start the ACK clock; others ride along with the next ACK frame.
    if (!ackEliciting) return false;
    if (!this.hasAckEliciting || pn > this.largestAckEliciting) {
      this.largestAckEliciting = pn;
      this.hasAckEliciting = true;
    }
    this.ackElicitingSinceAck++;
    if (this.space != SPACE_APPLICATION) {
      // §13.2.1: "An endpoint MUST acknowledge all ack-eliciting Initial and
      // Handshake packets immediately".
      this.ackImmediately = true;
    } else if (reordered || this.ackElicitingSinceAck >= ACK_ELICITING_THRESHOLD) {
      // §13.2.1 reordering / gaps; §13.2.2 after two ack-eliciting packets.
      this.ackImmediately = true;
    }
    if (this.ackImmediately) {
      if (this.ackDeadline > now) this.ackDeadline = now;
    } else if (this.ackDeadline == NO_DEADLINE) {
      // §13.2.1: "all ack-eliciting 0-RTT and 1-RTT packets within its
      // advertised max_ack_delay".
      const d = this.maxAckDelay;
      this.ackDeadline = now > NO_DEADLINE - 1 - d ? NO_DEADLINE - 1 : now + d;
    }
    return false;
  }

  /** Is there anything to acknowledge (received ranges not yet forgotten)? */
  @inline get hasRanges(): bool {
    return !this.received.isEmpty;
  }

  /** Must an ACK frame be sent at `now`? (immediately, or the max_ack_delay timer expired) */
  shouldSendAck(now: u64): bool {
    return this.ackImmediately || (this.ackDeadline != NO_DEADLINE && now >= this.ackDeadline);
  }

  /**
   * The ACK Delay field (RFC 9000 §19.3): the time since the largest
   * acknowledged packet was received (§13.2.5), in microseconds divided by
   * 2^ack_delay_exponent (exponents above 20 are treated as 20, §18.2),
   * capped at the largest varint (§16).
   */
  ackDelayField(now: u64, ackDelayExponent: u32): u64 {
    if (!this.hasReceived || now <= this.largestReceivedTime) return 0;
    const exp = ackDelayExponent > MAX_ACK_DELAY_EXPONENT ? MAX_ACK_DELAY_EXPONENT : ackDelayExponent;
    const v = (now - this.largestReceivedTime) >> <u64>exp;
    return v > MAX_VARINT ? MAX_VARINT : v;
  }

  /**
   * Fills `f` as an ACK frame (type 0x02) for everything remembered:
   * largestAcknowledged, ackDelay, firstAckRange and (Gap, ACK Range Length)
   * pairs (§19.3.1), at most `f.capacity` of them — the highest ranges; lower
   * ones are left out and `f.ackRangesTruncated` is set. Returns false (and
   * leaves `f` untouched) when there is nothing to acknowledge.
   */
  writeAckFrame(f: QuicFrame, now: u64, ackDelayExponent: u32): bool {
    const set = this.received;
    const n = set.count;
    if (n == 0) return false;
    f.frameType = FRAME_ACK;
    const largest = set.endAt(0);
    let smallest = set.startAt(0);
    f.largestAcknowledged = largest;
    f.ackDelay = this.ackDelayField(now, ackDelayExponent);
    f.firstAckRange = largest - smallest;
    const cap = f.capacity;
    const ranges = f.ackRanges;
    const stored = n - 1 < cap ? n - 1 : cap;
    for (let i = 0; i < stored; i++) {
      const end = set.endAt(i + 1);
      const start = set.startAt(i + 1);
      // §19.3.1: "Gap: ... the number of contiguous unacknowledged packets
      // preceding the packet number one lower than the smallest in the
      // preceding ACK Range", i.e. largest = previous smallest - gap - 2.
      unchecked(ranges[i << 1] = smallest - end - 2);
      // "ACK Range Length: ... the number of contiguous acknowledged packets
      // preceding the largest packet number, as determined by the preceding Gap."
      unchecked(ranges[(i << 1) + 1] = end - start);
      smallest = start;
    }
    f.ackRangeCount = <u64>stored;
    f.ackRangesStored = stored;
    f.ackRangesTruncated = stored < n - 1;
    f.smallestAcknowledged = smallest;
    f.ecnEct0 = 0;
    f.ecnEct1 = 0;
    f.ecnCe = 0;
    return true;
  }

  /** An ACK frame from writeAckFrame was sent: the ACK clock restarts (§13.2.1, §13.2.2). */
  onAckSent(): void {
    this.ackElicitingSinceAck = 0;
    this.ackImmediately = false;
    this.ackDeadline = NO_DEADLINE;
  }

  /**
   * A packet carrying one of our ACK frames, with Largest Acknowledged
   * `largestAcknowledged`, was acknowledged. RFC 9000 §13.2.4: "the receiver
   * can stop acknowledging packets less than or equal to the Largest
   * Acknowledged field in the sent ACK frame". Those ranges are forgotten and
   * the minimum packet number rises past them (§13.2.3), so a late duplicate
   * is still refused.
   */
  onAckAcknowledged(largestAcknowledged: u64): void {
    if (largestAcknowledged == u64.MAX_VALUE) {
      this.received.clear();
      this.minimumPacketNumber = u64.MAX_VALUE;
      return;
    }
    const floor = largestAcknowledged + 1;
    if (floor <= this.minimumPacketNumber) return;
    this.minimumPacketNumber = floor;
    this.received.removeBelow(floor);
  }
}
