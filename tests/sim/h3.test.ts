// HTTP/3 in the simulator: an H3 client and an H3 server of the component
// (wit/http3.wit) on tests/helpers/pair.ts's virtual network, in virtual time.
// Every case prints its seed (SIM_SEED=... replays it).
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Pair, simSeed, prng, type LinkOptions } from '../helpers/pair.js';
import { addr, type QuicOptions } from '../helpers/quic-sim.js';
import { H3SimEndpoint, H3CallError, GET } from '../helpers/h3-sim.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { http3, quic } from '../../host/core/engine.js';
import type { H3Options } from '../../host/quic/wire.js';

const hasOpenssl = requireOpenssl('HTTP/3 simulator (certificates are made with openssl)');
const SERVER = addr(2, 4433);
const EMPTY_TP = new Uint8Array(0);

let pki: Pki;
beforeAll(() => { if (hasOpenssl) pki = makePki(); });

interface Setup { client?: QuicOptions; server?: QuicOptions; clientH3?: H3Options; serverH3?: H3Options; link?: LinkOptions }

function setup(label: string, s: Setup = {}) {
  const seed = simSeed(label);
  const client = new H3SimEndpoint(1, 50000, {
    quic: s.client, h3: s.clientH3,
    tls: { serverName: 'localhost', alpn: ['h3'], trustAnchorsPem: pki.ecCa.certPem, transportParams: EMPTY_TP },
  } as never);
  const server = new H3SimEndpoint(2, 4433, {
    quic: s.server, h3: s.serverH3,
    tls: { server: true, alpn: ['h3'], certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, transportParams: EMPTY_TP },
  } as never);
  const pair = new Pair(client, server, { seed, link: s.link });
  const conn = client.connect(0, SERVER);
  pair.run(() => client.connected() && server.connected() && client.eventsOf('h3Settings').length > 0 && server.eventsOf('h3Settings').length > 0, 30_000_000);
  const sconn = server.eventsOf('connected')[0]?.connection ?? 0;
  const close = () => { client.close(); server.close(); };
  return { client, server, pair, conn, sconn, close };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
function payload(seed: number, n: number): Uint8Array {
  const r = prng(seed ^ 0x5eed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

describe.skipIf(!hasOpenssl)('HTTP/3 simulator', () => {
  it('GET: request headers reach the server, the response and its body reach the client', () => {
    const t = setup('h3 get');
    expect(t.client.connected()).toBe(true);
    t.server.onRequest = (c, s, fields, fin) => {
      expect(fin).toBe(true);
      expect(new Map(fields).get(':path')).toBe('/hello');
      t.server.respond(c, s, 200, new Uint8Array(Buffer.from('hello world')), [['content-type', 'text/plain']]);
    };
    const id = t.client.request(t.conn, [[':method', 'GET'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/hello'], ['user-agent', 'sim']]);
    const log = t.client.log(t.conn, id);
    t.pair.run(() => log.fin || !!log.reset, t.pair.now + 10_000_000);
    expect(log.reset).toBeUndefined();
    expect(log.sections[0].kind).toBe(2);
    expect(log.headers().get(':status')).toBe('200');
    expect(log.headers().get('content-type')).toBe('text/plain');
    expect(log.bodyBytes().toString()).toBe('hello world');
    // the peer's settings as the API reports them
    const ps = http3.peerSettings(t.conn);
    expect(ps.received).toBe(true);
    expect(ps.maxFieldSectionSize).toBe(65536n);
    t.close();
  });
});
