// The hub's structured logs (pino): lifecycle, performance problems with
// their figures, errors. Tokens and secrets never reach a record: the
// `redact` paths cover the fields where they could appear.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    name: 'h3-wasi-realtime', level,
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'secret', '*.secret', 'url'], censor: '[redacted]' },
  }, destination);
}

/** A URL without its query (where `?token=` travels), for logs. */
export function safePath(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
