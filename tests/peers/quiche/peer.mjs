#!/usr/bin/env node
// quiche as an interop and benchmark peer, through @matrixai/quic 1.2.12 (a
// devDependency, pinned): Cloudflare's quiche 0.18.0 with BoringSSL (the
// `boring` 3 crate) in a napi-rs addon; its linux-x64 binary ships in the
// @matrixai/quic-linux-x64 package. (2.0.9 wraps the same quiche 0.18.0, but
// its darwin/win32 binary packages are missing from the registry, so a
// lockfile made with it fails `npm ci`; 1.2.12 has all five.) The QUIC state
// machine is quiche's; the event loop, UDP socket, timers and streams around
// it are the package's JavaScript, and that glue, not quiche, sets the speed
// (see "Speed").
//
//   node tests/peers/quiche/peer.mjs server --cert F --key F [--host 127.0.0.1] [--port 0] [--alpn X[,Y]]
//                                           [--sink | --pipe]
//   node tests/peers/quiche/peer.mjs client --port P [--host 127.0.0.1] [--alpn X[,Y]] [--bytes N] [--streams K]
//                                           [--seed S] [--sink] [--insecure | --ca F] [--server-name NAME]
//                                           [--timeout MS] [--stats]
//   tuning, either role: [--chunk BYTES] [--mtu BYTES] [--rcvbuf BYTES] [--sndbuf BYTES] [--window BYTES]
//                        [--stock-lock]
//
// server: prints {"event":"listening","port":N} once bound. On every
//   peer-opened bidirectional stream it reads to FIN, then writes back what it
//   read (or, with --sink, the 32-byte SHA-256 of it) and FIN; with --pipe it
//   echoes while it reads (the client must read while it writes; this one
//   does). Peer-opened unidirectional streams are read and dropped. Exits 0
//   on SIGTERM/SIGINT after closing its connections (application code 0).
// client: opens K bidirectional streams at once; on stream i writes N bytes
//   of payload(seed, i) then FIN while reading the answer to FIN; checks the
//   echo's SHA-256 (or, with --sink, that the answer is the SHA-256 of what it
//   sent). Prints one line and exits 0:
//     {"ok":true,"streams":K,"bytes":N*K,"ms":…,"handshakeMs":…,"cpuMs":…,"alpn":"X"}
//   (ms: first stream opened → last answer read; handshakeMs: connect →
//   handshake done, one Retry round trip included; cpuMs: this process's
//   user+system CPU during `ms`; bytes: sent, and echoed back, in total;
//   --stats adds quiche's packet counters, RTT and cwnd)
//   or {"ok":false,"error":"…"} and exits 1. Bad arguments: usage, exit 2.
//   The TLS server name (SNI, and the name the certificate must match) is
//   --server-name, default localhost; '-' sends --host itself, as the package
//   does when left alone (an IP literal in SNI, which RFC 6066 §3 forbids).
// payload(seed, i): AES-128-CTR keystream, key = SHA-256("h3-wasi peer
//   <seed>/<i>")[0..16], IV = 16 zero bytes (exported below).
//
// What this quiche build does (seen by decrypting its Initial packets on
// loopback with the RFC 9001 §5.2 keys, and read in the package's source):
//  * QUIC versions: v1 (0x00000001) only; versionIsSupported() is false for
//    v2 (RFC 9369, 0x6b3343cf) and drafts 27–29. Any other version gets a
//    Version Negotiation packet listing only v1.
//  * TLS 1.3 only (supported_versions 0x0304). Cipher suites offered, in
//    order: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
//    TLS_CHACHA20_POLY1305_SHA256 (BoringSSL's fixed TLS 1.3 set, not
//    configurable); the server chose TLS_AES_128_GCM_SHA256 here.
//    Groups: x25519, secp256r1, secp384r1 (no post-quantum hybrid); the client
//    sends one key_share, x25519 (a server that wants P-256 needs a HRR).
//    signature_algorithms: rsa_pkcs1_sha256/384/512, rsa_pss_rsae_sha256/384/512,
//    ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, ecdsa_secp521r1_sha512,
//    ed25519 (the package's default `sigalgs`; no rsa_pss_pss_*, no ed448).
//    psk_key_exchange_modes is sent (early data is on by default).
//  * ALPN is mandatory (RFC 9001 §8.1): --alpn takes a comma-separated list
//    (default h3-wasi-echo). The server walks the client's list in the
//    client's order and takes the first protocol it also has; with none in
//    common it closes in its Initial with CONNECTION_CLOSE 0x178
//    (no_application_protocol). The quiche client does not fail fast on that:
//    it waits until --timeout.
//  * The server always sends a Retry first (the package does stateless Retry
//    on every Initial without a token): the token is 145 bytes of JSON signed
//    with HMAC-SHA-256; the server's CIDs are 20 bytes (an HMAC of the
//    client's DCID, truncated), the client's 20 bytes, its first DCID 16
//    bytes. Every Initial datagram is padded to 1200 bytes.
//  * Transport parameters (defaults here): max_idle_timeout 30000 ms,
//    max_udp_payload_size 1350 (--mtu), initial_max_data 10 MiB,
//    initial_max_stream_data_* 1 MiB (--window), initial_max_streams_bidi/uni
//    100, ack_delay_exponent 3, max_ack_delay 25 ms, disable_active_migration.
//    Stream windows auto-tune up to 16 MiB (connection 24 MiB). Congestion
//    control: quiche's default, CUBIC with HyStart++ and pacing (the package
//    offers no way to change it).
//  * Certificates: cert and key as PEM (leaf first). The client verifies the
//    chain against --ca (or the system store) unless --insecure.
//
// Speed. Every datagram costs the package's JavaScript far more than quiche's
// Rust: per datagram received a header parse, an async Lock around
// recv()+send(), and per packet sent a fresh Buffer, a dgram.send() and
// several EventTarget dispatches. CPU profiles show (a) the Lock alone
// (@matrixai/async-locks builds an AbortController, a Timer and a timeout
// error with its stack on every acquisition) takes about a third of the CPU,
// (b) the rest is per packet, not per byte. Hence the knobs:
//  --stock-lock  keep the package's Lock. By default this script replaces
//                Lock#withF (in this process only QUICConnection's recv lock
//                uses it) with a plain FIFO promise mutex: the same mutual
//                exclusion for ~3x less CPU per datagram.
//  --chunk       bytes per streamRecv() (the package reads 4 KiB at a time,
//                and each read triggers a full send pass): 64 KiB by default
//                here; the client also writes chunks of this size.
//  --mtu         max_udp_payload_size, both the limit quiche sends at and the
//                one it advertises (1350 by default). Fewer, larger datagrams
//                are the biggest lever on loopback since the cost is per
//                packet, but this changes the wire: compare stacks at the
//                same value.
//  --rcvbuf/--sndbuf  SO_RCVBUF/SO_SNDBUF of the package's dgram socket
//                (it keeps the OS default, 208 KiB on Linux): more stops
//                drops when a side stalls, but lets queues and RTT grow.
//  --window      initial stream windows (connection window 4x).
// Measured numbers are in tests/peers/quiche.test.ts's header.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

// CommonJS packages (node's ESM named-export detection misses most of their
// names); the last two are dependencies of @matrixai/quic, hoisted by npm.
const require = createRequire(import.meta.url);
const { QUICClient, QUICServer, events } = require('@matrixai/quic');
const { default: Logger, LogLevel } = require('@matrixai/logger');
const { Lock } = require('@matrixai/async-locks');

const USAGE = `usage:
  peer.mjs server --cert F --key F [--host 127.0.0.1] [--port 0] [--alpn X[,Y]] [--sink | --pipe]
  peer.mjs client --port P [--host 127.0.0.1] [--alpn X[,Y]] [--bytes N] [--streams K] [--seed S] [--sink]
                  [--insecure | --ca F] [--server-name NAME] [--timeout MS] [--stats]
  tuning (either role): [--chunk BYTES] [--mtu BYTES] [--rcvbuf BYTES] [--sndbuf BYTES] [--window BYTES]
                        [--stock-lock]`;

// ---------------------------------------------------------------------------
// Arguments

const FLAGS = new Set(['sink', 'insecure', 'stats', 'stock-lock', 'pipe']);
const VALUES = new Set(['host', 'port', 'cert', 'key', 'ca', 'alpn', 'bytes', 'streams', 'seed', 'server-name', 'timeout',
  'chunk', 'mtu', 'rcvbuf', 'sndbuf', 'window']);

function parseArgs(argv) {
  const [cmd, ...rest] = argv;
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const name = a.startsWith('--') ? a.slice(2) : '';
    if (FLAGS.has(name)) opts[name] = true;
    else if (VALUES.has(name)) {
      if (i + 1 >= rest.length) throw new Error(`--${name} needs a value`);
      opts[name] = rest[++i];
    } else throw new Error(`unknown argument '${a}'`);
  }
  return { cmd, opts };
}

function int(opts, name, dflt, min, max) {
  const v = opts[name];
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
  const n = Number(v);
  if (n < min || n > max) throw new Error(`--${name} must be in ${min}..${max}, got ${n}`);
  return n;
}

function alpnList(opts) {
  const list = (opts.alpn ?? 'h3-wasi-echo').split(',');
  for (const p of list) if (p.length === 0 || Buffer.byteLength(p) > 255) throw new Error(`--alpn: protocol names must be 1..255 bytes`);
  return list;
}

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const round = (x) => Math.round(x * 100) / 100;

// ---------------------------------------------------------------------------
// The crypto ops @matrixai/quic asks for, from node:crypto

/** Server: sign/verify are HMAC-SHA-256 over its Retry tokens and the CIDs it derives. */
const serverOps = {
  async sign(key, data) {
    const mac = crypto.createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest();
    return mac.buffer.slice(mac.byteOffset, mac.byteOffset + mac.byteLength);
  },
  async verify(key, data, sig) {
    const mac = crypto.createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest();
    const s = Buffer.from(sig);
    return s.length === mac.length && crypto.timingSafeEqual(s, mac);
  },
};

/** Client: random bytes for its connection IDs. */
const clientOps = {
  async randomBytes(data) {
    crypto.randomFillSync(new Uint8Array(data));
  },
};

// ---------------------------------------------------------------------------
// Payload and stream helpers

/** The bytes stream `index` of a run with `seed` carries (see the header). */
export function payload(seed, index, length) {
  const key = crypto.createHash('sha256').update(`h3-wasi peer ${seed}/${index}`).digest().subarray(0, 16);
  const c = crypto.createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return Buffer.concat([c.update(Buffer.alloc(length)), c.final()]);
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest();

async function readAll(readable) {
  const parts = [];
  let n = 0;
  for await (const chunk of readable) { parts.push(chunk); n += chunk.byteLength; }
  return Buffer.concat(parts, n);
}

async function writeAll(writable, data, chunk) {
  const w = writable.getWriter();
  for (let off = 0; off < data.length; off += chunk) await w.write(data.subarray(off, Math.min(off + chunk, data.length)));
  await w.close();
}

// ---------------------------------------------------------------------------
// Tuning shared by both roles

/**
 * QUICConnection serialises each datagram's recv()+send() through an
 * @matrixai/async-locks Lock; every acquisition builds a timed cancellable (an
 * AbortController, a Timer and a timeout error with its stack), about a third
 * of the CPU per datagram. In this process only QUICConnection uses Lock, and
 * only as withF(f): a FIFO promise chain per lock gives the same exclusion.
 */
function useFastLock() {
  const tails = new WeakMap();
  const original = Lock.prototype.withF;
  Lock.prototype.withF = function withF(...params) {
    if (params.length !== 1) return original.apply(this, params);
    const f = params[0];
    const run = (tails.get(this) ?? Promise.resolve()).then(() => f(this));
    tails.set(this, run.then(() => {}, () => {}));
    return run;
  };
}

function quicConfig(opts) {
  const cfg = {
    applicationProtos: alpnList(opts),
    readableChunkSize: int(opts, 'chunk', 64 * 1024, 1, 1 << 24),
    maxIdleTimeout: 30_000,
  };
  const mtu = int(opts, 'mtu', 0, 1200, 65527);
  // Both: quiche sends at most min(its own limit, the peer's max_udp_payload_size).
  if (mtu) Object.assign(cfg, { maxSendUdpPayloadSize: mtu, maxRecvUdpPayloadSize: mtu });
  const window = int(opts, 'window', 0, 1, 1 << 28);
  if (window) Object.assign(cfg, { initialMaxData: window * 4, initialMaxStreamDataBidiLocal: window, initialMaxStreamDataBidiRemote: window });
  return cfg;
}

/** SO_RCVBUF / SO_SNDBUF of the dgram socket inside a QUICServer or QUICClient (not public API). */
function tuneSocket(owner, opts) {
  const sock = owner?.socket?.socket;
  if (!sock) return;
  const rcv = int(opts, 'rcvbuf', 0, 0, 1 << 30), snd = int(opts, 'sndbuf', 0, 0, 1 << 30);
  try { if (rcv) sock.setRecvBufferSize(rcv); } catch (e) { process.stderr.write(`--rcvbuf: ${e.message}\n`); }
  try { if (snd) sock.setSendBufferSize(snd); } catch (e) { process.stderr.write(`--sndbuf: ${e.message}\n`); }
}

// @matrixai/quic logs at INFO to stderr by default; warnings are enough.
const logger = new Logger('quiche-peer', process.env.QUICHE_PEER_DEBUG ? LogLevel.DEBUG : LogLevel.WARN);

// ---------------------------------------------------------------------------
// Server

async function server(opts) {
  if (!opts.cert || !opts.key) throw new Error('server needs --cert and --key');
  const sink = !!opts.sink;
  const chunk = int(opts, 'chunk', 64 * 1024, 1, 1 << 24);
  const srv = new QUICServer({
    crypto: { key: crypto.randomBytes(32).buffer, ops: serverOps },
    config: { ...quicConfig(opts), cert: fs.readFileSync(opts.cert, 'utf8'), key: fs.readFileSync(opts.key, 'utf8'), verifyPeer: false },
    logger,
  });
  const onStream = async (stream) => {
    try {
      if (opts.pipe && !sink && stream.type === 'bidi') return await stream.readable.pipeTo(stream.writable);
      const data = await readAll(stream.readable);
      if (stream.type === 'uni') return; // nothing to answer on
      await writeAll(stream.writable, sink ? sha256(data) : data, chunk);
    } catch (e) {
      process.stderr.write(`stream ${stream.streamId}: ${e?.message ?? e}\n`);
    }
  };
  srv.addEventListener(events.EventQUICServerConnection.name, (evt) => {
    const conn = evt.detail;
    conn.addEventListener(events.EventQUICConnectionStream.name, (e) => { void onStream(e.detail); });
    conn.addEventListener(events.EventQUICConnectionError.name, (e) => {
      const err = e.detail?.data;
      if (err && err.isApp && err.errorCode === 0) return; // a clean close
      process.stderr.write(`connection: ${e.detail?.message ?? e.detail}\n`);
    });
  });
  // A peer under test may trip a bug in the package's glue: log it and serve on.
  process.on('unhandledRejection', (e) => process.stderr.write(`unhandled: ${e?.stack ?? e}\n`));
  await srv.start({ host: opts.host ?? '127.0.0.1', port: int(opts, 'port', 0, 0, 65535) });
  tuneSocket(srv, opts);
  out({ event: 'listening', port: srv.port });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 2000);
    srv.stop({ isApp: true, errorCode: 0, force: true }).catch(() => {}).finally(() => { clearTimeout(force); process.exit(0); });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// ---------------------------------------------------------------------------
// Client

async function client(opts) {
  const port = int(opts, 'port', 0, 1, 65535);
  if (!port) throw new Error('client needs --port');
  const host = opts.host ?? '127.0.0.1';
  const n = int(opts, 'bytes', 1 << 20, 0, 1 << 30);
  const k = int(opts, 'streams', 1, 1, 100);
  const seed = int(opts, 'seed', 1, 0, Number.MAX_SAFE_INTEGER);
  const chunk = int(opts, 'chunk', 64 * 1024, 1, 1 << 24);
  const timeout = int(opts, 'timeout', 60_000, 1, 3_600_000);
  const sink = !!opts.sink;
  const timer = setTimeout(() => fail(new Error(`timed out after ${timeout} ms`)), timeout);

  const config = { ...quicConfig(opts), verifyPeer: !opts.insecure };
  if (opts.ca) config.ca = fs.readFileSync(opts.ca, 'utf8');
  const data = Array.from({ length: k }, (_, i) => payload(seed, i, n));
  const t0 = performance.now();
  // The package uses the host it is given as the TLS server name (SNI and the
  // name the certificate must match): give it the name and resolve that name
  // to --host here. '-' sends --host itself (an IP literal in SNI, which RFC
  // 6066 §3 does not permit, but is what the package does by default).
  const serverName = opts['server-name'] ?? 'localhost';
  const cl = await QUICClient.createQUICClient({
    host: serverName === '-' ? host : serverName,
    resolveHostname: () => host,
    port,
    localHost: host.includes(':') ? '::' : '0.0.0.0',
    crypto: { ops: clientOps },
    config,
    logger,
  }, { timer: timeout });
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  tuneSocket(cl, opts);
  const answers = await Promise.all(data.map(async (d) => {
    const s = cl.connection.newStream('bidi');
    const [, back] = await Promise.all([writeAll(s.writable, d, chunk), readAll(s.readable)]);
    return back;
  }));
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  answers.forEach((back, i) => {
    const ok = sink ? back.equals(sha256(data[i])) : back.length === data[i].length && sha256(back).equals(sha256(data[i]));
    if (!ok) throw new Error(`stream ${i}: ${sink ? 'the SHA-256 answer' : 'the echo'} does not match (${back.length} bytes back)`);
  });
  const alpn = Buffer.from(cl.connection.conn.applicationProto()).toString();
  const stats = opts.stats ? connStats(cl.connection) : undefined;
  await cl.destroy({ isApp: true, errorCode: 0 });
  clearTimeout(timer);
  out({
    ok: true, streams: k, bytes: n * k, ms: round(t2 - t1), handshakeMs: round(t1 - t0),
    cpuMs: round((cpu.user + cpu.system) / 1000), alpn, ...(stats ? { stats } : {}),
  });
  process.exit(0);
}

/** quiche's own counters (packets sent/lost, RTT, cwnd), from the addon's connection (not public API). */
function connStats(connection) {
  const c = connection.conn;
  const s = c.stats();
  const p = c.pathStats()[0] ?? {};
  return { sent: s.sent, recv: s.recv, lost: s.lost, retrans: s.retrans, sentBytes: s.sentBytes, lostBytes: s.lostBytes, rttMs: p.rtt, cwnd: p.cwnd, pmtu: p.pmtu };
}

function fail(e) {
  out({ ok: false, error: e?.message ?? String(e) });
  process.exit(1);
}

// ---------------------------------------------------------------------------

function main() {
  let cmd, opts;
  try {
    ({ cmd, opts } = parseArgs(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (!opts['stock-lock']) useFastLock();
  if (cmd === 'server') {
    server(opts).catch((e) => { out({ event: 'error', error: e?.message ?? String(e) }); process.exit(1); });
  } else if (cmd === 'client') {
    client(opts).catch(fail);
  } else {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
