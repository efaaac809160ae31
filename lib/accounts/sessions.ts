import { randomUUID } from 'node:crypto';
import { digest, giveBack, type Limit, limitKey, type RateLimiter } from '../action/rate-limit';
import type { LimitsConfig } from '../action/settings';
import { AppError } from '../basics/errors';
import type { HasuraClient } from '../platform/hasura/client';
import {
  EndSession,
  FindRefreshToken,
  type KnownAddress,
  type RateLimitHitInput,
  RevokeRefreshTokenFamily,
  RotateRefreshToken,
  SigninUser,
  StartSession,
} from '../platform/hasura/documents';
import { addressKey, knownSince, remembered } from './addresses';
import { type CallOptions, type Credentials, iso, type Session } from './common';
import type { Passwords } from './passwords';
import type { AccountsConfig, AuthConfig } from './settings';
import { type AccessTokens, familyOf, hashRefreshToken, newRefreshToken } from './tokens';

/** Signin's options: `attempt` is the call already counted against `signinLimits` by the middleware. */
export type SigninOptions = CallOptions;

type SigninLimitsConfig = Pick<
  LimitsConfig,
  'signinMaxFailures' | 'signinMaxFailuresPerEmail' | 'signinWindowSeconds' | 'signinEmailWindowSeconds'
>;

export type SessionsConfig = SigninLimitsConfig &
  Pick<AuthConfig, 'refreshTokenTtlSeconds' | 'sessionMaxSeconds' | 'maxSessionsPerUser'> &
  Pick<AccountsConfig, 'requireEmailVerification'>;

/**
 * The sign-in limits, each counted BEFORE the password is checked, atomically
 * (lib/action/rate-limit.ts), and given back when the password is right: what stays counted are
 * failures.
 * - strict (`signinLimits`, counted by the action middleware with the per-caller limit): failures
 *   per email from one client address, SIGNIN_MAX_FAILURES per SIGNIN_WINDOW_SECONDS;
 * - loose (`signinEmailLimit`, counted here): failures per email from every address together,
 *   SIGNIN_MAX_FAILURES_PER_EMAIL (100) per SIGNIN_EMAIL_WINDOW_SECONDS (an hour).
 * An attempt refused by the strict limit is not counted by the loose one.
 *
 * Lock-outs (OWASP ASVS 4.0.3, 2.2.1: anti-automation must mitigate breached-credential testing,
 * brute force AND account lockout attacks, with at most 100 failed attempts per hour on one
 * account; https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/0x11-V2-Authentication.md). The loose
 * limit is what guesses spread over many addresses (IPv6 makes them cheap) run into, and strangers
 * can fill it. So it is not applied to a client address this account was reached from in the last
 * KNOWN_ADDRESS_DAYS (a right password there, or a proved mailbox: lib/accounts/addresses.ts):
 * the owner signing in from her usual address is never refused because of strangers, who cannot
 * use her address. From a new address she proves the mailbox instead (RequestPasswordReset, whose
 * mail limit strangers can hold for minutes only, then ResetPassword, which makes that address
 * known). A stranger can never reach her known addresses' budget, and from every other address
 * together gets at most 100 failures an hour: the risk-based restriction ("first login on a
 * device") and rate limit 2.2.1 lists, without a hard lockout anyone can trigger.
 */
export function signinLimits(
  email: string,
  address: string | undefined,
  config: SigninLimitsConfig,
): Limit[] {
  return [
    {
      key: limitKey('signin', digest(email), address ?? 'unknown'),
      max: config.signinMaxFailures,
      windowSeconds: config.signinWindowSeconds,
      code: 'too-many-attempts',
    },
  ];
}

/** The loose limit (see `signinLimits`), for a client address the account was not reached from. */
export function signinEmailLimit(email: string, config: SigninLimitsConfig): Limit {
  return {
    key: limitKey('signin', digest(email)),
    max: config.signinMaxFailuresPerEmail,
    windowSeconds: config.signinEmailWindowSeconds,
    code: 'too-many-attempts',
  };
}

export interface Sessions {
  signin(credentials: Credentials, options?: SigninOptions): Promise<Session>;
  refresh(refreshToken: string, options?: CallOptions): Promise<Session>;
  signout(refreshToken: string, options?: CallOptions): Promise<{ ok: true }>;
  /** Issues an access token and the first refresh token of a new family (a session). */
  start(userId: number, deadline: number | undefined, options?: StartOptions): Promise<Session>;
}

export interface StartOptions {
  /** Attempts to give back in the same transaction (a right password is not a failure). */
  giveBack?: RateLimitHitInput[];
  /** Sessions (family ids) the new one ends. */
  evict?: string[];
  /** The client address to remember for the account (lib/accounts/addresses.ts). */
  addresses?: KnownAddress[];
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
  options: StartOptions = {},
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
    addresses: options.addresses ?? [],
    userId,
    now: iso(now()),
  };
  const [accessToken] = await Promise.all([
    accessTokens.issue(userId),
    hasura.request(StartSession, variables, { deadline }),
  ]);
  return { accessToken, refreshToken };
}

/**
 * Signin: counted first, then the password checked; a right one gives its attempts back. An account
 * whose address is not verified gets no session while verification is required, and the same
 * answer as a wrong password (it has no password of its own yet: lib/accounts/signup.ts).
 */
async function signin(
  deps: SessionsDeps,
  { email, password }: Credentials,
  { deadline, log, address, attempt }: SigninOptions = {},
): Promise<Session> {
  const { hasura, passwords, limiter, config, now } = deps;
  // Counted first, atomically: concurrent wrong guesses cannot all slip under the limit.
  const strict = attempt ?? (await limiter.hit(signinLimits(email, address, config), { deadline }));
  const found = await hasura.request(
    SigninUser,
    {
      email,
      keep: config.maxSessionsPerUser - 1,
      now: iso(now()),
      address: address === undefined ? '' : addressKey(address),
      since: knownSince(now()),
    },
    { deadline },
  );
  const known = address !== undefined && found.account_address.length > 0;
  const loose = known ? undefined : await limiter.hit([signinEmailLimit(email, config)], { deadline });
  const user = found.user[0];
  const usable = user && (user.email_verified || !config.requireEmailVerification);
  // Unknown email, unverified account and wrong password take the same path: one bcrypt
  // comparison, no write.
  const matches = await passwords.verify(password, (usable && user.password_hash) || undefined);
  if (!user || !usable || !matches) {
    log?.info('signin refused', { reason: 'invalid-credentials' });
    throw new AppError('invalid-credentials');
  }
  // The new session ends the least recently used ones beyond MAX_SESSIONS_PER_USER.
  const evict = [...new Set(found.refresh_token.map((t) => t.family_id))];
  return startSession(deps, user.id, deadline, {
    giveBack: [strict, ...(loose ? [loose] : [])].map(giveBack),
    evict,
    addresses: remembered(email, address, now()),
  });
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
