// A throwaway Debian redis-server for the scale-out tests (redis.test.ts,
// e2e-chromium.test.ts): on a free loopback port, no persistence. Under CI a
// missing redis-server fails; locally it skips loudly (tests/helpers/peers.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { Peer } from '../helpers/peers.js';

export function redisPeer(): Peer {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? { bin: null, reason: 'redis-server is not installed (Debian package redis-server; build/setup.sh installs it)' } : { bin: 'redis-server', reason: '' };
}

const freePort = () => new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
});

/** Starts redis-server and resolves once it accepts connections. */
export async function startRedis(): Promise<{ url: string; process: ChildProcess; stop(): void }> {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    redis.stdout!.on('data', (d) => { out += d; if (/Ready to accept connections/.test(out)) resolve(); });
    redis.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, process: redis, stop: () => { redis.kill('SIGTERM'); } };
}
