// Test entry: exposes assembly/quic/ internals to tests/quic/*.test.ts
// (frames and packet protection have their own entries: codecs.ts, crypto_sym.ts).
import { decodeTransportParams, encodeTransportParams } from "../../assembly/quic/transport_params";
import { Writer } from "../../assembly/wire/writer";
import { hex } from "./lib/hex";
import { CRYPTO_ERROR, TRANSPORT_PARAMETER_ERROR, PROTOCOL_VIOLATION } from "../../assembly/quic/errors";
import { CRYPTO_ERROR_BASE, QUIC_TRANSPORT_PARAMETER_ERROR, QUIC_PROTOCOL_VIOLATION, cryptoError } from "../../assembly/tls/alert";

/** The QUIC codes tls/alert.ts keeps (TLS cannot import quic/), as [tls, quic] pairs. */
export function tlsQuicCodes(): u64[] {
  return [
    CRYPTO_ERROR_BASE, CRYPTO_ERROR,
    QUIC_TRANSPORT_PARAMETER_ERROR, TRANSPORT_PARAMETER_ERROR,
    QUIC_PROTOCOL_VIOLATION, PROTOCOL_VIOLATION,
    cryptoError(0), CRYPTO_ERROR,
    cryptoError(120), CRYPTO_ERROR + 120,
  ];
}


function hexArr(a: Uint8Array | null): string {
  return a == null ? "null" : "\"" + hex(a.dataStart, a.length) + "\"";
}

/** Decodes transport parameters to JSON (numbers as strings). */
export function tpDecode(data: Uint8Array, fromServer: bool): string {
  const r = decodeTransportParams(data.dataStart, <usize>data.length, fromServer);
  if (r.error != 0) return `{"error":${r.error},"reason":"${r.reason}"}`;
  const p = r.params;
  const pa = p.preferredAddress;
  const paJson = pa == null ? "null" :
    `{"ipv4":${hexArr(pa.ipv4)},"ipv4Port":${pa.ipv4Port},"ipv6":${hexArr(pa.ipv6)},"ipv6Port":${pa.ipv6Port},"cid":${hexArr(pa.connectionId)},"token":${hexArr(pa.statelessResetToken)}}`;
  return `{"error":0,"odcid":${hexArr(p.originalDestinationConnectionId)},"maxIdleTimeout":"${p.maxIdleTimeout}",` +
    `"srt":${hexArr(p.statelessResetToken)},"maxUdpPayloadSize":"${p.maxUdpPayloadSize}","initialMaxData":"${p.initialMaxData}",` +
    `"bidiLocal":"${p.initialMaxStreamDataBidiLocal}","bidiRemote":"${p.initialMaxStreamDataBidiRemote}","uni":"${p.initialMaxStreamDataUni}",` +
    `"streamsBidi":"${p.initialMaxStreamsBidi}","streamsUni":"${p.initialMaxStreamsUni}","ackDelayExponent":"${p.ackDelayExponent}",` +
    `"maxAckDelay":"${p.maxAckDelay}","disableActiveMigration":${p.disableActiveMigration},"preferredAddress":${paJson},` +
    `"activeConnectionIdLimit":"${p.activeConnectionIdLimit}","iscid":${hexArr(p.initialSourceConnectionId)},"rscid":${hexArr(p.retrySourceConnectionId)},` +
    `"maxDatagramFrameSize":${p.hasMaxDatagramFrameSize ? "\"" + p.maxDatagramFrameSize.toString() + "\"" : "null"},` +
    `"resetStreamAt":${p.resetStreamAt}}`;
}

/** Decode then re-encode (null on a decode error). */
export function tpReencode(data: Uint8Array, fromServer: bool): Uint8Array | null {
  const r = decodeTransportParams(data.dataStart, <usize>data.length, fromServer);
  if (r.error != 0) return null;
  const w = new Writer();
  encodeTransportParams(r.params, w);
  const out = new Uint8Array(<i32>w.len);
  memory.copy(out.dataStart, w.buf, w.len);
  w.release();
  return out;
}

