import type { EnvReader } from '../basics/settings';

/** What every Hasura Action handler needs (not the scheduled or webhook functions). */
export interface ActionsConfig {
  /** Shared secret Hasura sends in the `x-actions-secret` header of every action call. */
  secret: string;
  /** Overall time an action may spend, well inside Hasura's and API Gateway's 30 s. */
  budgetMs: number;
}

/** Rate limits on every action, kept in the database (lib/action/rate-limit.ts). */
export interface LimitsConfig {
  /** Window of the per-caller limits. */
  windowSeconds: number;
  /** Calls of one action per user (role `user`) within the window. */
  perUser: number;
  /** Calls of one action per client address (role `anonymous`) within the window. */
  perAddress: number;
  /** Sign-ups per client address per hour. */
  signupsPerAddressPerHour: number;
  /** Sign-ups per hour, everyone together. */
  signupsPerHour: number;
  /** Failed sign-ins per email AND client address within `signinWindowSeconds` (the strict limit). */
  signinMaxFailures: number;
  signinWindowSeconds: number;
  /**
   * Failed sign-ins per email, from every address the account was not reached from lately, within
   * `signinEmailWindowSeconds` (the loose limit; an hour by default: OWASP ASVS 4.0 2.2.1 asks for
   * at most 100 failed attempts per hour on one account).
   */
  signinMaxFailuresPerEmail: number;
  signinEmailWindowSeconds: number;
  /** Which X-Forwarded-For entry, from the right, holds the client's address (lib/action/rate-limit.ts). */
  clientAddressDepth: number;
  /**
   * Emails of one kind (verification, password reset) one mailbox (normalized: lib/accounts/mailbox.ts)
   * may be sent per `mailWindowSeconds`. The window is short so that strangers who spend it block
   * the owner's own request for minutes, not an hour.
   */
  mailsPerEmailPerWindow: number;
  mailWindowSeconds: number;
  /** Emails, of any kind and to any mailbox, one client address may ask for per hour. */
  mailsPerAddressPerHour: number;
  /**
   * Emails per hour, everyone together (the global mail ceiling), counted in windows of
   * `mailWindowSeconds` (a share of it each), so that spending it stops mail for minutes only.
   */
  mailsPerHour: number;
}

export function readActions(r: EnvReader): ActionsConfig {
  return {
    secret: r.secret('ACTIONS_SECRET', 16),
    budgetMs: r.int('ACTION_BUDGET_MS', 25000, 1000, 28000),
  };
}

export function readLimits(r: EnvReader): LimitsConfig {
  return {
    windowSeconds: r.int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 24 * 3600),
    perUser: r.int('RATE_LIMIT_PER_USER', 30, 1, 1_000_000),
    perAddress: r.int('RATE_LIMIT_PER_ADDRESS', 30, 1, 1_000_000),
    signupsPerAddressPerHour: r.int('SIGNUPS_PER_ADDRESS_PER_HOUR', 5, 1, 1_000_000),
    signupsPerHour: r.int('SIGNUPS_PER_HOUR', 200, 1, 1_000_000),
    signinMaxFailures: r.int('SIGNIN_MAX_FAILURES', 10, 1, 1000),
    signinWindowSeconds: r.int('SIGNIN_WINDOW_SECONDS', 5 * 60, 10, 24 * 3600),
    signinMaxFailuresPerEmail: r.int('SIGNIN_MAX_FAILURES_PER_EMAIL', 100, 1, 100000),
    signinEmailWindowSeconds: r.int('SIGNIN_EMAIL_WINDOW_SECONDS', 3600, 60, 24 * 3600),
    clientAddressDepth: r.int('CLIENT_ADDRESS_DEPTH', 2, 1, 10),
    mailsPerEmailPerWindow: r.int('MAILS_PER_EMAIL_PER_WINDOW', 2, 1, 1000),
    mailWindowSeconds: r.int('MAIL_WINDOW_SECONDS', 5 * 60, 60, 3600),
    mailsPerAddressPerHour: r.int('MAILS_PER_ADDRESS_PER_HOUR', 20, 1, 1_000_000),
    mailsPerHour: r.int('MAILS_PER_HOUR', 1000, 1, 10_000_000),
  };
}
