// Crafts QUIC packets for targeted tests of the connection state machine
// (RFC 9000 §17, RFC 9369 §3.2): long and short headers around a payload of
// frames, padded and protected with the engine's own packet protection, plus
// Version Negotiation and Retry. Anything a test wants malformed it can build
// by hand from these pieces.
import { encodeVarint, encodeQuicFrames, type QuicFrame } from '../../host/codec/index.js';
import { protectPacket, retryIntegrityTag, QUIC_V1, QUIC_V2, type QuicProtection } from '../../host/crypto/index.js';

export type LongType = 'initial' | '0rtt' | 'handshake' | 'retry';

/** RFC 9000 §17.2 Table 5 (v1) and RFC 9369 §3.2 (v2): the two type bits. */
export function longTypeBits(type: LongType, version: number): number {
  const v1 = { initial: 0, '0rtt': 1, handshake: 2, retry: 3 }[type];
  return version === QUIC_V2 ? (v1 + 1) & 3 : v1;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const u32 = (x: number) => Uint8Array.of(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);

/** The low `len` bytes of the packet number, big-endian (RFC 9000 §17.1). */
export function truncatedPn(pn: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[len - 1 - i] = Number((pn >> BigInt(8 * i)) & 0xffn);
  return out;
}

export interface PacketOptions {
  packetNumber?: bigint;
  /** Bytes of packet number on the wire (1..4, default 4). */
  pnLength?: 1 | 2 | 3 | 4;
  /** Frames, or raw payload bytes. */
  payload: QuicFrame[] | Uint8Array;
  /** Pad the payload with PADDING so the whole (protected) packet has at least this many bytes. */
  padTo?: number;
  /** Protect with these keys; without them the packet is returned unprotected (header followed by plaintext). */
  protection?: QuicProtection;
}

export interface LongHeaderOptions extends PacketOptions {
  type: Exclude<LongType, 'retry'>;
  version?: number;
  dcid: Uint8Array;
  scid: Uint8Array;
  /** Initial only. */
  token?: Uint8Array;
}

export interface ShortHeaderOptions extends PacketOptions {
  dcid: Uint8Array;
  keyPhase?: boolean;
  spin?: boolean;
}

function payloadBytes(o: PacketOptions): Uint8Array {
  return o.payload instanceof Uint8Array ? o.payload : encodeQuicFrames(o.payload);
}

/** Header (ending with the truncated packet number) and payload, padded; protected when keys are given. */
function finish(header: (payloadLen: number) => Uint8Array, o: PacketOptions, pnLen: number): Uint8Array {
  const tag = o.protection ? 16 : 0;
  let payload = payloadBytes(o);
  // RFC 9001 §5.4.2: the sample needs 4 bytes after the packet number's start
  if (payload.length + pnLen < 4) payload = concat(payload, new Uint8Array(4 - pnLen - payload.length));
  if (o.padTo !== undefined) {
    const need = o.padTo - (header(payload.length + tag).length + payload.length + tag);
    if (need > 0) payload = concat(payload, new Uint8Array(need)); // PADDING frames are zero bytes
  }
  const h = header(payload.length + tag);
  const packet = concat(h, payload);
  if (!o.protection) return packet;
  return protectPacket(o.protection, packet, h.length - pnLen, o.packetNumber ?? 0n);
}

/** A long-header packet (Initial, 0-RTT, Handshake), RFC 9000 §17.2. */
export function longHeaderPacket(o: LongHeaderOptions): Uint8Array {
  const version = o.version ?? QUIC_V1;
  const pnLen = o.pnLength ?? 4;
  const pn = truncatedPn(o.packetNumber ?? 0n, pnLen);
  const first = 0xc0 | (longTypeBits(o.type, version) << 4) | (pnLen - 1);
  return finish((payloadLen) => concat(
    Uint8Array.of(first), u32(version),
    Uint8Array.of(o.dcid.length), o.dcid, Uint8Array.of(o.scid.length), o.scid,
    ...(o.type === 'initial' ? [encodeVarint(o.token?.length ?? 0), o.token ?? new Uint8Array(0)] : []),
    // Length covers the packet number and the payload (with its tag)
    encodeVarint(pnLen + payloadLen), pn,
  ), o, pnLen);
}

/** A 1-RTT short-header packet, RFC 9000 §17.3.1. */
export function shortHeaderPacket(o: ShortHeaderOptions): Uint8Array {
  const pnLen = o.pnLength ?? 4;
  const first = 0x40 | (o.spin ? 0x20 : 0) | (o.keyPhase ? 0x04 : 0) | (pnLen - 1);
  return finish(() => concat(Uint8Array.of(first), o.dcid, truncatedPn(o.packetNumber ?? 0n, pnLen)), o, pnLen);
}

/** A client Initial as RFC 9000 §14.1 wants it: a datagram of at least 1200 bytes. */
export function clientInitial(o: Omit<LongHeaderOptions, 'type'>): Uint8Array {
  return longHeaderPacket({ ...o, type: 'initial', padTo: Math.max(o.padTo ?? 0, 1200) });
}

/** Version Negotiation, RFC 9000 §17.2.1 (the unused bits set at random by the caller via `first`). */
export function versionNegotiation(dcid: Uint8Array, scid: Uint8Array, versions: number[], first = 0x80): Uint8Array {
  return concat(Uint8Array.of(0x80 | first), u32(0), Uint8Array.of(dcid.length), dcid, Uint8Array.of(scid.length), scid, ...versions.map(u32));
}

/** Retry, RFC 9000 §17.2.5, with its integrity tag (RFC 9001 §5.8) for the client's original DCID. */
export function retryPacket(o: { version?: number; dcid: Uint8Array; scid: Uint8Array; token: Uint8Array; originalDcid: Uint8Array; unused?: number }): Uint8Array {
  const version = o.version ?? QUIC_V1;
  // the low four bits are Unused (any value)
  const head = concat(Uint8Array.of(0xc0 | (longTypeBits('retry', version) << 4) | ((o.unused ?? 0) & 0x0f)), u32(version),
    Uint8Array.of(o.dcid.length), o.dcid, Uint8Array.of(o.scid.length), o.scid, o.token);
  return concat(head, retryIntegrityTag(version, o.originalDcid, head));
}
