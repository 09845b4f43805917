// One WebTransport session (draft-ietf-webtrans-http3 §3): bound to its
// CONNECT stream (the session ID is that stream's ID), its state, and the
// capsules read from that stream (capsule.ts). The coordinator
// (webtransport.ts) drives the transitions:
//
//   server  WAIT_SETTINGS --client SETTINGS--> REQUESTED --2xx--> OPEN --close--> gone
//           (a CONNECT before the client's SETTINGS waits: §3.1, draft versions)
//   client  CONNECTING --2xx--> OPEN; --other final status or reset--> gone (refused)

import { CapsuleParser } from "./capsule";

export const S_WAIT_SETTINGS: i32 = 0;
export const S_REQUESTED: i32 = 1;
export const S_CONNECTING: i32 = 2;
export const S_OPEN: i32 = 3;

@final
export class WtSession {
  state: i32;
  readonly capsules: CapsuleParser = new CapsuleParser();
  /** The peer's WT_CLOSE_SESSION arrived (§6: any later data is H3_MESSAGE_ERROR). */
  closeReceived: bool = false;
  /** We sent WT_CLOSE_SESSION (or FIN) on the CONNECT stream. */
  closeSent: bool = false;
  /** The CONNECT's field section, kept while the session waits for the client's SETTINGS. */
  fields: Uint8Array | null = null;
  /** The host was told the session ended (once). */
  ended: bool = false;
  /** Reading the CONNECT stream (reentrancy guard). */
  reading: bool = false;

  constructor(readonly id: u64, state: i32) {
    this.state = state;
  }

  dispose(): void {
    this.capsules.dispose();
    this.fields = null;
  }
}
