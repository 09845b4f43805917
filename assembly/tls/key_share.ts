// (EC)DHE key shares (RFC 9846 §4.2.8): x25519 (32-byte u-coordinates,
// RFC 7748) and secp256r1 (65-byte uncompressed points, §4.2.8.2).

import { randomBytes } from "../crypto/random";
import { x25519, x25519Base } from "../crypto/x25519";
import { p256PublicKey, p256Ecdh } from "../crypto/p256";
import { GROUP_X25519, GROUP_SECP256R1 } from "./constants";

@final
export class KeyShare {
  group: u16;
  priv: Uint8Array = new Uint8Array(32);
  pub: Uint8Array;

  constructor(group: u16) {
    this.group = group;
    this.pub = new Uint8Array(group == GROUP_X25519 ? 32 : 65);
    if (group == GROUP_X25519) {
      randomBytes(this.priv.dataStart, 32);
      x25519Base(this.pub.dataStart, this.priv.dataStart);
    } else {
      // a random 32-byte string is a valid scalar with overwhelming probability; retry otherwise
      for (let i = 0; i < 16; i++) {
        randomBytes(this.priv.dataStart, 32);
        if (p256PublicKey(this.pub.dataStart, this.priv.dataStart)) break;
      }
    }
  }

  /** The shared secret with the peer's share into `out32`; false for an invalid share. */
  agree(peer: usize, peerLen: usize, out32: usize): bool {
    if (this.group == GROUP_X25519) {
      if (peerLen != 32) return false;
      // RFC 9846 §7.4.2: MUST check that the computed value is not all zeros
      return x25519(out32, this.priv.dataStart, peer);
    }
    // RFC 9846 §4.2.8.2: only the uncompressed form; the point is validated
    if (peerLen != 65 || load<u8>(peer) != 4) return false;
    return p256Ecdh(out32, this.priv.dataStart, peer, peerLen);
  }

  /** Wipes the private key. */
  clear(): void { memory.fill(this.priv.dataStart, 0, 32); }
}

@inline export function groupSupported(g: u16): bool { return g == GROUP_X25519 || g == GROUP_SECP256R1; }
