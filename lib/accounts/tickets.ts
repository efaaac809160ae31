import { randomBytes } from 'node:crypto';
import { digest, type Limit, limitKey } from '../action/rate-limit';
import type { LimitsConfig } from '../action/settings';
import { AppError } from '../basics/errors';
import type { HasuraClient } from '../platform/hasura/client';
import {
  MailAccountLookup,
  type NewTicket,
  type TicketPurpose,
  UseTicket,
} from '../platform/hasura/documents';
import { iso } from './common';
import { mailboxOf } from './mailbox';
import type { AccountsConfig } from './settings';
import { hashRefreshToken } from './tokens';

/** A mailed ticket's token: 256 random bits; only its SHA-256 is stored. */
export function newTicketToken(): string {
  return randomBytes(32).toString('base64url');
}
export const hashTicketToken = hashRefreshToken;

type MailLimitsConfig = Pick<
  LimitsConfig,
  'mailsPerEmailPerWindow' | 'mailWindowSeconds' | 'mailsPerAddressPerHour' | 'mailsPerHour'
>;

/**
 * The limits on one email the actions send, counted by their middleware for any address, with or
 * without an account (so a refusal tells nothing either), in this order:
 * 1. per client address, every kind and every mailbox together, per hour: one client cannot mail
 *    the world, and a stranger who reaches it stops before spending the two limits below;
 * 2. per mailbox (normalized: lib/accounts/mailbox.ts) and kind, per short window (five minutes by
 *    default): strangers who spend it block the owner's own request for minutes, not an hour;
 * 3. the global ceiling, a share of MAILS_PER_HOUR per window, for the same reason.
 * Signup and ResendVerificationEmail share the verification count.
 */
export function mailLimits(
  purpose: TicketPurpose,
  email: string,
  address: string | undefined,
  settings: MailLimitsConfig,
): Limit[] {
  const window = settings.mailWindowSeconds;
  const code = 'too-many-emails';
  return [
    {
      key: limitKey('mail-from', address ?? 'unknown'),
      max: settings.mailsPerAddressPerHour,
      windowSeconds: 3600,
      code,
    },
    {
      key: limitKey('mail', purpose, digest(mailboxOf(email))),
      max: settings.mailsPerEmailPerWindow,
      windowSeconds: window,
      code,
    },
    {
      key: limitKey('mails'),
      max: Math.max(1, Math.floor((settings.mailsPerHour * window) / 3600)),
      windowSeconds: window,
      code,
    },
  ];
}

export interface TicketsDeps {
  hasura: HasuraClient;
  accounts: AccountsConfig;
  now: () => number;
}

/** Single-use tickets (email verification, password reset): the token is mailed, its hash stored. */
export function createTickets({ hasura, accounts, now }: TicketsDeps) {
  const ttlSeconds = (purpose: TicketPurpose) =>
    purpose === 'verify-email' ? accounts.verificationTtlSeconds : accounts.passwordResetTtlSeconds;
  return {
    ttlHours: (purpose: TicketPurpose) => Math.max(1, Math.round(ttlSeconds(purpose) / 3600)),

    /** A new ticket: the token goes into the email, only its hash into the database. */
    issue(email: string, purpose: TicketPurpose) {
      const token = newTicketToken();
      const ticket: NewTicket = {
        email,
        purpose,
        token_hash: hashTicketToken(token),
        expires_at: iso(now() + ttlSeconds(purpose) * 1000),
        created_at: iso(now()),
      };
      return { token, ticket };
    },

    async spend(token: string, purpose: TicketPurpose, deadline?: number) {
      const used = await hasura.request(
        UseTicket,
        { hash: hashTicketToken(token), purpose, now: iso(now()) },
        { deadline },
      );
      const ticket = used.update_account_ticket?.returning[0];
      if (!ticket) throw new AppError('invalid-ticket');
      return ticket;
    },

    /** The address's account, if any: read the same way for known and unknown addresses. */
    async accountOf(email: string, deadline?: number) {
      return (await hasura.request(MailAccountLookup, { email }, { deadline })).user[0];
    },
  };
}

export type Tickets = ReturnType<typeof createTickets>;
