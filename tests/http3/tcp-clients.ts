// Node's own HTTP/1.1 (node:https) and HTTP/2 (node:http2) clients for the
// TCP server tests, trusting the server's development certificate as `ca`.
import http2 from 'node:http2';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export type Proto = 'h1' | 'h2';

export interface ClientResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** 'http/1.1' or 'h2', from the TLS socket. */
  alpn: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

/** The response head and its body as a Node stream, not read yet. */
export interface StreamingResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
  alpn: string;
  /** Drops the request/connection (the client goes away). */
  destroy(): void;
}

export function requestStream(proto: Proto, port: number, ca: string, path: string, o: RequestOptions = {}): Promise<StreamingResponse> {
  return proto === 'h1' ? h1(port, ca, path, o) : h2(port, ca, path, o);
}

export async function request(proto: Proto, port: number, ca: string, path: string, o: RequestOptions = {}): Promise<ClientResponse> {
  const r = await requestStream(proto, port, ca, path, o);
  const parts: Buffer[] = [];
  for await (const c of r.body) parts.push(c as Buffer);
  return { status: r.status, headers: r.headers, body: Buffer.concat(parts), alpn: r.alpn };
}

function h1(port: number, ca: string, path: string, o: RequestOptions): Promise<StreamingResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', servername: 'localhost', port, path, method: o.method ?? 'GET', headers: o.headers, ca, agent: false,
      ALPNProtocols: ['http/1.1'],
    }, (res) => {
      const alpn = (res.socket as import('node:tls').TLSSocket).alpnProtocol || '';
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, alpn, destroy: () => req.destroy() });
    });
    req.on('error', reject);
    req.end(o.body === undefined ? undefined : Buffer.from(o.body as Uint8Array));
  });
}

function h2(port: number, ca: string, path: string, o: RequestOptions): Promise<StreamingResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca, servername: 'localhost' });
    session.on('error', reject);
    const stream = session.request({ ':method': o.method ?? 'GET', ':path': path, ...o.headers }, { endStream: o.body === undefined });
    stream.on('error', reject);
    stream.on('response', (h) => {
      const { ':status': status, ...headers } = h;
      stream.on('close', () => session.close());
      resolve({
        status: Number(status), headers: headers as IncomingHttpHeaders, body: stream,
        alpn: session.alpnProtocol ?? '', destroy: () => session.destroy(),
      });
    });
    if (o.body !== undefined) stream.end(Buffer.from(o.body as Uint8Array));
  });
}
