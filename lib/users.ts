import { randomUUID } from 'node:crypto';
import type { Passwords } from './auth/passwords';
import { type AccessTokens, hashRefreshToken, newRefreshToken } from './auth/tokens';
import type { AuthConfig, LimitsConfig } from './config';
import { AppError } from './errors';
import { type HasuraClient, isUniquenessViolation } from './hasura/client';
import {
  FindRefreshToken,
  InsertUser,
  type RateLimitHitInput,
  RevokeRefreshToken,
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
  config: SigninLimitsConfig & Pick<AuthConfig, 'refreshTokenTtlSeconds'>;
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

  /** Issues an access token and the first refresh token of a new family. */
  async function startSession(
    userId: number,
    deadline: number | undefined,
    giveBack: RateLimitHitInput[] = [],
  ): Promise<Session> {
    const refreshToken = newRefreshToken();
    const token = {
      user_id: userId,
      family_id: randomUUID(),
      token_hash: hashRefreshToken(refreshToken),
      expires_at: iso(now() + config.refreshTokenTtlSeconds * 1000),
    };
    const [accessToken] = await Promise.all([
      accessTokens.issue(userId),
      hasura.request(StartSession, { token, giveBack, userId, now: iso(now()) }, { deadline }),
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
      const found = await hasura.request(SigninUser, { email }, { deadline });
      const user = found.user[0];
      // Unknown email and wrong password take the same path: one bcrypt comparison, no write.
      const matches = await passwords.verify(password, user?.password_hash);
      if (!user || !matches) {
        log?.info('signin refused', { reason: 'invalid-credentials' });
        throw new AppError('invalid-credentials');
      }
      return startSession(user.id, deadline, [giveBack(counted)]);
    },

    async refresh(presented, { deadline, log } = {}) {
      const found = await hasura.request(
        FindRefreshToken,
        { hash: hashRefreshToken(presented) },
        { deadline },
      );
      const row = found.refresh_token[0];
      if (!row || Date.parse(row.expires_at) <= now()) throw new AppError('invalid-refresh-token');
      const revokeFamily = async () => {
        log?.warn('refresh token reused: revoking its family', {
          familyId: row.family_id,
          userId: row.user_id,
        });
        await hasura.request(
          RevokeRefreshTokenFamily,
          { familyId: row.family_id, now: iso(now()) },
          { deadline },
        );
        throw new AppError('invalid-refresh-token');
      };
      if (row.revoked_at !== null) return revokeFamily();

      const refreshToken = newRefreshToken();
      const next = {
        user_id: row.user_id,
        family_id: row.family_id,
        token_hash: hashRefreshToken(refreshToken),
        expires_at: iso(now() + config.refreshTokenTtlSeconds * 1000),
      };
      const rotated = await hasura.request(
        RotateRefreshToken,
        { id: row.id, now: iso(now()), next },
        { deadline },
      );
      // Someone rotated the same token a moment earlier: it was used twice, so the family goes.
      if (rotated.update_refresh_token?.affected_rows !== 1) return revokeFamily();
      return { accessToken: await accessTokens.issue(row.user_id), refreshToken };
    },

    async signout(presented, { deadline } = {}) {
      // Idempotent and silent: an unknown or already revoked token is not worth an error.
      await hasura.request(
        RevokeRefreshToken,
        { hash: hashRefreshToken(presented), now: iso(now()) },
        { deadline },
      );
      return { ok: true };
    },
  };
}
