// One packet-number space (RFC 9000 §12.3): Initial, Handshake or
// Application data. Each has its own packet numbers, acknowledgments, keys
// and CRYPTO stream (RFC 9001 §4: handshake bytes per encryption level; the
// CRYPTO stream of each level is a byte stream with offsets, so the stream
// buffers serve it: reassembly bounded by `maxCryptoBuffer`, RFC 9000 §7.5).

import { AckTracker, SPACE_APPLICATION } from "./ack_tracker";
import { PacketKeys } from "./protection";
import { StreamRecv } from "./stream_recv";
import { StreamSend } from "./stream_send";
import { QuicConfig } from "./config";

/** RFC 9001 §4: encryption levels as the TLS engine numbers them. */
export const LEVEL_INITIAL: i32 = 0;
export const LEVEL_0RTT: i32 = 1;
export const LEVEL_HANDSHAKE: i32 = 2;
export const LEVEL_1RTT: i32 = 3;

/** The packet-number space of an encryption level (0-RTT and 1-RTT share one, §12.3). */
export function spaceOfLevel(level: i32): u32 {
  return level == LEVEL_INITIAL ? 0 : (level == LEVEL_HANDSHAKE ? 1 : 2);
}

/** The encryption level whose CRYPTO frames a space carries. */
export function levelOfSpace(space: u32): i32 {
  return space == 0 ? LEVEL_INITIAL : (space == 1 ? LEVEL_HANDSHAKE : LEVEL_1RTT);
}

export class PacketSpace {
  /** Keys to read and write packets of this space (1-RTT in Application; 0-RTT apart). */
  rx: PacketKeys | null = null;
  tx: PacketKeys | null = null;
  readonly ack: AckTracker;
  readonly cryptoRecv: StreamRecv;
  readonly cryptoSend: StreamSend;
  /** The next packet number to send (§12.3: never reused within a space). */
  nextPn: u64 = 0;
  /** The largest packet number the peer acknowledged, -1 before any (§17.1 encoding). */
  largestAckedByPeer: i64 = -1;
  /** RFC 9001 §4.9: keys discarded; nothing more is sent or accepted in this space. */
  discarded: bool = false;
  /** Ack-eliciting probe packets owed after a PTO (RFC 9002 §6.2.4). */
  probesPending: i32 = 0;
  /** An ACK frame must go out with the next packet of this space. */
  ackPending: bool = false;

  constructor(readonly id: u32, cfg: QuicConfig) {
    // RFC 9000 §13.2.1: Initial and Handshake are acknowledged at once (max_ack_delay 0)
    this.ack = new AckTracker(id, 32, id == SPACE_APPLICATION ? cfg.maxAckDelayMs * 1000 : 0);
    this.cryptoRecv = new StreamRecv(cfg.maxCryptoBuffer, 16);
    this.cryptoSend = new StreamSend(cfg.maxCryptoBuffer, 16);
  }

  /** Whether this space can carry packets now. */
  get canSend(): bool { return !this.discarded && this.tx != null; }

  /** RFC 9001 §4.9: forget the keys and everything owed in this space. */
  discard(): void {
    this.discarded = true;
    const rx = this.rx;
    if (rx != null) rx.wipe();
    const tx = this.tx;
    if (tx != null) tx.wipe();
    this.rx = null;
    this.tx = null;
    this.cryptoRecv.releaseBuffer();
    this.cryptoSend.releaseBuffer();
    this.ackPending = false;
    this.probesPending = 0;
  }
}
