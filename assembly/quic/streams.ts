// The streams of one connection (RFC 9000 §2-§4): which exist, who may open
// more (MAX_STREAMS, §4.6), the frames that act on a stream by ID, flow
// control per stream and for the connection, and the send scheduler.
//
// Scheduler: eight urgency levels (0 most urgent, default 3) as in RFC 9218
// §4.1, so HTTP priorities map onto it. Within a level, non-incremental
// streams are sent one after another in the order they became ready (each to
// completion), incremental ones take turns frame by frame (§4.2).

import {
  NO_ERROR, STREAM_LIMIT_ERROR, STREAM_STATE_ERROR, FLOW_CONTROL_ERROR, FRAME_ENCODING_ERROR, TransportError,
} from "./errors";
import { StreamSend, SendState } from "./stream_send";
import { StreamRecv, RecvState } from "./stream_recv";
import { SendCredit, RecvCredit } from "./flow_control";
import {
  isBidi, isLocallyInitiated, canSend, canReceive, nthStreamId, streamIndex, 
  STREAM_CLIENT_BIDI, STREAM_SERVER_BIDI, STREAM_CLIENT_UNI, STREAM_SERVER_UNI,
} from "./stream_id";
import { QuicEventQueue, QuicEventKind } from "./events";
import { QuicConfig } from "./config";
import { MAX_STREAMS_LIMIT } from "./frame";

export const URGENCY_LEVELS: i32 = 8;
export const DEFAULT_URGENCY: u8 = 3;

@final
export class Stream {
  /** Null on a receive-only (peer's unidirectional) stream. */
  send: StreamSend | null = null;
  /** Null on a send-only (our unidirectional) stream. */
  recv: StreamRecv | null = null;
  /** What the peer lets us send on this stream (MAX_STREAM_DATA). */
  sendCredit: SendCredit;
  /** What we let the peer send (our MAX_STREAM_DATA); null without `recv`. */
  recvCredit: RecvCredit | null = null;
  urgency: u8 = DEFAULT_URGENCY;
  incremental: bool = false;
  /** In a scheduler queue. */
  queued: bool = false;
  /** STOP_SENDING we owe the peer (§3.5), with its code. */
  stopSendingPending: bool = false;
  stopSendingSent: bool = false;
  stopSendingCode: u64 = 0;
  /** Edge-triggered readiness (events.ts). */
  readableSignalled: bool = false;
  writableWanted: bool = false;
  sendDoneSignalled: bool = false;
  /** A MAX_STREAM_DATA / STREAM_DATA_BLOCKED we owe. */
  blockedPending: bool = false;
  /** Bytes a reset keeps reliable when RESET_STREAM_AT is negotiated (Connection.setReliablePrefix). */
  reliablePrefix: u64 = 0;

  constructor(readonly id: u64, sendMax: u64) {
    this.sendCredit = new SendCredit(sendMax);
  }

  /** Both halves have reached a terminal state (§3.3): the stream can be forgotten. */
  get isDone(): bool {
    const s = this.send;
    const r = this.recv;
    const sendDone = s == null || s.state == SendState.DataRecvd || s.state == SendState.ResetRecvd;
    const recvDone = r == null || r.state == RecvState.DataRead || r.state == RecvState.ResetRead;
    return sendDone && recvDone;
  }

  /** Whether the scheduler has something of this stream's to send. */
  get wantsToSend(): bool {
    const s = this.send;
    if (s == null) return false;
    if (s.resetPendingSend) return true;
    if (!s.hasPending) return false;
    // new data needs credit; resends and a lone FIN do not
    return true;
  }

  release(): void {
    const s = this.send;
    if (s != null) s.releaseBuffer();
    const r = this.recv;
    if (r != null) r.releaseBuffer();
  }
}

/** The peer's transport parameters that govern streams (RFC 9000 §18.2). */
@final
export class PeerStreamLimits {
  initialMaxData: u64 = 0;
  maxStreamDataBidiLocal: u64 = 0;
  maxStreamDataBidiRemote: u64 = 0;
  maxStreamDataUni: u64 = 0;
  maxStreamsBidi: u64 = 0;
  maxStreamsUni: u64 = 0;
}

export class Streams {
  readonly map: Map<u64, Stream> = new Map();
  /** Connection-level flow control (§4.1): MAX_DATA both ways. */
  connSend: SendCredit = new SendCredit(0);
  connRecv: RecvCredit;
  /** Streams we opened so far, per direction (next index). */
  openedBidi: u64 = 0;
  openedUni: u64 = 0;
  /** How many the peer allows us (its MAX_STREAMS). */
  peerMaxBidi: u64 = 0;
  peerMaxUni: u64 = 0;
  /** Peer-initiated streams: how many exist or existed (highest index + 1). */
  remoteOpenedBidi: u64 = 0;
  remoteOpenedUni: u64 = 0;
  /** Peer-initiated streams that are done: MAX_STREAMS credit returned (§4.6). */
  remoteClosedBidi: u64 = 0;
  remoteClosedUni: u64 = 0;
  /** The MAX_STREAMS we advertised. */
  localMaxBidi: u64;
  localMaxUni: u64;
  maxStreamsBidiPending: bool = false;
  maxStreamsUniPending: bool = false;
  /** STREAMS_BLOCKED we owe (§4.6), at the peer's limit. */
  streamsBlockedBidiPending: bool = false;
  streamsBlockedUniPending: bool = false;
  /** Peer limits for streams opened later (their transport parameters). */
  peer: PeerStreamLimits = new PeerStreamLimits();
  /** Both sides advertised reset_stream_at (draft-ietf-quic-reliable-stream-reset §3). */
  resetStreamAtNegotiated: bool = false;
  /** Streams with something to send, per urgency. */
  private queues: Array<Array<Stream>> = [];
  /** Streams with a MAX_STREAM_DATA or STREAM_DATA_BLOCKED to send. */
  creditQueue: Stream[] = [];
  /** Streams done since the last sweep. */
  private doneList: Stream[] = [];

  constructor(readonly isServer: bool, readonly cfg: QuicConfig, readonly events: QuicEventQueue) {
    this.connRecv = new RecvCredit(cfg.initialMaxData, cfg.maxConnWindow);
    this.localMaxBidi = cfg.maxStreamsBidi;
    this.localMaxUni = cfg.maxStreamsUni;
    for (let i = 0; i < URGENCY_LEVELS; i++) this.queues.push(new Array<Stream>());
  }

  /** The peer's transport parameters arrived (or were remembered for 0-RTT). */
  setPeerLimits(p: PeerStreamLimits): void {
    this.peer = p;
    this.connSend.onMaxData(p.initialMaxData);
    if (p.maxStreamsBidi > this.peerMaxBidi) this.peerMaxBidi = p.maxStreamsBidi;
    if (p.maxStreamsUni > this.peerMaxUni) this.peerMaxUni = p.maxStreamsUni;
    // streams opened before (0-RTT) take the new per-stream limits
    const vals = this.map.values();
    for (let i = 0; i < vals.length; i++) {
      const s = unchecked(vals[i]);
      if (s.send != null) s.sendCredit.onMaxData(this.initialSendMax(s.id));
    }
  }

  /** RFC 9000 §18.2: the peer's initial limit for a stream, seen from our side. */
  private initialSendMax(id: u64): u64 {
    if (!isBidi(id)) return this.peer.maxStreamDataUni;
    // a stream we opened is "remote" to the peer: its initial_max_stream_data_bidi_remote
    return isLocallyInitiated(id, this.isServer) ? this.peer.maxStreamDataBidiRemote : this.peer.maxStreamDataBidiLocal;
  }

  get(id: u64): Stream | null {
    return this.map.has(id) ? this.map.get(id) : null;
  }

  /** Data of `id` came in a 0-RTT packet (StreamRecv.early). */
  markEarly(id: u64): void {
    const s = this.get(id);
    if (s != null && s.recv != null) s.recv!.early = true;
  }

  private create(id: u64): Stream {
    const s = new Stream(id, 0);
    if (canSend(id, this.isServer)) {
      s.send = new StreamSend(this.cfg.sendBuffer, this.cfg.maxRecvRanges);
      s.sendCredit.onMaxData(this.initialSendMax(id));
    }
    if (canReceive(id, this.isServer)) {
      s.recv = new StreamRecv(this.cfg.streamWindow, this.cfg.maxRecvRanges);
      s.recvCredit = new RecvCredit(this.cfg.streamWindow, this.cfg.maxStreamWindow);
    }
    this.map.set(id, s);
    return s;
  }

  /** Whether we may open another stream now (the peer's MAX_STREAMS). */
  canOpen(bidi: bool): bool {
    return bidi ? this.openedBidi < this.peerMaxBidi : this.openedUni < this.peerMaxUni;
  }

  /**
   * Opens our next stream; returns its ID, or u64.MAX_VALUE when the peer's
   * limit is reached (then STREAMS_BLOCKED is queued, §4.6).
   */
  open(bidi: bool): u64 {
    if (!this.canOpen(bidi)) {
      if (bidi) this.streamsBlockedBidiPending = true; else this.streamsBlockedUniPending = true;
      return u64.MAX_VALUE;
    }
    const type: u32 = bidi ? (this.isServer ? STREAM_SERVER_BIDI : STREAM_CLIENT_BIDI) : (this.isServer ? STREAM_SERVER_UNI : STREAM_CLIENT_UNI);
    const id = nthStreamId(type, bidi ? this.openedBidi++ : this.openedUni++);
    this.create(id);
    return id;
  }

  /**
   * The stream a frame from the peer names, opening peer-initiated streams
   * up to it (§3.2: "all streams of that type with lower-numbered stream
   * IDs"). `receiving`: the frame carries data for us (STREAM, RESET_STREAM,
   * STREAM_DATA_BLOCKED) — else it is about our sending (MAX_STREAM_DATA,
   * STOP_SENDING). Null with `err` set on a violation, or null with no error
   * for a stream that existed and is gone (frames for it are ignored).
   */
  forFrame(id: u64, receiving: bool, err: TransportError, frameType: u64): Stream | null {
    // §19.8 etc.: direction — data on a stream we cannot receive on, or
    // MAX_STREAM_DATA / STOP_SENDING on one we cannot send on
    if (receiving ? !canReceive(id, this.isServer) : !canSend(id, this.isServer)) {
      err.set(STREAM_STATE_ERROR, frameType, receiving ? "frame for a send-only stream" : "frame for a receive-only stream");
      return null;
    }
    const existing = this.get(id);
    if (existing != null) return existing;
    const bidi = isBidi(id);
    const index = streamIndex(id);
    if (isLocallyInitiated(id, this.isServer)) {
      // §19.4, §19.5, §19.10: a frame for a locally-initiated stream not yet created
      if (index >= (bidi ? this.openedBidi : this.openedUni)) {
        err.set(STREAM_STATE_ERROR, frameType, "frame for a stream we have not opened");
      }
      return null; // else it is closed and forgotten
    }
    // §4.6: "An endpoint that receives a frame with a stream ID exceeding the
    // limit it has sent MUST treat this as a connection error of type
    // STREAM_LIMIT_ERROR"
    if (index >= (bidi ? this.localMaxBidi : this.localMaxUni)) {
      err.set(STREAM_LIMIT_ERROR, frameType, "stream beyond MAX_STREAMS");
      return null;
    }
    const opened = bidi ? this.remoteOpenedBidi : this.remoteOpenedUni;
    if (index < opened) return null; // existed, done and forgotten
    // open every stream of this type up to `index`
    const type = <u32>(id & 3);
    for (let i = opened; i <= index; i++) {
      const s = this.create(nthStreamId(type, i));
      const e = this.events.push(QuicEventKind.StreamOpened);
      e.streamId = s.id;
    }
    if (bidi) this.remoteOpenedBidi = index + 1; else this.remoteOpenedUni = index + 1;
    return this.get(id);
  }

  /** §19.8: STREAM data. Returns NO_ERROR or the connection error (in `err`). */
  onStreamFrame(id: u64, offset: u64, data: usize, length: u64, fin: bool, now: u64, err: TransportError, frameType: u64): u64 {
    const s = this.forFrame(id, true, err, frameType);
    if (s == null) return err.code;
    const r = s.recv!;
    const credit = s.recvCredit!;
    const before = r.maxReceivedOffset;
    // §4.1: stream-level flow control first (the limit we advertised)
    const end = offset + length;
    if (end > credit.maxData && end >= offset) {
      return err.set(FLOW_CONTROL_ERROR, frameType, "stream data beyond MAX_STREAM_DATA");
    }
    const code = r.onStreamFrame(offset, data, length, fin);
    if (code != NO_ERROR) return err.set(code, frameType, r.reason);
    credit.onReceived(r.maxReceivedOffset);
    // §4.1: connection-level credit is the sum of the streams' highest offsets
    if (r.maxReceivedOffset > before && this.connRecv.onReceivedDelta(r.maxReceivedOffset - before) != NO_ERROR) {
      return err.set(FLOW_CONTROL_ERROR, frameType, "stream data beyond MAX_DATA");
    }
    this.signalReadable(s);
    return NO_ERROR;
  }

  /**
   * §19.4: RESET_STREAM, and draft-ietf-quic-reliable-stream-reset §4
   * RESET_STREAM_AT (`reliableSize` > 0; RESET_STREAM is 0): the same stream
   * state and final-size rules; the StreamReset event comes when the
   * application has read the bytes below the Reliable Size (`read`).
   */
  onResetStream(id: u64, code: u64, finalSize: u64, err: TransportError, frameType: u64, reliableSize: u64 = 0): u64 {
    const s = this.forFrame(id, true, err, frameType);
    if (s == null) return err.code;
    const r = s.recv!;
    const credit = s.recvCredit!;
    if (finalSize > credit.maxData) return err.set(FLOW_CONTROL_ERROR, frameType, "final size beyond MAX_STREAM_DATA");
    const before = r.maxReceivedOffset;
    const wasReset = r.isReset;
    const c = r.onResetStreamAt(code, finalSize, reliableSize);
    if (c != NO_ERROR) return err.set(c, frameType, r.reason);
    if (r.maxReceivedOffset > before && this.connRecv.onReceivedDelta(r.maxReceivedOffset - before) != NO_ERROR) {
      return err.set(FLOW_CONTROL_ERROR, frameType, "final size beyond MAX_DATA");
    }
    // §4.5: the bytes the peer will never send still count as consumed (those
    // below a pending Reliable Size are consumed when the application reads them)
    const delivered = r.resetAtPending && r.reliableSize > before ? r.reliableSize : before;
    if (r.maxReceivedOffset > delivered) this.connRecv.consumed += r.maxReceivedOffset - delivered;
    if (!wasReset && r.isReset) this.pushReset(id, r.resetErrorCode);
    return NO_ERROR;
  }

  private pushReset(id: u64, code: u64): void {
    const e = this.events.push(QuicEventKind.StreamReset);
    e.streamId = id;
    e.value = code;
  }

  /** §19.5: STOP_SENDING — we answer with RESET_STREAM (§3.5). */
  onStopSending(id: u64, code: u64, err: TransportError, frameType: u64): u64 {
    const s = this.forFrame(id, false, err, frameType);
    if (s == null) return err.code;
    const snd = s.send!;
    if (snd.state < SendState.DataRecvd && snd.state != SendState.DataRecvd) {
      const e = this.events.push(QuicEventKind.StreamStopSending);
      e.streamId = id;
      e.value = code;
      // §3.5: "An endpoint that receives a STOP_SENDING frame MUST send a
      // RESET_STREAM frame if the stream is in the Ready or Send state"; we
      // also reset in Data Sent (the peer is not reading the rest).
      if (snd.reset(code)) this.schedule(s);
    }
    return NO_ERROR;
  }

  /** §19.10: MAX_STREAM_DATA. */
  onMaxStreamData(id: u64, limit: u64, err: TransportError, frameType: u64): u64 {
    const s = this.forFrame(id, false, err, frameType);
    if (s == null) return err.code;
    if (s.sendCredit.onMaxData(limit)) {
      this.schedule(s);
      this.signalWritable(s);
    }
    return NO_ERROR;
  }

  /** §19.13: STREAM_DATA_BLOCKED — informational; validates the stream. */
  onStreamDataBlocked(id: u64, err: TransportError, frameType: u64): u64 {
    this.forFrame(id, true, err, frameType);
    return err.code;
  }

  /** §19.11: MAX_STREAMS — limits only grow. */
  onMaxStreams(bidi: bool, max: u64): void {
    if (bidi) {
      if (max > this.peerMaxBidi) {
        this.peerMaxBidi = max;
        const e = this.events.push(QuicEventKind.StreamsAvailable);
        e.value = 1;
      }
    } else if (max > this.peerMaxUni) {
      this.peerMaxUni = max;
      const e = this.events.push(QuicEventKind.StreamsAvailable);
      e.value = 0;
    }
  }

  /** §19.14: STREAMS_BLOCKED — informational; a count beyond 2^60 is FRAME_ENCODING_ERROR. */
  onStreamsBlocked(bidi: bool, max: u64, err: TransportError, frameType: u64): u64 {
    if (max > MAX_STREAMS_LIMIT) return err.set(FRAME_ENCODING_ERROR, frameType, "STREAMS_BLOCKED beyond 2^60");
    return NO_ERROR;
  }

  /** MAX_DATA raised the connection limit: parked streams may send again. */
  onConnCredit(): void {
    const vals = this.map.values();
    for (let i = 0; i < vals.length; i++) {
      const s = unchecked(vals[i]);
      if (s.send != null && s.send!.unsent > 0) this.schedule(s);
    }
  }

  /** Whether some stream has new bytes waiting (DATA_BLOCKED, §4.1). */
  hasNewDataToSend(): bool {
    for (let u = 0; u < URGENCY_LEVELS; u++) {
      const q = unchecked(this.queues[u]);
      for (let i = 0; i < q.length; i++) {
        const snd = unchecked(q[i]).send;
        if (snd != null && snd.unsent > 0) return true;
      }
    }
    return this.connSend.isBlocked;
  }

  // ---- the application's side -------------------------------------------

  /** Appends bytes to a stream; returns how many were taken. */
  write(s: Stream, ptr: usize, len: u64): u64 {
    const snd = s.send;
    if (snd == null) return 0;
    const n = snd.write(ptr, len);
    if (n < len) s.writableWanted = true;
    if (n > 0) this.schedule(s);
    return n;
  }

  finish(s: Stream): bool {
    const snd = s.send;
    if (snd == null || !snd.finish()) return false;
    this.schedule(s);
    return true;
  }

  /** Reads in-order bytes; credits flow control. `now`/`rtt` for window auto-tuning. */
  read(s: Stream, out: usize, max: u64, now: u64, rtt: u64): u64 {
    const r = s.recv;
    if (r == null) return 0;
    const wasReset = r.isReset;
    const n = r.read(out, max);
    s.readableSignalled = false;
    // reliable-stream-reset §5: a RESET_STREAM_AT is reported once its reliable bytes were read
    if (!wasReset && r.isReset) this.pushReset(s.id, r.resetErrorCode);
    if (n > 0) {
      const credit = s.recvCredit!;
      credit.onConsumed(n, now, rtt);
      // the buffer follows the window the peer may fill (stream_recv.ts)
      if (credit.window > r.capacity) r.grow(credit.window);
      if (credit.shouldSendUpdate && !r.finalSizeKnown) this.queueCredit(s);
      this.connRecv.onConsumed(n, now, rtt);
    }
    this.sweep(s);
    return n;
  }

  /** §3.5: the application no longer wants the stream's data. */
  stopSending(s: Stream, code: u64): bool {
    const r = s.recv;
    if (r == null || r.finished || r.isReset || s.stopSendingPending || s.stopSendingSent) return false;
    s.stopSendingPending = true;
    s.stopSendingCode = code;
    this.queueCredit(s);
    return true;
  }

  /**
   * Resets the send side: RESET_STREAM, or RESET_STREAM_AT with the stream's
   * reliable prefix as Reliable Size when negotiated (draft-ietf-quic-reliable-stream-reset §5).
   */
  reset(s: Stream, code: u64): bool {
    const snd = s.send;
    if (snd == null) return false;
    let reliable: u64 = this.resetStreamAtNegotiated ? s.reliablePrefix : 0;
    // RFC 9000 §4.5: the final size (at least the Reliable Size) counts against
    // the peer's limits, so the Reliable Size stays within the credit we have
    if (reliable > snd.sentOffset) {
      const room = min(s.sendCredit.available, this.connSend.available);
      if (reliable - snd.sentOffset > room) reliable = snd.sentOffset + room;
    }
    if (!snd.resetAt(code, reliable)) return false;
    const end = snd.resetFinalSize;
    if (end > s.sendCredit.used) {
      const fresh = end - s.sendCredit.used;
      s.sendCredit.consume(fresh);
      this.connSend.consume(fresh);
    }
    this.schedule(s);
    return true;
  }

  // ---- scheduling ----------------------------------------------------------

  setPriority(s: Stream, urgency: u8, incremental: bool): void {
    const u = urgency < <u8>URGENCY_LEVELS ? urgency : <u8>(URGENCY_LEVELS - 1);
    if (s.queued && s.urgency != u) {
      // a queued stream moves to its new level (else it would be sent at the old one, and park/rotate
      // would look for it in the wrong queue)
      const q = unchecked(this.queues[s.urgency]);
      const i = q.indexOf(s);
      if (i >= 0) q.splice(i, 1);
      unchecked(this.queues[u]).push(s);
    }
    s.urgency = u;
    s.incremental = incremental;
  }

  /** Puts a stream with something to send into its urgency queue. */
  schedule(s: Stream): void {
    if (s.queued || !s.wantsToSend) return;
    s.queued = true;
    unchecked(this.queues[s.urgency]).push(s);
  }

  /**
   * Lost data of `s` must go out again: it moves to the front of its
   * urgency level, ahead of new data of streams sent to completion (a gap
   * blocks the peer's reader, RFC 9000 §13.3).
   */
  scheduleRetransmit(s: Stream): void {
    if (!s.wantsToSend) return;
    const q = unchecked(this.queues[s.urgency]);
    if (s.queued) {
      if (q.length > 0 && unchecked(q[0]) === s) return;
      const i = q.indexOf(s);
      if (i >= 0) q.splice(i, 1);
    }
    s.queued = true;
    q.unshift(s);
  }

  /** The next stream to send from (most urgent first), or null. Drops streams with nothing left. */
  next(): Stream | null {
    for (let u = 0; u < URGENCY_LEVELS; u++) {
      const q = unchecked(this.queues[u]);
      while (q.length > 0) {
        const s = unchecked(q[0]);
        if (s.wantsToSend) return s;
        q.shift();
        s.queued = false;
      }
    }
    return null;
  }

  /** After sending a frame of `s`: incremental streams go to the back of their level. */
  rotate(s: Stream): void {
    const q = unchecked(this.queues[s.urgency]);
    if (!s.wantsToSend) {
      if (q.length > 0 && unchecked(q[0]) === s) { q.shift(); s.queued = false; }
      return;
    }
    if (s.incremental && q.length > 1 && unchecked(q[0]) === s) {
      q.shift();
      q.push(s);
    }
  }

  /** A stream cannot send now (no flow-control credit): it leaves the queue until credit comes. */
  park(s: Stream): void {
    const q = unchecked(this.queues[s.urgency]);
    const i = q.indexOf(s);
    if (i >= 0) q.splice(i, 1);
    s.queued = false;
  }

  queueCredit(s: Stream): void {
    if (!s.blockedPending) {
      s.blockedPending = true;
      this.creditQueue.push(s);
    }
  }

  // ---- events and cleanup --------------------------------------------------

  signalReadable(s: Stream): void {
    const r = s.recv;
    if (r == null || s.readableSignalled) return;
    if (r.readable > 0 || r.state == RecvState.DataRecvd || r.isReset || (r.finalSizeKnown && r.readOffset == r.finalSize)) {
      s.readableSignalled = true;
      const e = this.events.push(QuicEventKind.StreamReadable);
      e.streamId = s.id;
    }
  }

  signalWritable(s: Stream): void {
    const snd = s.send;
    if (snd == null || !s.writableWanted || snd.writable == 0) return;
    s.writableWanted = false;
    const e = this.events.push(QuicEventKind.StreamWritable);
    e.streamId = s.id;
  }

  /** Forgets a stream whose both halves ended; returns MAX_STREAMS credit for peer streams (§4.6). */
  sweep(s: Stream): void {
    if (!s.isDone || !this.map.has(s.id)) return;
    if (s.queued) this.park(s);
    s.release();
    this.map.delete(s.id);
    if (!isLocallyInitiated(s.id, this.isServer)) {
      // §4.6: "endpoints SHOULD send MAX_STREAMS as streams close"; batched:
      // once the peer has less than half its allowance left
      if (isBidi(s.id)) {
        this.remoteClosedBidi++;
        const next = min(this.remoteClosedBidi + this.cfg.maxStreamsBidi, MAX_STREAMS_LIMIT);
        if (next > this.localMaxBidi && this.localMaxBidi - min(this.remoteOpenedBidi, this.localMaxBidi) < (this.cfg.maxStreamsBidi + 1) / 2) {
          this.localMaxBidi = next;
          this.maxStreamsBidiPending = true;
        }
      } else {
        this.remoteClosedUni++;
        const next = min(this.remoteClosedUni + this.cfg.maxStreamsUni, MAX_STREAMS_LIMIT);
        if (next > this.localMaxUni && this.localMaxUni - min(this.remoteOpenedUni, this.localMaxUni) < (this.cfg.maxStreamsUni + 1) / 2) {
          this.localMaxUni = next;
          this.maxStreamsUniPending = true;
        }
      }
    }
  }

  /** How many peer-initiated streams are open (for limits and stats). */
  get count(): i32 { return this.map.size; }

  releaseAll(): void {
    const vals = this.map.values();
    for (let i = 0; i < vals.length; i++) unchecked(vals[i]).release();
    this.map.clear();
  }
}
