// The hub's configuration (docs/realtime.md "Configuration"): environment
// variables validated with zod, defaults that need nothing set. A bad value
// is a ConfigError whose one-line message names the variable. The same
// parse serves the start, SIGHUP and POST /api/admin/config; a refused
// update leaves the old configuration in place (hub.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export { ConfigError };

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The variables, as strings from the environment (unknown ones are ignored). */
const envSchema = z.object({
  QUIC_ENABLED: bool.default(true),
  QUIC_PORT: int(0, 65535).default(4433),
  HTTP_PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Serve the HTTP side over TLS (with TLS_CERT/TLS_KEY or the dev certificate). Default: on when TLS_CERT is set. */
  HTTP_TLS: bool.optional(),
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  JWT_PUBLIC_KEY: z.string().min(1).optional(),
  JWT_JWKS_URL: z.url().optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  /** The dev-only POST /api/token; default on only with a generated JWT secret. */
  DEV_TOKENS: bool.optional(),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  QUIC_MAX_STREAMS: int(1, 10000).default(100),
  QUIC_IDLE_TIMEOUT_MS: int(0, 600_000).default(30_000),
  IDLE_TIMEOUT_MS: int(1000, 3_600_000).default(60_000),
  PING_INTERVAL_MS: int(100, 600_000).default(15_000),
  HISTORY_LIMIT: int(0, 10_000).default(100),
  /** Deliveries held per client until acked (docs/realtime-protocol.md "Exactly once"). */
  UNACKED_LIMIT: int(1, 100_000).default(1000),
  /** How long a client that went away keeps its state (rooms, unacked deliveries). */
  CLIENT_TTL_MS: int(0, 86_400_000).default(120_000),
  LOG_LEVEL: z.enum(LEVELS).default('info'),
  REDIS_URL: z.url().optional(),
});

/** The validated configuration; `jwt` says how tokens are checked. */
export interface RealtimeConfig {
  quicEnabled: boolean;
  quicPort: number;
  httpPort: number;
  host: string;
  httpTls: boolean;
  /** PEM; null: a generated development certificate. */
  tlsCert: string | null;
  tlsKey: string | null;
  jwt: JwtConfig;
  devTokens: boolean;
  adminToken: string | null;
  quicMaxStreams: number;
  quicIdleTimeoutMs: number;
  idleTimeoutMs: number;
  pingIntervalMs: number;
  historyLimit: number;
  unackedLimit: number;
  clientTtlMs: number;
  logLevel: (typeof LEVELS)[number];
  redisUrl: string | null;
}

export type JwtConfig =
  | { kind: 'secret'; secret: Uint8Array; generated: boolean; audience?: string; issuer?: string }
  | { kind: 'publicKey'; pem: string; audience?: string; issuer?: string }
  | { kind: 'jwks'; url: string; audience?: string; issuer?: string };

const readPem = (variable: string, file: string): string => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(variable, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
};

/**
 * Validates `env` (default process.env) into a RealtimeConfig; throws
 * ConfigError naming the first bad variable. `previous` keeps a generated
 * JWT secret across a reload (tokens already issued stay valid).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, previous?: RealtimeConfig): RealtimeConfig {
  const defined = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in envSchema.shape && v !== undefined && v !== ''));
  const r = envSchema.safeParse(defined);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'config');
    throw new ConfigError(variable, `${issue.message}${variable in defined ? ` (got '${defined[variable]}')` : ''}`);
  }
  const e = r.data;
  if ((e.TLS_CERT === undefined) !== (e.TLS_KEY === undefined)) {
    throw new ConfigError(e.TLS_CERT === undefined ? 'TLS_CERT' : 'TLS_KEY', 'TLS_CERT and TLS_KEY go together');
  }
  const jwtSources = (['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL'] as const).filter((k) => e[k] !== undefined);
  if (jwtSources.length > 1) throw new ConfigError(jwtSources[1]!, `set only one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL (also set: ${jwtSources[0]})`);
  const claims = { audience: e.JWT_AUDIENCE, issuer: e.JWT_ISSUER };
  let jwt: JwtConfig;
  if (e.JWT_SECRET !== undefined) jwt = { kind: 'secret', secret: new TextEncoder().encode(e.JWT_SECRET), generated: false, ...claims };
  else if (e.JWT_PUBLIC_KEY !== undefined) {
    const pem = e.JWT_PUBLIC_KEY.includes('-----BEGIN') ? e.JWT_PUBLIC_KEY : readPem('JWT_PUBLIC_KEY', e.JWT_PUBLIC_KEY);
    try { crypto.createPublicKey(pem); } catch { throw new ConfigError('JWT_PUBLIC_KEY', 'is not a PEM public key (or a path to one)'); }
    jwt = { kind: 'publicKey', pem, ...claims };
  } else if (e.JWT_JWKS_URL !== undefined) jwt = { kind: 'jwks', url: e.JWT_JWKS_URL, ...claims };
  else {
    const kept = previous?.jwt.kind === 'secret' && previous.jwt.generated ? previous.jwt.secret : crypto.randomBytes(32);
    jwt = { kind: 'secret', secret: kept, generated: true, ...claims };
  }
  const devSecret = jwt.kind === 'secret' && jwt.generated;
  if (e.DEV_TOKENS === true && !devSecret && jwt.kind !== 'secret') throw new ConfigError('DEV_TOKENS', 'the dev token endpoint signs with JWT_SECRET; it cannot issue tokens for JWT_PUBLIC_KEY or JWT_JWKS_URL');
  const tlsCert = e.TLS_CERT === undefined ? null : readPem('TLS_CERT', e.TLS_CERT);
  const tlsKey = e.TLS_KEY === undefined ? null : readPem('TLS_KEY', e.TLS_KEY);
  if (tlsCert !== null) {
    try { new crypto.X509Certificate(tlsCert); } catch { throw new ConfigError('TLS_CERT', `${e.TLS_CERT} holds no PEM certificate`); }
    try { crypto.createPrivateKey(tlsKey!); } catch { throw new ConfigError('TLS_KEY', `${e.TLS_KEY} holds no PEM private key`); }
  }
  return {
    quicEnabled: e.QUIC_ENABLED, quicPort: e.QUIC_PORT, httpPort: e.HTTP_PORT, host: e.HOST,
    httpTls: e.HTTP_TLS ?? tlsCert !== null, tlsCert, tlsKey, jwt,
    devTokens: e.DEV_TOKENS ?? devSecret, adminToken: e.ADMIN_TOKEN ?? null,
    quicMaxStreams: e.QUIC_MAX_STREAMS, quicIdleTimeoutMs: e.QUIC_IDLE_TIMEOUT_MS, idleTimeoutMs: e.IDLE_TIMEOUT_MS,
    pingIntervalMs: e.PING_INTERVAL_MS, historyLimit: e.HISTORY_LIMIT, unackedLimit: e.UNACKED_LIMIT, clientTtlMs: e.CLIENT_TTL_MS,
    logLevel: e.LOG_LEVEL, redisUrl: e.REDIS_URL ?? null,
  };
}

/** The configuration without secrets, for logs and the admin endpoint's answer. */
export function describeConfig(c: RealtimeConfig): Record<string, unknown> {
  const { tlsKey: _k, adminToken, jwt, tlsCert, ...rest } = c;
  return { ...rest, tlsCert: tlsCert === null ? 'generated' : 'given', adminToken: adminToken === null ? 'unset' : 'set', jwt: jwt.kind === 'secret' ? (jwt.generated ? 'generated dev secret' : 'JWT_SECRET') : jwt.kind === 'publicKey' ? 'JWT_PUBLIC_KEY' : `JWKS ${jwt.url}`, audience: jwt.audience, issuer: jwt.issuer };
}
