// Server authentication on the client (RFC 9846 §4.4.2.4, §4.4.3) and the
// server's own CertificateVerify signature:
//
//  - VERIFY_CHAIN: a path from the leaf to a configured trust anchor
//    (RFC 5280 §6.1, simplified: names compared as DER bytes, no policies
//    or name constraints), validity against the host's clock, basic
//    constraints, key usage, serverAuth EKU, and the reference identity.
//  - VERIFY_PINNED: W3C WebTransport "serverCertificateHashes": SHA-256 of
//    the leaf, ECDSA P-256 key, validity period of at most 14 days.
//  - VERIFY_INSECURE: anything goes (the CertificateVerify is still checked
//    against the leaf's key).

import { sha256 } from "../crypto/sha256";
import { ecdsaP256VerifyDigest, ecdsaP256SignDigest } from "../crypto/p256";
import { ecdsaP384VerifyDigest } from "../crypto/p384";
import { ed25519Verify } from "../crypto/ed25519";
import { ecdsaSigFromDer, ecdsaSigFromDerSized, ecdsaSigToDer } from "../crypto/ecdsa_der";
import { rsaPssSha256Verify, rsaPssSha384Verify, rsaPkcs1Sha256Verify, rsaPkcs1Sha384Verify } from "../crypto/rsa";
import { sha384 } from "../crypto/sha512";
import { Writer } from "../wire/writer";
import { Certificate, CertSigAlg, KeyType, X509_OK, X509_UNSUPPORTED_CRITICAL, KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN } from "./x509";
import { certMatchesHost } from "./names";
import { TlsConfig, VERIFY_PINNED, VERIFY_INSECURE } from "./config";
import { ctEqual } from "../crypto/ct";
import {
  ALERT_BAD_CERTIFICATE, ALERT_UNSUPPORTED_CERTIFICATE, ALERT_CERTIFICATE_EXPIRED, ALERT_UNKNOWN_CA,
  ALERT_DECRYPT_ERROR, ALERT_ILLEGAL_PARAMETER,
} from "./alert";
import {
  SIG_ECDSA_SECP256R1_SHA256, SIG_ECDSA_SECP384R1_SHA384, SIG_RSA_PSS_RSAE_SHA256, SIG_RSA_PSS_RSAE_SHA384, SIG_ED25519,
} from "./constants";

/** W3C WebTransport §"verify a certificate hash": at most 14 days of validity. */
export const PINNED_MAX_VALIDITY: i64 = 14 * 86400;
/** RFC 5280 §6.1: a bound on path length so a hostile chain cannot loop. */
const MAX_DEPTH: i32 = 8;

/**
 * Why the last verifyServerChain call refused the chain: a stable text that
 * starts with one of the prefixes below (docs/tls.md "Errors" lists them),
 * sent as the EV_ERROR reason together with the alert RFC 9846 §6.2 names.
 *
 *   "certificate name mismatch: ..."            bad_certificate (42)
 *   "certificate unknown issuer: ..."           unknown_ca (48)
 *   "certificate expired..."                    certificate_expired (45)
 *   "certificate not yet valid..."              certificate_expired (45)
 *   "certificate pin mismatch: ..."             bad_certificate (42)
 *   "certificate validity over 14 days: ..."    bad_certificate (42)
 *   "certificate bad signature: ..."            bad_certificate (42)
 *   "certificate unsupported: ..."              unsupported_certificate (43)
 *   "certificate not a CA: ..." / "certificate malformed..." / "certificate chain empty"  bad_certificate (42)
 */
@final
export class ChainVerdict {
  /** 0 when the chain is acceptable, else the alert to send. */
  alert: u8 = 0;
  /** Why not (one of the prefixes above); "" when acceptable. */
  reason: string = "";
}

@inline function refuse(v: ChainVerdict, alert: u8, reason: string): u8 {
  v.reason = reason;
  v.alert = alert;
  return alert;
}

/** verifyCertSignature outcomes. */
export const SIG_OK: i32 = 0;
export const SIG_BAD: i32 = 1;
/** The signature algorithm or the issuer's key type is not one we verify (or they do not match). */
export const SIG_UNSUPPORTED: i32 = 2;

/**
 * True when `issuer`'s key verifies `cert`'s signature: ecdsa-with-SHA256/384
 * by a P-256 or P-384 key, sha256/384WithRSAEncryption by an RSA key,
 * Ed25519 (RFC 8410 §6) by an Ed25519 key.
 */
export function verifyCertSignature(cert: Certificate, issuer: Certificate): bool {
  return checkCertSignature(cert, issuer) == SIG_OK;
}

/** SIG_OK, SIG_BAD, or SIG_UNSUPPORTED when no supported algorithm/key pair applies. */
export function checkCertSignature(cert: Certificate, issuer: Certificate): i32 {
  const r = certSignatureVerifies(cert, issuer);
  if (r) return SIG_OK;
  const a = cert.sigAlg, k = issuer.keyType;
  const ec = (a == CertSigAlg.ECDSA_SHA256 || a == CertSigAlg.ECDSA_SHA384) && (k == KeyType.EC_P256 || k == KeyType.EC_P384);
  const ed = a == CertSigAlg.ED25519 && k == KeyType.ED25519;
  const rsa = (a == CertSigAlg.RSA_PKCS1_SHA256 || a == CertSigAlg.RSA_PKCS1_SHA384) && k == KeyType.RSA;
  return ec || ed || rsa ? SIG_BAD : SIG_UNSUPPORTED;
}

function certSignatureVerifies(cert: Certificate, issuer: Certificate): bool {
  const digest = memory.data(48);
  const tbs = cert.ptr(cert.tbsOff), tbsLen = <usize>cert.tbsLen;
  const sig = cert.ptr(cert.sigOff), sigLen = <usize>cert.sigLen;
  if (cert.sigAlg == CertSigAlg.ECDSA_SHA256 || cert.sigAlg == CertSigAlg.ECDSA_SHA384) {
    // FIPS 186-5 §6.4.1: a digest longer than the order is truncated to its leftmost bits (inside the verifiers)
    const dl: usize = cert.sigAlg == CertSigAlg.ECDSA_SHA256 ? 32 : 48;
    if (dl == 32) sha256(tbs, tbsLen, digest);
    else sha384(tbs, tbsLen, digest);
    if (issuer.keyType == KeyType.EC_P256) {
      const rs = memory.data(64);
      if (!ecdsaSigFromDer(sig, sigLen, rs)) return false;
      return ecdsaP256VerifyDigest(issuer.ptr(issuer.pubOff), <usize>issuer.pubLen, digest, rs);
    }
    if (issuer.keyType == KeyType.EC_P384) {
      const rs = memory.data(96);
      if (!ecdsaSigFromDerSized(sig, sigLen, rs, 48)) return false;
      return ecdsaP384VerifyDigest(issuer.ptr(issuer.pubOff), <usize>issuer.pubLen, digest, dl, rs);
    }
    return false;
  }
  if (cert.sigAlg == CertSigAlg.ED25519 && issuer.keyType == KeyType.ED25519) {
    // RFC 8410 §6: PureEdDSA over the DER tbsCertificate, a 64-byte signature
    if (sigLen != 64) return false;
    return ed25519Verify(issuer.ptr(issuer.pubOff), tbs, tbsLen, sig);
  }
  if (cert.sigAlg == CertSigAlg.RSA_PKCS1_SHA384 && issuer.keyType == KeyType.RSA) {
    sha384(tbs, tbsLen, digest);
    return rsaPkcs1Sha384Verify(issuer.ptr(issuer.rsaNOff), <usize>issuer.rsaNLen, issuer.ptr(issuer.rsaEOff), <usize>issuer.rsaELen,
      digest, sig, sigLen);
  }
  if (cert.sigAlg == CertSigAlg.RSA_PKCS1_SHA256 && issuer.keyType == KeyType.RSA) {
    sha256(tbs, tbsLen, digest);
    return rsaPkcs1Sha256Verify(issuer.ptr(issuer.rsaNOff), <usize>issuer.rsaNLen, issuer.ptr(issuer.rsaEOff), <usize>issuer.rsaELen,
      digest, sig, sigLen);
  }
  return false;
}

@inline function timeOk(c: Certificate, now: i64): bool {
  return now >= c.notBefore && now <= c.notAfter;
}

function sameDer(a: Certificate, b: Certificate): bool {
  return a.der.length == b.der.length && memory.compare(a.der.dataStart, b.der.dataStart, <usize>a.der.length) == 0;
}

/** RFC 5280 §4.1.2.5: validity; the reason names which certificate. */
function timeRefusal(v: ChainVerdict, c: Certificate, now: i64, which: string): u8 {
  // RFC 9846 §6.2: certificate_expired "A certificate has expired or is not currently valid."
  if (now < c.notBefore) return refuse(v, ALERT_CERTIFICATE_EXPIRED, "certificate not yet valid" + which);
  return refuse(v, ALERT_CERTIFICATE_EXPIRED, "certificate expired" + which);
}

/** The alert and reason for a certificate signature that did not verify. */
function signatureRefusal(v: ChainVerdict, r: i32, which: string): u8 {
  // RFC 9846 §6.2: unsupported_certificate "A certificate was of an unsupported type";
  // bad_certificate "... contained signatures that did not verify correctly".
  if (r == SIG_UNSUPPORTED) return refuse(v, ALERT_UNSUPPORTED_CERTIFICATE, "certificate unsupported: signature algorithm or issuer key type of " + which);
  return refuse(v, ALERT_BAD_CERTIFICATE, "certificate bad signature: " + which + " does not verify with its issuer's key");
}

/**
 * 0 when the chain is acceptable, else the alert to send (RFC 9846 §6.2);
 * `v` gets the alert and the reason. `now` is Unix seconds.
 */
export function verifyServerChain(chain: Certificate[], cfg: TlsConfig, now: i64, v: ChainVerdict): u8 {
  v.alert = 0;
  v.reason = "";
  if (chain.length == 0) return refuse(v, ALERT_BAD_CERTIFICATE, "certificate chain empty");
  for (let i = 0; i < chain.length; i++) {
    const e = chain[i].error;
    if (e == X509_UNSUPPORTED_CRITICAL) return refuse(v, ALERT_UNSUPPORTED_CERTIFICATE, "certificate unsupported: an unrecognized critical extension (RFC 5280 §4.2)");
    if (e != X509_OK) return refuse(v, ALERT_BAD_CERTIFICATE, "certificate malformed: X.509 DER does not parse");
  }
  const leaf = chain[0];
  if (cfg.verifyMode == VERIFY_PINNED) return verifyPinned(v, leaf, cfg, now);
  // Only an explicit 'insecure' skips the checks (config.ts refuses unknown modes).
  if (cfg.verifyMode == VERIFY_INSECURE) return 0;

  // The leaf: validity, the reference identity, key usage for signing, serverAuth.
  if (!timeOk(leaf, now)) return timeRefusal(v, leaf, now, "");
  // RFC 9846 §4.4.2.4 / RFC 6125: the reference identity must be in the leaf.
  if (!certMatchesHost(leaf, cfg.serverName)) {
    return refuse(v, ALERT_BAD_CERTIFICATE, "certificate name mismatch: \"" + cfg.serverName + "\" is not a name of the server certificate");
  }
  if (leaf.hasKeyUsage && (leaf.keyUsage & KU_DIGITAL_SIGNATURE) == 0) {
    return refuse(v, ALERT_UNSUPPORTED_CERTIFICATE, "certificate unsupported: key usage lacks digitalSignature (RFC 5280 §4.2.1.3)");
  }
  if (leaf.hasExtKeyUsage && !leaf.ekuServerAuth) {
    return refuse(v, ALERT_UNSUPPORTED_CERTIFICATE, "certificate unsupported: extended key usage lacks serverAuth (RFC 5280 §4.2.1.12)");
  }

  // A leaf configured as a trust anchor itself is trusted as is.
  for (let a = 0; a < cfg.trustAnchors.length; a++) if (sameDer(cfg.trustAnchors[a], leaf)) return 0;

  let cur = leaf;
  let depth = 0;
  const used = new Array<bool>(chain.length);
  while (depth < MAX_DEPTH) {
    const which = depth == 0 ? "the server certificate" : "intermediate " + depth.toString();
    // 1. an anchor that issued `cur` and whose key verifies it ends the path
    for (let a = 0; a < cfg.trustAnchors.length; a++) {
      const anchor = cfg.trustAnchors[a];
      if (!anchor.issued(cur)) continue;
      const r = checkCertSignature(cur, anchor);
      if (r != SIG_OK) return signatureRefusal(v, r, which);
      if (!timeOk(anchor, now)) return timeRefusal(v, anchor, now, ": the trust anchor");
      return 0;
    }
    // 2. else an intermediate from the peer's list
    let next: Certificate | null = null;
    for (let i = 1; i < chain.length; i++) {
      if (used[i]) continue;
      const cand = chain[i];
      if (!cand.issued(cur)) continue;
      used[i] = true;
      next = cand;
      break;
    }
    // RFC 9846 §6.2: unknown_ca "... the CA certificate could not be located or could not be matched with a known trust anchor."
    if (next == null) return refuse(v, ALERT_UNKNOWN_CA, "certificate unknown issuer: no path from " + which + " to a trust anchor");
    const issuer = next!;
    const iw = "intermediate " + (depth + 1).toString();
    // RFC 5280 §6.1.4 (k), (n), (l): a CA certificate with keyCertSign, within its path length
    if (!issuer.hasBasicConstraints || !issuer.isCA) return refuse(v, ALERT_BAD_CERTIFICATE, "certificate not a CA: " + iw + " lacks basicConstraints cA (RFC 5280 §6.1.4 (k))");
    if (issuer.hasKeyUsage && (issuer.keyUsage & KU_KEY_CERT_SIGN) == 0) return refuse(v, ALERT_BAD_CERTIFICATE, "certificate not a CA: " + iw + " lacks keyCertSign (RFC 5280 §6.1.4 (n))");
    if (issuer.pathLen >= 0 && depth > issuer.pathLen) return refuse(v, ALERT_BAD_CERTIFICATE, "certificate not a CA: " + iw + " path length exceeded (RFC 5280 §6.1.4 (l))");
    if (!timeOk(issuer, now)) return timeRefusal(v, issuer, now, ": " + iw);
    const r = checkCertSignature(cur, issuer);
    if (r != SIG_OK) return signatureRefusal(v, r, which);
    cur = issuer;
    depth++;
  }
  return refuse(v, ALERT_UNKNOWN_CA, "certificate unknown issuer: no path to a trust anchor within " + MAX_DEPTH.toString() + " certificates");
}

/** W3C WebTransport: serverCertificateHashes. */
function verifyPinned(v: ChainVerdict, leaf: Certificate, cfg: TlsConfig, now: i64): u8 {
  const h = memory.data(32);
  sha256(leaf.der.dataStart, <usize>leaf.der.length, h);
  let found = false;
  for (let i = 0; i < cfg.pinnedHashes.length; i++) {
    if (ctEqual(cfg.pinnedHashes[i].dataStart, h, 32)) found = true;
  }
  if (!found) return refuse(v, ALERT_BAD_CERTIFICATE, "certificate pin mismatch: the SHA-256 of the server certificate is not a pinned hash");
  // the certificate MUST use ECDSA with secp256r1 and be valid for at most 2 weeks
  if (leaf.keyType != KeyType.EC_P256) return refuse(v, ALERT_UNSUPPORTED_CERTIFICATE, "certificate unsupported: a pinned certificate must have an ECDSA P-256 key");
  if (leaf.notAfter - leaf.notBefore > PINNED_MAX_VALIDITY) {
    return refuse(v, ALERT_BAD_CERTIFICATE, "certificate validity over 14 days: a pinned certificate must be valid for at most 14 days");
  }
  if (!timeOk(leaf, now)) return timeRefusal(v, leaf, now, "");
  return 0;
}

// RFC 9846 §4.4.3: 64 spaces, the context string, a zero byte, then the transcript hash.
const SERVER_CONTEXT = "TLS 1.3, server CertificateVerify";
const CV_CONTENT_MAX: i32 = 64 + 34 + 48;
const CV_CONTENT: usize = memory.data(CV_CONTENT_MAX);

/** Writes the CertificateVerify content for the transcript hash th (<= 48 bytes) to CV_CONTENT; returns its length. */
function signedContent(th: usize, thLen: usize): usize {
  memory.fill(CV_CONTENT, 0x20, 64);
  const ctx = String.UTF8.encode(SERVER_CONTEXT, true); // includes the trailing 0 separator
  const cl = <usize>ctx.byteLength;
  memory.copy(CV_CONTENT + 64, changetype<usize>(ctx), cl);
  const n = thLen > 48 ? <usize>48 : thLen;
  memory.copy(CV_CONTENT + 64 + cl, th, n);
  return 64 + cl + n;
}

/** SHA-256 of the CertificateVerify content for a transcript hash of `thLen` bytes. */
function signedDigest(th: usize, thLen: usize, out32: usize): void {
  sha256(CV_CONTENT, signedContent(th, thLen), out32);
}

/** True for the CertificateVerify schemes the client offers and verifies. */
export function cvSchemeSupported(scheme: u16): bool {
  return scheme == SIG_ECDSA_SECP256R1_SHA256 || scheme == SIG_ECDSA_SECP384R1_SHA384 || scheme == SIG_ED25519 ||
    scheme == SIG_RSA_PSS_RSAE_SHA256 || scheme == SIG_RSA_PSS_RSAE_SHA384;
}

/** Client side: 0 when `sig` under `scheme` verifies with the leaf's key, else the alert. */
export function verifyCertificateVerify(leaf: Certificate, scheme: u16, sig: usize, sigLen: usize, th: usize, thLen: usize): u8 {
  const digest = memory.data(48);
  const contentLen = signedContent(th, thLen);
  // RFC 9846 §4.2.3: each scheme names the key type (and for ECDSA the curve) it is used with
  if (scheme == SIG_ECDSA_SECP256R1_SHA256) {
    if (leaf.keyType != KeyType.EC_P256) return ALERT_ILLEGAL_PARAMETER;
    sha256(CV_CONTENT, contentLen, digest);
    const rs = memory.data(64);
    if (!ecdsaSigFromDer(sig, sigLen, rs)) return ALERT_DECRYPT_ERROR;
    return ecdsaP256VerifyDigest(leaf.ptr(leaf.pubOff), <usize>leaf.pubLen, digest, rs) ? 0 : ALERT_DECRYPT_ERROR;
  }
  if (scheme == SIG_ECDSA_SECP384R1_SHA384) {
    if (leaf.keyType != KeyType.EC_P384) return ALERT_ILLEGAL_PARAMETER;
    sha384(CV_CONTENT, contentLen, digest);
    const rs = memory.data(96);
    if (!ecdsaSigFromDerSized(sig, sigLen, rs, 48)) return ALERT_DECRYPT_ERROR;
    return ecdsaP384VerifyDigest(leaf.ptr(leaf.pubOff), <usize>leaf.pubLen, digest, 48, rs) ? 0 : ALERT_DECRYPT_ERROR;
  }
  if (scheme == SIG_ED25519) {
    if (leaf.keyType != KeyType.ED25519) return ALERT_ILLEGAL_PARAMETER;
    // RFC 8032 §5.1: PureEdDSA over the content itself; signatures are 64 bytes
    if (sigLen != 64) return ALERT_DECRYPT_ERROR;
    return ed25519Verify(leaf.ptr(leaf.pubOff), CV_CONTENT, contentLen, sig) ? 0 : ALERT_DECRYPT_ERROR;
  }
  if (scheme == SIG_RSA_PSS_RSAE_SHA256 || scheme == SIG_RSA_PSS_RSAE_SHA384) {
    if (leaf.keyType != KeyType.RSA) return ALERT_ILLEGAL_PARAMETER;
    const n = leaf.ptr(leaf.rsaNOff), nl = <usize>leaf.rsaNLen, e = leaf.ptr(leaf.rsaEOff), el = <usize>leaf.rsaELen;
    // RFC 9846 §4.2.3: RSASSA-PSS with MGF1 on the same hash and a salt as long as the digest
    if (scheme == SIG_RSA_PSS_RSAE_SHA256) {
      sha256(CV_CONTENT, contentLen, digest);
      return rsaPssSha256Verify(n, nl, e, el, digest, sig, sigLen, 32) ? 0 : ALERT_DECRYPT_ERROR;
    }
    sha384(CV_CONTENT, contentLen, digest);
    return rsaPssSha384Verify(n, nl, e, el, digest, sig, sigLen, 48) ? 0 : ALERT_DECRYPT_ERROR;
  }
  // RFC 9846 §4.4.3: rsa_pkcs1_* MUST NOT be used in CertificateVerify; others were not offered.
  return ALERT_ILLEGAL_PARAMETER;
}

/** Server side: writes an ecdsa_secp256r1_sha256 signature (DER) over the transcript hash. */
export function signCertificateVerify(priv32: usize, th: usize, thLen: usize, w: Writer): bool {
  const digest = memory.data(32);
  signedDigest(th, thLen, digest);
  const rs = memory.data(64);
  if (!ecdsaP256SignDigest(rs, priv32, digest)) return false;
  ecdsaSigToDer(rs, w);
  return true;
}
