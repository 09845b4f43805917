// `h3-wasi serve DIR`'s WebTransport side: the interop protocol's endpoints
// are DIR's top-level folders, scanned once at startup (the interop
// runner's "MAY determine expected WebTransport endpoints by scanning");
// a session on /ENDPOINT (a trailing slash and a query are allowed) is
// answered by the responder with files from DIR/ENDPOINT/, one on any other
// path is refused 404. With requests for an endpoint (the server-requests
// role) the server asks the client for them once the session is up, saves
// them under OUTPUT/ENDPOINT/ and then closes the session (code 0).
import fs from 'node:fs';
import path from 'node:path';
import type { InteropStreamKind } from '../webtransport/interop.js';
import type { WebTransportHandler } from '../webtransport/server.js';

export interface InteropEndpointOptions {
  /** endpoint -> files to ask its client for */
  requests: Map<string, string[]>;
  stream: InteropStreamKind;
  /** Where the client's PUSHes go, as OUTPUT/ENDPOINT/FILE. */
  outputDir?: string;
  /** One line per event (default: stderr, prefixed). */
  log?: (line: string) => void;
}

/** The endpoints found in `dir` and the serve() hook that answers sessions on them. */
export function interopEndpoints(dir: string, o: InteropEndpointOptions): { names: string[]; hook: WebTransportHandler } {
  const names = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  const known = new Set(names);
  const log = o.log ?? ((l: string) => process.stderr.write(`h3-wasi serve: ${l}\n`));
  const hook: WebTransportHandler = async (session, request) => {
    const parts = new URL(request.url).pathname.split('/');
    // '/ep' or '/ep/': the first component names the endpoint, nothing may follow it
    const ep = parts.length <= 3 && (parts[2] ?? '') === '' ? safeDecode(parts[1] ?? '') : null;
    if (ep === null || !known.has(ep)) return new Response(null, { status: 404 });
    const { InteropPeer } = await import('../webtransport/interop.js');
    const peer = new InteropPeer(session, {
      www: path.join(dir, ep),
      ...(o.outputDir !== undefined ? { output: path.join(o.outputDir, ep) } : {}),
      log: (l) => log(`/${ep}: ${l}`),
    });
    peer.start();
    const files = o.requests.get(ep);
    if (files) {
      void (async () => {
        const results = await peer.request(files, o.stream);
        for (const r of results) log(`/${ep}: asked for ${r.name}: ${r.error ? r.error.message : `${r.bytes} bytes saved`}`);
        session.close({ closeCode: 0, reason: 'requests done' });
      })().catch((e) => log(`/${ep}: ${(e as Error)?.message ?? e}`));
    }
    return undefined;
  };
  return { names, hook };
}

function safeDecode(s: string): string | null {
  try { return decodeURIComponent(s); } catch { return null; }
}
