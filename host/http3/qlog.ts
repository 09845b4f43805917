// The HTTP/3 events of a connection's qlog trace that the host writes
// (host/quic/qlog.ts has the file; assembly/quic/qlog.ts the QUIC events).
// The engine frames and parses HTTP/3 itself and hands the host decoded
// field sections and the peer's SETTINGS, so these are what the host can
// log: HEADERS frames sent and received (with their field lines) and the
// peer's settings. DATA and control frames, stream types and QPACK
// instructions stay inside the engine and are not logged.
//
// Names are those of qlog 0.3 (draft-ietf-quic-qlog-h3-events-03, category
// "http"), like the QUIC events of the same trace; the current draft
// (../shared/specs/draft-ietf-quic-qlog-h3-events.md) keeps the data and
// names them "http3:frame_created", "http3:frame_parsed",
// "http3:parameters_set" (docs/quic.md has the table).

import type { H3Field } from '../quic/wire.js';

/** Field values never written to a trace (credentials): their name is logged, the value is not. */
const REDACTED = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** h3-events HTTP3HeadersFrame: `{frame_type: "headers", headers: [{name, value}]}`. */
export function headersFrame(fields: Iterable<readonly [string, string]>): Record<string, unknown> {
  const headers = [...fields].map(([name, value]) => (REDACTED.has(name) ? { name, value: '[redacted]' } : { name, value }));
  return { frame_type: 'headers', headers };
}

/** RFC 9114 §7.2.4.1, RFC 9204 §5, RFC 9220 §3, RFC 9297 §2.1.1: setting identifiers → h3-events parameters_set fields. */
const SETTING_NAMES = new Map<bigint, string>([
  [0x06n, 'max_field_section_size'],
  [0x01n, 'max_table_capacity'],
  [0x07n, 'blocked_streams_count'],
  [0x08n, 'extended_connect'],
  [0x33n, 'h3_datagram'],
]);

/** parameters_set data for the peer's SETTINGS; others (GREASE, extensions) as "unknown_0x<id>". */
export function settingsData(settings: Map<bigint, bigint>): Record<string, unknown> {
  const out: Record<string, unknown> = { owner: 'remote' };
  for (const [id, value] of settings) out[SETTING_NAMES.get(id) ?? `unknown_0x${id.toString(16)}`] = value;
  return out;
}
