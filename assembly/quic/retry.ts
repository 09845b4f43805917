// The Retry Integrity Tag (RFC 9001 §5.8; RFC 9369 §3.3.3 for v2's key and
// nonce, kept in version.ts).

import { Aead, AeadAlg } from "../crypto/aead";
import { ctEqual } from "../crypto/ct";
import { QUIC_VERSION_2, isSupportedVersion, retryKey, retryNonce } from "./version";

/** RFC 9001 §5.8: the tag is the last 16 bytes of a Retry packet. */
export const RETRY_TAG_LEN: usize = 16;

let retryV1: Aead | null = null;
let retryV2: Aead | null = null;
const RETRY_TAG: usize = memory.data(16, 16);
const EMPTY: usize = memory.data(1, 1);

function retryAead(version: u32): Aead {
  if (version == QUIC_VERSION_2) {
    let a = retryV2;
    if (a === null) { a = new Aead(AeadAlg.AES_128_GCM, retryKey(version)); retryV2 = a; }
    return a;
  }
  let a = retryV1;
  if (a === null) { a = new Aead(AeadAlg.AES_128_GCM, retryKey(version)); retryV1 = a; }
  return a;
}

/**
 * RFC 9001 §5.8: the Retry Integrity Tag = AEAD_AES_128_GCM(K, N, A =
 * Retry Pseudo-Packet, P = ""), the pseudo-packet being ODCID Length (1 byte)
 * || Original Destination Connection ID || the Retry packet without its tag
 * (`retry`, `retryLen`). Writes 16 bytes to `out`; false for an unknown
 * version or an ODCID longer than 255 bytes.
 */
export function retryIntegrityTag(version: u32, odcid: usize, odcidLen: usize, retry: usize, retryLen: usize, out: usize): bool {
  if (!isSupportedVersion(version) || odcidLen > 255) return false;
  const pseudoLen = 1 + odcidLen + retryLen;
  const pseudo = heap.alloc(pseudoLen);
  store<u8>(pseudo, <u8>odcidLen);
  memory.copy(pseudo + 1, odcid, odcidLen);
  memory.copy(pseudo + 1 + odcidLen, retry, retryLen);
  retryAead(version).seal(retryNonce(version), pseudo, pseudoLen, EMPTY, 0, out);
  heap.free(pseudo);
  return true;
}

/** RFC 9001 §5.8: checks the last 16 bytes of the Retry packet at `pkt` (constant-time compare). */
export function verifyRetryIntegrity(version: u32, odcid: usize, odcidLen: usize, pkt: usize, pktLen: usize): bool {
  if (pktLen < RETRY_TAG_LEN) return false;
  const body = pktLen - RETRY_TAG_LEN;
  if (!retryIntegrityTag(version, odcid, odcidLen, pkt, body, RETRY_TAG)) return false;
  return ctEqual(RETRY_TAG, pkt + body, RETRY_TAG_LEN);
}
