// HTTP fields between the Fetch API (Headers) and HTTP/3 field sections
// (RFC 9114 §4.2): lower-case names, pseudo-header fields first, and none of
// the connection-specific fields HTTP/3 forbids (§4.2: "An endpoint MUST
// NOT generate an HTTP/3 field section containing connection-specific
// fields"; TE only as "trailers"). The engine validates what arrives.

import type { H3Field } from '../quic/wire.js';

/** RFC 9114 §4.2: fields that belong to HTTP/1.1's connection, never sent over HTTP/3. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);

/** RFC 9110 §9.2.1: the safe methods — the only ones sent (client) or processed (server) in 0-RTT, where a request may be replayed (RFC 8470). */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The regular fields of `headers` as HTTP/3 may carry them. */
export function headerFields(headers: Headers): [string, string][] {
  const out: [string, string][] = [];
  headers.forEach((value, name) => {
    if (CONNECTION_SPECIFIC.has(name)) return;
    // §4.2: "the TE header field ... MUST NOT contain any value other than 'trailers'"
    if (name === 'te' && value.trim().toLowerCase() !== 'trailers') return;
    if (name === 'set-cookie') return; // below: one field line per cookie
    out.push([name, value]);
  });
  for (const c of headers.getSetCookie()) out.push(['set-cookie', c]);
  return out;
}

/** A field section's pseudo-header fields (without the colon) and its regular fields as Headers. */
export function splitFields(fields: H3Field[]): { pseudo: Map<string, string>; headers: Headers } {
  const pseudo = new Map<string, string>();
  const headers = new Headers();
  for (const [name, value] of fields) {
    if (name.startsWith(':')) pseudo.set(name.slice(1), value);
    else {
      try { headers.append(name, value); } catch { /* a value Headers refuses (the engine checked the wire rules) */ }
    }
  }
  return { pseudo, headers };
}
