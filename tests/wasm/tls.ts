// Test entry: exposes assembly/tls/ internals to tests/tls/*.test.ts.
export { cabi_realloc } from "../../assembly/api/abi";
import { parseCertificate, Certificate } from "../../assembly/tls/x509";
import { certMatchesHost, dnsNameMatches } from "../../assembly/tls/names";
import { pemDecodeAll, base64Decode } from "../../assembly/tls/pem";
import { parseP256PrivateKey } from "../../assembly/tls/pkcs8";
import { hex } from "./lib/hex";


/** A JSON summary of a parsed certificate (or {"error":n}). */
export function certInfo(der: Uint8Array): string {
  const c = parseCertificate(der.dataStart, <usize>der.length);
  if (c.error != 0) return `{"error":${c.error}}`;
  let dns = "";
  for (let i = 0; i < c.dnsNames.length; i++) dns += (i ? "," : "") + "\"" + c.dnsNames[i] + "\"";
  let ips = "";
  for (let i = 0; i < c.ipAddrs.length; i++) ips += (i ? "," : "") + "\"" + hex(c.ipAddrs[i].dataStart, c.ipAddrs[i].length) + "\"";
  return `{"error":0,"version":${c.version},"serial":"${hex(c.ptr(c.serialOff), c.serialLen)}","sigAlg":${<i32>c.sigAlg},` +
    `"notBefore":${c.notBefore},"notAfter":${c.notAfter},"keyType":${<i32>c.keyType},"pub":"${hex(c.ptr(c.pubOff), c.pubLen)}",` +
    `"rsaN":"${hex(c.ptr(c.rsaNOff), c.rsaNLen)}","rsaE":"${hex(c.ptr(c.rsaEOff), c.rsaELen)}",` +
    `"dns":[${dns}],"ips":[${ips}],"isCA":${c.isCA},"hasBC":${c.hasBasicConstraints},"pathLen":${c.pathLen},` +
    `"hasKU":${c.hasKeyUsage},"ku":${c.keyUsage},"hasEKU":${c.hasExtKeyUsage},"serverAuth":${c.ekuServerAuth},` +
    `"selfIssued":${c.selfIssued},"tbsLen":${c.tbsLen},"sigLen":${c.sigLen}}`;
}

/** Parses only; returns the error code (never traps). */
export function certParse(der: Uint8Array): i32 {
  return parseCertificate(der.dataStart, <usize>der.length).error;
}

export function certMatches(der: Uint8Array, host: string): i32 {
  const c = parseCertificate(der.dataStart, <usize>der.length);
  if (c.error != 0) return -1;
  return certMatchesHost(c, host) ? 1 : 0;
}

export function dnsMatch(pattern: string, host: string): bool { return dnsNameMatches(pattern, host); }

export function pemDecode(text: Uint8Array, label: string): Uint8Array[] {
  return pemDecodeAll(text.dataStart, <usize>text.length, label);
}

export function b64(text: Uint8Array): Uint8Array | null { return base64Decode(text.dataStart, <usize>text.length); }

export function p256Key(der: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(32);
  return parseP256PrivateKey(der.dataStart, <usize>der.length, out.dataStart) ? out : null;
}

import { configNew, connNew, connStart, connHandle, connOutput, connConfirm, connFree, configFree, NewHandle } from "../../assembly/tls/engine";
import { encodeTlsOutputs } from "../../assembly/api/tls_events";
import { QuicTransportParamsPolicy } from "../../assembly/quic/transport_params";
import { Writer } from "../../assembly/wire/writer";

const tpPolicy = new QuicTransportParamsPolicy();

let lastError = "";
function handleOf(r: NewHandle): u32 { lastError = r.error; return r.handle; }
export function tlsConfigNew(blob: Uint8Array): u32 { return handleOf(configNew(blob.dataStart, <usize>blob.length, tpPolicy)); }
export function tlsLastError(): string { return lastError; }
export function tlsConnNew(cfg: u32, session: Uint8Array): u32 { return handleOf(connNew(cfg, session.dataStart, <usize>session.length)); }
// The tests pass wall-clock milliseconds; the in-core API's monotonic `nowUs` is derived from them.
export function tlsStart(h: u32, nowMs: u64): bool { return connStart(h, nowMs * 1000, nowMs); }
export function tlsHandle(h: u32, level: i32, data: Uint8Array, nowMs: u64): bool { return connHandle(h, level, data.dataStart, <usize>data.length, nowMs * 1000, nowMs); }
export function tlsConfirm(h: u32): void { connConfirm(h); }
export function tlsFree(h: u32): void { connFree(h); }
export function tlsConfigFree(h: u32): void { configFree(h); }
/** The pending outputs in the host's byte encoding (api/tls_events.ts). */
export function tlsEvents(h: u32): Uint8Array {
  const w = new Writer();
  const q = connOutput(h);
  if (q != null) encodeTlsOutputs(q, w);
  const out = new Uint8Array(<i32>w.len);
  memory.copy(out.dataStart, w.buf, w.len);
  w.release();
  return out;
}

import { TlsOutputKind } from "../../assembly/tls/output";

/**
 * The pending typed outputs (tls/output.ts) as JSON, then cleared: what an
 * in-core QUIC connection sees. Bytes as hex; kinds by TlsOutputKind number.
 */
export function tlsOutputs(h: u32): string {
  const q = connOutput(h);
  if (q == null) return "[]";
  let s = "[";
  for (let i = 0; i < q.length; i++) {
    const o = q.at(i)!;
    if (i) s += ",";
    s += `{"kind":${<i32>o.kind},"level":${o.level}`;
    if (o.kind == TlsOutputKind.Secret) s += `,"read":${o.read},"suite":${o.suite}`;
    if (o.kind == TlsOutputKind.Complete) s += `,"alpn":"${hex(o.alpn.dataStart, o.alpn.length)}","earlyData":${o.earlyData},"tp":"${hex(o.transportParams.dataStart, o.transportParams.length)}"`;
    if (o.kind == TlsOutputKind.EarlyData) s += `,"accepted":${o.accepted}`;
    if (o.kind == TlsOutputKind.Error) s += `,"code":${o.code},"alert":${o.alert}`;
    s += `,"bytes":"${hex(o.ptr, <i32>o.len)}"}`;
  }
  q.clear();
  return s + "]";
}

import { KeySchedule } from "../../assembly/tls/key_schedule";
import { HashAlg } from "../../assembly/crypto/hash";

/** Runs the key schedule stages: [early, c hs traffic, s hs traffic, handshake, master] for a given ECDHE and CH..SH hash. */
export function keySchedule(sha384: bool, ecdhe: Uint8Array, helloHash: Uint8Array): Uint8Array[] {
  const ks = new KeySchedule(sha384 ? HashAlg.SHA384 : HashAlg.SHA256);
  const hl = ks.hashLen;
  const out: Uint8Array[] = [];
  ks.early(0, 0);
  out.push(ks.secret.slice(0, hl));
  ks.handshake(ecdhe.dataStart, <usize>ecdhe.length);
  const c = new Uint8Array(hl); const s = new Uint8Array(hl);
  ks.derive("c hs traffic", helloHash.dataStart, c.dataStart);
  ks.derive("s hs traffic", helloHash.dataStart, s.dataStart);
  out.push(c); out.push(s);
  out.push(ks.secret.slice(0, hl));
  ks.master();
  out.push(ks.secret.slice(0, hl));
  return out;
}

// ---- micro-benchmarks for bench/tls.bench.mjs (the cost split of a handshake) ----
import { KeyShare } from "../../assembly/tls/key_share";
import { sha256 } from "../../assembly/crypto/sha256";
import { ecdsaP256SignDigest, ecdsaP256VerifyDigest, p256PublicKey } from "../../assembly/crypto/p256";
import { newHash } from "../../assembly/crypto/hash";
import { hmac } from "../../assembly/crypto/hmac";

/** n key exchanges as in one handshake: two key pairs and two agreements. */
export function benchKeyExchange(group: u16, n: i32): i32 {
  const shared = new Uint8Array(32);
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const a = new KeyShare(group);
    const b = new KeyShare(group);
    if (a.agree(b.pub.dataStart, <usize>b.pub.length, shared.dataStart)) ok++;
    if (b.agree(a.pub.dataStart, <usize>a.pub.length, shared.dataStart)) ok++;
  }
  return ok;
}

const benchPriv = new Uint8Array(32);
const benchPub = new Uint8Array(65);
const benchRs = new Uint8Array(64);
const benchDigest = new Uint8Array(32);

export function benchSign(n: i32): i32 {
  benchPriv[31] = 7; benchPriv[0] = 0x11;
  p256PublicKey(benchPub.dataStart, benchPriv.dataStart);
  let ok = 0;
  for (let i = 0; i < n; i++) {
    benchDigest[0] = <u8>i;
    if (ecdsaP256SignDigest(benchRs.dataStart, benchPriv.dataStart, benchDigest.dataStart)) ok++;
  }
  return ok;
}

export function benchVerify(n: i32): i32 {
  benchSign(1);
  let ok = 0;
  for (let i = 0; i < n; i++) if (ecdsaP256VerifyDigest(benchPub.dataStart, 65, benchDigest.dataStart, benchRs.dataStart)) ok++;
  return ok;
}

/**
 * n runs of one side's key schedule and transcript work: about 2.5 KB of
 * transcript hashed, 8 intermediate hashes (clones), the early / handshake /
 * master extracts, 7 Derive-Secrets, 2 Finished MACs, 2 CertificateVerify digests.
 */
export function benchKeySchedule(n: i32): i32 {
  const transcript = new Uint8Array(2560);
  const th = new Uint8Array(48);
  const out = new Uint8Array(48);
  const ecdhe = new Uint8Array(32);
  for (let i = 0; i < n; i++) {
    const h = newHash(HashAlg.SHA256);
    for (let k = 0; k < 8; k++) {
      h.update(transcript.dataStart + <usize>(k * 320), 320);
      h.clone().finish(th.dataStart);
    }
    const ks = new KeySchedule(HashAlg.SHA256);
    ks.early(0, 0);
    ks.handshake(ecdhe.dataStart, 32);
    ks.derive("c hs traffic", th.dataStart, out.dataStart);
    ks.derive("s hs traffic", th.dataStart, out.dataStart);
    ks.master();
    ks.derive("c ap traffic", th.dataStart, out.dataStart);
    ks.derive("s ap traffic", th.dataStart, out.dataStart);
    ks.derive("exp master", th.dataStart, out.dataStart);
    ks.derive("res master", th.dataStart, out.dataStart);
    ks.verifyData(out.dataStart, th.dataStart, out.dataStart);
    ks.verifyData(out.dataStart, th.dataStart, out.dataStart);
    sha256(transcript.dataStart, 130, out.dataStart);
    sha256(transcript.dataStart, 130, out.dataStart);
    hmac(HashAlg.SHA256, out.dataStart, 32, th.dataStart, 32, out.dataStart);
  }
  return n;
}

/** n X.509 parses of `der`. */
export function benchParse(der: Uint8Array, n: i32): i32 {
  let ok = 0;
  for (let i = 0; i < n; i++) if (parseCertificate(der.dataStart, <usize>der.length).error == 0) ok++;
  return ok;
}

import { verifyCertificateVerify } from "../../assembly/tls/verify";

/** Client-side CertificateVerify check against the leaf certificate `der`: 0 or the alert (-1: bad certificate). */
export function cvVerify(der: Uint8Array, scheme: u16, sig: Uint8Array, th: Uint8Array): i32 {
  const c = parseCertificate(der.dataStart, <usize>der.length);
  if (c.error != 0) return -1;
  return <i32>verifyCertificateVerify(c, scheme, sig.dataStart, <usize>sig.length, th.dataStart, <usize>th.length);
}
