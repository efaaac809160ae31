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
import type { AccountsConfig } from './settings';
import { hashRefreshToken } from './tokens';

/** A mailed ticket's token: 256 random bits; only its SHA-256 is stored. */
export function newTicketToken(): string {
  return randomBytes(32).toString('base64url');
}
export const hashTicketToken = hashRefreshToken;

/**
 * The emails one address may be sent per hour, by kind, counted by the actions' middleware for any
 * address, with or without an account (so the limit tells nothing either). Signup and
 * ResendVerificationEmail share the verification count.
 */
export function verificationMailLimit(
  email: string,
  settings: Pick<LimitsConfig, 'mailsPerEmailPerHour'>,
): Limit {
  return mailLimit('verify-email', email, settings);
}

export function resetMailLimit(email: string, settings: Pick<LimitsConfig, 'mailsPerEmailPerHour'>): Limit {
  return mailLimit('reset-password', email, settings);
}

function mailLimit(
  purpose: TicketPurpose,
  email: string,
  settings: Pick<LimitsConfig, 'mailsPerEmailPerHour'>,
): Limit {
  return {
    key: limitKey('mail', purpose, digest(email)),
    max: settings.mailsPerEmailPerHour,
    windowSeconds: 3600,
    code: 'too-many-emails',
  };
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
    issue(email: string, purpose: TicketPurpose, passwordHash: string | null) {
      const token = newTicketToken();
      const ticket: NewTicket = {
        email,
        purpose,
        token_hash: hashTicketToken(token),
        password_hash: passwordHash,
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
