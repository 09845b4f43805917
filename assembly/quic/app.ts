// The seam for an application protocol that runs inside the core on top of
// a connection (HTTP/3: h3/connection.ts), without quic/ depending on it.
//
// An app consumes the connection's events: after every call into the
// connection the endpoint calls `process`, which drains `conn.events` —
// keeping what it handles (stream events of the streams it owns) and moving
// the rest — into `out`, the queue `poll-events` reads for this connection.
// `process` must leave `conn.events` empty.

import { QuicEventQueue } from "./events";
import { Connection } from "./connection";

export abstract class ConnApp {
  /** What the host polls in place of the connection's own queue. */
  readonly out: QuicEventQueue = new QuicEventQueue();
  /** Consumes the connection's pending events (see the file comment). */
  abstract process(): void;
  /** Frees what the GC does not see (called by Connection.dispose). */
  abstract dispose(): void;
}

/** Makes the app of a connection once its protocol is known (endpoint.ts `attachApp`). */
export abstract class ConnAppFactory {
  /**
   * An app for `c`, or null. Sets `c.appDecided` once the answer is final
   * (a server learns the ALPN from the ClientHello); asked again until then.
   */
  abstract create(c: Connection): ConnApp | null;
}
