// TEST-ONLY TLS 1.3 record layer (RFC 9846 §5) around the core's sans-IO
// handshake engine, so the engine can talk to `openssl s_server` /
// `openssl s_client` over TCP before QUIC exists. Record protection uses
// node:crypto AEADs with keys derived here from the engine's traffic
// secrets (HKDF-Expand-Label "key"/"iv", RFC 9846 §7.3). Legacy
// change_cipher_spec records (middlebox compatibility) are ignored.
import net from 'node:net';
import crypto from 'node:crypto';
import { TlsConnection, type TlsEvent } from '../../host/tls/index.js';

const CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23;

type Suite = { hash: 'sha256' | 'sha384'; cipher: string; keyLen: number };
const SUITES: Record<number, Suite> = {
  0x1301: { hash: 'sha256', cipher: 'aes-128-gcm', keyLen: 16 },
  0x1302: { hash: 'sha384', cipher: 'aes-256-gcm', keyLen: 32 },
  0x1303: { hash: 'sha256', cipher: 'chacha20-poly1305', keyLen: 32 },
};

/** RFC 9846 §7.1: HKDF-Expand-Label with node:crypto's HMAC. */
export function hkdfExpandLabel(hash: string, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const full = Buffer.from('tls13 ' + label);
  const info = Buffer.concat([Buffer.from([length >> 8, length & 255, full.length]), full, Buffer.from([context.length]), Buffer.from(context)]);
  const out: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    prev = crypto.createHmac(hash, secret).update(Buffer.concat([prev, info, Buffer.from([i])])).digest();
    out.push(prev);
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RFC 9846 §7.3: traffic keys from a secret. */
export function trafficKeys(suite: number, secret: Uint8Array) {
  const s = SUITES[suite];
  return { suite: s, key: hkdfExpandLabel(s.hash, secret, 'key', new Uint8Array(0), s.keyLen), iv: hkdfExpandLabel(s.hash, secret, 'iv', new Uint8Array(0), 12), seq: 0n };
}
type Keys = ReturnType<typeof trafficKeys>;

function nonce(k: Keys): Buffer {
  const n = Buffer.from(k.iv);
  const seq = Buffer.alloc(8);
  seq.writeBigUInt64BE(k.seq++);
  for (let i = 0; i < 8; i++) n[4 + i] ^= seq[i];
  return n;
}

function seal(k: Keys, type: number, data: Uint8Array): Buffer {
  const inner = Buffer.concat([Buffer.from(data), Buffer.from([type])]);
  const len = inner.length + 16;
  const hdr = Buffer.from([CT_APPDATA, 3, 3, len >> 8, len & 255]);
  const c = crypto.createCipheriv(k.suite.cipher as any, k.key, nonce(k), { authTagLength: 16 } as any) as crypto.CipherGCM;
  c.setAAD(hdr);
  return Buffer.concat([hdr, c.update(inner), c.final(), c.getAuthTag()]);
}

function open(k: Keys, hdr: Buffer, body: Buffer): { type: number; data: Buffer } {
  const d = crypto.createDecipheriv(k.suite.cipher as any, k.key, nonce(k), { authTagLength: 16 } as any) as crypto.DecipherGCM;
  d.setAAD(hdr);
  d.setAuthTag(body.subarray(body.length - 16));
  const inner = Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]);
  let end = inner.length;
  while (end > 0 && inner[end - 1] === 0) end--; // RFC 9846 §5.4: strip padding
  return { type: inner[end - 1], data: inner.subarray(0, end - 1) };
}

export interface RecordSession {
  /** Resolves when the handshake completes (rejects on a TLS error). */
  handshake: Promise<void>;
  /** Application data received so far. */
  received(): Buffer;
  /** Resolves once `pred(received())` holds. */
  waitFor(pred: (b: Buffer) => boolean, ms?: number): Promise<Buffer>;
  send(data: Uint8Array): void;
  events: TlsEvent[];
  keylog: string[];
  close(): void;
}

/** Runs `conn` over `socket` with TLS 1.3 records. */
export function runRecordLayer(conn: TlsConnection, socket: net.Socket, isClient: boolean): RecordSession {
  const writeKeys: (Keys | null)[] = [null, null, null, null];
  let readKeys: Keys | null = null;
  let readLevel = 0;
  let buf = Buffer.alloc(0);
  let app = Buffer.alloc(0);
  const events: TlsEvent[] = [];
  const keylog: string[] = [];
  const waiters: (() => void)[] = [];
  let done!: () => void, fail!: (e: Error) => void;
  const handshake = new Promise<void>((res, rej) => { done = res; fail = rej; });
  handshake.catch(() => {});
  let failed: Error | null = null;

  const sendRecord = (level: number, type: number, data: Uint8Array) => {
    const k = writeKeys[level];
    if (!k) {
      for (let i = 0; i < data.length; i += 16384) {
        const part = data.subarray(i, i + 16384);
        socket.write(Buffer.concat([Buffer.from([type, 3, isClient && level === 0 ? 1 : 3, part.length >> 8, part.length & 255]), part]));
      }
    } else {
      for (let i = 0; i < data.length || i === 0; i += 16384) socket.write(seal(k, type, data.subarray(i, i + 16384)));
    }
  };

  const apply = (evs: TlsEvent[]) => {
    for (const e of evs) {
      events.push(e);
      switch (e.kind) {
        case 'data': sendRecord(e.level, CT_HANDSHAKE, e.data); break;
        case 'writeSecret': writeKeys[e.level] = trafficKeys(e.suite, e.secret); break;
        case 'readSecret': readKeys = trafficKeys(e.suite, e.secret); readLevel = e.level; break;
        case 'keylog': keylog.push(e.line); break;
        case 'complete': done(); break;
        case 'error':
          failed = new Error(`TLS error ${e.code.toString(16)} (alert ${e.alert}): ${e.reason}`);
          // RFC 9846 §6.2: send the fatal alert, protected if we can
          if (e.alert) sendRecord(writeKeys[3] ? 3 : writeKeys[2] ? 2 : 0, CT_ALERT, Uint8Array.from([2, e.alert]));
          fail(failed);
          socket.end();
          break;
      }
    }
  };

  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 5 && !failed) {
      const len = buf.readUInt16BE(3);
      if (buf.length < 5 + len) break;
      const hdr = buf.subarray(0, 5);
      const body = buf.subarray(5, 5 + len);
      buf = buf.subarray(5 + len);
      let type = hdr[0];
      let data: Buffer = body;
      if (type === CT_CCS) continue; // RFC 9846 §5: legacy change_cipher_spec is dropped
      if (type === CT_APPDATA && readKeys) ({ type, data } = open(readKeys, Buffer.from(hdr), body));
      if (type === CT_HANDSHAKE) apply(conn.handle(readLevel, data));
      else if (type === CT_APPDATA) { app = Buffer.concat([app, data]); waiters.splice(0).forEach((w) => w()); }
      else if (type === CT_ALERT) {
        if (data[1] === 0) { socket.end(); continue; } // close_notify
        failed = new Error(`peer sent alert ${data[1]}`);
        fail(failed);
      }
    }
  });
  socket.on('error', (e) => fail(e));
  socket.on('close', () => { fail(new Error('connection closed')); waiters.splice(0).forEach((w) => w()); });

  if (isClient) apply(conn.start());

  return {
    handshake, events, keylog,
    received: () => app,
    waitFor(pred, ms = 10000) {
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`timeout; received ${JSON.stringify(app.toString())}`)), ms);
        const check = () => {
          if (pred(app)) { clearTimeout(timer); res(app); return; }
          if (socket.destroyed || socket.readableEnded) { clearTimeout(timer); rej(new Error(`closed; received ${JSON.stringify(app.toString())}`)); return; }
          waiters.push(check);
        };
        check();
      });
    },
    send(data) { sendRecord(3, CT_APPDATA, data); },
    close() {
      if (writeKeys[3]) try { sendRecord(3, CT_ALERT, Uint8Array.from([1, 0])); } catch {}
      socket.end();
      conn.close();
    },
  };
}
