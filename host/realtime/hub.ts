// createRealtimeHub(config): the realtime hub (docs/realtime.md). One HTTP
// server (node:http, or node:https with HTTP_TLS) carries the demo page, the
// REST surface, /metrics and the WebSocket endpoint; serve() (h3-wasi/http3)
// carries the WebTransport endpoint on QUIC_PORT. Both transports feed one
// ConnectionManager and one MessageRouter. close(): WebSocket close frames
// 1001; the HTTP/3 server drained (GOAWAY, DRAIN_WEBTRANSPORT_SESSION: the
// sessions get the timeout to end); then the HTTP server closes.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { certificateHashes, createDevCert } from '../http3/devcert.js';
import { serve, type Http3Server } from '../http3/server.js';
import { apiHandler } from './api.js';
import { createRedisBus, LocalBus, type Bus } from './bus.js';
import { createVerifier, type TokenVerifier } from './auth.js';
import { ConfigError, describeConfig, loadConfig, type RealtimeConfig } from './config.js';
import { CLOSE_GOING_AWAY, ConnectionManager, type ConnectionSettings } from './connections.js';
import { REALTIME_PATH, webSocketEndpoint, webTransportEndpoint, type EndpointContext } from './endpoints.js';
import { DEFAULT_ROOM_LIMITS, registerDemoHandlers, Rooms } from './handlers.js';
import { createLogger, type Logger } from './log.js';
import { HubMetrics } from './metrics.js';
import { MessageRouter } from './router.js';

export interface RealtimeHub {
  /** http(s)://HOST:PORT/ of the HTTP server (the demo page). */
  readonly url: string;
  readonly httpPort: number;
  /** The UDP port of the WebTransport endpoint, or null when QUIC is off. */
  readonly quicPort: number | null;
  readonly wsUrl: string;
  readonly wtUrl: string | null;
  /** SHA-256 of the certificate DER (serverCertificateHashes), and base64 SPKI hash (Chromium's --ignore-certificate-errors-spki-list). */
  readonly certificate: { sha256: Uint8Array; spkiSha256Base64: string };
  /** The configuration applied to new connections. */
  readonly config: RealtimeConfig;
  readonly manager: ConnectionManager;
  readonly router: MessageRouter;
  readonly rooms: Rooms;
  readonly metrics: HubMetrics;
  readonly log: Logger;
  /** Re-validates `vars` over the current variables; applies to new connections; throws ConfigError and keeps the old config when invalid. */
  reload(vars: Record<string, string | undefined>): RealtimeConfig;
  /** Graceful shutdown of both transports, then the HTTP server. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export interface HubOptions {
  /** A validated config (loadConfig), or environment variables to validate; default process.env. */
  config?: RealtimeConfig | Record<string, string | undefined>;
  /** Log destination (default stdout). */
  logger?: Logger;
}

/** Variables that need a restart: a reload that changes them is refused. */
const RESTART_ONLY = ['quicEnabled', 'quicPort', 'httpPort', 'host', 'httpTls', 'tlsCert', 'tlsKey', 'redisUrl', 'quicMaxStreams', 'quicIdleTimeoutMs'] as const;
const VARIABLE: Record<(typeof RESTART_ONLY)[number], string> = {
  quicEnabled: 'QUIC_ENABLED', quicPort: 'QUIC_PORT', httpPort: 'HTTP_PORT', host: 'HOST', httpTls: 'HTTP_TLS', tlsCert: 'TLS_CERT', tlsKey: 'TLS_KEY', redisUrl: 'REDIS_URL', quicMaxStreams: 'QUIC_MAX_STREAMS', quicIdleTimeoutMs: 'QUIC_IDLE_TIMEOUT_MS',
};

export async function createRealtimeHub(options: HubOptions = {}): Promise<RealtimeHub> {
  const given = options.config ?? process.env;
  const validated = typeof (given as RealtimeConfig).quicEnabled === 'boolean';
  let vars: Record<string, string | undefined> = validated ? {} : { ...(given as Record<string, string | undefined>) };
  let config = validated ? (given as RealtimeConfig) : loadConfig(vars);
  const log = options.logger ?? createLogger(config.logLevel);
  const metrics = new HubMetrics();
  let verify: TokenVerifier = createVerifier(config.jwt);
  const settings = (): ConnectionSettings => ({ idleTimeoutMs: config.idleTimeoutMs, pingIntervalMs: config.pingIntervalMs });
  const rooms = new Rooms({ ...DEFAULT_ROOM_LIMITS, history: config.historyLimit });
  const manager = new ConnectionManager({ metrics, log, clientTtlMs: config.clientTtlMs, limits: { unacked: config.unackedLimit }, onClientGone: (c) => rooms.forget(c) });
  const router = new MessageRouter(manager);
  const bus: Bus = config.redisUrl ? await createRedisBus(config.redisUrl, log) : new LocalBus();
  registerDemoHandlers(router, rooms, metrics, bus);
  const ctx: EndpointContext = { manager, metrics, log, verify: () => verify, settings };

  const dev = config.tlsCert === null ? createDevCert({ hostnames: config.host === '0.0.0.0' || config.host === '::' ? [] : [config.host] }) : null;
  const cert = config.tlsCert ?? dev!.cert, key = config.tlsKey ?? dev!.key;
  const hashes = certificateHashes(cert);
  if (config.jwt.kind === 'secret' && config.jwt.generated) log.warn({ event: 'development_mode' }, 'DEVELOPMENT MODE: no JWT_SECRET / JWT_PUBLIC_KEY / JWT_JWKS_URL set; a random HS256 secret signs tokens and POST /api/token issues them to anyone');

  let h3: Http3Server | null = null;
  if (config.quicEnabled) {
    h3 = await serve({
      port: config.quicPort, hostname: config.host, cert, key, tcp: false,
      quic: { maxIdleTimeout: config.quicIdleTimeoutMs, maxStreamsBidi: config.quicMaxStreams, maxStreamsUni: config.quicMaxStreams },
      webtransport: webTransportEndpoint(ctx),
      onError: (e) => log.error({ event: 'http3_error', err: (e as Error).message }, 'HTTP/3 server error'),
    }, () => new Response(`WebTransport only: CONNECT ${REALTIME_PATH}\n`, { status: 404 }));
  }

  const { wss, upgrade } = webSocketEndpoint(ctx);
  let httpUrlBase = '';
  const handler = apiHandler({
    config: () => config, verify: () => verify, metrics, rooms,
    clientConfig: (req) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '') || config.host;
      return {
        wtUrl: h3 ? `https://${host}:${h3.port}${REALTIME_PATH}` : null,
        wsUrl: `${config.httpTls ? 'wss' : 'ws'}://${host}:${httpPort}${REALTIME_PATH}`,
        certificateHash: config.tlsCert === null ? Buffer.from(hashes.sha256).toString('base64') : null,
        quicEnabled: h3 !== null,
      };
    },
    health: () => ({ ok: true, connections: manager.size, quicEnabled: h3 !== null, rooms: rooms.size, bus: bus.kind }),
    updateConfig: (update) => describeConfig(reload(update)),
  });
  const server = config.httpTls ? https.createServer({ cert, key }, handler) : http.createServer(handler);
  server.on('upgrade', upgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.httpPort, config.host, () => { server.off('error', reject); resolve(); });
  });
  const httpPort = (server.address() as AddressInfo).port;
  const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  httpUrlBase = `${config.httpTls ? 'https' : 'http'}://${urlHost}:${httpPort}`;

  const sweep = setInterval(() => manager.sweep(), Math.min(1000, config.pingIntervalMs));
  sweep.unref();

  function reload(update: Record<string, string | undefined>): RealtimeConfig {
    const nextVars = { ...vars, ...update };
    let next: RealtimeConfig;
    try {
      next = loadConfig(nextVars, config);
      for (const k of RESTART_ONLY) if (next[k] !== config[k]) throw new ConfigError(VARIABLE[k], 'needs a restart; not changed');
    } catch (e) {
      log.warn({ event: 'config_refused', err: (e as Error).message }, 'a configuration update was refused; the old one stays');
      throw e;
    }
    vars = nextVars;
    config = next;
    verify = createVerifier(next.jwt);
    rooms.setHistoryLimit(next.historyLimit);
    log.info({ event: 'config_applied', config: describeConfig(next) }, 'configuration updated (applies to new connections)');
    return next;
  }

  log.info({ event: 'hub_listening', http: httpUrlBase, quicPort: h3?.port ?? null, config: describeConfig(config) }, 'realtime hub listening');
  let closing: Promise<void> | null = null;
  return {
    get url() { return `${httpUrlBase}/`; },
    httpPort,
    quicPort: h3?.port ?? null,
    wsUrl: `${config.httpTls ? 'wss' : 'ws'}://${urlHost}:${httpPort}${REALTIME_PATH}`,
    wtUrl: h3 ? `https://${urlHost}:${h3.port}${REALTIME_PATH}` : null,
    certificate: { sha256: hashes.sha256, spkiSha256Base64: hashes.spkiSha256Base64 },
    get config() { return config; },
    manager, router, rooms, metrics, log,
    reload,
    close({ timeoutMs = 2000 } = {}) {
      closing ??= (async () => {
        log.info({ event: 'hub_closing', connections: manager.size }, 'realtime hub shutting down');
        clearInterval(sweep);
        // WebSocket: close frame 1001 (going away). WebTransport: GOAWAY and DRAIN_WEBTRANSPORT_SESSION
        // (serve().shutdown), sessions get up to timeoutMs to end, then the connections close.
        // (Closing a session ourselves first would race the connection's close: the
        // CLOSE_WEBTRANSPORT_SESSION capsule could be cut off.)
        manager.closeAll(CLOSE_GOING_AWAY, 'the hub is shutting down', 'websocket');
        const deadline = Date.now() + timeoutMs;
        await h3?.shutdown({ timeoutMs });
        manager.closeAll(CLOSE_GOING_AWAY, 'the hub is shutting down');
        while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20)); // the close handshakes
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const c of wss.clients) c.terminate(); // those that did not answer the close frame
        wss.close();
        server.closeIdleConnections?.();
        setTimeout(() => server.closeAllConnections?.(), timeoutMs).unref();
        await closed;
        await bus.close();
        log.info({ event: 'hub_closed' }, 'realtime hub closed');
      })();
      return closing;
    },
  };
}
