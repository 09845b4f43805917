// The tshark helper (tests/helpers/tshark.ts) proven on these pairs: a
// capture through the recording UDP tap, decrypted with a key log, shows
// the QUIC packet types and frames and the HTTP/3 streams and frames.
//  (a) gtlsclient ↔ gtlsserver (key log: GnuTLS's SSLKEYLOGFILE);
//  (b) our HTTP/3 client (Http3Client) ↔ gtlsserver (key log: our `keylog`
//      option);
//  (c) our HTTP/3 client (Http3Client, h3-wasi/http3) ↔ our serve() (the
//      client's `keylog`);
//  (d) gtlsclient ↔ our serve() (the server's `keylog`).
// tshark 4.0 does not decode QPACK, so for (c) and (d) the HEADERS frames'
// payloads as tshark decrypted them are decoded by nghttp3's QPACK decoder
// (tests/peers/qpack/nghttp3_qpack.c, an implementation that is not ours):
// the request's :method/:path and the response's :status show in them.
// Peer-missing rule (tests/helpers/peers.ts): under CI=true a missing tshark
// or ngtcp2 program fails; locally the tests skip with a loud warning.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { describeWithPeer, nghttp3Qpack, type Peer } from '../helpers/peers.js';
import { gtlsClientPeer, gtlsServerPeer, runGtlsClient, startGtlsServer, type GtlsServer } from '../helpers/ngtcp2.js';
import { tsharkPeer, dissect, type QuicRow } from '../helpers/tshark.js';
import { UdpTap } from '../helpers/udp-tap.js';
import { Http3Client, serve, staticHandler, type Http3Server } from '../../host/http3/index.js';
import { parseQif, writeEncoded } from '../../host/qpack/interop.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const hasOpenssl = requireOpenssl('tshark tests (certificates are made with openssl)');
const peers = [tsharkPeer(), gtlsServerPeer(), gtlsClientPeer(), nghttp3Qpack()];
const all: Peer = peers.every((p) => p.bin) ? peers[0]! : { bin: null, reason: peers.map((p) => p.reason).filter(Boolean).join('; ') };

let pki: Pki;
let tmp = '';
let srv: GtlsServer;
let ours: Http3Server;
// small enough for one packet: tshark 4.0 shows an HTTP/3 frame only when one STREAM frame holds all of it
const page = Buffer.from('<!doctype html><p>captured</p>\n'.repeat(8));
beforeAll(async () => {
  if (!hasOpenssl || !all.bin) return;
  pki = makePki();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-tshark-'));
  fs.mkdirSync(path.join(tmp, 'htdocs'));
  fs.writeFileSync(path.join(tmp, 'htdocs', 'page.html'), page);
  srv = await startGtlsServer({ cert: pki.ecLeaf, htdocs: path.join(tmp, 'htdocs') });
  ours = await serve({ port: 0, tcp: false, cert: pki.ecLeaf.certPem, key: pki.ecLeaf.keyPem, keylog: path.join(tmp, 'server.keys') }, staticHandler(path.join(tmp, 'htdocs')));
});
afterAll(async () => {
  await srv?.stop();
  await ours?.shutdown({ timeoutMs: 500 });
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** What every decrypted HTTP/3 exchange shows: the handshake's packets, the three critical streams each way, SETTINGS, HEADERS and DATA. */
function expectHttp3(rows: QuicRow[]): void {
  const packets = new Set(rows.flatMap((r) => r.packets));
  expect([...packets]).toEqual(expect.arrayContaining(['Initial', 'Handshake', '1-RTT']));
  const streamTypes = rows.flatMap((r) => r.streamTypes);
  // RFC 9114 §6.2.1 control (0), RFC 9204 §4.2 encoder (2) and decoder (3), from both sides: each
  // type at least twice (a packet retransmitted after a PTO on a loaded machine repeats it) ...
  for (const t of [0, 2, 3]) expect(streamTypes.filter((x) => x === t).length, `stream type ${t}`).toBeGreaterThanOrEqual(2);
  // ... and at least three distinct unidirectional streams opened by each side (ours add a GREASE one, RFC 9114 §6.2.3) (RFC 9000 §2.1: ID % 4 is 2 for the client's, 3 for the server's)
  const ids = new Set(rows.flatMap((r) => r.streamIds));
  for (const side of [2, 3]) expect([...ids].filter((id) => id % 4 === side).length, `uni streams with ID % 4 = ${side}`).toBeGreaterThanOrEqual(3);
  const frameTypes = new Set(rows.flatMap((r) => r.frameTypes));
  expect([...frameTypes]).toEqual(expect.arrayContaining([0x04, 0x01, 0x00])); // SETTINGS, HEADERS, DATA
  // the request went on the first client bidirectional stream (RFC 9000 §2.1: ID 0)
  expect(rows.some((r) => r.streamIds.includes(0) && r.frameTypes.includes(0x01))).toBe(true);
}

/**
 * The field sections of every HEADERS frame tshark decrypted, decoded by nghttp3's QPACK decoder
 * (dynamic table capacity 0: a section that referred to the table would fail to decode).
 */
function headerSections(rows: QuicRow[]): [string, string][][] {
  const sections = rows.flatMap((r) => r.framePayloads.filter((_, i) => r.frameTypes[i] === 0x01)).map((hex) => Buffer.from(hex, 'hex'));
  const enc = path.join(tmp, `sections-${sections.length}-${Date.now()}.enc`), qif = `${enc}.qif`;
  fs.writeFileSync(enc, writeEncoded(sections.map((data, i) => ({ streamId: BigInt(i + 1), data }))));
  const r = spawnSync(nghttp3Qpack().bin!, ['decode', enc, qif, '0', '0'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nghttp3_qpack decode failed: ${r.stderr}`);
  return parseQif(fs.readFileSync(qif, 'utf8'));
}

/** Our side of an exchange for /page.html: the QUIC frames of a whole connection and the request and response fields. */
function expectOurExchange(rows: QuicRow[]): void {
  expectHttp3(rows);
  const quicFrames = new Set(rows.flatMap((r) => r.quicFrames));
  // RFC 9000 §19: CRYPTO, ACK, STREAM (some 0x08-0x0f), HANDSHAKE_DONE, CONNECTION_CLOSE (0x1c or 0x1d)
  for (const t of [0x06, 0x02, 0x1e]) expect(quicFrames.has(t), `QUIC frame 0x${t.toString(16)}`).toBe(true);
  expect([...quicFrames].some((t) => t >= 0x08 && t <= 0x0f)).toBe(true);
  expect(quicFrames.has(0x1c) || quicFrames.has(0x1d)).toBe(true);
  const sections = headerSections(rows);
  expect(sections).toContainEqual(expect.arrayContaining([[':method', 'GET'], [':path', '/page.html']]));
  expect(sections).toContainEqual(expect.arrayContaining([[':status', '200'], ['content-length', String(page.length)]]));
  // the response body is one DATA frame of the page's length
  const data = rows.flatMap((r) => r.frameLengths.filter((_, i) => r.frameTypes[i] === 0x00));
  expect(data).toContain(page.length);
}

/** Our Http3Client fetches /page.html from the server on `port` through a recording tap; the capture decrypted with the client's key log. */
async function ourClientThroughTap(port: number, label: string): Promise<QuicRow[]> {
  const tap = await UdpTap.start({ address: '127.0.0.1', port }, path.join(tmp, `${label}.pcap`));
  const keylog = path.join(tmp, `${label}.keys`);
  const client = new Http3Client({ ca: pki.ecCa.certPem, keylog });
  try {
    const res = await client.fetch(`https://localhost:${tap.port}/page.html`);
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(page));
  } finally {
    await client.close();
  }
  // close() resolves once the CONNECTION_CLOSE is sent; the tap's socket has yet to read it
  await new Promise((w) => setTimeout(w, 300));
  await tap.close();
  const rows = dissect(tap.pcapFile, keylog, port);
  expect(rows.length).toBe(tap.datagrams);
  return rows;
}

describeWithPeer(all, 'tshark, gtlsserver, gtlsclient and nghttp3 (libnghttp3-dev)', 'tshark: decrypted HTTP/3 captures through the tap', () => {
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

  it('our HTTP/3 client ↔ gtlsserver, our key log', async () => {
    expectHttp3(await ourClientThroughTap(srv.port, 'ours'));
  }, 60_000);

  it('our HTTP/3 client ↔ our serve(), the client\'s key log: :path and :status in the decrypted HEADERS', async () => {
    expectOurExchange(await ourClientThroughTap(ours.port, 'h3-ours'));
  }, 60_000);

  it('gtlsclient ↔ our serve(), the server\'s key log', async () => {
    const tap = await UdpTap.start({ address: '127.0.0.1', port: ours.port }, path.join(tmp, 'h3-gtls.pcap'));
    const r = await runGtlsClient({ port: tap.port, uris: ['/page.html'] });
    await tap.close();
    expect(r.code, r.stderr).toBe(0);
    expect(sha256(r.files.get('page.html') ?? Buffer.alloc(0))).toBe(sha256(page));
    const rows = dissect(tap.pcapFile, path.join(tmp, 'server.keys'), ours.port);
    expect(rows.length).toBe(tap.datagrams);
    expectOurExchange(rows);
  }, 60_000);
}, hasOpenssl);
