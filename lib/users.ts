import { randomUUID } from 'node:crypto';
import type { Passwords } from './auth/passwords';
import { type AccessTokens, familyOf, hashRefreshToken, newRefreshToken } from './auth/tokens';
import type { AuthConfig, LimitsConfig } from './config';
import { AppError } from './errors';
import { type HasuraClient, isUniquenessViolation } from './hasura/client';
import {
  EndSession,
  FindRefreshToken,
  InsertUser,
  type RateLimitHitInput,
  RevokeRefreshTokenFamily,
  RotateRefreshToken,
  SigninUser,
  StartSession,
} from './hasura/documents';
import type { Logger } from './log';
import { type Counted, digest, giveBack, type Limit, limitKey, type RateLimiter } from './rate-limit';

export interface Credentials {
  email: string;
  password: string;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
}

export interface Users {
  signup(credentials: Credentials, options?: CallOptions): Promise<Session>;
  signin(credentials: Credentials, options?: SigninOptions): Promise<Session>;
  refresh(refreshToken: string, options?: CallOptions): Promise<Session>;
  signout(refreshToken: string, options?: CallOptions): Promise<{ ok: true }>;
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
  now?: () => number;
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
  now = Date.now,
}: UsersDeps): Users {
  const iso = (ms: number) => new Date(ms).toISOString();

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
    async signup({ email, password }, { deadline } = {}) {
      const passwordHash = await passwords.hash(password);
      const inserted = await hasura
        .request(InsertUser, { email, passwordHash }, { deadline })
        .catch((error) => {
          throw isUniquenessViolation(error, 'user_email_key') ? new AppError('email-already-in-use') : error;
        });
      if (!inserted.insert_user_one) throw new Error('Hasura returned no row for insert_user_one');
      return startSession(inserted.insert_user_one.id, deadline);
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
  };
}

/** A family id no session has, for tokens that carry none. */
const NO_FAMILY = '00000000-0000-0000-0000-000000000000';
