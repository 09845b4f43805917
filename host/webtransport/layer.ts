// One HTTP/3 connection with WebTransport on (wit/http3.wit "WebTransport",
// events 42–49): the AppLayer the engine's events for this connection go to.
// HTTP/3 events (32–41) go on to an H3Connection; the wt-* events go to the
// session they name (session.ts). Also the wt-* calls, for the sessions.
//
// A WebTransport stream is a plain QUIC stream once announced (wt-stream) or
// opened (wt-open-stream); the ConnectionCore ignores events of streams it
// does not know, so each such stream is registered in `core.streams` here.

import { http3, quic } from '../core/engine.js';
import { H3Connection, h3Refusal } from '../http3/connection.js';
import type { AppLayer, ConnectionCore } from '../quic/connection.js';
import { decodeFields, encodeFields, QUIC_EVENT, WT_CLOSE_KIND, type H3Field, type QuicWireEvent } from '../quic/wire.js';
import { WtSession } from './session.js';

/** wit/http3.wit wt-connect: refused with code 0 until the server's SETTINGS arrived. */
const NOT_YET = 0n;

export class WtLayer implements AppLayer {
  readonly core: ConnectionCore;
  readonly h3: H3Connection;
  /** Sessions by ID (the CONNECT stream's ID). */
  readonly sessions = new Map<bigint, WtSession>();
  /** Server: a session's CONNECT; the callee takes it in with `admit` and answers with `decide`. */
  onSessionRequest: ((id: bigint, fields: H3Field[]) => void) | null = null;
  /** Sessions that are not over yet, here or still being connected: when none is left the owner may close the connection. */
  users = 0;
  #settingsWaiters: (() => void)[] = [];
  #streamWaiters: [(() => void)[], (() => void)[]] = [[], []];
  #idleWaiters: (() => void)[] = [];

  constructor(core: ConnectionCore) {
    this.core = core;
    this.h3 = new H3Connection(core);
    const end = (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      const all = [...this.sessions.values()];
      this.sessions.clear();
      for (const s of all) s.onConnectionClosed(err);
      this.#wakeAll();
    };
    core.closed.promise.then(() => end(this.h3.closedError), end);
  }

  onEvent(e: QuicWireEvent): void {
    if (e.kind < QUIC_EVENT.wtSessionRequest) {
      this.h3.onEvent(e);
      if (e.kind === QUIC_EVENT.h3Settings) this.#wake(this.#settingsWaiters);
      return;
    }
    switch (e.kind) {
      case QUIC_EVENT.wtSessionRequest: {
        const fields = decodeFields(e.bytes);
        if (this.onSessionRequest) this.onSessionRequest(e.stream, fields);
        else this.respond(e.stream, [[':status', '404']]);
        break;
      }
      case QUIC_EVENT.wtSessionReady: this.sessions.get(e.stream)?.onReady(decodeFields(e.bytes)); break;
      case QUIC_EVENT.wtSessionRefused: {
        const s = this.sessions.get(e.stream);
        this.#forget(e.stream);
        s?.onRefused(Number(e.value));
        break;
      }
      case QUIC_EVENT.wtSessionClosed: {
        const s = this.sessions.get(e.stream);
        this.#forget(e.stream);
        const reason = new TextDecoder().decode(e.bytes);
        if (e.closeKind === WT_CLOSE_KIND.clean) s?.onClosed(Number(e.value), reason);
        else s?.onAborted(e.closeKind, e.value);
        break;
      }
      case QUIC_EVENT.wtSessionDraining: this.sessions.get(e.stream)?.onDraining(); break;
      case QUIC_EVENT.wtStream: {
        const s = this.sessions.get(e.value);
        // a session we no longer hold (closed here): the core resets / stops its streams itself
        if (s) s.onStream(e.stream);
        break;
      }
      case QUIC_EVENT.wtDatagram: this.sessions.get(e.stream)?.onDatagram(e.bytes); break;
      case QUIC_EVENT.wtStreamsAvailable: this.#wake(this.#streamWaiters[e.value === 1n ? 1 : 0]); break;
      default: break;
    }
  }

  #wake(list: (() => void)[]): void {
    for (const f of list.splice(0)) f();
  }

  #wakeAll(): void {
    this.#wake(this.#settingsWaiters);
    this.#wake(this.#streamWaiters[0]);
    this.#wake(this.#streamWaiters[1]);
    this.#wake(this.#idleWaiters);
  }

  // ---- calls -------------------------------------------------------------------------------

  #call<T>(f: (h: number) => T): T {
    const driver = this.core.driver;
    const err = this.h3.closedError ?? this.core.closeError;
    if (!driver || err) throw err ?? new Error('the connection is not open');
    const r = driver.call(() => f(this.core.handle), h3Refusal);
    driver.kick();
    return r;
  }

  /** Client: sends the extended CONNECT (waiting for the server's SETTINGS first); the session ID. Throws Http3Error when refused. */
  async connect(fields: H3Field[], session: WtSession): Promise<bigint> {
    const packed = encodeFields(fields);
    for (;;) {
      try {
        const id = this.#call((h) => http3.wtConnect(h, packed));
        this.sessions.set(id, session);
        return id;
      } catch (e) {
        if (!(e instanceof Error && 'wireCode' in e && e.wireCode === NOT_YET && this.h3.settings === null)) throw e;
      }
      await new Promise<void>((resolve) => this.#settingsWaiters.push(resolve));
    }
  }

  /** Server: answers a session request (a 2xx accepts it). */
  respond(id: bigint, fields: H3Field[]): void {
    this.#call((h) => http3.wtRespond(h, id, encodeFields(fields)));
  }

  /**
   * Server: takes a session request in (a connecting session under its ID, so
   * that a reset of the CONNECT stream or the connection's end reaches it)
   * before it is answered with `decide`.
   */
  admit(id: bigint, request: H3Field[]): WtSession {
    const s = new WtSession(this, id);
    s.fields = request;
    this.sessions.set(id, s);
    return s;
  }

  /**
   * Server: answers an admitted session with `status`: a 2xx accepts it (its
   * streams and datagrams the engine buffered come after the response);
   * any other status refuses it (its `ready` rejects). False when the
   * session ended meanwhile (nothing sent).
   */
  decide(s: WtSession, status: number, headers: H3Field[] = []): boolean {
    const id = s.id!;
    if (this.sessions.get(id) !== s || s.state !== 'connecting') return false;
    const ok = status >= 200 && status < 300;
    const fields: H3Field[] = [[':status', String(status)], ...headers];
    // draft-02 clients (Chromium 156) expect this in the 2xx (wit/http3.wit wt-respond)
    if (ok && s.fields.some(([n]) => n === 'sec-webtransport-http3-draft02')) fields.push(['sec-webtransport-http3-draft', 'draft02']);
    try {
      this.respond(id, fields);
    } catch (e) {
      this.#forget(id);
      s.onConnectionClosed(e instanceof Error ? e : new Error(String(e)));
      return false;
    }
    if (ok) {
      s.onReady(s.fields);
    } else {
      this.#forget(id);
      s.onRefused(status);
    }
    return true;
  }

  /** Resolves once no session is open or being answered on this connection (a draining server may then close it). */
  idle(): Promise<void> {
    if (this.sessions.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #forget(id: bigint): void {
    if (this.sessions.delete(id) && this.sessions.size === 0) this.#wake(this.#idleWaiters);
  }

  /** Opens a stream on the session; waits while the peer allows no more (wt-streams-available). */
  async openStream(id: bigint, bidi: boolean): Promise<bigint> {
    for (;;) {
      try {
        return this.#call((h) => http3.wtOpenStream(h, id, bidi));
      } catch (e) {
        if (!(e instanceof Error && 'wireCode' in e && e.wireCode === 0n)) throw e;
      }
      await new Promise<void>((resolve) => this.#streamWaiters[bidi ? 1 : 0].push(resolve));
    }
  }

  /** The QUIC scheduler's urgency of one of our streams (0 first … 7; session.ts maps W3C sendOrder onto it). */
  setUrgency(stream: bigint, urgency: number): boolean {
    if (!this.core.driver || this.core.closeError) return false;
    return this.#call((h) => quic.streamPriority(h, stream, urgency, false));
  }

  /** 0 sent, 1 the peer takes no datagrams, 2 too large (dropped), -1 no open session. */
  sendDatagram(id: bigint, data: Uint8Array): number {
    return this.#call((h) => http3.wtSendDatagram(h, id, data));
  }

  maxDatagramSize(id: bigint): number {
    if (!this.core.driver || this.core.closeError) return 0;
    return this.#call((h) => http3.wtMaxDatagramSize(h, id));
  }

  /** Closes the session here (no event follows); false when the engine has no such session. */
  close(id: bigint, code: number, reason: string): boolean {
    this.#forget(id);
    if (!this.core.driver || this.core.closeError) return false;
    return this.#call((h) => http3.wtClose(h, id, code, reason));
  }

  drain(id: bigint): boolean {
    return this.#call((h) => http3.wtDrain(h, id));
  }
}
