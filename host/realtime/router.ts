// The MessageRouter: an accepted `msg` (connections.ts has checked its seq)
// goes to the handler registered for its `type`; an unknown type is answered
// with `error` `unknown_type` (docs/realtime-protocol.md "Frames"). The demo's
// handlers are in handlers.ts; apps register their own with `on`.
import type { Client, Connection, ConnectionManager } from './connections.js';
import type { MsgFrame } from './protocol.js';

export interface RouteContext {
  client: Client;
  connection: Connection;
  manager: ConnectionManager;
}

export type RouteHandler = (msg: MsgFrame, ctx: RouteContext) => void;

/** A handler's refusal: sent to the client as `error` with this code; the connection stays open. */
export class RouteError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'RouteError';
  }
}

export class MessageRouter {
  readonly #handlers = new Map<string, RouteHandler>();
  constructor(readonly manager: ConnectionManager) {
    manager.onMessage = (client, connection, msg) => this.route(msg, { client, connection, manager });
  }

  /** Registers (or replaces) the handler of one message type. */
  on(type: string, handler: RouteHandler): this {
    this.#handlers.set(type, handler);
    return this;
  }

  route(msg: MsgFrame, ctx: RouteContext): void {
    const h = this.#handlers.get(msg.type);
    if (!h) {
      ctx.manager.send(ctx.connection.id, { t: 'error', code: 'unknown_type', message: `no handler for type ${JSON.stringify(msg.type)}` });
      return;
    }
    try {
      h(msg, ctx);
    } catch (e) {
      if (!(e instanceof RouteError)) throw e;
      ctx.manager.send(ctx.connection.id, { t: 'error', code: e.code, message: e.message });
    }
  }
}
