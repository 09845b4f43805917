// h3-wasi/realtime/client: the browser's TransportManager (docs/realtime-client.md).
// Bundled by build/build.mjs into dist/realtime-client.js (ESM, no Node APIs).
export { TransportManager } from './manager.js';
export type { TransportManagerOptions, TransportManagerEvents, Metrics, ConnectionState, LogLevel, Timers, FallbackCode } from './manager.js';
export type { Transport, TransportEvents, TransportKind, OpenTransport } from './transport.js';
export type { StorageLike } from './preference.js';
export { PREFERENCE_KEY } from './preference.js';
export { ProtocolError } from '../protocol.js';
export type { Frame, DeliverFrame, MsgFrame } from '../protocol.js';
