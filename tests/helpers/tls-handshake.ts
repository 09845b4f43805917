// Runs a handshake between two TlsConnections of the public API (h3-wasi/tls):
// each side's outgoing bytes go to the other at the same level until neither
// has anything to send. Returns both sides' events in order.
import type { TlsConnection, TlsEvent } from '../../host/tls/index.js';

export function handshake(c: TlsConnection, s: TlsConnection): { ce: TlsEvent[]; se: TlsEvent[] } {
  const ce: TlsEvent[] = [], se: TlsEvent[] = [];
  let toServer = c.start();
  ce.push(...toServer);
  for (let i = 0; i < 6; i++) {
    const toClient: TlsEvent[] = [];
    for (const e of toServer) if (e.kind === 'data') toClient.push(...s.handle(e.level, e.data));
    se.push(...toClient);
    toServer = [];
    for (const e of toClient) if (e.kind === 'data') toServer.push(...c.handle(e.level, e.data));
    ce.push(...toServer);
    if (!toServer.some((e) => e.kind === 'data') && !toClient.some((e) => e.kind === 'data')) break;
  }
  return { ce, se };
}
