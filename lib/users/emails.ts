import type { AccountsConfig } from '../config';
import type { HasuraClient } from '../hasura/client';
import { InsertTicket } from '../hasura/documents';
import type { Mailer } from '../mail';
import { type CallOptions, iso } from './common';
import { createTickets } from './tickets';

export interface AccountEmailsDeps {
  hasura: HasuraClient;
  mailer: Mailer;
  accounts: AccountsConfig;
  now: () => number;
}

/** The emails asked for by address: neither bcrypt nor the JWT key is needed to send them. */
export interface AccountEmails {
  /** Same answer and same work for any address; rate-limited per address. */
  resendVerificationEmail(email: string, options?: CallOptions): Promise<{ ok: true }>;
  /** Same answer and same work for any address; rate-limited per address. */
  requestPasswordReset(email: string, options?: CallOptions): Promise<{ ok: true }>;
}

export function createAccountEmails({ hasura, mailer, accounts, now }: AccountEmailsDeps): AccountEmails {
  const tickets = createTickets({ hasura, accounts, now });
  return {
    async resendVerificationEmail(email, { deadline, log } = {}) {
      const user = await tickets.accountOf(email, deadline);
      const { token, ticket } = tickets.issue(email, 'verify-email', null);
      await hasura.request(InsertTicket, { ticket, now: iso(now()) }, { deadline });
      await mailer.deliver(
        email,
        !user
          ? { kind: 'no-account', asked: 'verification' }
          : user.email_verified
            ? { kind: 'already-verified' }
            : { kind: 'verify-email', token, ttlHours: tickets.ttlHours('verify-email') },
        { deadline, log },
      );
      return { ok: true };
    },

    async requestPasswordReset(email, { deadline, log } = {}) {
      const user = await tickets.accountOf(email, deadline);
      // Written for an unknown address too (it can never be spent): the same work either way.
      const { token, ticket } = tickets.issue(email, 'reset-password', null);
      await hasura.request(InsertTicket, { ticket, now: iso(now()) }, { deadline });
      await mailer.deliver(
        email,
        user
          ? { kind: 'reset-password', token, ttlHours: tickets.ttlHours('reset-password') }
          : { kind: 'no-account', asked: 'reset' },
        { deadline, log },
      );
      return { ok: true };
    },
  };
}
