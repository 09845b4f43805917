// ECDSA signatures in DER (RFC 5480 §2.2 / RFC 3279 §2.2.3, X.690 §8.3 and
// §10): Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, for P-256
// (r and s fit in 32 bytes). TLS 1.3 carries them in CertificateVerify
// (RFC 8446 §4.2.3: "ECDSA signatures ... encoded as a DER-encoded
// ECDSA-Sig-Value structure").
//
// Parsing is strict DER: definite short-form lengths only (a SEQUENCE of two
// 33-byte INTEGERs is at most 72 bytes, so a long form is never minimal),
// INTEGERs in minimal two's complement, non-negative, no trailing bytes.

import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";

const TAG_SEQUENCE: u8 = 0x30;
const reader = new Reader();
const TAG_INTEGER: u8 = 0x02;

// Minimal INTEGER length of a 32-byte unsigned big-endian value.
function intLen(v: usize): i32 {
  let i = 0;
  while (i < 31 && load<u8>(v + <usize>i) == 0) i++;
  const body = 32 - i;
  return (load<u8>(v + <usize>i) & 0x80) != 0 ? body + 1 : body;
}

function writeInt(v: usize, w: Writer): void {
  let i = 0;
  while (i < 31 && load<u8>(v + <usize>i) == 0) i++;
  const neg = (load<u8>(v + <usize>i) & 0x80) != 0;
  w.u8(TAG_INTEGER);
  w.u8(<u32>(32 - i + (neg ? 1 : 0)));
  if (neg) w.u8(0); // X.690 §8.3.2: a leading 0x00 keeps the value non-negative
  w.bytes(v + <usize>i, <usize>(32 - i));
}

/** Appends the DER Ecdsa-Sig-Value of r ‖ s (64 bytes, big-endian) to w. */
export function ecdsaSigToDer(rs64: usize, w: Writer): void {
  const body = 2 + intLen(rs64) + 2 + intLen(rs64 + 32);
  w.u8(TAG_SEQUENCE);
  w.u8(<u32>body);
  writeInt(rs64, w);
  writeInt(rs64 + 32, w);
}

// Reads one INTEGER into 32 bytes at out (left-padded); false if not strict DER or too large.
function readInt(r: Reader, out: usize): bool {
  if (r.u8() != TAG_INTEGER) return false;
  const len = <usize>r.u8();
  if (r.failed || (len & 0x80) != 0 || len == 0) return false; // short form, X.690 §8.3.1: at least one octet
  let p = r.bytes(len);
  if (r.failed) return false;
  let n = len;
  const first = load<u8>(p);
  if ((first & 0x80) != 0) return false; // negative
  if (first == 0 && n > 1) {
    // X.690 §8.3.2: the first nine bits must not all be zero
    if ((load<u8>(p + 1) & 0x80) == 0) return false;
    p++; n--;
  }
  if (n > 32) return false;
  memory.fill(out, 0, 32);
  memory.copy(out + 32 - n, p, n);
  return true;
}

/**
 * Parses a DER Ecdsa-Sig-Value into r ‖ s (64 bytes). False for anything
 * that is not the unique DER encoding of two non-negative integers below
 * 2^256 (range checks against n are the verifier's job).
 */
export function ecdsaSigFromDer(der: usize, derLen: usize, outRS64: usize): bool {
  const r = reader.reset(der, derLen);
  if (r.u8() != TAG_SEQUENCE) return false;
  const len = <usize>r.u8();
  if (r.failed || (len & 0x80) != 0 || len != r.remaining) return false; // no trailing bytes
  if (!readInt(r, outRS64)) return false;
  if (!readInt(r, outRS64 + 32)) return false;
  return r.atEnd && !r.failed;
}
