// The error codes of WebTransport over HTTP/3 (draft-ietf-webtrans-http3
// §9.5, in the HTTP/3 error code space) and the mapping of the 32-bit
// application error codes of WebTransport streams into that space and back
// (§4.4: WT_APPLICATION_ERROR, the reserved 0x1f * N + 0x21 points skipped).
// The host maps codes for the stream resets it makes (host/quic/wire.ts
// `webtransportCodeToHttp3`); these serve the core and its tests.

/** §4.5: a stream for a session we cannot associate within the buffering limit. */
export const WT_BUFFERED_STREAM_REJECTED: u64 = 0x3994bd84;
/** §6: the stream's session is gone (or we no longer read the CONNECT stream). */
export const WT_SESSION_GONE: u64 = 0x170d7b68;
export const WT_FLOW_CONTROL_ERROR: u64 = 0x045d4487;
export const WT_ALPN_ERROR: u64 = 0x0817b3dd;
/** §3.1: the SETTINGS or transport parameters WebTransport needs are missing. */
export const WT_REQUIREMENTS_NOT_MET: u64 = 0x212c0d48;

export const WT_APPLICATION_ERROR_FIRST: u64 = 0x52e4a40fa8db;
export const WT_APPLICATION_ERROR_LAST: u64 = 0x52e5ac983162;

/** §4.4 webtransport_code_to_http_code: `first + n + floor(n / 0x1e)`. */
export function wtCodeToH3(n: u32): u64 {
  return WT_APPLICATION_ERROR_FIRST + <u64>n + <u64>(n / 0x1e);
}

/** §4.4 http_code_to_webtransport_code; -1 for a code outside the range or a reserved point. */
export function h3CodeToWt(h: u64): i64 {
  if (h < WT_APPLICATION_ERROR_FIRST || h > WT_APPLICATION_ERROR_LAST) return -1;
  if ((h - 0x21) % 0x1f == 0) return -1;
  const shifted = h - WT_APPLICATION_ERROR_FIRST;
  return <i64>(shifted - shifted / 0x1f);
}
