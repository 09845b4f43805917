// Test clients that speak docs/realtime-protocol.md by hand: over WebSocket
// (the ws package) and over WebTransport (h3-wasi/webtransport: a control
// stream, a chat stream per room, the hub's delivery streams read each on
// its own). Not the browser TransportManager: the tests drive the protocol.
import WebSocketClient from 'ws';
import { WebTransport } from '../../host/webtransport/index.js';
import { encodeFramed, encodeText, decodeText, FrameReader, type Frame, type DeliverFrame } from '../../host/realtime/protocol.js';
import type { RealtimeHub } from '../../host/realtime/hub.js';

export interface Peer {
  frames: Frame[];
  /** Sends a frame (WebTransport: chat msgs on the room's stream, the rest on control). */
  send(f: Frame): Promise<void>;
  /** Resolves with the first frame (from now on, or already received when `past`) that matches. */
  waitFor(pred: (f: Frame) => boolean, ms?: number): Promise<Frame>;
  delivers(): DeliverFrame[];
  close(): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

function framesSink() {
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  const push = (f: Frame) => {
    frames.push(f);
    for (const w of [...waiters]) if (w.pred(f)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(f); }
  };
  const waitFor = (pred: (f: Frame) => boolean, ms = 20_000) => {
    const have = frames.find(pred);
    if (have) return Promise.resolve(have);
    return new Promise<Frame>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching frame within ${ms} ms; got ${frames.map((f) => f.t).join(',')}`)), ms);
      waiters.push({ pred, resolve: (f) => { clearTimeout(t); resolve(f); } });
    });
  };
  return { frames, push, waitFor, delivers: () => frames.filter((f): f is DeliverFrame => f.t === 'deliver') };
}

export function wsPeer(hub: RealtimeHub, token: string): Promise<Peer> {
  const sink = framesSink();
  const ws = new WebSocketClient(`${hub.wsUrl}?token=${encodeURIComponent(token)}`);
  ws.on('message', (d) => sink.push(decodeText(d.toString())));
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
    ws.once('open', () => resolve({
      ...sink, closed,
      send: async (f) => { ws.send(encodeText(f)); },
      close: async () => { ws.close(); await closed; },
    }));
  });
}

/** `url`: where to connect instead of hub.wtUrl (a relay in front of the hub). */
export async function wtPeer(hub: RealtimeHub, token: string, options: { readRooms?: (room: string) => boolean; url?: string } = {}): Promise<Peer & { wt: WebTransport }> {
  const sink = framesSink();
  const wt = new WebTransport(`${options.url ?? hub.wtUrl}?token=${encodeURIComponent(token)}`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: hub.certificate.sha256 }] });
  await wt.ready;
  const read = async (r: ReadableStream<Uint8Array>) => {
    const fr = new FrameReader();
    const reader = r.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const f of fr.push(value)) sink.push(f);
      }
    } catch { /* session gone */ }
  };
  const control = await wt.createBidirectionalStream();
  const cw = control.writable.getWriter();
  void read(control.readable);
  void (async () => {
    const ur = wt.incomingUnidirectionalStreams.getReader();
    for (;;) {
      const { value, done } = await ur.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      if (options.readRooms) {
        // read the first frame to learn the room; a room the test stalls is then left unread (flow control fills)
        const reader = value.getReader();
        const fr = new FrameReader();
        let room: string | undefined;
        const pending: Frame[] = [];
        while (room === undefined) {
          const { value: chunk, done: end } = await reader.read();
          if (end) break;
          for (const f of fr.push(chunk)) { pending.push(f); room ??= (f as DeliverFrame).room ?? ''; }
        }
        if (room !== undefined && !options.readRooms(room)) continue; // stalled: never read again
        for (const f of pending) sink.push(f);
        void (async () => {
          try { for (;;) { const { value: ch, done: e } = await reader.read(); if (e) return; for (const f of fr.push(ch)) sink.push(f); } } catch { /* gone */ }
        })();
        continue;
      }
      void read(value);
    }
  })();
  // one stream per room, opened once even when sends overlap
  const chat = new Map<string, Promise<WritableStreamDefaultWriter<Uint8Array>>>();
  const closed = wt.closed.then((i) => ({ code: i.closeCode, reason: i.reason }), (e) => ({ code: -1, reason: String(e) }));
  return {
    ...sink, wt, closed,
    send: async (f) => {
      if (f.t === 'msg' && f.type === 'chat') {
        const room = f.room ?? '';
        let w = chat.get(room);
        if (!w) chat.set(room, (w = wt.createBidirectionalStream().then((s) => s.writable.getWriter())));
        await (await w).write(encodeFramed(f));
        return;
      }
      await cw.write(encodeFramed(f));
    },
    close: async () => { wt.close(); await closed; },
  };
}
