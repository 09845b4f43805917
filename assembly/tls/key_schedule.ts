// The TLS 1.3 key schedule (RFC 9846 §7.1):
//
//              0
//              |
//    PSK ->  HKDF-Extract = Early Secret --> binder_key, c e traffic
//              |
//        Derive-Secret(., "derived", "")
//              |
//  (EC)DHE -> HKDF-Extract = Handshake Secret --> c hs traffic, s hs traffic
//              |
//        Derive-Secret(., "derived", "")
//              |
//     0 -> HKDF-Extract = Master Secret --> c ap traffic, s ap traffic, exp master, res master

import { HashAlg, newHash, hashLen } from "../crypto/hash";
import { hkdfExtract, hkdfExpandLabel } from "../crypto/hkdf";
import { hmac } from "../crypto/hmac";

const ZEROS: usize = memory.data(64);

@final
export class KeySchedule {
  alg: HashAlg;
  hashLen: i32;
  /** The current stage's secret (early, then handshake, then master). */
  secret: Uint8Array = new Uint8Array(48);
  /** Hash("") for Derive-Secret(., "derived", ""). */
  emptyHash: Uint8Array = new Uint8Array(48);

  constructor(alg: HashAlg) {
    this.alg = alg;
    this.hashLen = hashLen(alg);
    newHash(alg).finish(this.emptyHash.dataStart);
  }

  /** Early Secret = HKDF-Extract(0, PSK or 0^Hash.length). */
  early(psk: usize, pskLen: usize): void {
    const hl = <usize>this.hashLen;
    if (pskLen == 0) { psk = ZEROS; pskLen = hl; }
    hkdfExtract(this.alg, ZEROS, hl, psk, pskLen, this.secret.dataStart);
  }

  /** Derive-Secret(Secret, Label, Messages) with the transcript hash given. */
  derive(label: string, transcriptHash: usize, out: usize): void {
    const hl = <usize>this.hashLen;
    hkdfExpandLabel(this.alg, this.secret.dataStart, hl, label, transcriptHash, hl, out, hl);
  }

  private nextStage(ikm: usize, ikmLen: usize): void {
    const hl = <usize>this.hashLen;
    const derived = memory.data(48);
    this.derive("derived", this.emptyHash.dataStart, derived);
    if (ikmLen == 0) { ikm = ZEROS; ikmLen = hl; }
    hkdfExtract(this.alg, derived, hl, ikm, ikmLen, this.secret.dataStart);
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE). */
  handshake(shared: usize, sharedLen: usize): void { this.nextStage(shared, sharedLen); }

  /** Master Secret = HKDF-Extract(Derive-Secret(hs, "derived", ""), 0). */
  master(): void { this.nextStage(0, 0); }

  /** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 9846 §4.4.4). */
  finishedKey(baseKey: usize, out: usize): void {
    const hl = <usize>this.hashLen;
    hkdfExpandLabel(this.alg, baseKey, hl, "finished", 0, 0, out, hl);
  }

  /** verify_data = HMAC(finished_key, Transcript-Hash) (RFC 9846 §4.4.4). */
  verifyData(baseKey: usize, transcriptHash: usize, out: usize): void {
    const hl = <usize>this.hashLen;
    const fk = memory.data(48);
    this.finishedKey(baseKey, fk);
    hmac(this.alg, fk, hl, transcriptHash, hl, out);
  }

  /** RFC 9846 §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  ticketPsk(resMaster: usize, nonce: usize, nonceLen: usize, out: usize): void {
    const hl = <usize>this.hashLen;
    hkdfExpandLabel(this.alg, resMaster, hl, "resumption", nonce, nonceLen, out, hl);
  }
}
