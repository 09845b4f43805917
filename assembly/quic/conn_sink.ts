// What an acknowledgment or a loss of each kind of sent frame means for the
// connection (RFC 9000 §13.3: information is resent, packets never are).

import { LossSink } from "./loss";
import { SentFrame, SentFrameKind } from "./sent_packets";
import { Connection } from "./connection";
import { QuicEventKind } from "./events";
import { SendState } from "./stream_send";
import { LostTrigger } from "./qlog";

export class ConnSink extends LossSink {
  /** Set once by the connection's constructor. */
  conn!: Connection;

  onFrameAcked(space: u32, f: SentFrame): void {
    const c = this.conn;
    switch (f.kind) {
      case SentFrameKind.Stream: {
        const s = c.streams.get(f.streamId);
        if (s == null) break;
        const snd = s.send;
        if (snd == null) break;
        snd.onAck(f.offset, f.length, f.fin);
        c.streams.signalWritable(s);
        if (snd.state == SendState.DataRecvd && !s.sendDoneSignalled) {
          s.sendDoneSignalled = true;
          c.events.push(QuicEventKind.StreamSendDone).streamId = s.id;
        }
        c.streams.sweep(s);
        break;
      }
      case SentFrameKind.Crypto: {
        const sp = unchecked(c.spaces[space]);
        if (!sp.discarded) sp.cryptoSend.onAck(f.offset, f.length, false);
        break;
      }
      // RFC 9000 §13.2.4: the peer saw our ACK; stop acknowledging what it covered
      case SentFrameKind.Ack: unchecked(c.spaces[space]).ack.onAckAcknowledged(f.value); break;
      case SentFrameKind.ResetStream: {
        const s = c.streams.get(f.streamId);
        if (s != null && s.send != null) { s.send!.onResetAcked(); c.streams.sweep(s); }
        break;
      }
      case SentFrameKind.RetireConnectionId: c.remoteCids.onRetireAcked(f.value); break;
      case SentFrameKind.Ping: if (f.value == 1) c.pmtud.onProbeAcked(<u32>f.length, c.now); break;
      default: break;
    }
  }

  onPacketLost(space: u32, pn: u64, byPacketThreshold: bool, rejected: bool): void {
    const c = this.conn;
    const q = c.qlog;
    if (q == null) return;
    q.packetLost(c.now, space, pn, !rejected, rejected ? LostTrigger.Rejected : byPacketThreshold ? LostTrigger.ReorderingThreshold : LostTrigger.TimeThreshold);
  }

  onFrameLost(space: u32, f: SentFrame): void {
    const c = this.conn;
    switch (f.kind) {
      case SentFrameKind.Stream: {
        const s = c.streams.get(f.streamId);
        if (s == null || s.send == null) break;
        s.send!.onLost(f.offset, f.length, f.fin);
        c.streams.scheduleRetransmit(s);
        break;
      }
      case SentFrameKind.Crypto: {
        const sp = unchecked(c.spaces[space]);
        if (!sp.discarded) sp.cryptoSend.onLost(f.offset, f.length, false);
        break;
      }
      case SentFrameKind.ResetStream: {
        const s = c.streams.get(f.streamId);
        if (s != null && s.send != null) { s.send!.onResetLost(); c.streams.schedule(s); }
        break;
      }
      case SentFrameKind.StopSending: {
        const s = c.streams.get(f.streamId);
        if (s != null && s.recv != null && !s.recv!.isReset && !s.recv!.finished) {
          s.stopSendingPending = true;
          s.stopSendingSent = false;
          c.streams.queueCredit(s);
        }
        break;
      }
      case SentFrameKind.MaxData: c.streams.connRecv.onUpdateLost(); break;
      case SentFrameKind.MaxStreamData: {
        const s = c.streams.get(f.streamId);
        if (s != null && s.recvCredit != null && s.recv != null && !s.recv!.finalSizeKnown) {
          s.recvCredit!.onUpdateLost();
          c.streams.queueCredit(s);
        }
        break;
      }
      case SentFrameKind.MaxStreamsBidi: c.streams.maxStreamsBidiPending = true; break;
      case SentFrameKind.MaxStreamsUni: c.streams.maxStreamsUniPending = true; break;
      case SentFrameKind.NewConnectionId: c.localCids.onNewCidLost(f.value); break;
      case SentFrameKind.RetireConnectionId: c.remoteCids.onRetireLost(f.value); break;
      case SentFrameKind.HandshakeDone: c.handshakeDonePending = true; break;
      case SentFrameKind.NewToken: break; // best effort (§19.7: a lost token need not be resent)
      case SentFrameKind.DataBlocked: c.streams.connSend.onBlockedLost(); break;
      case SentFrameKind.StreamDataBlocked: {
        const s = c.streams.get(f.streamId);
        if (s != null) s.sendCredit.onBlockedLost();
        break;
      }
      case SentFrameKind.StreamsBlockedBidi: c.streams.streamsBlockedBidiPending = !c.streams.canOpen(true); break;
      case SentFrameKind.PathChallenge: {
        const pp = c.probePath;
        if (pp != null) pp.onChallengeLost();
        c.path.onChallengeLost();
        break;
      }
      case SentFrameKind.StreamsBlockedUni: c.streams.streamsBlockedUniPending = !c.streams.canOpen(false); break;
      case SentFrameKind.Ping: if (f.value == 1) c.pmtud.onProbeLost(<u32>f.length, c.now); break;
      // DATAGRAM (RFC 9221 §5.2: not retransmitted), PATH_* (validation has its own timer), ACK: nothing
      default: break;
    }
  }
}
