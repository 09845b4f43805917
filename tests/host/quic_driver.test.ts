// host/quic/driver.ts against the real engine, with a client socket the test
// controls: the loop stops polling `poll-transmit` while the socket pushes
// back and resumes on drain; events reach the connection's sink in order; a
// connection is freed only after its closing period; shutdown closes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quic } from '../../host/core/engine.js';
import { QuicDriver, nowUs } from '../../host/quic/driver.js';
import { bindUdp, encodeAddress, type AddressedDatagram, type DatagramSocket } from '../../host/quic/socket.js';
import { QUIC_EVENT, quicConfig, type QuicWireEvent } from '../../host/quic/wire.js';
import { QuicEndpoint } from '../../host/quic/index.js';
import { TlsConfig } from '../../host/tls/index.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';

const hasOpenssl = requireOpenssl('QUIC driver tests (certificates are made with openssl)');
let pki: Pki;
let server: QuicEndpoint;

beforeAll(async () => {
  if (!hasOpenssl) return;
  pki = makePki();
  server = await QuicEndpoint.listen({ host: '127.0.0.1', alpn: 'echo', tls: { certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem } });
  void (async () => { for await (const c of server) void c; })();
});

afterAll(async () => {
  await server?.close();
});

/** A real UDP socket whose `send` reports back-pressure when the test says so. */
class GatedSocket implements DatagramSocket {
  blocked = false;
  sendCalls = 0;
  sent = 0;
  constructor(readonly inner: DatagramSocket) {
    inner.onBatch = (b) => this.onBatch?.(b);
    inner.onDrain = () => this.onDrain?.();
  }
  onBatch: ((batch: AddressedDatagram[]) => void) | null = null;
  onDrain: (() => void) | null = null;
  get address() { return this.inner.address; }
  send(batch: readonly AddressedDatagram[]): boolean {
    this.sendCalls++;
    this.sent += batch.length;
    this.inner.send(batch);
    return !this.blocked;
  }
  ref() { this.inner.ref(); }
  unref() { this.inner.unref(); }
  close() { return this.inner.close(); }
}

function recorder() {
  const events: QuicWireEvent[] = [];
  let freed = false;
  const waiters: (() => void)[] = [];
  const sink = {
    onEvent(e: QuicWireEvent) { events.push({ ...e, bytes: e.bytes.slice() }); waiters.splice(0).forEach((w) => w()); },
    onFreed() { freed = true; waiters.splice(0).forEach((w) => w()); },
    onFatal(e: Error) { throw e; },
  };
  const until = async (f: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!f()) {
      if (Date.now() > end) throw new Error('condition not reached');
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 20); });
    }
  };
  return { events, sink, until, get freed() { return freed; } };
}

async function client(): Promise<{ driver: QuicDriver; socket: GatedSocket; tls: TlsConfig }> {
  const tls = new TlsConfig({ serverName: 'localhost', alpn: ['echo'], trustAnchorsPem: pki.ecCa.certPem, quic: true, transportParams: new Uint8Array(0) });
  const driver = new QuicDriver(quicConfig({}, 'quic', 'client'), tls.id, { server: false, onDisposed: () => tls.close() });
  const socket = new GatedSocket(await bindUdp('127.0.0.1', 0));
  driver.addSocket(socket);
  return { driver, socket, tls };
}

describe.runIf(hasOpenssl)('the QUIC driver', () => {
  it('stops polling poll-transmit while the socket pushes back, and resumes on drain', async () => {
    const { driver, socket } = await client();
    const r = recorder();
    socket.blocked = true;
    const h = driver.connect(encodeAddress(server.address), 0, new Uint8Array(0), new Uint8Array(0), r.sink);
    driver.pump();
    expect(socket.sendCalls).toBe(1); // the first batch (the Initial) went out, then the socket said stop
    // the server answers and the PTO timer fires (kInitialRtt 333 ms → PTO about 1 s): nothing may be sent meanwhile
    await new Promise((res) => setTimeout(res, 1500));
    expect(socket.sendCalls).toBe(1);
    socket.blocked = false;
    socket.onDrain!();
    await r.until(() => r.events.some((e) => e.kind === QUIC_EVENT.connected));
    expect(socket.sendCalls).toBeGreaterThan(1);
    const connected = r.events.find((e) => e.kind === QUIC_EVENT.connected)!;
    expect(connected.connection).toBe(h);
    expect(Buffer.from(connected.bytes).toString()).toBe('echo');
    await driver.shutdown(1000);
    expect(r.events.at(-1)?.kind).toBe(QUIC_EVENT.closed);
    expect(r.freed).toBe(true);
  });

  it('frees a connection only after its closing period, then the endpoint when asked', async () => {
    const { driver } = await client();
    const r = recorder();
    const h = driver.connect(encodeAddress(server.address), 0, new Uint8Array(0), new Uint8Array(0), r.sink);
    driver.pump();
    await r.until(() => r.events.some((e) => e.kind === QUIC_EVENT.connected));
    expect(driver.openConnections).toBe(1);
    // an application close: the Closed event comes at once, the handle stays until the closing period ends
    quic.close(h, nowUs(), 5n, 'bye', true);
    driver.pump();
    const closed = r.events.find((e) => e.kind === QUIC_EVENT.closed)!;
    expect(closed).toMatchObject({ connection: h, app: true, remote: false, value: 5n });
    expect(driver.openConnections).toBe(0);
    expect(r.freed).toBe(false);
    expect(quic.stats(h).state).toBe(2); // closing (RFC 9000 §10.2.1)
    await r.until(() => r.freed);
    await driver.dispose();
    expect(driver.closed).toBe(true);
  });
});
