// The hub's HTTP routes beside the WebSocket upgrade: the demo page at `/`,
// the browser client bundle at `/client.js`, the REST surface under /api/
// and the metrics (docs/realtime.md "HTTP API").
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { AuthError, issueToken, type TokenVerifier } from './auth.js';
import type { RealtimeConfig } from './config.js';
import type { Rooms } from './handlers.js';
import type { HubMetrics } from './metrics.js';

export interface ApiContext {
  config: () => RealtimeConfig;
  verify: () => TokenVerifier;
  metrics: HubMetrics;
  rooms: Rooms;
  /** GET /api/config's answer. */
  clientConfig: (req: IncomingMessage) => { wtUrl: string | null; wsUrl: string; certificateHash: string | null; quicEnabled: boolean };
  health: () => Record<string, unknown>;
  /** POST /api/admin/config: applies variables; throws ConfigError (400) when they do not validate. */
  updateConfig: (vars: Record<string, string>) => Record<string, unknown>;
}

const MAX_BODY = 64 * 1024;

/** The first of `candidates` (URLs relative to this module) that exists: from host/ under vitest, from dist/host/ once built. */
function firstFile(...candidates: string[]): string | null {
  for (const c of candidates) {
    const p = fileURLToPath(new URL(c, import.meta.url));
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** host/realtime/demo/index.html, beside this file or (from dist/host/realtime/) in the package's host/. */
export const demoPage = (): string | null => firstFile('./demo/index.html', '../../../host/realtime/demo/index.html');
/** dist/realtime-client.js (the browser client's esbuild bundle). */
export const clientBundle = (): string | null => firstFile('../../dist/realtime-client.js', '../../realtime-client.js');

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
const json = (res: ServerResponse, status: number, v: unknown): void => send(res, status, JSON.stringify(v), 'application/json');

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new Error(`a body over ${MAX_BODY} bytes`)); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function bodyJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text === '') return {};
  const v: unknown = JSON.parse(text);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SyntaxError('the body must be a JSON object');
  return v as Record<string, unknown>;
}

const bearer = (req: IncomingMessage): string | null => {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : null;
};

/** The request handler for everything but the WebSocket upgrade. */
export function apiHandler(ctx: ApiContext): (req: IncomingMessage, res: ServerResponse) => void {
  const room = /^\/api\/rooms\/([^/]{1,256})\/history$/;
  return (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://hub');
      const path = url.pathname;
      const method = req.method ?? 'GET';
      const get = method === 'GET' || method === 'HEAD';
      if (get && (path === '/' || path === '/index.html')) {
        const p = demoPage();
        return p ? send(res, 200, fs.readFileSync(p), 'text/html; charset=utf-8') : send(res, 404, 'the demo page is not installed\n');
      }
      if (get && path === '/client.js') {
        const p = clientBundle();
        return p ? send(res, 200, fs.readFileSync(p), 'text/javascript; charset=utf-8') : send(res, 503, 'the browser client bundle (dist/realtime-client.js) is not built yet\n');
      }
      if (get && path === '/api/config') return json(res, 200, ctx.clientConfig(req));
      if (get && path === '/api/health') return json(res, 200, ctx.health());
      if (get && path === '/metrics') return send(res, 200, await ctx.metrics.text(), ctx.metrics.registry.contentType);
      if (get && path === '/metrics.json') return json(res, 200, await ctx.metrics.json());
      const m = get ? room.exec(path) : null;
      if (m) {
        // a room's history is for users: the same token as the transports (Authorization: Bearer, or ?token=)
        try { await ctx.verify()(bearer(req) ?? url.searchParams.get('token')); } catch (e) {
          if (e instanceof AuthError) return json(res, 401, { error: e.message });
          throw e;
        }
        const name = decodeURIComponent(m[1]!);
        return json(res, 200, { room: name, messages: ctx.rooms.history(name) });
      }
      if (method === 'POST' && path === '/api/token') {
        const c = ctx.config();
        if (!c.devTokens) return json(res, 404, { error: 'the dev token endpoint is off (DEV_TOKENS)' });
        const b = await bodyJson(req);
        const user = b.user ?? b.sub;
        if (typeof user !== 'string' || !/^[\w.@-]{1,64}$/.test(user)) return json(res, 400, { error: 'user must be 1-64 characters of letters, digits, . @ _ -' });
        return json(res, 200, { token: await issueToken(c.jwt, user), user, devOnly: true });
      }
      if (method === 'POST' && path === '/api/admin/config') {
        if (!(await isAdmin(ctx, bearer(req)))) return json(res, 401, { error: 'an admin token (ADMIN_TOKEN, or a JWT with admin: true) is needed' });
        const b = await bodyJson(req);
        const vars: Record<string, string> = {};
        for (const [k, v] of Object.entries(b)) vars[k] = typeof v === 'string' ? v : JSON.stringify(v);
        try {
          return json(res, 200, { applied: ctx.updateConfig(vars) });
        } catch (e) {
          return json(res, 400, { error: (e as Error).message });
        }
      }
      return send(res, 404, 'not found\n');
    })().catch((e: Error) => {
      if (!res.headersSent) json(res, e instanceof SyntaxError ? 400 : 500, { error: e instanceof SyntaxError ? `bad JSON: ${e.message}` : 'internal error' });
    });
  };
}

async function isAdmin(ctx: ApiContext, token: string | null): Promise<boolean> {
  if (!token) return false;
  const admin = ctx.config().adminToken;
  if (admin !== null && token.length === admin.length && timingSafeEqual(token, admin)) return true;
  try {
    return (await ctx.verify()(token)).admin;
  } catch (e) {
    if (e instanceof AuthError) return false;
    throw e;
  }
}

function timingSafeEqual(a: string, b: string): boolean {
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}
