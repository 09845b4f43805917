// The transcript hash (RFC 9846 §4.4.1). Until the cipher suite (and so the
// hash) is known, messages are buffered; then a running hash takes over and
// `current` clones it to read intermediate values.

import { Hash, HashAlg, newHash, hashLen } from "../crypto/hash";
import { Writer } from "../wire/writer";
import { HT_MESSAGE_HASH } from "./constants";

@final
export class Transcript {
  buf: Writer = new Writer();
  hash: Hash | null = null;
  alg: HashAlg = HashAlg.SHA256;
  hashLen: i32 = 32;

  get hasAlg(): bool { return this.hash != null; }

  add(ptr: usize, len: usize): void {
    const h = this.hash;
    if (h != null) h.update(ptr, len);
    else this.buf.bytes(ptr, len);
  }

  /** Fixes the hash; buffered messages are fed to it. */
  setAlg(alg: HashAlg): void {
    if (this.hash != null) return;
    this.alg = alg;
    this.hashLen = hashLen(alg);
    const h = newHash(alg);
    h.update(this.buf.buf, this.buf.len);
    this.hash = h;
    this.buf.release();
  }

  /** Transcript-Hash of everything so far into `out` (hashLen bytes). */
  current(out: usize): void {
    const h = this.hash;
    if (h != null) { h.clone().finish(out); return; }
    const t = newHash(this.alg);
    t.update(this.buf.buf, this.buf.len);
    t.finish(out);
  }

  /** Hash of the transcript so far followed by extra bytes (PSK binders over a partial ClientHello). */
  currentWith(alg: HashAlg, extra: usize, extraLen: usize, out: usize): void {
    const h = this.hash;
    let t: Hash;
    if (h != null) t = h.clone();
    else { t = newHash(alg); t.update(this.buf.buf, this.buf.len); }
    t.update(extra, extraLen);
    t.finish(out);
  }

  /**
   * RFC 9846 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
   * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1).
   */
  replaceWithMessageHash(alg: HashAlg): void {
    this.setAlg(alg);
    const digest = memory.data(64);
    this.current(digest);
    const h = newHash(alg);
    const hdr = memory.data(4);
    store<u8>(hdr, HT_MESSAGE_HASH);
    store<u8>(hdr, 0, 1);
    store<u8>(hdr, 0, 2);
    store<u8>(hdr, <u8>this.hashLen, 3);
    h.update(hdr, 4);
    h.update(digest, <usize>this.hashLen);
    this.hash = h;
  }
}
