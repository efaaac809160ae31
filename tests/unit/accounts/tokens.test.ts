import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { JwtSettings } from '../../../lib/accounts/settings';
import {
  createAccessTokens,
  familyOf,
  hashRefreshToken,
  IAT_BACKDATE_SECONDS,
  newRefreshToken,
} from '../../../lib/accounts/tokens';

const key = new TextEncoder().encode('k'.repeat(32));
const settings: JwtSettings = { key, claimsNamespace: 'https://hasura.io/jwt/claims', claimsFormat: 'json' };

describe('access tokens', () => {
  it('are HS256 tokens Hasura accepts: role user only, the user id as a string, sub, iat and exp', async () => {
    const token = await createAccessTokens(settings, 900).issue(7);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
    expect(payload['https://hasura.io/jwt/claims']).toEqual({
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': ['user'],
      'x-hasura-user-id': '7',
    });
    expect(payload.sub).toBe('7');
    // iat is backdated (a signer's clock ahead of Hasura's must not make it JWTIssuedAtFuture); exp is not.
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900 + IAT_BACKDATE_SECONDS);
    expect(payload.exp).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 899);
    expect(payload.iss).toBeUndefined();
  });

  it('expire after their lifetime', async () => {
    const past = Date.now() - 901_000;
    const token = await createAccessTokens(settings, 900, () => past).issue(7);
    await expect(jwtVerify(token, key)).rejects.toThrow(/exp/);
  });

  it('carry issuer, audience and a custom namespace in stringified form when configured', async () => {
    const custom: JwtSettings = {
      ...settings,
      issuer: 'appwrite-cloud',
      audience: 'hasura',
      claimsNamespace: 'hasura',
      claimsFormat: 'stringified_json',
    };
    const token = await createAccessTokens(custom, 60).issue(3);
    const { payload } = await jwtVerify(token, key, { issuer: 'appwrite-cloud', audience: 'hasura' });
    expect(JSON.parse(payload.hasura as string)).toMatchObject({ 'x-hasura-user-id': '3' });
  });

  it('sign with a key imported once, for signing only, that cannot be read back', async () => {
    const importKey = jest.spyOn(crypto.subtle, 'importKey');
    const tokens = createAccessTokens(settings, 60);
    await tokens.issue(1);
    await tokens.issue(2);
    expect(importKey).toHaveBeenCalledTimes(1);
    expect(importKey).toHaveBeenCalledWith('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    importKey.mockRestore();
  });

  it('do not verify with another key', async () => {
    const token = await createAccessTokens(settings, 60).issue(1);
    await expect(jwtVerify(token, new TextEncoder().encode('x'.repeat(32)))).rejects.toThrow();
  });
});

describe('refresh tokens', () => {
  const family = '0b5c1e3a-8f4d-4c2b-9e7a-1d2c3b4a5f60';

  it('are the family id and 256 random bits, url-safe, different each time', () => {
    const a = newRefreshToken(family);
    expect(a).toMatch(/^0b5c1e3a-8f4d-4c2b-9e7a-1d2c3b4a5f60\.[A-Za-z0-9_-]{43}$/);
    expect(newRefreshToken(family)).not.toBe(a);
  });

  it('tell their family, and no family for anything else', () => {
    expect(familyOf(newRefreshToken(family))).toBe(family);
    expect(familyOf('A'.repeat(43))).toBeUndefined();
    expect(familyOf('not-a-uuid-not-a-uuid-not-a-uuid-xyz.secret')).toBeUndefined();
  });

  it('give no family to a legacy token (no dot) that happens to start like one', () => {
    expect(familyOf(`${family}${'A'.repeat(43)}`)).toBeUndefined();
    expect(familyOf(`${family}-${'A'.repeat(43)}`)).toBeUndefined();
    expect(familyOf(`x${family}.${'A'.repeat(43)}`)).toBeUndefined();
    expect(familyOf(`${family.toUpperCase()}.${'A'.repeat(43)}`)).toBeUndefined();
    expect(familyOf(`${family.slice(0, 35)}.${'A'.repeat(43)}`)).toBeUndefined();
    expect(familyOf(`0${family}.${'A'.repeat(43)}`)).toBeUndefined();
    expect(familyOf(`${family}.`)).toBe(family);
  });

  it('are stored as a SHA-256 hash only', () => {
    const token = newRefreshToken(family);
    expect(hashRefreshToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRefreshToken(token)).toBe(hashRefreshToken(token));
    expect(hashRefreshToken(token)).not.toContain(token);
  });
});
