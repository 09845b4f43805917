// h3-wasi/realtime: the realtime hub — WebTransport and WebSocket with one
// message format, one auth and one ConnectionManager (docs/realtime.md; the
// wire contract is docs/realtime-protocol.md).
export { createRealtimeHub, type RealtimeHub, type HubOptions } from './hub.js';
export { loadConfig, describeConfig, ConfigError, type RealtimeConfig, type JwtConfig } from './config.js';
export { createVerifier, issueToken, tokenOf, AuthError, type AuthResult, type TokenVerifier } from './auth.js';
export { ConnectionManager, Connection, Client, type Link, type ConnectionSettings } from './connections.js';
export { DeliveryState, type DeliveryLimits } from './delivery.js';
export { MessageRouter, RouteError, type RouteHandler, type RouteContext } from './router.js';
export { Rooms, registerDemoHandlers } from './handlers.js';
export { StreamAllocator } from './allocator.js';
export { HubMetrics } from './metrics.js';
export * from './protocol.js';
