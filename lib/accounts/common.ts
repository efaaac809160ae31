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
  if (!(await passwords.verify(password, user.password_hash))) throw new AppError('invalid-credentials');
  return user;
}
