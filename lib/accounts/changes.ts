import { AppError } from '../basics/errors';
import type { HasuraClient } from '../platform/hasura/client';
import {
  ChangeAccountPassword,
  ResetAccountPassword,
  VerifyAccount,
  VerifyAccountKeepingPassword,
} from '../platform/hasura/documents';
import { type CallOptions, checkedAccount, iso, type Session } from './common';
import type { Passwords } from './passwords';
import type { Sessions } from './sessions';
import type { AccountsConfig } from './settings';
import { createTickets } from './tickets';

export interface AccountChangesDeps {
  hasura: HasuraClient;
  passwords: Passwords;
  sessions: Pick<Sessions, 'start'>;
  accounts: AccountsConfig;
  now: () => number;
}

/** What changes an existing account: a verified address, a new password. No email is sent here. */
export interface AccountChanges {
  /** Spends a verification ticket; answers a session of the verified account. */
  verifyEmail(token: string, options?: CallOptions): Promise<Session>;
  /** Spends a reset ticket: new password, every session of the account revoked. */
  resetPassword(token: string, newPassword: string, options?: CallOptions): Promise<{ ok: true }>;
  /** Every other session is revoked; answers a fresh session for the caller. */
  changePassword(
    userId: number,
    passwords: { oldPassword: string; newPassword: string },
    options?: CallOptions,
  ): Promise<Session>;
}

export function createAccountChanges({
  hasura,
  passwords,
  sessions,
  accounts,
  now,
}: AccountChangesDeps): AccountChanges {
  const tickets = createTickets({ hasura, accounts, now });
  return {
    async verifyEmail(token, { deadline } = {}) {
      const ticket = await tickets.spend(token, 'verify-email', deadline);
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
      return sessions.start(user.id, deadline);
    },

    async resetPassword(token, newPassword, { deadline } = {}) {
      const ticket = await tickets.spend(token, 'reset-password', deadline);
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
      const user = await checkedAccount({ hasura, passwords }, userId, oldPassword, deadline);
      const passwordHash = await passwords.hash(newPassword);
      const changed = await hasura.request(
        ChangeAccountPassword,
        { id: user.id, email: user.email, passwordHash, now: iso(now()) },
        { deadline },
      );
      if (!changed.update_user_by_pk) throw new AppError('account-not-found');
      return sessions.start(user.id, deadline);
    },
  };
}
