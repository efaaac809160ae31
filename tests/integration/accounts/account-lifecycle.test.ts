import { jwtVerify } from 'jose';
import { createAccounts, hashTicketToken, type Session, type SessionsConfig } from '../../../lib/accounts';
import { createPasswords } from '../../../lib/accounts/passwords';
import { createAccessTokens } from '../../../lib/accounts/tokens';
import { createRateLimiter } from '../../../lib/action/rate-limit';
import { AppError } from '../../../lib/basics/errors';
import type { Caller, Projects } from '../../../lib/instances/projects';
import { startTestHasura, type TestHasura } from '../../helpers/hasura';
import { memoryLogger } from '../../helpers/lambda';
import { memoryMail, tokenIn } from '../../helpers/mail';
import { outcome as code } from '../../helpers/outcome';

/** Email verification (on, as by default), password reset and change, account deletion. */

const key = new TextEncoder().encode('test-jwt-key-that-is-at-least-32-characters');
const jwt = { key, claimsNamespace: 'https://hasura.io/jwt/claims', claimsFormat: 'json' as const };
const HOUR = 3600 * 1000;

let hasura: TestHasura;
let clock = Date.now();
let mail: ReturnType<typeof memoryMail>;
const removed: number[] = [];

beforeAll(async () => {
  hasura = await startTestHasura();
});
afterAll(() => hasura.close());
beforeEach(async () => {
  clock = Date.now();
  mail = memoryMail();
  removed.length = 0;
  await hasura.emptyTables();
});

/** DeleteProject's path, as far as accounts are concerned: the row goes (or stays DELETING). */
const deletingProjects: Pick<Projects, 'remove'> = {
  async remove(id) {
    removed.push(id);
    await hasura.db.query('DELETE FROM project WHERE id = $1', [id]);
    return { ok: true };
  },
};

function accounts(projects = deletingProjects, limits: Partial<SessionsConfig> = {}) {
  return createAccounts({
    hasura: hasura.client,
    passwords: createPasswords(10),
    accessTokens: createAccessTokens(jwt, 900, () => clock),
    limiter: createRateLimiter({ hasura: hasura.client, now: () => clock }),
    config: {
      refreshTokenTtlSeconds: 30 * 24 * 3600,
      signinMaxFailures: 10,
      signinMaxFailuresPerEmail: 100,
      signinWindowSeconds: 300,
      signinEmailWindowSeconds: 3600,
      requireEmailVerification: true,
      ...limits,
      sessionMaxSeconds: 30 * 24 * 3600,
      maxSessionsPerUser: 10,
    },
    accounts: {
      requireEmailVerification: true,
      verificationTtlSeconds: 24 * 3600,
      passwordResetTtlSeconds: 3600,
    },
    mailer: mail.mailer,
    projects,
    now: () => clock,
  });
}

const ADA = { email: 'ada@example.com', password: 'correct horse' };
const rows = (sql: string) => hasura.rows(sql);
const caller = (userId: number): Caller => ({
  userId,
  deadline: Date.now() + 20_000,
  log: memoryLogger().log,
});
const userId = async (token: string) =>
  (await jwtVerify(token, key)).payload['https://hasura.io/jwt/claims'] as Record<string, string>;

/** Signs Ada up and verifies her address through the emailed link. */
async function verifiedAda(): Promise<Session> {
  await accounts().signup(ADA);
  return accounts().verifyEmail(tokenIn(mail.sent.at(-1)), ADA.password);
}

describe('Signup (email verification on)', () => {
  it('stores an unverified account, answers no session and emails a single-use link', async () => {
    expect(await accounts().signup(ADA)).toEqual({
      accessToken: null,
      refreshToken: null,
      emailVerificationRequired: true,
    });
    expect(await rows('SELECT id, email, email_verified FROM "user"')).toEqual([
      { id: 1, email: 'ada@example.com', email_verified: false },
    ]);
    expect(mail.sent).toHaveLength(1);
    expect(mail.sent[0]).toMatchObject({ to: 'ada@example.com', subject: expect.stringMatching(/^Confirm/) });
    expect(mail.sent[0]?.text).toContain('https://app.test/verify-email?token=');
    expect(mail.sent[0]?.html).toContain('href="https://app.test/verify-email?token=');
  });

  it('stores only the hash of the emailed token', async () => {
    await accounts().signup(ADA);
    const token = tokenIn(mail.sent[0]);
    expect(await rows('SELECT token_hash, purpose FROM account_ticket')).toEqual([
      { token_hash: hashTicketToken(token), purpose: 'verify-email' },
    ]);
    expect(JSON.stringify(await rows('SELECT * FROM account_ticket'))).not.toContain(token);
  });

  it('answers a taken address exactly like a new one, with the same calls, and tells the owner by email', async () => {
    await accounts().signup({ email: 'bob@example.com', password: 'bob password' });
    hasura.calls.length = 0;
    const fresh = await accounts().signup(ADA);
    const freshCalls = [...hasura.calls];
    hasura.calls.length = 0;
    const taken = await accounts().signup({ email: 'bob@example.com', password: 'another one' });
    expect(taken).toEqual(fresh);
    expect(hasura.calls).toEqual(freshCalls);
    expect(mail.sent.map((m) => [m.to, m.subject])).toEqual([
      ['bob@example.com', 'Confirm your email address for Test Cloud'],
      ['ada@example.com', 'Confirm your email address for Test Cloud'],
      // Not verified yet: a new link, which carries no password either.
      ['bob@example.com', 'Confirm your email address for Test Cloud'],
    ]);
    expect(await rows('SELECT count(*)::int AS n FROM "user"')).toEqual([{ n: 2 }]);
    // Verified: the same answer and calls, and an email that says so, without a link to spend.
    await accounts().verifyEmail(tokenIn(mail.sent[0]), 'bob password');
    hasura.calls.length = 0;
    const verified = await accounts().signup({ email: 'bob@example.com', password: 'a third one' });
    expect(verified).toEqual(fresh);
    expect(hasura.calls).toEqual(freshCalls);
    expect(mail.sent.at(-1)?.subject).toBe('You already have a Test Cloud account');
    expect(mail.sent.at(-1)?.text).not.toContain('token=');
  });

  it('stores no password: the one typed at Signup never signs in', async () => {
    await accounts().signup(ADA);
    expect(await rows('SELECT password_hash FROM "user"')).toEqual([{ password_hash: null }]);
    expect(await code(accounts().signin(ADA))).toBe('invalid-credentials');
  });

  it('gives an unverified account no session, with the answer and calls of an unknown address', async () => {
    await accounts().signup(ADA);
    const seen = [];
    for (const email of [ADA.email, 'nobody@example.com']) {
      hasura.calls.length = 0;
      seen.push({
        answer: await code(accounts().signin({ email, password: ADA.password })),
        calls: [...hasura.calls],
      });
    }
    expect(seen[0]).toEqual({ answer: 'invalid-credentials', calls: expect.any(Array) });
    expect(seen[1]).toEqual(seen[0]);
  });

  it('keeps the account and answers as usual when the email cannot be sent; a resend then works', async () => {
    mail.failing.on = true;
    expect(await code(accounts().signup(ADA))).toBe('ok');
    expect(await rows('SELECT email FROM "user"')).toEqual([{ email: 'ada@example.com' }]);
    mail.failing.on = false;
    await accounts().resendVerificationEmail(ADA.email);
    await accounts().verifyEmail(tokenIn(mail.sent[0]), ADA.password);
    expect(await rows('SELECT email_verified FROM "user"')).toEqual([{ email_verified: true }]);
  });
});

describe('VerifyEmail', () => {
  it('verifies the address and answers a session of that account', async () => {
    const session = await verifiedAda();
    expect((await userId(session.accessToken))['x-hasura-user-id']).toBe('1');
    expect(await rows('SELECT email_verified FROM "user"')).toEqual([{ email_verified: true }]);
    expect((await accounts().refresh(session.refreshToken)).accessToken).toEqual(expect.any(String));
  });

  it('works once only', async () => {
    await accounts().signup(ADA);
    const token = tokenIn(mail.sent[0]);
    await accounts().verifyEmail(token, ADA.password);
    expect(await code(accounts().verifyEmail(token, ADA.password))).toBe('invalid-ticket');
  });

  it('expires', async () => {
    await accounts().signup(ADA);
    clock += 24 * HOUR + 1000;
    expect(await code(accounts().verifyEmail(tokenIn(mail.sent[0]), ADA.password))).toBe('invalid-ticket');
    expect(await rows('SELECT email_verified FROM "user"')).toEqual([{ email_verified: false }]);
  });

  it('still works a second before its 24 hours are up, which the email states', async () => {
    await accounts().signup(ADA);
    expect(mail.sent[0]?.text).toContain('within 24 hours');
    clock += 24 * HOUR - 1000;
    expect(await code(accounts().verifyEmail(tokenIn(mail.sent[0]), ADA.password))).toBe('ok');
  });

  it('refuses a made-up token and a password-reset token: tickets are bound to their purpose', async () => {
    await accounts().signup(ADA);
    await accounts().requestPasswordReset(ADA.email);
    expect(await code(accounts().verifyEmail('x'.repeat(43), ADA.password))).toBe('invalid-ticket');
    expect(await code(accounts().verifyEmail(tokenIn(mail.sent[1]), ADA.password))).toBe('invalid-ticket');
    expect(await code(accounts().resetPassword(tokenIn(mail.sent[0]), 'new password'))).toBe(
      'invalid-ticket',
    );
    expect(await rows('SELECT email_verified FROM "user"')).toEqual([{ email_verified: false }]);
  });

  it('refuses the links of an account that is verified: they were spent, and no new one is mailed', async () => {
    await accounts().signup(ADA);
    await accounts().resendVerificationEmail(ADA.email);
    const session = await accounts().verifyEmail(tokenIn(mail.sent[0]), ADA.password);
    expect(await code(accounts().verifyEmail(tokenIn(mail.sent[1]), 'someone else'))).toBe('invalid-ticket');
    await accounts().signup({ email: ADA.email, password: 'someone else' });
    await accounts().resendVerificationEmail(ADA.email);
    expect(mail.sent.slice(2).map((m) => m.text.includes('token='))).toEqual([false, false]);
    expect(await code(accounts().signin(ADA))).toBe('ok');
    expect(await code(accounts().signin({ email: ADA.email, password: 'someone else' }))).toBe(
      'invalid-credentials',
    );
    expect(await code(accounts().refresh(session.refreshToken))).toBe('ok');
  });

  it('refuses the link of an account deleted since', async () => {
    await accounts().signup(ADA);
    await hasura.db.exec('DELETE FROM "user"');
    expect(await code(accounts().verifyEmail(tokenIn(mail.sent[0]), ADA.password))).toBe('invalid-ticket');
  });
});

describe('ResendVerificationEmail', () => {
  it('sends a new link to an unverified account, which works', async () => {
    await accounts().signup(ADA);
    await accounts().resendVerificationEmail(ADA.email);
    expect(await code(accounts().verifyEmail(tokenIn(mail.sent[1]), ADA.password))).toBe('ok');
  });

  it('answers the same, with the same calls, for unverified, verified and unknown addresses', async () => {
    await accounts().signup(ADA);
    await accounts().signup({ email: 'bob@example.com', password: 'bob password' });
    await accounts().verifyEmail(tokenIn(mail.sent[1]), ADA.password);
    mail.sent.length = 0;
    const seen = [];
    for (const email of ['ada@example.com', 'bob@example.com', 'nobody@example.com']) {
      hasura.calls.length = 0;
      seen.push({ answer: await accounts().resendVerificationEmail(email), calls: [...hasura.calls] });
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    expect(mail.sent.map((m) => [m.to, m.subject])).toEqual([
      ['ada@example.com', 'Confirm your email address for Test Cloud'],
      ['bob@example.com', 'Your Test Cloud email address is already confirmed'],
      ['nobody@example.com', 'Confirmation email for Test Cloud'],
    ]);
  });
});

describe('RequestPasswordReset and ResetPassword', () => {
  it('answers the same, with the same calls, for a known and an unknown address', async () => {
    await accounts().signup(ADA);
    mail.sent.length = 0;
    hasura.calls.length = 0;
    const known = await accounts().requestPasswordReset(ADA.email);
    const knownCalls = [...hasura.calls];
    hasura.calls.length = 0;
    const unknown = await accounts().requestPasswordReset('nobody@example.com');
    expect(unknown).toEqual(known);
    expect(hasura.calls).toEqual(knownCalls);
    expect(mail.sent.map((m) => [m.to, m.subject])).toEqual([
      ['ada@example.com', 'Reset your Test Cloud password'],
      ['nobody@example.com', 'Password reset for Test Cloud'],
    ]);
    expect(mail.sent[1]?.text).not.toContain('token=');
  });

  it('sets the new password, verifies the address and kills every old session', async () => {
    await verifiedAda();
    const phone = await accounts().signin(ADA);
    const laptop = await accounts().signin(ADA);
    await accounts().requestPasswordReset(ADA.email);
    expect(await accounts().resetPassword(tokenIn(mail.sent.at(-1)), 'brand new password')).toEqual({
      ok: true,
    });
    for (const session of [phone, laptop])
      expect(await code(accounts().refresh(session.refreshToken))).toBe('invalid-refresh-token');
    expect(await code(accounts().signin(ADA))).toBe('invalid-credentials');
    expect(await code(accounts().signin({ email: ADA.email, password: 'brand new password' }))).toBe('ok');
    expect(await rows('SELECT email_verified FROM "user"')).toEqual([{ email_verified: true }]);
  });

  it('verifies an address that was not: the reset proves the mailbox and sets the first password', async () => {
    await accounts().signup({ email: ADA.email, password: 'attacker password' });
    await accounts().requestPasswordReset(ADA.email);
    await accounts().resetPassword(tokenIn(mail.sent.at(-1)), ADA.password);
    expect(await code(accounts().signin(ADA))).toBe('ok');
    // The Signup's verification link was spent with it.
    expect(await code(accounts().verifyEmail(tokenIn(mail.sent[0]), 'attacker password'))).toBe(
      'invalid-ticket',
    );
  });

  it('still works a second before its hour is up, which the email states', async () => {
    await verifiedAda();
    await accounts().requestPasswordReset(ADA.email);
    const reset = mail.sent.at(-1);
    expect(reset?.text).toContain('within 1 hour');
    clock += HOUR - 1000;
    expect(await code(accounts().resetPassword(tokenIn(reset), 'brand new password'))).toBe('ok');
  });

  it('works once, expires, and spends the other reset links of the address', async () => {
    await accounts().signup(ADA);
    await accounts().requestPasswordReset(ADA.email);
    await accounts().requestPasswordReset(ADA.email);
    const [first, second] = [tokenIn(mail.sent[1]), tokenIn(mail.sent[2])];
    await accounts().resetPassword(first, 'brand new password');
    expect(await code(accounts().resetPassword(first, 'another password'))).toBe('invalid-ticket');
    expect(await code(accounts().resetPassword(second, 'another password'))).toBe('invalid-ticket');
    await accounts().requestPasswordReset(ADA.email);
    clock += HOUR + 1000;
    expect(await code(accounts().resetPassword(tokenIn(mail.sent[3]), 'another password'))).toBe(
      'invalid-ticket',
    );
    expect(await code(accounts().signin({ email: ADA.email, password: 'brand new password' }))).toBe('ok');
  });
});

describe('ChangePassword', () => {
  it('changes the password, ends every other session and answers a new one', async () => {
    const first = await verifiedAda();
    const other = await accounts().signin(ADA);
    const fresh = await accounts().changePassword(1, {
      oldPassword: ADA.password,
      newPassword: 'brand new password',
    });
    for (const session of [first, other])
      expect(await code(accounts().refresh(session.refreshToken))).toBe('invalid-refresh-token');
    expect(await code(accounts().refresh(fresh.refreshToken))).toBe('ok');
    expect(await code(accounts().signin(ADA))).toBe('invalid-credentials');
    expect(await code(accounts().signin({ email: ADA.email, password: 'brand new password' }))).toBe('ok');
  });

  it('refuses a wrong old password and changes nothing', async () => {
    const session = await verifiedAda();
    expect(
      await code(
        accounts().changePassword(1, { oldPassword: 'wrong one', newPassword: 'brand new password' }),
      ),
    ).toBe('invalid-credentials');
    expect(await code(accounts().signin(ADA))).toBe('ok');
    expect(await code(accounts().refresh(session.refreshToken))).toBe('ok');
  });

  it('spends pending reset links', async () => {
    await verifiedAda();
    await accounts().requestPasswordReset(ADA.email);
    await accounts().changePassword(1, { oldPassword: ADA.password, newPassword: 'brand new password' });
    expect(await code(accounts().resetPassword(tokenIn(mail.sent.at(-1)), 'another password'))).toBe(
      'invalid-ticket',
    );
  });

  it('answers account-not-found to a token whose account is gone', async () => {
    expect(
      await code(accounts().changePassword(9, { oldPassword: 'x', newPassword: 'brand new password' })),
    ).toBe('account-not-found');
  });
});

describe('DeleteAccount', () => {
  const project = (id: number, owner: number, status = 'STOPPED') =>
    hasura.db.query(`INSERT INTO project (id, owner_id, name, slot, status) VALUES ($1, $2, 'p', $3, $4)`, [
      id,
      owner,
      id,
      status,
    ]);

  it('deletes each project through DeleteProject’s path, then the account; its sessions stop working', async () => {
    const session = await verifiedAda();
    await project(1, 1);
    await project(2, 1);
    expect(await accounts().deleteAccount(ADA.password, caller(1))).toEqual({ ok: true });
    expect(removed).toEqual([1, 2]);
    expect(await rows('SELECT * FROM "user"')).toEqual([]);
    expect(await rows('SELECT * FROM account_ticket')).toEqual([]);
    expect(await rows('SELECT * FROM refresh_token')).toEqual([]);
    expect(await code(accounts().refresh(session.refreshToken))).toBe('invalid-refresh-token');
    expect(await code(accounts().signin(ADA))).toBe('invalid-credentials');
  });

  it('keeps a project whose deletion is still under way on Qovery, without owner, for the reconciler', async () => {
    await verifiedAda();
    await project(1, 1, 'DELETING');
    // A deletion that Qovery has yet to confirm leaves the row, DELETING.
    const keepsRow = accounts({ remove: async () => ({ ok: true }) });
    await keepsRow.deleteAccount(ADA.password, caller(1));
    expect(await rows('SELECT id, owner_id, status FROM project')).toEqual([
      { id: 1, owner_id: null, status: 'DELETING' },
    ]);
    expect(await rows('SELECT * FROM "user"')).toEqual([]);
  });

  it('refuses a wrong password and deletes nothing', async () => {
    await verifiedAda();
    await project(1, 1);
    expect(await code(accounts().deleteAccount('wrong one', caller(1)))).toBe('invalid-credentials');
    expect(removed).toEqual([]);
    expect(await rows('SELECT count(*)::int AS n FROM "user"')).toEqual([{ n: 1 }]);
  });

  it('keeps the account when a project cannot be deleted, so that the user can try again', async () => {
    await verifiedAda();
    await project(1, 1);
    const failing = accounts({
      remove: async () => {
        throw new AppError('infrastructure-unavailable');
      },
    });
    expect(await code(failing.deleteAccount(ADA.password, caller(1)))).toBe('infrastructure-unavailable');
    expect(await rows('SELECT count(*)::int AS n FROM "user"')).toEqual([{ n: 1 }]);
    expect(await code(accounts().deleteAccount(ADA.password, caller(1)))).toBe('ok');
  });

  it('does not touch another account', async () => {
    await verifiedAda();
    await accounts().signup({ email: 'bob@example.com', password: 'bob password' });
    await project(1, 2);
    await accounts().deleteAccount(ADA.password, caller(1));
    expect(removed).toEqual([]);
    expect(await rows('SELECT email FROM "user"')).toEqual([{ email: 'bob@example.com' }]);
  });
});
