// The tshark helper (tests/helpers/tshark.ts) proven on two pairs: a capture
// through the recording UDP tap, decrypted with the client's key log, shows
// the QUIC packet types and the HTTP/3 streams and frames.
//  (a) gtlsclient ↔ gtlsserver (key log: GnuTLS's SSLKEYLOGFILE);
//  (b) our h3-wasi/quic client (HTTP/3 by hand, tests/helpers/h3-minimal.ts)
//      ↔ gtlsserver (key log: our `keylog` option).
// Peer-missing rule (tests/helpers/peers.ts): under CI=true a missing tshark
// or ngtcp2 program fails; locally the tests skip with a loud warning.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { QuicEndpoint } from '../../host/quic/index.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { describeWithPeer, type Peer } from '../helpers/peers.js';
import { gtlsClientPeer, gtlsServerPeer, runGtlsClient, startGtlsServer, type GtlsServer } from '../helpers/ngtcp2.js';
import { tsharkPeer, dissect, type QuicRow } from '../helpers/tshark.js';
import { UdpTap } from '../helpers/udp-tap.js';
import { MiniH3Client, sha256 } from '../helpers/h3-minimal.js';

const hasOpenssl = requireOpenssl('tshark tests (certificates are made with openssl)');
const peers = [tsharkPeer(), gtlsServerPeer(), gtlsClientPeer()];
const all: Peer = peers.every((p) => p.bin) ? peers[0]! : { bin: null, reason: peers.map((p) => p.reason).filter(Boolean).join('; ') };

let pki: Pki;
let tmp = '';
let srv: GtlsServer;
// small enough for one packet: tshark 4.0 shows an HTTP/3 frame only when one STREAM frame holds all of it
const page = Buffer.from('<!doctype html><p>captured</p>\n'.repeat(8));
beforeAll(async () => {
  if (!hasOpenssl || !all.bin) return;
  pki = makePki();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-tshark-'));
  fs.mkdirSync(path.join(tmp, 'htdocs'));
  fs.writeFileSync(path.join(tmp, 'htdocs', 'page.html'), page);
  srv = await startGtlsServer({ cert: pki.ecLeaf, htdocs: path.join(tmp, 'htdocs') });
});
afterAll(async () => {
  await srv?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** What every decrypted HTTP/3 exchange shows: the handshake's packets, the three critical streams each way, SETTINGS, HEADERS and DATA. */
function expectHttp3(rows: QuicRow[]): void {
  const packets = new Set(rows.flatMap((r) => r.packets));
  expect([...packets]).toEqual(expect.arrayContaining(['Initial', 'Handshake', '1-RTT']));
  const streamTypes = rows.flatMap((r) => r.streamTypes);
  // RFC 9114 §6.2.1 control (0), RFC 9204 §4.2 encoder (2) and decoder (3), from both sides
  for (const t of [0, 2, 3]) expect(streamTypes.filter((x) => x === t).length, `stream type ${t}`).toBe(2);
  const frameTypes = new Set(rows.flatMap((r) => r.frameTypes));
  expect([...frameTypes]).toEqual(expect.arrayContaining([0x04, 0x01, 0x00])); // SETTINGS, HEADERS, DATA
  // the request went on the first client bidirectional stream (RFC 9000 §2.1: ID 0)
  expect(rows.some((r) => r.streamIds.includes(0) && r.frameTypes.includes(0x01))).toBe(true);
}

describeWithPeer(all, 'tshark, gtlsserver and gtlsclient', 'tshark: decrypted HTTP/3 captures through the tap', () => {
  it('gtlsclient ↔ gtlsserver, GnuTLS key log (SSLKEYLOGFILE)', async () => {
    const tap = await UdpTap.start({ address: srv.host, port: srv.port }, path.join(tmp, 'ngtcp2.pcap'));
    const keylog = path.join(tmp, 'ngtcp2.keys');
    const r = await runGtlsClient({ port: tap.port, uris: ['/page.html'], keylog });
    await tap.close();
    expect(r.code, r.stderr).toBe(0);
    expect(sha256(r.files.get('page.html') ?? Buffer.alloc(0))).toBe(sha256(page));
    expect(fs.readFileSync(keylog, 'utf8')).toMatch(/^CLIENT_TRAFFIC_SECRET_0 /m);
    const rows = dissect(tap.pcapFile, keylog, srv.port);
    expect(rows.length).toBe(tap.datagrams);
    expectHttp3(rows);
  }, 60_000);

  it('our QUIC client ↔ gtlsserver, our key log', async () => {
    const tap = await UdpTap.start({ address: srv.host, port: srv.port }, path.join(tmp, 'ours.pcap'));
    const keylog = path.join(tmp, 'ours.keys');
    const c = QuicEndpoint.connect({ host: '127.0.0.1', port: tap.port, servername: 'localhost', alpn: 'h3', keylog, tls: { trustAnchorsPem: pki.ecCa.certPem } });
    const h3 = new MiniH3Client(c);
    const res = await h3.get(`localhost:${srv.port}`, '/page.html');
    expect(res.status).toBe(200);
    expect(res.sha256).toBe(sha256(page));
    c.close({ closeCode: 0x100 });
    await c.closed;
    h3.close();
    await tap.close();
    const rows = dissect(tap.pcapFile, keylog, srv.port);
    expect(rows.length).toBe(tap.datagrams);
    expectHttp3(rows);
  }, 60_000);
}, hasOpenssl);
