// HKDF (RFC 5869) and TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1, RFC 9846 §7.1).

import { HashAlg, hashLen } from "./hash";
import { hmac, sharedHmac } from "./hmac";

const T: usize = memory.data(64, 16);
const CTR: usize = memory.data(1, 1);
// HkdfLabel: u16 length, opaque label<7..255> ("tls13 " + label), opaque context<0..255>.
const LABEL: usize = memory.data(2 + 1 + 255 + 1 + 255, 16);

/** RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an empty salt means hashLen zeros. */
export function hkdfExtract(alg: HashAlg, salt: usize, saltLen: usize, ikm: usize, ikmLen: usize, out: usize): void {
  if (saltLen == 0) {
    // HMAC pads the key with zeros to the block length, so an empty key equals HashLen zeros.
    hmac(alg, T, 0, ikm, ikmLen, out);
    return;
  }
  hmac(alg, salt, saltLen, ikm, ikmLen, out);
}

/**
 * RFC 5869 §2.3: OKM = T(1) | T(2) | ... truncated to `outLen`, with
 * T(i) = HMAC-Hash(PRK, T(i-1) | info | i). False when outLen > 255·HashLen.
 * `out` may alias `prk` or `info` only when outLen <= HashLen.
 */
export function hkdfExpand(alg: HashAlg, prk: usize, prkLen: usize, info: usize, infoLen: usize, out: usize, outLen: usize): bool {
  const hl = <usize>hashLen(alg);
  if (outLen > 255 * hl) return false;
  if (outLen == 0) return true;
  const h = sharedHmac(alg, prk, prkLen);
  let done: usize = 0;
  let i: u8 = 1;
  while (done < outLen) {
    if (i > 1) h.update(T, hl);
    h.update(info, infoLen);
    store<u8>(CTR, i);
    h.update(CTR, 1);
    h.finish(T);
    const n = min<usize>(hl, outLen - done);
    memory.copy(out + done, T, n);
    done += n;
    i++;
  }
  memory.fill(T, 0, 64);
  return true;
}

/**
 * RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length) =
 * HKDF-Expand(Secret, HkdfLabel, Length), HkdfLabel = struct { uint16 length;
 * opaque label<7..255> = "tls13 " + Label; opaque context<0..255> }.
 * False when the label or context is too long or Length is out of range.
 */
export function hkdfExpandLabel(alg: HashAlg, secret: usize, secretLen: usize, label: string, context: usize, contextLen: usize, out: usize, outLen: usize): bool {
  const labelLen = <usize>String.UTF8.byteLength(label, false);
  if (labelLen + 6 > 255 || contextLen > 255 || outLen > 0xffff) return false;
  let p = LABEL;
  store<u16>(p, bswap<u16>(<u16>outLen)); p += 2;
  store<u8>(p, <u8>(labelLen + 6)); p += 1;
  // "tls13 "
  store<u8>(p, 0x74); store<u8>(p, 0x6c, 1); store<u8>(p, 0x73, 2); store<u8>(p, 0x31, 3); store<u8>(p, 0x33, 4); store<u8>(p, 0x20, 5);
  p += 6;
  String.UTF8.encodeUnsafe(changetype<usize>(label), label.length, p, false);
  p += labelLen;
  store<u8>(p, <u8>contextLen); p += 1;
  if (contextLen != 0) memory.copy(p, context, contextLen);
  p += contextLen;
  return hkdfExpand(alg, secret, secretLen, LABEL, p - LABEL, out, outLen);
}
