import { createHash, randomBytes, type webcrypto } from 'node:crypto';
import { SignJWT } from 'jose';
import type { JwtSettings } from './settings';

/** The only role a signed-up person ever gets: never `admin`, which bypasses every Hasura permission. */
export const USER_ROLE = 'user';

/**
 * How far `iat` is set in the past. Hasura refuses a token whose `iat` is later than its own clock
 * plus `allowed_skew` (default 0: JWTIssuedAtFuture), to the fraction of a second, so a Lambda
 * clock even slightly ahead of Hasura's would make fresh tokens fail. `exp` is not moved: the
 * lifetime still ends ttl seconds after signing.
 */
export const IAT_BACKDATE_SECONDS = 60;

export interface AccessTokens {
  /** Signs a short-lived HS256 token whose claims Hasura accepts. */
  issue(userId: number): Promise<string>;
}

export function createAccessTokens(
  jwt: JwtSettings,
  ttlSeconds: number,
  now: () => number = Date.now,
): AccessTokens {
  // Imported once, on first use: jose would import a raw key again on every signature.
  let signingKey: Promise<webcrypto.CryptoKey> | undefined;
  const key = () => {
    signingKey ??= crypto.subtle.importKey('raw', jwt.key, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    return signingKey;
  };
  return {
    async issue(userId) {
      const claims = {
        'x-hasura-default-role': USER_ROLE,
        'x-hasura-allowed-roles': [USER_ROLE],
        'x-hasura-user-id': String(userId),
      };
      const signedAt = Math.floor(now() / 1000);
      const token = new SignJWT({
        [jwt.claimsNamespace]: jwt.claimsFormat === 'stringified_json' ? JSON.stringify(claims) : claims,
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(String(userId))
        .setIssuedAt(signedAt - IAT_BACKDATE_SECONDS)
        .setExpirationTime(signedAt + ttlSeconds);
      if (jwt.issuer !== undefined) token.setIssuer(jwt.issuer);
      if (jwt.audience !== undefined) token.setAudience(jwt.audience);
      return token.sign(await key());
    },
  };
}

/**
 * A refresh token: `<family id>.<256 random bits>`. Only its SHA-256 is stored. The family id
 * (the session's, a random UUID) lets a rotated token be recognised as reuse after its row is gone.
 */
export function newRefreshToken(familyId: string): string {
  return `${familyId}.${randomBytes(32).toString('base64url')}`;
}

/** A token that starts with a family: a lower-case UUID, then a dot. */
const FAMILY = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\./;

/** The family id a refresh token carries; undefined for a token without one (issued before). */
export function familyOf(token: string): string | undefined {
  return FAMILY.exec(token)?.[1];
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
