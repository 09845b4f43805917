import { it } from 'vitest';
import { Pair, prng } from '../helpers/pair.js';
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
  const hs = pair.run(() => client.connected() && server.connected(), 30_000_000);
  console.log('hs', hs, pair.now, client.events.map((e) => e.kind + ' ' + new TextDecoder().decode(e.data)), server.events.map((e) => e.kind + ' ' + new TextDecoder().decode(e.data)));
  const N = Number(process.env.N ?? 1_000_000);
  const data = new Uint8Array(N).map((_, i) => (i * 7) & 255);
  const id = quic.streamOpen(conn, true);
  let off = 0;
  const sc = () => server.eventsOf('connected')[0].connection;
  const t0 = pair.now;
  for (let step = 0; step < 3000 && !server.finished.has(`${sc()}:${id}`); step++) {
    off = writeSome(conn, id, data, off);
    pair.run(() => server.finished.has(`${sc()}:${id}`) || client.events.some((e) => e.kind === 'stream-writable'), pair.now + 2_000_000);
    client.events.length = 0;
    if (step % 200 == 0) console.log('step', step, 'off', off, 'now', pair.now, 'recv', server.bytes(sc(), id).length, quic.stats(conn));
  }
  console.log('done', server.finished.has(`${sc()}:${id}`), 'virt ms', (pair.now - t0) / 1000, 'recv', server.bytes(sc(), id).length, 'closed', client.closed(), server.closed());
  console.log(quic.stats(conn), pair.stats);
});
