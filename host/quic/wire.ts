// The byte encodings that cross the quic interface (the comment at the top
// of wit/quic.wit): datagram batches for `recv` and from `poll-transmit`,
// the event stream of `poll-events`, and the config blob of `endpoint-new`
// (assembly/quic/config.ts). Pure functions, no engine import, so tests and
// tools use them without the component. Everything is big endian.

import { InvalidArgumentError } from '../errors.js';
import { describe, optionsArg } from '../args.js';

// ---- events (assembly/quic/events.ts) ---------------------------------------------

/** QuicEventKind (assembly/quic/events.ts), by name. */
export const QUIC_EVENT = {
  /** Handshake complete: `value` = 0-RTT (0 none, 1 accepted, 2 rejected), `bytes` = ALPN. */
  connected: 1,
  streamOpened: 2,
  streamReadable: 3,
  streamWritable: 4,
  /** RESET_STREAM: `value` = application code. */
  streamReset: 5,
  /** STOP_SENDING: `value` = application code. */
  streamStopSending: 6,
  streamSendDone: 7,
  /** `value` = 1 bidirectional, 0 unidirectional. */
  streamsAvailable: 8,
  datagram: 9,
  /** `bytes` = the peer address. */
  pathChanged: 10,
  /** `bytes` = the address that failed. */
  migrationFailed: 11,
  ticket: 12,
  /** `bytes` = one SSLKEYLOGFILE line (UTF-8). */
  keyLog: 13,
  warning: 14,
  /** Terminal: `value` = code, flags app/remote, `closeKind`, `bytes` = reason. */
  closed: 15,
  /** `bytes` = one qlog event record (JSON, UTF-8). */
  qlog: 16,
  newToken: 17,
  // HTTP/3 connections (wit/http3.wit lists what each carries)
  /** `value` = H3_HEADERS_KIND, flag bit 2 = end of stream, bit 3 = arrived in 0-RTT, `bytes` = packed fields (decodeFields). */
  h3Headers: 32,
  h3BodyReadable: 33,
  h3Writable: 34,
  /** `value` = H3 code; `remote`: the peer reset it, else the core aborted it. */
  h3StreamReset: 35,
  /** `value` = the peer's STOP_SENDING code. */
  h3StopSending: 36,
  h3SendDone: 37,
  /** `value` = the GOAWAY id. */
  h3Goaway: 38,
  /** `bytes` = { id u64, value u64 }* (decodeSettings). */
  h3Settings: 39,
  /** `value` = code; the request was not processed: safe to retry. */
  h3RequestRejected: 40,
  h3RequestsAvailable: 41,
  // WebTransport (wit/http3.wit lists what each carries; `stream` = the session ID unless said otherwise)
  /** Server: a session's CONNECT; `bytes` = packed fields (decodeFields). */
  wtSessionRequest: 42,
  /** Client: 2xx; `bytes` = the response's fields. */
  wtSessionReady: 43,
  /** Client: `value` = final status (0: the CONNECT stream was reset), `bytes` = fields. */
  wtSessionRefused: 44,
  /** `closeKind` = WT_CLOSE_KIND; `value` = application code (clean) or H3 code; `bytes` = reason (UTF-8). */
  wtSessionClosed: 45,
  wtSessionDraining: 46,
  /** `stream` = the new stream, `value` = its session; then plain QUIC stream events follow for it. */
  wtStream: 47,
  /** `bytes` = the payload. */
  wtDatagram: 48,
  /** `value` = 1 bidirectional, 0 unidirectional. */
  wtStreamsAvailable: 49,
} as const;
export type QuicEventKind = (typeof QUIC_EVENT)[keyof typeof QUIC_EVENT];

/** CloseKind (assembly/quic/events.ts). */
export const CLOSE_KIND = {
  local: 0,
  remote: 1,
  idle: 2,
  statelessReset: 3,
  handshakeTimeout: 4,
  versionNegotiation: 5,
} as const;

/** `closeKind` of a wt-session-closed event (assembly/h3/webtransport/webtransport.ts WT_CLOSED_*). */
export const WT_CLOSE_KIND = { clean: 0, reset: 1, error: 2 } as const;

/** draft-ietf-webtrans-http3 §4.4: WT_APPLICATION_ERROR, 0x52e4a40fa8db..0x52e5ac983162 without the reserved 0x1f * N + 0x21 points. */
const WT_APP_FIRST = 0x52e4a40fa8dbn, WT_APP_LAST = 0x52e5ac983162n;

/** A WebTransport application error code (u32) as the HTTP/3 code a stream reset carries (§4.4). */
export function webtransportCodeToHttp3(code: number): bigint {
  if (!Number.isInteger(code) || code < 0 || code > 0xffffffff) throw new InvalidArgumentError('code', `must be a 32-bit unsigned integer, got ${describe(code)}`);
  const n = BigInt(code);
  return WT_APP_FIRST + n + n / 0x1en;
}

/** The WebTransport application code of an HTTP/3 stream-reset code; null outside the range or at a reserved point (§4.4). */
export function http3CodeToWebtransport(h: bigint): number | null {
  if (h < WT_APP_FIRST || h > WT_APP_LAST || (h - 0x21n) % 0x1fn === 0n) return null;
  const shifted = h - WT_APP_FIRST;
  return Number(shifted - shifted / 0x1fn);
}

/** One decoded `poll-events` record. `bytes` is a view into the batch (no copy). */
export interface QuicWireEvent {
  connection: number;
  kind: number;
  app: boolean;
  remote: boolean;
  /** Flag bit 2: h3-headers with nothing after it on the stream. */
  fin: boolean;
  /** Flag bit 3: h3-headers of a request that arrived (partly) in 0-RTT — replayable (RFC 8470). */
  early: boolean;
  closeKind: number;
  stream: bigint;
  value: bigint;
  bytes: Uint8Array;
}

/** { connection u32, kind u8, flags u8, close-kind u8, stream u64, value u64, len u32 }. */
export const EVENT_HEADER = 27;

/**
 * Decodes a `poll-events` batch. A truncated record (the core never writes
 * one) throws, so a mismatch between host and core is loud, not silent.
 */
export function decodeEvents(b: Uint8Array): QuicWireEvent[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: QuicWireEvent[] = [];
  let p = 0;
  while (p < b.length) {
    if (p + EVENT_HEADER > b.length) throw new RangeError(`quic event batch truncated at byte ${p} (header)`);
    const flags = b[p + 5];
    const len = v.getUint32(p + 23);
    const end = p + EVENT_HEADER + len;
    if (end > b.length) throw new RangeError(`quic event batch truncated at byte ${p} (payload of ${len} bytes)`);
    out.push({
      connection: v.getUint32(p),
      kind: b[p + 4],
      app: (flags & 1) !== 0,
      remote: (flags & 2) !== 0,
      fin: (flags & 4) !== 0,
      early: (flags & 8) !== 0,
      closeKind: b[p + 6],
      stream: v.getBigUint64(p + 7),
      value: v.getBigUint64(p + 15),
      bytes: b.subarray(p + EVENT_HEADER, end),
    });
    p = end;
  }
  return out;
}

// ---- HTTP/3 (wit/http3.wit) ----------------------------------------------------------------

/** The `value` of an h3-headers event. */
export const H3_HEADERS_KIND = { request: 0, informational: 1, response: 2, trailers: 3 } as const;

/** One field line; names and values as bytes (HTTP field values need not be UTF-8). */
export type H3Field = [name: string, value: string];

const utf8 = new TextEncoder();
const latin1 = new TextDecoder('latin1');

/** Packs fields as wit/http3.wit says: { name-len u16 BE, name, value-len u32 BE, value }*. Strings are UTF-8 encoded. */
export function encodeFields(fields: Iterable<readonly [string, string | Uint8Array]>): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const [name, value] of fields) {
    const nb = utf8.encode(name);
    const vb = typeof value === 'string' ? utf8.encode(value) : value;
    if (nb.length > 0xffff) throw new RangeError(`field name of ${nb.length} bytes (at most 65535)`);
    const h = new Uint8Array(6 + nb.length + vb.length);
    const v = new DataView(h.buffer);
    v.setUint16(0, nb.length);
    h.set(nb, 2);
    v.setUint32(2 + nb.length, vb.length);
    h.set(vb, 6 + nb.length);
    parts.push(h);
    n += h.length;
  }
  const out = new Uint8Array(n);
  let p = 0;
  for (const h of parts) { out.set(h, p); p += h.length; }
  return out;
}

/** Unpacks an h3-headers event's fields (values as latin1: one char per byte, as Headers expects). */
export function decodeFields(b: Uint8Array): H3Field[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: H3Field[] = [];
  let p = 0;
  while (p < b.length) {
    if (p + 2 > b.length) throw new RangeError(`field list truncated at byte ${p}`);
    const nl = v.getUint16(p);
    if (p + 6 + nl > b.length) throw new RangeError(`field list truncated at byte ${p}`);
    const vl = v.getUint32(p + 2 + nl);
    const end = p + 6 + nl + vl;
    if (end > b.length) throw new RangeError(`field list truncated at byte ${p}`);
    out.push([latin1.decode(b.subarray(p + 2, p + 2 + nl)), latin1.decode(b.subarray(p + 6 + nl, end))]);
    p = end;
  }
  return out;
}

/** An h3-settings event's bytes: { id u64 BE, value u64 BE }*. */
export function decodeSettings(b: Uint8Array): Map<bigint, bigint> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Map<bigint, bigint>();
  for (let p = 0; p + 16 <= b.length; p += 16) out.set(v.getBigUint64(p), v.getBigUint64(p + 8));
  return out;
}

/** HTTP/3 settings of an endpoint (assembly/quic/config.ts QC_H3*). */
export interface H3Options {
  /** SETTINGS_MAX_FIELD_SECTION_SIZE we advertise (1..1 MiB). Default 65536. */
  maxFieldSectionSize?: number;
  /** SETTINGS_QPACK_MAX_TABLE_CAPACITY (0..1 MiB). Default 4096. */
  qpackMaxTableCapacity?: number;
  /** SETTINGS_QPACK_BLOCKED_STREAMS (0..1024). Default 16. */
  qpackBlockedStreams?: number;
  /** SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 9220). Default false. */
  enableConnectProtocol?: boolean;
  /** SETTINGS_H3_DATAGRAM (RFC 9297). Default false. */
  h3Datagram?: boolean;
  /** Largest message body accepted (a server answers 413 above it); 0 = no limit. Default 0. */
  maxBodySize?: number;
  /**
   * WebTransport over HTTP/3 (wit/http3.wit `webtransport`): a mask of the
   * draft generations whose SETTINGS we send (WT_DRAFTS; 0 = off). On, it
   * implies enableConnectProtocol and h3Datagram. Default 0.
   */
  webtransport?: number;
  /** WebTransport sessions at once per connection (1..1024). Default 16. */
  wtMaxSessions?: number;
  /** Peer streams held for a session not known yet (0..1024); more are refused. Default 16. */
  wtMaxBufferedStreams?: number;
  /** Streams the peer may open on one session. Default 1024. */
  wtMaxStreamsPerSession?: number;
}

/** WebTransport draft generations (assembly/h3/webtransport/settings.ts WT_DRAFT*), for H3Options.webtransport. */
export const WT_DRAFTS = { draft02: 1, draft07: 2, draft08: 4, latest: 8 } as const;

/** Config keys of HTTP/3 (assembly/quic/config.ts QC_H3*); `h3` turns it on. */
export const H3_CONFIG_KEY = {
  h3: 28, maxFieldSectionSize: 29, qpackMaxTableCapacity: 30, qpackBlockedStreams: 31, enableConnectProtocol: 32, h3Datagram: 33, maxBodySize: 34,
  webtransport: 35, wtMaxSessions: 36, wtMaxBufferedStreams: 37, wtMaxStreamsPerSession: 38,
} as const;

/** Ranges of the numeric options; the others are booleans. */
const H3_KEYS = {
  maxFieldSectionSize: [1, 1 << 20], qpackMaxTableCapacity: [0, 1 << 20], qpackBlockedStreams: [0, 1024],
  enableConnectProtocol: null, h3Datagram: null, maxBodySize: [0, Number.MAX_SAFE_INTEGER],
  webtransport: [0, 255], wtMaxSessions: [1, 1024], wtMaxBufferedStreams: [0, 1024], wtMaxStreamsPerSession: [1, Number.MAX_SAFE_INTEGER],
} as const satisfies Record<keyof H3Options, readonly [number, number] | null>;

/**
 * The config entries that make an endpoint speak HTTP/3 (QC_H3 and the
 * settings given), to append to `encodeQuicConfig`'s blob.
 */
export function encodeH3Config(options: H3Options = {}, name = 'http3'): Uint8Array {
  const o = optionsArg<H3Options>(name, options, Object.keys(H3_KEYS) as (keyof H3Options)[]);
  const entries: [number, bigint][] = [[H3_CONFIG_KEY.h3, 1n]];
  for (const k of Object.keys(H3_KEYS) as (keyof H3Options)[]) {
    const x = o[k];
    if (x === undefined) continue;
    const range = H3_KEYS[k];
    let n: number;
    if (range === null) {
      if (typeof x !== 'boolean') throw new InvalidArgumentError(`${name}.${k}`, `must be a boolean, got ${describe(x)}`);
      n = x ? 1 : 0;
    } else {
      if (typeof x !== 'number' || !Number.isInteger(x)) throw new InvalidArgumentError(`${name}.${k}`, `must be an integer, got ${describe(x)}`);
      if (x < range[0] || x > range[1]) throw new InvalidArgumentError(`${name}.${k}`, `must be in ${range[0]}..${range[1]}, got ${x}`);
      n = x;
    }
    entries.push([H3_CONFIG_KEY[k], BigInt(n)]);
  }
  const out = new Uint8Array(9 * entries.length);
  const v = new DataView(out.buffer);
  entries.forEach(([key, val], i) => { out[9 * i] = key; v.setBigUint64(9 * i + 1, val); });
  return out;
}

// ---- datagrams ----------------------------------------------------------------------------

/**
 * A datagram with its packed peer address (`{ family u8 (4|6), ip, port u16 }`,
 * 7 or 19 bytes) and the socket it came in on or leaves by (`localId`).
 */
export interface WireDatagram {
  localId: number;
  addr: Uint8Array;
  data: Uint8Array;
}

/** RFC 768: a UDP payload is at most 65,507 bytes over IPv4 (65,527 with IPv6 jumbograms aside); the length field here is a u16. */
export const MAX_DATAGRAM = 0xffff;

/** Bytes `packDatagrams` writes for `list`. */
export function packedSize(list: readonly { addr: Uint8Array; data: Uint8Array }[]): number {
  let size = 0;
  for (let i = 0; i < list.length; i++) size += 7 + list[i].addr.length + list[i].data.length;
  return size;
}

/**
 * Packs datagrams for `recv`: { local-id u32, addr-len u8, addr, len u16, bytes }*.
 * A datagram without `localId` gets `localId` (one socket's batch). With
 * `out` (at least `packedSize(list)` bytes, e.g. a buffer reused per batch)
 * it writes there and returns a view of the bytes written.
 */
export function packDatagrams(list: readonly { localId?: number; addr: Uint8Array; data: Uint8Array }[], localId = 0, out?: Uint8Array): Uint8Array {
  const size = packedSize(list);
  if (!out) out = new Uint8Array(size);
  else if (out.length < size) throw new RangeError(`packDatagrams: ${size} bytes needed, the buffer has ${out.length}`);
  let p = 0;
  for (let i = 0; i < list.length; i++) {
    const d = list[i];
    const id = d.localId ?? localId, n = d.data.length, a = d.addr.length;
    if (a > 255) throw new RangeError(`address of ${a} bytes`);
    if (n > MAX_DATAGRAM) throw new RangeError(`datagram of ${n} bytes`);
    out[p] = id >>> 24; out[p + 1] = (id >>> 16) & 255; out[p + 2] = (id >>> 8) & 255; out[p + 3] = id & 255;
    out[p + 4] = a;
    out.set(d.addr, p + 5);
    p += 5 + a;
    out[p] = n >>> 8; out[p + 1] = n & 255;
    out.set(d.data, p + 2);
    p += 2 + n;
  }
  return out.length === p ? out : out.subarray(0, p);
}

/** Unpacks `poll-transmit` output (same layout); views into `b`, no copies. A truncated record throws. */
export function unpackDatagrams(b: Uint8Array): WireDatagram[] {
  const out: WireDatagram[] = [];
  let p = 0;
  while (p < b.length) {
    if (p + 5 > b.length) throw new RangeError(`datagram batch truncated at byte ${p}`);
    const localId = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    const a = b[p + 4];
    const at = p + 5 + a;
    if (at + 2 > b.length) throw new RangeError(`datagram batch truncated at byte ${p} (address)`);
    const n = (b[at] << 8) | b[at + 1];
    const end = at + 2 + n;
    if (end > b.length) throw new RangeError(`datagram batch truncated at byte ${p} (payload of ${n} bytes)`);
    out.push({ localId, addr: b.subarray(p + 5, at), data: b.subarray(at + 2, end) });
    p = end;
  }
  return out;
}

// ---- config (assembly/quic/config.ts) -------------------------------------------------

/** Config keys (assembly/quic/config.ts QC_*). */
export const QUIC_CONFIG_KEY = {
  maxIdleTimeout: 1,
  initialMaxData: 2,
  streamWindow: 3,
  maxStreamWindow: 4,
  maxConnectionWindow: 5,
  maxStreamsBidi: 6,
  maxStreamsUni: 7,
  maxAckDelay: 8,
  ackDelayExponent: 9,
  activeConnectionIdLimit: 10,
  connectionIdLength: 11,
  maxDatagramFrameSize: 12,
  maxUdpPayloadSize: 13,
  congestionControl: 14,
  keepAlive: 15,
  sendBufferSize: 16,
  keyUpdateInterval: 17,
  disableActiveMigration: 18,
  datagramQueue: 19,
  maxConnections: 20,
  retry: 21,
  pacing: 22,
  maxCryptoBuffer: 23,
  maxRecvRanges: 24,
  handshakeTimeout: 25,
  greaseQuicBit: 26,
  resetStreamAt: 39,
} as const;

/** QC_QLOG: the core emits qlog events (set by the host when a qlog directory is configured, not a user option). */
export const QC_QLOG = 27;

/**
 * QUIC settings of an endpoint (all optional; docs/quic.md lists the
 * defaults). Times are milliseconds, sizes bytes.
 */
export interface QuicOptions {
  /** RFC 9000 §10.1 max_idle_timeout (0 = none). Default 30000. */
  maxIdleTimeout?: number;
  /** initial_max_data: the connection's initial receive window. Default 1 MiB. */
  initialMaxData?: number;
  /** Initial per-stream receive window (initial_max_stream_data_*). Default 256 KiB. */
  streamWindow?: number;
  /** Ceiling of per-stream window auto-tuning. Default 4 MiB. */
  maxStreamWindow?: number;
  /** Ceiling of connection window auto-tuning. Default 16 MiB. */
  maxConnectionWindow?: number;
  /** initial_max_streams_bidi: streams the peer may open at once. Default 100. */
  maxStreamsBidi?: number | bigint;
  /** initial_max_streams_uni. Default 100. */
  maxStreamsUni?: number | bigint;
  /** max_ack_delay (RFC 9000 §18.2). Default 25. */
  maxAckDelay?: number;
  /** active_connection_id_limit (§18.2, at least 2). Default 4. */
  activeConnectionIdLimit?: number;
  /** Length of the connection IDs this endpoint chooses. Default 8. */
  connectionIdLength?: number;
  /** RFC 9221 max_datagram_frame_size (0 = refuse DATAGRAM frames). Default 65535 (the host enables datagrams). */
  maxDatagramFrameSize?: number;
  /** max_udp_payload_size and the ceiling of path MTU discovery. Default 1452. */
  maxUdpPayloadSize?: number;
  /** Default 'cubic'. */
  congestionControl?: 'cubic' | 'newreno';
  /** Send a PING after this long without sending (0 = off). Default 0. */
  keepAlive?: number;
  /** Per-stream send buffer. Default 256 KiB. */
  sendBufferSize?: number;
  /** Initiate a key update every N packets (0 = only when the AEAD limit nears). Default 0. */
  keyUpdateInterval?: number;
  /** disable_active_migration (§18.2). Default false. */
  disableActiveMigration?: boolean;
  /** DATAGRAM frames queued each way before the oldest is dropped. Default 64. */
  datagramQueue?: number;
  /** Server: connections at once; Initials beyond are refused. Default 10000. */
  maxConnections?: number;
  /** Server: validate every client address with a Retry first (RFC 9000 §8.1.2). Default false. */
  retry?: boolean;
  /** Pace sending (RFC 9002 §7.7). Default true. */
  pacing?: boolean;
  /** The handshake must complete within this (0 = only the idle timeout). Default 10000. */
  handshakeTimeout?: number;
  /**
   * Advertise reset_stream_at (draft-ietf-quic-reliable-stream-reset): accept RESET_STREAM_AT, and
   * reset WebTransport streams with it when the peer advertises it too. Default true.
   */
  resetStreamAt?: boolean;
}

/** The largest send or receive buffer of one stream (assembly/quic/constants.ts MAX_STREAM_BUFFER). */
export const MAX_STREAM_BUFFER = 2 ** 30;
/** Upper bound the core accepts for times and connection-level sizes (it clamps to 2^40). */
const MAX_40 = 2 ** 40;
/** RFC 9000 §4.6: stream counts cannot exceed 2^60. */
const MAX_STREAMS = 2n ** 60n;

/**
 * The host's defaults where they differ from the core's: datagrams are on
 * (the W3C-shaped connection always has `datagrams`).
 */
export const HOST_DEFAULTS: Readonly<QuicOptions> = { maxDatagramFrameSize: 65535 };

/** The core's defaults (assembly/quic/config.ts), for documentation and cross-checks. */
export const CORE_DEFAULTS = {
  maxIdleTimeout: 30_000, initialMaxData: 1 << 20, streamWindow: 256 << 10, maxStreamWindow: 4 << 20,
  maxConnectionWindow: 16 << 20, maxStreamsBidi: 100, maxStreamsUni: 100, maxAckDelay: 25, activeConnectionIdLimit: 4,
  connectionIdLength: 8, maxDatagramFrameSize: 0, maxUdpPayloadSize: 1452, congestionControl: 'cubic', keepAlive: 0,
  sendBufferSize: 256 << 10, keyUpdateInterval: 0, disableActiveMigration: false, datagramQueue: 64, maxConnections: 10_000,
  retry: false, pacing: true, handshakeTimeout: 10_000, resetStreamAt: true,
} as const satisfies Required<QuicOptions>;

/** Every option's default as a connection of this host gets it (docs/quic.md lists them). */
export const QUIC_DEFAULTS: Readonly<Required<QuicOptions>> = { ...CORE_DEFAULTS, ...HOST_DEFAULTS };

const KNOWN = Object.keys(CORE_DEFAULTS) as (keyof QuicOptions)[];

type Check = (name: string, v: unknown) => bigint;

function int(min: number, max: number): Check {
  return (name, v) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidArgumentError(name, `must be an integer, got ${describe(v)}`);
    if (v < min || v > max) throw new InvalidArgumentError(name, `must be in ${min}..${max}, got ${v}`);
    return BigInt(v);
  };
}

function big(min: bigint, max: bigint): Check {
  return (name, v) => {
    let b: bigint;
    if (typeof v === 'bigint') b = v;
    else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
    else throw new InvalidArgumentError(name, `must be an integer (number or bigint), got ${describe(v)}`);
    if (b < min || b > max) throw new InvalidArgumentError(name, `must be in ${min}..${max}, got ${b}`);
    return b;
  };
}

const bool: Check = (name, v) => {
  if (typeof v !== 'boolean') throw new InvalidArgumentError(name, `must be a boolean, got ${describe(v)}`);
  return v ? 1n : 0n;
};

const CHECKS: Record<keyof QuicOptions, Check> = {
  maxIdleTimeout: int(0, MAX_40),
  initialMaxData: int(0, MAX_40),
  streamWindow: int(1, MAX_STREAM_BUFFER),
  maxStreamWindow: int(1, MAX_STREAM_BUFFER),
  maxConnectionWindow: int(1, MAX_40),
  maxStreamsBidi: big(0n, MAX_STREAMS),
  maxStreamsUni: big(0n, MAX_STREAMS),
  // RFC 9000 §18.2: "Values of 2^14 or greater are invalid"; the core needs at least 1
  maxAckDelay: int(1, 2 ** 14 - 1),
  // RFC 9000 §18.2: "The value of the active_connection_id_limit parameter MUST be at least 2"
  activeConnectionIdLimit: int(2, 16),
  // RFC 9000 §17.2: at most 20 bytes in QUIC version 1
  connectionIdLength: int(0, 20),
  maxDatagramFrameSize: int(0, 65535),
  // RFC 9000 §14: at least 1200; §18.2: max_udp_payload_size at most 65527
  maxUdpPayloadSize: int(1200, 65527),
  congestionControl: (name, v) => {
    if (v === 'cubic') return 1n;
    if (v === 'newreno') return 0n;
    throw new InvalidArgumentError(name, `must be one of 'cubic', 'newreno', got ${typeof v === 'string' ? `'${v}'` : describe(v)}`);
  },
  keepAlive: int(0, MAX_40),
  sendBufferSize: int(1, MAX_STREAM_BUFFER),
  keyUpdateInterval: int(0, Number.MAX_SAFE_INTEGER),
  disableActiveMigration: bool,
  datagramQueue: int(1, 4096),
  maxConnections: int(1, 2 ** 20),
  retry: bool,
  pacing: bool,
  handshakeTimeout: int(0, MAX_40),
  resetStreamAt: bool,
};

/**
 * Validates QUIC options: unknown keys, wrong types and out-of-range values
 * throw InvalidArgumentError naming the option (`quic.maxAckDelay`). Values
 * are refused rather than clamped (the core would clamp them silently).
 * Returns the checked values as bigints, keyed by option.
 */
export function checkQuicOptions(options: unknown, name = 'quic', role?: 'client' | 'server'): Map<keyof QuicOptions, bigint> {
  const o = optionsArg<QuicOptions>(name, options, KNOWN);
  const out = new Map<keyof QuicOptions, bigint>();
  for (const k of KNOWN) {
    const v = o[k];
    if (v === undefined) continue;
    out.set(k, CHECKS[k](`${name}.${k}`, v));
  }
  // a ceiling below its window, both given: the core would raise the ceiling silently; say so instead
  const pairs = [['maxStreamWindow', 'streamWindow'], ['maxConnectionWindow', 'initialMaxData']] as const;
  for (const [ceiling, window] of pairs) {
    const c = out.get(ceiling), w = out.get(window);
    if (c !== undefined && w !== undefined && c < w) throw new InvalidArgumentError(`${name}.${ceiling}`, `must be at least ${window} (${w}), got ${c}`);
  }
  if (role === 'server') {
    // a server routes datagrams by the connection IDs it chose (RFC 9000 §5.2): empty ones cannot tell connections apart
    if (out.get('connectionIdLength') === 0n) throw new InvalidArgumentError(`${name}.connectionIdLength`, 'a server needs connection IDs of 1..20 bytes to route datagrams, got 0');
  } else if (role === 'client') {
    for (const k of ['maxConnections', 'retry'] as const) {
      if (out.has(k)) throw new InvalidArgumentError(`${name}.${k}`, 'is a server option');
    }
  }
  return out;
}

/**
 * Encodes checked options as the config blob: { key u8, value u64 BE }* in
 * key order (empty: every default); `qlog` asks the core for qlog events.
 */
export function encodeQuicConfig(checked: Map<keyof QuicOptions, bigint>, qlog = false): Uint8Array {
  const keys = [...checked.keys()].sort((a, b) => QUIC_CONFIG_KEY[a] - QUIC_CONFIG_KEY[b]);
  const out = new Uint8Array(9 * (keys.length + (qlog ? 1 : 0)));
  const v = new DataView(out.buffer);
  keys.forEach((k, i) => {
    out[9 * i] = QUIC_CONFIG_KEY[k];
    v.setBigUint64(9 * i + 1, checked.get(k)!);
  });
  if (qlog) {
    out[9 * keys.length] = QC_QLOG;
    v.setBigUint64(9 * keys.length + 1, 1n);
  }
  return out;
}

/** Validates and encodes in one step, with the host's defaults under the caller's options. */
export function quicConfig(options: unknown, name = 'quic', role?: 'client' | 'server'): Uint8Array {
  const checked = checkQuicOptions(options, name, role);
  for (const [k, v] of Object.entries(HOST_DEFAULTS) as [keyof QuicOptions, number][]) {
    if (!checked.has(k)) checked.set(k, BigInt(v));
  }
  return encodeQuicConfig(checked);
}
