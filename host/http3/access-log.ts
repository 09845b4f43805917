// One access-log record per request, the same for every protocol a server
// speaks (h1 and h2 over TCP, h3 over QUIC), and its one-line text form.

/** What served a request: HTTP/1.1, HTTP/2 (both over TLS/TCP) or HTTP/3. */
export type HttpProtocol = 'h1' | 'h2' | 'h3';

export interface AccessLogRecord {
  /** When the request arrived. */
  time: Date;
  method: string;
  /** The request target's path and query, as the client sent it. */
  path: string;
  /** The status sent; 0 when the client went away before any response. */
  status: number;
  /** Response body bytes written (not headers). */
  bytes: number;
  /** From the request's arrival to the response's last byte (or its end), milliseconds. */
  durationMs: number;
  protocol: HttpProtocol;
  remoteAddress: string;
  remotePort: number;
  /** True when the response did not complete: the client went away, or the body failed. */
  aborted: boolean;
}

export type AccessLog = (record: AccessLogRecord) => void;

/**
 * The text line: `127.0.0.1:51234 h2 GET /index.html 200 1234 3.1ms`,
 * with ` aborted` at the end for an unfinished response. Control characters
 * in the path are escaped, so a request cannot forge log lines.
 */
export function formatAccessLog(r: AccessLogRecord): string {
  const remote = r.remoteAddress.includes(':') ? `[${r.remoteAddress}]:${r.remotePort}` : `${r.remoteAddress}:${r.remotePort}`;
  const safe = (s: string) => s.replace(/[\x00-\x20\x7f"\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `${remote} ${r.protocol} ${safe(r.method)} ${safe(r.path)} ${r.status} ${r.bytes} ${r.durationMs.toFixed(1)}ms${r.aborted ? ' aborted' : ''}`;
}

/** An AccessLog that writes formatAccessLog lines to a stream (default stderr). */
export function accessLogTo(out: { write(line: string): unknown } = process.stderr): AccessLog {
  return (r) => { out.write(formatAccessLog(r) + '\n'); };
}
