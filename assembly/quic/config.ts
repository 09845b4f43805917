// Everything a QUIC endpoint lets its user choose: limits on what a peer may
// make us hold, timeouts, the congestion controller, the largest datagram.
// One `QuicConfig` is shared by the connections of an endpoint. It is built
// from a compact blob the host writes (`parseQuicConfig`):
//
//   config := { key u8, value u64 (big endian) }*
//
// Unknown keys are an error (a newer host on an older core must not believe
// a limit took effect). Values are clamped to what the RFCs allow.

import { Reader } from "../wire/reader";
import { CongestionAlgorithm } from "./cc";
import { MAX_CID_LEN, MAX_STREAM_BUFFER } from "./constants";
import { MAX_STREAMS_LIMIT } from "./frame";

export const QC_MAX_IDLE_TIMEOUT_MS: u8 = 1;
export const QC_INITIAL_MAX_DATA: u8 = 2;
export const QC_STREAM_WINDOW: u8 = 3;
export const QC_MAX_STREAM_WINDOW: u8 = 4;
export const QC_MAX_CONN_WINDOW: u8 = 5;
export const QC_MAX_STREAMS_BIDI: u8 = 6;
export const QC_MAX_STREAMS_UNI: u8 = 7;
export const QC_MAX_ACK_DELAY_MS: u8 = 8;
export const QC_ACK_DELAY_EXPONENT: u8 = 9;
export const QC_ACTIVE_CID_LIMIT: u8 = 10;
export const QC_CID_LEN: u8 = 11;
export const QC_MAX_DATAGRAM_FRAME_SIZE: u8 = 12;
export const QC_MAX_UDP_PAYLOAD: u8 = 13;
export const QC_CONGESTION: u8 = 14;
export const QC_KEEP_ALIVE_MS: u8 = 15;
export const QC_SEND_BUFFER: u8 = 16;
export const QC_KEY_UPDATE_INTERVAL: u8 = 17;
export const QC_DISABLE_MIGRATION: u8 = 18;
export const QC_DATAGRAM_QUEUE: u8 = 19;
export const QC_MAX_CONNECTIONS: u8 = 20;
export const QC_RETRY: u8 = 21;
export const QC_PACING: u8 = 22;
export const QC_MAX_CRYPTO_BUFFER: u8 = 23;
export const QC_MAX_RECV_RANGES: u8 = 24;
export const QC_HANDSHAKE_TIMEOUT_MS: u8 = 25;
export const QC_GREASE_QUIC_BIT: u8 = 26;
export const QC_QLOG: u8 = 27;
// HTTP/3 (assembly/h3/connection.ts, wit/http3.wit): an endpoint opts in with
// QC_H3 = 1; the rest are its local SETTINGS (RFC 9114 §7.2.4.1, RFC 9204 §5,
// RFC 9220 §3, RFC 9297 §2.1.1) and a request/response body limit.
export const QC_H3: u8 = 28;
export const QC_H3_MAX_FIELD_SECTION_SIZE: u8 = 29;
export const QC_H3_QPACK_MAX_TABLE_CAPACITY: u8 = 30;
export const QC_H3_QPACK_BLOCKED_STREAMS: u8 = 31;
export const QC_H3_ENABLE_CONNECT_PROTOCOL: u8 = 32;
export const QC_H3_DATAGRAM: u8 = 33;
export const QC_H3_MAX_BODY_SIZE: u8 = 34;
// WebTransport over HTTP/3 (assembly/h3/webtransport/): QC_WT is a mask of
// the draft codepoints we advertise (WT_DRAFT_* in h3/webtransport/settings.ts,
// 0 = off); on, it also turns on ENABLE_CONNECT_PROTOCOL and H3_DATAGRAM.
export const QC_WT: u8 = 35;
export const QC_WT_MAX_SESSIONS: u8 = 36;
export const QC_WT_MAX_BUFFERED_STREAMS: u8 = 37;
export const QC_WT_MAX_STREAMS_PER_SESSION: u8 = 38;
/** draft-ietf-quic-reliable-stream-reset §3: advertise reset_stream_at (default on). */
export const QC_RESET_STREAM_AT: u8 = 39;

/** The largest SETTINGS_MAX_FIELD_SECTION_SIZE we advertise: a header block is held whole while it is decoded. */
export const H3_MAX_FIELD_SECTION_LIMIT: u64 = 1 << 20;
/** The largest QPACK table we let a peer's encoder fill (RFC 9204 §3.2.3). */
export const H3_MAX_QPACK_TABLE_LIMIT: u64 = 1 << 20;

/** RFC 9000 §14: every QUIC path carries 1200-byte datagrams. */
export const MIN_UDP_PAYLOAD: u32 = 1200;

@final
export class QuicConfig {
  /** RFC 9000 §10.1 max_idle_timeout we advertise (0 = none). */
  maxIdleTimeoutMs: u64 = 30_000;
  /** RFC 9000 §18.2 initial_max_data: the connection's initial receive window. */
  initialMaxData: u64 = 1 << 20;
  /** Initial per-stream receive window (initial_max_stream_data_*). */
  streamWindow: u64 = 256 << 10;
  /** Auto-tuning ceilings (flow_control.ts): per stream and per connection. */
  maxStreamWindow: u64 = 4 << 20;
  maxConnWindow: u64 = 16 << 20;
  /** initial_max_streams_bidi / _uni: how many the peer may open at once. */
  maxStreamsBidi: u64 = 100;
  maxStreamsUni: u64 = 100;
  maxAckDelayMs: u64 = 25;
  ackDelayExponent: u64 = 3;
  /** active_connection_id_limit we advertise (how many of the peer's CIDs we store). */
  activeCidLimit: u64 = 4;
  /** Length of the connection IDs we choose. */
  cidLen: i32 = 8;
  /** RFC 9221 max_datagram_frame_size (0 = DATAGRAM frames not accepted). */
  maxDatagramFrameSize: u64 = 0;
  /** The largest UDP payload DPLPMTUD may reach (and max_udp_payload_size). */
  maxUdpPayload: u32 = 1452;
  congestion: CongestionAlgorithm = CongestionAlgorithm.Cubic;
  /** Send a PING when nothing was sent for this long (0 = off). */
  keepAliveMs: u64 = 0;
  /** Per-stream send buffer. */
  sendBuffer: u64 = 256 << 10;
  /** Initiate a key update every N packets sent (0 = only when the AEAD limit nears). */
  keyUpdateInterval: u64 = 0;
  disableActiveMigration: bool = false;
  /** DATAGRAM frames queued each way before the oldest is dropped. */
  datagramQueue: i32 = 64;
  /** Server endpoint: connections at once (Initials beyond are refused). */
  maxConnections: u32 = 10_000;
  /** Server endpoint: demand address validation by Retry before any state. */
  retry: bool = false;
  pacing: bool = true;
  /** Bytes of out-of-order CRYPTO data kept per level (RFC 9000 §7.5: at least 4096). */
  maxCryptoBuffer: u64 = 64 << 10;
  /** Out-of-order ranges per stream before PROTOCOL_VIOLATION. */
  maxRecvRanges: i32 = 64;
  /** The handshake must complete within this (0 = only the idle timeout). */
  handshakeTimeoutMs: u64 = 10_000;
  greaseQuicBit: bool = false;
  /** draft-ietf-quic-reliable-stream-reset: advertise reset_stream_at (we accept RESET_STREAM_AT, and send it when the peer does). */
  resetStreamAt: bool = true;
  /** Emit qlog events (events.ts Qlog, qlog.ts) for every connection. */
  qlog: bool = false;
  /** HTTP/3 on connections whose ALPN is "h3" (wit/http3.wit). */
  h3: bool = false;
  /** Our SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §4.2.2): requests over it get 431, responses a stream error. */
  h3MaxFieldSectionSize: u64 = 64 << 10;
  /** Our SETTINGS_QPACK_MAX_TABLE_CAPACITY (RFC 9204 §3.2.3; 0 = no dynamic table for the peer's encoder). */
  h3QpackMaxTableCapacity: u64 = 4096;
  /** Our SETTINGS_QPACK_BLOCKED_STREAMS (RFC 9204 §2.1.2). */
  h3QpackBlockedStreams: u64 = 16;
  /** SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 9220 §3): extended CONNECT accepted. */
  h3EnableConnectProtocol: bool = false;
  /** SETTINGS_H3_DATAGRAM (RFC 9297 §2.1.1). */
  h3Datagram: bool = false;
  /** The largest message body we accept (a server answers 413 above it, a client resets the response); u64 max = none. */
  h3MaxBodySize: u64 = u64.MAX_VALUE;
  /** WebTransport: mask of the draft codepoints advertised (0 = off). */
  wtDrafts: u32 = 0;
  /** WebTransport sessions at once on a connection (SETTINGS_WT_MAX_SESSIONS; more are refused). */
  wtMaxSessions: u64 = 16;
  /** Peer streams (and datagrams) held for a session not known yet; beyond: WT_BUFFERED_STREAM_REJECTED. */
  wtMaxBufferedStreams: i32 = 16;
  /** Streams the peer may have open on one session; beyond: refused with WT_BUFFERED_STREAM_REJECTED. */
  wtMaxStreamsPerSession: u64 = 1024;
  /** Why parsing failed ("" on success). */
  error: string = "";
}

function clamp(v: u64, lo: u64, hi: u64): u64 { return v < lo ? lo : (v > hi ? hi : v); }

export function parseQuicConfig(ptr: usize, len: usize): QuicConfig {
  const c = new QuicConfig();
  const r = new Reader(ptr, len);
  while (!r.atEnd) {
    const key = r.u8();
    const v = r.u64();
    if (r.failed) { c.error = "truncated QUIC config"; return c; }
    switch (key) {
      case QC_MAX_IDLE_TIMEOUT_MS: c.maxIdleTimeoutMs = clamp(v, 0, 1 << 40); break;
      case QC_INITIAL_MAX_DATA: c.initialMaxData = clamp(v, 0, 1 << 40); break;
      case QC_STREAM_WINDOW: c.streamWindow = clamp(v, 1, MAX_STREAM_BUFFER); break;
      case QC_MAX_STREAM_WINDOW: c.maxStreamWindow = clamp(v, 1, MAX_STREAM_BUFFER); break;
      case QC_MAX_CONN_WINDOW: c.maxConnWindow = clamp(v, 1, 1 << 40); break;
      // RFC 9000 §4.6: stream counts cannot exceed 2^60
      case QC_MAX_STREAMS_BIDI: c.maxStreamsBidi = clamp(v, 0, MAX_STREAMS_LIMIT); break;
      case QC_MAX_STREAMS_UNI: c.maxStreamsUni = clamp(v, 0, MAX_STREAMS_LIMIT); break;
      // RFC 9000 §18.2: max_ack_delay below 2^14 ms; ack_delay_exponent at most 20
      case QC_MAX_ACK_DELAY_MS: c.maxAckDelayMs = clamp(v, 1, (1 << 14) - 1); break;
      case QC_ACK_DELAY_EXPONENT: c.ackDelayExponent = clamp(v, 0, 20); break;
      // RFC 9000 §18.2: active_connection_id_limit is at least 2
      case QC_ACTIVE_CID_LIMIT: c.activeCidLimit = clamp(v, 2, 16); break;
      case QC_CID_LEN: c.cidLen = <i32>clamp(v, 0, <u64>MAX_CID_LEN); break;
      case QC_MAX_DATAGRAM_FRAME_SIZE: c.maxDatagramFrameSize = clamp(v, 0, 65535); break;
      case QC_MAX_UDP_PAYLOAD: c.maxUdpPayload = <u32>clamp(v, MIN_UDP_PAYLOAD, 65527); break;
      case QC_CONGESTION: c.congestion = v == 0 ? CongestionAlgorithm.NewReno : CongestionAlgorithm.Cubic; break;
      case QC_KEEP_ALIVE_MS: c.keepAliveMs = clamp(v, 0, 1 << 40); break;
      case QC_SEND_BUFFER: c.sendBuffer = clamp(v, 1, MAX_STREAM_BUFFER); break;
      case QC_KEY_UPDATE_INTERVAL: c.keyUpdateInterval = v; break;
      case QC_DISABLE_MIGRATION: c.disableActiveMigration = v != 0; break;
      case QC_DATAGRAM_QUEUE: c.datagramQueue = <i32>clamp(v, 1, 4096); break;
      case QC_MAX_CONNECTIONS: c.maxConnections = <u32>clamp(v, 1, 1 << 20); break;
      case QC_RETRY: c.retry = v != 0; break;
      case QC_PACING: c.pacing = v != 0; break;
      case QC_MAX_CRYPTO_BUFFER: c.maxCryptoBuffer = clamp(v, 4096, 1 << 20); break;
      case QC_MAX_RECV_RANGES: c.maxRecvRanges = <i32>clamp(v, 4, 1024); break;
      case QC_HANDSHAKE_TIMEOUT_MS: c.handshakeTimeoutMs = clamp(v, 0, 1 << 40); break;
      case QC_GREASE_QUIC_BIT: c.greaseQuicBit = v != 0; break;
      case QC_RESET_STREAM_AT: c.resetStreamAt = v != 0; break;
      case QC_QLOG: c.qlog = v != 0; break;
      case QC_H3: c.h3 = v != 0; break;
      case QC_H3_MAX_FIELD_SECTION_SIZE: c.h3MaxFieldSectionSize = clamp(v, 1, H3_MAX_FIELD_SECTION_LIMIT); break;
      case QC_H3_QPACK_MAX_TABLE_CAPACITY: c.h3QpackMaxTableCapacity = clamp(v, 0, H3_MAX_QPACK_TABLE_LIMIT); break;
      case QC_H3_QPACK_BLOCKED_STREAMS: c.h3QpackBlockedStreams = clamp(v, 0, 1024); break;
      case QC_H3_ENABLE_CONNECT_PROTOCOL: c.h3EnableConnectProtocol = v != 0; break;
      case QC_H3_DATAGRAM: c.h3Datagram = v != 0; break;
      case QC_H3_MAX_BODY_SIZE: c.h3MaxBodySize = v == 0 ? u64.MAX_VALUE : v; break;
      case QC_WT: c.wtDrafts = <u32>(v & 0xff); break;
      case QC_WT_MAX_SESSIONS: c.wtMaxSessions = clamp(v, 1, 1024); break;
      case QC_WT_MAX_BUFFERED_STREAMS: c.wtMaxBufferedStreams = <i32>clamp(v, 0, 1024); break;
      case QC_WT_MAX_STREAMS_PER_SESSION: c.wtMaxStreamsPerSession = clamp(v, 1, MAX_STREAMS_LIMIT); break;
      default: c.error = "unknown QUIC config key " + key.toString(); return c;
    }
  }
  // WebTransport needs extended CONNECT (RFC 9220) and HTTP datagrams (RFC 9297) on the H3 layer, and QUIC DATAGRAM frames
  if (c.wtDrafts != 0) {
    c.h3EnableConnectProtocol = true;
    c.h3Datagram = true;
    if (c.maxDatagramFrameSize == 0) c.maxDatagramFrameSize = 65535;
  }
  if (c.maxStreamWindow < c.streamWindow) c.maxStreamWindow = c.streamWindow;
  if (c.maxConnWindow < c.initialMaxData) c.maxConnWindow = c.initialMaxData;
  return c;
}
