// Private keys: RFC 5208 PKCS#8 PrivateKeyInfo holding an RFC 5915
// ECPrivateKey on secp256r1 ("BEGIN PRIVATE KEY"), or the bare RFC 5915
// structure ("BEGIN EC PRIVATE KEY"). Only P-256 keys: the crypto layer signs
// with ECDSA P-256 only.

import { Reader } from "../wire/reader";
import { Der, derExpect, derOptional, derSmallInt, oidIs, ctx, TAG_SEQUENCE, TAG_INTEGER, TAG_OCTET_STRING, TAG_OID } from "./der";
import { OID_EC_PUBLIC_KEY, OID_SECP256R1 } from "./oids";

/** RFC 5915 §3: ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] params, [1] publicKey } */
function parseEcPrivateKey(ptr: usize, len: usize, out32: usize): bool {
  const r = new Reader(ptr, len);
  const seq = new Der(); const v = new Der(); const k = new Der(); const p = new Der();
  if (!derExpect(r, TAG_SEQUENCE, seq) || !r.atEnd) return false;
  const sr = seq.reader(new Reader());
  if (!derExpect(sr, TAG_INTEGER, v) || derSmallInt(v) != 1) return false;
  if (!derExpect(sr, TAG_OCTET_STRING, k) || k.len != 32) return false;
  if (derOptional(sr, ctx(0, true), p)) {
    const pr = p.reader(new Reader());
    const oid = new Der();
    if (!derExpect(pr, TAG_OID, oid) || !oidIs(oid, OID_SECP256R1)) return false;
  }
  if (sr.failed) return false;
  memory.copy(out32, k.ptr, 32);
  return true;
}

/** Extracts the 32-byte P-256 private scalar from PKCS#8 or SEC1 DER into `out32`. */
export function parseP256PrivateKey(ptr: usize, len: usize, out32: usize): bool {
  const r = new Reader(ptr, len);
  const seq = new Der();
  if (!derExpect(r, TAG_SEQUENCE, seq) || !r.atEnd) return false;
  const sr = seq.reader(new Reader());
  const v = new Der();
  if (!derExpect(sr, TAG_INTEGER, v)) return false;
  const ver = derSmallInt(v);
  if (ver == 1) return parseEcPrivateKey(ptr, len, out32); // SEC1 directly
  if (ver != 0) return false;
  // PrivateKeyInfo ::= SEQUENCE { version 0, privateKeyAlgorithm, privateKey OCTET STRING, ... }
  const alg = new Der(); const oid = new Der(); const curve = new Der(); const key = new Der();
  if (!derExpect(sr, TAG_SEQUENCE, alg)) return false;
  const ar = alg.reader(new Reader());
  if (!derExpect(ar, TAG_OID, oid) || !oidIs(oid, OID_EC_PUBLIC_KEY)) return false;
  if (!derExpect(ar, TAG_OID, curve) || !oidIs(curve, OID_SECP256R1)) return false;
  if (!derExpect(sr, TAG_OCTET_STRING, key)) return false;
  return parseEcPrivateKey(key.ptr, key.len, out32);
}
