// The idle timeout (RFC 9000 §10.1): its effective duration from both
// endpoints' max_idle_timeout and when it restarts. The connection arms
// Timer.Idle (timer.ts) with `deadline()` after each call that changes it.

@final
export class IdleTimer {
  /** The negotiated timeout, µs; 0 = no idle timeout. */
  timeout: u64 = 0;
  /** The absolute deadline, µs; u64.MAX when no idle timeout runs. */
  private at: u64 = u64.MAX_VALUE;
  /** An ack-eliciting packet was sent since the last packet was received and processed. */
  private ackElicitingSinceReceive: bool = false;

  /**
   * RFC 9000 §10.1: "the effective value at an endpoint is computed as the
   * minimum of the two advertised values (or the sole advertised value, if
   * only one endpoint advertises a non-zero value)". Both in milliseconds,
   * as carried in max_idle_timeout (§18.2); 0 = not advertised.
   */
  configure(localMs: u64, peerMs: u64): void {
    let ms: u64;
    if (localMs == 0) ms = peerMs;
    else if (peerMs == 0) ms = localMs;
    else ms = localMs < peerMs ? localMs : peerMs;
    this.timeout = ms > u64.MAX_VALUE / 1000 ? u64.MAX_VALUE : ms * 1000;
    if (this.timeout == 0) this.at = u64.MAX_VALUE;
  }

  /**
   * The period from a restart: RFC 9000 §10.1 "endpoints MUST increase the
   * idle timeout period to be at least three times the current Probe Timeout
   * (PTO)". 0 when there is no idle timeout.
   */
  period(pto: u64): u64 {
    if (this.timeout == 0) return 0;
    const floor = pto > u64.MAX_VALUE / 3 ? u64.MAX_VALUE : 3 * pto;
    return this.timeout > floor ? this.timeout : floor;
  }

  /** RFC 9000 §10.1: "An endpoint restarts its idle timer when a packet from its peer is received and processed successfully." */
  onPacketReceived(now: u64, pto: u64): void {
    this.ackElicitingSinceReceive = false;
    this.restart(now, pto);
  }

  /**
   * RFC 9000 §10.1: "An endpoint also restarts its idle timer when sending an
   * ack-eliciting packet if no other ack-eliciting packets have been sent
   * since last receiving and processing a packet."
   */
  onAckElicitingSent(now: u64, pto: u64): void {
    if (this.ackElicitingSinceReceive) return;
    this.ackElicitingSinceReceive = true;
    this.restart(now, pto);
  }

  /** When the connection is silently closed (§10.1), µs; u64.MAX when there is no idle timeout. */
  deadline(): u64 {
    return this.at;
  }

  private restart(now: u64, pto: u64): void {
    if (this.timeout == 0) { this.at = u64.MAX_VALUE; return; }
    const p = this.period(pto);
    this.at = now > u64.MAX_VALUE - p ? u64.MAX_VALUE : now + p;
  }
}
