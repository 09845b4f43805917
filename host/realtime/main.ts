// `npm start`: the demo hub with the configuration from the environment
// (none needed). SIGINT/SIGTERM shut it down gracefully; SIGHUP reloads the
// configuration from process.env and, when REALTIME_ENV_FILE names one, a
// file of KEY=VALUE lines (applied to new connections; refused if invalid).
import fs from 'node:fs';
import { ConfigError } from './config.js';
import { createRealtimeHub } from './hub.js';

function envFile(): Record<string, string> {
  const file = process.env.REALTIME_ENV_FILE;
  if (!file) return {};
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

async function main(): Promise<void> {
  let hub;
  try {
    hub = await createRealtimeHub({ config: { ...process.env, ...envFile() } });
  } catch (e) {
    if (e instanceof ConfigError) { console.error(`h3-wasi realtime: ${e.message}`); process.exit(2); }
    throw e;
  }
  process.stdout.write(`\nrealtime hub: open ${hub.url}\n`);
  process.stdout.write(`  WebSocket    ${hub.wsUrl}\n  WebTransport ${hub.wtUrl ?? 'off (QUIC_ENABLED=false)'}\n`);
  if (hub.config.devTokens) process.stdout.write('  development mode: POST /api/token issues tokens to anyone (set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL for production)\n');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    hub.log.info({ event: 'signal', signal }, 'shutting down');
    void hub.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => {
    try { hub.reload({ ...process.env, ...envFile() }); } catch { /* logged by reload; the old configuration stays */ }
  });
}

void main();
