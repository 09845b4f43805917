// NewReno congestion control as RFC 9002 §7 and Appendix B specify it.
import { CongestionController } from "./cc";
import { RttEstimator } from "./rtt";

export class NewReno extends CongestionController {
  constructor(maxDatagramSize: u64) {
    super(maxDatagramSize);
  }

  onPacketsAcked(bytes: u64, largestSentTime: u64, now: u64, rtt: RttEstimator): void {
    // RFC 9002 B.5: remove from bytes_in_flight.
    this.removeFromFlight(bytes);
    // RFC 9002 §7.8: no increase while application or flow-control limited.
    if (this.appLimited) return;
    // RFC 9002 §7.3.2: no increase during the recovery period.
    if (this.inRecovery(largestSentTime)) return;
    if (this.congestionWindow < this.ssthresh) {
      // RFC 9002 §7.3.1: slow start — grow by the bytes acknowledged.
      this.congestionWindow += bytes;
    } else {
      // RFC 9002 §7.3.3: congestion avoidance — at most one max_datagram_size per window acknowledged.
      this.congestionWindow += this.maxDatagramSize * bytes / this.congestionWindow;
    }
  }

  onCongestionEvent(sentTime: u64, now: u64): void {
    // RFC 9002 B.6: no reaction if already in a recovery period.
    if (!this.enterRecovery(sentTime, now)) return;
    // RFC 9002 §7.3.2: kLossReductionFactor = 0.5; ssthresh = cwnd * 0.5,
    // cwnd = max(ssthresh, kMinimumWindow).
    this.ssthresh = this.congestionWindow / 2;
    const min = this.minimumWindow;
    this.congestionWindow = this.ssthresh > min ? this.ssthresh : min;
  }

  onPersistentCongestion(): void {
    // RFC 9002 §7.6.2 and B.8: collapse to kMinimumWindow, end the recovery period.
    this.congestionWindow = this.minimumWindow;
    this.hasRecoveryStart = false;
    this.congestionRecoveryStartTime = 0;
  }
}
