// Fuzzing the QUIC endpoints of the component (wit/quic.wit) with random,
// mutated and correctly protected datagrams. One `QuicFuzzer` drives one
// target endpoint — a client or a server — that first completes a handshake
// with a peer endpoint over the simulator (tests/helpers/pair.ts), so that a
// live connection and its 1-RTT keys exist (when an input closes it, the
// next input gets a new one; every WORLD_INPUTS inputs the endpoints are
// replaced, with another cipher suite and other CID lengths). Then the
// fuzzer plays the peer:
//
//   random      random bytes of random lengths (0..1500), some behind a
//               plausible first byte and the live connection's CID
//   mutated     bit flips, byte replacements, truncation, extension, splicing
//               of datagrams captured from the simulator runs
//   initial     correctly protected Initial packets (RFC 9001 §5.2: keys from
//               the Destination CID) with mutated frames: to a server as new
//               connections (>= 1200 bytes, a captured ClientHello mutated or
//               not) and to the handshakes those started; to a client as the
//               server of a handshake it started (a captured ServerHello
//               mutated or not), with Version Negotiation and Retry packets
//   handshake   Handshake packets for those handshakes, protected with the
//               secrets the target's `keylog` events give (RFC 9001 §5.1)
//   1rtt        1-RTT packets for the live connection, protected with the
//               peer's CLIENT/SERVER_TRAFFIC_SECRET_0 from the key log, above
//               the packet numbers the target received; frames well formed
//               (kept consistent with a small model of streams, CIDs and what
//               the target sent) or structurally wrong (unknown types, huge
//               varints, stream IDs and offsets out of range, ACK ranges that
//               underflow, NEW_CONNECTION_ID lengths, long CONNECTION_CLOSE
//               reasons, DATAGRAM sizes, ...), and key updates (RFC 9001 §6)
//
// After each input the endpoint is driven the way a host does (wit/quic.wit:
// poll-transmit until empty, poll-events, on-timeout at next-timeout a few
// times). Checked after every input:
//   - no exception from the component (a trap is a WebAssembly.RuntimeError
//     and kills the instance): it becomes a FuzzFailure carrying the seed,
//     the input's index and kind and its bytes in hex (with the plaintext of
//     protected packets);
//   - the core's linear memory stays under a limit (core-hooks.ts reads it);
//   - every connection the target closes itself closes with a defined
//     transport error code (RFC 9000 §20.1: 0x00..0x10, CRYPTO_ERROR
//     0x0100..0x01ff), never as an application close; when the live
//     connection closes after a 1-RTT input, the CONNECTION_CLOSE frame
//     (type 0x1c) it sends carries that code.
//
// Replay: the fuzzer's choices come from `seed`, and core-hooks.ts seeds the
// core's randomness from it too, with a fixed wall clock and a fixed server
// certificate, so a run with the same seed and role in a fresh process
// repeats byte for byte (within one process the core's random pool,
// assembly/crypto/random.ts, carries bytes over from an earlier run).
// bench/fuzz-quic.mjs prints the command that replays a failure.
import { coreMemoryBytes, coreHooked, seedCoreRandom } from './core-hooks.js';
import crypto from 'node:crypto';
import { quic } from '../../host/core/engine.js';
import { decodeQuicFrames } from '../../host/codec/index.js';
import { Pair, prng } from './pair.js';
import { QuicSimEndpoint, addr, pollEvents, NO_TIMEOUT, type QuicOptions, type QuicEventRecord } from './quic-sim.js';
import { packDatagrams, unpackDatagrams } from '../../host/quic/wire.js';
import { longTypeBits, type LongType } from './packet.js';

export type Role = 'client' | 'server';

// ---------------------------------------------------------------- randomness

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) { this.next = prng(seed); }
  float(): number { return this.next(); }
  int(n: number): number { return Math.floor(this.next() * n); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** A 62-bit value. */
  big62(): bigint { return (BigInt(this.int(2 ** 30)) << 32n) | BigInt(this.int(2 ** 32)); }
  /** Index by weight. */
  weighted(ws: readonly number[]): number {
    let t = 0;
    for (const w of ws) t += w;
    let x = this.float() * t;
    for (let i = 0; i < ws.length; i++) { x -= ws[i]; if (x < 0) return i; }
    return ws.length - 1;
  }
}

// ---------------------------------------------------------------- packet protection (RFC 9001 §5, node:crypto)

export type Alg = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
/** TLS 1.3 cipher suites (RFC 9846 §B.4) and their AEAD. */
export const SUITES: Record<number, Alg> = { 0x1301: 'aes-128-gcm', 0x1302: 'aes-256-gcm', 0x1303: 'chacha20-poly1305' };
export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;

export interface Keys { alg: Alg; version: number; secret: Buffer; key: Buffer; iv: Buffer; hp: Buffer }

const hashOf = (alg: Alg) => (alg === 'aes-256-gcm' ? 'sha384' : 'sha256');
const keyLenOf = (alg: Alg) => (alg === 'aes-128-gcm' ? 16 : 32);

function hkdfExpand(hash: string, prk: Uint8Array, info: Uint8Array, len: number): Buffer {
  const out: Buffer[] = [];
  let t: Buffer = Buffer.alloc(0);
  for (let i = 1, n = 0; n < len; i++) {
    t = crypto.createHmac(hash, prk).update(t).update(info).update(Buffer.of(i)).digest();
    out.push(t);
    n += t.length;
  }
  return Buffer.concat(out).subarray(0, len);
}

/** RFC 9846 §7.1 HKDF-Expand-Label with an empty context. */
export function expandLabel(hash: string, secret: Uint8Array, label: string, len: number): Buffer {
  const full = Buffer.from('tls13 ' + label);
  return hkdfExpand(hash, secret, Buffer.concat([Buffer.of(len >> 8, len & 255, full.length), full, Buffer.of(0)]), len);
}

/** RFC 9001 §5.1 / RFC 9369 §3.3.2 labels. */
const labelsOf = (v: number) => (v === QUIC_V2
  ? { key: 'quicv2 key', iv: 'quicv2 iv', hp: 'quicv2 hp', ku: 'quicv2 ku' }
  : { key: 'quic key', iv: 'quic iv', hp: 'quic hp', ku: 'quic ku' });

/** RFC 9001 §5.1: key, IV and header-protection key from a traffic secret. */
export function packetKeys(alg: Alg, version: number, secret: Uint8Array): Keys {
  const h = hashOf(alg);
  const l = labelsOf(version);
  const s = Buffer.from(secret);
  return { alg, version, secret: s, key: expandLabel(h, s, l.key, keyLenOf(alg)), iv: expandLabel(h, s, l.iv, 12), hp: expandLabel(h, s, l.hp, keyLenOf(alg)) };
}

/** RFC 9001 §6.1: the next key phase ("quic ku"); the header-protection key does not change. */
export function nextPhaseKeys(k: Keys): Keys {
  const s = expandLabel(hashOf(k.alg), k.secret, labelsOf(k.version).ku, k.secret.length);
  return { ...packetKeys(k.alg, k.version, s), hp: k.hp };
}

const SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');
const SALT_V2 = Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex');

/** RFC 9001 §5.2 (RFC 9369 §3.3.1 for v2): Initial keys of both directions from the client's Destination CID. */
export function initialKeys(version: number, dcid: Uint8Array): { client: Keys; server: Keys } {
  const prk = crypto.createHmac('sha256', version === QUIC_V2 ? SALT_V2 : SALT_V1).update(dcid).digest();
  return {
    client: packetKeys('aes-128-gcm', version, expandLabel('sha256', prk, 'client in', 32)),
    server: packetKeys('aes-128-gcm', version, expandLabel('sha256', prk, 'server in', 32)),
  };
}

/** RFC 9001 §5.4.3 / §5.4.4: the five-byte header-protection mask. */
function hpMask(k: Keys, sample: Uint8Array): Buffer {
  if (k.alg === 'chacha20-poly1305') return crypto.createCipheriv('chacha20', k.hp, sample).update(Buffer.alloc(5));
  const c = crypto.createCipheriv(k.alg === 'aes-128-gcm' ? 'aes-128-ecb' : 'aes-256-ecb', k.hp, null);
  c.setAutoPadding(false);
  return c.update(sample).subarray(0, 5);
}

/** RFC 9001 §5.3: the IV XOR the packet number. */
function nonceOf(iv: Buffer, pn: bigint): Buffer {
  const n = Buffer.from(iv);
  for (let i = 0; i < 8; i++) n[11 - i] ^= Number((pn >> BigInt(8 * i)) & 0xffn);
  return n;
}

function seal(k: Keys, pn: bigint, aad: Uint8Array, plain: Uint8Array): Buffer {
  const c = crypto.createCipheriv(k.alg, k.key, nonceOf(k.iv, pn), { authTagLength: 16 } as crypto.CipherGCMOptions) as crypto.CipherGCM;
  c.setAAD(aad);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function open(k: Keys, pn: bigint, aad: Uint8Array, ct: Uint8Array): Buffer | null {
  if (ct.length < 16) return null;
  const d = crypto.createDecipheriv(k.alg, k.key, nonceOf(k.iv, pn), { authTagLength: 16 } as crypto.CipherGCMOptions) as crypto.DecipherGCM;
  d.setAAD(aad);
  d.setAuthTag(ct.subarray(ct.length - 16));
  try { return Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]); } catch { return null; }
}

/**
 * RFC 9001 §5.3-5.4: `header` ends with the truncated packet number
 * (`pnLen` bytes); returns header ‖ AEAD(payload) with header protection.
 * pnLen + payload must be at least 4 bytes (the sample, §5.4.2).
 */
export function protect(k: Keys, header: Uint8Array, pnLen: number, payload: Uint8Array, pn: bigint): Uint8Array {
  const ct = seal(k, pn, header, payload);
  const out = new Uint8Array(header.length + ct.length);
  out.set(header);
  out.set(ct, header.length);
  const pnOff = header.length - pnLen;
  const mask = hpMask(k, out.subarray(pnOff + 4, pnOff + 20));
  out[0] ^= mask[0] & ((out[0] & 0x80) !== 0 ? 0x0f : 0x1f);
  for (let i = 0; i < pnLen; i++) out[pnOff + i] ^= mask[1 + i];
  return out;
}

/** RFC 9000 Appendix A.3. */
export function decodePacketNumber(largest: bigint, truncated: bigint, bits: number): bigint {
  const expected = largest + 1n;
  const win = 1n << BigInt(bits);
  const hwin = win / 2n;
  const candidate = (expected & ~(win - 1n)) | truncated;
  if (candidate <= expected - hwin && candidate < (1n << 62n) - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

/** Header protection only: the first byte and packet number (RFC 9001 §5.4.1). */
export function readPacketNumber(k: Keys, pkt: Uint8Array, pnOff: number, largest: bigint): { pn: bigint; pnLen: number; first: number } | null {
  if (pkt.length < pnOff + 20) return null;
  const mask = hpMask(k, pkt.subarray(pnOff + 4, pnOff + 20));
  const first = pkt[0] ^ (mask[0] & ((pkt[0] & 0x80) !== 0 ? 0x0f : 0x1f));
  const pnLen = (first & 3) + 1;
  let t = 0n;
  for (let i = 0; i < pnLen; i++) t = (t << 8n) | BigInt(pkt[pnOff + i] ^ mask[1 + i]);
  return { pn: decodePacketNumber(largest, t, pnLen * 8), pnLen, first };
}

/** Removes protection from one packet (exactly its bytes); null when it does not authenticate. */
export function unprotect(k: Keys, pkt: Uint8Array, pnOff: number, largest: bigint): { pn: bigint; first: number; plain: Buffer } | null {
  const p = readPacketNumber(k, pkt, pnOff, largest);
  if (p === null) return null;
  const hdr = Buffer.from(pkt.subarray(0, pnOff + p.pnLen));
  hdr[0] = p.first;
  for (let i = 0; i < p.pnLen; i++) hdr[pnOff + i] = Number((p.pn >> BigInt(8 * (p.pnLen - 1 - i))) & 0xffn);
  const plain = open(k, p.pn, hdr, pkt.subarray(pnOff + p.pnLen));
  return plain === null ? null : { pn: p.pn, first: p.first, plain };
}

/** RFC 9001 §5.8 (RFC 9369 §3.3.3): the Retry Integrity Tag. */
export function retryTag(version: number, odcid: Uint8Array, retryWithoutTag: Uint8Array): Buffer {
  const v2 = version === QUIC_V2;
  const key = Buffer.from(v2 ? '8fb4b01b56ac48e260fbcbcead7ccc92' : 'be0c690b9f66575a1d766b54e368c84e', 'hex');
  const nonce = Buffer.from(v2 ? 'd86969bc2d7c6d9990efb04a' : '461599d35d632bf2239825bb', 'hex');
  const c = crypto.createCipheriv('aes-128-gcm', key, nonce) as crypto.CipherGCM;
  c.setAAD(Buffer.concat([Buffer.of(odcid.length), odcid, retryWithoutTag]));
  c.final();
  return c.getAuthTag();
}

// ---------------------------------------------------------------- bytes and varints (RFC 9000 §16)

export const MAX_VARINT = (1n << 62n) - 1n;
const vlen = (v: bigint) => (v < 64n ? 1 : v < 16384n ? 2 : v < 1073741824n ? 4 : 8);

export class W {
  buf = new Uint8Array(256);
  len = 0;
  private ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  u8(x: number): this { this.ensure(1); this.buf[this.len++] = x & 0xff; return this; }
  u32(x: number): this { return this.u8(x >>> 24).u8(x >>> 16).u8(x >>> 8).u8(x); }
  bytes(b: Uint8Array): this { this.ensure(b.length); this.buf.set(b, this.len); this.len += b.length; return this; }
  zeros(n: number): this { this.ensure(n); this.buf.fill(0, this.len, this.len + n); this.len += n; return this; }
  /** A varint, on `force` bytes when that is at least the shortest form (values above 2^62-1 are clamped). */
  varint(v: bigint | number, force = 0): this {
    let x = BigInt(v);
    if (x < 0n) x = 0n;
    if (x > MAX_VARINT) x = MAX_VARINT;
    const n = Math.max(vlen(x), force === 1 || force === 2 || force === 4 || force === 8 ? force : 0);
    const prefix = n === 1 ? 0 : n === 2 ? 0x40 : n === 4 ? 0x80 : 0xc0;
    for (let i = n - 1; i >= 0; i--) this.u8(Number((x >> BigInt(8 * i)) & 0xffn) | (i === n - 1 ? prefix : 0));
    return this;
  }
  take(): Uint8Array { return this.buf.slice(0, this.len); }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** A minimal varint reader over captured (trusted) bytes. */
class R {
  constructor(public b: Uint8Array, public o = 0) {}
  get left() { return this.b.length - this.o; }
  u8(): number { if (this.o >= this.b.length) throw new RangeError('short'); return this.b[this.o++]; }
  varint(): bigint {
    const f = this.u8();
    const n = 1 << (f >> 6);
    let v = BigInt(f & 0x3f);
    for (let i = 1; i < n; i++) v = (v << 8n) | BigInt(this.u8());
    return v;
  }
  bytes(n: number): Uint8Array { if (n > this.left) throw new RangeError('short'); const s = this.b.subarray(this.o, this.o + n); this.o += n; return s; }
}

// ---------------------------------------------------------------- packets (RFC 9000 §17)

/** The inverse of packet.ts's longTypeBits (RFC 9000 §17.2 Table 5, RFC 9369 §3.2). */
function typeOfBits(bits: number, version: number): LongType {
  const v1 = version === QUIC_V2 ? (bits + 3) & 3 : bits;
  return (['initial', '0rtt', 'handshake', 'retry'] as const)[v1];
}

const truncPn = (w: W, pn: bigint, n: number) => { for (let i = n - 1; i >= 0; i--) w.u8(Number((pn >> BigInt(8 * i)) & 0xffn)); };

export interface LongPacket {
  type: Exclude<LongType, 'retry'>; version: number; dcid: Uint8Array; scid: Uint8Array; token?: Uint8Array;
  pn: bigint; pnLen: number; payload: Uint8Array; keys: Keys;
  /** Pad the packet (with PADDING frames) to this size. */
  padTo?: number;
  /** The two reserved bits (RFC 9000 §17.2: must be zero). */
  reserved?: number;
}

/** A protected long-header packet. */
export function longPacket(o: LongPacket): Uint8Array {
  let payload = o.payload;
  if (o.pnLen + payload.length < 4) payload = concat(payload, new Uint8Array(4 - o.pnLen - payload.length));
  const head = (plen: number) => {
    const w = new W().u8(0xc0 | (longTypeBits(o.type, o.version) << 4) | ((o.reserved ?? 0) << 2) | (o.pnLen - 1)).u32(o.version)
      .u8(o.dcid.length).bytes(o.dcid).u8(o.scid.length).bytes(o.scid);
    if (o.type === 'initial') w.varint(o.token?.length ?? 0).bytes(o.token ?? new Uint8Array(0));
    w.varint(o.pnLen + plen + 16, 2);
    truncPn(w, o.pn, o.pnLen);
    return w.take();
  };
  if (o.padTo !== undefined) {
    const need = o.padTo - (head(payload.length).length + payload.length + 16);
    if (need > 0) payload = concat(payload, new Uint8Array(need));
  }
  return protect(o.keys, head(payload.length), o.pnLen, payload, o.pn);
}

export interface ShortPacket { dcid: Uint8Array; pn: bigint; pnLen: number; payload: Uint8Array; keys: Keys; keyPhase: number; spin?: boolean; reserved?: number }

/** A protected 1-RTT packet (RFC 9000 §17.3.1). */
export function shortPacket(o: ShortPacket): Uint8Array {
  let payload = o.payload;
  if (o.pnLen + payload.length < 4) payload = concat(payload, new Uint8Array(4 - o.pnLen - payload.length));
  const w = new W().u8(0x40 | (o.spin ? 0x20 : 0) | ((o.reserved ?? 0) << 3) | (o.keyPhase << 2) | (o.pnLen - 1)).bytes(o.dcid);
  truncPn(w, o.pn, o.pnLen);
  return protect(o.keys, w.take(), o.pnLen, payload, o.pn);
}

/** One packet of a (well-formed) datagram: where it is and its header fields. */
export interface PacketView {
  long: boolean; type: LongType | '1rtt' | 'vn'; version: number; dcid: Uint8Array; scid: Uint8Array;
  pnOff: number; bytes: Uint8Array;
}

/** Splits a datagram we built or the core built into its packets (RFC 9000 §12.2); stops at what does not parse. */
export function splitPackets(d: Uint8Array, shortDcidLen: number): PacketView[] {
  const out: PacketView[] = [];
  let o = 0;
  try {
    while (o < d.length) {
      const r = new R(d, o);
      const first = r.u8();
      if ((first & 0x80) === 0) {
        const dcid = r.bytes(shortDcidLen);
        out.push({ long: false, type: '1rtt', version: 0, dcid, scid: new Uint8Array(0), pnOff: 1 + shortDcidLen, bytes: d.subarray(o) });
        break;
      }
      const version = (r.u8() << 24 | r.u8() << 16 | r.u8() << 8 | r.u8()) >>> 0;
      const dcid = r.bytes(r.u8());
      const scid = r.bytes(r.u8());
      if (version === 0) { out.push({ long: true, type: 'vn', version, dcid, scid, pnOff: 0, bytes: d.subarray(o) }); break; }
      const type = typeOfBits((first >> 4) & 3, version);
      if (type === 'retry') { out.push({ long: true, type, version, dcid, scid, pnOff: 0, bytes: d.subarray(o) }); break; }
      if (type === 'initial') r.bytes(Number(r.varint()));
      const len = Number(r.varint());
      const pnOff = r.o;
      if (pnOff + len > d.length) break;
      out.push({ long: true, type, version, dcid, scid, pnOff: pnOff - o, bytes: d.subarray(o, pnOff + len) });
      o = pnOff + len;
    }
  } catch { /* a truncated header ends the walk */ }
  return out;
}

/** CRYPTO frames of a captured Initial/Handshake payload (PADDING, PING, ACK skipped; stops at anything else). */
function cryptoFrames(plain: Uint8Array): { offset: number; data: Uint8Array }[] {
  const out: { offset: number; data: Uint8Array }[] = [];
  const r = new R(plain);
  try {
    while (r.left > 0) {
      const t = r.varint();
      if (t === 0x00n || t === 0x01n) continue;
      if (t === 0x02n || t === 0x03n) {
        r.varint(); r.varint();
        const n = Number(r.varint());
        r.varint();
        for (let i = 0; i < n; i++) { r.varint(); r.varint(); }
        if (t === 0x03n) { r.varint(); r.varint(); r.varint(); }
        continue;
      }
      if (t !== 0x06n) break;
      const offset = Number(r.varint());
      out.push({ offset, data: r.bytes(Number(r.varint())) });
    }
  } catch { /* truncated */ }
  return out;
}

/** Joins CRYPTO frames into the stream from offset 0 (as far as it is contiguous). */
function cryptoStream(frames: { offset: number; data: Uint8Array }[]): Uint8Array {
  const sorted = [...frames].sort((a, b) => a.offset - b.offset);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const f of sorted) {
    if (f.offset > at) break;
    if (f.offset + f.data.length <= at) continue;
    parts.push(f.data.subarray(at - f.offset));
    at = f.offset + f.data.length;
  }
  return concat(...parts);
}

// ---------------------------------------------------------------- mutations

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x06, 0x08, 0x0f, 0x18, 0x1c, 0x1f, 0x21, 0x30, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xfe, 0xff];
const MAX_MUTANT = 4096;

/** 1..4 of: bit flip, byte replacement, truncation, extension, insertion, deletion, duplication, splice with a donor. */
export function mutateBytes(r: Rng, input: Uint8Array, donors: readonly Uint8Array[]): Uint8Array {
  let b = Uint8Array.from(input);
  const ops = 1 + r.int(4);
  for (let k = 0; k < ops; k++) {
    switch (r.int(9)) {
      case 0: if (b.length) b[r.int(b.length)] ^= 1 << r.int(8); break;
      case 1: if (b.length) b[r.int(b.length)] = r.pick(INTERESTING); break;
      case 2: b = b.slice(0, r.int(b.length + 1)); break;
      case 3: b = concat(b, r.chance(0.5) ? r.bytes(1 + r.int(64)) : new Uint8Array(1 + r.int(1200))); break;
      case 4: { const at = r.int(b.length + 1); b = concat(b.subarray(0, at), r.bytes(1 + r.int(16)), b.subarray(at)); break; }
      case 5: { const at = r.int(b.length + 1); b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r.int(16)))); break; }
      case 6: { if (!b.length) break; const at = r.int(b.length); const n = 1 + r.int(Math.min(64, b.length - at)); b = concat(b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n)); break; }
      case 7: { // splice: a prefix of this with a suffix of a donor
        if (!donors.length) break;
        const d = r.pick(donors);
        b = concat(b.subarray(0, r.int(b.length + 1)), d.subarray(r.int(d.length + 1)));
        break;
      }
      case 8: { // a run of bytes that reads as a huge varint
        if (!b.length) break;
        const at = r.int(b.length);
        b[at] = 0xc0 | r.int(64);
        for (let i = 1; i < 8 && at + i < b.length; i++) b[at + i] = r.chance(0.5) ? 0xff : r.int(256);
        break;
      }
    }
  }
  return b.length > MAX_MUTANT ? b.subarray(0, MAX_MUTANT) : b;
}

// ---------------------------------------------------------------- frames (RFC 9000 §19)

/** What the fuzzer, as the peer, knows about the live connection: enough to keep well-formed frames legal. */
export class PeerModel {
  /** Our send offset and whether we sent FIN/RESET, per stream we write to. */
  readonly streams = new Map<bigint, { offset: bigint; fin: boolean }>();
  /** The target's largest 1-RTT packet number seen in its output (-1: none). */
  targetLargest = -1n;
  /**
   * The 1-RTT packet numbers it sent lately: a well-formed ACK names only
   * those (it skips some on purpose, RFC 9000 §21.4, and an ACK of one it
   * did not send is PROTOCOL_VIOLATION, §13.1).
   */
  readonly targetSent = new Set<bigint>();
  onTargetSent(pn: bigint) {
    this.targetSent.add(pn);
    if (pn > this.targetLargest) this.targetLargest = pn;
    if (this.targetSent.size > 512) for (const x of this.targetSent) { if (this.targetSent.size <= 384) break; this.targetSent.delete(x); }
  }
  /** Bytes of new stream data we may still send: well within the target's flow control (RFC 9000 §4.1). */
  credit = 256n << 10n;
  /** Next NEW_CONNECTION_ID sequence number (above anything the real peer issued). */
  ncidSeq = 100n;
  /** Streams the target opened (frames for a stream it has not opened are STREAM_STATE_ERROR, RFC 9000 §19.5, §19.10). */
  readonly targetStreams: bigint[] = [];
  constructor(readonly targetIsServer: boolean, readonly datagramMax: number, readonly peerCidLen: number) {}
  /**
   * Stream IDs (RFC 9000 §2.1): the i-th of ours (the peer's) from
   * `streamBase` on, and the target's, bidirectional or not.
   */
  peerStream(bidi: boolean, i: number): bigint { return BigInt((i + this.streamBase) * 4 + (this.targetIsServer ? 0 : 1) + (bidi ? 0 : 2)); }
  targetStream(bidi: boolean, i: number): bigint { return BigInt(i * 4 + (this.targetIsServer ? 1 : 0) + (bidi ? 0 : 2)); }
  /** The index of our first stream of each type: the simulator's real peer may have used the first. */
  streamBase = 1;
  /**
   * A model for frames that get mutated after they are made (or sit before
   * a broken one): what the target makes of them is unknown, so they use
   * streams and NEW_CONNECTION_ID sequence numbers of their own, and this
   * model's stay right.
   */
  fork(): PeerModel {
    const m = new PeerModel(this.targetIsServer, this.datagramMax, this.peerCidLen);
    m.streamBase = 60;
    m.targetLargest = this.targetLargest;
    for (const x of this.targetSent) m.targetSent.add(x);
    m.ncidSeq = this.ncidSeq + 1_000_000n;
    m.targetStreams.push(...this.targetStreams);
    return m;
  }
  /**
   * What a payload we did not make from this model (mutated bytes) told the
   * target, so that later well-formed frames stay legal: stream data and
   * final sizes (RFC 9000 §4.5), NEW_CONNECTION_ID sequence numbers
   * (§19.15). Decoded with the engine's own frame decoder; a payload it
   * refuses closes the connection anyway.
   */
  observe(payload: Uint8Array): void {
    let frames: ReturnType<typeof decodeQuicFrames>;
    try { frames = decodeQuicFrames('1rtt', payload); } catch { return; }
    for (const f of frames) {
      if (f.type === 'stream') {
        const s = this.stream(f.streamId);
        const end = f.offset + BigInt(f.data.length);
        if (end > s.offset) { this.credit -= end - s.offset; s.offset = end; }
        if (f.fin) s.fin = true;
      } else if (f.type === 'resetStream' || f.type === 'resetStreamAt') {
        const s = this.stream(f.streamId);
        if (f.finalSize > s.offset) { this.credit -= f.finalSize - s.offset; s.offset = f.finalSize; }
        s.fin = true;
      } else if (f.type === 'newConnectionId' && f.sequenceNumber >= this.ncidSeq) {
        this.ncidSeq = f.sequenceNumber + 1n;
      }
    }
  }

  /** A stream of ours that the target sends on too, or one the target opened. */
  sendingStream(r: Rng): bigint {
    return this.targetStreams.length && r.chance(0.4) ? r.pick(this.targetStreams) : this.peerStream(true, r.int(6));
  }
  stream(id: bigint) {
    let s = this.streams.get(id);
    if (!s) { s = { offset: 0n, fin: false }; this.streams.set(id, s); }
    return s;
  }
}

/** Frame types (RFC 9000 §19, RFC 9221 §4). */
export const F = {
  PADDING: 0x00, PING: 0x01, ACK: 0x02, ACK_ECN: 0x03, RESET_STREAM: 0x04, STOP_SENDING: 0x05, CRYPTO: 0x06,
  NEW_TOKEN: 0x07, STREAM: 0x08, MAX_DATA: 0x10, MAX_STREAM_DATA: 0x11, MAX_STREAMS_BIDI: 0x12, MAX_STREAMS_UNI: 0x13,
  DATA_BLOCKED: 0x14, STREAM_DATA_BLOCKED: 0x15, STREAMS_BLOCKED_BIDI: 0x16, STREAMS_BLOCKED_UNI: 0x17,
  NEW_CONNECTION_ID: 0x18, RETIRE_CONNECTION_ID: 0x19, PATH_CHALLENGE: 0x1a, PATH_RESPONSE: 0x1b,
  CONNECTION_CLOSE: 0x1c, CONNECTION_CLOSE_APP: 0x1d, HANDSHAKE_DONE: 0x1e, DATAGRAM: 0x30, DATAGRAM_LEN: 0x31,
  /** draft-ietf-quic-reliable-stream-reset §4 (the target advertises reset_stream_at). */
  RESET_STREAM_AT: 0x24,
} as const;

/** Varint values spread over the four lengths and the edges. */
function anyVarint(r: Rng): bigint {
  switch (r.int(7)) {
    case 0: return BigInt(r.int(64));
    case 1: return BigInt(r.int(16384));
    case 2: return BigInt(r.int(2 ** 30));
    case 3: return r.big62();
    case 4: return r.pick([0n, 63n, 64n, 16383n, 16384n, 1073741823n, 1073741824n, 1n << 60n, (1n << 60n) + 1n, MAX_VARINT - 1n, MAX_VARINT]);
    case 5: return MAX_VARINT - BigInt(r.int(1 << 20));
    default: return BigInt(r.int(256));
  }
}
/** Sometimes a longer encoding than needed (legal for values, RFC 9000 §16). */
const longer = (r: Rng) => (r.chance(0.08) ? r.pick([2, 4, 8]) : 0);

/** A well-formed 1-RTT frame that the model says the target should accept (mostly). Returns false if it must be last (no Length). */
export function goodFrame(r: Rng, w: W, m: PeerModel): boolean {
  switch (r.int(21)) {
    case 0: w.zeros(1 + r.int(30)); return true;
    case 1: w.varint(F.PING); return true;
    case 2: case 3: {
      if (!sentAck(r, w, m)) w.varint(F.PING);
      return true;
    }
    case 4: case 5: case 6: case 7: {
      const bidi = r.chance(0.7);
      const id = m.peerStream(bidi, r.int(6));
      const s = m.stream(id);
      const len = r.int(r.chance(0.9) ? 200 : 1000);
      let offset = s.offset;
      // after FIN or beyond our share of the flow-control windows: data sent before again
      const resend = s.fin || m.credit < BigInt(len) || s.offset > 32768n;
      if (resend) { if (s.offset === 0n) { w.varint(F.PING); return true; } offset = BigInt(r.int(Number(s.offset))); }
      const n = resend ? Math.min(len, Number(s.offset - offset)) : len;
      const fin = !resend && r.chance(0.1);
      const hasLen = r.chance(0.85);
      const hasOff = offset > 0n || r.chance(0.2);
      w.varint(F.STREAM | (hasOff ? 4 : 0) | (hasLen ? 2 : 0) | (fin ? 1 : 0)).varint(id, longer(r));
      if (hasOff) w.varint(offset, longer(r));
      if (hasLen) w.varint(n, longer(r));
      w.bytes(r.bytes(n));
      if (!resend) { s.offset = offset + BigInt(n); s.fin = fin; m.credit -= BigInt(n); }
      return hasLen;
    }
    case 8: {
      const id = m.peerStream(r.chance(0.5), r.int(6));
      const s = m.stream(id);
      const grow = s.fin || m.credit < 100n ? 0n : BigInt(r.int(100));
      m.credit -= grow;
      const size = s.offset + grow;
      // RESET_STREAM, or RESET_STREAM_AT with a Reliable Size up to the final size
      if (r.chance(0.5)) w.varint(F.RESET_STREAM).varint(id).varint(anyVarint(r)).varint(size);
      else w.varint(F.RESET_STREAM_AT).varint(id).varint(anyVarint(r)).varint(size).varint(BigInt(r.int(Number(size) + 1)));
      s.offset = size;
      s.fin = true;
      return true;
    }
    case 9: w.varint(F.STOP_SENDING).varint(m.sendingStream(r)).varint(anyVarint(r)); return true;
    case 10: w.varint(F.MAX_DATA).varint(anyVarint(r)); return true;
    case 11: w.varint(F.MAX_STREAM_DATA).varint(m.sendingStream(r)).varint(anyVarint(r)); return true;
    case 12: w.varint(r.chance(0.5) ? F.MAX_STREAMS_BIDI : F.MAX_STREAMS_UNI).varint(BigInt(r.int(1000)) + (r.chance(0.1) ? (1n << 60n) - 1000n : 0n)); return true;
    case 13: w.varint(F.DATA_BLOCKED).varint(anyVarint(r)); return true;
    case 14: w.varint(F.STREAM_DATA_BLOCKED).varint(m.peerStream(r.chance(0.5), r.int(6))).varint(anyVarint(r)); return true;
    case 15: w.varint(r.chance(0.5) ? F.STREAMS_BLOCKED_BIDI : F.STREAMS_BLOCKED_UNI).varint(BigInt(r.int(200))); return true;
    case 16: {
      // RFC 9000 §19.15: a new CID retiring the ones before it keeps us within active_connection_id_limit
      // (and a peer that uses zero-length CIDs sends none, §19.15 "PROTOCOL_VIOLATION")
      if (m.peerCidLen === 0) { w.varint(F.PING); return true; }
      const seq = m.ncidSeq++;
      const len = m.peerCidLen > 0 ? m.peerCidLen : 1 + r.int(20);
      const cid = r.bytes(len);
      w.varint(F.NEW_CONNECTION_ID).varint(seq).varint(seq - BigInt(r.int(2))).u8(len).bytes(cid).bytes(r.bytes(16));
      return true;
    }
    case 17: w.varint(F.RETIRE_CONNECTION_ID).varint(BigInt(1 + r.int(3))); return true;
    case 18: w.varint(r.chance(0.7) ? F.PATH_CHALLENGE : F.PATH_RESPONSE).bytes(r.bytes(8)); return true;
    case 19: {
      if (m.datagramMax <= 0) { w.varint(F.PING); return true; }
      const n = r.int(Math.min(m.datagramMax - 4, 300));
      const hasLen = r.chance(0.8);
      w.varint(hasLen ? F.DATAGRAM_LEN : F.DATAGRAM);
      if (hasLen) w.varint(n);
      w.bytes(r.bytes(n));
      return hasLen;
    }
    default: {
      if (m.targetIsServer) { w.varint(F.PING); return true; }
      // to a client: NEW_TOKEN (§19.7) and HANDSHAKE_DONE (§19.20)
      if (r.chance(0.5)) { const n = 1 + r.int(60); w.varint(F.NEW_TOKEN).varint(n).bytes(r.bytes(n)); } else w.varint(F.HANDSHAKE_DONE);
      return true;
    }
  }
}

/** An ACK (§19.3) of packets the target sent (their numbers from its output); false when none are known. */
function sentAck(r: Rng, w: W, m: PeerModel): boolean {
  if (m.targetSent.size === 0) return false;
  const sent = m.targetSent;
  let largest = m.targetLargest;
  for (let k = r.int(3); k > 0 && sent.has(largest - 1n); k--) largest--;
  if (!sent.has(largest)) return false;
  // ranges of numbers it sent, from the top down: [first range, (gap, length)*]
  const ranges: [bigint, bigint][] = [];
  let top = largest;
  const count = r.chance(0.3) ? 3 : 1;
  for (let i = 0; i < count; i++) {
    let low = top;
    while (low > 0n && sent.has(low - 1n) && top - low < 8n) low--;
    ranges.push([top, low]);
    // the next range starts at least two below (Gap >= 0): low - 1 stays unacknowledged even if it was sent
    let next = low - 2n;
    while (next >= 0n && !sent.has(next) && low - next < 64n) next--;
    if (next < 0n || !sent.has(next)) break;
    top = next;
  }
  const ecn = r.chance(0.1);
  w.varint(ecn ? F.ACK_ECN : F.ACK).varint(largest, longer(r)).varint(BigInt(r.int(r.chance(0.9) ? 2000 : 1 << 30))).varint(ranges.length - 1).varint(ranges[0][0] - ranges[0][1]);
  for (let i = 1; i < ranges.length; i++) w.varint(ranges[i - 1][1] - ranges[i][0] - 2n).varint(ranges[i][0] - ranges[i][1]);
  if (ecn) w.varint(BigInt(r.int(100))).varint(BigInt(r.int(100))).varint(BigInt(r.int(100)));
  return true;
}

/** ACK (§19.3) of `largest` with `ranges` extra ranges that never underflow. */
function writeAck(r: Rng, w: W, largest: bigint, ranges: number) {
  const ecn = r.chance(0.1);
  let first = BigInt(r.int(Math.min(8, Number(largest < 8n ? largest : 8n) + 1)));
  let smallest = largest - first;
  const gaps: [bigint, bigint][] = [];
  for (let i = 0; i < ranges && smallest >= 2n; i++) {
    const gap = BigInt(r.int(Math.min(4, Number(smallest - 2n) + 1)));
    const top = smallest - gap - 2n;
    const len = BigInt(r.int(Math.min(4, Number(top) + 1)));
    gaps.push([gap, len]);
    smallest = top - len;
  }
  w.varint(ecn ? F.ACK_ECN : F.ACK).varint(largest, longer(r)).varint(BigInt(r.int(r.chance(0.9) ? 2000 : 1 << 30))).varint(gaps.length).varint(first);
  for (const [g, l] of gaps) w.varint(g).varint(l);
  if (ecn) w.varint(BigInt(r.int(100))).varint(BigInt(r.int(100))).varint(BigInt(r.int(100)));
  first = 0n;
}

/** A frame that breaks a §19 or §2-§4 rule, or one the target cannot know. Returns false if it must be last. */
export function badFrame(r: Rng, w: W, m: PeerModel): boolean {
  switch (r.int(24)) {
    case 0: { // unknown frame type (§12.4: FRAME_ENCODING_ERROR)
      const t = r.pick([0x1f, 0x20, 0x21, 0x2f, 0x32, 0x40, 0x3f, 0xaf]) + (r.chance(0.3) ? r.int(1 << 20) : 0);
      w.varint(t).bytes(r.bytes(r.int(20)));
      return true;
    }
    case 1: w.varint(r.pick([F.PING, F.MAX_DATA, F.HANDSHAKE_DONE, F.PADDING]), r.pick([2, 4, 8])); if (r.chance(0.5)) w.varint(r.int(100)); return true;
    case 2: { // offset + length beyond 2^62-1 (§19.8)
      const n = 1 + r.int(50);
      w.varint(F.STREAM | 4 | 2).varint(m.peerStream(true, r.int(6))).varint(MAX_VARINT - BigInt(r.int(n))).varint(n).bytes(r.bytes(n));
      return true;
    }
    case 3: w.varint(F.STREAM | 2).varint(m.targetStream(false, r.int(4))).varint(5).bytes(r.bytes(5)); return true;
    case 4: { // beyond the stream limits, or huge stream IDs
      const id = r.chance(0.5) ? m.peerStream(r.chance(0.5), 100 + r.int(1_000_000)) : anyVarint(r);
      w.varint(F.STREAM | 2 | (r.chance(0.3) ? 1 : 0)).varint(id).varint(3).bytes(r.bytes(3));
      return true;
    }
    case 5: { // beyond flow control
      const id = m.peerStream(r.chance(0.5), r.int(6));
      w.varint(F.STREAM | 4 | 2).varint(id).varint(BigInt(1 << 20) + BigInt(r.int(1 << 30))).varint(10).bytes(r.bytes(10));
      return true;
    }
    case 6: w.varint(F.STREAM | 2).varint(m.peerStream(true, r.int(6))).varint(1000 + r.int(60000)).bytes(r.bytes(r.int(50))); return false;
    case 7: { // final size below what was received, a changed final size, or RESET_STREAM for a send-only stream
      const id = r.chance(0.7) ? m.peerStream(r.chance(0.5), r.int(6)) : m.targetStream(false, r.int(4));
      const s = m.stream(id);
      const size = s.offset > 0n ? s.offset - 1n - BigInt(r.int(Number(s.offset < 100n ? s.offset : 100n))) : anyVarint(r);
      if (r.chance(0.5)) w.varint(F.RESET_STREAM).varint(id).varint(0).varint(size < 0n ? 0n : size);
      // the same with RESET_STREAM_AT, or its Reliable Size above its Final Size (FRAME_ENCODING_ERROR)
      else if (r.chance(0.7)) w.varint(F.RESET_STREAM_AT).varint(id).varint(0).varint(size < 0n ? 0n : size).varint(0);
      else w.varint(F.RESET_STREAM_AT).varint(m.peerStream(true, r.int(6))).varint(0).varint(BigInt(r.int(100))).varint(100 + r.int(100));
      return true;
    }
    case 8: w.varint(r.pick([F.MAX_STREAMS_BIDI, F.MAX_STREAMS_UNI, F.STREAMS_BLOCKED_BIDI, F.STREAMS_BLOCKED_UNI])).varint((1n << 60n) + 1n + BigInt(r.int(1000)) * (r.chance(0.5) ? 1n : 1n << 40n)); return true;
    case 9: w.varint(F.MAX_STREAM_DATA).varint(m.peerStream(false, r.int(6))).varint(anyVarint(r)); return true;
    case 10: w.varint(F.STREAM_DATA_BLOCKED).varint(r.chance(0.5) ? m.targetStream(false, r.int(4)) : anyVarint(r)).varint(anyVarint(r)); return true;
    case 11: { // ACK of packets never sent (§13.1: PROTOCOL_VIOLATION)
      const largest = (m.targetLargest < 0n ? 0n : m.targetLargest) + 1n + (r.chance(0.5) ? BigInt(r.int(1000)) : anyVarint(r));
      writeAck(r, w, largest > MAX_VARINT ? MAX_VARINT : largest, r.int(3));
      return true;
    }
    case 12: { // ACK ranges that underflow (§19.3.1: FRAME_ENCODING_ERROR)
      const largest = m.targetLargest < 0n ? BigInt(r.int(10)) : m.targetLargest;
      w.varint(F.ACK).varint(largest).varint(0);
      if (r.chance(0.5)) w.varint(0).varint(largest + 1n + BigInt(r.int(10)));
      else w.varint(1).varint(0).varint(largest + BigInt(r.int(10))).varint(0);
      return true;
    }
    case 13: { // many ACK ranges, a range count larger than the frame, or ACK Delay at the top of the range
      if (r.chance(0.5)) {
        const n = 50 + r.int(400);
        w.varint(F.ACK).varint(MAX_VARINT - BigInt(r.int(1000))).varint(MAX_VARINT).varint(n).varint(r.int(5));
        for (let i = 0; i < n; i++) w.varint(r.int(3)).varint(r.int(3));
      } else {
        w.varint(F.ACK).varint(m.targetLargest < 0n ? 0 : m.targetLargest).varint(anyVarint(r)).varint(anyVarint(r)).varint(0);
      }
      return true;
    }
    case 14: { // NEW_CONNECTION_ID with a length of 0 or above 20, Retire Prior To above the sequence number, or too many
      const k = r.int(4);
      const seq = k === 3 ? 1n : m.ncidSeq++;
      const len = k === 0 ? r.pick([0, 21, 32, 255]) : 8;
      const cid = r.bytes(Math.min(len, 40));
      w.varint(F.NEW_CONNECTION_ID).varint(seq).varint(k === 1 ? seq + 1n + BigInt(r.int(10)) : k === 2 ? 0n : seq).u8(len).bytes(cid).bytes(r.bytes(16));
      return true;
    }
    case 15: w.varint(F.RETIRE_CONNECTION_ID).varint(r.chance(0.5) ? 0n : anyVarint(r)); return true;
    case 16: { // CONNECTION_CLOSE with a long reason (maybe longer than the frame, maybe not UTF-8)
      const app = r.chance(0.3);
      const n = r.pick([100, 1000, 1200, 3000]);
      w.varint(app ? F.CONNECTION_CLOSE_APP : F.CONNECTION_CLOSE).varint(anyVarint(r));
      if (!app) w.varint(anyVarint(r));
      const real = r.chance(0.5) ? n : r.int(n);
      w.varint(n).bytes(r.chance(0.5) ? r.bytes(real) : new Uint8Array(real).fill(0xe2));
      return real === n;
    }
    case 17: { // DATAGRAM above max_datagram_frame_size, or not negotiated (RFC 9221 §3)
      const n = (m.datagramMax > 0 ? m.datagramMax : 0) + 1 + r.int(200);
      w.varint(F.DATAGRAM_LEN).varint(n).bytes(r.bytes(n));
      return true;
    }
    case 18: w.varint(F.NEW_TOKEN).varint(r.chance(0.5) ? 0 : 1 + r.int(40)).bytes(r.bytes(r.int(40))); return true;
    case 19: w.varint(F.HANDSHAKE_DONE); return true;
    case 20: { // CRYPTO at 1-RTT: out of range, or data TLS will not take
      const off = r.chance(0.5) ? MAX_VARINT - BigInt(r.int(100)) : BigInt(r.int(1 << 20));
      const n = r.int(100);
      w.varint(F.CRYPTO).varint(off).varint(n).bytes(r.bytes(n));
      return true;
    }
    case 21: { // a well-formed frame cut short
      const t = new W();
      goodFrame(r, t, m);
      const b = t.take();
      w.bytes(b.subarray(0, Math.max(1, r.int(b.length))));
      return false;
    }
    case 22: w.varint(F.PATH_CHALLENGE).bytes(r.bytes(r.int(8))); return false;
    default: w.bytes(r.bytes(1 + r.int(40))); return false;
  }
}

/** Frames allowed in Initial and Handshake packets (§12.4 Table 3) and some that are not. */
function handshakeFrames(r: Rng, w: W, stream: Uint8Array | null, largestAck: bigint) {
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    switch (r.int(9)) {
      case 0: w.zeros(1 + r.int(20)); break;
      case 1: w.varint(F.PING); break;
      case 2: writeAck(r, w, largestAck >= 0n ? largestAck : BigInt(r.int(4)), r.int(2)); break;
      case 3: case 4: {
        const off = stream && r.chance(0.7) ? BigInt(r.int(stream.length + 1)) : anyVarint(r);
        const data = stream && r.chance(0.7) ? stream.subarray(Number(off < BigInt(stream.length) ? off : 0n)).subarray(0, r.int(400)) : r.bytes(r.int(200));
        w.varint(F.CRYPTO).varint(off).varint(data.length).bytes(data);
        break;
      }
      case 5: w.varint(F.CONNECTION_CLOSE).varint(anyVarint(r)).varint(anyVarint(r)).varint(5).bytes(r.bytes(5)); break;
      case 6: { const t = new W(); badFrame(r, t, new PeerModel(r.chance(0.5), 0, 8)); w.bytes(t.take()); break; }
      case 7: { const t = new W(); goodFrame(r, t, new PeerModel(r.chance(0.5), 1200, 8)); w.bytes(t.take()); break; }
      default: w.bytes(r.bytes(1 + r.int(30)));
    }
  }
}

/** A CRYPTO stream at offset 0 (whole or split, in or out of order), mutated or not, with other frames around it. */
function cryptoPayload(r: Rng, data: Uint8Array, donors: readonly Uint8Array[], largestAck: bigint): Uint8Array {
  const d = r.chance(0.55) ? mutateBytes(r, data, donors) : data;
  const w = new W();
  if (r.chance(0.2)) handshakeFrames(r, w, data, largestAck);
  if (r.chance(0.25) && d.length > 2) {
    const cut = 1 + r.int(d.length - 1);
    const parts: [number, Uint8Array][] = [[0, d.subarray(0, cut)], [cut, d.subarray(cut)]];
    if (r.chance(0.5)) parts.reverse();
    for (const [o, p] of parts) w.varint(F.CRYPTO).varint(o).varint(p.length).bytes(p);
  } else {
    w.varint(F.CRYPTO).varint(0).varint(d.length, longer(r)).bytes(d);
  }
  if (r.chance(0.3)) writeAck(r, w, largestAck >= 0n ? largestAck : 0n, 0);
  if (r.chance(0.1)) handshakeFrames(r, w, data, largestAck);
  const p = w.take();
  return r.chance(0.1) ? mutateBytes(r, p, donors) : p;
}

// ---------------------------------------------------------------- the fuzzer

export interface FuzzCert { certPem: string; keyPem: string }

/**
 * The fuzz server's certificate: self-signed P-256, valid 2026-2126, made
 * once with `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256
 * -nodes -subj /CN=localhost -days 36500 -addext subjectAltName=DNS:localhost`.
 * Fixed so that a seed replays the same handshakes (a fresh key would change
 * every transcript); the fuzz client does not verify it. A test key, no secret.
 */
export const FUZZ_CERT: FuzzCert = {
  certPem: `-----BEGIN CERTIFICATE-----
MIIBlTCCATugAwIBAgIUN2FjC2qY51UyZVLamIC7kbaaqDwwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEzMDE4NTU1M1oYDzIxMjYxMTA2
MTg1NTUzWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAS1Wir3GUE5aAZavbrDZk7YL2g1C/tZXohu+z+YT6bSv1bR8yh1+A5O
JmwzeIfE9XTyg4UzPnT1cTb15K36is1wo2kwZzAdBgNVHQ4EFgQU7urG2AarG8Hg
/tgY/zfBUV1e8DgwHwYDVR0jBBgwFoAU7urG2AarG8Hg/tgY/zfBUV1e8DgwDwYD
VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
SAAwRQIgS7kYkA5AzYir5KHGHq+zu4qfIJXBge+HndvUMmxztJcCIQDWuAq73Bvt
TdnsehnZKLLr+WXJn0GYr6VgK4GDZxL/wA==
-----END CERTIFICATE-----
`,
  keyPem: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgaN4fWW0tsIntIV81
tdaBJGZf1eaUNphcAs4BAqpJl6ehRANCAAS1Wir3GUE5aAZavbrDZk7YL2g1C/tZ
Xohu+z+YT6bSv1bR8yh1+A5OJmwzeIfE9XTyg4UzPnT1cTb15K36is1w
-----END PRIVATE KEY-----
`,
};

/** RFC 9000 §20.1 transport error codes and CRYPTO_ERROR (0x0100 + TLS alert). */
export function isDefinedTransportError(code: bigint): boolean {
  return (code >= 0x00n && code <= 0x10n) || (code >= 0x100n && code <= 0x1ffn);
}

/** RFC 9000 §20.1 names; CRYPTO_ERROR with the TLS alert's name (RFC 9846 §6). */
const ERRORS = ['NO_ERROR', 'INTERNAL_ERROR', 'CONNECTION_REFUSED', 'FLOW_CONTROL_ERROR', 'STREAM_LIMIT_ERROR', 'STREAM_STATE_ERROR',
  'FINAL_SIZE_ERROR', 'FRAME_ENCODING_ERROR', 'TRANSPORT_PARAMETER_ERROR', 'CONNECTION_ID_LIMIT_ERROR', 'PROTOCOL_VIOLATION',
  'INVALID_TOKEN', 'APPLICATION_ERROR', 'CRYPTO_BUFFER_EXCEEDED', 'KEY_UPDATE_ERROR', 'AEAD_LIMIT_REACHED', 'NO_VIABLE_PATH'];
const ALERTS: Record<number, string> = {
  10: 'unexpected_message', 20: 'bad_record_mac', 40: 'handshake_failure', 42: 'bad_certificate', 43: 'unsupported_certificate',
  46: 'certificate_unknown', 47: 'illegal_parameter', 48: 'unknown_ca', 50: 'decode_error', 51: 'decrypt_error',
  70: 'protocol_version', 71: 'insufficient_security', 80: 'internal_error', 109: 'missing_extension',
  110: 'unsupported_extension', 112: 'unrecognized_name', 116: 'certificate_required', 120: 'no_application_protocol',
};
export function errorName(code: bigint): string {
  if (code < BigInt(ERRORS.length)) return ERRORS[Number(code)];
  if (code >= 0x100n && code <= 0x1ffn) return `CRYPTO_ERROR(${ALERTS[Number(code - 0x100n)] ?? `alert ${code - 0x100n}`})`;
  return 'undefined';
}

export type InputKind = 'random' | 'mutated' | 'initial' | 'handshake' | '1rtt';
export const INPUT_KINDS: readonly InputKind[] = ['random', 'mutated', 'initial', 'handshake', '1rtt'];

export interface FuzzInput {
  kind: InputKind;
  /** A short description of what was built (for failures). */
  what: string;
  /** Each with the address it comes from (socket 0). */
  datagrams: { data: Uint8Array; addr: Uint8Array }[];
  /** Plaintext payloads of the protected packets in it. */
  plain: Uint8Array[];
}

/** A trap, a memory limit or a rule broken: everything needed to replay it. */
export class FuzzFailure extends Error {
  constructor(readonly role: Role, readonly seed: number, readonly index: number, readonly input: FuzzInput | null, reason: string, options?: { cause?: unknown }) {
    super(`QUIC fuzz (${role}) FUZZ_SEED=${seed} input #${index}${input ? ` [${input.kind}: ${input.what}]` : ''}: ${reason}`
      + (input ? '\n' + input.datagrams.map((d, i) => `  datagram ${i} (${d.data.length} bytes): ${hex(d.data)}`).join('\n')
        + input.plain.map((p, i) => `\n  plaintext ${i}: ${hex(p)}`).join('') : ''), options);
  }
}

export interface FuzzOptions {
  role: Role;
  seed: number;
  /** Default FUZZ_CERT. */
  cert?: FuzzCert;
  /** Fail when the core's linear memory exceeds this (bytes); default 256 MiB. */
  memoryLimit?: number;
}

export interface FuzzStats {
  role: Role;
  seed: number;
  inputs: number;
  byKind: Record<InputKind, number>;
  /** Closes the target reported, by how and the code ("local 0x07 FRAME_ENCODING_ERROR", "remote", "idle", ...). */
  closes: Record<string, number>;
  /** What closed the live connection: the input's description, how, the code and the reason. */
  liveCloses: Record<string, number>;
  /** Closes of the live connection after a 1-RTT input whose CONNECTION_CLOSE was read back off the wire. */
  closesVerified: number;
  /** Endpoint pairs made, and handshakes the simulator ran on them to (re)establish the live connection. */
  worlds: number;
  handshakes: number;
  /** Key updates the fuzzer initiated. */
  keyUpdates: number;
  /** Handshake packets sent with keys from the target's key log. */
  handshakeKeyed: number;
  memoryStart: number;
  memoryMax: number;
  elapsedMs: number;
}

/** The wall clock the endpoints see (2027-01-15), fixed for replays. */
const WALL = 1_800_000_000_000n;
const SERVER_ADDR = addr(2, 4433);
const CLIENT_ADDR = addr(1, 50000);
const EMPTY = new Uint8Array(0);
const MiB = 1 << 20;

interface Live {
  handle: number;
  /** The target's CID the peer sends to; the length of the peer's CIDs the target sends to. */
  dcid: Uint8Array;
  peerCidLen: number;
  /** Our (the peer's) 1-RTT keys by generation, and the target's. */
  tx: Keys[];
  targetTx: Keys[];
  gen: number;
  nextPn: bigint;
  model: PeerModel;
  /** A 1-RTT input came from another address: the wire check is off (amplification limits may hold the close back). */
  moved: boolean;
}

/** A handshake in progress on the target that the fuzzer plays the other side of. */
interface Pending {
  handle: number;
  version: number;
  /** The DCID our packets carry (routes to the connection) and our SCID. */
  dcid: Uint8Array;
  scid: Uint8Array;
  /** Initial keys in our sending direction; Handshake keys from the key log once TLS made them. */
  initialTx: Keys;
  hsTx: Keys | null;
  oneRttTx: Keys | null;
  pnInitial: bigint;
  pnHandshake: bigint;
  /** Client target: the client's original DCID (VN / Retry) and whether a Retry was sent. */
  odcid: Uint8Array;
  retried: boolean;
  inputs: number;
}

interface World {
  client: QuicSimEndpoint;
  server: QuicSimEndpoint;
  pair: Pair;
  suite: number;
  alg: Alg;
  target: QuicSimEndpoint;
  peer: QuicSimEndpoint;
  /** The peer's end of the live connection. */
  peerHandle: number;
  /** The peer's address as the target sees it. */
  from: Uint8Array;
  targetCidLen: number;
  peerCidLen: number;
  datagramMax: number;
  /** What both endpoints sent while `capturing` (the simulator runs). */
  captured: { fromTarget: boolean; data: Uint8Array }[];
  capturing: boolean;
  handshakes: number;
}

/** Inputs before the endpoints are replaced (another suite, other CID lengths). */
const WORLD_INPUTS = 20_000;

/** Fuzzes one endpoint role; `step()` runs one input. */
export class QuicFuzzer {
  readonly role: Role;
  readonly seed: number;
  readonly stats: FuzzStats;
  private readonly r: Rng;
  private readonly cert: FuzzCert;
  private readonly memoryLimit: number;
  private now = 0;
  private world: World | null = null;
  private worldSince = 0;
  private live: Live | null = null;
  private pending: Pending[] = [];
  /** The pending entry the current input may create (server target: a new connection). */
  private creating: Pending | null = null;
  private input: FuzzInput | null = null;
  private index = 0;
  /** The next input, when a hand-written case chose it. */
  private forced: (() => FuzzInput) | null = null;
  /** The live connection's last `closed` event. */
  private lastLiveClose: QuicEventRecord | null = null;
  /** Every input's bytes, hashed (two runs with one seed must agree). */
  private readonly hash = crypto.createHash('sha256');
  /** Datagrams the target sent while handling the current input. */
  private sent: Uint8Array[] = [];
  private liveClosed = false;
  // corpora, bounded
  private readonly toTarget: Uint8Array[] = [];
  private readonly fromTarget: Uint8Array[] = [];
  private readonly payloads: Uint8Array[] = [];
  private clientHello: Uint8Array = EMPTY;
  /** The SCID of the Initial that carried it: its transport parameters name it (RFC 9000 §7.3). */
  private clientHelloScid: Uint8Array = EMPTY;
  private serverHello: Uint8Array = EMPTY;
  private serverFlight: Uint8Array = EMPTY;
  private clientFlight: Uint8Array = EMPTY;
  private tickets: Uint8Array[] = [];
  private tokens: Uint8Array[] = [];

  constructor(o: FuzzOptions) {
    if (!coreHooked()) throw new Error('core-hooks.ts must be imported before the engine loads');
    this.role = o.role;
    this.seed = o.seed >>> 0;
    this.cert = o.cert ?? FUZZ_CERT;
    this.memoryLimit = o.memoryLimit ?? 256 * MiB;
    this.r = new Rng(this.seed ^ (o.role === 'server' ? 0x5e17e7 : 0xc11e47));
    seedCoreRandom(this.seed);
    this.stats = {
      role: o.role, seed: this.seed, inputs: 0, byKind: { random: 0, mutated: 0, initial: 0, handshake: 0, '1rtt': 0 },
      closes: {}, liveCloses: {}, closesVerified: 0, worlds: 0, handshakes: 0, keyUpdates: 0, handshakeKeyed: 0, memoryStart: coreMemoryBytes(), memoryMax: coreMemoryBytes(), elapsedMs: 0,
    };
  }

  get memory(): number { return coreMemoryBytes(); }

  /** SHA-256 of the inputs so far. */
  inputsDigest(): string { return this.hash.copy().digest('hex'); }

  /** Frees the endpoints; the core's randomness goes back to node:crypto. */
  close(): void {
    this.dropWorld();
    seedCoreRandom(null);
  }

  /** Runs `n` inputs; `onProgress` every `every` of them. Throws FuzzFailure. */
  run(n: number, onProgress?: (s: FuzzStats) => void, every = 10_000): FuzzStats {
    const t0 = performance.now();
    const base = this.stats.elapsedMs;
    for (let i = 0; i < n; i++) {
      this.step();
      if (onProgress && (i + 1) % every === 0) { this.stats.elapsedMs = base + performance.now() - t0; onProgress(this.stats); }
    }
    this.stats.elapsedMs = base + performance.now() - t0;
    return this.stats;
  }

  /** One input: generated, fed to the target, the target driven, everything checked. */
  step(): void {
    const index = this.index++;
    this.input = null;
    try {
      if (this.world === null || this.liveClosed) this.establish();
      const input = this.generate();
      this.input = input;
      for (const d of input.datagrams) this.hash.update(d.data);
      this.stats.inputs++;
      this.stats.byKind[input.kind]++;
      this.feed(input);
    } catch (e) {
      if (e instanceof FuzzFailure) throw e;
      // a trap is a WebAssembly.RuntimeError (the instance is dead after it); anything else thrown is reported as is
      const what = e instanceof WebAssembly.RuntimeError ? 'the component trapped' : 'exception';
      throw new FuzzFailure(this.role, this.seed, index, this.input, `${what}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`, { cause: e });
    }
    const mem = coreMemoryBytes();
    if (mem > this.stats.memoryMax) this.stats.memoryMax = mem;
    if (mem > this.memoryLimit) throw new FuzzFailure(this.role, this.seed, index, this.input, `core memory ${(mem / MiB).toFixed(1)} MiB exceeds the limit of ${(this.memoryLimit / MiB).toFixed(0)} MiB`);
  }

  private fail(reason: string): never {
    throw new FuzzFailure(this.role, this.seed, this.index - 1, this.input, reason);
  }

  // ---- the world: a client and a server endpoint, a live connection between them

  private dropWorld(): void {
    const w = this.world;
    if (w === null) return;
    w.client.close();
    w.server.close();
    this.world = null;
    this.live = null;
    this.pending = [];
  }

  /**
   * A live connection: on the current endpoints (a new handshake over the
   * simulator) or, every WORLD_INPUTS inputs, on new endpoints with another
   * cipher suite, CID lengths and DATAGRAM support.
   */
  private establish(): void {
    if (this.world === null || this.index - this.worldSince >= WORLD_INPUTS) this.newWorld();
    this.liveClosed = false;
    this.stats.handshakes++;
    const w = this.world!;
    const r = this.r;
    // what the harness started on the target goes (a client's handshakes would otherwise reach the real server)
    if (this.role === 'client') for (const p of this.pending) quic.connectionFree(p.handle);
    this.pending = [];
    if (this.live !== null) quic.connectionFree(this.live.handle);
    if (w.peerHandle !== 0) quic.connectionFree(w.peerHandle);
    this.live = null;
    const { client, server, pair } = w;
    for (const e of [client, server]) { e.events.length = 0; e.received.clear(); e.finished.clear(); }
    pair.now = this.now;
    w.captured = [];
    w.capturing = true;
    const conn = client.connect(this.now, SERVER_ADDR);
    const serverConn = () => server.events.find((e) => e.kind === 'connected')?.connection ?? 0;
    const ok = pair.run(() => client.events.some((e) => e.kind === 'connected' && e.connection === conn) && serverConn() !== 0, this.now + 20_000_000);
    if (!ok) this.fail(`the simulator handshake did not complete (client events: ${client.events.map((e) => e.kind).join(',')}; server: ${server.events.map((e) => e.kind).join(',')})`);
    const sconn = serverConn();
    const first = w.handshakes++ === 0;
    // streams the target opened (RFC 9000 §19.5, §19.10: frames for them are legal once they exist)
    const targetStreams: bigint[] = [];
    if (first) {
      // on a world's first connection, stream data and datagrams both ways for the captured datagrams to carry
      const data = r.bytes(1 + r.int(3000));
      const s0 = quic.streamOpen(conn, true);
      quic.streamWrite(conn, s0, data, true);
      const s1 = quic.streamOpen(conn, false);
      quic.streamWrite(conn, s1, data.subarray(0, r.int(data.length)), r.chance(0.5));
      const s2 = quic.streamOpen(sconn, r.chance(0.5));
      quic.streamWrite(sconn, s2, data.subarray(0, 1 + r.int(500)), r.chance(0.5));
      targetStreams.push(...(this.role === 'client' ? [s0, s1] : [s2]));
      quic.datagramSend(conn, data.subarray(0, 1 + r.int(100)));
      quic.datagramSend(sconn, data.subarray(0, 1 + r.int(100)));
      pair.run(() => false, pair.now + 300_000);
    }
    w.peerHandle = this.role === 'client' ? sconn : conn;
    const targetHandle = this.role === 'client' ? conn : sconn;
    // until the peer sent a 1-RTT packet of this connection (the target's DCID and packet numbers come from it)
    for (let k = 0; !this.learn(w, conn, targetHandle, targetStreams, first); k++) {
      if (k === 20) this.fail('no 1-RTT packet from the peer was captured');
      const n = w.captured.length;
      pair.run(() => w.captured.length > n, pair.now + 100_000);
    }
    w.capturing = false;
    this.now = Math.ceil(pair.now);
    // what the simulator delivered to our bookkeeping: closes of earlier handshakes and the like
    const evs = w.target.events.slice();
    for (const e of [client, server]) { e.events.length = 0; e.received.clear(); e.finished.clear(); }
    for (const e of evs) this.onEvent(e);
  }

  /** New endpoints and a simulator between them. */
  private newWorld(): void {
    this.dropWorld();
    this.worldSince = this.index;
    this.stats.worlds++;
    const r = this.r;
    const suite = r.pick([0x1301, 0x1302, 0x1303]);
    const targetCidLen = r.pick([8, 8, 8, 4, 20]);
    const peerCidLen = r.pick([8, 8, 8, 0, 20]);
    const datagramMax = r.chance(0.8) ? 1200 : 0;
    const tq: QuicOptions = { connectionIdLength: targetCidLen, maxDatagramFrameSize: datagramMax, handshakeTimeout: 2000, maxConnections: 256 };
    const pq: QuicOptions = { connectionIdLength: peerCidLen, maxDatagramFrameSize: 1200 };
    const alpn = ['fuzz'];
    // every third world, the target writes qlog: its JSON writer sees the mutated frames too (drawn without the PRNG, so inputs stay as they were)
    const qlog = process.env.FUZZ_QLOG === '0' ? false : this.stats.worlds % 3 === 0;
    const client = new QuicSimEndpoint(1, 50000, {
      quic: this.role === 'client' ? tq : pq,
      qlog: this.role === 'client' && qlog,
      tls: { serverName: 'localhost', alpn, verify: 'insecure', cipherSuites: [suite], keyLog: true, transportParams: EMPTY },
    } as never);
    const server = new QuicSimEndpoint(2, 4433, {
      quic: this.role === 'server' ? tq : pq,
      qlog: this.role === 'server' && qlog,
      tls: { server: true, alpn, certChainPem: this.cert.certPem, privateKeyPem: this.cert.keyPem, keyLog: true, transportParams: EMPTY },
    } as never);
    for (const e of [client, server]) (e as { wall: bigint }).wall = WALL;
    const target = this.role === 'client' ? client : server;
    const w: World = {
      client, server, pair: new Pair(client, server, { seed: r.int(2 ** 32) }), suite, alg: SUITES[suite], target,
      peer: this.role === 'client' ? server : client, peerHandle: 0, from: this.role === 'client' ? SERVER_ADDR : CLIENT_ADDR,
      targetCidLen, peerCidLen, datagramMax, captured: [], capturing: false, handshakes: 0,
    };
    for (const e of [client, server]) {
      const orig = e.pollTransmit.bind(e);
      e.pollTransmit = (now) => {
        const d = orig(now);
        if (d && w.capturing) w.captured.push({ fromTarget: e === target, data: d.data.slice() });
        return d;
      };
    }
    this.world = w;
  }

  /**
   * Keys from the key log, CIDs and packet numbers from the captured
   * datagrams, corpora for the generators; false while no 1-RTT packet of
   * the peer's was captured.
   */
  private learn(w: World, clientConn: number, targetHandle: number, targetStreams: bigint[], first: boolean): boolean {
    const { alg, targetCidLen, peerCidLen } = w;
    const log = new Map<string, Buffer>();
    for (const e of w.client.events) {
      if (e.kind === 'keyLog' && e.connection === clientConn) {
        const [label, , secret] = new TextDecoder().decode(e.bytes).split(' ');
        log.set(label, Buffer.from(secret, 'hex'));
      }
      if (e.kind === 'ticket') keep(this.tickets, e.bytes.slice(), 8);
      if (e.kind === 'newToken') keep(this.tokens, e.bytes.slice(), 8);
    }
    const secret = (l: string) => { const x = log.get(l); if (!x) this.fail(`no ${l} in the key log`); return x; };
    const clientTx = packetKeys(alg, QUIC_V1, secret('CLIENT_TRAFFIC_SECRET_0'));
    const serverTx = packetKeys(alg, QUIC_V1, secret('SERVER_TRAFFIC_SECRET_0'));
    const peerTx = this.role === 'client' ? serverTx : clientTx;
    const targetTx = this.role === 'client' ? clientTx : serverTx;
    const hsKeys = { c: packetKeys(alg, QUIC_V1, secret('CLIENT_HANDSHAKE_TRAFFIC_SECRET')), s: packetKeys(alg, QUIC_V1, secret('SERVER_HANDSHAKE_TRAFFIC_SECRET')) };
    // short headers carry the receiver's CIDs
    const serverCidLen = this.role === 'server' ? targetCidLen : peerCidLen;
    const clientCidLen = this.role === 'client' ? targetCidLen : peerCidLen;
    let dcid: Uint8Array | null = null;
    let peerCid: Uint8Array = EMPTY;
    let largestIn = -1n;
    let largestOut = -1n;
    const outPns: bigint[] = [];
    let initial: { client: Keys; server: Keys } | null = null;
    type Frames = { offset: number; data: Uint8Array }[];
    const cs: Record<'ci' | 'si' | 'ch' | 'sh', Frames> = { ci: [], si: [], ch: [], sh: [] };
    const largest = { ci: -1n, si: -1n, ch: -1n, sh: -1n };
    for (const c of w.captured) {
      const fromClient = (this.role === 'client') === c.fromTarget;
      for (const p of splitPackets(c.data, fromClient ? serverCidLen : clientCidLen)) {
        if (p.type === 'initial' || p.type === 'handshake') {
          if (p.type === 'initial' && initial === null && fromClient) { initial = initialKeys(p.version, p.dcid); this.clientHelloScid = p.scid.slice(); }
          if (initial === null) continue;
          const key = p.type === 'initial' ? (fromClient ? 'ci' : 'si') : (fromClient ? 'ch' : 'sh');
          const k = p.type === 'initial' ? (fromClient ? initial.client : initial.server) : (fromClient ? hsKeys.c : hsKeys.s);
          const u = unprotect(k, p.bytes, p.pnOff, largest[key]);
          if (u) { if (u.pn > largest[key]) largest[key] = u.pn; cs[key].push(...cryptoFrames(u.plain)); }
        } else if (p.type === '1rtt') {
          if (!c.fromTarget) {
            // (a stateless reset for an earlier connection looks like a short header too)
            const u = unprotect(peerTx, p.bytes, p.pnOff, largestIn);
            if (u) { dcid ??= p.dcid.slice(); if (u.pn > largestIn) largestIn = u.pn; if (first) keep(this.payloads, u.plain, 64); }
          } else {
            const u = unprotect(targetTx, p.bytes, p.pnOff, largestOut);
            if (u) { peerCid = p.dcid.slice(); if (u.pn > largestOut) largestOut = u.pn; outPns.push(u.pn); }
          }
        }
      }
    }
    if (dcid === null) return false;
    for (const c of w.captured) keep(c.fromTarget ? this.fromTarget : this.toTarget, c.data, 64);
    this.clientHello = cryptoStream(cs.ci);
    this.serverHello = cryptoStream(cs.si);
    this.clientFlight = cryptoStream(cs.ch);
    this.serverFlight = cryptoStream(cs.sh);
    const model = new PeerModel(this.role === 'server', w.datagramMax, peerCidLen);
    for (const pn of outPns) model.onTargetSent(pn);
    model.targetStreams.push(...targetStreams);
    this.live = { handle: targetHandle, dcid, peerCidLen: peerCid.length || peerCidLen, tx: [peerTx], targetTx: [targetTx], gen: 0, nextPn: largestIn + 1n, model, moved: false };
    return true;
  }

  // ---- inputs

  private generate(): FuzzInput {
    if (this.forced !== null) { const f = this.forced; this.forced = null; return f(); }
    const r = this.r;
    const server = this.role === 'server';
    // random, mutated, initial, handshake, 1rtt
    const k = r.weighted(server ? [10, 15, 18, 7, 50] : [10, 15, 15, 8, 52]);
    switch (k) {
      case 0: return this.randomInput();
      case 1: return this.mutatedInput();
      case 2: return server ? this.clientInitial() : this.serverInitial();
      case 3: return this.handshakeInput();
      default: return this.oneRtt();
    }
  }

  private one(kind: InputKind, what: string, data: Uint8Array, plain: Uint8Array[] = [], from?: Uint8Array): FuzzInput {
    return { kind, what, datagrams: [{ data, addr: from ?? this.fromAddr() }], plain };
  }

  /** The peer's address, now and then another one (NAT rebinding, a new client). */
  private fromAddr(): Uint8Array {
    const r = this.r;
    if (!r.chance(0.03)) return this.world!.from;
    return r.chance(0.8) ? addr(1 + r.int(200), 1 + r.int(65535)) : Uint8Array.from([6, ...r.bytes(16), r.int(256), r.int(256)]);
  }

  private randomInput(): FuzzInput {
    const r = this.r;
    const len = r.chance(0.5) ? r.int(64) : r.int(1501);
    const b = r.bytes(len);
    let what = 'random bytes';
    if (len > 0 && r.chance(0.5)) {
      // a plausible header in front: a short header with the live DCID, or a long header of a known version
      const live = this.live!;
      if (r.chance(0.5) && len > live.dcid.length + 1) {
        b[0] = 0x40 | (b[0] & 0x3f);
        b.set(live.dcid, 1);
        what = 'random bytes behind the live DCID';
      } else if (len > 6) {
        b[0] |= 0xc0;
        b.set(r.pick([[0, 0, 0, 1], [0x6b, 0x33, 0x43, 0xcf], [0, 0, 0, 0], [0x1a, 0x2a, 0x3a, 0x4a]]), 1);
        b[5] = r.int(24);
        what = 'random bytes behind a long header';
      }
    }
    return this.one('random', what, b);
  }

  private mutatedInput(): FuzzInput {
    const r = this.r;
    const src = r.chance(0.85) || this.fromTarget.length === 0 ? this.toTarget : this.fromTarget;
    let d = Uint8Array.from(r.pick(src));
    let what = src === this.toTarget ? 'a captured datagram to the target, mutated' : 'a captured datagram from the target, mutated';
    // route it: the live connection's DCID in a short header
    const live = this.live!;
    if ((d[0] & 0x80) === 0 && r.chance(0.6) && d.length > live.dcid.length) { d.set(live.dcid, 1); what += ' (live DCID)'; }
    const batch = [mutateBytes(r, d, src)];
    while (r.chance(0.1)) batch.push(mutateBytes(r, r.pick(src), src));
    return { kind: 'mutated', what, datagrams: batch.map((data) => ({ data, addr: this.fromAddr() })), plain: [] };
  }

  /** Server target: an Initial for a new connection (>= 1200 bytes, RFC 9000 §14.1), or for one started earlier. */
  private clientInitial(): FuzzInput {
    const r = this.r;
    const old = this.pending.length > 0 && r.chance(0.35) ? r.pick(this.pending) : null;
    // now and then to the live connection, whose Initial keys are gone (RFC 9001 §4.9.1): dropped, nothing else
    const toLive = !old && r.chance(0.05);
    const version = old ? old.version : r.chance(0.85) ? QUIC_V1 : QUIC_V2;
    let p: Pending;
    if (old) p = old;
    else {
      const dcid = toLive ? this.live!.dcid : r.bytes(r.chance(0.95) ? 8 + r.int(13) : r.int(8));
      // the captured ClientHello's initial_source_connection_id, so that the handshake can get past its transport parameters
      const scid = r.chance(0.7) ? this.clientHelloScid : r.bytes(r.int(21));
      p = { handle: 0, version, dcid, scid, initialTx: initialKeys(version, dcid).client, hsTx: null, oneRttTx: null, pnInitial: 0n, pnHandshake: 0n, odcid: dcid, retried: false, inputs: 0 };
      if (!toLive) this.creating = p;
    }
    p.inputs++;
    const donors = [this.clientHello, ...this.payloads.slice(0, 4)];
    let payload: Uint8Array;
    const mode = r.int(10);
    if (mode < 6 && this.clientHello.length) payload = cryptoPayload(r, this.clientHello, donors, -1n);
    else if (mode < 8) { const w = new W(); handshakeFrames(r, w, this.clientHello, BigInt(r.int(3))); payload = w.take(); }
    else if (mode < 9) { const w = new W(); badFrame(r, w, new PeerModel(true, 0, 8)); payload = w.take(); }
    else payload = r.bytes(r.int(300));
    const pn = p.pnInitial;
    p.pnInitial += r.chance(0.9) ? 1n : BigInt(2 + r.int(100));
    const token = r.chance(0.9) ? EMPTY : r.chance(0.5) && this.tokens.length ? r.pick(this.tokens) : r.bytes(1 + r.int(80));
    let d = longPacket({
      type: 'initial', version, dcid: p.dcid, scid: p.scid, token, pn, pnLen: r.chance(0.7) ? 4 : 1 + r.int(4), payload,
      keys: p.initialTx, padTo: r.chance(0.95) ? 1200 + r.int(r.chance(0.9) ? 50 : 300) : undefined, reserved: r.chance(0.03) ? 1 + r.int(3) : 0,
    });
    // coalesced behind it: a 0-RTT or Handshake packet we cannot protect right, or junk (§12.2)
    if (r.chance(0.08)) d = concat(d, r.chance(0.5) ? r.bytes(r.int(100)) : longPacket({ type: r.chance(0.5) ? '0rtt' : 'handshake', version, dcid: p.dcid, scid: p.scid, pn: 0n, pnLen: 2, payload: r.bytes(30), keys: p.initialTx }));
    if (!old && !toLive) {
      // at most 8, the ones the key log gave Handshake keys for kept longest
      this.pending.push(p);
      if (this.pending.length > 8) {
        const i = this.pending.findIndex((x) => x.hsTx === null);
        this.pending.splice(i >= 0 ? i : 0, 1);
      }
    }
    const what = old ? 'Initial to a handshake in progress' : toLive ? 'Initial to the live connection' : `Initial for a new connection (v${version === QUIC_V1 ? 1 : 2})`;
    return this.one('initial', what, d, [payload]);
  }

  /** Client target: a handshake the client starts, for us to answer as its server. */
  private clientPending(): Pending {
    const r = this.r;
    const w = this.world!;
    const live = this.pending.find((p) => p.inputs < 150);
    if (live) return live;
    for (const p of this.pending) quic.connectionFree(p.handle);
    this.pending = [];
    const session = this.tickets.length && r.chance(0.3) ? r.pick(this.tickets) : EMPTY;
    const token = this.tokens.length && r.chance(0.2) ? r.pick(this.tokens) : EMPTY;
    const h = quic.connect(w.target.ep, BigInt(this.now), WALL, SERVER_ADDR, 0, session, token);
    // its first flight: the Initial tells the client's CIDs
    let first: PacketView | null = null;
    for (let k = 0; k < 256; k++) {
      const ds = unpackDatagrams(quic.pollTransmit(w.target.ep, BigInt(this.now), BATCH));
      for (const d of ds) {
        this.onSent(d.data);
        for (const p of splitPackets(d.data, w.targetCidLen)) if (p.type === 'initial' && first === null && d.data.length >= 1200) first = p;
      }
      if (ds.length < BATCH) break;
    }
    this.drainEvents();
    if (first === null) this.fail('the client sent no Initial');
    const odcid = first.dcid.slice();
    const p: Pending = {
      handle: h, version: first.version, dcid: first.scid.slice(), scid: r.bytes(r.chance(0.9) ? 8 : r.int(21)),
      initialTx: initialKeys(first.version, odcid).server, hsTx: null, oneRttTx: null, pnInitial: 0n, pnHandshake: 0n, odcid, retried: false, inputs: 0,
    };
    this.pending.push(p);
    return p;
  }

  /** Client target: a server's Initial (a captured ServerHello, mutated or not), Version Negotiation or Retry. */
  private serverInitial(): FuzzInput {
    const r = this.r;
    const p = this.clientPending();
    p.inputs++;
    const k = r.int(20);
    if (k === 0) {
      // RFC 9000 §17.2.1: Version Negotiation echoing the client's CIDs
      const versions = [r.chance(0.5) ? QUIC_V2 : 0x1a2a3a4a, ...(r.chance(0.3) ? [QUIC_V1] : []), ...Array.from({ length: r.int(4) }, () => r.int(2 ** 32))];
      const w = new W().u8(0x80 | r.int(128)).u32(0).u8(p.dcid.length).bytes(p.dcid).u8(p.odcid.length).bytes(p.odcid);
      for (const v of versions) w.u32(v);
      let d = w.take();
      if (r.chance(0.3)) d = mutateBytes(r, d, []);
      return this.one('initial', 'Version Negotiation', d);
    }
    if (k === 1 && !p.retried) {
      // RFC 9000 §17.2.5: Retry with a valid integrity tag (and a new SCID the client must use)
      const scid = r.bytes(r.chance(0.9) ? 8 : r.int(21));
      const token = r.chance(0.9) ? r.bytes(1 + r.int(100)) : EMPTY;
      const head = new W().u8(0xc0 | (longTypeBits('retry', p.version) << 4) | r.int(16)).u32(p.version).u8(p.dcid.length).bytes(p.dcid).u8(scid.length).bytes(scid).bytes(token).take();
      let d = concat(head, retryTag(p.version, p.odcid, head));
      if (r.chance(0.2)) d = mutateBytes(r, d, []);
      else if (token.length > 0) {
        // §17.2.5.2: the client's next Initials use the Retry's SCID, and so do the Initial keys (RFC 9001 §5.2)
        p.retried = true;
        p.initialTx = initialKeys(p.version, scid).server;
      }
      return this.one('initial', 'Retry', d);
    }
    const payload = this.serverHello.length && r.chance(0.8)
      ? cryptoPayload(r, this.serverHello, [this.serverHello, this.serverFlight], 0n)
      : (() => { const w = new W(); handshakeFrames(r, w, this.serverHello, 0n); return w.take(); })();
    const pn = p.pnInitial;
    p.pnInitial += r.chance(0.9) ? 1n : BigInt(2 + r.int(100));
    let d = longPacket({ type: 'initial', version: p.version, dcid: p.dcid, scid: p.scid, token: r.chance(0.05) ? r.bytes(5) : EMPTY, pn, pnLen: 1 + r.int(4), payload, keys: p.initialTx, reserved: r.chance(0.03) ? 1 + r.int(3) : 0 });
    if (r.chance(0.05)) d = concat(d, r.bytes(r.int(60)));
    return this.one('initial', 'server Initial to a handshake in progress', d, [payload]);
  }

  /** Handshake packets for a handshake in progress, with keys from the target's key log (or Initial keys when there are none yet). */
  private handshakeInput(): FuzzInput {
    const r = this.r;
    const server = this.role === 'server';
    const p = server ? (this.pending.filter((x) => x.hsTx !== null).length ? r.pick(this.pending.filter((x) => x.hsTx !== null)) : null) : this.clientPending();
    if (p === null || p.hsTx === null) return server ? this.clientInitial() : this.serverInitial();
    p.inputs++;
    this.stats.handshakeKeyed++;
    const flight = server ? this.clientFlight : this.serverFlight;
    if (p.oneRttTx !== null && r.chance(0.1)) {
      // 1-RTT before the handshake completes (RFC 9001 §5.7: not decrypted)
      const w = new W();
      goodFrame(r, w, new PeerModel(server, 1200, 8));
      const payload = w.take();
      return this.one('handshake', '1-RTT to a handshake in progress', shortPacket({ dcid: p.dcid.subarray(0, server ? this.world!.targetCidLen : p.dcid.length), pn: BigInt(r.int(10)), pnLen: 4, payload, keys: p.oneRttTx, keyPhase: 0 }), [payload]);
    }
    const payload = flight.length && r.chance(0.6) ? cryptoPayload(r, flight, [flight, this.clientHello], BigInt(r.int(3))) : (() => { const w = new W(); handshakeFrames(r, w, flight, BigInt(r.int(3))); return w.take(); })();
    const pn = p.pnHandshake;
    p.pnHandshake += r.chance(0.9) ? 1n : BigInt(2 + r.int(100));
    let d = longPacket({ type: 'handshake', version: p.version, dcid: p.dcid, scid: p.scid, pn, pnLen: 1 + r.int(4), payload, keys: p.hsTx, reserved: r.chance(0.03) ? 1 + r.int(3) : 0 });
    if (r.chance(0.1)) d = concat(longPacket({ type: 'initial', version: p.version, dcid: p.dcid, scid: p.scid, pn: p.pnInitial++, pnLen: 2, payload: Uint8Array.of(F.PING), keys: p.initialTx, padTo: server ? 1200 : undefined }), d);
    return this.one('handshake', 'Handshake packet to a handshake in progress', d, [payload]);
  }

  /** A 1-RTT packet for the live connection: well-formed frames, wrong ones, mutated payloads, key updates. */
  private oneRtt(): FuzzInput {
    const r = this.r;
    const live = this.live!;
    const m = live.model;
    let what: string;
    let payload: Uint8Array;
    // most keep the connection up (each of the others costs a new handshake)
    const mode = r.weighted([92, 4, 2, 2]);
    if (mode === 0) {
      const w = new W();
      const n = 1 + r.int(5);
      for (let i = 0; i < n && goodFrame(r, w, m); i++);
      payload = w.take();
      what = WELL_FORMED;
    } else if (mode === 1) {
      const w = new W();
      const f = m.fork();
      const n = r.int(3);
      let open = true;
      for (let i = 0; i < n && open; i++) open = goodFrame(r, w, f);
      if (open) badFrame(r, w, f);
      payload = w.take();
      what = 'a frame that breaks a rule';
    } else if (mode === 2 && this.payloads.length) {
      payload = mutateBytes(r, r.pick(this.payloads), this.payloads);
      what = 'a captured 1-RTT payload, mutated';
    } else {
      const w = new W();
      const f = m.fork();
      const n = 1 + r.int(4);
      for (let i = 0; i < n && goodFrame(r, w, f); i++);
      payload = mutateBytes(r, w.take(), this.payloads);
      what = 'well-formed frames, mutated';
    }
    // what the target will make of a payload the model did not make
    if (mode !== 0) m.observe(payload);
    return this.livePacket(payload, what, true);
  }

  /**
   * `payload` in a 1-RTT packet of the live connection, with a packet number
   * above what the target received (RFC 9000 §12.3). With `vary`: now and
   * then a key update (RFC 9001 §6), a gap, a duplicate or late packet
   * number, reserved bits set, a corrupted byte, another source address.
   */
  private livePacket(payload: Uint8Array, what: string, vary: boolean, reservedBits = 0): FuzzInput {
    const r = this.r;
    const live = this.live!;
    if (vary && r.chance(0.005)) {
      live.tx.push(nextPhaseKeys(live.tx[live.tx.length - 1]));
      live.targetTx.push(nextPhaseKeys(live.targetTx[live.targetTx.length - 1]));
      live.gen++;
      this.stats.keyUpdates++;
      what += ' (key update)';
    }
    const last = live.nextPn - 1n;
    let pn: bigint;
    if (vary && r.chance(0.01) && last > 0n) { pn = last - BigInt(r.int(Math.min(5, Number(last)))); what += ' (duplicate or late packet number)'; }
    else { pn = live.nextPn + (!vary || r.chance(0.95) ? 0n : BigInt(r.int(r.chance(0.9) ? 100 : 100000))); live.nextPn = pn + 1n; }
    // RFC 9000 §17.1, A.2: enough bytes for the receiver to recover it from the largest it received
    const dist = pn > last ? pn - last : last - pn + 1n;
    const pnLen = !vary || r.chance(0.5) ? 4 : dist < 64n ? 1 + r.int(4) : dist < 16384n ? 2 + r.int(3) : 4;
    const gen = live.gen;
    const reserved = reservedBits || (vary && r.chance(0.005) ? 1 + r.int(3) : 0);
    if (reserved && vary) what += ' (reserved bits set)';
    let d = shortPacket({ dcid: live.dcid, pn, pnLen, payload, keys: live.tx[gen], keyPhase: gen & 1, spin: r.chance(0.5), reserved });
    if (vary && r.chance(0.005)) { d = Uint8Array.from(d); d[r.int(d.length)] ^= 1 << r.int(8); what += ' (corrupted after protection)'; }
    const from = vary ? this.fromAddr() : this.world!.from;
    if (from !== this.world!.from) { live.moved = true; what += ' (from another address)'; }
    const datagrams = [{ data: d, addr: from }];
    // coalesced junk after a short header is part of its payload: a second datagram instead
    if (vary && r.chance(0.03)) datagrams.push({ data: mutateBytes(r, d, this.toTarget), addr: from });
    return { kind: '1rtt', what, datagrams, plain: [payload] };
  }

  /**
   * For hand-written cases: `payload` (frames) in a 1-RTT packet of the live
   * connection (made first if there is none), fed and checked like any
   * input. Returns the live connection's `closed` event if it closed.
   */
  probe(payload: Uint8Array, what = 'probe', reservedBits = 0): QuicEventRecord | null {
    this.forced = () => this.livePacket(payload, what, false, reservedBits);
    this.lastLiveClose = null;
    this.step();
    return this.lastLiveClose;
  }

  /** The live connection's stream IDs as the peer sees them (RFC 9000 §2.1). */
  get model(): PeerModel {
    if (this.world === null || this.liveClosed) this.establish();
    return this.live!.model;
  }

  // ---- feeding and driving

  private feed(input: FuzzInput): void {
    const w = this.world!;
    const ep = w.target.ep;
    const r = this.r;
    this.sent = [];
    this.now += r.int(2000);
    quic.recv(ep, BigInt(this.now), WALL, packDatagrams(input.datagrams));
    this.drive();
    // timers: what is due, and now and then a jump to the next deadline (PTO, ACK delay, idle, handshake timeout)
    const jumps = r.chance(0.05) ? 1 + r.int(3) : 0;
    for (let k = 0; k < 8; k++) {
      const t = quic.nextTimeout(ep);
      if (t === NO_TIMEOUT) break;
      if (Number(t) > this.now) {
        if (k >= jumps) break;
        this.now = Number(t);
      }
      quic.onTimeout(ep, BigInt(this.now), WALL);
      this.drive();
      if (this.liveClosed) break;
    }
    this.creating = null;
  }

  /**
   * poll-transmit until empty, then poll-events (wit/quic.wit's order). A
   * batch shorter than asked for means there is no more (endpoint.ts gives
   * up only when every connection has nothing), which saves a call.
   */
  private drive(): void {
    const w = this.world!;
    const ep = w.target.ep;
    for (let k = 0; k < 256; k++) {
      const ds = unpackDatagrams(quic.pollTransmit(ep, BigInt(this.now), BATCH));
      for (const d of ds) this.onSent(d.data);
      if (ds.length < BATCH) break;
    }
    this.drainEvents();
  }

  private drainEvents(): void {
    const ep = this.world!.target.ep;
    for (let k = 0; k < 64; k++) {
      const evs = pollEvents(ep, EVENT_BATCH);
      for (const e of evs) this.onEvent(e);
      if (evs.length < EVENT_BATCH) break;
    }
  }

  /**
   * The target's output: the live connection's packet numbers (so that ACKs
   * can be legal). Recognized by decrypting: stateless resets look like
   * short headers too, and a mutated NEW_CONNECTION_ID may have given the
   * target a CID we never chose.
   */
  private onSent(d: Uint8Array): void {
    this.sent.push(d);
    const live = this.live;
    if (live === null) return;
    const u = this.openLive(d, live.peerCidLen);
    if (u !== null) live.model.onTargetSent(u.pn);
  }

  /**
   * The live connection's 1-RTT packet in datagram `d` (after any coalesced
   * long-header packets, RFC 9000 §12.2), read as having a `cidLen`-byte
   * DCID and opened with the target's current or previous keys; null if none.
   */
  private openLive(d: Uint8Array, cidLen: number) {
    const live = this.live!;
    const p = splitPackets(d, cidLen).find((x) => x.type === '1rtt');
    if (p === undefined || (p.bytes[0] & 0x40) === 0) return null;
    for (let i = live.targetTx.length - 1; i >= 0 && i >= live.targetTx.length - 2; i--) {
      const u = unprotect(live.targetTx[i], p.bytes, p.pnOff, live.model.targetLargest);
      if (u !== null) return u;
    }
    return null;
  }

  private onEvent(e: QuicEventRecord): void {
    const live = this.live;
    const w = this.world!;
    switch (e.kind) {
      case 'keyLog': {
        // the secrets of a handshake the fuzzer plays the other side of (RFC 9001 §5.1)
        const [label, , secret] = new TextDecoder().decode(e.bytes).split(' ');
        let p = this.pending.find((x) => x.handle === e.connection && x.handle !== 0);
        if (!p && this.creating && this.creating.handle === 0 && (!live || e.connection !== live.handle)) { p = this.creating; p.handle = e.connection; }
        if (!p || !secret) break;
        const s = Buffer.from(secret, 'hex');
        const alg: Alg = s.length === 48 ? 'aes-256-gcm' : w.alg === 'aes-256-gcm' ? 'aes-128-gcm' : w.alg;
        const ours = this.role === 'server' ? 'CLIENT' : 'SERVER';
        if (label === `${ours}_HANDSHAKE_TRAFFIC_SECRET`) p.hsTx = packetKeys(alg, p.version, s);
        if (label === `${ours}_TRAFFIC_SECRET_0`) p.oneRttTx = packetKeys(alg, p.version, s);
        break;
      }
      case 'streamReadable':
        if (this.r.chance(0.7)) for (let i = 0; i < 4; i++) if (quic.streamRead(e.connection, e.stream, 65536).data.length === 0) break;
        break;
      case 'ticket': keep(this.tickets, e.bytes.slice(), 8); break;
      case 'newToken': keep(this.tokens, e.bytes.slice(), 8); break;
      case 'closed': this.onClosed(e); break;
    }
  }

  private onClosed(e: QuicEventRecord): void {
    const live = this.live;
    const key = e.closeKind === 'local' ? `local 0x${e.value.toString(16).padStart(2, '0')} ${e.app ? 'application' : errorName(e.value)}` : e.closeKind;
    this.stats.closes[key] = (this.stats.closes[key] ?? 0) + 1;
    if (e.closeKind === 'local') {
      // RFC 9000 §20.1: what we close with ourselves is a transport error code we define
      if (e.app) this.fail(`connection ${e.connection} closed itself with an application close (code ${e.value})`);
      if (!isDefinedTransportError(e.value)) this.fail(`connection ${e.connection} closed with an undefined transport error code 0x${e.value.toString(16)} ("${new TextDecoder().decode(e.bytes)}")`);
    }
    const isLive = live !== null && e.connection === live.handle;
    if (isLive && e.closeKind === 'local' && this.input?.kind === '1rtt' && !live.moved) {
      // frames the model says are legal must not close it (NO_VIABLE_PATH comes from a timer, §8.2.4)
      if (this.input.what === WELL_FORMED && e.value !== 0x10n) {
        this.fail(`well-formed frames closed the live connection with 0x${e.value.toString(16)} ${errorName(e.value)} ("${new TextDecoder().decode(e.bytes)}")`);
      }
      this.checkCloseOnWire(e);
    }
    if (isLive) {
      this.liveClosed = true;
      this.lastLiveClose = e;
      const k = `${this.input?.what ?? 'establish'} -> ${key} ${new TextDecoder().decode(e.bytes)}`;
      this.stats.liveCloses[k] = (this.stats.liveCloses[k] ?? 0) + 1;
    }
    // the host frees what closed (wit/quic.wit connection-free)
    quic.connectionFree(e.connection);
    this.pending = this.pending.filter((p) => p.handle !== e.connection);
  }

  /**
   * The CONNECTION_CLOSE the live connection sent (RFC 9000 §10.2, §19.19)
   * carries the code of its `closed` event. Its DCID may be one a mutated
   * NEW_CONNECTION_ID made up, of any length: tried until one authenticates.
   */
  private checkCloseOnWire(e: QuicEventRecord): void {
    const live = this.live!;
    const lens = [live.peerCidLen, ...Array.from({ length: 21 }, (_, i) => i).filter((l) => l !== live.peerCidLen)];
    let opened = 0;
    for (const d of this.sent) {
      for (const L of lens) {
        {
          const u = this.openLive(d, L);
          if (u === null) continue;
          opened++;
          let frames: ReturnType<typeof decodeQuicFrames>;
          try { frames = decodeQuicFrames('1rtt', u.plain); } catch { continue; }
          const close = frames.find((f) => f.type === 'connectionClose');
          if (close && close.type === 'connectionClose') {
            if (close.application || close.errorCode !== e.value) this.fail(`closed with 0x${e.value.toString(16)} but its CONNECTION_CLOSE says ${close.application ? 'application ' : ''}0x${close.errorCode.toString(16)}`);
            this.stats.closesVerified++;
            return;
          }
        }
      }
    }
    this.fail(`closed with 0x${e.value.toString(16)} ("${new TextDecoder().decode(e.bytes)}") but sent no CONNECTION_CLOSE in 1-RTT (${this.sent.length} datagrams, ${opened} of them the live connection's): ${this.sent.map(hex).join(' ')}`);
  }
}

/** The description of 1-RTT inputs whose frames must all be accepted. */
const WELL_FORMED = 'well-formed frames';
const BATCH = 64;
const EVENT_BATCH = 256;

function keep<T>(list: T[], x: T, max: number) {
  list.push(x);
  if (list.length > max) list.splice(0, list.length - max);
}

/** Formats a summary for humans. */
export function formatStats(s: FuzzStats): string {
  const rate = s.elapsedMs > 0 ? (s.inputs / (s.elapsedMs / 1000)).toFixed(0) : '-';
  const kinds = INPUT_KINDS.map((k) => `${k} ${s.byKind[k]}`).join(', ');
  const closes = Object.entries(s.closes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${v}`).join(', ');
  return [
    `QUIC fuzz ${s.role}: ${s.inputs} inputs in ${(s.elapsedMs / 1000).toFixed(1)} s (${rate}/s), FUZZ_SEED=${s.seed}`,
    `  inputs: ${kinds}`,
    `  closes: ${closes || 'none'}; live-connection closes checked on the wire: ${s.closesVerified}`,
    `  endpoint pairs: ${s.worlds}; handshakes with the simulator: ${s.handshakes}; key updates initiated: ${s.keyUpdates}; Handshake packets with logged keys: ${s.handshakeKeyed}`,
    `  core memory: ${(s.memoryStart / MiB).toFixed(1)} MiB at start, ${(s.memoryMax / MiB).toFixed(1)} MiB max`,
  ].join('\n');
}
