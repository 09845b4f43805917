// h3-wasi/webtransport: the W3C `WebTransport` API for Node over our HTTP/3
// core (draft-ietf-webtrans-http3, spoken as Chromium 156 speaks it: draft-02).
// docs/webtransport.md has the API and what is not done yet.
export { WebTransport, type WebTransportOptions, type WebTransportHash, type WebTransportSendStreamOptions } from './webtransport.js';
export type { WebTransportCloseInfo, WebTransportBidirectionalStream, WebTransportSendStream, WebTransportDatagramDuplexStream, WebTransportStats } from './session.js';
export { WebTransportError } from '../errors.js';
export type { WebTransportHandler, WebTransportRequest } from './server.js';
