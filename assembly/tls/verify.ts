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
import { TlsConfig, VERIFY_CHAIN, VERIFY_PINNED } from "./config";
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
 * True when `issuer`'s key verifies `cert`'s signature: ecdsa-with-SHA256/384
 * by a P-256 or P-384 key, sha256/384WithRSAEncryption by an RSA key,
 * Ed25519 (RFC 8410 §6) by an Ed25519 key.
 */
export function verifyCertSignature(cert: Certificate, issuer: Certificate): bool {
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

/** 0 when the chain is acceptable, else the alert to send. `now` is Unix seconds. */
export function verifyServerChain(chain: Certificate[], cfg: TlsConfig, now: i64): u8 {
  if (chain.length == 0) return ALERT_BAD_CERTIFICATE;
  for (let i = 0; i < chain.length; i++) {
    const e = chain[i].error;
    if (e == X509_UNSUPPORTED_CRITICAL) return ALERT_UNSUPPORTED_CERTIFICATE;
    if (e != X509_OK) return ALERT_BAD_CERTIFICATE;
  }
  const leaf = chain[0];
  if (cfg.verifyMode == VERIFY_PINNED) return verifyPinned(leaf, cfg, now);
  if (cfg.verifyMode != VERIFY_CHAIN) return 0;

  // The leaf: validity, the reference identity, key usage for signing, serverAuth.
  if (!timeOk(leaf, now)) return ALERT_CERTIFICATE_EXPIRED;
  if (!certMatchesHost(leaf, cfg.serverName)) return ALERT_BAD_CERTIFICATE;
  if (leaf.hasKeyUsage && (leaf.keyUsage & KU_DIGITAL_SIGNATURE) == 0) return ALERT_UNSUPPORTED_CERTIFICATE;
  if (leaf.hasExtKeyUsage && !leaf.ekuServerAuth) return ALERT_UNSUPPORTED_CERTIFICATE;

  // A leaf configured as a trust anchor itself is trusted as is.
  for (let a = 0; a < cfg.trustAnchors.length; a++) if (sameDer(cfg.trustAnchors[a], leaf)) return 0;

  let cur = leaf;
  let depth = 0;
  const used = new Array<bool>(chain.length);
  while (depth < MAX_DEPTH) {
    // 1. an anchor that issued `cur` and whose key verifies it ends the path
    for (let a = 0; a < cfg.trustAnchors.length; a++) {
      const anchor = cfg.trustAnchors[a];
      if (!anchor.issued(cur)) continue;
      if (!verifyCertSignature(cur, anchor)) return ALERT_BAD_CERTIFICATE;
      if (!timeOk(anchor, now)) return ALERT_CERTIFICATE_EXPIRED;
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
    if (next == null) return ALERT_UNKNOWN_CA;
    const issuer = next!;
    // RFC 5280 §6.1.4 (k), (n), (l): a CA certificate with keyCertSign, within its path length
    if (!issuer.hasBasicConstraints || !issuer.isCA) return ALERT_BAD_CERTIFICATE;
    if (issuer.hasKeyUsage && (issuer.keyUsage & KU_KEY_CERT_SIGN) == 0) return ALERT_BAD_CERTIFICATE;
    if (issuer.pathLen >= 0 && depth > issuer.pathLen) return ALERT_BAD_CERTIFICATE;
    if (!timeOk(issuer, now)) return ALERT_CERTIFICATE_EXPIRED;
    if (!verifyCertSignature(cur, issuer)) return ALERT_BAD_CERTIFICATE;
    cur = issuer;
    depth++;
  }
  return ALERT_UNKNOWN_CA;
}

/** W3C WebTransport: serverCertificateHashes. */
function verifyPinned(leaf: Certificate, cfg: TlsConfig, now: i64): u8 {
  const h = memory.data(32);
  sha256(leaf.der.dataStart, <usize>leaf.der.length, h);
  let found = false;
  for (let i = 0; i < cfg.pinnedHashes.length; i++) {
    if (ctEqual(cfg.pinnedHashes[i].dataStart, h, 32)) found = true;
  }
  if (!found) return ALERT_BAD_CERTIFICATE;
  // the certificate MUST use ECDSA with secp256r1 and be valid for at most 2 weeks
  if (leaf.keyType != KeyType.EC_P256) return ALERT_UNSUPPORTED_CERTIFICATE;
  if (leaf.notAfter - leaf.notBefore > PINNED_MAX_VALIDITY) return ALERT_BAD_CERTIFICATE;
  if (!timeOk(leaf, now)) return ALERT_CERTIFICATE_EXPIRED;
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
