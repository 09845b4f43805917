// Token checks for both transports (docs/realtime-protocol.md "Endpoints and
// auth"): a JWT from `?token=`, verified with jose against the configured
// key (HS256 secret, RS256/ES256 public key, or a JWKS URL), `exp`, `nbf`,
// `aud` and `iss` checked; its `sub` is the user id bound to the connection.
// The WebSocket upgrade and the WebTransport CONNECT call the same function.
import crypto from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { AuthError } from '../errors.js';
import type { JwtConfig } from './config.js';

export { AuthError };

export interface AuthResult { userId: string; admin: boolean }

const ALGS = { secret: ['HS256'], publicKey: ['RS256', 'ES256'], jwks: ['RS256', 'ES256'] } as const;
const MAX_TOKEN = 8192;

export type TokenVerifier = (token: string | null) => Promise<AuthResult>;

/** A verifier for one JwtConfig (jwks keys are fetched and cached by jose). */
export function createVerifier(jwt: JwtConfig): TokenVerifier {
  const key: Uint8Array | crypto.KeyObject | JWTVerifyGetKey =
    jwt.kind === 'secret' ? jwt.secret : jwt.kind === 'publicKey' ? crypto.createPublicKey(jwt.pem) : createRemoteJWKSet(new URL(jwt.url));
  const options = { algorithms: [...ALGS[jwt.kind]], audience: jwt.audience, issuer: jwt.issuer };
  return async (token) => {
    if (!token) throw new AuthError('missing', 'no token (?token=)');
    if (token.length > MAX_TOKEN) throw new AuthError('malformed', `a token over ${MAX_TOKEN} characters`);
    let payload;
    try {
      // jose refuses alg none and any algorithm outside `algorithms`
      ({ payload } = await jwtVerify(token, key as Uint8Array, options));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new AuthError('expired', 'the token has expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed) {
        if (e.claim === 'nbf') throw new AuthError('not_yet_valid', 'the token is not valid yet');
        throw new AuthError('claim', `the token's ${e.claim} claim is not accepted`);
      }
      if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JOSEAlgNotAllowed || e instanceof joseErrors.JWKSNoMatchingKey) throw new AuthError('signature', 'the token is not signed by an accepted key');
      throw new AuthError('malformed', 'the token is not a valid JWT');
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256) throw new AuthError('no_subject', 'the token has no sub (user id)');
    return { userId: payload.sub, admin: payload.admin === true };
  };
}

/** The token in a request URL's `?token=` (docs/realtime-protocol.md). */
export function tokenOf(url: string): string | null {
  try { return new URL(url, 'http://x').searchParams.get('token'); } catch { return null; }
}

/** A dev token (POST /api/token, tests): HS256 with the configured secret. */
export async function issueToken(jwt: JwtConfig, sub: string, options: { ttlSeconds?: number; admin?: boolean } = {}): Promise<string> {
  if (jwt.kind !== 'secret') throw new Error('tokens are issued only with a JWT secret');
  const t = new SignJWT({ ...(options.admin ? { admin: true } : {}) }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime(`${options.ttlSeconds ?? 3600}s`);
  if (jwt.audience) t.setAudience(jwt.audience);
  if (jwt.issuer) t.setIssuer(jwt.issuer);
  return t.sign(jwt.secret);
}
