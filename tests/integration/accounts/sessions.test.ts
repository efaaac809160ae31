import { jwtVerify } from 'jose';
import { createAccounts, type Session } from '../../../lib/accounts';
import { createPasswords } from '../../../lib/accounts/passwords';
import { createAccessTokens, hashRefreshToken } from '../../../lib/accounts/tokens';
import { createRateLimiter } from '../../../lib/action/rate-limit';
import type { AppError } from '../../../lib/basics/errors';
import { startTestHasura, type TestHasura } from '../../helpers/hasura';
import { memoryMail } from '../../helpers/mail';
import { outcome as code } from '../../helpers/outcome';

/**
 * Sessions: Signin and its limits, RefreshToken's rotation, Signout; and Signup with email
 * verification lifted, which answers a session.
 */

const key = new TextEncoder().encode('test-jwt-key-that-is-at-least-32-characters');
const jwt = { key, claimsNamespace: 'https://hasura.io/jwt/claims', claimsFormat: 'json' as const };

let hasura: TestHasura;
let clock = Date.now();

beforeAll(async () => {
  hasura = await startTestHasura();
});
afterAll(() => hasura.close());
beforeEach(async () => {
  clock = Date.now();
  await hasura.emptyTables();
  checked.count = 0;
});

const checked = { count: 0 };

/**
 * One service instance: what one Lambda builds. Several share the one database. These tests run
 * with email verification lifted, so that Signup answers sessions as in the tutorial.
 */
function accounts(overrides: { signinMaxFailures?: number; signinMaxFailuresPerEmail?: number } = {}) {
  const passwords = createPasswords(10);
  const verify = passwords.verify.bind(passwords);
  passwords.verify = (password, hash) => {
    checked.count++;
    return verify(password, hash);
  };
  return createAccounts({
    hasura: hasura.client,
    passwords,
    accessTokens: createAccessTokens(jwt, 900, () => clock),
    limiter: createRateLimiter({ hasura: hasura.client, now: () => clock }),
    config: {
      refreshTokenTtlSeconds: 3600,
      sessionMaxSeconds: 7200,
      maxSessionsPerUser: 3,
      signinMaxFailures: 3,
      signinMaxFailuresPerEmail: 10,
      signinWindowSeconds: 300,
      signinEmailWindowSeconds: 3600,
      requireEmailVerification: false,
      ...overrides,
    },
    accounts: {
      requireEmailVerification: false,
      verificationTtlSeconds: 86400,
      passwordResetTtlSeconds: 3600,
    },
    mailer: memoryMail().mailer,
    now: () => clock,
  });
}

async function signup(credentials: { email: string; password: string }): Promise<Session> {
  const { accessToken, refreshToken } = await accounts().signup(credentials);
  if (accessToken === null || refreshToken === null) throw new Error('Signup answered no session');
  return { accessToken, refreshToken };
}

const rows = (sql: string) => hasura.rows(sql);

describe('Signup with email verification lifted (REQUIRE_EMAIL_VERIFICATION=false)', () => {
  it('stores the user with a bcrypt hash and answers an access token for that user', async () => {
    const { accessToken, refreshToken } = await signup({
      email: 'ada@example.com',
      password: 'correct horse',
    });
    const [user] = await rows('SELECT id, email, password_hash FROM "user"');
    expect(user).toMatchObject({ id: 1, email: 'ada@example.com' });
    expect(String(user?.password_hash)).toMatch(/^\$2[ab]\$10\$/);
    const { payload } = await jwtVerify(accessToken, key);
    expect(payload['https://hasura.io/jwt/claims']).toMatchObject({
      'x-hasura-user-id': '1',
      'x-hasura-default-role': 'user',
    });
    expect(refreshToken).toMatch(/^[0-9a-f-]{36}\.[\w-]{43}$/);
  });

  it('stores only the hash of the refresh token', async () => {
    const { refreshToken } = await signup({ email: 'ada@example.com', password: 'correct horse' });
    const stored = await rows('SELECT token_hash FROM refresh_token');
    expect(stored).toEqual([{ token_hash: hashRefreshToken(refreshToken) }]);
    expect(JSON.stringify(await rows('SELECT * FROM refresh_token'))).not.toContain(refreshToken);
  });

  it('refuses an email that is taken, whatever its case, and writes nothing', async () => {
    await signup({ email: 'ada@example.com', password: 'correct horse' });
    // The input schema lower-cases; the database refuses anything else as well.
    expect(await code(accounts().signup({ email: 'ada@example.com', password: 'another one' }))).toBe(
      'email-already-in-use',
    );
    await expect(
      hasura.db.query(`INSERT INTO "user" (email, password_hash) VALUES ('Ada@Example.com', 'x')`),
    ).rejects.toThrow(/user_email_normalized/);
    expect(await rows('SELECT count(*)::int AS n FROM "user"')).toEqual([{ n: 1 }]);
  });
});

describe('Signin', () => {
  beforeEach(() => signup({ email: 'ada@example.com', password: 'correct horse' }));

  it('answers tokens for the right password', async () => {
    const { accessToken } = await accounts().signin({ email: 'ada@example.com', password: 'correct horse' });
    const { payload } = await jwtVerify(accessToken, key);
    expect(payload.sub).toBe('1');
  });

  it('gives an unknown email and a wrong password the same error, through the same calls', async () => {
    hasura.calls.length = 0;
    const wrong = await accounts()
      .signin({ email: 'ada@example.com', password: 'wrong horse' })
      .catch((e: unknown) => e);
    const wrongCalls = [...hasura.calls];
    hasura.calls.length = 0;
    const unknown = await accounts()
      .signin({ email: 'bob@example.com', password: 'wrong horse' })
      .catch((e: unknown) => e);
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({ code: 'invalid-credentials', message: 'Wrong email or password.' });
    expect(hasura.calls).toEqual(wrongCalls);
  });

  const ada = (password: string, address = '203.0.113.7') =>
    accounts().signin({ email: 'ada@example.com', password }, { address });

  it('limits failed attempts per email and address, even with the right password, until the window passes', async () => {
    for (let i = 0; i < 3; i++) expect(await code(ada('nope-nope'))).toBe('invalid-credentials');
    const limited = await ada('correct horse').catch((e: unknown) => e);
    expect(limited).toMatchObject({
      code: 'too-many-attempts',
      details: { retryAfterSeconds: expect.any(Number) },
    });
    expect((limited as AppError).details?.retryAfterSeconds).toBeLessThanOrEqual(300);
    // Another email is not affected.
    await signup({ email: 'bob@example.com', password: 'correct horse' });
    expect(await code(accounts().signin({ email: 'bob@example.com', password: 'correct horse' }))).toBe('ok');
    clock += 301_000;
    expect(await code(ada('correct horse'))).toBe('ok');
  });

  it('counts each attempt before checking the password: 50 concurrent wrong ones check at most the limit', async () => {
    checked.count = 0;
    // 50 attempts, each through its own service instance (as many Lambdas), all at once.
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => code(ada('nope-nope'))));
    expect(checked.count).toBe(3);
    expect(outcomes.filter((o) => o === 'invalid-credentials')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'too-many-attempts')).toHaveLength(47);
  });

  it('keeps the failures before a success: a right password does not reset the count', async () => {
    expect(await code(ada('nope-nope'))).toBe('invalid-credentials');
    expect(await code(ada('nope-nope'))).toBe('invalid-credentials');
    expect(await code(ada('correct horse'))).toBe('ok');
    // The success itself is not a failure, the two before it still count: one more guess is left.
    expect(await code(ada('nope-nope'))).toBe('invalid-credentials');
    expect(await code(ada('correct horse'))).toBe('too-many-attempts');
  });

  it('does not let a stranger lock the owner out: failures from one address do not stop another', async () => {
    for (let i = 0; i < 20; i++) await code(ada('guess-guess', '198.51.100.66'));
    expect(await code(ada('correct horse', '198.51.100.66'))).toBe('too-many-attempts');
    // The owner, from their own address: the stranger used up only their own strict limit, and
    // their refused guesses were not counted by the per-email one.
    expect(await code(ada('correct horse', '203.0.113.7'))).toBe('ok');
  });

  it('caps guesses spread over many addresses with the looser per-email limit', async () => {
    // 10 per email (the loose limit), 3 per address: four addresses exhaust it.
    for (let a = 1; a <= 4; a++)
      for (let i = 0; i < 3; i++) await code(ada('guess-guess', `198.51.100.${a}`));
    expect(await code(ada('correct horse', '203.0.113.7'))).toBe('too-many-attempts');
  });

  it('counts attempts on unknown emails too, and keeps the count in the database', async () => {
    for (let i = 0; i < 3; i++)
      await code(accounts().signin({ email: 'ghost@example.com', password: 'whatever1' }));
    expect(await rows(`SELECT count(*)::int AS n FROM rate_limit WHERE key LIKE 'signin:%'`)).toEqual([
      { n: 2 },
    ]);
    // No email in clear in the counters.
    expect(JSON.stringify(await rows('SELECT key FROM rate_limit'))).not.toContain('ghost');
    // A new service instance (another Lambda) sees the same count.
    expect(await code(accounts().signin({ email: 'ghost@example.com', password: 'whatever1' }))).toBe(
      'too-many-attempts',
    );
  });
});

describe('RefreshToken and Signout', () => {
  it('rotates: the new token works, the old one stops working', async () => {
    const first = await signup({ email: 'ada@example.com', password: 'correct horse' });
    const second = await accounts().refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const { payload } = await jwtVerify(second.accessToken, key);
    expect(payload.sub).toBe('1');
    const third = await accounts().refresh(second.refreshToken);
    expect(third.refreshToken).toEqual(expect.any(String));
  });

  it('revokes the whole family when a rotated token is presented again', async () => {
    const first = await signup({ email: 'ada@example.com', password: 'correct horse' });
    const second = await accounts().refresh(first.refreshToken);
    expect(await code(accounts().refresh(first.refreshToken))).toBe('invalid-refresh-token');
    // The thief's replay also kills the legitimate successor.
    expect(await code(accounts().refresh(second.refreshToken))).toBe('invalid-refresh-token');
    expect(await rows('SELECT count(*)::int AS n FROM refresh_token WHERE revoked_at IS NULL')).toEqual([
      { n: 0 },
    ]);
  });

  it('lets only one of two simultaneous rotations of the same token through', async () => {
    const first = await signup({ email: 'ada@example.com', password: 'correct horse' });
    const outcomes = await Promise.all([
      code(accounts().refresh(first.refreshToken)),
      code(accounts().refresh(first.refreshToken)),
    ]);
    expect(outcomes.filter((o) => o === 'ok').length).toBeLessThanOrEqual(1);
    expect(outcomes).toContain('invalid-refresh-token');
  });

  it('refuses unknown and expired tokens', async () => {
    expect(await code(accounts().refresh('made-up-token'))).toBe('invalid-refresh-token');
    const first = await signup({ email: 'ada@example.com', password: 'correct horse' });
    clock += 3601_000;
    expect(await code(accounts().refresh(first.refreshToken))).toBe('invalid-refresh-token');
  });

  it('drops a user’s expired refresh tokens when a new session starts, and keeps the others', async () => {
    const old = await signup({ email: 'ada@example.com', password: 'correct horse' });
    await accounts().refresh(old.refreshToken);
    clock += 3601_000;
    await accounts().signin({ email: 'ada@example.com', password: 'correct horse' });
    await accounts().signin({ email: 'ada@example.com', password: 'correct horse' });
    expect(await rows('SELECT count(*)::int AS n FROM refresh_token')).toEqual([{ n: 2 }]);
    expect(await rows(`SELECT count(*)::int AS n FROM refresh_token WHERE expires_at < now()`)).toEqual([
      { n: 0 },
    ]);
  });

  it('signs out: the token is revoked, and signing out twice is fine', async () => {
    const first = await signup({ email: 'ada@example.com', password: 'correct horse' });
    await expect(accounts().signout(first.refreshToken)).resolves.toEqual({ ok: true });
    expect(await code(accounts().refresh(first.refreshToken))).toBe('invalid-refresh-token');
    await expect(accounts().signout(first.refreshToken)).resolves.toEqual({ ok: true });
    await expect(accounts().signout('never-issued')).resolves.toEqual({ ok: true });
  });

  const rowsOf = async () => (await rows('SELECT count(*)::int AS n FROM refresh_token'))[0]?.n;

  it('keeps one row per live session, however many rotations', async () => {
    let token = (await signup({ email: 'ada@example.com', password: 'correct horse' })).refreshToken;
    for (let i = 0; i < 50; i++) token = (await accounts().refresh(token)).refreshToken;
    expect(await rowsOf()).toBe(1);
    expect(await code(accounts().refresh(token))).toBe('ok');
  });

  it('recognises a stolen, rotated token after its row is gone, and ends the session', async () => {
    const stolen = (await signup({ email: 'ada@example.com', password: 'correct horse' })).refreshToken;
    let token = stolen;
    for (let i = 0; i < 3; i++) token = (await accounts().refresh(token)).refreshToken;
    expect(await code(accounts().refresh(stolen))).toBe('invalid-refresh-token');
    // The owner's live token died with the family.
    expect(await code(accounts().refresh(token))).toBe('invalid-refresh-token');
  });

  it('ends a session at its absolute lifetime from sign-in: rotations do not extend it', async () => {
    const started = clock;
    let token = (await signup({ email: 'ada@example.com', password: 'correct horse' })).refreshToken;
    for (const at of [3000, 6000, 7100]) {
      clock = started + at * 1000;
      token = (await accounts().refresh(token)).refreshToken;
    }
    const [row] = await rows('SELECT expires_at, family_expires_at FROM refresh_token');
    expect(Date.parse(String(row?.expires_at))).toBeLessThanOrEqual(started + 7200_000);
    clock = started + 7201_000;
    expect(await code(accounts().refresh(token))).toBe('invalid-refresh-token');
  });

  it('caps live sessions per user: a new sign-in ends the least recently used beyond the cap', async () => {
    const first = await signup({ email: 'ada@example.com', password: 'correct horse' });
    const sessions = [first.refreshToken];
    for (let i = 0; i < 3; i++) {
      clock += 1000;
      sessions.push(
        (await accounts().signin({ email: 'ada@example.com', password: 'correct horse' })).refreshToken,
      );
    }
    expect(await rowsOf()).toBe(3);
    expect(await code(accounts().refresh(sessions[0] as string))).toBe('invalid-refresh-token');
    expect(await code(accounts().refresh(sessions[3] as string))).toBe('ok');
  });

  it('signs out the whole session with a rotated token', async () => {
    const first = await signup({ email: 'ada@example.com', password: 'correct horse' });
    const second = await accounts().refresh(first.refreshToken);
    await expect(accounts().signout(first.refreshToken)).resolves.toEqual({ ok: true });
    expect(await code(accounts().refresh(second.refreshToken))).toBe('invalid-refresh-token');
    expect(await rowsOf()).toBe(0);
  });

  it('still refreshes and signs out a token issued before tokens carried their family', async () => {
    await signup({ email: 'ada@example.com', password: 'correct horse' });
    // Rewrite the stored hash to that of a legacy token (no family part), as rows from before.
    const legacy = 'L'.repeat(43);
    await hasura.db.query('UPDATE refresh_token SET token_hash = $1', [hashRefreshToken(legacy)]);
    const next = await accounts().refresh(legacy);
    expect(next.refreshToken).toMatch(/^[0-9a-f-]{36}\./);
    await hasura.db.query('UPDATE refresh_token SET token_hash = $1', [hashRefreshToken(legacy)]);
    await accounts().signout(legacy);
    expect(await rowsOf()).toBe(0);
  });
});
