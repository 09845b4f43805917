// host/quic/socket.ts: the packed address of wit/quic.wit
// (`family u8 (4|6) | ip | port u16 BE`) both ways (host/net/address.ts
// underneath), and the contract the driver relies on from the socket it
// wraps (host/net/udp.ts): batches in with packed addresses, back-pressure
// flag out, a drain signal.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bindUdp, decodeAddress, encodeAddress, type AddressedDatagram } from '../../host/quic/socket.js';
import { InvalidArgumentError } from '../../host/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('addresses', () => {
  it('hand-made vectors (host/net/address.ts encodes; an IPv4-mapped address packs as IPv4)', () => {
    expect(hex(encodeAddress({ address: '127.0.0.1', port: 4433 }))).toBe('047f0000011151');
    expect(hex(encodeAddress({ address: '::1', port: 443 }))).toBe('06' + '00000000000000000000000000000001' + '01bb');
    expect(hex(encodeAddress({ address: '2001:db8::8a2e:370:7334', port: 65535 }))).toBe('06' + '20010db8000000000000' + '8a2e03707334' + 'ffff');
    expect(hex(encodeAddress({ address: '::ffff:10.0.0.1', port: 1 }))).toBe('040a0000010001');
    expect(hex(encodeAddress({ address: 'fe80::1%eth0', port: 0 }))).toBe('06' + 'fe800000000000000000000000000001' + '0000');
    expect(decodeAddress(Uint8Array.from(Buffer.from('047f0000011151', 'hex')))).toEqual({ address: '127.0.0.1', family: 4, port: 4433 });
    expect(decodeAddress(Uint8Array.from(Buffer.from('0620010db80000000000008a2e03707334ffff', 'hex')))).toEqual({ address: '2001:db8::8a2e:370:7334', family: 6, port: 65535 });
    // RFC 5952 §4.2.2: a single zero group is not shortened
    expect(decodeAddress(encodeAddress({ address: '2001:db8:0:1:1:1:1:1', port: 5 }))?.address).toBe('2001:db8:0:1:1:1:1:1');
    // §4.2.3: the first of two equally long runs
    expect(decodeAddress(encodeAddress({ address: '2001:0:0:1:0:0:1:1', port: 5 }))?.address).toBe('2001::1:0:0:1:1');
  });

  it('refuses what is not an IP literal or a port; decodes only 7 or 19 bytes of the right family', () => {
    for (const address of ['localhost', '1.2.3', '1.2.3.256', '::1::2', '12345::', '']) {
      expect(() => encodeAddress({ address, port: 1 }), address).toThrow(InvalidArgumentError);
    }
    expect(() => encodeAddress({ address: '1.2.3.4', port: 65536 })).toThrow(InvalidArgumentError);
    expect(() => encodeAddress({ address: '1.2.3.4', port: -1 })).toThrow(InvalidArgumentError);
    expect(decodeAddress(new Uint8Array(7))).toBeNull();
    expect(decodeAddress(Uint8Array.of(6, 1, 2, 3, 4, 0, 1))).toBeNull();
  });

  it('round-trips random IPv4 and IPv6 addresses', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 0, max: 65535 }), (address, port) => {
      const packed = encodeAddress({ address, port });
      const back = decodeAddress(packed)!;
      expect(back.port).toBe(port);
      expect(hex(encodeAddress(back))).toBe(hex(packed));
    }));
  });
});

describe('the UDP socket', () => {
  it('delivers datagrams in batches with packed addresses, and sends to packed addresses', async () => {
    const a = await bindUdp('127.0.0.1', 0);
    const b = await bindUdp('127.0.0.1', 0);
    try {
      const got: AddressedDatagram[] = [];
      const all = new Promise<void>((resolve) => {
        b.onBatch = (batch) => { got.push(...batch); if (got.length >= 20) resolve(); };
      });
      const to = encodeAddress(b.address);
      const list = Array.from({ length: 20 }, (_, i) => ({ addr: to, data: Uint8Array.of(i) }));
      expect(a.send(list)).toBe(true);
      await all;
      expect(got.map((d) => d.data[0]).sort((x, y) => x - y)).toEqual(list.map((d) => d.data[0]));
      expect(got.every((d) => hex(d.addr) === hex(encodeAddress(a.address)))).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('pushes back while the kernel does not take datagrams (child with --test-udp-no-try-send), and says when it drained', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const script = `
      import { bindUdp, encodeAddress } from ${JSON.stringify(path.join(root, 'dist/host/quic/socket.js'))};
      const a = await bindUdp('127.0.0.1', 0);
      const b = await bindUdp('127.0.0.1', 0);
      b.onBatch = () => {};
      const to = encodeAddress(b.address);
      const r = {};
      r.small = a.send(Array.from({ length: 10 }, () => ({ addr: to, data: new Uint8Array(8) })));
      const drained = new Promise((resolve) => { a.onDrain = resolve; });
      // 2000 datagrams of 1000 bytes queued in node: over the 1 MiB high-water mark
      r.many = a.send(Array.from({ length: 2000 }, () => ({ addr: to, data: new Uint8Array(1000) })));
      await drained;
      r.after = a.send(Array.from({ length: 10 }, () => ({ addr: to, data: new Uint8Array(8) })));
      await a.close();
      await b.close();
      console.log(JSON.stringify(r));
    `;
    const run = spawnSync(process.execPath, ['--test-udp-no-try-send', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ small: true, many: false, after: true });
  });
});
