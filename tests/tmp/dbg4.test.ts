import { it } from 'vitest';
import { Pair } from '../helpers/pair.js';
import { QuicSimEndpoint, addr, writeSome } from '../helpers/quic-sim.js';
import { makePki } from '../tls/pki.js';
import { quic } from '../../host/core/engine.js';
it('dbg', () => {
  const pki = makePki();
  const E = new Uint8Array(0);
  const client = new QuicSimEndpoint(1, 50000, { quic: {}, tls: { serverName: 'localhost', alpn: ['sim'], trustAnchorsPem: pki.ecCa.certPem, transportParams: E } } as any);
  const server = new QuicSimEndpoint(2, 4433, { quic: {}, tls: { server: true, alpn: ['sim'], certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, transportParams: E } } as any);
  const link = JSON.parse(process.env.LINK ?? '{}');
  const pair = new Pair(client, server, { seed: Number(process.env.SEED ?? 1), link });
  const conn = client.connect(0, addr(2, 4433));
  pair.run(() => client.connected() && server.connected(), 30_000_000);
  const N = Number(process.env.N ?? 1_000_000), K = Number(process.env.K ?? 4);
  const data = new Uint8Array(N).map((_, i) => (i * 7) & 255);
  const ids = [...Array(K)].map(() => quic.streamOpen(conn, true));
  const offs = ids.map(() => 0);
  const sc = () => server.eventsOf('connected')[0].connection;
  const done = () => ids.every((id) => server.finished.has(`${sc()}:${id}`));
  for (let step = 0; step < 3000 && !done(); step++) {
    ids.forEach((id, i) => { offs[i] = writeSome(conn, id, data, offs[i]); });
    const r = pair.run(() => done() || client.events.some((e) => e.kind === 'stream-writable'), pair.now + 2_000_000);
    client.events.length = 0;
    if (step % 100 == 0 || !r) console.log('step', step, r, 'offs', offs, 'now', pair.now, 'recv', ids.map((id) => server.bytes(sc(), id).length), quic.stats(conn).bytesInFlight, quic.stats(conn).congestionWindow, client.closed(), quic.nextTimeout(client.ep));
  }
  console.log('done', done(), pair.now);
});
