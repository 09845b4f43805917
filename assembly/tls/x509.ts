// X.509 v3 certificates (RFC 5280 §4.1), parsed from DER without trapping.
// The certificate keeps its own copy of the DER; every other field is an
// offset into it (or a small decoded value).

import { Reader } from "../wire/reader";
import {
  Der, derNext, derExpect, derOptional, derUnsigned, derSmallInt, derTime, oidIs, ctx, BAD_TIME,
  TAG_SEQUENCE, TAG_INTEGER, TAG_BIT_STRING, TAG_OID, TAG_OCTET_STRING, TAG_BOOLEAN, TAG_SET, TAG_NULL,
} from "./der";
import {
  OID_ECDSA_SHA256, OID_ECDSA_SHA384, OID_RSA_SHA256, OID_RSA_SHA384, OID_RSA_PSS, OID_ED25519,
  OID_EC_PUBLIC_KEY, OID_SECP256R1, OID_RSA_ENCRYPTION, OID_SUBJECT_ALT_NAME, OID_BASIC_CONSTRAINTS,
  OID_KEY_USAGE, OID_EXT_KEY_USAGE, OID_KP_SERVER_AUTH, OID_ANY_EKU, OID_SUBJECT_KEY_ID, OID_AUTHORITY_KEY_ID,
} from "./oids";

/** Signature algorithms on certificates. */
export const enum CertSigAlg { UNKNOWN = 0, ECDSA_SHA256 = 1, ECDSA_SHA384 = 2, RSA_PKCS1_SHA256 = 3, RSA_PKCS1_SHA384 = 4, RSA_PSS = 5, ED25519 = 6 }

/** Subject public key types. */
export const enum KeyType { UNKNOWN = 0, EC_P256 = 1, RSA = 2, ED25519 = 3 }

// RFC 5280 §4.2.1.3 KeyUsage bits (bit 0 is the most significant bit of the first byte).
export const KU_DIGITAL_SIGNATURE: u32 = 1 << 0;
export const KU_KEY_CERT_SIGN: u32 = 1 << 5;

/** Parse outcome codes (0 = ok). */
export const X509_OK: i32 = 0;
export const X509_MALFORMED: i32 = 1;
export const X509_UNSUPPORTED_CRITICAL: i32 = 2;

@final
export class Certificate {
  der: Uint8Array;
  /** The whole TBSCertificate TLV (what the issuer signed). */
  tbsOff: i32 = 0; tbsLen: i32 = 0;
  version: i32 = 1;
  serialOff: i32 = 0; serialLen: i32 = 0;
  sigAlg: CertSigAlg = CertSigAlg.UNKNOWN;
  /** signatureValue BIT STRING contents without the unused-bits octet. */
  sigOff: i32 = 0; sigLen: i32 = 0;
  /** Raw DER of the issuer and subject Names (whole TLV), compared bytewise. */
  issuerOff: i32 = 0; issuerLen: i32 = 0;
  subjectOff: i32 = 0; subjectLen: i32 = 0;
  notBefore: i64 = 0;
  notAfter: i64 = 0;
  /** The whole SubjectPublicKeyInfo TLV (for pinning by SPKI, if wanted). */
  spkiOff: i32 = 0; spkiLen: i32 = 0;
  keyType: KeyType = KeyType.UNKNOWN;
  /** EC: the uncompressed point; Ed25519: the 32-byte key. */
  pubOff: i32 = 0; pubLen: i32 = 0;
  /** RSA modulus and exponent magnitudes. */
  rsaNOff: i32 = 0; rsaNLen: i32 = 0;
  rsaEOff: i32 = 0; rsaELen: i32 = 0;
  /** subjectAltName entries: dNSName strings and iPAddress byte ranges. */
  dnsNames: string[] = [];
  ipAddrs: Uint8Array[] = [];
  hasSan: bool = false;
  hasBasicConstraints: bool = false;
  isCA: bool = false;
  /** -1 when absent. */
  pathLen: i32 = -1;
  hasKeyUsage: bool = false;
  keyUsage: u32 = 0;
  hasExtKeyUsage: bool = false;
  ekuServerAuth: bool = false;
  /** Parse result: X509_OK or an error code. */
  error: i32 = X509_OK;

  constructor(der: Uint8Array) { this.der = der; }

  @inline get base(): usize { return this.der.dataStart; }
  @inline ptr(off: i32): usize { return this.der.dataStart + <usize>off; }

  /** True when the subject Name equals `other`'s issuer Name (bytewise DER). */
  issued(child: Certificate): bool {
    if (this.subjectLen != child.issuerLen) return false;
    return memory.compare(this.ptr(this.subjectOff), child.ptr(child.issuerOff), <usize>this.subjectLen) == 0;
  }

  get selfIssued(): bool { return this.issued(this); }
}

@inline function off(c: Certificate, p: usize): i32 { return <i32>(p - c.der.dataStart); }

function parseAlgorithm(r: Reader, e: Der, oid: Der): bool {
  if (!derExpect(r, TAG_SEQUENCE, e)) return false;
  const ar = e.reader(new Reader());
  if (!derExpect(ar, TAG_OID, oid)) return false;
  return true;
}

function sigAlgOf(oid: Der): CertSigAlg {
  if (oidIs(oid, OID_ECDSA_SHA256)) return CertSigAlg.ECDSA_SHA256;
  if (oidIs(oid, OID_ECDSA_SHA384)) return CertSigAlg.ECDSA_SHA384;
  if (oidIs(oid, OID_RSA_SHA256)) return CertSigAlg.RSA_PKCS1_SHA256;
  if (oidIs(oid, OID_RSA_SHA384)) return CertSigAlg.RSA_PKCS1_SHA384;
  if (oidIs(oid, OID_RSA_PSS)) return CertSigAlg.RSA_PSS;
  if (oidIs(oid, OID_ED25519)) return CertSigAlg.ED25519;
  return CertSigAlg.UNKNOWN;
}

/** RFC 5280 §4.1.2.7 / RFC 5480 / RFC 8017: SubjectPublicKeyInfo. */
function parseSpki(c: Certificate, spki: Der): bool {
  const r = spki.reader(new Reader());
  const alg = new Der(); const oid = new Der(); const bits = new Der();
  if (!derExpect(r, TAG_SEQUENCE, alg)) return false;
  const ar = alg.reader(new Reader());
  if (!derExpect(ar, TAG_OID, oid)) return false;
  if (!derExpect(r, TAG_BIT_STRING, bits) || !r.atEnd) return false;
  if (bits.len < 1 || load<u8>(bits.ptr) != 0) return false; // no unused bits in keys
  const kp = bits.ptr + 1;
  const kl = bits.len - 1;
  if (oidIs(oid, OID_EC_PUBLIC_KEY)) {
    const curve = new Der();
    if (!derExpect(ar, TAG_OID, curve)) return false;
    if (!oidIs(curve, OID_SECP256R1)) return true; // other curves: parsed, key type UNKNOWN
    // SEC 1 §2.3.3: uncompressed point 04 || X || Y
    if (kl != 65 || load<u8>(kp) != 4) return false;
    c.keyType = KeyType.EC_P256;
    c.pubOff = off(c, kp); c.pubLen = <i32>kl;
  } else if (oidIs(oid, OID_RSA_ENCRYPTION)) {
    // RFC 8017 Appendix A.1.1: RSAPublicKey ::= SEQUENCE { modulus, publicExponent }
    const kr = new Reader(kp, kl);
    const seq = new Der(); const n = new Der(); const e = new Der(); const mn = new Der(); const me = new Der();
    if (!derExpect(kr, TAG_SEQUENCE, seq) || !kr.atEnd) return false;
    const sr = seq.reader(new Reader());
    if (!derExpect(sr, TAG_INTEGER, n) || !derExpect(sr, TAG_INTEGER, e) || !sr.atEnd) return false;
    if (!derUnsigned(n, mn) || !derUnsigned(e, me)) return false;
    if (mn.len > 1024 || me.len > 8) return false;
    c.keyType = KeyType.RSA;
    c.rsaNOff = off(c, mn.ptr); c.rsaNLen = <i32>mn.len;
    c.rsaEOff = off(c, me.ptr); c.rsaELen = <i32>me.len;
  } else if (oidIs(oid, OID_ED25519)) {
    if (kl != 32) return false;
    c.keyType = KeyType.ED25519;
    c.pubOff = off(c, kp); c.pubLen = 32;
  }
  return true;
}

/** RFC 5280 §4.2.1.6: GeneralNames; keeps dNSName [2] and iPAddress [7]. */
function parseSan(c: Certificate, v: Der): bool {
  const r = v.reader(new Reader());
  const seq = new Der();
  if (!derExpect(r, TAG_SEQUENCE, seq) || !r.atEnd) return false;
  const sr = seq.reader(new Reader());
  const gn = new Der();
  c.hasSan = true;
  while (!sr.atEnd) {
    if (!derNext(sr, gn)) return false;
    if (gn.tag == ctx(2, false)) {
      // IA5String: ASCII only
      for (let i: usize = 0; i < gn.len; i++) if (load<u8>(gn.ptr + i) >= 0x80 || load<u8>(gn.ptr + i) == 0) return false;
      c.dnsNames.push(String.UTF8.decodeUnsafe(gn.ptr, gn.len, false));
    } else if (gn.tag == ctx(7, false)) {
      if (gn.len != 4 && gn.len != 16) return false;
      const ip = new Uint8Array(<i32>gn.len);
      memory.copy(ip.dataStart, gn.ptr, gn.len);
      c.ipAddrs.push(ip);
    }
  }
  return true;
}

/** RFC 5280 §4.2.1.9: BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
function parseBasicConstraints(c: Certificate, v: Der): bool {
  const r = v.reader(new Reader());
  const seq = new Der(); const b = new Der(); const n = new Der();
  if (!derExpect(r, TAG_SEQUENCE, seq) || !r.atEnd) return false;
  const sr = seq.reader(new Reader());
  c.hasBasicConstraints = true;
  if (derOptional(sr, TAG_BOOLEAN, b)) {
    if (b.len != 1) return false;
    c.isCA = load<u8>(b.ptr) != 0;
  }
  if (sr.failed) return false;
  if (derOptional(sr, TAG_INTEGER, n)) {
    const pl = derSmallInt(n);
    if (pl < 0 || pl > 255) return false;
    c.pathLen = <i32>pl;
  }
  return !sr.failed && sr.atEnd;
}

/** RFC 5280 §4.2.1.3: KeyUsage ::= BIT STRING */
function parseKeyUsage(c: Certificate, v: Der): bool {
  const r = v.reader(new Reader());
  const bits = new Der();
  if (!derExpect(r, TAG_BIT_STRING, bits) || !r.atEnd || bits.len < 1 || bits.len > 3) return false;
  const unused = <u32>load<u8>(bits.ptr);
  if (unused > 7) return false;
  let ku: u32 = 0;
  for (let i: usize = 1; i < bits.len; i++) {
    const byte = <u32>load<u8>(bits.ptr + i);
    for (let j: u32 = 0; j < 8; j++) if (byte & (0x80 >> j)) ku |= 1 << (<u32>(i - 1) * 8 + j);
  }
  c.hasKeyUsage = true;
  c.keyUsage = ku;
  return true;
}

/** RFC 5280 §4.2.1.12: ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId */
function parseExtKeyUsage(c: Certificate, v: Der): bool {
  const r = v.reader(new Reader());
  const seq = new Der(); const oid = new Der();
  if (!derExpect(r, TAG_SEQUENCE, seq) || !r.atEnd) return false;
  const sr = seq.reader(new Reader());
  c.hasExtKeyUsage = true;
  while (!sr.atEnd) {
    if (!derExpect(sr, TAG_OID, oid)) return false;
    if (oidIs(oid, OID_KP_SERVER_AUTH) || oidIs(oid, OID_ANY_EKU)) c.ekuServerAuth = true;
  }
  return true;
}

function parseExtensions(c: Certificate, exts: Der): i32 {
  const r = exts.reader(new Reader());
  const seq = new Der();
  if (!derExpect(r, TAG_SEQUENCE, seq) || !r.atEnd) return X509_MALFORMED;
  const sr = seq.reader(new Reader());
  const ext = new Der(); const oid = new Der(); const crit = new Der(); const val = new Der();
  const er = new Reader();
  let seen: u32 = 0;
  while (!sr.atEnd) {
    // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    if (!derExpect(sr, TAG_SEQUENCE, ext)) return X509_MALFORMED;
    ext.reader(er);
    if (!derExpect(er, TAG_OID, oid)) return X509_MALFORMED;
    let critical = false;
    if (derOptional(er, TAG_BOOLEAN, crit)) {
      if (crit.len != 1) return X509_MALFORMED;
      critical = load<u8>(crit.ptr) != 0;
    }
    if (!derExpect(er, TAG_OCTET_STRING, val) || !er.atEnd) return X509_MALFORMED;
    let bit: u32 = 0;
    let ok = true;
    if (oidIs(oid, OID_SUBJECT_ALT_NAME)) { bit = 1; ok = parseSan(c, val); }
    else if (oidIs(oid, OID_BASIC_CONSTRAINTS)) { bit = 2; ok = parseBasicConstraints(c, val); }
    else if (oidIs(oid, OID_KEY_USAGE)) { bit = 4; ok = parseKeyUsage(c, val); }
    else if (oidIs(oid, OID_EXT_KEY_USAGE)) { bit = 8; ok = parseExtKeyUsage(c, val); }
    else if (oidIs(oid, OID_SUBJECT_KEY_ID) || oidIs(oid, OID_AUTHORITY_KEY_ID)) { /* not needed */ }
    // RFC 5280 §4.2: a certificate-using system MUST reject the certificate
    // if it encounters a critical extension it does not recognize.
    else if (critical) return X509_UNSUPPORTED_CRITICAL;
    if (!ok) return X509_MALFORMED;
    // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of a particular extension.
    if (bit != 0) { if (seen & bit) return X509_MALFORMED; seen |= bit; }
  }
  return X509_OK;
}

function parseInto(c: Certificate): i32 {
  const r = new Reader(c.der.dataStart, <usize>c.der.length);
  const cert = new Der(); const tbs = new Der(); const alg = new Der(); const oid = new Der(); const sig = new Der();
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  if (!derExpect(r, TAG_SEQUENCE, cert) || !r.atEnd) return X509_MALFORMED;
  const cr = cert.reader(new Reader());
  if (!derExpect(cr, TAG_SEQUENCE, tbs)) return X509_MALFORMED;
  c.tbsOff = off(c, tbs.start); c.tbsLen = <i32>tbs.totalLen;
  if (!parseAlgorithm(cr, alg, oid)) return X509_MALFORMED;
  c.sigAlg = sigAlgOf(oid);
  if (!derExpect(cr, TAG_BIT_STRING, sig) || !cr.atEnd) return X509_MALFORMED;
  if (sig.len < 1 || load<u8>(sig.ptr) != 0) return X509_MALFORMED;
  c.sigOff = off(c, sig.ptr + 1); c.sigLen = <i32>(sig.len - 1);

  const tr = tbs.reader(new Reader());
  const e = new Der();
  // version [0] EXPLICIT Version DEFAULT v1
  if (derOptional(tr, ctx(0, true), e)) {
    const vr = e.reader(new Reader());
    const v = new Der();
    if (!derExpect(vr, TAG_INTEGER, v) || !vr.atEnd) return X509_MALFORMED;
    const ver = derSmallInt(v);
    if (ver < 0 || ver > 2) return X509_MALFORMED;
    c.version = <i32>ver + 1;
  }
  if (tr.failed) return X509_MALFORMED;
  // serialNumber: RFC 5280 §4.1.2.2 allows up to 20 octets; be lenient about sign.
  if (!derExpect(tr, TAG_INTEGER, e) || e.len == 0 || e.len > 21) return X509_MALFORMED;
  c.serialOff = off(c, e.ptr); c.serialLen = <i32>e.len;
  // signature AlgorithmIdentifier: RFC 5280 §4.1.1.2 MUST equal signatureAlgorithm
  const alg2 = new Der(); const oid2 = new Der();
  if (!parseAlgorithm(tr, alg2, oid2)) return X509_MALFORMED;
  if (alg2.totalLen != alg.totalLen || memory.compare(alg2.start, alg.start, alg.totalLen) != 0) return X509_MALFORMED;
  // issuer Name
  if (!derExpect(tr, TAG_SEQUENCE, e)) return X509_MALFORMED;
  c.issuerOff = off(c, e.start); c.issuerLen = <i32>e.totalLen;
  // validity
  if (!derExpect(tr, TAG_SEQUENCE, e)) return X509_MALFORMED;
  const valr = e.reader(new Reader());
  const t = new Der();
  if (!derNext(valr, t)) return X509_MALFORMED;
  c.notBefore = derTime(t);
  if (!derNext(valr, t) || !valr.atEnd) return X509_MALFORMED;
  c.notAfter = derTime(t);
  if (c.notBefore == BAD_TIME || c.notAfter == BAD_TIME) return X509_MALFORMED;
  // subject Name
  if (!derExpect(tr, TAG_SEQUENCE, e)) return X509_MALFORMED;
  c.subjectOff = off(c, e.start); c.subjectLen = <i32>e.totalLen;
  // subjectPublicKeyInfo
  if (!derExpect(tr, TAG_SEQUENCE, e)) return X509_MALFORMED;
  c.spkiOff = off(c, e.start); c.spkiLen = <i32>e.totalLen;
  if (!parseSpki(c, e)) return X509_MALFORMED;
  // issuerUniqueID [1], subjectUniqueID [2]: skipped
  derOptional(tr, ctx(1, false), e);
  derOptional(tr, ctx(2, false), e);
  if (tr.failed) return X509_MALFORMED;
  if (derOptional(tr, ctx(3, true), e)) {
    if (c.version != 3) return X509_MALFORMED;
    const rc = parseExtensions(c, e);
    if (rc != X509_OK) return rc;
  }
  if (tr.failed || !tr.atEnd) return X509_MALFORMED;
  return X509_OK;
}

/** Parses a DER certificate (copied); check `error` (X509_OK on success). */
export function parseCertificate(ptr: usize, len: usize): Certificate {
  const der = new Uint8Array(<i32>len);
  if (len) memory.copy(der.dataStart, ptr, len);
  const c = new Certificate(der);
  c.error = parseInto(c);
  return c;
}
