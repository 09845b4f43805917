// The server-trust options the client commands share (`get`, `wt-get`):
// -k/--insecure, --cacert FILE, --pin SHA256 (repeatable).
import type { ArgCursor, UsageError } from './usage.js';

export interface TrustOptions { insecure: boolean; cacert?: string; pins: string[] }

export const TRUST_HELP = `  -k, --insecure          do not verify the server's certificate (a warning is printed)
      --cacert FILE       trust the certificates in FILE (PEM; a self-signed leaf is its own anchor)
      --pin SHA256        accept only a certificate with this SHA-256 (hex; repeatable)`;

/** Takes `a` when it is a trust option (reading its value from `cursor`); false otherwise. */
export function trustOption(a: string, cursor: ArgCursor, o: TrustOptions, usage: (m: string) => UsageError): boolean {
  switch (a) {
    case '-k': case '--insecure': o.insecure = true; return true;
    case '--cacert': o.cacert = cursor.value(); return true;
    case '--pin': {
      const p = cursor.value().replace(/:/g, '');
      if (!/^[0-9a-fA-F]{64}$/.test(p)) throw usage('--pin wants a SHA-256 as 64 hex digits');
      o.pins.push(p);
      return true;
    }
    default: return false;
  }
}

/** The combinations that make no sense. */
export function checkTrust(o: TrustOptions, usage: (m: string) => UsageError): void {
  if (o.insecure && (o.cacert !== undefined || o.pins.length > 0)) throw usage('--insecure verifies nothing: not with --cacert or --pin');
}
