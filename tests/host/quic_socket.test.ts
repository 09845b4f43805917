// host/quic/socket.ts: the packed address of wit/quic.wit
// (`family u8 (4|6) | ip | port u16 BE`) both ways, and the UDP socket's
// contract the driver relies on (batches in, back-pressure flag out).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bindUdp, decodeAddress, encodeAddress, type AddressedDatagram } from '../../host/quic/socket.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('addresses', () => {
  it('hand-made vectors', () => {
    expect(hex(encodeAddress({ address: '127.0.0.1', port: 4433 }))).toBe('047f0000011151');
    expect(hex(encodeAddress({ address: '::1', port: 443 }))).toBe('06' + '00000000000000000000000000000001' + '01bb');
    expect(hex(encodeAddress({ address: '2001:db8::8a2e:370:7334', port: 65535 }))).toBe('06' + '20010db8000000000000' + '8a2e03707334' + 'ffff');
    expect(hex(encodeAddress({ address: '::ffff:10.0.0.1', port: 1 }))).toBe('06' + '00000000000000000000ffff0a000001' + '0001');
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
      expect(() => encodeAddress({ address, port: 1 }), address).toThrow(RangeError);
    }
    expect(() => encodeAddress({ address: '1.2.3.4', port: 65536 })).toThrow(RangeError);
    expect(() => encodeAddress({ address: '1.2.3.4', port: -1 })).toThrow(RangeError);
    expect(decodeAddress(new Uint8Array(7))).toBeNull();
    expect(decodeAddress(Uint8Array.of(6, 1, 2, 3, 4, 0, 1))).toBeNull();
    expect(decodeAddress(Uint8Array.of(4, ...new Array(18).fill(0)))).toBeNull();
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

  it('pushes back when too many datagrams are in flight, and says when it drained', async () => {
    const a = await bindUdp('127.0.0.1', 0);
    const b = await bindUdp('127.0.0.1', 0);
    try {
      b.onBatch = () => {};
      const drained = new Promise<void>((resolve) => { a.onDrain = resolve; });
      const to = encodeAddress(b.address);
      const small = Array.from({ length: 100 }, () => ({ addr: to, data: new Uint8Array(8) }));
      expect(a.send(small)).toBe(true);
      // the kernel's callbacks come later: 3000 queued in one go are over the limit
      const many = Array.from({ length: 3000 }, () => ({ addr: to, data: new Uint8Array(8) }));
      expect(a.send(many)).toBe(false);
      await drained;
      expect(a.send(small)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
