import { it } from 'vitest';
import { Pair } from '../helpers/pair.js';
import { QuicSimEndpoint, addr } from '../helpers/quic-sim.js';
import { makePki } from '../tls/pki.js';
import { quic } from '../../host/core/engine.js';
it('dbg', () => {
  const pki = makePki();
  const E = new Uint8Array(0);
  const client = new QuicSimEndpoint(1, 50000, { quic: (globalThis as any).CQ ?? {}, tls: { serverName: 'localhost', alpn: ['sim'], trustAnchorsPem: pki.ecCa.certPem, transportParams: E } } as any);
  const server = new QuicSimEndpoint(2, 4433, { quic: {}, tls: { server: true, alpn: ['sim'], certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, transportParams: E } } as any);
  for (const [n, ep] of [['C', client], ['S', server]] as const) {
    const pt = ep.pollTransmit.bind(ep);
    ep.pollTransmit = (now) => { const d = pt(now); if (d) console.log(`${(now/1000).toFixed(1)}ms ${n}-> ${d.data.length}B first=${d.data[0].toString(16)}`); return d; };
  }
  const pair = new Pair(client, server, { seed: 1 });
  const conn = client.connect(0, addr(2, 4433));
  pair.run(() => client.connected() && server.connected(), 5_000_000);
  console.log('client events', client.events.map((e) => e.kind + new TextDecoder().decode(e.data) + (e.kind === 'closed' ? ` ${e.closeKind} ${e.value} ${new TextDecoder().decode(e.data)}` : '')));
  console.log('server events', server.events.map((e) => e.kind + new TextDecoder().decode(e.data) + (e.kind === 'closed' ? ` ${e.closeKind} ${e.value} ${new TextDecoder().decode(e.data)}` : '')));
  console.log(quic.stats(conn), quic.stats(2));
});
