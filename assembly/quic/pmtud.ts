// Datagram Packetization Layer PMTU Discovery (DPLPMTUD, RFC 8899) as QUIC
// uses it (RFC 9000 §14.3, §14.4): one instance per path. Sans-IO: the
// connection asks `shouldProbe(now)` / `nextProbeSize()`, sends a PING +
// PADDING packet of that size and reports it with `onProbeSent`, then reports
// the probe's fate from its loss detection (`onProbeAcked` / `onProbeLost`:
// QUIC is an acknowledged PL, so loss detection stands in for RFC 8899's
// PROBE_TIMER, and §14.4 says a lost probe "SHOULD NOT trigger a congestion
// control reaction"). `currentMtu()` is the maximum datagram size packets are
// built to (RFC 8899's PLPMTU; RFC 9000 §14.3: the MPS of this path).
//
// The search is a binary search between the largest size acknowledged (`low`)
// and one below the smallest size that failed MAX_PROBES times (`high`), so it
// converges on the exact largest size the path carries.
//
// States (RFC 8899 §5.2):
//   Disabled        before the handshake completes; PLPMTU = BASE_PLPMTU.
//   Base            confirming BASE_PLPMTU with probes of that size (entered
//                   at start when the handshake did not already confirm it,
//                   and after a black hole).
//   Searching       probing sizes above PLPMTU.
//   SearchComplete  nothing left to search; the raise timer (600 s) restarts it.
//   Error           BASE_PLPMTU probes failed MAX_PROBES times; PLPMTU stays at
//                   BASE_PLPMTU (= MIN_PLPMTU in QUIC) and base probes are
//                   retried every PROBE_TIMER.

/** RFC 9000 §14.3: "Endpoints SHOULD set the initial value of BASE_PLPMTU ... consistent with QUIC's smallest allowed maximum datagram size" (1200, §14). MIN_PLPMTU is the same. */
export const BASE_PLPMTU: u32 = 1200;
/** RFC 8899 §5.1.2: MAX_PROBES, the probes of one size sent before that size is taken as unsupported. */
export const MAX_PROBES: u32 = 3;
/** The configured maximum by default: a 1500-byte Ethernet MTU less IPv6 (40) and UDP (8) headers. */
export const DEFAULT_MAX_PLPMTU: u32 = 1452;
/** RFC 9000 §18.2: the largest max_udp_payload_size (65527). */
export const MAX_UDP_PAYLOAD: u32 = 65527;
/** RFC 8899 §5.1.1: PMTU_RAISE_TIMER, 600 s — the search restarts after this long in SearchComplete. */
export const PMTU_RAISE_TIMER: u64 = 600_000_000;
/** RFC 8899 §5.1.1: PROBE_TIMER "MUST NOT be smaller than 1 second and SHOULD be larger than 15 seconds"; here: the retry interval in Error. */
export const PROBE_TIMER: u64 = 15_000_000;
/** Suspicious loss bursts (below) that signal a black hole (RFC 8899 §4.3). */
export const BLACK_HOLE_THRESHOLD: u32 = 3;

/** RFC 8899 §5.2: the DPLPMTUD states. */
export const enum PmtudState {
  Disabled = 0,
  Base = 1,
  Searching = 2,
  SearchComplete = 3,
  Error = 4,
}

@final
export class Pmtud {
  state: PmtudState = PmtudState.Disabled;
  /** The configured maximum (`maxPlpmtu`), capped by the peer's max_udp_payload_size. */
  maxPlpmtu: u32;
  private configuredMax: u32;
  /** RFC 8899 PLPMTU: the largest size known to work (the maximum datagram size). */
  private plpmtu: u32 = BASE_PLPMTU;
  /** One below the smallest size that failed MAX_PROBES times (or `maxPlpmtu`). */
  private high: u32;
  /** The size being probed (0 = none chosen). */
  probeSize: u32 = 0;
  /** Packet number of the probe in flight (meaningful while `probeInFlight`). */
  probePn: u64 = 0;
  probeInFlight: bool = false;
  /** RFC 8899 PROBE_COUNT: probes of `probeSize` lost so far. */
  probeCount: u32 = 0;
  /** When the raise timer (SearchComplete) or the retry (Error) fires; u64.MAX = not armed. */
  timerAt: u64 = u64.MAX_VALUE;
  /** Times a black hole sent the search back to BASE_PLPMTU. */
  blackHoles: u32 = 0;

  // black-hole detection (RFC 8899 §4.3) over ordinary packets
  /** Largest packet number acknowledged among packets of at least `plpmtu` bytes. */
  private largestFullAcked: u64 = 0;
  private hasFullAcked: bool = false;
  /** Loss bursts of packets larger than BASE_PLPMTU sent after `largestFullAcked`. */
  private suspiciousBursts: u32 = 0;
  private lastLostPn: u64 = 0;
  private hasLastLost: bool = false;

  /** `maxPlpmtu`: the largest datagram this endpoint is willing to send (clamped to [1200, 65527]). */
  constructor(maxPlpmtu: u32 = DEFAULT_MAX_PLPMTU) {
    const m = maxPlpmtu < BASE_PLPMTU ? BASE_PLPMTU : maxPlpmtu > MAX_UDP_PAYLOAD ? MAX_UDP_PAYLOAD : maxPlpmtu;
    this.configuredMax = m;
    this.maxPlpmtu = m;
    this.high = m;
  }

  /**
   * RFC 9000 §18.2 max_udp_payload_size from the peer: "A sender can avoid
   * exceeding this limit" (§14) — the search never goes above it. Values under
   * 1200 are a TRANSPORT_PARAMETER_ERROR in transport_params.ts; here they clamp to 1200.
   */
  setPeerMaxUdpPayload(size: u64): void {
    let m = this.configuredMax;
    if (size < <u64>m) m = size < <u64>BASE_PLPMTU ? BASE_PLPMTU : <u32>size;
    this.maxPlpmtu = m;
    if (this.high > m) this.high = m;
    if (this.plpmtu > m) this.plpmtu = m;
    if (this.probeSize > m) this.abandonProbe();
  }

  /** The maximum datagram size to build packets to. */
  currentMtu(): u32 {
    return this.plpmtu;
  }

  /**
   * RFC 9000 §14.2.1: "A QUIC sender can therefore enter the DPLPMTUD BASE
   * state ... when the QUIC connection handshake has been completed."
   * `baseConfirmed`: the handshake's 1200-byte datagrams were acknowledged, so
   * BASE_PLPMTU is already confirmed and the search starts at once.
   */
  enable(now: u64, baseConfirmed: bool = true): void {
    if (this.state != PmtudState.Disabled) return;
    this.resetDetector();
    if (baseConfirmed) this.startSearch(now);
    else this.enterBase();
  }

  /** Back to Disabled (RFC 8899 §5.2: the PL lost connectivity); PLPMTU = BASE_PLPMTU. */
  disable(): void {
    this.state = PmtudState.Disabled;
    this.plpmtu = BASE_PLPMTU;
    this.high = this.maxPlpmtu;
    this.abandonProbe();
    this.timerAt = u64.MAX_VALUE;
  }

  /** Whether a probe should be sent now (at most one probe is in flight). */
  shouldProbe(now: u64): bool {
    switch (this.state) {
      case PmtudState.Disabled: return false;
      case PmtudState.SearchComplete: {
        if (now < this.timerAt) return false;
        // RFC 8899 §5.1.1 PMTU_RAISE_TIMER: re-enter the Search Phase
        this.high = this.maxPlpmtu;
        if (this.plpmtu >= this.high) { this.timerAt = satAdd(now, PMTU_RAISE_TIMER); return false; }
        this.startSearch(now);
        break;
      }
      case PmtudState.Error: {
        if (now < this.timerAt) return false;
        break;
      }
      case PmtudState.Searching: {
        if (!this.probeInFlight && this.plpmtu >= this.high) { this.complete(now); return false; }
        break;
      }
      default: break;
    }
    return !this.probeInFlight && this.nextProbeSize() != 0;
  }

  /** The size of the next probe (0 when there is nothing to probe). */
  nextProbeSize(): u32 {
    if (this.probeInFlight) return this.probeSize;
    switch (this.state) {
      case PmtudState.Base:
      case PmtudState.Error: return BASE_PLPMTU;
      case PmtudState.Searching: break;
      default: return 0;
    }
    if (this.probeSize == 0) {
      if (this.plpmtu >= this.high) return 0;
      // binary search: the middle of (plpmtu, high], rounded up
      this.probeSize = this.plpmtu + (this.high - this.plpmtu + 1) / 2;
    }
    return this.probeSize;
  }

  /** A probe of `size` bytes went out in packet `pn` at `now`. */
  onProbeSent(pn: u64, size: u32, now: u64): void {
    if (size != this.nextProbeSize()) return;
    this.probeSize = size;
    this.probePn = pn;
    this.probeInFlight = true;
    if (this.state == PmtudState.Error) this.timerAt = satAdd(now, PROBE_TIMER);
  }

  /** The probe of `size` bytes was acknowledged at `now`: the path carries `size`. */
  onProbeAcked(size: u32, now: u64): void {
    if (!this.probeInFlight || size != this.probeSize) return;
    this.probeInFlight = false;
    this.probeSize = 0;
    this.probeCount = 0;
    if (this.state == PmtudState.Base || this.state == PmtudState.Error) {
      // RFC 8899 §5.2: BASE_PLPMTU confirmed -> SEARCHING
      this.startSearch(now);
      return;
    }
    if (this.state != PmtudState.Searching) return;
    if (size > this.plpmtu) this.plpmtu = size;
    this.resetDetector();
    if (this.plpmtu >= this.high) this.complete(now);
  }

  /** The probe of `size` bytes was declared lost at `now` (not a congestion signal, RFC 9000 §14.4). */
  onProbeLost(size: u32, now: u64): void {
    if (!this.probeInFlight || size != this.probeSize) return;
    this.probeInFlight = false;
    this.probeCount++;
    if (this.probeCount < MAX_PROBES) return; // probe the same size again
    this.probeCount = 0;
    this.probeSize = 0;
    if (this.state == PmtudState.Base || this.state == PmtudState.Error) {
      // RFC 8899 §5.2: BASE_PLPMTU unconfirmed after MAX_PROBES -> ERROR
      this.state = PmtudState.Error;
      this.plpmtu = BASE_PLPMTU;
      this.timerAt = satAdd(now, PROBE_TIMER);
      return;
    }
    if (this.state != PmtudState.Searching) return;
    // RFC 8899 §5.3.2: MAX_PROBES probes of this size failed: the PMTU is below it
    this.high = size - 1;
    if (this.plpmtu >= this.high) this.complete(now);
  }

  /**
   * An ordinary (non-probe) packet `pn` of `size` bytes was acknowledged. A
   * packet at least as large as PLPMTU getting through clears suspicion.
   */
  onPacketAcked(pn: u64, size: u32): void {
    if (size < this.plpmtu || size <= BASE_PLPMTU) return;
    if (!this.hasFullAcked || pn > this.largestFullAcked) {
      this.largestFullAcked = pn;
      this.hasFullAcked = true;
    }
    this.suspiciousBursts = 0;
  }

  /**
   * An ordinary packet `pn` of `size` bytes was declared lost at `now`.
   * RFC 8899 §4.3 black-hole detection: losses of packets larger than
   * BASE_PLPMTU sent after the last full-size packet that got through are
   * suspicious, and loss was declared only because a later (hence smaller)
   * packet was acknowledged. Consecutive packet numbers form one burst (a
   * congestion drop); BLACK_HOLE_THRESHOLD separate bursts fall back to
   * BASE_PLPMTU. True when that happened.
   */
  onPacketLost(pn: u64, size: u32, now: u64): bool {
    if (size <= BASE_PLPMTU || this.plpmtu <= BASE_PLPMTU) return false;
    if (this.hasFullAcked && pn <= this.largestFullAcked) return false;
    const sameBurst = this.hasLastLost && pn == this.lastLostPn + 1;
    this.lastLostPn = pn;
    this.hasLastLost = true;
    if (sameBurst) return false;
    this.suspiciousBursts++;
    if (this.suspiciousBursts < BLACK_HOLE_THRESHOLD) return false;
    this.onCongestionBlackHole(now);
    return true;
  }

  /**
   * A black hole reported by the connection (e.g. persistent congestion,
   * RFC 9002 §7.6, while packets were above BASE_PLPMTU). RFC 8899 §5.2:
   * "Black Hole Detected" -> BASE: PLPMTU drops to BASE_PLPMTU, which is
   * confirmed again before the search restarts.
   */
  onCongestionBlackHole(now: u64): void {
    if (this.state == PmtudState.Disabled || this.plpmtu <= BASE_PLPMTU) return;
    this.blackHoles++;
    this.plpmtu = BASE_PLPMTU;
    this.high = this.maxPlpmtu;
    this.abandonProbe();
    this.resetDetector();
    this.enterBase();
  }

  /** When `shouldProbe` may next become true on its own (for Timer.Pmtud); u64.MAX = never. */
  timeout(): u64 {
    return this.state == PmtudState.SearchComplete || this.state == PmtudState.Error ? this.timerAt : u64.MAX_VALUE;
  }

  private startSearch(now: u64): void {
    this.state = PmtudState.Searching;
    this.timerAt = u64.MAX_VALUE;
    this.probeSize = 0;
    this.probeCount = 0;
    if (this.plpmtu >= this.high) this.complete(now);
  }

  private enterBase(): void {
    this.state = PmtudState.Base;
    this.probeSize = 0;
    this.probeCount = 0;
    this.timerAt = u64.MAX_VALUE;
  }

  private complete(now: u64): void {
    this.state = PmtudState.SearchComplete;
    this.probeSize = 0;
    this.probeCount = 0;
    this.timerAt = satAdd(now, PMTU_RAISE_TIMER);
  }

  private abandonProbe(): void {
    this.probeInFlight = false;
    this.probeSize = 0;
    this.probeCount = 0;
  }

  private resetDetector(): void {
    this.suspiciousBursts = 0;
    this.hasLastLost = false;
  }
}

@inline function satAdd(a: u64, b: u64): u64 {
  const s = a + b;
  return s < a ? u64.MAX_VALUE : s;
}
