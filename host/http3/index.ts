// h3-wasi/http3: HTTP/3 (RFC 9114) for Node — `fetch()` and `Http3Client`
// (a pooled client shaped like undici's fetch), `serve()` (a Fetch-handler
// server like Deno.serve, with HTTP/1.1 + HTTP/2 and Alt-Svc on TCP), the
// static-file handler behind `h3-wasi serve`, and development certificates.
export { fetch, Http3Client, type Http3ClientOptions } from './client.js';
export { serve, type ServeOptions, type Http3Server } from './server.js';
export { staticHandler, contentType, type StaticOptions } from './static.js';
export { createDevCert, certificateHashes, MAX_DEV_CERT_VALIDITY_MS, type DevCert, type DevCertOptions, type CertificateHashes } from './devcert.js';
export { formatAccessLog, accessLogTo, type AccessLog, type AccessLogRecord, type HttpProtocol } from './access-log.js';
export type { FetchHandler, ServeInfo, ServeErrorLog } from './handler.js';
export type { H3Options } from '../quic/wire.js';
export { Http3Error } from '../errors.js';
