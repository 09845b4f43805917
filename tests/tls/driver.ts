// An in-memory client <-> server pair over the AS test build (tests/wasm/tls.ts):
// handshake bytes are handed across per level, like QUIC CRYPTO frames would be.
import { encodeConfig, decodeEvents, type TlsOptions, type TlsEvent } from '../../host/tls/wire.js';

export interface Side { h: number; events: TlsEvent[]; }

export class Pair {
  client: Side;
  server: Side;
  now: bigint;
  constructor(public t: any, clientCfg: number, serverCfg: number, session = new Uint8Array(0), now = BigInt(Date.now())) {
    this.now = now;
    this.client = { h: t.tlsConnNew(clientCfg, session), events: [] };
    this.server = { h: t.tlsConnNew(serverCfg, new Uint8Array(0)), events: [] };
  }
  /** Runs the handshake to quiescence; `tamper` may rewrite (or drop) messages in flight. */
  run(tamper?: (from: 'client' | 'server', level: number, data: Uint8Array) => Uint8Array | null): this {
    const t = this.t;
    t.tlsStart(this.client.h, this.now);
    for (let round = 0; round < 20; round++) {
      let moved = false;
      for (const [from, to] of [[this.client, this.server], [this.server, this.client]] as [Side, Side][]) {
        const evs = decodeEvents(t.tlsEvents(from.h));
        from.events.push(...evs);
        for (const e of evs) {
          if (e.kind !== 'data') continue;
          let data: Uint8Array | null = e.data;
          if (tamper) data = tamper(from === this.client ? 'client' : 'server', e.level, data);
          if (data == null) continue;
          moved = true;
          t.tlsHandle(to.h, e.level, data, this.now);
        }
      }
      if (!moved) break;
    }
    return this;
  }
  error(side: Side) { return side.events.find((e) => e.kind === 'error') as Extract<TlsEvent, { kind: 'error' }> | undefined; }
  complete(side: Side) { return side.events.find((e) => e.kind === 'complete') as Extract<TlsEvent, { kind: 'complete' }> | undefined; }
  secrets(side: Side, kind: 'readSecret' | 'writeSecret') {
    return side.events.filter((e) => e.kind === kind) as Extract<TlsEvent, { kind: 'readSecret' | 'writeSecret' }>[];
  }
  free() { this.t.tlsFree(this.client.h); this.t.tlsFree(this.server.h); }
}

export function config(t: any, o: TlsOptions): number {
  const h = t.tlsConfigNew(encodeConfig(o));
  if (h === 0) throw new Error(`config refused: ${t.tlsLastError()}`);
  return h;
}
