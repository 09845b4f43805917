// The SETTINGS of WebTransport over HTTP/3 (draft-ietf-webtrans-http3), the
// codepoints of each draft generation we speak (README.md: what Chromium
// sends and requires), and the peer's values.

import { Writer } from "../../wire/writer";
import { QuicConfig } from "../../quic/config";

/** draft-02..06: SETTINGS_ENABLE_WEBTRANSPORT (boolean). */
export const SETTINGS_ENABLE_WEBTRANSPORT: u64 = 0x2b603742;
/** draft-07: SETTINGS_WEBTRANSPORT_MAX_SESSIONS. */
export const SETTINGS_WT_MAX_SESSIONS_07: u64 = 0xc671706a;
/** draft-08..12: SETTINGS_WT_MAX_SESSIONS. */
export const SETTINGS_WT_MAX_SESSIONS: u64 = 0x14e9cd29;
/** The current draft §9.2: SETTINGS_WT_ENABLED (and the flow-control settings below). */
export const SETTINGS_WT_ENABLED: u64 = 0x2c7cf000;
export const SETTINGS_WT_INITIAL_MAX_STREAMS_UNI: u64 = 0x2b64;
export const SETTINGS_WT_INITIAL_MAX_STREAMS_BIDI: u64 = 0x2b65;
export const SETTINGS_WT_INITIAL_MAX_DATA: u64 = 0x2b61;

// QC_WT mask bits: which generations' settings we send.
export const WT_DRAFT02: u32 = 1;
export const WT_DRAFT07: u32 = 2;
export const WT_DRAFT08: u32 = 4;
export const WT_LATEST: u32 = 8;

/** Appends our WebTransport settings (id, value varint pairs) to a SETTINGS payload being built. */
export function writeWtSettings(s: Writer, cfg: QuicConfig): void {
  const m = cfg.wtDrafts;
  if (m == 0) return;
  if (m & WT_DRAFT02) { s.varint(SETTINGS_ENABLE_WEBTRANSPORT); s.varint(1); }
  if (m & WT_DRAFT07) { s.varint(SETTINGS_WT_MAX_SESSIONS_07); s.varint(cfg.wtMaxSessions); }
  if (m & WT_DRAFT08) { s.varint(SETTINGS_WT_MAX_SESSIONS); s.varint(cfg.wtMaxSessions); }
  if (m & WT_LATEST) { s.varint(SETTINGS_WT_ENABLED); s.varint(1); }
}

/** What the peer's SETTINGS say about WebTransport. */
@final
export class WtPeerSettings {
  enableWebtransport: bool = false;
  maxSessions07: u64 = 0;
  maxSessions: u64 = 0;
  wtEnabled: bool = false;

  /** Records `id` = `v` when it is one of ours; false for any other id. */
  apply(id: u64, v: u64): bool {
    if (id == SETTINGS_ENABLE_WEBTRANSPORT) this.enableWebtransport = v != 0;
    else if (id == SETTINGS_WT_MAX_SESSIONS_07) this.maxSessions07 = v;
    else if (id == SETTINGS_WT_MAX_SESSIONS) this.maxSessions = v;
    else if (id == SETTINGS_WT_ENABLED) this.wtEnabled = v != 0;
    else return false;
    return true;
  }

  /** The peer supports WebTransport in some generation we speak (`mask`: ours). */
  supports(mask: u32): bool {
    return ((mask & WT_DRAFT02) != 0 && this.enableWebtransport)
      || ((mask & WT_DRAFT07) != 0 && this.maxSessions07 > 0)
      || ((mask & WT_DRAFT08) != 0 && this.maxSessions > 0)
      || ((mask & WT_LATEST) != 0 && this.wtEnabled);
  }
}
