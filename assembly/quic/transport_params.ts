// QUIC transport parameters (RFC 9000 §18), carried in the TLS extension
// quic_transport_parameters (0x39, RFC 9001 §8.2). A complete codec with the
// validation rules of RFC 9000 §18.2 and max_datagram_frame_size (RFC 9221 §3),
// and `QuicTransportParamsPolicy`: the rules TLS applies to the bytes it
// carries (tls/transport_params_policy.ts), RFC 9000 §7.4 and §7.4.1.

import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import { sha256 } from "../crypto/sha256";
import { ctEqual } from "../crypto/ct";
import { TransportParamsPolicy, TransportParamsError } from "../tls/transport_params_policy";
import { TRANSPORT_PARAMETER_ERROR } from "./errors";
import { MAX_CID_LEN } from "./constants";

// RFC 9000 §18.2 / RFC 9221 §3: parameter ids.
export const TP_ORIGINAL_DESTINATION_CONNECTION_ID: u64 = 0x00;
export const TP_MAX_IDLE_TIMEOUT: u64 = 0x01;
export const TP_STATELESS_RESET_TOKEN: u64 = 0x02;
export const TP_MAX_UDP_PAYLOAD_SIZE: u64 = 0x03;
export const TP_INITIAL_MAX_DATA: u64 = 0x04;
export const TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL: u64 = 0x05;
export const TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE: u64 = 0x06;
export const TP_INITIAL_MAX_STREAM_DATA_UNI: u64 = 0x07;
export const TP_INITIAL_MAX_STREAMS_BIDI: u64 = 0x08;
export const TP_INITIAL_MAX_STREAMS_UNI: u64 = 0x09;
export const TP_ACK_DELAY_EXPONENT: u64 = 0x0a;
export const TP_MAX_ACK_DELAY: u64 = 0x0b;
export const TP_DISABLE_ACTIVE_MIGRATION: u64 = 0x0c;
export const TP_PREFERRED_ADDRESS: u64 = 0x0d;
export const TP_ACTIVE_CONNECTION_ID_LIMIT: u64 = 0x0e;
export const TP_INITIAL_SOURCE_CONNECTION_ID: u64 = 0x0f;
export const TP_RETRY_SOURCE_CONNECTION_ID: u64 = 0x10;
export const TP_MAX_DATAGRAM_FRAME_SIZE: u64 = 0x20;
/** draft-ietf-quic-reliable-stream-reset §3: reset_stream_at, empty value. */
export const TP_RESET_STREAM_AT: u64 = 0x17f7586d2cb571;

/** RFC 9000 §18.2: preferred_address contents. */
@final
export class PreferredAddress {
  ipv4: Uint8Array = new Uint8Array(4);
  ipv4Port: u16 = 0;
  ipv6: Uint8Array = new Uint8Array(16);
  ipv6Port: u16 = 0;
  connectionId: Uint8Array = new Uint8Array(0);
  statelessResetToken: Uint8Array = new Uint8Array(16);
}

/** All parameters with the defaults of RFC 9000 §18.2 for absent ones. */
@final
export class TransportParams {
  originalDestinationConnectionId: Uint8Array | null = null;
  maxIdleTimeout: u64 = 0;
  statelessResetToken: Uint8Array | null = null;
  maxUdpPayloadSize: u64 = 65527;
  initialMaxData: u64 = 0;
  initialMaxStreamDataBidiLocal: u64 = 0;
  initialMaxStreamDataBidiRemote: u64 = 0;
  initialMaxStreamDataUni: u64 = 0;
  initialMaxStreamsBidi: u64 = 0;
  initialMaxStreamsUni: u64 = 0;
  ackDelayExponent: u64 = 3;
  maxAckDelay: u64 = 25;
  disableActiveMigration: bool = false;
  preferredAddress: PreferredAddress | null = null;
  activeConnectionIdLimit: u64 = 2;
  initialSourceConnectionId: Uint8Array | null = null;
  retrySourceConnectionId: Uint8Array | null = null;
  /** 0 = absent (RFC 9221 §3: the peer does not accept DATAGRAM frames). */
  maxDatagramFrameSize: u64 = 0;
  hasMaxDatagramFrameSize: bool = false;
  /** draft-ietf-quic-reliable-stream-reset §3: the endpoint accepts RESET_STREAM_AT frames. */
  resetStreamAt: bool = false;
}

/** Result of decoding: `error` is 0 or TRANSPORT_PARAMETER_ERROR with `reason`. */
@final
export class TpDecodeResult {
  params: TransportParams = new TransportParams();
  error: u64 = 0;
  reason: string = "";
}

function copyBytes(p: usize, n: usize): Uint8Array {
  const out = new Uint8Array(<i32>n);
  if (n) memory.copy(out.dataStart, p, n);
  return out;
}

function fail(res: TpDecodeResult, reason: string): TpDecodeResult {
  res.error = TRANSPORT_PARAMETER_ERROR;
  res.reason = reason;
  return res;
}

/**
 * Decodes the extension body sent by a server (`fromServer`) or a client.
 * RFC 9000 §7.4: an endpoint MUST treat receipt of a transport parameter with
 * an invalid value, a duplicate, or a server-only parameter from a client as
 * a connection error of type TRANSPORT_PARAMETER_ERROR.
 */
export function decodeTransportParams(ptr: usize, len: usize, fromServer: bool): TpDecodeResult {
  const res = new TpDecodeResult();
  const tp = res.params;
  const r = new Reader(ptr, len);
  const v = new Reader();
  // duplicates of known ids (0x00..0x20) tracked in a bitmap; unknown ids are ignored,
  // RFC 9000 §18.1: reserved (GREASE) 31*N+27 ids included.
  let seen: u64 = 0;
  while (!r.atEnd) {
    const id = r.varint();
    const plen = r.varint();
    if (r.failed || plen > <u64>r.remaining) return fail(res, "truncated transport parameter");
    r.sub(<usize>plen, v);
    const n = <usize>plen;
    if (id <= 0x20) {
      const bit: u64 = <u64>1 << id;
      // RFC 9000 §7.4: an endpoint SHOULD treat receipt of duplicate transport parameters as a connection error
      if (seen & bit) return fail(res, "duplicate transport parameter");
      seen |= bit;
    }
    if (id == TP_ORIGINAL_DESTINATION_CONNECTION_ID || id == TP_RETRY_SOURCE_CONNECTION_ID || id == TP_INITIAL_SOURCE_CONNECTION_ID) {
      if (n > <usize>MAX_CID_LEN) return fail(res, "connection id too long");
      if (id != TP_INITIAL_SOURCE_CONNECTION_ID && !fromServer) return fail(res, "server-only transport parameter from a client");
      const cid = copyBytes(v.pos, n);
      if (id == TP_ORIGINAL_DESTINATION_CONNECTION_ID) tp.originalDestinationConnectionId = cid;
      else if (id == TP_RETRY_SOURCE_CONNECTION_ID) tp.retrySourceConnectionId = cid;
      else tp.initialSourceConnectionId = cid;
    } else if (id == TP_STATELESS_RESET_TOKEN) {
      // RFC 9000 §18.2: a client MUST NOT include any server-only transport parameter
      if (!fromServer) return fail(res, "server-only transport parameter from a client");
      if (n != 16) return fail(res, "stateless_reset_token must be 16 bytes");
      tp.statelessResetToken = copyBytes(v.pos, 16);
    } else if (id == TP_DISABLE_ACTIVE_MIGRATION) {
      if (n != 0) return fail(res, "disable_active_migration must be empty");
      tp.disableActiveMigration = true;
    } else if (id == TP_PREFERRED_ADDRESS) {
      if (!fromServer) return fail(res, "server-only transport parameter from a client");
      // RFC 9000 §18.2 Figure 22: 4+2+16+2+1+cid+16
      const pa = new PreferredAddress();
      memory.copy(pa.ipv4.dataStart, v.bytes(4), v.failed ? 0 : 4);
      pa.ipv4Port = v.u16();
      const p6 = v.bytes(16);
      if (!v.failed) memory.copy(pa.ipv6.dataStart, p6, 16);
      pa.ipv6Port = v.u16();
      const cl = <usize>v.u8();
      const cp = v.bytes(cl);
      const tk = v.bytes(16);
      if (v.failed || !v.atEnd) return fail(res, "malformed preferred_address");
      // RFC 9000 §18.2: a server that chooses a zero-length connection ID MUST NOT provide a preferred address
      if (cl == 0 || cl > <usize>MAX_CID_LEN) return fail(res, "bad preferred_address connection id length");
      pa.connectionId = copyBytes(cp, cl);
      memory.copy(pa.statelessResetToken.dataStart, tk, 16);
      tp.preferredAddress = pa;
    } else if (id == TP_RESET_STREAM_AT) {
      // RFC 9000 §7.4: duplicates refused as for the ids in the bitmap
      if (tp.resetStreamAt) return fail(res, "duplicate transport parameter");
      // draft-ietf-quic-reliable-stream-reset §3: the value is empty; anything
      // else is a TRANSPORT_PARAMETER_ERROR
      if (n != 0) return fail(res, "reset_stream_at must be empty");
      tp.resetStreamAt = true;
    } else if (id <= 0x20 && isIntegerParam(id)) {
      const x = v.varint();
      if (v.failed || !v.atEnd) return fail(res, "malformed integer transport parameter");
      const err = setInteger(tp, id, x);
      if (err.length) return fail(res, err);
    }
    // unknown parameters: RFC 9000 §7.4.2 — MUST be ignored
  }
  // RFC 9000 §7.3: an endpoint MUST treat the absence of initial_source_connection_id
  // (or, from a server, original_destination_connection_id) as a connection error.
  if (tp.initialSourceConnectionId == null) return fail(res, "missing initial_source_connection_id");
  if (fromServer && tp.originalDestinationConnectionId == null) return fail(res, "missing original_destination_connection_id");
  return res;
}

function isIntegerParam(id: u64): bool {
  return id == TP_MAX_IDLE_TIMEOUT || (id >= TP_MAX_UDP_PAYLOAD_SIZE && id <= TP_MAX_ACK_DELAY) ||
    id == TP_ACTIVE_CONNECTION_ID_LIMIT || id == TP_MAX_DATAGRAM_FRAME_SIZE;
}

function setInteger(tp: TransportParams, id: u64, x: u64): string {
  switch (<i32>id) {
    case 0x01: tp.maxIdleTimeout = x; break;
    case 0x03:
      // RFC 9000 §18.2: values below 1200 are invalid
      if (x < 1200) return "max_udp_payload_size below 1200";
      tp.maxUdpPayloadSize = x; break;
    case 0x04: tp.initialMaxData = x; break;
    case 0x05: tp.initialMaxStreamDataBidiLocal = x; break;
    case 0x06: tp.initialMaxStreamDataBidiRemote = x; break;
    case 0x07: tp.initialMaxStreamDataUni = x; break;
    case 0x08:
    case 0x09:
      // RFC 9000 §4.6: values above 2^60 are a TRANSPORT_PARAMETER_ERROR
      if (x > (<u64>1 << 60)) return "initial_max_streams above 2^60";
      if (id == 0x08) tp.initialMaxStreamsBidi = x; else tp.initialMaxStreamsUni = x;
      break;
    case 0x0a:
      // RFC 9000 §18.2: values above 20 are invalid
      if (x > 20) return "ack_delay_exponent above 20";
      tp.ackDelayExponent = x; break;
    case 0x0b:
      // RFC 9000 §18.2: values of 2^14 or greater are invalid
      if (x >= (<u64>1 << 14)) return "max_ack_delay of 2^14 or more";
      tp.maxAckDelay = x; break;
    case 0x0e:
      // RFC 9000 §18.2: the value MUST be at least 2
      if (x < 2) return "active_connection_id_limit below 2";
      tp.activeConnectionIdLimit = x; break;
    case 0x20: tp.maxDatagramFrameSize = x; tp.hasMaxDatagramFrameSize = true; break;
  }
  return "";
}

function putInt(w: Writer, id: u64, v: u64): void {
  w.varint(id);
  w.varint(<u64>varintSize(v));
  w.varint(v);
}

@inline function varintSize(v: u64): i32 {
  return v < 64 ? 1 : v < 16384 ? 2 : v < 1073741824 ? 4 : 8;
}

function putBytes(w: Writer, id: u64, b: Uint8Array): void {
  w.varint(id);
  w.varint(<u64>b.length);
  w.bytes(b.dataStart, <usize>b.length);
}

/** Encodes `tp`, omitting parameters equal to their defaults. */
export function encodeTransportParams(tp: TransportParams, w: Writer): void {
  const odcid = tp.originalDestinationConnectionId;
  if (odcid != null) putBytes(w, TP_ORIGINAL_DESTINATION_CONNECTION_ID, odcid);
  if (tp.maxIdleTimeout != 0) putInt(w, TP_MAX_IDLE_TIMEOUT, tp.maxIdleTimeout);
  const srt = tp.statelessResetToken;
  if (srt != null) putBytes(w, TP_STATELESS_RESET_TOKEN, srt);
  if (tp.maxUdpPayloadSize != 65527) putInt(w, TP_MAX_UDP_PAYLOAD_SIZE, tp.maxUdpPayloadSize);
  if (tp.initialMaxData != 0) putInt(w, TP_INITIAL_MAX_DATA, tp.initialMaxData);
  if (tp.initialMaxStreamDataBidiLocal != 0) putInt(w, TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL, tp.initialMaxStreamDataBidiLocal);
  if (tp.initialMaxStreamDataBidiRemote != 0) putInt(w, TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE, tp.initialMaxStreamDataBidiRemote);
  if (tp.initialMaxStreamDataUni != 0) putInt(w, TP_INITIAL_MAX_STREAM_DATA_UNI, tp.initialMaxStreamDataUni);
  if (tp.initialMaxStreamsBidi != 0) putInt(w, TP_INITIAL_MAX_STREAMS_BIDI, tp.initialMaxStreamsBidi);
  if (tp.initialMaxStreamsUni != 0) putInt(w, TP_INITIAL_MAX_STREAMS_UNI, tp.initialMaxStreamsUni);
  if (tp.ackDelayExponent != 3) putInt(w, TP_ACK_DELAY_EXPONENT, tp.ackDelayExponent);
  if (tp.maxAckDelay != 25) putInt(w, TP_MAX_ACK_DELAY, tp.maxAckDelay);
  if (tp.disableActiveMigration) { w.varint(TP_DISABLE_ACTIVE_MIGRATION); w.varint(0); }
  const pa = tp.preferredAddress;
  if (pa != null) {
    w.varint(TP_PREFERRED_ADDRESS);
    w.varint(<u64>(4 + 2 + 16 + 2 + 1 + pa.connectionId.length + 16));
    w.bytes(pa.ipv4.dataStart, 4); w.u16(pa.ipv4Port);
    w.bytes(pa.ipv6.dataStart, 16); w.u16(pa.ipv6Port);
    w.u8(<u32>pa.connectionId.length); w.bytes(pa.connectionId.dataStart, <usize>pa.connectionId.length);
    w.bytes(pa.statelessResetToken.dataStart, 16);
  }
  if (tp.activeConnectionIdLimit != 2) putInt(w, TP_ACTIVE_CONNECTION_ID_LIMIT, tp.activeConnectionIdLimit);
  const iscid = tp.initialSourceConnectionId;
  if (iscid != null) putBytes(w, TP_INITIAL_SOURCE_CONNECTION_ID, iscid);
  const rscid = tp.retrySourceConnectionId;
  if (rscid != null) putBytes(w, TP_RETRY_SOURCE_CONNECTION_ID, rscid);
  if (tp.hasMaxDatagramFrameSize) putInt(w, TP_MAX_DATAGRAM_FRAME_SIZE, tp.maxDatagramFrameSize);
  if (tp.resetStreamAt) { w.varint(TP_RESET_STREAM_AT); w.varint(0); }
}

/**
 * RFC 9000 §7.4.1: the parameters a server that accepts 0-RTT MUST NOT
 * reduce (or alter): max_idle_timeout, max_udp_payload_size, the initial
 * flow-control and stream limits, ack_delay_exponent, max_ack_delay,
 * disable_active_migration, active_connection_id_limit, and (RFC 9221 §3)
 * max_datagram_frame_size. Hashed with SHA-256 in wire order, so any change
 * to them is seen (stricter than "not reduced": 0-RTT is then refused).
 */
export function tpHashFor0Rtt(ptr: usize, len: usize, out32: usize): void {
  const r = new Reader(ptr, len);
  const w = new Writer();
  while (!r.atEnd) {
    const start = r.pos;
    const id = r.varint();
    const n = r.varint();
    if (r.failed || n > <u64>r.remaining) break;
    r.skip(<usize>n);
    if (id == TP_MAX_IDLE_TIMEOUT || (id >= TP_MAX_UDP_PAYLOAD_SIZE && id <= TP_DISABLE_ACTIVE_MIGRATION) ||
        id == TP_ACTIVE_CONNECTION_ID_LIMIT || id == TP_MAX_DATAGRAM_FRAME_SIZE) {
      w.bytes(start, r.pos - start);
    }
  }
  sha256(w.buf, w.len, out32);
  w.release();
}

/** The QUIC layer's answer to the TLS handshake's questions about transport parameters. */
@final
export class QuicTransportParamsPolicy extends TransportParamsPolicy {
  validate(peerIsServer: bool, ptr: usize, len: usize): TransportParamsError | null {
    const res = decodeTransportParams(ptr, len, peerIsServer);
    return res.error == 0 ? null : new TransportParamsError(res.error, res.reason);
  }

  rememberFor0Rtt(ptr: usize, len: usize, out: usize): void {
    tpHashFor0Rtt(ptr, len, out);
  }

  earlyDataCompatible(remembered: usize, ptr: usize, len: usize): bool {
    const h = memory.data(32);
    tpHashFor0Rtt(ptr, len, h);
    return ctEqual(h, remembered, 32);
  }
}
