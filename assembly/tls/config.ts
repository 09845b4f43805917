// Configuration shared by many connections (parsed once): roles, ALPN,
// preferences, certificates and trust. Built from a compact TLV blob by
// `parseConfig` (the host wrapper in host/tls/ writes it):
//
//   config := { tag u8, len u32 (big endian), value }*
//
// Tags are the CFG_* constants below; repeated tags append (ALPN, pins).

import { Reader } from "../wire/reader";
import { randomBytes } from "../crypto/random";
import { Certificate, parseCertificate, X509_OK } from "./x509";
import { pemDecodeAll } from "./pem";
import { parseP256PrivateKey } from "./pkcs8";
import {
  TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, GROUP_X25519, GROUP_SECP256R1,
} from "./constants";
import { suiteKnown } from "./suites";
import { TransportParamsPolicy } from "./transport_params_policy";

export const CFG_SERVER: u8 = 0;
export const CFG_SERVER_NAME: u8 = 1;
export const CFG_ALPN: u8 = 2;
export const CFG_CIPHER_SUITES: u8 = 3;
export const CFG_GROUPS: u8 = 4;
export const CFG_VERIFY_MODE: u8 = 5;
export const CFG_TRUST_ANCHORS_PEM: u8 = 6;
export const CFG_PINNED_SHA256: u8 = 7;
export const CFG_CERT_CHAIN_PEM: u8 = 8;
export const CFG_PRIVATE_KEY_PEM: u8 = 9;
export const CFG_TRANSPORT_PARAMS: u8 = 10;
export const CFG_QUIC: u8 = 11;
export const CFG_KEYLOG: u8 = 12;
export const CFG_EARLY_DATA: u8 = 15;
export const CFG_TICKET_KEY: u8 = 16;
export const CFG_TICKETS: u8 = 17;
export const CFG_KEY_SHARES: u8 = 19;
export const CFG_TICKET_LIFETIME: u8 = 20;

/** Certificate verification modes (client). */
export const VERIFY_CHAIN: u8 = 0;
export const VERIFY_PINNED: u8 = 1;
export const VERIFY_INSECURE: u8 = 2;

@final
export class TlsConfig {
  isServer: bool = false;
  /** Client: the reference identity (DNS name or IP literal); also sent as SNI when it is a DNS name. */
  serverName: string = "";
  alpn: Uint8Array[] = [];
  cipherSuites: u16[] = [TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256];
  groups: u16[] = [GROUP_X25519, GROUP_SECP256R1];
  verifyMode: u8 = VERIFY_CHAIN;
  trustAnchors: Certificate[] = [];
  pinnedHashes: Uint8Array[] = [];
  /** Server: DER chain (leaf first) and the P-256 private scalar. */
  certChain: Uint8Array[] = [];
  privateKey: Uint8Array = new Uint8Array(32);
  hasPrivateKey: bool = false;
  /** Our quic_transport_parameters extension body (already encoded; opaque to TLS). */
  transportParams: Uint8Array = new Uint8Array(0);
  /** The QUIC layer's rules on transport parameters; required when `quic` (set by whoever creates the config). */
  transportParamsPolicy: TransportParamsPolicy | null = null;
  /** RFC 9001 rules on (transport parameters mandatory, no middlebox compatibility, 0-RTT limits). */
  quic: bool = true;
  keyLog: bool = false;
  /** Client: offer 0-RTT when the session allows; server: accept it. */
  earlyData: bool = false;
  /** Server: AES-128-GCM key protecting session tickets (random per config). */
  ticketKey: Uint8Array = new Uint8Array(16);
  /** Server: tickets sent after the handshake (0 disables resumption). */
  tickets: i32 = 1;
  ticketLifetime: u32 = 7200;
  /** Client: how many of the preferred groups get a key share in the first ClientHello. */
  keyShares: i32 = 1;
  /** Why parseConfig failed ("" on success). */
  error: string = "";

  constructor() { randomBytes(this.ticketKey.dataStart, 16); }
}

function u16List(p: usize, n: usize): u16[] {
  const out: u16[] = [];
  for (let i: usize = 0; i + 1 < n; i += 2) out.push(bswap<u16>(load<u16>(p + i)));
  return out;
}

function copy(p: usize, n: usize): Uint8Array {
  const out = new Uint8Array(<i32>n);
  if (n) memory.copy(out.dataStart, p, n);
  return out;
}

/** Parses a config blob; `error` is set on failure. */
export function parseConfig(ptr: usize, len: usize): TlsConfig {
  const c = new TlsConfig();
  const r = new Reader(ptr, len);
  while (!r.atEnd) {
    const tag = r.u8();
    const n = <usize>r.u32();
    const p = r.bytes(n);
    if (r.failed) { c.error = "truncated config"; return c; }
    switch (tag) {
      case CFG_SERVER: c.isServer = n > 0 && load<u8>(p) != 0; break;
      case CFG_SERVER_NAME: c.serverName = String.UTF8.decodeUnsafe(p, n, false); break;
      case CFG_ALPN:
        if (n == 0 || n > 255) { c.error = "ALPN protocol names are 1..255 bytes"; return c; }
        c.alpn.push(copy(p, n)); break;
      case CFG_CIPHER_SUITES: {
        const l = u16List(p, n);
        for (let i = 0; i < l.length; i++) if (!suiteKnown(l[i])) { c.error = "unknown cipher suite"; return c; }
        if (l.length == 0) { c.error = "no cipher suites"; return c; }
        c.cipherSuites = l; break;
      }
      case CFG_GROUPS: {
        const l = u16List(p, n);
        for (let i = 0; i < l.length; i++) if (l[i] != GROUP_X25519 && l[i] != GROUP_SECP256R1) { c.error = "unknown group"; return c; }
        if (l.length == 0) { c.error = "no groups"; return c; }
        c.groups = l; break;
      }
      case CFG_VERIFY_MODE:
        // Refused, never guessed (issue 8): an unknown mode must not verify less than 'chain'.
        if (n != 1 || load<u8>(p) > VERIFY_INSECURE) { c.error = "verify mode must be 0 (chain), 1 (pinned) or 2 (insecure)"; return c; }
        c.verifyMode = load<u8>(p); break;
      case CFG_TRUST_ANCHORS_PEM: {
        const ders = pemDecodeAll(p, n, "CERTIFICATE");
        for (let i = 0; i < ders.length; i++) {
          const cert = parseCertificate(ders[i].dataStart, <usize>ders[i].length);
          if (cert.error != X509_OK) { c.error = "unparseable trust anchor"; return c; }
          c.trustAnchors.push(cert);
        }
        if (ders.length == 0) { c.error = "no CERTIFICATE in trust anchors PEM"; return c; }
        break;
      }
      case CFG_PINNED_SHA256:
        if (n != 32) { c.error = "pinned hashes are SHA-256 (32 bytes)"; return c; }
        c.pinnedHashes.push(copy(p, n)); break;
      case CFG_CERT_CHAIN_PEM: {
        c.certChain = pemDecodeAll(p, n, "CERTIFICATE");
        if (c.certChain.length == 0) { c.error = "no CERTIFICATE in chain PEM"; return c; }
        const leaf = parseCertificate(c.certChain[0].dataStart, <usize>c.certChain[0].length);
        if (leaf.error != X509_OK) { c.error = "unparseable certificate"; return c; }
        break;
      }
      case CFG_PRIVATE_KEY_PEM: {
        let keys = pemDecodeAll(p, n, "PRIVATE KEY");
        if (keys.length == 0) keys = pemDecodeAll(p, n, "EC PRIVATE KEY");
        if (keys.length == 0 || !parseP256PrivateKey(keys[0].dataStart, <usize>keys[0].length, c.privateKey.dataStart)) {
          c.error = "the private key must be an ECDSA P-256 key (PKCS#8 or SEC1 PEM)"; return c;
        }
        c.hasPrivateKey = true; break;
      }
      case CFG_TRANSPORT_PARAMS: c.transportParams = copy(p, n); break;
      case CFG_QUIC: c.quic = n > 0 && load<u8>(p) != 0; break;
      case CFG_KEYLOG: c.keyLog = n > 0 && load<u8>(p) != 0; break;
      case CFG_EARLY_DATA: c.earlyData = n > 0 && load<u8>(p) != 0; break;
      case CFG_TICKET_KEY:
        if (n != 16) { c.error = "ticket key must be 16 bytes"; return c; }
        c.ticketKey = copy(p, n); break;
      case CFG_TICKETS: c.tickets = n > 0 ? <i32>load<u8>(p) : 0; break;
      case CFG_KEY_SHARES: c.keyShares = n > 0 ? <i32>load<u8>(p) : 1; break;
      case CFG_TICKET_LIFETIME:
        if (n != 4) { c.error = "ticket lifetime is a u32"; return c; }
        c.ticketLifetime = bswap<u32>(load<u32>(p));
        // RFC 9846 §4.6.1: servers MUST NOT use any value greater than 604800 seconds
        if (c.ticketLifetime > 604800) c.ticketLifetime = 604800;
        break;
      default: break; // unknown tags are ignored (forward compatibility)
    }
  }
  if (c.isServer && (c.certChain.length == 0 || !c.hasPrivateKey)) c.error = "a server needs a certificate chain and a private key";
  return c;
}
