// HTTP/3 settings (RFC 9114 §7.2.4): ours as a SETTINGS frame, the peer's as
// the values the connection acts on. The frame's framing rules (SETTINGS
// first, once; duplicates and HTTP/2 identifiers) are the parser's
// (frame.ts validateSettings, frame_parser.ts); the rules on values are here.

import { Writer } from "../wire/writer";
import { Reader } from "../wire/reader";
import { randomU64 } from "../crypto/random";
import { QuicConfig } from "../quic/config";
import {
  H3_SETTINGS, SETTINGS_MAX_FIELD_SECTION_SIZE, SETTINGS_QPACK_MAX_TABLE_CAPACITY, SETTINGS_QPACK_BLOCKED_STREAMS,
} from "./frame";
import { H3_SETTINGS_ERROR } from "./errors";
import { writeWtSettings, WtPeerSettings } from "./webtransport/settings";

/** RFC 9220 §3 / RFC 8441 §3: SETTINGS_ENABLE_CONNECT_PROTOCOL. */
export const SETTINGS_ENABLE_CONNECT_PROTOCOL: u64 = 0x08;
/** RFC 9297 §2.1.1: SETTINGS_H3_DATAGRAM. */
export const SETTINGS_H3_DATAGRAM: u64 = 0x33;

/** A reserved identifier 0x1f * N + 0x21 (§7.2.4.1 settings, §7.2.8 frame types, §6.2.3 stream types), N random. */
export function greaseId(): u64 {
  return 0x1f * (randomU64() & 0xffff) + 0x21;
}

/** §7.2.4: our SETTINGS frame from the endpoint's config, a reserved setting included (§7.2.4.1). */
export function writeSettings(w: Writer, cfg: QuicConfig, scratch: Writer): void {
  const s = scratch;
  s.clear();
  if (cfg.h3QpackMaxTableCapacity > 0) { s.varint(SETTINGS_QPACK_MAX_TABLE_CAPACITY); s.varint(cfg.h3QpackMaxTableCapacity); }
  s.varint(SETTINGS_MAX_FIELD_SECTION_SIZE); s.varint(cfg.h3MaxFieldSectionSize);
  if (cfg.h3QpackBlockedStreams > 0) { s.varint(SETTINGS_QPACK_BLOCKED_STREAMS); s.varint(cfg.h3QpackBlockedStreams); }
  if (cfg.h3EnableConnectProtocol) { s.varint(SETTINGS_ENABLE_CONNECT_PROTOCOL); s.varint(1); }
  if (cfg.h3Datagram) { s.varint(SETTINGS_H3_DATAGRAM); s.varint(1); }
  writeWtSettings(s, cfg);
  s.varint(greaseId()); s.varint(randomU64() & 0x3fffffff);
  w.varint(H3_SETTINGS);
  w.varint(<u64>s.len);
  w.bytes(s.buf, s.len);
}

/** The peer's settings; §7.2.4.1 defaults until its SETTINGS frame arrives. */
@final
export class PeerSettings {
  received: bool = false;
  /** u64 max = unlimited (the default). */
  maxFieldSectionSize: u64 = u64.MAX_VALUE;
  qpackMaxTableCapacity: u64 = 0;
  qpackBlockedStreams: u64 = 0;
  enableConnectProtocol: bool = false;
  h3Datagram: bool = false;
  /** WebTransport's settings (webtransport/settings.ts). */
  readonly wt: WtPeerSettings = new WtPeerSettings();
  reason: string = "";

  /**
   * Applies a SETTINGS payload the parser validated (pairs of varints at
   * [p, p+len)), appending each pair to `pairs` as { id u64 BE, value u64 BE }
   * (the H3Settings event). 0, or H3_SETTINGS_ERROR (`reason`).
   */
  apply(p: usize, len: usize, r: Reader, pairs: Writer): u64 {
    r.reset(p, len);
    while (!r.atEnd) {
      const id = r.varint();
      const v = r.varint();
      if (r.failed) break;
      pairs.u64(id);
      pairs.u64(v);
      if (id == SETTINGS_MAX_FIELD_SECTION_SIZE) this.maxFieldSectionSize = v;
      else if (id == SETTINGS_QPACK_MAX_TABLE_CAPACITY) this.qpackMaxTableCapacity = v;
      else if (id == SETTINGS_QPACK_BLOCKED_STREAMS) this.qpackBlockedStreams = v;
      else if (id == SETTINGS_ENABLE_CONNECT_PROTOCOL || id == SETTINGS_H3_DATAGRAM) {
        // RFC 8441 §3 (RFC 9220 §3): "... any value other than 0 or 1 MUST be treated as a connection error of type H3_SETTINGS_ERROR"; RFC 9297 §2.1.1 alike
        if (v > 1) { this.reason = "boolean setting other than 0 or 1"; return H3_SETTINGS_ERROR; }
        if (id == SETTINGS_ENABLE_CONNECT_PROTOCOL) this.enableConnectProtocol = v == 1;
        else this.h3Datagram = v == 1;
      } else this.wt.apply(id, v);
      // §7.2.4: unknown settings (grease included) are ignored
    }
    this.received = true;
    return 0;
  }
}
