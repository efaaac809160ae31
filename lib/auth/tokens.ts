import { createHash, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { JwtSettings } from '../config';

/** The only role a signed-up person ever gets (DESIGN.md §4: never `admin`). */
export const USER_ROLE = 'user';

export interface AccessTokens {
  /** Signs a short-lived HS256 token whose claims Hasura accepts. */
  issue(userId: number): Promise<string>;
}

export function createAccessTokens(
  jwt: JwtSettings,
  ttlSeconds: number,
  now: () => number = Date.now,
): AccessTokens {
  return {
    async issue(userId) {
      const claims = {
        'x-hasura-default-role': USER_ROLE,
        'x-hasura-allowed-roles': [USER_ROLE],
        'x-hasura-user-id': String(userId),
      };
      const issuedAt = Math.floor(now() / 1000);
      const token = new SignJWT({
        [jwt.claimsNamespace]: jwt.claimsFormat === 'stringified_json' ? JSON.stringify(claims) : claims,
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(String(userId))
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds);
      if (jwt.issuer !== undefined) token.setIssuer(jwt.issuer);
      if (jwt.audience !== undefined) token.setAudience(jwt.audience);
      return token.sign(jwt.key);
    },
  };
}

/** An opaque refresh token: 256 random bits. Only its SHA-256 is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
