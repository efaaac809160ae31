import { randomBytes, randomUUID } from 'node:crypto';
import type { Passwords } from './auth/passwords';
import { type AccessTokens, familyOf, hashRefreshToken, newRefreshToken } from './auth/tokens';
import type { AccountsConfig, AuthConfig, LimitsConfig } from './config';
import { AppError } from './errors';
import { type HasuraClient, isUniquenessViolation } from './hasura/client';
import {
  ChangeAccountPassword,
  DeleteAccountRows,
  EndSession,
  FindAccount,
  FindRefreshToken,
  InsertTicket,
  InsertUser,
  MailAccountLookup,
  type NewTicket,
  OwnedProjects,
  type RateLimitHitInput,
  ResetAccountPassword,
  RevokeRefreshTokenFamily,
  RotateRefreshToken,
  SigninUser,
  SignupAccount,
  StartSession,
  type TicketPurpose,
  UseTicket,
  VerifyAccount,
  VerifyAccountKeepingPassword,
} from './hasura/documents';
import type { Logger } from './log';
import type { Mailer, MailTemplate } from './mail';
import type { Caller, Projects } from './projects';
import { type Counted, digest, giveBack, type Limit, limitKey, type RateLimiter } from './rate-limit';

export interface Credentials {
  email: string;
  password: string;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
}

/**
 * Signup's answer. When emails must be verified it carries no session, whether or not the address
 * already had an account (the email tells its owner which): the client says "check your inbox",
 * and VerifyEmail answers the session. When verification is off it is a session, as in the tutorial.
 */
export type SignupResult =
  | (Session & { emailVerificationRequired: false })
  | { accessToken: null; refreshToken: null; emailVerificationRequired: true };

export interface Users {
  signup(credentials: Credentials, options?: CallOptions): Promise<SignupResult>;
  signin(credentials: Credentials, options?: SigninOptions): Promise<Session>;
  refresh(refreshToken: string, options?: CallOptions): Promise<Session>;
  signout(refreshToken: string, options?: CallOptions): Promise<{ ok: true }>;
  /** Spends a verification ticket; answers a session of the verified account. */
  verifyEmail(token: string, options?: CallOptions): Promise<Session>;
  /** Same answer and same work for any address; rate-limited per address. */
  resendVerificationEmail(email: string, options?: CallOptions): Promise<{ ok: true }>;
  /** Same answer and same work for any address; rate-limited per address. */
  requestPasswordReset(email: string, options?: CallOptions): Promise<{ ok: true }>;
  /** Spends a reset ticket: new password, every session of the account revoked. */
  resetPassword(token: string, newPassword: string, options?: CallOptions): Promise<{ ok: true }>;
  /** Every other session is revoked; answers a fresh session for the caller. */
  changePassword(
    userId: number,
    passwords: { oldPassword: string; newPassword: string },
    options?: CallOptions,
  ): Promise<Session>;
  /** Deletes the account's projects (as DeleteProject does), then the account. */
  deleteAccount(password: string, caller: Caller): Promise<{ ok: true }>;
}

export interface CallOptions {
  deadline?: number;
  log?: Logger;
}

export interface SigninOptions extends CallOptions {
  /** The client's address (lib/rate-limit.ts `clientAddress`); undefined shares one bucket. */
  address?: string;
  /** The attempt, already counted against `signinLimits` (by the action middleware). */
  attempt?: Counted;
}

export interface UsersDeps {
  hasura: HasuraClient;
  passwords: Passwords;
  accessTokens: AccessTokens;
  limiter: RateLimiter;
  config: SigninLimitsConfig &
    Pick<AuthConfig, 'refreshTokenTtlSeconds' | 'sessionMaxSeconds' | 'maxSessionsPerUser'>;
  accounts: AccountsConfig;
  /** Needed by the actions that send email (Signup, ResendVerificationEmail, RequestPasswordReset). */
  mailer?: Mailer;
  /** Needed by DeleteAccount: each project goes through DeleteProject's path. */
  projects?: Pick<Projects, 'remove'>;
  now?: () => number;
}

/** A mailed ticket's token: 256 random bits; only its SHA-256 is stored. */
export function newTicketToken(): string {
  return randomBytes(32).toString('base64url');
}
export const hashTicketToken = hashRefreshToken;

/**
 * The emails one address may be sent per hour, by kind, counted by the actions' middleware for any
 * address, with or without an account (so the limit tells nothing either). Signup and
 * ResendVerificationEmail share the verification count.
 */
export function verificationMailLimit(
  email: string,
  settings: Pick<LimitsConfig, 'mailsPerEmailPerHour'>,
): Limit {
  return mailLimit('verify-email', email, settings);
}

export function resetMailLimit(email: string, settings: Pick<LimitsConfig, 'mailsPerEmailPerHour'>): Limit {
  return mailLimit('reset-password', email, settings);
}

function mailLimit(
  purpose: TicketPurpose,
  email: string,
  settings: Pick<LimitsConfig, 'mailsPerEmailPerHour'>,
): Limit {
  return {
    key: limitKey('mail', purpose, digest(email)),
    max: settings.mailsPerEmailPerHour,
    windowSeconds: 3600,
    code: 'too-many-emails',
  };
}

type SigninLimitsConfig = Pick<
  LimitsConfig,
  'signinMaxFailures' | 'signinMaxFailuresPerEmail' | 'signinWindowSeconds'
>;

/**
 * The sign-in limits, counted in this order BEFORE the password is checked, atomically
 * (lib/rate-limit.ts), and given back when the password is right: what stays counted are failures.
 * - strict: failures per email from one client address (SIGNIN_MAX_FAILURES);
 * - loose: failures per email from every address (SIGNIN_MAX_FAILURES_PER_EMAIL).
 * An attempt refused by the strict limit is not counted by the loose one, so a stranger guessing
 * from one address is stopped after the strict limit and cannot use up the owner's loose limit;
 * only guesses spread over many addresses can, and then the loose limit caps them all.
 */
export function signinLimits(
  email: string,
  address: string | undefined,
  config: SigninLimitsConfig,
): Limit[] {
  const who = digest(email);
  const windowSeconds = config.signinWindowSeconds;
  return [
    {
      key: limitKey('signin', who, address ?? 'unknown'),
      max: config.signinMaxFailures,
      windowSeconds,
      code: 'too-many-attempts',
    },
    {
      key: limitKey('signin', who),
      max: config.signinMaxFailuresPerEmail,
      windowSeconds,
      code: 'too-many-attempts',
    },
  ];
}

/** Accounts and sessions. Emails arrive here already trimmed and lower-cased by the input schema. */
export function createUsers({
  hasura,
  passwords,
  accessTokens,
  limiter,
  config,
  accounts,
  mailer,
  projects,
  now = Date.now,
}: UsersDeps): Users {
  const iso = (ms: number) => new Date(ms).toISOString();
  const ttlSeconds = (purpose: TicketPurpose) =>
    purpose === 'verify-email' ? accounts.verificationTtlSeconds : accounts.passwordResetTtlSeconds;
  const ttlHours = (purpose: TicketPurpose) => Math.max(1, Math.round(ttlSeconds(purpose) / 3600));

  function needMailer(): Mailer {
    if (!mailer) throw new Error('this function was built without a mailer');
    return mailer;
  }

  /** A new ticket: the token goes into the email, only its hash into the database. */
  function newTicket(email: string, purpose: TicketPurpose, passwordHash: string | null) {
    const token = newTicketToken();
    const ticket: NewTicket = {
      email,
      purpose,
      token_hash: hashTicketToken(token),
      password_hash: passwordHash,
      expires_at: iso(now() + ttlSeconds(purpose) * 1000),
      created_at: iso(now()),
    };
    return { token, ticket };
  }

  /** The address's account, if any: read the same way for known and unknown addresses. */
  async function accountOf(email: string, deadline?: number) {
    return (await hasura.request(MailAccountLookup, { email }, { deadline })).user[0];
  }

  async function spendTicket(token: string, purpose: TicketPurpose, deadline?: number) {
    const used = await hasura.request(
      UseTicket,
      { hash: hashTicketToken(token), purpose, now: iso(now()) },
      { deadline },
    );
    const ticket = used.update_account_ticket?.returning[0];
    if (!ticket) throw new AppError('invalid-ticket');
    return ticket;
  }

  /** The signed-in caller's account, once their password is checked. */
  async function checkedAccount(userId: number, password: string, deadline?: number) {
    const { user_by_pk: user } = await hasura.request(FindAccount, { id: userId }, { deadline });
    if (!user) throw new AppError('account-not-found');
    if (!(await passwords.verify(password, user.password_hash))) throw new AppError('invalid-credentials');
    return user;
  }

  async function sendMail(email: string, template: MailTemplate, options: CallOptions) {
    await needMailer().deliver(email, template, options);
  }

  /** Issues an access token and the first refresh token of a new family (a session). */
  async function startSession(
    userId: number,
    deadline: number | undefined,
    options: { giveBack?: RateLimitHitInput[]; evict?: string[] } = {},
  ): Promise<Session> {
    const familyId = randomUUID();
    const refreshToken = newRefreshToken(familyId);
    const familyExpiresAt = now() + config.sessionMaxSeconds * 1000;
    const token = {
      user_id: userId,
      family_id: familyId,
      token_hash: hashRefreshToken(refreshToken),
      expires_at: iso(Math.min(now() + config.refreshTokenTtlSeconds * 1000, familyExpiresAt)),
      family_expires_at: iso(familyExpiresAt),
    };
    const variables = {
      token,
      giveBack: options.giveBack ?? [],
      evict: options.evict ?? [],
      userId,
      now: iso(now()),
    };
    const [accessToken] = await Promise.all([
      accessTokens.issue(userId),
      hasura.request(StartSession, variables, { deadline }),
    ]);
    return { accessToken, refreshToken };
  }

  return {
    async signup({ email, password }, { deadline, log } = {}) {
      if (!accounts.requireEmailVerification) {
        // A private deployment: the tutorial's Signup (a session; a taken address is refused),
        // plus a best-effort verification email.
        const passwordHash = await passwords.hash(password);
        const inserted = await hasura
          .request(InsertUser, { email, passwordHash }, { deadline })
          .catch((error) => {
            throw isUniquenessViolation(error, 'user_email_key')
              ? new AppError('email-already-in-use')
              : error;
          });
        if (!inserted.insert_user_one) throw new Error('Hasura returned no row for insert_user_one');
        const { token, ticket } = newTicket(email, 'verify-email', passwordHash);
        await hasura.request(InsertTicket, { ticket, now: iso(now()) }, { deadline });
        await sendMail(
          email,
          { kind: 'verify-email', token, ttlHours: ttlHours('verify-email') },
          { deadline, log },
        );
        const session = await startSession(inserted.insert_user_one.id, deadline);
        return { ...session, emailVerificationRequired: false };
      }
      // The same calls for a new address and a taken one: one bcrypt hash, one mutation, one
      // email. Only the email's words differ, and only the address's owner reads them.
      const passwordHash = await passwords.hash(password);
      const { token, ticket } = newTicket(email, 'verify-email', passwordHash);
      const result = await hasura.request(
        SignupAccount,
        { email, passwordHash, ticket, now: iso(now()) },
        { deadline },
      );
      const ttl = ttlHours('verify-email');
      await sendMail(
        email,
        result.insert_user_one
          ? { kind: 'verify-email', token, ttlHours: ttl }
          : { kind: 'account-exists', token, ttlHours: ttl },
        { deadline, log },
      );
      return { accessToken: null, refreshToken: null, emailVerificationRequired: true };
    },

    async signin({ email, password }, { deadline, log, address, attempt } = {}) {
      // Counted first, atomically: concurrent wrong guesses cannot all slip under the limit.
      const counted = attempt ?? (await limiter.hit(signinLimits(email, address, config), { deadline }));
      const found = await hasura.request(
        SigninUser,
        { email, keep: config.maxSessionsPerUser - 1, now: iso(now()) },
        { deadline },
      );
      const user = found.user[0];
      // Unknown email and wrong password take the same path: one bcrypt comparison, no write.
      const matches = await passwords.verify(password, user?.password_hash);
      if (!user || !matches) {
        log?.info('signin refused', { reason: 'invalid-credentials' });
        throw new AppError('invalid-credentials');
      }
      // The new session ends the least recently used ones beyond MAX_SESSIONS_PER_USER.
      const evict = [...new Set(found.refresh_token.map((t) => t.family_id))];
      return startSession(user.id, deadline, { giveBack: [giveBack(counted)], evict });
    },

    async refresh(presented, { deadline, log } = {}) {
      const hash = hashRefreshToken(presented);
      const familyId = familyOf(presented);
      const found = await hasura.request(
        FindRefreshToken,
        { hash, familyId: familyId ?? NO_FAMILY },
        { deadline },
      );
      const row = found.refresh_token.find((r) => r.token_hash === hash);
      const revokeFamily = async (family: string, userId: number) => {
        log?.warn('refresh token reused: revoking its family', { familyId: family, userId });
        await hasura.request(RevokeRefreshTokenFamily, { familyId: family, now: iso(now()) }, { deadline });
        throw new AppError('invalid-refresh-token');
      };
      if (!row) {
        // A token of a family we know, but not its live one: a rotated token, presented again.
        const live = found.refresh_token.find((r) => r.revoked_at === null);
        if (familyId !== undefined && live) return revokeFamily(familyId, live.user_id);
        throw new AppError('invalid-refresh-token');
      }
      if (Date.parse(row.expires_at) <= now()) throw new AppError('invalid-refresh-token');
      if (row.revoked_at !== null) return revokeFamily(row.family_id, row.user_id);

      const refreshToken = newRefreshToken(row.family_id);
      const next = {
        user_id: row.user_id,
        family_id: row.family_id,
        token_hash: hashRefreshToken(refreshToken),
        // Never beyond the session's absolute end: a rotation does not extend the session.
        expires_at: iso(
          Math.min(now() + config.refreshTokenTtlSeconds * 1000, Date.parse(row.family_expires_at)),
        ),
        family_expires_at: row.family_expires_at,
      };
      const rotated = await hasura.request(
        RotateRefreshToken,
        { id: row.id, now: iso(now()), next, familyId: row.family_id },
        { deadline },
      );
      // Someone rotated the same token a moment earlier: it was used twice, so the family goes.
      if (rotated.update_refresh_token?.affected_rows !== 1) return revokeFamily(row.family_id, row.user_id);
      return { accessToken: await accessTokens.issue(row.user_id), refreshToken };
    },

    async signout(presented, { deadline } = {}) {
      // Idempotent and silent: an unknown or already revoked token is not worth an error.
      // The whole session ends, whichever of its tokens is presented (a rotated one too).
      const hash = hashRefreshToken(presented);
      let familyId = familyOf(presented);
      if (familyId === undefined) {
        // A token issued before tokens carried their family: find the family from its row.
        const found = await hasura.request(FindRefreshToken, { hash, familyId: NO_FAMILY }, { deadline });
        familyId = found.refresh_token[0]?.family_id;
      }
      await hasura.request(EndSession, { hash, familyId: familyId ?? NO_FAMILY }, { deadline });
      return { ok: true };
    },

    async verifyEmail(token, { deadline } = {}) {
      const ticket = await spendTicket(token, 'verify-email', deadline);
      const at = iso(now());
      const { verified } =
        ticket.password_hash === null
          ? await hasura.request(VerifyAccountKeepingPassword, { email: ticket.email, now: at }, { deadline })
          : await hasura.request(
              VerifyAccount,
              { email: ticket.email, passwordHash: ticket.password_hash, now: at },
              { deadline },
            );
      const user = verified?.returning[0];
      // The account was deleted since the email was sent.
      if (!user) throw new AppError('invalid-ticket');
      return startSession(user.id, deadline);
    },

    async resendVerificationEmail(email, { deadline, log } = {}) {
      const user = await accountOf(email, deadline);
      const { token, ticket } = newTicket(email, 'verify-email', null);
      await hasura.request(InsertTicket, { ticket, now: iso(now()) }, { deadline });
      await sendMail(
        email,
        !user
          ? { kind: 'no-account', asked: 'verification' }
          : user.email_verified
            ? { kind: 'already-verified' }
            : { kind: 'verify-email', token, ttlHours: ttlHours('verify-email') },
        { deadline, log },
      );
      return { ok: true };
    },

    async requestPasswordReset(email, { deadline, log } = {}) {
      const user = await accountOf(email, deadline);
      // Written for an unknown address too (it can never be spent): the same work either way.
      const { token, ticket } = newTicket(email, 'reset-password', null);
      await hasura.request(InsertTicket, { ticket, now: iso(now()) }, { deadline });
      await sendMail(
        email,
        user
          ? { kind: 'reset-password', token, ttlHours: ttlHours('reset-password') }
          : { kind: 'no-account', asked: 'reset' },
        { deadline, log },
      );
      return { ok: true };
    },

    async resetPassword(token, newPassword, { deadline } = {}) {
      const ticket = await spendTicket(token, 'reset-password', deadline);
      const passwordHash = await passwords.hash(newPassword);
      const result = await hasura.request(
        ResetAccountPassword,
        { email: ticket.email, passwordHash, now: iso(now()) },
        { deadline },
      );
      if (!result.update_user?.returning[0]) throw new AppError('invalid-ticket');
      return { ok: true };
    },

    async changePassword(userId, { oldPassword, newPassword }, { deadline } = {}) {
      const user = await checkedAccount(userId, oldPassword, deadline);
      const passwordHash = await passwords.hash(newPassword);
      const changed = await hasura.request(
        ChangeAccountPassword,
        { id: user.id, email: user.email, passwordHash, now: iso(now()) },
        { deadline },
      );
      if (!changed.update_user_by_pk) throw new AppError('account-not-found');
      return startSession(user.id, deadline);
    },

    async deleteAccount(password, caller) {
      if (!projects) throw new Error('this function was built without projects');
      const { userId, deadline, log } = caller;
      const user = await checkedAccount(userId, password, deadline);
      const owned = await hasura.request(OwnedProjects, { ownerId: userId }, { deadline });
      // One at a time, through DeleteProject's own path. Any failure keeps the account (and the
      // user's sign-in) so that they can try again; projects already on their way stay so.
      for (const { id } of owned.project) await projects.remove(id, caller);
      await hasura.request(DeleteAccountRows, { id: userId, email: user.email }, { deadline });
      log.info('account deleted', { userId, projects: owned.project.length });
      return { ok: true };
    },
  };
}

/** A family id no session has, for tokens that carry none. */
const NO_FAMILY = '00000000-0000-0000-0000-000000000000';
