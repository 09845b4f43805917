// Diagnostics files: one qlog trace per connection in the JSON-SEQ
// serialization of the qlog drafts (draft-ietf-quic-qlog-main-schema
// §"QlogFileSeq schema", RFC 7464: every record starts with RS 0x1E and ends
// with LF), and SSLKEYLOGFILE lines for Wireshark.
//
// The header carries the current drafts' fields (file_schema,
// serialization_format) and the qlog 0.3 fields qvis reads (qlog_version,
// qlog_format "JSON-SEQ"), so the file loads in qvis and in tools that follow
// the drafts. Times are milliseconds relative to the connection's start
// (time_format "relative_to_epoch" with the start as the epoch).

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The event schema of draft-ietf-quic-qlog-quic-events-13 (a draft's URI carries its number). */
export const QLOG_QUIC_SCHEMA = 'urn:ietf:params:qlog:events:quic-13';
const RS = '\x1e';

export class QlogWriter {
  readonly file: string;
  readonly groupId: string;
  readonly #out: fs.WriteStream;
  readonly #t0: number;
  #closed = false;

  private constructor(file: string, groupId: string, role: 'client' | 'server', title: string) {
    this.file = file;
    this.groupId = groupId;
    this.#t0 = performance.now();
    this.#out = fs.createWriteStream(file, { flags: 'a' });
    // a file that cannot be written must not take the connection down
    this.#out.on('error', () => { this.#closed = true; });
    const header = {
      // qlog 0.3 (qvis)
      qlog_version: '0.3',
      qlog_format: 'JSON-SEQ',
      // draft-ietf-quic-qlog-main-schema
      file_schema: 'urn:ietf:params:qlog:file:sequential',
      serialization_format: 'application/qlog+json-seq',
      title,
      trace: {
        title,
        common_fields: {
          group_id: groupId,
          time_format: 'relative_to_epoch',
          reference_time: { clock_type: 'system', epoch: new Date().toISOString() },
        },
        vantage_point: { name: 'h3-wasi', type: role },
        event_schemas: [QLOG_QUIC_SCHEMA],
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

  /** Milliseconds since the trace started. */
  get time(): number {
    return Math.round((performance.now() - this.#t0) * 1000) / 1000;
  }

  /** One event: `name` with its namespace ("quic:connection_started"). */
  event(name: string, data: Record<string, unknown>): void {
    if (this.#closed) return;
    this.#out.write(`${RS}${JSON.stringify({ time: this.time, name, data }, bigintToNumber)}\n`);
  }

  /**
   * A record the engine wrote (a JSON object with at least `name`); it gets
   * the host's `time` when it has none. Something that is not a JSON object
   * is kept as a loglevel warning rather than corrupting the sequence.
   */
  raw(json: string): void {
    if (this.#closed) return;
    let rec: Record<string, unknown>;
    try {
      const v = JSON.parse(json) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      rec = v as Record<string, unknown>;
    } catch {
      this.event('loglevel:warning', { message: `unparseable engine qlog record: ${json.slice(0, 200)}` });
      return;
    }
    if (typeof rec.time !== 'number') rec = { time: this.time, ...rec };
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

/** qlog's TupleEndpointInfo for an address (quic-events §"TupleEndpointInfo"). */
export function tupleInfo(a: { address: string; family: 4 | 6; port: number } | null | undefined): Record<string, unknown> {
  if (!a) return {};
  return a.family === 4 ? { ip_v4: a.address, port_v4: a.port } : { ip_v6: a.address, port_v6: a.port };
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
