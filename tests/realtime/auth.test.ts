// host/realtime/auth.ts: the one token check both transports use — HS256
// with a secret, RS256 and ES256 with a public key, exp / nbf / aud / iss,
// alg none and algorithm confusion refused, sub required.
import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthError, createVerifier, issueToken, tokenOf } from '../../host/realtime/auth.js';
import { loadConfig } from '../../host/realtime/config.js';

const reason = (p: Promise<unknown>) => p.then(() => 'accepted', (e) => (e instanceof AuthError ? e.reason : `other: ${e}`));

describe('realtime auth', () => {
  it('HS256: a good token binds sub; expired, not yet valid, wrong aud/iss, wrong key, alg none, no sub are refused', async () => {
    const c = loadConfig({ JWT_SECRET: 'a-secret-of-16-chars', JWT_AUDIENCE: 'chat', JWT_ISSUER: 'me' });
    const v = createVerifier(c.jwt);
    const key = new TextEncoder().encode('a-secret-of-16-chars');
    const now = Math.floor(Date.now() / 1000);
    const make = (f: (j: SignJWT) => SignJWT = (j) => j, k = key) => f(new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setAudience('chat').setIssuer('me').setExpirationTime(now + 60)).sign(k);
    expect(await v(await make())).toEqual({ userId: 'ann', admin: false });
    expect(await v(await issueToken(c.jwt, 'bob', { admin: true }))).toEqual({ userId: 'bob', admin: true });
    expect(await reason(v(null))).toBe('missing');
    await expect(v(null)).rejects.toMatchObject({ code: 'H3W_ERR_REALTIME_AUTH', name: 'AuthError' });
    expect(await reason(v(await make((j) => j.setExpirationTime(now - 10))))).toBe('expired');
    expect(await reason(v(await make((j) => j.setNotBefore(now + 600))))).toBe('not_yet_valid');
    expect(await reason(v(await make((j) => j.setAudience('x'))))).toBe('claim');
    expect(await reason(v(await make((j) => j.setIssuer('x'))))).toBe('claim');
    expect(await reason(v(await make(undefined, new TextEncoder().encode('another-secret-xx'))))).toBe('signature');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'eve', aud: 'chat', iss: 'me', exp: now + 60 })).toString('base64url')}.`;
    expect(await reason(v(none))).toBe('signature');
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience('chat').setIssuer('me').setExpirationTime(now + 60).sign(key);
    expect(await reason(v(noSub))).toBe('no_subject');
    expect(await reason(v('x'.repeat(9000)))).toBe('malformed');
  });

  it.each([['RS256', 'rsa', {}], ['ES256', 'ec', { namedCurve: 'P-256' }]] as const)('%s with JWT_PUBLIC_KEY; an HS256 token made with the public key is refused', async (alg, type, opts) => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync(type as 'rsa', { modulusLength: 2048, ...opts } as crypto.RSAKeyPairOptions<'pem', 'pem'>);
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const v = createVerifier(loadConfig({ JWT_PUBLIC_KEY: pem }).jwt);
    const good = await new SignJWT({}).setProtectedHeader({ alg }).setSubject('ann').setExpirationTime('1m').sign(privateKey);
    expect((await v(good)).userId).toBe('ann');
    const confused = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('eve').setExpirationTime('1m').sign(new TextEncoder().encode(pem));
    expect(await reason(v(confused))).toBe('signature');
    const other = crypto.generateKeyPairSync(type as 'rsa', { modulusLength: 2048, ...opts } as crypto.RSAKeyPairOptions<'pem', 'pem'>).privateKey;
    expect(await reason(v(await new SignJWT({}).setProtectedHeader({ alg }).setSubject('eve').setExpirationTime('1m').sign(other)))).toBe('signature');
  });

  it('tokenOf reads ?token=', () => {
    expect(tokenOf('/realtime?token=abc')).toBe('abc');
    expect(tokenOf('https://h:1/realtime?x=1&token=a.b.c')).toBe('a.b.c');
    expect(tokenOf('/realtime')).toBeNull();
  });
});
