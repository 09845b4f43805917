// WebTransport endpoints for the simulator: an H3SimEndpoint (h3-sim.ts)
// with WebTransport on (wit/http3.wit "WebTransport"), which records the wt-*
// events per session, reads WebTransport streams as their QUIC events say
// (the same QuicSimEndpoint.readAll the raw QUIC tests use), and wraps the
// wt-* calls. Used by tests/sim/webtransport.test.ts and
// tests/h3/webtransport_hostile.test.ts.
import { http3, quic } from '../../host/core/engine.js';
import { callEngine } from '../../host/core/call.js';
import { CLOSE_KIND, decodeFields, encodeFields, WT_DRAFTS, type H3Field, type H3Options } from '../../host/quic/wire.js';
import { H3SimEndpoint, H3CallError, type H3SimOptions } from './h3-sim.js';
import type { QuicEventRecord } from './quic-sim.js';

/** What one session saw. */
export class WtSessionLog {
  request?: H3Field[];
  ready?: H3Field[];
  refused?: { status: bigint; fields: H3Field[] };
  closed?: { kind: number; code: bigint; reason: string; remote: boolean };
  draining = false;
  /** Peer streams of this session, in arrival order. */
  readonly streams: bigint[] = [];
  readonly datagrams: Buffer[] = [];
}

/** Draft-02 (what Chromium 156 speaks) and the current draft's SETTINGS_WT_ENABLED. */
export const WT_DEFAULT = WT_DRAFTS.draft02 | WT_DRAFTS.latest;

export const wtConnectFields = (path = '/wt', extra: H3Field[] = []): H3Field[] => [
  [':method', 'CONNECT'], [':protocol', 'webtransport'], [':scheme', 'https'], [':authority', 'localhost'], [':path', path],
  ['sec-webtransport-http3-draft02', '1'], ['origin', 'https://localhost'], ...extra,
];

const asError = (p: unknown) => {
  const e = p as { code: bigint; reason: string };
  return new H3CallError(e.code, e.reason);
};

export class WtSimEndpoint extends H3SimEndpoint {
  readonly sessions = new Map<string, WtSessionLog>();
  /** Server: a session's CONNECT arrived (answer with respondSession). */
  onSession?: (conn: number, session: bigint, fields: H3Field[]) => void;
  /** Stream resets and STOP_SENDINGs the peer sent on WebTransport streams: `${conn}:${stream}` → code. */
  readonly resets = new Map<string, bigint>();
  readonly stops = new Map<string, bigint>();
  private seen = 0;

  constructor(host: number, port: number, opts: H3SimOptions) {
    const h3: H3Options = { webtransport: WT_DEFAULT, ...(opts.h3 ?? {}) };
    super(host, port, { ...opts, h3 });
  }

  session(conn: number, id: bigint): WtSessionLog {
    const k = `${conn}:${id}`;
    let s = this.sessions.get(k);
    if (!s) this.sessions.set(k, (s = new WtSessionLog()));
    return s;
  }

  override drain(): void {
    if (this.seen > this.events.length) this.seen = 0; // the test cleared the log
    do {
      super.drain();
      while (this.seen < this.events.length) this.onWt(this.events[this.seen++]);
    } while (this.seen < this.events.length);
  }

  private onWt(e: QuicEventRecord): void {
    const key = `${e.connection}:${e.stream}`;
    switch (e.kind) {
      case 'wtSessionRequest': {
        const f = decodeFields(e.bytes);
        this.session(e.connection, e.stream).request = f;
        this.onSession?.(e.connection, e.stream, f);
        break;
      }
      case 'wtSessionReady': this.session(e.connection, e.stream).ready = decodeFields(e.bytes); break;
      case 'wtSessionRefused': this.session(e.connection, e.stream).refused = { status: e.value, fields: decodeFields(e.bytes) }; break;
      case 'wtSessionClosed':
        this.session(e.connection, e.stream).closed = { kind: CLOSE_KIND[e.closeKind], code: e.value, reason: Buffer.from(e.bytes).toString('utf8'), remote: e.remote };
        break;
      case 'wtSessionDraining': this.session(e.connection, e.stream).draining = true; break;
      case 'wtStream': this.session(e.connection, e.value).streams.push(e.stream); break;
      case 'wtDatagram': this.session(e.connection, e.stream).datagrams.push(Buffer.from(e.bytes)); break;
      case 'streamReadable': this.readAll(e.connection, e.stream); break;
      case 'streamReset': this.resets.set(key, e.value); this.readAll(e.connection, e.stream); break;
      case 'streamStopSending': this.stops.set(key, e.value); break;
      default: break;
    }
  }

  /** Client: opens a session; its ID. */
  connectSession(conn: number, fields: H3Field[] = wtConnectFields()): bigint {
    return callEngine(() => http3.wtConnect(conn, encodeFields(fields)), asError);
  }

  /** Server: answers a session request. */
  respondSession(conn: number, session: bigint, status: number, extra: H3Field[] = []): void {
    callEngine(() => http3.wtRespond(conn, session, encodeFields([[':status', String(status)], ...extra])), asError);
  }

  openStream(conn: number, session: bigint, bidi: boolean): bigint {
    return callEngine(() => http3.wtOpenStream(conn, session, bidi), asError);
  }

  write(conn: number, stream: bigint, data: Uint8Array, fin = false): number {
    return Number(quic.streamWrite(conn, stream, data, fin));
  }

  sendDatagram(conn: number, session: bigint, data: Uint8Array): number {
    return http3.wtSendDatagram(conn, session, data);
  }

  closeSession(conn: number, session: bigint, code: number, reason: string): boolean {
    return http3.wtClose(conn, session, code, reason);
  }

  /** The stream's received bytes as text, and whether it finished. */
  text(conn: number, stream: bigint): string { return Buffer.from(this.bytes(conn, stream)).toString(); }
  fin(conn: number, stream: bigint): boolean { return this.finished.has(`${conn}:${stream}`); }
}
