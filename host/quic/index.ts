// `h3-wasi/quic`: QUIC connections (RFC 9000, 9001, 9002, 9221) on Node's
// UDP sockets, shaped like the W3C WebTransport object. docs/quic.md has the
// API, every option and the driver's design.
export { QuicEndpoint, type QuicListenOptions, type QuicConnectOptions } from './endpoint.js';
export {
  QuicConnection, type QuicCloseInfo, type QuicBidirectionalStream, type QuicDatagrams, type QuicConnectionStats, type QuicEarlyData, type QuicStreamOptions,
} from './connection.js';
export { QUIC_DEFAULTS, type QuicOptions } from './wire.js';
export type { SocketAddress } from './socket.js';
export { QuicError, QuicStreamError, type QuicCloseKind } from '../errors.js';
