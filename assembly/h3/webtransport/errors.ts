// The error codes of WebTransport over HTTP/3 (draft-ietf-webtrans-http3
// §9.5, in the HTTP/3 error code space). The 32-bit application codes of
// stream resets map into WT_APPLICATION_ERROR (§4.4) on the host, which is
// the only one making such resets (host/quic/wire.ts
// `webtransportCodeToHttp3` / `http3CodeToWebtransport`).

/** §4.5: a stream for a session we cannot associate within the buffering limit. */
export const WT_BUFFERED_STREAM_REJECTED: u64 = 0x3994bd84;
/** §6: the stream's session is gone (or we no longer read the CONNECT stream). */
export const WT_SESSION_GONE: u64 = 0x170d7b68;
export const WT_FLOW_CONTROL_ERROR: u64 = 0x045d4487;
export const WT_ALPN_ERROR: u64 = 0x0817b3dd;
/** §3.1: the SETTINGS or transport parameters WebTransport needs are missing. */
export const WT_REQUIREMENTS_NOT_MET: u64 = 0x212c0d48;
