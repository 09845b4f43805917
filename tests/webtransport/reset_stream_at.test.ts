// RESET_STREAM_AT for WebTransport (draft-ietf-webtrans-http3 "Resetting Data
// Streams", draft-ietf-quic-reliable-stream-reset): our Node client and serve()
// both advertise reset_stream_at, so a stream the client resets right after
// opening it keeps its header (signal/type + session ID) reliable; the server
// attributes it to the session and sees the reset with its code. With
// resetStreamAt off on the client the reset is a plain RESET_STREAM (the
// header may be lost, the stream never reaches the session: the race this
// extension exists for), and nothing else breaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Http3Server } from '../../host/http3/index.js';
import { WebTransport, WebTransportError } from '../../host/webtransport/index.js';
import type { WebTransport as WT } from '../../host/webtransport/webtransport.js';

let server: Http3Server;
const sessions: WT[] = [];

beforeAll(async () => {
  server = await serve({
    port: 0, tcp: false,
    webtransport(session) { sessions.push(session); },
  }, () => new Response('plain https'));
});
afterAll(async () => { await server?.shutdown({ timeoutMs: 500 }); });

const open = (quic?: object) => new WebTransport(`https://127.0.0.1:${server.port}/rsa`, {
  serverCertificateHashes: [{ algorithm: 'sha-256', value: server.certificate.sha256 }],
  ...(quic ? { quic } : {}),
} as ConstructorParameters<typeof WebTransport>[1]);

/** The next incoming stream of `kind` on the server's session, or null after `ms`. */
async function nextIncoming(session: WT, kind: 'uni' | 'bidi', ms: number): Promise<ReadableStream<Uint8Array> | null> {
  const src = (kind === 'uni' ? session.incomingUnidirectionalStreams : session.incomingBidirectionalStreams) as ReadableStream;
  const reader = src.getReader();
  try {
    const r = await Promise.race([reader.read(), new Promise<null>((res) => setTimeout(() => res(null), ms))]);
    if (r === null || r.done) return null;
    return kind === 'uni' ? r.value : r.value.readable;
  } finally {
    reader.releaseLock();
  }
}

describe('WebTransport streams reset with RESET_STREAM_AT', () => {
  for (const kind of ['uni', 'bidi'] as const) {
    it(`a ${kind} stream reset at once still reaches the server's session, with its code`, async () => {
      const wt = open();
      await wt.ready;
      const session = sessions.at(-1)!;
      await session.ready;
      for (let i = 0; i < 5; i++) {
        const writable = kind === 'uni' ? await wt.createUnidirectionalStream() : (await wt.createBidirectionalStream()).writable;
        await writable.abort(new WebTransportError('reset at once', { streamErrorCode: 40 + i }));
        const readable = await nextIncoming(session, kind, 10_000);
        expect(readable, `stream ${i}`).not.toBeNull();
        const err = await readable!.getReader().read().then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(WebTransportError);
        expect((err as WebTransportError).streamErrorCode).toBe(40 + i);
      }
      wt.close();
    });
  }

  it('with resetStreamAt off on the client the session keeps working (plain RESET_STREAM)', async () => {
    const wt = open({ resetStreamAt: false });
    await wt.ready;
    const session = sessions.at(-1)!;
    await session.ready;
    const w = await wt.createUnidirectionalStream();
    await w.abort(new WebTransportError('reset', { streamErrorCode: 7 }));
    // the reset may or may not carry the header now; either way a later stream arrives intact
    const w2 = (await wt.createUnidirectionalStream()).getWriter();
    await w2.write(new TextEncoder().encode('after'));
    await w2.close();
    let text = '';
    for (let i = 0; i < 2 && text !== 'after'; i++) {
      const r = await nextIncoming(session, 'uni', 10_000);
      expect(r).not.toBeNull();
      text = await new Response(r!).text().catch(() => '');
    }
    expect(text).toBe('after');
    wt.close();
  });
});
