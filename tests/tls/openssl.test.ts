// Interop with OpenSSL's TLS 1.3 (s_server / s_client) over TCP on loopback,
// through the shipped component (host/tls -> dist/engine) and the test-only
// record layer in tests/peers/tls-record.ts. Both directions, ECDSA and RSA
// chains, application data both ways, and the key log compared line by line
// with OpenSSL's -keylogfile for the same connection.
import { describe, expect, it, beforeAll } from 'vitest';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { makePki, requireOpenssl, type Pki } from './pki.js';
import { TlsConfig, TlsConnection, CIPHER_SUITES as CS, GROUPS, type TlsOptions } from '../../host/tls/index.js';
import { runRecordLayer, trafficKeys } from '../peers/tls-record.js';

const hasOpenssl = requireOpenssl('OpenSSL TLS 1.3 interop');

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => res(p)); });
  });
}

function spawnOpenssl(args: string[]): { proc: ChildProcess; out: () => string; waitOut: (re: RegExp, ms?: number) => Promise<void> } {
  const proc = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => { out += d.toString(); waiters.splice(0).forEach((w) => w()); };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  return {
    proc, out: () => out,
    waitOut: (re, ms = 10000) => new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`timeout waiting for ${re}; openssl said:\n${out}`)), ms);
      const check = () => { if (re.test(out)) { clearTimeout(timer); res(); } else waiters.push(check); };
      check();
    }),
  };
}

const readKeylog = (f: string) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).sort();

describe.runIf(hasOpenssl)('OpenSSL TLS 1.3 interop (component through host/tls)', () => {
  let pki: Pki;
  beforeAll(() => { pki = makePki(); });

  const serverCases = [
    { name: 'ECDSA P-256 chain', leaf: () => pki.ecLeaf, ca: () => pki.ecCa, extra: [] as string[] },
    { name: 'RSA-2048 chain (rsa_pss_rsae_sha256)', leaf: () => pki.rsaLeaf, ca: () => pki.rsaCa, extra: [] as string[] },
    { name: 'ECDSA chain, TLS_CHACHA20_POLY1305_SHA256, HelloRetryRequest to P-256', leaf: () => pki.ecLeaf, ca: () => pki.ecCa, extra: ['-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256', '-groups', 'P-256'], hrr: true },
    { name: 'RSA chain, TLS_AES_256_GCM_SHA384', leaf: () => pki.rsaLeaf, ca: () => pki.rsaCa, extra: ['-ciphersuites', 'TLS_AES_256_GCM_SHA384'] },
  ];

  for (const c of serverCases) {
    it(`our client <-> openssl s_server: ${c.name}`, async () => {
      const port = await freePort();
      const keylogFile = path.join(pki.dir, `s_server-${port}.keys`);
      const srv = spawnOpenssl(['s_server', '-tls1_3', '-accept', String(port), '-cert', c.leaf().certFile, '-key', c.leaf().keyFile,
        '-rev', '-naccept', '1', '-keylogfile', keylogFile, '-alpn', 'interop', ...c.extra]);
      try {
        await srv.waitOut(/ACCEPT/);
        const cfg = new TlsConfig({ serverName: 'localhost', trustAnchorsPem: c.ca().certPem, alpn: ['interop'], quic: false, keyLog: true,
          cipherSuites: [CS.TLS_AES_128_GCM_SHA256, CS.TLS_AES_256_GCM_SHA384, CS.TLS_CHACHA20_POLY1305_SHA256] });
        const socket = net.connect(port, '127.0.0.1');
        const s = runRecordLayer(new TlsConnection(cfg), socket, true);
        await s.handshake;
        const complete = s.events.find((e) => e.kind === 'complete') as any;
        expect(complete.alpn).toBe('interop');
        const hellos = s.events.filter((e) => e.kind === 'data' && e.level === 0).length;
        expect(hellos).toBe((c as any).hrr ? 2 : 1);
        // application data both ways: s_server -rev answers each line reversed
        s.send(new TextEncoder().encode('hello from h3-wasi\n'));
        const got = await s.waitFor((b) => b.toString().includes('isaw-3h morf olleh'));
        expect(got.toString()).toContain('isaw-3h morf olleh');
        // the key log: identical lines to OpenSSL's for this connection
        await new Promise((r) => setTimeout(r, 50));
        expect(readKeylog(keylogFile).length).toBe(5);
        expect(s.keylog.sort()).toEqual(readKeylog(keylogFile));
        // and the logged secrets reproduce the keys that protected the records we just exchanged
        const appSecret = s.keylog.find((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0'))!.split(' ')[2];
        const w = s.events.find((e) => e.kind === 'writeSecret' && e.level === 3) as any;
        expect(trafficKeys(w.suite, Buffer.from(appSecret, 'hex')).key).toEqual(trafficKeys(w.suite, w.secret).key);
        s.close();
        cfg.close();
      } finally {
        srv.proc.kill();
      }
    });
  }

  const clientCases = [
    { name: 'ECDSA P-256 chain', leaf: () => pki.ecLeaf, ca: () => pki.ecCa, opts: {} as TlsOptions, extra: [] as string[] },
    { name: 'RSA CA -> ECDSA leaf chain', leaf: () => pki.ecLeafRsaCa, ca: () => pki.rsaCa, opts: {} as TlsOptions, extra: [] as string[] },
    { name: 'ECDSA chain, TLS_AES_256_GCM_SHA384, HelloRetryRequest to P-256', leaf: () => pki.ecLeaf, ca: () => pki.ecCa,
      opts: { groups: [GROUPS.secp256r1] } as TlsOptions, extra: ['-ciphersuites', 'TLS_AES_256_GCM_SHA384'], hrr: true },
  ];

  for (const c of clientCases) {
    it(`openssl s_client <-> our server: ${c.name}`, async () => {
      const keylogFile = path.join(pki.dir, `s_client-${Date.now()}.keys`);
      const cfg = new TlsConfig({ server: true, certChainPem: c.leaf().certPem + c.ca().certPem, privateKeyPem: c.leaf().keyPem,
        alpn: ['interop'], quic: false, keyLog: true, ...c.opts });
      let session: ReturnType<typeof runRecordLayer> | null = null;
      const server = net.createServer((sock) => { session = runRecordLayer(new TlsConnection(cfg), sock, false); });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as net.AddressInfo).port;
      const cli = spawnOpenssl(['s_client', '-tls1_3', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', c.ca().certFile,
        '-verify_return_error', '-verify_hostname', 'localhost', '-alpn', 'interop', '-keylogfile', keylogFile, '-ign_eof', ...c.extra]);
      try {
        await cli.waitOut(/Verify return code: 0 \(ok\)/);
        const s = session!;
        await s.handshake;
        expect(cli.out()).toMatch(/ALPN protocol: interop/);
        expect(s.events.filter((e) => e.kind === 'data' && e.level === 0).length).toBe((c as any).hrr ? 2 : 1);
        s.send(new TextEncoder().encode('hello from h3-wasi server\n'));
        await cli.waitOut(/hello from h3-wasi server/);
        cli.proc.stdin!.write('ping from openssl\n');
        const got = await s.waitFor((b) => b.toString().includes('ping from openssl'));
        expect(got.toString()).toContain('ping from openssl');
        expect(readKeylog(keylogFile).length).toBe(5);
        expect(s.keylog.sort()).toEqual(readKeylog(keylogFile));
        s.close();
      } finally {
        cli.proc.kill();
        server.close();
        cfg.close();
      }
    });
  }

  it('our client refuses openssl s_server with a certificate for another name (bad_certificate)', async () => {
    const port = await freePort();
    const srv = spawnOpenssl(['s_server', '-tls1_3', '-accept', String(port), '-cert', pki.ecLeaf.certFile, '-key', pki.ecLeaf.keyFile, '-naccept', '1']);
    try {
      await srv.waitOut(/ACCEPT/);
      const cfg = new TlsConfig({ serverName: 'not-localhost.example', trustAnchorsPem: pki.ecCa.certPem, quic: false });
      const s = runRecordLayer(new TlsConnection(cfg), net.connect(port, '127.0.0.1'), true);
      await expect(s.handshake).rejects.toThrow(/alert 42/);
      await srv.waitOut(/alert bad certificate/i);
      cfg.close();
    } finally {
      srv.proc.kill();
    }
  });
});
