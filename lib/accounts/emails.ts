import type { HasuraClient } from '../platform/hasura/client';
import { InsertTicket, type TicketPurpose } from '../platform/hasura/documents';
import type { Mailer, MailTemplate } from '../platform/mail';
import { type CallOptions, iso } from './common';
import type { AccountsConfig } from './settings';
import { createTickets, type Tickets } from './tickets';

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
  const ttl = (purpose: TicketPurpose) => tickets.ttlHours(purpose);

  /**
   * The same work for any address, with or without an account: one lookup, one ticket written
   * (never spendable for an unknown address), one email. Only the email's words differ, and only
   * the address's owner reads them.
   */
  async function mailTicket(
    email: string,
    purpose: TicketPurpose,
    template: (account: Account | undefined, token: string) => MailTemplate,
    { deadline, log }: CallOptions,
  ): Promise<{ ok: true }> {
    const account = await tickets.accountOf(email, deadline);
    const { token, ticket } = tickets.issue(email, purpose);
    await hasura.request(InsertTicket, { ticket, now: iso(now()) }, { deadline });
    await mailer.deliver(email, template(account, token), { deadline, log });
    return { ok: true };
  }

  return {
    resendVerificationEmail: (email, options = {}) =>
      mailTicket(
        email,
        'verify-email',
        (account, token) =>
          !account
            ? { kind: 'no-account', asked: 'verification' }
            : account.email_verified
              ? { kind: 'already-verified' }
              : { kind: 'verify-email', token, ttlHours: ttl('verify-email') },
        options,
      ),

    requestPasswordReset: (email, options = {}) =>
      mailTicket(
        email,
        'reset-password',
        (account, token) =>
          account
            ? { kind: 'reset-password', token, ttlHours: ttl('reset-password') }
            : { kind: 'no-account', asked: 'reset' },
        options,
      ),
  };
}

type Account = Awaited<ReturnType<Tickets['accountOf']>>;
