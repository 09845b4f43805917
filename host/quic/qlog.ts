// Diagnostics files: one qlog trace per connection, and SSLKEYLOGFILE lines
// for Wireshark.
//
// The trace is qlog 0.3 in JSON Text Sequences (RFC 7464: every record
// starts with RS 0x1E and ends with LF): the version qvis reads, and the one
// quiche and ngtcp2 write, so traces of ours and theirs load side by side.
// Events are named "category:event" as in draft-ietf-quic-qlog-quic-events-03
// ("transport:packet_sent", "recovery:metrics_updated"); the later drafts
// keep their data fields and rename them (docs/quic.md has the table). The
// core writes the per-packet, recovery and key events (assembly/quic/qlog.ts)
// with its clock; the host adds connection-level ones. Times are
// milliseconds since the trace started (time_format "relative" to
// reference_time, the start in ms since the Unix epoch), never decreasing.

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const RS = '\x1e';

/** The driver's clock (driver.ts nowUs: hrtime), in ms: the core's event times are on it. */
const clockMs = () => Number(process.hrtime.bigint() / 1000n) / 1000;

export class QlogWriter {
  readonly file: string;
  readonly groupId: string;
  readonly #out: fs.WriteStream;
  readonly #t0: number;
  #last = 0;
  #closed = false;

  private constructor(file: string, groupId: string, role: 'client' | 'server', title: string) {
    this.file = file;
    this.groupId = groupId;
    this.#t0 = clockMs();
    this.#out = fs.createWriteStream(file, { flags: 'a' });
    // a file that cannot be written must not take the connection down
    this.#out.on('error', () => { this.#closed = true; });
    const header = {
      qlog_version: '0.3',
      qlog_format: 'JSON-SEQ',
      title,
      trace: {
        title,
        common_fields: { group_id: groupId, time_format: 'relative', reference_time: Date.now(), protocol_type: ['QUIC'] },
        vantage_point: { name: 'h3-wasi', type: role },
      },
    };
    this.#out.write(`${RS}${JSON.stringify(header)}\n`);
  }

  /**
   * A new trace in `dir` (created when missing), named after a random group
   * id and the vantage point (draft-ietf-quic-qlog-main-schema, QLOGDIR:
   * "<id>_<role>.sqlog"). Null when the file cannot be created.
   */
  static open(dir: string, role: 'client' | 'server', title: string): QlogWriter | null {
    try {
      fs.mkdirSync(dir, { recursive: true });
      const id = randomBytes(8).toString('hex');
      return new QlogWriter(path.join(dir, `${id}_${role}.sqlog`), id, role, title);
    } catch {
      return null;
    }
  }

  /** Milliseconds since the trace started, on the clock `at` (ms), never before the last event. */
  #time(at: number): number {
    const t = Math.max(this.#last, Math.round((at - this.#t0) * 1000) / 1000);
    this.#last = t;
    return t;
  }

  /** One event: `name` with its category ("connectivity:connection_started"). */
  event(name: string, data: Record<string, unknown>): void {
    if (this.#closed) return;
    this.#out.write(`${RS}${JSON.stringify({ time: this.#time(clockMs()), name, data }, bigintToNumber)}\n`);
  }

  /**
   * A record the engine wrote (a JSON object with `name`, `data` and `time`
   * on the driver's clock, rebased here on the trace's start; the host's
   * time when it has none). Something that is not a JSON object is kept as
   * a warning rather than corrupting the sequence.
   */
  raw(json: string): void {
    if (this.#closed) return;
    let rec: Record<string, unknown>;
    try {
      const v = JSON.parse(json) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      rec = v as Record<string, unknown>;
    } catch {
      this.event('generic:warning', { message: `unparseable engine qlog record: ${json.slice(0, 200)}` });
      return;
    }
    rec.time = this.#time(typeof rec.time === 'number' ? rec.time : clockMs());
    this.#out.write(`${RS}${JSON.stringify(rec)}\n`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#out.end();
  }
}

function bigintToNumber(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v;
}

type Address = { address: string; family: 4 | 6; port: number } | null | undefined;

/** qlog 0.3 connection_started data: the two ends of the connection. */
export function connectionStarted(local: Address, remote: Address): Record<string, unknown> {
  const fam = (local ?? remote)?.family;
  return {
    ...(fam ? { ip_version: fam === 4 ? 'ipv4' : 'ipv6' } : {}),
    ...(local ? { src_ip: local.address, src_port: local.port } : {}),
    ...(remote ? { dst_ip: remote.address, dst_port: remote.port } : {}),
    protocol: 'QUIC',
  };
}

/** An address in the migration events (ip, port). */
export function tupleInfo(a: Address): Record<string, unknown> {
  return a ? { ip: a.address, port: a.port } : {};
}

/**
 * Appends NSS key log lines (SSLKEYLOGFILE format) to `file`. Synchronous:
 * a handful of lines per connection, and a line must be on disk before
 * anything encrypted under it can be captured and decrypted.
 */
export function appendKeyLog(file: string, line: string): void {
  try {
    fs.appendFileSync(file, line.endsWith('\n') ? line : `${line}\n`, { mode: 0o600 });
  } catch {
    // like the TLS stacks that support SSLKEYLOGFILE: a key log that cannot be written is skipped
  }
}
