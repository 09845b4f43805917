// TLS carries QUIC transport parameters (quic_transport_parameters, RFC 9001
// §8.2) as opaque bytes; their meaning belongs to the QUIC layer above
// (quic/transport_params.ts, RFC 9000 §18). Where the handshake must judge
// them, it asks this hook, which the layer above implements and hands to the
// config (tls/engine.ts `configNew`).

/** A refusal of the peer's transport parameters: a QUIC error code (RFC 9000 §20.1) and why. */
@final
export class TransportParamsError {
  constructor(public code: u64, public reason: string) {}
}

/** What the server remembers of its own parameters in a ticket (`rememberFor0Rtt`). */
export const TP_MEMO_LEN: usize = 32;

export abstract class TransportParamsPolicy {
  /**
   * RFC 9000 §7.4, §18.2: checks the transport parameters the peer sent
   * (`peerIsServer`: they came in EncryptedExtensions, else in the
   * ClientHello). Null when they are acceptable; the handshake fails with
   * the returned code otherwise.
   */
  abstract validate(peerIsServer: bool, ptr: usize, len: usize): TransportParamsError | null;

  /**
   * Server: writes TP_MEMO_LEN bytes to `out` that stand for the limits in
   * our own parameters (`ptr`, `len`) a client may rely on in 0-RTT; they
   * are sealed into the ticket.
   */
  abstract rememberFor0Rtt(ptr: usize, len: usize, out: usize): void;

  /**
   * Server: RFC 9000 §7.4.1 — may 0-RTT be accepted when a ticket remembered
   * `remembered` (TP_MEMO_LEN bytes from `rememberFor0Rtt`) and our
   * parameters are now `ptr`, `len`?
   */
  abstract earlyDataCompatible(remembered: usize, ptr: usize, len: usize): bool;
}
