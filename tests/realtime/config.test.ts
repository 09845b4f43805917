// host/realtime/config.ts: the defaults need nothing set; each bad variable
// is refused with a one-line message that names it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../host/realtime/config.js';
import { createDevCert } from '../../host/http3/index.js';

describe('realtime config', () => {
  it('defaults: QUIC on 4433, HTTP 8080 on 127.0.0.1, a generated dev secret with dev tokens on', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ quicEnabled: true, quicPort: 4433, httpPort: 8080, host: '127.0.0.1', httpTls: false, tlsCert: null, devTokens: true, redisUrl: null, logLevel: 'info' });
    expect(c.jwt).toMatchObject({ kind: 'secret', generated: true });
    expect(loadConfig({}).jwt).not.toEqual(c.jwt); // a fresh secret each start
    expect(loadConfig({}, c).jwt).toEqual(c.jwt); // kept across a reload
    expect(JSON.stringify(describeConfig(c))).not.toMatch(/secret":|[0-9a-f]{64}/);
  });

  it('reads each variable', () => {
    const c = loadConfig({ QUIC_ENABLED: 'false', QUIC_PORT: '5000', HTTP_PORT: '0', HOST: '0.0.0.0', JWT_SECRET: 'a-secret-of-16-chars', JWT_AUDIENCE: 'chat', JWT_ISSUER: 'me', QUIC_MAX_STREAMS: '7', QUIC_IDLE_TIMEOUT_MS: '1000', IDLE_TIMEOUT_MS: '5000', PING_INTERVAL_MS: '200', LOG_LEVEL: 'debug', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(c).toMatchObject({ quicEnabled: false, quicPort: 5000, httpPort: 0, host: '0.0.0.0', devTokens: false, quicMaxStreams: 7, quicIdleTimeoutMs: 1000, idleTimeoutMs: 5000, pingIntervalMs: 200, logLevel: 'debug', redisUrl: 'redis://127.0.0.1:6379' });
    expect(c.jwt).toMatchObject({ kind: 'secret', generated: false, audience: 'chat', issuer: 'me' });
  });

  it('TLS_CERT / TLS_KEY are read from their files and turn HTTP TLS on', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-config-'));
    const dc = createDevCert();
    fs.writeFileSync(path.join(dir, 'c.pem'), dc.cert);
    fs.writeFileSync(path.join(dir, 'k.pem'), dc.key);
    const c = loadConfig({ TLS_CERT: path.join(dir, 'c.pem'), TLS_KEY: path.join(dir, 'k.pem') });
    expect(c.tlsCert).toBe(dc.cert);
    expect(c.httpTls).toBe(true);
    expect(() => loadConfig({ TLS_CERT: path.join(dir, 'k.pem'), TLS_KEY: path.join(dir, 'k.pem') })).toThrow(/^TLS_CERT: .*no PEM certificate/);
  });

  const bad: [Record<string, string>, string, RegExp][] = [
    [{ QUIC_ENABLED: 'maybe' }, 'QUIC_ENABLED', /maybe/],
    [{ QUIC_PORT: 'x' }, 'QUIC_PORT', /whole number/],
    [{ QUIC_PORT: '70000' }, 'QUIC_PORT', /65535/],
    [{ HTTP_PORT: '-1' }, 'HTTP_PORT', /whole number/],
    [{ HTTP_TLS: 'on' }, 'HTTP_TLS', /on/],
    [{ TLS_CERT: '/nonexistent/c.pem', TLS_KEY: '/nonexistent/k.pem' }, 'TLS_CERT', /cannot read/],
    [{ TLS_KEY: '/x.pem' }, 'TLS_CERT', /go together/],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET', /16/],
    [{ JWT_PUBLIC_KEY: '/nonexistent.pem' }, 'JWT_PUBLIC_KEY', /cannot read/],
    [{ JWT_JWKS_URL: 'not a url' }, 'JWT_JWKS_URL', /URL/i],
    [{ JWT_SECRET: 'a-secret-of-16-chars', JWT_JWKS_URL: 'https://x/jwks' }, 'JWT_JWKS_URL', /only one/],
    [{ JWT_JWKS_URL: 'https://x/jwks', DEV_TOKENS: 'true' }, 'DEV_TOKENS', /cannot issue/],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN', /16/],
    [{ QUIC_MAX_STREAMS: '0' }, 'QUIC_MAX_STREAMS', /1/],
    [{ QUIC_IDLE_TIMEOUT_MS: '1.5' }, 'QUIC_IDLE_TIMEOUT_MS', /whole number/],
    [{ IDLE_TIMEOUT_MS: '10' }, 'IDLE_TIMEOUT_MS', /1000/],
    [{ PING_INTERVAL_MS: 'often' }, 'PING_INTERVAL_MS', /whole number/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /loud/],
    [{ REDIS_URL: 'nope' }, 'REDIS_URL', /URL/i],
  ];
  it.each(bad)('refuses %j naming %s', (env, variable, why) => {
    let err: unknown;
    try { loadConfig(env); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(variable);
    expect((err as ConfigError).code).toBe('H3W_ERR_REALTIME_CONFIG');
    expect((err as Error).message).toMatch(new RegExp(`^${variable}: `));
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).not.toMatch(/\n/);
  });
});
