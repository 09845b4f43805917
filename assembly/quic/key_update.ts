// 1-RTT keys and key updates (RFC 9001 §6). The Key Phase bit of short
// headers says which generation protects a packet; either side may start a
// new generation. Three read keys are kept — previous (for late packets,
// until 3×PTO after the update, §6.5), current, next (precomputed, §6.3) —
// and two write keys (current, next). Rotation reuses the same objects: only
// the first update allocates (the previous read keys and the next write keys,
// which a connection that never updates does not need; the next read keys are
// made in advance so that a packet of the next phase takes no longer to open,
// §6.3, §9.5). The generations of each direction share
// one header protection key (RFC 9001 §6.1; PacketKeys.clone).

import { PacketKeys } from "./protection";

/** New keys for the phase after `k`'s (the header protection shared). */
function nextPhaseOf(k: PacketKeys): PacketKeys {
  const n = k.clone();
  n.setNextOf(k);
  return n;
}

export class OneRttKeys {
  /** Null until the first update. */
  rxPrev: PacketKeys | null = null;
  rx: PacketKeys;
  rxNext: PacketKeys;
  tx: PacketKeys;
  /** Null until the first update. */
  txNext: PacketKeys | null = null;
  /** The Key Phase bit of the current generation. */
  phase: bool = false;
  /** rxPrev holds usable keys (until `prevUntil`). */
  hasPrev: bool = false;
  prevUntil: u64 = u64.MAX_VALUE;
  /** The first packet number we sent in the current phase (§6.1: an update waits for its acknowledgment). */
  firstPnOfPhase: u64 = 0;
  /** When an acknowledgment of a packet of the current phase first arrived (§6.5: the next update waits 3×PTO from then); MAX until then. */
  confirmedAt: u64 = u64.MAX_VALUE;
  /** Whether a packet of the current phase was received (§6.2: the peer's update is answered, not repeated). */
  receivedInPhase: bool = false;
  /** The smallest packet number received in the current phase (older ones with the other bit are late, §6.5). */
  firstRecvPnOfPhase: u64 = u64.MAX_VALUE;
  updates: u32 = 0;

  constructor(rx: PacketKeys, tx: PacketKeys) {
    const rxNext = nextPhaseOf(rx);
    this.rx = rx;
    this.tx = tx;
    this.rxNext = rxNext;
  }

  /**
   * Moves to the next generation (both directions; RFC 9001 §6.1 when we
   * initiate, §6.2 when the peer did). `now` + `discardAfter` is when the
   * previous read keys go (§6.5: "three times the PTO").
   */
  rotate(nowPlusDiscard: u64, nextPn: u64): void {
    // the previous keys become the spare object for the new "next"
    const prev = this.rxPrev;
    const oldPrev = prev != null ? prev : this.rx.clone();
    this.rxPrev = this.rx;
    this.rx = this.rxNext;
    oldPrev.setNextOf(this.rx);
    this.rxNext = oldPrev;
    const oldTx = this.tx;
    const spare = this.txNext;
    const txNext = spare != null ? spare : nextPhaseOf(oldTx);
    this.tx = txNext;
    oldTx.setNextOf(txNext);
    this.txNext = oldTx;
    this.phase = !this.phase;
    this.hasPrev = true;
    this.prevUntil = nowPlusDiscard;
    this.firstPnOfPhase = nextPn;
    this.confirmedAt = u64.MAX_VALUE;
    this.receivedInPhase = false;
    this.firstRecvPnOfPhase = u64.MAX_VALUE;
    this.updates++;
  }

  /** §6.5: the previous generation's read keys are no longer needed. */
  dropPrev(): void {
    this.hasPrev = false;
    this.prevUntil = u64.MAX_VALUE;
  }

  /**
   * Which read keys open a packet with Key Phase `bit` and (decoded) packet
   * number `pn`: the current ones, the previous (a late packet of the old
   * phase, §6.5) or the next (the peer is updating, §6.2). Null when none.
   */
  readKeysFor(bit: bool, pn: u64): PacketKeys | null {
    if (bit == this.phase) return this.rx;
    const prev = this.rxPrev;
    if (this.hasPrev && prev != null && pn < this.firstRecvPnOfPhase) return prev;
    return this.rxNext;
  }

  wipe(): void {
    const prev = this.rxPrev;
    if (prev != null) prev.wipe();
    this.rx.wipe();
    this.rxNext.wipe();
    this.tx.wipe();
    const txNext = this.txNext;
    if (txNext != null) txNext.wipe();
  }
}
