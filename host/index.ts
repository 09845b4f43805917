export * from "./errors.js";
// HTTP/3: the API most users come for, also at h3-wasi/http3
export { fetch, Http3Client, serve, staticHandler, createDevCert, certificateHashes } from "./http3/index.js";
export type { Http3ClientOptions, ServeOptions, Http3Server, FetchHandler, ServeInfo, AccessLogRecord, CertificateHashes, DevCert } from "./http3/index.js";
