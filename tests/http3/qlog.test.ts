// The qlog traces of a real HTTP/3 transfer — `h3-wasi get --qlog-dir` (the
// CLI as users run it) against `serve({ qlogDir })` — validated record by
// record with a zod schema of what we write: qlog 0.3 in JSON Text
// Sequences (RFC 7464: RS 0x1E before, LF after every record), the version
// qvis reads (docs/quic.md "qlog and key log" says why 0.3 and maps the
// names to the current drafts, ../shared/specs/draft-ietf-quic-qlog-*):
// a header with qlog_version/qlog_format and a trace with vantage_point and
// common_fields, then events of {time, name, data} whose names are known and
// whose data have the draft's fields — QUIC packets and frames from the core,
// connection events from the host, and the HTTP/3 events the host writes
// (host/http3/qlog.ts: HEADERS frames sent and received, the peer's SETTINGS).
// Every event name written is in the schema: a new one must be added here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serve, staticHandler, type Http3Server } from '../../host/http3/index.js';
import { headersFrame, settingsData } from '../../host/http3/qlog.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const uint = z.number().int().nonnegative();
const ms = z.number().nonnegative();

const header = z.strictObject({
  qlog_version: z.literal('0.3'),
  qlog_format: z.literal('JSON-SEQ'),
  title: z.string(),
  trace: z.strictObject({
    title: z.string(),
    common_fields: z.strictObject({
      group_id: z.string().regex(/^[0-9a-f]{16}$/),
      time_format: z.literal('relative'),
      reference_time: z.number().int().positive(),
      protocol_type: z.array(z.string()).nonempty(),
    }),
    vantage_point: z.strictObject({ name: z.string(), type: z.enum(['client', 'server']) }),
  }),
});

const streamType = z.enum(['bidirectional', 'unidirectional']);
/** quic-events QuicFrame, as assembly/quic/qlog.ts writes each kind. */
const frame = z.discriminatedUnion('frame_type', [
  z.strictObject({ frame_type: z.literal('padding'), length: uint }),
  z.strictObject({ frame_type: z.literal('ping') }),
  z.strictObject({
    frame_type: z.literal('ack'), ack_delay: ms,
    acked_ranges: z.array(z.union([z.tuple([uint]), z.tuple([uint, uint])])).nonempty(),
    ect0: uint.optional(), ect1: uint.optional(), ce: uint.optional(),
  }),
  z.strictObject({ frame_type: z.literal('reset_stream'), stream_id: uint, error_code: uint, final_size: uint }),
  z.strictObject({ frame_type: z.literal('stop_sending'), stream_id: uint, error_code: uint }),
  z.strictObject({ frame_type: z.literal('crypto'), offset: uint, length: uint }),
  z.strictObject({ frame_type: z.literal('new_token'), token: z.strictObject({ raw: z.strictObject({ length: uint }) }) }),
  z.strictObject({ frame_type: z.literal('max_data'), maximum: uint }),
  z.strictObject({ frame_type: z.literal('max_stream_data'), stream_id: uint, maximum: uint }),
  z.strictObject({ frame_type: z.literal('max_streams'), stream_type: streamType, maximum: uint }),
  z.strictObject({ frame_type: z.literal('data_blocked'), limit: uint }),
  z.strictObject({ frame_type: z.literal('stream_data_blocked'), stream_id: uint, limit: uint }),
  z.strictObject({ frame_type: z.literal('streams_blocked'), stream_type: streamType, limit: uint }),
  z.strictObject({
    frame_type: z.literal('new_connection_id'), sequence_number: uint, retire_prior_to: uint,
    connection_id_length: uint, connection_id: z.string().regex(/^[0-9a-f]*$/),
  }),
  z.strictObject({ frame_type: z.literal('retire_connection_id'), sequence_number: uint }),
  z.strictObject({ frame_type: z.literal('path_challenge'), data: z.string().regex(/^[0-9a-f]{16}$/) }),
  z.strictObject({ frame_type: z.literal('path_response'), data: z.string().regex(/^[0-9a-f]{16}$/) }),
  z.strictObject({
    frame_type: z.literal('connection_close'), error_space: z.enum(['transport', 'application']), error_code: uint,
    trigger_frame_type: uint.optional(), reason: z.string(),
  }),
  z.strictObject({ frame_type: z.literal('handshake_done') }),
  z.strictObject({ frame_type: z.literal('datagram'), length: uint }),
  z.strictObject({ frame_type: z.literal('stream'), stream_id: uint, offset: uint, length: uint, fin: z.boolean() }),
]);

const packetType = z.enum(['initial', 'handshake', '0RTT', '1RTT', 'retry', 'version_negotiation']);
const packet = z.strictObject({
  header: z.object({ packet_type: packetType, packet_number: uint.optional() }),
  raw: z.strictObject({ length: uint }),
  frames: z.array(frame).optional(),
  is_mtu_probe_packet: z.boolean().optional(),
  trigger: z.literal('pto_probe').optional(),
});
const keyType = z.enum(['client_initial_secret', 'server_initial_secret', 'client_handshake_secret', 'server_handshake_secret',
  'client_0rtt_secret', 'server_0rtt_secret', 'client_1rtt_secret', 'server_1rtt_secret']);
const ccState = z.enum(['slow_start', 'congestion_avoidance', 'recovery', 'application_limited']);
const connState = z.enum(['attempted', 'handshake_complete', 'closed']);
/** h3-events HTTP3HTTPField / HTTP3HeadersFrame (the host logs HEADERS only). */
const headersFrameSchema = z.strictObject({
  frame_type: z.literal('headers'),
  headers: z.array(z.strictObject({ name: z.string().regex(/^[:a-z0-9!#$%&'*+.^_`|~-]+$/), value: z.string() })).nonempty(),
});
const ev = <N extends string, D extends z.ZodType>(name: N, data: D) => z.strictObject({ time: ms, name: z.literal(name), data });

const event = z.discriminatedUnion('name', [
  ev('connectivity:connection_started', z.strictObject({
    ip_version: z.enum(['ipv4', 'ipv6']), src_ip: z.string(), src_port: uint, dst_ip: z.string(), dst_port: uint, protocol: z.literal('QUIC'),
  })),
  ev('transport:parameters_set', z.object({ owner: z.enum(['local', 'remote']), initial_max_data: uint, max_idle_timeout: uint })),
  ev('transport:alpn_information', z.strictObject({ chosen_alpn: z.literal('h3') })),
  ev('connectivity:connection_state_updated', z.strictObject({ old: connState.optional(), new: connState })),
  ev('connectivity:connection_closed', z.strictObject({
    owner: z.enum(['local', 'remote']), connection_code: uint.optional(), application_code: uint.optional(), reason: z.string(), trigger: z.string(),
  })),
  ev('connectivity:mtu_updated', z.strictObject({ old: uint.optional(), new: uint })),
  ev('transport:packet_sent', packet),
  ev('transport:packet_received', packet),
  ev('transport:packet_dropped', z.strictObject({
    header: z.strictObject({ packet_type: packetType }), raw: z.strictObject({ length: uint }),
    trigger: z.enum(['key_unavailable', 'decryption_failure', 'duplicate', 'invalid', 'unsupported', 'rejected']),
  })),
  ev('recovery:metrics_updated', z.strictObject({
    min_rtt: ms.optional(), smoothed_rtt: ms.optional(), latest_rtt: ms.optional(), rtt_variance: ms.optional(),
    pto_count: uint.optional(), congestion_window: uint.optional(), bytes_in_flight: uint.optional(), ssthresh: uint.optional(),
  }).refine((d) => Object.keys(d).length > 0, 'empty metrics_updated')),
  ev('recovery:congestion_state_updated', z.strictObject({ old: ccState.optional(), new: ccState })),
  ev('recovery:packet_lost', z.strictObject({
    header: z.strictObject({ packet_type: packetType, packet_number: uint }), trigger: z.enum(['reordering_threshold', 'time_threshold', 'rejected']),
  })),
  ev('security:key_updated', z.strictObject({ key_type: keyType, trigger: z.enum(['tls', 'local_update', 'remote_update']), generation: uint.optional() })),
  ev('security:key_discarded', z.strictObject({ key_type: keyType, trigger: z.enum(['tls', 'local_update', 'remote_update']), generation: uint.optional() })),
  ev('generic:warning', z.strictObject({ message: z.string() })),
  ev('http:parameters_set', z.object({
    owner: z.literal('remote'), max_field_section_size: uint.optional(), max_table_capacity: uint.optional(), blocked_streams_count: uint.optional(),
  }).catchall(uint)),
  ev('http:frame_created', z.strictObject({ stream_id: uint, frame: headersFrameSchema })),
  ev('http:frame_parsed', z.strictObject({ stream_id: uint, frame: headersFrameSchema })),
]);

type Event = z.infer<typeof event>;

/** RFC 7464: every record is RS, a JSON text, LF; returns the parsed texts. */
function jsonSeq(text: string): unknown[] {
  expect(text[0]).toBe('\x1e');
  return text.split('\x1e').slice(1).map((r, i) => {
    expect(r.endsWith('\n'), `record ${i} ends with LF`).toBe(true);
    expect(r.slice(0, -1).includes('\n'), `record ${i} is one line`).toBe(false);
    return JSON.parse(r);
  });
}

let tmp = '';
let server: Http3Server;
const page = Buffer.from('<!doctype html><p>traced</p>\n');

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-qlog-'));
  fs.mkdirSync(path.join(tmp, 'site'));
  fs.writeFileSync(path.join(tmp, 'site', 'page.html'), page);
  server = await serve({ port: 0, tcp: false, qlogDir: path.join(tmp, 'qlog') }, staticHandler(path.join(tmp, 'site')));
  fs.writeFileSync(path.join(tmp, 'cert.pem'), server.certPem);
});
afterAll(async () => {
  await server?.shutdown({ timeoutMs: 500 });
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs `h3-wasi get ARGS`; resolves with its exit code and stderr. */
function cliGet(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const p = spawn(process.execPath, [path.join(root, 'bin', 'h3-wasi.mjs'), 'get', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr!.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => p.once('exit', (code) => resolve({ code, stderr })));
}

describe('qlog of an HTTP/3 transfer (h3-wasi get --qlog-dir ↔ serve({ qlogDir }))', () => {
  it('every record of both traces is JSON-SEQ in the qlog 0.3 shape, with the QUIC and HTTP/3 events of the exchange', async () => {
    const qlogDir = path.join(tmp, 'qlog');
    const out = path.join(tmp, 'out');
    const base = `https://127.0.0.1:${server.port}`;
    const r = await cliGet('-s', '--cacert', path.join(tmp, 'cert.pem'), '--qlog-dir', qlogDir, '--parallel', '--output-dir', out,
      `${base}/page.html`, `${base}/bytes/300000`);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(out, 'page.html'))).toEqual(page);
    expect(fs.statSync(path.join(out, 'bytes', '300000')).size).toBe(300000);
    // the server's trace is complete once its connection is freed (after the closing period)
    let files: string[] = [];
    for (let i = 0; i < 100; i++) {
      files = fs.readdirSync(qlogDir);
      if (files.length === 2 && files.every((f) => fs.readFileSync(path.join(qlogDir, f), 'utf8').includes('"new":"closed"'))) break;
      await new Promise((w) => setTimeout(w, 50));
    }
    expect(files.map((n) => n.replace(/^[0-9a-f]{16}_/, '')).sort()).toEqual(['client.sqlog', 'server.sqlog']);

    for (const file of files) {
      const role = file.endsWith('_client.sqlog') ? 'client' : 'server';
      const [head, ...records] = jsonSeq(fs.readFileSync(path.join(qlogDir, file), 'utf8'));
      const h = header.parse(head);
      expect(h.trace.vantage_point.type).toBe(role);
      expect(file.startsWith(h.trace.common_fields.group_id)).toBe(true);
      const events: Event[] = records.map((rec, i) => {
        const p = event.safeParse(rec);
        if (!p.success) throw new Error(`${role} record ${i + 1} ${JSON.stringify(rec).slice(0, 300)}: ${z.prettifyError(p.error)}`);
        return p.data;
      });
      // times relative to the trace's start, never decreasing
      events.reduce((t, e) => { expect(e.time).toBeGreaterThanOrEqual(t); return e.time; }, 0);
      const names = new Set(events.map((e) => e.name));
      for (const n of ['connectivity:connection_started', 'transport:parameters_set', 'transport:alpn_information', 'transport:packet_sent',
        'transport:packet_received', 'recovery:metrics_updated', 'security:key_updated', 'connectivity:connection_closed',
        'http:parameters_set', 'http:frame_created', 'http:frame_parsed'] as const) {
        expect(names.has(n), `${role} trace has ${n}`).toBe(true);
      }
      const sent = events.filter((e) => e.name === 'transport:packet_sent');
      expect(new Set(sent.map((e) => e.data.header.packet_type))).toEqual(new Set(['initial', 'handshake', '1RTT']));
      // the HEADERS of the two requests and their responses: created on one side, parsed on the other
      const heads = (n: 'http:frame_created' | 'http:frame_parsed') => events.filter((e): e is Extract<Event, { name: typeof n }> => e.name === n)
        .map((e) => ({ stream: e.data.stream_id, fields: Object.fromEntries(e.data.frame.headers.map((x) => [x.name, x.value])) }));
      const requests = heads(role === 'client' ? 'http:frame_created' : 'http:frame_parsed');
      const responses = heads(role === 'client' ? 'http:frame_parsed' : 'http:frame_created');
      expect(requests.map((x) => x.fields[':path']).sort()).toEqual(['/bytes/300000', '/page.html']);
      for (const q of requests) expect(q.fields).toMatchObject({ ':method': 'GET', ':scheme': 'https' });
      expect(responses.map((x) => x.fields[':status'])).toEqual(['200', '200']);
      expect(responses.map((x) => x.stream).sort()).toEqual(requests.map((x) => x.stream).sort());
      // the bytes of the response body went in STREAM frames on the request streams
      const streamBytes = events.flatMap((e) => (e.name === (role === 'server' ? 'transport:packet_sent' : 'transport:packet_received') ? e.data.frames ?? [] : []))
        .filter((f) => f.frame_type === 'stream' && requests.some((q) => q.stream === f.stream_id))
        .reduce((n, f) => n + (f.frame_type === 'stream' ? f.length : 0), 0);
      expect(streamBytes).toBeGreaterThanOrEqual(300000 + page.length);
    }
  }, 60_000);
});

describe('host/http3/qlog.ts', () => {
  it('HEADERS frames list the field lines in order, credentials redacted', () => {
    expect(headersFrame([[':status', '200'], ['set-cookie', 'sid=secret'], ['authorization', 'Bearer x'], ['cookie', 'a=b'], ['proxy-authorization', 'p'], ['x-a', 'v']])).toEqual({
      frame_type: 'headers',
      headers: [{ name: ':status', value: '200' }, { name: 'set-cookie', value: '[redacted]' }, { name: 'authorization', value: '[redacted]' },
        { name: 'cookie', value: '[redacted]' }, { name: 'proxy-authorization', value: '[redacted]' }, { name: 'x-a', value: 'v' }],
    });
  });

  it('the peer\'s SETTINGS by their h3-events names; GREASE and extensions by id', () => {
    const s = new Map<bigint, bigint>([[0x06n, 65536n], [0x01n, 4096n], [0x07n, 16n], [0x08n, 1n], [0x33n, 1n], [0xfen, 5n]]);
    expect(settingsData(s)).toEqual({
      owner: 'remote', max_field_section_size: 65536n, max_table_capacity: 4096n, blocked_streams_count: 16n, extended_connect: 1n, h3_datagram: 1n,
      unknown_0xfe: 5n,
    });
  });
});
