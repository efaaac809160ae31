import { type Counted, type Limit, limitKey } from '../action/rate-limit';
import type { LimitsConfig } from '../action/settings';
import { AppError } from '../basics/errors';
import type { Logger } from '../basics/log';
import type { HasuraClient } from '../platform/hasura/client';
import { FindAccount } from '../platform/hasura/documents';
import type { Passwords } from './passwords';

/**
 * What every part of lib/accounts shares. The parts are split by what they need (bcrypt, the JWT key,
 * a mailer, the Qovery client) so that each function's runtime builds, and its bundle carries, only
 * the part its action uses; lib/accounts/index.ts puts them together for tests and tools.
 */

export interface Credentials {
  email: string;
  password: string;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
}

export interface CallOptions {
  deadline?: number;
  log?: Logger;
  /** The client's address (lib/action/rate-limit.ts `clientAddress`); undefined shares one bucket. */
  address?: string;
  /** The call, already counted against its action's failure limits (by the action middleware). */
  attempt?: Counted;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** The signed-in caller's account, once their password is checked. */
export async function checkedAccount(
  { hasura, passwords }: { hasura: HasuraClient; passwords: Passwords },
  userId: number,
  password: string,
  deadline?: number,
) {
  const { user_by_pk: user } = await hasura.request(FindAccount, { id: userId }, { deadline });
  if (!user) throw new AppError('account-not-found');
  if (!(await passwords.verify(password, user.password_hash ?? undefined)))
    throw new AppError('invalid-credentials');
  return user;
}

/**
 * ChangePassword and DeleteAccount check the current password of a signed-in user: a stolen access
 * token must not make it a free guessing oracle. Failures are counted per user as Signin counts
 * them (before the check, given back when the password is right), with Signin's strict limit: only
 * the holder of the session can spend it, so no stranger locks the owner out with it.
 */
export function passwordCheckLimits(
  userId: number,
  config: Pick<LimitsConfig, 'signinMaxFailures' | 'signinWindowSeconds'>,
): Limit[] {
  return [
    {
      key: limitKey('password-check', userId),
      max: config.signinMaxFailures,
      windowSeconds: config.signinWindowSeconds,
      code: 'too-many-attempts',
    },
  ];
}
