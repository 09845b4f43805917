// A development certificate for serve() when none is given: self-signed,
// ECDSA P-256, valid for at most 14 days, so the same certificate works
//  - as WebTransport `serverCertificateHashes` (W3C WebTransport §"verify a
//    certificate hash": ECDSA P-256, validity ≤ 14 days, SHA-256 of the DER),
//  - with Chromium's `--ignore-certificate-errors-spki-list` (base64 SHA-256 of
//    the SubjectPublicKeyInfo),
//  - as its own trust anchor (`ca` / `--cacert`).
//
// node:crypto makes the key and the signature; the certificate itself is a
// few dozen DER bytes written here (node:crypto has no X.509 builder). A
// library such as @peculiar/x509 would add a dependency tree (pvtsutils,
// tsyringe, reflect-metadata, @peculiar/asn1-*) for one fixed template.
import crypto from 'node:crypto';
import { isIP } from 'node:net';
import { parseIp } from '../net/address.js';
import { InvalidArgumentError } from '../errors.js';

/** W3C WebTransport: a hashed certificate's validity period is at most two weeks. */
export const MAX_DEV_CERT_VALIDITY_MS = 14 * 24 * 3600 * 1000;

export interface DevCertOptions {
  /** Extra subjectAltName entries: DNS names or IP literals (localhost, 127.0.0.1 and ::1 are always there). */
  hostnames?: string[];
  /** Validity in milliseconds, counted from notBefore; default and maximum 14 days. */
  validityMs?: number;
  /** The current time (tests); default now. notBefore is one minute earlier, for clock skew. */
  now?: Date;
}

/** The hashes people need to trust a certificate without a CA. */
export interface CertificateHashes {
  /** SHA-256 of the certificate DER: WebTransport `serverCertificateHashes: [{ algorithm: 'sha-256', value }]`. */
  sha256: Uint8Array;
  /** The same as colon-separated upper-case hex (the form openssl and node:crypto print). */
  sha256Fingerprint: string;
  /** Base64 SHA-256 of the SubjectPublicKeyInfo: Chromium `--ignore-certificate-errors-spki-list=<this>`. */
  spkiSha256Base64: string;
}

export interface DevCert extends CertificateHashes {
  /** The certificate, PEM. */
  cert: string;
  /** Its private key, PKCS#8 PEM. */
  key: string;
  /** The certificate, DER. */
  certDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** The subjectAltName entries, as given (DNS names and IP literals). */
  names: string[];
}

const DEFAULT_NAMES = ['localhost', '127.0.0.1', '::1'];

/** Generates a fresh self-signed development certificate (a new P-256 key each call). */
export function createDevCert(options: DevCertOptions = {}): DevCert {
  const validityMs = options.validityMs ?? MAX_DEV_CERT_VALIDITY_MS;
  if (!Number.isFinite(validityMs) || validityMs < 1000 || validityMs > MAX_DEV_CERT_VALIDITY_MS) {
    throw new InvalidArgumentError('validityMs', `must be between 1000 and ${MAX_DEV_CERT_VALIDITY_MS} (14 days), got ${validityMs}`);
  }
  const names = [...DEFAULT_NAMES];
  for (const h of options.hostnames ?? []) {
    if (typeof h !== 'string' || !(isIP(h) || /^[A-Za-z0-9*][A-Za-z0-9.-]*$/.test(h))) throw new InvalidArgumentError('hostnames', `not a DNS name or IP literal: ${JSON.stringify(h)}`);
    if (!names.includes(h.toLowerCase())) names.push(h.toLowerCase());
  }
  const now = (options.now ?? new Date()).getTime();
  // UTCTime/GeneralizedTime carry whole seconds (RFC 5280 §4.1.2.5.1).
  const notBefore = new Date(Math.floor((now - 60_000) / 1000) * 1000);
  // RFC 5280 §4.1.2.5: the period runs from notBefore through notAfter, inclusive.
  const notAfter = new Date(notBefore.getTime() + Math.floor(validityMs / 1000) * 1000 - 1000);

  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = seq(set(seq(oid(OID_COMMON_NAME), utf8('h3-wasi development certificate'))));
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40; // positive, 16 octets, minimal encoding (RFC 5280 §4.1.2.2)
  const tbs = seq(
    explicit(0, integer(Uint8Array.of(2))), // v3
    integer(serial),
    seq(oid(OID_ECDSA_WITH_SHA256)), // RFC 5758 §3.2: no parameters
    name,
    seq(time(notBefore), time(notAfter)),
    name, // self-signed: subject = issuer
    spki,
    explicit(3, seq(
      extension(OID_SUBJECT_ALT_NAME, false, seq(...names.map(generalName))),
      extension(OID_BASIC_CONSTRAINTS, true, seq()), // cA FALSE (the DEFAULT is omitted in DER)
      extension(OID_KEY_USAGE, true, Uint8Array.of(0x03, 0x02, 0x07, 0x80)), // digitalSignature
      extension(OID_EXT_KEY_USAGE, false, seq(oid(OID_SERVER_AUTH))),
    )),
  );
  const signature = crypto.sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const certDer = seq(tbs, seq(oid(OID_ECDSA_WITH_SHA256)), bitString(signature));
  const cert = toPem('CERTIFICATE', certDer);
  return {
    cert,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certDer,
    notBefore,
    notAfter,
    names,
    ...hashes(certDer, spki),
  };
}

/** The hashes of a certificate given as PEM (the first one in the text) or DER. */
export function certificateHashes(cert: string | Uint8Array): CertificateHashes {
  let x: crypto.X509Certificate;
  try {
    x = new crypto.X509Certificate(typeof cert === 'string' ? cert : Buffer.from(cert));
  } catch (e) {
    throw new InvalidArgumentError('cert', `not an X.509 certificate: ${(e as Error).message}`);
  }
  return hashes(x.raw, x.publicKey.export({ type: 'spki', format: 'der' }));
}

function hashes(certDer: Uint8Array, spki: Uint8Array): CertificateHashes {
  const sha256 = new Uint8Array(crypto.createHash('sha256').update(certDer).digest());
  return {
    sha256,
    sha256Fingerprint: Buffer.from(sha256).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:'),
    spkiSha256Base64: crypto.createHash('sha256').update(spki).digest('base64'),
  };
}

function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

// ---------------------------------------------------------------------------
// The DER this template needs (X.690 §8, §10): definite lengths, minimal forms.

const OID_COMMON_NAME = '2.5.4.3';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const lenBytes: number[] = [];
  if (len < 0x80) lenBytes.push(len);
  else {
    for (let l = len; l > 0; l = Math.floor(l / 256)) lenBytes.unshift(l & 0xff);
    lenBytes.unshift(0x80 | lenBytes.length);
  }
  const out = new Uint8Array(1 + lenBytes.length + len);
  out[0] = tag;
  out.set(lenBytes, 1);
  let o = 1 + lenBytes.length;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const seq = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
const set = (...parts: Uint8Array[]) => tlv(0x31, ...parts);
const explicit = (n: number, inner: Uint8Array) => tlv(0xa0 | n, inner);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bitString = (bytes: Uint8Array) => tlv(0x03, Uint8Array.of(0), bytes);

/** A non-negative INTEGER from big-endian magnitude bytes (a 0x00 prefix keeps the sign bit clear). */
function integer(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0 && magnitude[i + 1] < 0x80) i++;
  const m = magnitude.subarray(i);
  return m[0] >= 0x80 ? tlv(0x02, Uint8Array.of(0), m) : tlv(0x02, m);
}

function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const b: number[] = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) b.unshift(0x80 | (v & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(d: Date): Uint8Array {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

/** RFC 5280 §4.2.1.6: dNSName [2] IA5String, iPAddress [7] OCTET STRING (4 or 16 octets). */
function generalName(name: string): Uint8Array {
  if (isIP(name)) return tlv(0x87, parseIp(name)!);
  return tlv(0x82, Buffer.from(name, 'ascii'));
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? seq(oid(id), Uint8Array.of(0x01, 0x01, 0xff), tlv(0x04, value))
    : seq(oid(id), tlv(0x04, value));
}
