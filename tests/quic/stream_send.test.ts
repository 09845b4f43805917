import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

// SendState
const SEND = 0n, DATA_SENT = 1n, DATA_RECVD = 2n, RESET_SENT = 3n, RESET_RECVD = 4n;
const info = (t: any, h: number) => {
  const [state, ackedOffset, writeOffset, sentOffset, writable, hasPending, hasBuffer, resetFinalSize, finAcked] = [...t.sendInfo(h)] as bigint[];
  return { state, ackedOffset, writeOffset, sentOffset, writable, hasPending, hasBuffer, resetFinalSize, finAcked };
};
type Chunk = { offset: number; length: number; fin: boolean; retransmit: boolean; bytes: Uint8Array };
const emit = (t: any, h: number, max: number): Chunk | null => {
  const bytes = t.sendEmit(h, max);
  if (bytes == null) return null;
  const [o, l, f, r] = [...t.sendLastChunk()] as bigint[];
  return { offset: Number(o), length: Number(l), fin: f === 1n, retransmit: r === 1n, bytes: Uint8Array.from(bytes) };
};

const action = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), n: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('emit' as const), n: fc.integer({ min: 1, max: 150 }) }),
  fc.record({ kind: fc.constant('ack' as const), n: fc.nat() }),
  fc.record({ kind: fc.constant('lost' as const), n: fc.nat() }),
  fc.record({ kind: fc.constant('finish' as const), n: fc.constant(0) }),
);

for (const variant of VARIANTS) {
  describe(`QUIC stream send side (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_streams', variant);

    it('random write / emit / ack / loss sequences deliver every byte exactly once reassembled (fast-check)', () => {
      fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 2000 }), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 16, max: 700 }),
        fc.array(action, { maxLength: 200 }), (data, maxRanges, capacity, actions) => {
          const h = t.sendNew(BigInt(capacity), maxRanges);
          const rx = t.recvNew(1n << 20n, 100000); // the peer: reassembles what arrives
          let written = 0;
          let finished = false;
          let inFlight: Chunk[] = [];
          const check = (c: Chunk) => {
            // every byte handed out is the byte written at that offset
            expect(c.bytes).toEqual(data.slice(c.offset, c.offset + c.length));
            if (c.fin) { expect(finished).toBe(true); expect(c.offset + c.length).toBe(written); }
            const i = info(t, h);
            expect(i.writeOffset - i.ackedOffset).toBeLessThanOrEqual(BigInt(capacity));
          };
          const deliver = (c: Chunk) => expect(t.recvFrame(rx, BigInt(c.offset), c.bytes, c.fin)).toBe(0n);
          let lastRetransmitEnd = -1;
          for (const a of actions) {
            if (a.kind === 'write' && !finished) {
              const n = Math.min(a.n, data.length - written);
              const took = Number(t.sendWrite(h, data.slice(written, written + n)));
              expect(took).toBeLessThanOrEqual(n);
              written += took;
            } else if (a.kind === 'finish' && written === data.length && !finished) {
              expect(t.sendFinish(h)).toBe(true);
              finished = true;
            } else if (a.kind === 'emit') {
              const c = emit(t, h, a.n);
              if (c) {
                check(c);
                // lost data goes out in offset order, before new data
                if (c.retransmit) { expect(c.offset).toBeGreaterThanOrEqual(lastRetransmitEnd); lastRetransmitEnd = c.offset + c.length; }
                inFlight.push(c);
              }
            } else if ((a.kind === 'ack' || a.kind === 'lost') && inFlight.length) {
              const [c] = inFlight.splice(a.n % inFlight.length, 1);
              if (a.kind === 'ack') { deliver(c); t.sendAck(h, BigInt(c.offset), BigInt(c.length), c.fin); }
              else { t.sendLost(h, BigInt(c.offset), BigInt(c.length), c.fin); lastRetransmitEnd = -1; }
            }
          }
          // drain: write the rest, finish, then lose everything in flight and resend until acknowledged
          for (let guard = 0; guard < 10000; guard++) {
            if (written < data.length) written += Number(t.sendWrite(h, data.slice(written)));
            if (written === data.length && !finished) { expect(t.sendFinish(h)).toBe(true); finished = true; }
            for (const c of inFlight) t.sendLost(h, BigInt(c.offset), BigInt(c.length), c.fin);
            inFlight = [];
            for (let c = emit(t, h, 97); c; c = emit(t, h, 97)) { check(c); deliver(c); t.sendAck(h, BigInt(c.offset), BigInt(c.length), c.fin); }
            if (info(t, h).state === DATA_RECVD) break;
          }
          const i = info(t, h);
          expect(i).toMatchObject({ state: DATA_RECVD, ackedOffset: BigInt(data.length), hasPending: 0n, hasBuffer: 0n, finAcked: 1n });
          expect(Uint8Array.from(t.recvRead(rx, 1 << 20))).toEqual(data);
          expect(t.recvInfo(rx)[0]).toBe(3n); // the peer read up to FIN
        }), { numRuns: 150 });
    });

    it('bounds the send buffer and frees acknowledged bytes', () => {
      const h = t.sendNew(10n, 4);
      expect(t.sendWrite(h, new Uint8Array(15).fill(1))).toBe(10n);
      expect(info(t, h).writable).toBe(0n);
      const c = emit(t, h, 4)!;
      expect(c).toMatchObject({ offset: 0, length: 4, fin: false, retransmit: false });
      t.sendAck(h, 0n, 4n, false);
      expect(info(t, h)).toMatchObject({ ackedOffset: 4n, writable: 4n });
      // an acknowledgment out of order frees nothing until the gap is acknowledged
      emit(t, h, 3); emit(t, h, 3);
      t.sendAck(h, 7n, 3n, false);
      expect(info(t, h).writable).toBe(4n);
      t.sendAck(h, 4n, 3n, false);
      expect(info(t, h)).toMatchObject({ ackedOffset: 10n, writable: 10n, hasBuffer: 0n });
      // acknowledgments of bytes never sent are ignored
      t.sendAck(h, 10n, 100n, true);
      expect(info(t, h)).toMatchObject({ ackedOffset: 10n, finAcked: 0n });
    });

    it('resends lost ranges in offset order before new data, with FIN', () => {
      const h = t.sendNew(100n, 4);
      t.sendWrite(h, Uint8Array.from({ length: 30 }, (_, i) => i));
      t.sendFinish(h);
      const a = emit(t, h, 10)!, b = emit(t, h, 10)!, c = emit(t, h, 10)!;
      expect([a.offset, b.offset, c.offset, c.fin]).toEqual([0, 10, 20, true]);
      expect(info(t, h).state).toBe(DATA_SENT);
      expect(emit(t, h, 10)).toBeNull();
      t.sendLost(h, 20n, 10n, true);
      t.sendLost(h, 0n, 10n, false);
      t.sendAck(h, 5n, 2n, false); // part of a lost range acknowledged late
      const r = [emit(t, h, 100)!, emit(t, h, 100)!, emit(t, h, 100)!];
      expect(r.map((x) => [x.offset, x.length, x.fin, x.retransmit])).toEqual([[0, 5, false, true], [7, 3, false, true], [20, 10, true, true]]);
      expect(r[1].bytes).toEqual(Uint8Array.of(7, 8, 9));
      expect(emit(t, h, 100)).toBeNull();
      // a lost FIN-only frame is resent alone
      const g = t.sendNew(100n, 4);
      t.sendWrite(g, Uint8Array.of(1, 2));
      expect(emit(t, g, 10)).toMatchObject({ offset: 0, length: 2, fin: false });
      t.sendFinish(g);
      expect(emit(t, g, 10)).toMatchObject({ offset: 2, length: 0, fin: true });
      t.sendLost(g, 2n, 0n, true);
      expect(emit(t, g, 10)).toMatchObject({ offset: 2, length: 0, fin: true });
      t.sendAck(g, 0n, 2n, false);
      t.sendAck(g, 2n, 0n, true);
      expect(info(t, g).state).toBe(DATA_RECVD);
      expect(t.sendReset(g, 1n)).toBe(false);
    });

    it('keeps the lost set bounded: when full it is coarsened, never grown', () => {
      const h = t.sendNew(1000n, 2);
      t.sendWrite(h, Uint8Array.from({ length: 100 }, (_, i) => i));
      for (let i = 0; i < 10; i++) emit(t, h, 10);
      for (let i = 0; i < 10; i += 2) t.sendLost(h, BigInt(i * 10), 10n, false);
      const out: Chunk[] = [];
      for (let c = emit(t, h, 1000); c; c = emit(t, h, 1000)) out.push(c);
      // every lost range is covered, in order, with correct bytes
      for (const c of out) expect(c.bytes).toEqual(Uint8Array.from({ length: c.length }, (_, i) => c.offset + i));
      const covered = new Set(out.flatMap((c) => Array.from({ length: c.length }, (_, i) => c.offset + i)));
      for (let i = 0; i < 10; i += 2) for (let j = i * 10; j < i * 10 + 10; j++) expect(covered.has(j)).toBe(true);
      expect(out.map((c) => c.offset)).toEqual([...out.map((c) => c.offset)].sort((a, b) => a - b));
    });

    it('RESET_STREAM carries the final size (RFC 9000 §3.1, §19.4) and stops sending', () => {
      const h = t.sendNew(100n, 4);
      t.sendWrite(h, new Uint8Array(50));
      emit(t, h, 20);
      expect(t.sendReset(h, 9n)).toBe(true);
      expect(info(t, h)).toMatchObject({ state: RESET_SENT, resetFinalSize: 20n, hasPending: 0n, hasBuffer: 0n, writable: 0n });
      expect(emit(t, h, 20)).toBeNull();
      expect(t.sendWrite(h, new Uint8Array(5))).toBe(0n);
      expect(t.sendFinish(h)).toBe(false);
      expect(t.sendReset(h, 9n)).toBe(false);
      t.sendLost(h, 0n, 20n, false);
      expect(emit(t, h, 20)).toBeNull();
      t.sendResetAcked(h);
      expect(info(t, h).state).toBe(RESET_RECVD);
      expect(t.sendEmitEmpty(h)).toBe(false);
      expect(SEND).toBe(0n);
    });

    it('RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset §5): bytes below the Reliable Size are still sent and resent, nothing above', () => {
      const h = t.sendNew(100n, 4);
      t.sendWrite(h, Uint8Array.from({ length: 50 }, (_, i) => i));
      t.sendFinish(h);
      expect(emit(t, h, 4)).toEqual({ offset: 0, length: 4, fin: false, retransmit: false, bytes: Uint8Array.of(0, 1, 2, 3) });
      expect(t.sendResetAt(h, 9n, 10n)).toBe(true);
      expect(t.sendResetReliable(h)).toBe(10n);
      expect(t.sendResetPending(h)).toBe(true);
      // final size: the Reliable Size (more than was sent); the buffer is kept for the reliable bytes
      expect(info(t, h)).toMatchObject({ state: RESET_SENT, resetFinalSize: 10n, hasPending: 1n, hasBuffer: 1n, writable: 0n });
      t.sendLost(h, 0n, 4n, false);
      expect(emit(t, h, 20)).toMatchObject({ offset: 0, length: 4, retransmit: true });
      // new data stops at the Reliable Size, without FIN
      expect(emit(t, h, 20)).toEqual({ offset: 4, length: 6, fin: false, retransmit: false, bytes: Uint8Array.of(4, 5, 6, 7, 8, 9) });
      expect(emit(t, h, 20)).toBeNull();
      t.sendResetAcked(h);
      expect(info(t, h).state).toBe(RESET_SENT); // reliable bytes not yet acknowledged
      t.sendLost(h, 4n, 6n, false);
      expect(emit(t, h, 20)).toMatchObject({ offset: 4, length: 6, retransmit: true });
      t.sendAck(h, 0n, 10n, false);
      expect(info(t, h)).toMatchObject({ state: RESET_RECVD, hasPending: 0n, hasBuffer: 0n });
      expect(t.sendResetPending(h)).toBe(false);

      // a Reliable Size below what was sent: the final size is what was sent; lost bytes above it are not resent
      const g = t.sendNew(100n, 4);
      t.sendWrite(g, new Uint8Array(30));
      emit(t, g, 30);
      expect(t.sendResetAt(g, 1n, 5n)).toBe(true);
      expect(info(t, g)).toMatchObject({ resetFinalSize: 30n, hasPending: 0n });
      t.sendLost(g, 0n, 30n, false);
      expect(emit(t, g, 100)).toMatchObject({ offset: 0, length: 5, retransmit: true });
      expect(emit(t, g, 100)).toBeNull();
      // capped at what was written; everything reliable already acknowledged: a plain reset
      const k = t.sendNew(100n, 4);
      t.sendWrite(k, new Uint8Array(3));
      emit(t, k, 3);
      t.sendAck(k, 0n, 3n, false);
      expect(t.sendResetAt(k, 1n, 50n)).toBe(true);
      expect(t.sendResetReliable(k)).toBe(0n);
      expect(info(t, k)).toMatchObject({ resetFinalSize: 3n, hasPending: 0n, hasBuffer: 0n });
    });
  });
}
