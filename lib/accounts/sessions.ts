import { randomUUID } from 'node:crypto';
import { type Counted, digest, giveBack, type Limit, limitKey, type RateLimiter } from '../action/rate-limit';
import type { LimitsConfig } from '../action/settings';
import { AppError } from '../basics/errors';
import type { HasuraClient } from '../platform/hasura/client';
import {
  EndSession,
  FindRefreshToken,
  type RateLimitHitInput,
  RevokeRefreshTokenFamily,
  RotateRefreshToken,
  SigninUser,
  StartSession,
} from '../platform/hasura/documents';
import { type CallOptions, type Credentials, iso, type Session } from './common';
import type { Passwords } from './passwords';
import type { AuthConfig } from './settings';
import { type AccessTokens, familyOf, hashRefreshToken, newRefreshToken } from './tokens';

export interface SigninOptions extends CallOptions {
  /** The client's address (lib/action/rate-limit.ts `clientAddress`); undefined shares one bucket. */
  address?: string;
  /** The attempt, already counted against `signinLimits` (by the action middleware). */
  attempt?: Counted;
}

type SigninLimitsConfig = Pick<
  LimitsConfig,
  'signinMaxFailures' | 'signinMaxFailuresPerEmail' | 'signinWindowSeconds'
>;

export type SessionsConfig = SigninLimitsConfig &
  Pick<AuthConfig, 'refreshTokenTtlSeconds' | 'sessionMaxSeconds' | 'maxSessionsPerUser'>;

/**
 * The sign-in limits, counted in this order BEFORE the password is checked, atomically
 * (lib/action/rate-limit.ts), and given back when the password is right: what stays counted are failures.
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

export interface Sessions {
  signin(credentials: Credentials, options?: SigninOptions): Promise<Session>;
  refresh(refreshToken: string, options?: CallOptions): Promise<Session>;
  signout(refreshToken: string, options?: CallOptions): Promise<{ ok: true }>;
  /** Issues an access token and the first refresh token of a new family (a session). */
  start(
    userId: number,
    deadline: number | undefined,
    options?: { giveBack?: RateLimitHitInput[]; evict?: string[] },
  ): Promise<Session>;
}

export interface SessionsDeps {
  hasura: HasuraClient;
  passwords: Passwords;
  accessTokens: AccessTokens;
  limiter: RateLimiter;
  config: SessionsConfig;
  now: () => number;
}

/** Sessions: sign-in, rotation of refresh tokens, sign-out. */
export function createSessions(deps: SessionsDeps): Sessions {
  return {
    start: (userId, deadline, options) => startSession(deps, userId, deadline, options),
    signin: (credentials, options) => signin(deps, credentials, options),
    refresh: (refreshToken, options) => refreshSession(deps, refreshToken, options),
    signout: (refreshToken, options) => signout(deps, refreshToken, options),
  };
}

type TokenDeps = Pick<SessionsDeps, 'hasura' | 'accessTokens' | 'config' | 'now'>;

/** Issues an access token and the first refresh token of a new family (a session). */
async function startSession(
  { hasura, accessTokens, config, now }: TokenDeps,
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

/** Signin: counted first, then the password checked; a right one gives its attempt back. */
async function signin(
  deps: SessionsDeps,
  { email, password }: Credentials,
  { deadline, log, address, attempt }: SigninOptions = {},
): Promise<Session> {
  const { hasura, passwords, limiter, config, now } = deps;
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
  return startSession(deps, user.id, deadline, { giveBack: [giveBack(counted)], evict });
}

/** RefreshToken: the presented token is rotated; a token presented twice ends its session. */
async function refreshSession(
  { hasura, accessTokens, config, now }: TokenDeps,
  presented: string,
  { deadline, log }: CallOptions = {},
): Promise<Session> {
  // A refresh token used twice: its whole session ends, and the call is refused.
  const revokeFamily = async (familyId: string, userId: number) => {
    log?.warn('refresh token reused: revoking its family', { familyId, userId });
    await hasura.request(RevokeRefreshTokenFamily, { familyId, now: iso(now()) }, { deadline });
    throw new AppError('invalid-refresh-token');
  };
  const hash = hashRefreshToken(presented);
  const familyId = familyOf(presented);
  const found = await hasura.request(
    FindRefreshToken,
    { hash, familyId: familyId ?? NO_FAMILY },
    { deadline },
  );
  const row = found.refresh_token.find((r) => r.token_hash === hash);
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
}

/** Signout: idempotent and silent, an unknown or already revoked token is not worth an error. */
async function signout(
  { hasura }: Pick<SessionsDeps, 'hasura'>,
  presented: string,
  { deadline }: CallOptions = {},
): Promise<{ ok: true }> {
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
}

/** A family id no session has, for tokens that carry none. */
const NO_FAMILY = '00000000-0000-0000-0000-000000000000';
