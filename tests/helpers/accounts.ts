import {
  type Accounts,
  type AccountsDeps,
  type CallOptions,
  type Credentials,
  createAccounts,
  type SignupResult,
} from '../../lib/accounts';
import { createPasswords, type Passwords } from '../../lib/accounts/passwords';
import { createAccessTokens } from '../../lib/accounts/tokens';
import type { Counted } from '../../lib/action/rate-limit';
import { createRateLimiter } from '../../lib/action/rate-limit';
import type { LimitsConfig } from '../../lib/action/settings';
import type { Caller } from '../../lib/instances/projects';
import type { HasuraClient } from '../../lib/platform/hasura/client';
import type { Mailer } from '../../lib/platform/mail';

/** A Accounts service whose every method answers success; tests override what they need. */
export function fakeAccounts(): jest.Mocked<Accounts> {
  const session = { accessToken: 'access', refreshToken: 'refresh' };
  const ok = { ok: true as const };
  return {
    signup: jest.fn(
      async (_credentials: Credentials, _options?: CallOptions): Promise<SignupResult> => ({
        ...session,
        emailVerificationRequired: false,
      }),
    ),
    signin: jest.fn(async (_credentials: Credentials, _options?: CallOptions) => session),
    refresh: jest.fn(async (_token: string, _options?: CallOptions) => session),
    signout: jest.fn(async (_token: string, _options?: CallOptions) => ok),
    verifyEmail: jest.fn(async (_token: string, _password: string, _options?: CallOptions) => session),
    resendVerificationEmail: jest.fn(async (_email: string, _options?: CallOptions) => ok),
    requestPasswordReset: jest.fn(async (_email: string, _options?: CallOptions) => ok),
    resetPassword: jest.fn(async (_token: string, _password: string, _options?: CallOptions) => ok),
    changePassword: jest.fn(
      async (
        _userId: number,
        _passwords: { oldPassword: string; newPassword: string },
        _options?: CallOptions,
      ) => session,
    ),
    deleteAccount: jest.fn(async (_password: string, _caller: Caller, _attempt?: Counted) => ok),
  };
}

/**
 * The real accounts service over a test Hasura, as the function tests wire it (what
 * lib/runtime/index.ts builds from settings): bcrypt cost 10, 15-minute access tokens signed with
 * `jwtKey`, e-mail verification on, the rate limits of `limits`.
 */
export function functionAccounts({
  hasura,
  jwtKey,
  limits,
  mailer,
  passwords = createPasswords(10),
  projects,
}: {
  hasura: HasuraClient;
  jwtKey: string;
  limits: LimitsConfig;
  mailer: Mailer;
  passwords?: Passwords;
  projects?: AccountsDeps['projects'];
}): Accounts {
  return createAccounts({
    hasura,
    passwords,
    accessTokens: createAccessTokens(
      {
        key: new TextEncoder().encode(jwtKey),
        claimsNamespace: 'https://hasura.io/jwt/claims',
        claimsFormat: 'json',
      },
      900,
    ),
    limiter: createRateLimiter({ hasura }),
    config: {
      ...limits,
      refreshTokenTtlSeconds: 3600,
      sessionMaxSeconds: 7200,
      maxSessionsPerUser: 5,
      requireEmailVerification: true,
    },
    accounts: {
      requireEmailVerification: true,
      verificationTtlSeconds: 86400,
      passwordResetTtlSeconds: 3600,
    },
    mailer,
    ...(projects ? { projects } : {}),
  });
}
