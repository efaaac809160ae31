import { giveBack } from '../action/rate-limit';
import { AppError } from '../basics/errors';
import type { HasuraClient } from '../platform/hasura/client';
import { ChangeAccountPassword, ResetAccountPassword, VerifyAccount } from '../platform/hasura/documents';
import { remembered } from './addresses';
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
  /**
   * Spends a verification ticket with the password its clicker chose: the account, not verified
   * yet, takes that password; answers a session of it.
   */
  verifyEmail(token: string, password: string, options?: CallOptions): Promise<Session>;
  /** Spends a reset ticket: new password, every session of the account revoked. */
  resetPassword(token: string, newPassword: string, options?: CallOptions): Promise<{ ok: true }>;
  /** Every other session is revoked; answers a fresh session for the caller. */
  changePassword(
    userId: number,
    passwords: { oldPassword: string; newPassword: string },
    options?: CallOptions,
  ): Promise<Session>;
}

/**
 * Each of the three spends every outstanding ticket of the address (both kinds): once the mailbox is
 * proved or the password changed, an older link would only be a way in that outlived its purpose.
 */
export function createAccountChanges({
  hasura,
  passwords,
  sessions,
  accounts,
  now,
}: AccountChangesDeps): AccountChanges {
  const tickets = createTickets({ hasura, accounts, now });
  return {
    async verifyEmail(token, password, { deadline, address } = {}) {
      const { email } = await tickets.spend(token, 'verify-email', deadline);
      // The ticket proves the mailbox, so the password typed with it is the owner's. No password
      // typed at a Signup ever counts (lib/accounts/signup.ts says why).
      const passwordHash = await passwords.hash(password);
      const { verified } = await hasura.request(
        VerifyAccount,
        { email, passwordHash, now: iso(now()), addresses: remembered(email, address, now()) },
        { deadline },
      );
      const user = verified?.returning[0];
      // The account was deleted since the email was sent, or was verified already (its
      // verification links are void: a verified account changes its password by reset).
      if (!user) throw new AppError('invalid-ticket');
      return sessions.start(user.id, deadline);
    },

    async resetPassword(token, newPassword, { deadline, address } = {}) {
      const { email } = await tickets.spend(token, 'reset-password', deadline);
      const passwordHash = await passwords.hash(newPassword);
      const result = await hasura.request(
        ResetAccountPassword,
        { email, passwordHash, now: iso(now()), addresses: remembered(email, address, now()) },
        { deadline },
      );
      if (!result.update_user?.returning[0]) throw new AppError('invalid-ticket');
      return { ok: true };
    },

    async changePassword(userId, { oldPassword, newPassword }, { deadline, address, attempt } = {}) {
      const user = await checkedAccount({ hasura, passwords }, userId, oldPassword, deadline);
      const passwordHash = await passwords.hash(newPassword);
      const changed = await hasura.request(
        ChangeAccountPassword,
        { id: user.id, email: user.email, passwordHash, now: iso(now()) },
        { deadline },
      );
      if (!changed.update_user_by_pk) throw new AppError('account-not-found');
      return sessions.start(user.id, deadline, {
        giveBack: attempt ? [giveBack(attempt)] : [],
        addresses: remembered(user.email, address, now()),
      });
    },
  };
}
