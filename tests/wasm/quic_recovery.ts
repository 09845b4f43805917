// Test entry: exposes assembly/quic/ recovery units (rtt.ts, cc*.ts, pacing.ts)
// to tests/quic/{rtt,cc,pacing}.test.ts. One instance of each, replaced by *New().
import { RttEstimator, kInitialRtt, kGranularity } from "../../assembly/quic/rtt";
import { CongestionController, initialWindow, minimumWindow } from "../../assembly/quic/cc";
import { NewReno } from "../../assembly/quic/cc_new_reno";
import { Cubic } from "../../assembly/quic/cc_cubic";
import { Pacer } from "../../assembly/quic/pacing";

export function constants(): u64[] {
  return [kInitialRtt, kGranularity, initialWindow(1200), minimumWindow(1200), initialWindow(1500)];
}

// --- rtt.ts
let rtt = new RttEstimator();
export function rttNew(maxAckDelay: u64): void { rtt = new RttEstimator(maxAckDelay); }
export function rttUpdate(latestRtt: u64, ackDelay: u64, handshakeConfirmed: bool, now: u64): void {
  rtt.updateRtt(latestRtt, ackDelay, handshakeConfirmed, now);
}
/** [latestRtt, minRtt, smoothedRtt, rttvar, firstRttSampleTime, hasSample] */
export function rttState(): u64[] {
  return [rtt.latestRtt, rtt.minRtt, rtt.smoothedRtt, rtt.rttvar, rtt.firstRttSampleTime, rtt.hasSample ? 1 : 0];
}
export function rttPto(ptoCount: u32, includeMaxAckDelay: bool): u64 { return rtt.ptoDuration(ptoCount, includeMaxAckDelay); }
export function rttReset(): void { rtt.reset(); }

// --- cc.ts, cc_new_reno.ts, cc_cubic.ts
let cc: CongestionController = new NewReno(1200);
let ccRtt = new RttEstimator();
/** kind 0 = NewReno, 1 = CUBIC */
export function ccNew(kind: i32, maxDatagramSize: u64): void {
  cc = kind == 0 ? <CongestionController>new NewReno(maxDatagramSize) : <CongestionController>new Cubic(maxDatagramSize);
  ccRtt = new RttEstimator();
}
export function ccSetSmoothedRtt(v: u64): void { ccRtt.smoothedRtt = v; }
export function ccSent(bytes: u64, now: u64): void { cc.onPacketSent(bytes, now); }
export function ccAcked(bytes: u64, largestSentTime: u64, now: u64): void { cc.onPacketsAcked(bytes, largestSentTime, now, ccRtt); }
export function ccLost(bytes: u64, sentTime: u64, now: u64): void {
  cc.removeFromFlight(bytes);
  cc.onCongestionEvent(sentTime, now);
}
export function ccSetAppLimited(v: bool): void { cc.appLimited = v; }
export function ccPersistent(): void { cc.onPersistentCongestion(); }
export function ccInRecovery(sentTime: u64): bool { return cc.inRecovery(sentTime); }
export function ccCanSend(bytes: u64): bool { return cc.canSend(bytes); }
/** [congestionWindow, ssthresh, bytesInFlight, availableWindow, minimumWindow, congestionRecoveryStartTime, hasRecoveryStart] */
export function ccState(): u64[] {
  return [cc.congestionWindow, cc.ssthresh, cc.bytesInFlight, cc.availableWindow, cc.minimumWindow,
    cc.congestionRecoveryStartTime, cc.hasRecoveryStart ? 1 : 0];
}
/** CUBIC only: [wMax, k, wEst, cwndPrior] */
export function cubicState(): f64[] {
  if (!(cc instanceof Cubic)) return [];
  const c = changetype<Cubic>(cc);
  return [c.wMax, c.k, c.wEst, c.cwndPrior];
}

// --- pacing.ts
let pacer = new Pacer(1200);
export function pacerNew(maxDatagramSize: u64): void { pacer = new Pacer(maxDatagramSize); }
export function pacerUpdate(congestionWindow: u64, smoothedRtt: u64): void { pacer.update(congestionWindow, smoothedRtt); }
export function pacerNext(now: u64, bytes: u64): u64 { return pacer.nextSendTime(now, bytes); }
export function pacerSent(now: u64, bytes: u64): void { pacer.onSent(now, bytes); }
export function pacerAvailable(now: u64): u64 { return pacer.available(now); }
export function pacerCapacity(): u64 { return pacer.capacity; }
