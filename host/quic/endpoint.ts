// QuicEndpoint: where connections come from. `listen()` binds a server
// endpoint whose accepted connections arrive on `incoming`; `connect()`
// gives a client connection on an endpoint of its own (an ephemeral UDP
// port on the peer's address family), which goes away with the connection.
//
// Options are checked before anything is bound: QUIC options throw
// InvalidArgumentError naming the option (`quic.maxAckDelay`), TLS options
// TlsConfigError (as h3-wasi/tls).

import dns from 'node:dns/promises';
import net from 'node:net';
import { InvalidArgumentError } from '../errors.js';
import { bytesArg, describe, intArg, optionsArg, stringArg } from '../args.js';
import { CIPHER_SUITES, TlsConfig, type TlsOptions } from '../tls/index.js';
import { QuicDriver } from './driver.js';
import { checkQuicOptions, encodeQuicConfig, HOST_DEFAULTS, CORE_DEFAULTS, type QuicOptions } from './wire.js';
import { ConnectionCore, type AppBinding, type QuicConnection } from './connection.js';
import { bindUdp, encodeAddress, type DatagramSocket, type SocketAddress } from './socket.js';
import { QlogWriter } from './qlog.js';

/**
 * The cipher suites a QUIC endpoint offers or picks, in order, unless its
 * `tls.cipherSuites` says otherwise: ChaCha20-Poly1305 first, since the
 * engine has no AES hardware (WebAssembly) and protects packets about twice
 * as fast with it (bench/quic.bench.mjs, bench/crypto.bench.mjs) — the rule
 * BoringSSL and Go's crypto/tls apply on machines without AES instructions.
 * Initial packets stay AES-128-GCM (RFC 9001 §5.2).
 */
const QUIC_CIPHER_SUITES = [
  CIPHER_SUITES.TLS_CHACHA20_POLY1305_SHA256, CIPHER_SUITES.TLS_AES_128_GCM_SHA256, CIPHER_SUITES.TLS_AES_256_GCM_SHA384,
];

export interface QuicListenOptions {
  /** IP address or name to bind (default '::', or '0.0.0.0' where IPv6 is unavailable). */
  host?: string;
  /** UDP port (default 0: an ephemeral port; see `address`). */
  port?: number;
  /** The server's TLS options as for h3-wasi/tls (certChainPem, privateKeyPem, ...). */
  tls: TlsOptions;
  /** The application protocols offered (RFC 9001 §8.1), e.g. 'h3' or ['h3', 'hq-interop']. */
  alpn: string | string[];
  quic?: QuicOptions;
  /** Write one qlog trace per connection into this directory (default: env QLOGDIR). */
  qlogDir?: string;
  /** Append TLS secrets to this file, SSLKEYLOGFILE format (default: env SSLKEYLOGFILE). */
  keylog?: string;
  /** close(): how long to wait for connections' closing periods (ms, default 2000). */
  closeTimeout?: number;
}

export interface QuicConnectOptions {
  /** The server's IP address or name. */
  host: string;
  port: number;
  /** The name the certificate is checked against (and sent as SNI); default `host`. */
  servername?: string;
  /** The client's TLS options as for h3-wasi/tls (verify, trustAnchorsPem, ...); default: verify against Node's CA store. */
  tls?: TlsOptions;
  alpn: string | string[];
  quic?: QuicOptions;
  /** A session from an earlier connection's `session` (resumption, RFC 9846 §2.2). */
  session?: Uint8Array;
  /** A token from an earlier connection's `token` (RFC 9000 §8.1.3). */
  token?: Uint8Array;
  qlogDir?: string;
  keylog?: string;
}

const LISTEN_KEYS = ['host', 'port', 'tls', 'alpn', 'quic', 'qlogDir', 'keylog', 'closeTimeout'] as const;
const CONNECT_KEYS = ['host', 'port', 'servername', 'tls', 'alpn', 'quic', 'session', 'token', 'qlogDir', 'keylog'] as const;
/** TLS options the endpoint sets itself. */
const TLS_OWNED = ['server', 'alpn', 'serverName', 'transportParams', 'quic', 'keyLog'] as const;

function alpnArg(v: unknown): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) throw new InvalidArgumentError('alpn', `must be a protocol name or a non-empty array of them (e.g. 'h3'), got ${describe(v)}`);
  list.forEach((a, i) => {
    const len = Buffer.byteLength(stringArg(`alpn[${i}]`, a));
    // RFC 7301 §3.1: protocol names are 1..255 bytes
    if (len === 0 || len > 255) throw new InvalidArgumentError(`alpn[${i}]`, `protocol names are 1..255 bytes, got ${len}`);
  });
  return list as string[];
}

function tlsArg(v: unknown, required: boolean): TlsOptions {
  if (v === undefined && !required) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('tls', `must be a TLS options object (as for h3-wasi/tls), got ${describe(v)}`);
  for (const k of TLS_OWNED) {
    if ((v as Record<string, unknown>)[k] !== undefined) {
      throw new InvalidArgumentError(`tls.${k}`, k === 'alpn' ? 'give the ALPN list as the top-level alpn option'
        : k === 'serverName' ? 'give the name as the top-level servername option' : 'is set by the QUIC endpoint');
    }
  }
  return v as TlsOptions;
}

/** Where diagnostics go: the option, else the environment variable (qlog: QLOGDIR; keys: SSLKEYLOGFILE). */
function diagnostics(o: { qlogDir?: unknown; keylog?: unknown }): { qlogDir: string | null; keylog: string | null } {
  const qlogDir = o.qlogDir !== undefined ? stringArg('qlogDir', o.qlogDir) : process.env.QLOGDIR || null;
  const keylog = o.keylog !== undefined ? stringArg('keylog', o.keylog) : process.env.SSLKEYLOGFILE || null;
  return { qlogDir: qlogDir || null, keylog: keylog || null };
}

/** Our transport parameters as qlog's parameters_set reports them (quic-events §"parameters_set"). */
function qlogParameters(checked: Map<keyof QuicOptions, bigint>): Record<string, unknown> {
  const v = (k: keyof typeof CORE_DEFAULTS) => checked.get(k) ?? (typeof CORE_DEFAULTS[k] === 'number' ? BigInt(CORE_DEFAULTS[k] as number) : undefined);
  const out: Record<string, unknown> = {
    max_idle_timeout: v('maxIdleTimeout'), max_udp_payload_size: v('maxUdpPayloadSize'), ack_delay_exponent: 3,
    max_ack_delay: v('maxAckDelay'), active_connection_id_limit: v('activeConnectionIdLimit'), initial_max_data: v('initialMaxData'),
    initial_max_stream_data_bidi_local: v('streamWindow'), initial_max_stream_data_bidi_remote: v('streamWindow'),
    initial_max_stream_data_uni: v('streamWindow'), initial_max_streams_bidi: v('maxStreamsBidi'), initial_max_streams_uni: v('maxStreamsUni'),
    disable_active_migration: checked.get('disableActiveMigration') === 1n,
  };
  const dg = v('maxDatagramFrameSize');
  if (dg) out.max_datagram_frame_size = dg;
  return out;
}

function withHostDefaults(checked: Map<keyof QuicOptions, bigint>): Map<keyof QuicOptions, bigint> {
  for (const [k, val] of Object.entries(HOST_DEFAULTS) as [keyof QuicOptions, number][]) if (!checked.has(k)) checked.set(k, BigInt(val));
  return checked;
}

/** The QUIC config with an application protocol's entries after it (a config is a list of entries). */
function withApp(config: Uint8Array, app: AppBinding | undefined): Uint8Array {
  if (!app || app.config.length === 0) return config;
  const out = new Uint8Array(config.length + app.config.length);
  out.set(config, 0);
  out.set(app.config, config.length);
  return out;
}

/** An IP literal as is; a name through the system resolver (like node:net). */
async function resolve(host: string): Promise<{ address: string; family: 4 | 6 }> {
  const fam = net.isIP(host);
  if (fam) return { address: host, family: fam as 4 | 6 };
  const r = await dns.lookup(host);
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
}

export class QuicEndpoint {
  readonly #driver: QuicDriver;
  readonly #socket: DatagramSocket;
  readonly #incoming: ReadableStream<QuicConnection>;
  #incomingC!: ReadableStreamDefaultController<QuicConnection>;
  readonly #closeTimeout: number;
  #closing: Promise<void> | null = null;

  private constructor(driver: QuicDriver, socket: DatagramSocket, closeTimeout: number, incoming: ReadableStream<QuicConnection>, c: ReadableStreamDefaultController<QuicConnection>) {
    this.#driver = driver;
    this.#socket = socket;
    this.#closeTimeout = closeTimeout;
    this.#incoming = incoming;
    this.#incomingC = c;
  }

  /** Accepted connections, each offered once its handshake completed. Ends when the endpoint closes. */
  get incoming(): ReadableStream<QuicConnection> { return this.#incoming; }
  /** The bound address. */
  get address(): SocketAddress { return this.#socket.address; }

  /** `for await (const conn of endpoint)`: the incoming connections. */
  async *[Symbol.asyncIterator](): AsyncGenerator<QuicConnection> {
    const r = this.#incoming.getReader();
    try {
      for (;;) {
        const { value, done } = await r.read();
        if (done) return;
        yield value;
      }
    } finally {
      r.releaseLock();
    }
  }

  /**
   * Binds a server endpoint. Rejects with InvalidArgumentError or
   * TlsConfigError for bad options, or the socket's error (EADDRINUSE, ...).
   */
  static async listen(options: QuicListenOptions, app?: AppBinding): Promise<QuicEndpoint> {
    if (options === undefined) throw new InvalidArgumentError('options', 'listen() needs { tls, alpn } at least');
    const o = optionsArg<QuicListenOptions>('options', options, LISTEN_KEYS);
    const host = o.host === undefined ? undefined : stringArg('host', o.host);
    const port = o.port === undefined ? 0 : intArg('port', o.port, 0, 65535);
    const alpn = alpnArg(o.alpn);
    const tlsOpts = tlsArg(o.tls, true);
    const checked = withHostDefaults(checkQuicOptions(o.quic, 'quic', 'server'));
    const closeTimeout = o.closeTimeout === undefined ? 2000 : intArg('closeTimeout', o.closeTimeout, 0, 3_600_000);
    const diag = diagnostics(o);
    const tls = new TlsConfig({ cipherSuites: QUIC_CIPHER_SUITES, ...tlsOpts, server: true, alpn, quic: true, transportParams: new Uint8Array(0), keyLog: diag.keylog !== null });
    let socket: DatagramSocket;
    try {
      if (host === undefined) {
        try { socket = await bindUdp('::', port); } catch { socket = await bindUdp('0.0.0.0', port); }
      } else {
        socket = await bindUdp((await resolve(host)).address, port);
      }
    } catch (e) {
      tls.close();
      throw e;
    }
    const parameters = qlogParameters(checked);
    let ep: QuicEndpoint | null = null;
    let incomingC!: ReadableStreamDefaultController<QuicConnection>;
    const incoming = new ReadableStream<QuicConnection>({ start: (c) => { incomingC = c; } });
    const driver = new QuicDriver(withApp(encodeQuicConfig(checked, diag.qlogDir !== null), app), tls.id, {
      server: true,
      onConnection: (handle) => {
        const core = new ConnectionCore({
          server: true,
          qlog: diag.qlogDir ? QlogWriter.open(diag.qlogDir, 'server', `h3-wasi server ${handle}`) : null,
          keylog: diag.keylog,
          parameters,
          onConnected: (conn) => { if (ep && !ep.#closing) { try { incomingC.enqueue(conn); } catch { /* closed */ } } },
          app,
        });
        core.attach(driver, handle, socket.address, undefined);
        return core;
      },
      onDisposed: () => tls.close(),
    });
    driver.addSocket(socket);
    ep = new QuicEndpoint(driver, socket, closeTimeout, incoming, incomingC);
    return ep;
  }

  /**
   * Connects to a server: returns the connection at once (W3C WebTransport
   * style); `ready` resolves when the handshake completed, and rejects on
   * failure (DNS, bind, TLS, timeout). Bad options throw here.
   */
  static connect(options: QuicConnectOptions, app?: AppBinding): QuicConnection {
    if (options === undefined) throw new InvalidArgumentError('options', 'connect() needs { host, port, alpn } at least');
    const o = optionsArg<QuicConnectOptions>('options', options, CONNECT_KEYS);
    const host = stringArg('host', o.host);
    if (host.length === 0) throw new InvalidArgumentError('host', 'must not be empty');
    const port = intArg('port', o.port, 1, 65535);
    const servername = o.servername === undefined ? host.replace(/^\[|\]$/g, '') : stringArg('servername', o.servername);
    const alpn = alpnArg(o.alpn);
    const tlsOpts = tlsArg(o.tls, false);
    const checked = withHostDefaults(checkQuicOptions(o.quic, 'quic', 'client'));
    const session = o.session === undefined ? new Uint8Array(0) : bytesArg('session', o.session);
    const token = o.token === undefined ? new Uint8Array(0) : bytesArg('token', o.token);
    const diag = diagnostics(o);
    const tls = new TlsConfig({ cipherSuites: QUIC_CIPHER_SUITES, ...tlsOpts, serverName: servername, alpn, quic: true, transportParams: new Uint8Array(0), keyLog: diag.keylog !== null });
    const core = new ConnectionCore({
      server: false,
      qlog: diag.qlogDir ? QlogWriter.open(diag.qlogDir, 'client', `h3-wasi client to ${host}:${port}`) : null,
      keylog: diag.keylog,
      parameters: qlogParameters(checked),
      earlyData: session.length > 0 && tlsOpts.earlyData === true,
      app,
    });
    const config = withApp(encodeQuicConfig(checked, diag.qlogDir !== null), app);
    (async () => {
      let driver: QuicDriver | null = null;
      try {
        const peer = await resolve(host.replace(/^\[|\]$/g, ''));
        const socket = await bindUdp(peer.family === 6 ? '::' : '0.0.0.0', 0);
        driver = new QuicDriver(config, tls.id, { server: false, closeWhenIdle: true, weak: app?.weak, onDisposed: () => tls.close() });
        const localId = driver.addSocket(socket);
        const remote: SocketAddress = { address: peer.address, family: peer.family, port };
        const handle = driver.connect(encodeAddress(remote), localId, session, token, core);
        core.attach(driver, handle, socket.address, remote);
        driver.pump();
      } catch (e) {
        if (driver) void driver.dispose(); else tls.close();
        core.setupFailed(e);
      }
    })();
    return core.conn;
  }

  /**
   * Graceful shutdown: stops accepting, closes every connection
   * (CONNECTION_CLOSE, application code 0), waits for their closing periods
   * (at most `closeTimeout`), then closes the socket.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    try { this.#incomingC.close(); } catch { /* already closed */ }
    this.#closing = this.#driver.shutdown(this.#closeTimeout, 0n, 'endpoint closed');
    return this.#closing;
  }
}
