import { randomUUID } from 'node:crypto';
import type { Passwords } from './auth/passwords';
import { type AccessTokens, hashRefreshToken, newRefreshToken } from './auth/tokens';
import type { AuthConfig } from './config';
import { AppError } from './errors';
import { type HasuraClient, isUniquenessViolation } from './hasura/client';
import {
  FindRefreshToken,
  InsertUser,
  RecordSigninFailure,
  RevokeRefreshToken,
  RevokeRefreshTokenFamily,
  RotateRefreshToken,
  SigninLookup,
  StartSession,
} from './hasura/documents';
import type { Logger } from './log';

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
  signin(credentials: Credentials, options?: CallOptions): Promise<Session>;
  refresh(refreshToken: string, options?: CallOptions): Promise<Session>;
  signout(refreshToken: string, options?: CallOptions): Promise<{ ok: true }>;
}

export interface CallOptions {
  deadline?: number;
  log?: Logger;
}

export interface UsersDeps {
  hasura: HasuraClient;
  passwords: Passwords;
  accessTokens: AccessTokens;
  config: Pick<AuthConfig, 'refreshTokenTtlSeconds' | 'signinMaxFailures' | 'signinWindowSeconds'>;
  now?: () => number;
}

/** Accounts and sessions. Emails arrive here already trimmed and lower-cased by the input schema. */
export function createUsers({ hasura, passwords, accessTokens, config, now = Date.now }: UsersDeps): Users {
  const iso = (ms: number) => new Date(ms).toISOString();

  /** Issues an access token and the first refresh token of a new family. */
  async function startSession(userId: number, email: string, deadline?: number): Promise<Session> {
    const refreshToken = newRefreshToken();
    const token = {
      user_id: userId,
      family_id: randomUUID(),
      token_hash: hashRefreshToken(refreshToken),
      expires_at: iso(now() + config.refreshTokenTtlSeconds * 1000),
    };
    const [accessToken] = await Promise.all([
      accessTokens.issue(userId),
      hasura.request(StartSession, { token, email, userId, now: iso(now()) }, { deadline }),
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
      return startSession(inserted.insert_user_one.id, email, deadline);
    },

    async signin({ email, password }, { deadline, log } = {}) {
      const windowMs = config.signinWindowSeconds * 1000;
      const lookup = await hasura.request(
        SigninLookup,
        { email, since: iso(now() - windowMs), limit: config.signinMaxFailures },
        { deadline },
      );
      const failures = lookup.signin_failure;
      const oldest = failures.at(-1);
      if (failures.length >= config.signinMaxFailures && oldest) {
        const retryAfterSeconds = Math.max(
          1,
          Math.ceil((Date.parse(oldest.attempted_at) + windowMs - now()) / 1000),
        );
        throw new AppError('too-many-attempts', { details: { retryAfterSeconds } });
      }
      const user = lookup.user[0];
      // Unknown email and wrong password take the same path: one bcrypt comparison, one write.
      const matches = await passwords.verify(password, user?.password_hash);
      if (!user || !matches) {
        await hasura.request(
          RecordSigninFailure,
          { email, now: iso(now()), expiredBefore: iso(now() - windowMs) },
          { deadline },
        );
        log?.info('signin refused', { reason: 'invalid-credentials' });
        throw new AppError('invalid-credentials');
      }
      return startSession(user.id, email, deadline);
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
