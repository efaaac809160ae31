import type { EnvReader } from '../basics/settings';

/** What every Hasura Action handler needs (not the scheduled or webhook functions); described where read. */
export interface ActionsConfig {
  secret: string;
  budgetMs: number;
}

/** Rate limits on every action, kept in the database (lib/action/rate-limit.ts); described where read. */
export interface LimitsConfig {
  windowSeconds: number;
  perUser: number;
  perAddress: number;
  signupsPerAddressPerHour: number;
  signupsPerHour: number;
  signinMaxFailures: number;
  signinWindowSeconds: number;
  signinMaxFailuresPerEmail: number;
  signinEmailWindowSeconds: number;
  clientAddressDepth: number;
  mailsPerEmailPerWindow: number;
  mailWindowSeconds: number;
  mailsPerAddressPerHour: number;
  mailsPerHour: number;
}

export function readActions(r: EnvReader): ActionsConfig {
  return {
    /**
     * ACTIONS_SECRET: Shared secret Hasura sends in the x-actions-secret header of every action call (the
     * same value in Hasura's environment); a call without it is refused. At least 16 characters.
     */
    secret: r.secret('ACTIONS_SECRET', 16),
    /**
     * ACTION_BUDGET_MS: Overall time an action may spend, well inside Hasura's and API Gateway's 30 s:
     * every upstream call is cut to what is left of it.
     */
    budgetMs: r.int('ACTION_BUDGET_MS', 25000, 1000, 28000),
  };
}

export function readLimits(r: EnvReader): LimitsConfig {
  return {
    /**
     * RATE_LIMIT_WINDOW_SECONDS: Window of the per-caller limits RATE_LIMIT_PER_USER and
     * RATE_LIMIT_PER_ADDRESS.
     */
    windowSeconds: r.int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 24 * 3600),
    /** RATE_LIMIT_PER_USER: Calls of one action per user (role user) within RATE_LIMIT_WINDOW_SECONDS. */
    perUser: r.int('RATE_LIMIT_PER_USER', 30, 1, 1_000_000),
    /**
     * RATE_LIMIT_PER_ADDRESS: Calls of one action per client address (role anonymous) within
     * RATE_LIMIT_WINDOW_SECONDS.
     */
    perAddress: r.int('RATE_LIMIT_PER_ADDRESS', 30, 1, 1_000_000),
    /** SIGNUPS_PER_ADDRESS_PER_HOUR: Sign-ups per client address per hour. */
    signupsPerAddressPerHour: r.int('SIGNUPS_PER_ADDRESS_PER_HOUR', 5, 1, 1_000_000),
    /** SIGNUPS_PER_HOUR: Sign-ups per hour, everyone together. */
    signupsPerHour: r.int('SIGNUPS_PER_HOUR', 200, 1, 1_000_000),
    /**
     * SIGNIN_MAX_FAILURES: Failed sign-ins per email and client address within SIGNIN_WINDOW_SECONDS (the
     * strict limit).
     */
    signinMaxFailures: r.int('SIGNIN_MAX_FAILURES', 10, 1, 1000),
    /** SIGNIN_WINDOW_SECONDS: Window of SIGNIN_MAX_FAILURES. */
    signinWindowSeconds: r.int('SIGNIN_WINDOW_SECONDS', 5 * 60, 10, 24 * 3600),
    /**
     * SIGNIN_MAX_FAILURES_PER_EMAIL: Failed sign-ins per email, from every address the account was not
     * reached from lately, within SIGNIN_EMAIL_WINDOW_SECONDS (the loose limit; OWASP ASVS 4.0 2.2.1 asks
     * for at most 100 failed attempts per hour on one account).
     */
    signinMaxFailuresPerEmail: r.int('SIGNIN_MAX_FAILURES_PER_EMAIL', 100, 1, 100000),
    /** SIGNIN_EMAIL_WINDOW_SECONDS: Window of SIGNIN_MAX_FAILURES_PER_EMAIL. */
    signinEmailWindowSeconds: r.int('SIGNIN_EMAIL_WINDOW_SECONDS', 3600, 60, 24 * 3600),
    /**
     * CLIENT_ADDRESS_DEPTH: Which X-Forwarded-For entry, from the right, holds the client's address: 2
     * behind a load balancer and API Gateway, 1 for serverless-offline behind a proxy that appends it. With
     * docker-compose's Hasura and no such proxy, the whole header is the client's own claim whatever the
     * depth: per-address limits are then only as good as that (fine locally, never in production).
     */
    clientAddressDepth: r.int('CLIENT_ADDRESS_DEPTH', 2, 1, 10),
    /**
     * MAILS_PER_EMAIL_PER_WINDOW: Emails of one kind (verification, password reset) one mailbox may be sent
     * per MAIL_WINDOW_SECONDS. The window is short so that strangers who spend it block the owner's own
     * request for minutes, not an hour.
     */
    mailsPerEmailPerWindow: r.int('MAILS_PER_EMAIL_PER_WINDOW', 2, 1, 1000),
    /**
     * MAIL_WINDOW_SECONDS: Window of MAILS_PER_EMAIL_PER_WINDOW, and the share of MAILS_PER_HOUR counted at
     * a time.
     */
    mailWindowSeconds: r.int('MAIL_WINDOW_SECONDS', 5 * 60, 60, 3600),
    /**
     * MAILS_PER_ADDRESS_PER_HOUR: Emails, of any kind and to any mailbox, one client address may ask for
     * per hour.
     */
    mailsPerAddressPerHour: r.int('MAILS_PER_ADDRESS_PER_HOUR', 20, 1, 1_000_000),
    /**
     * MAILS_PER_HOUR: Emails per hour, everyone together (the global mail ceiling), counted in windows of
     * MAIL_WINDOW_SECONDS (a share of it each), so that spending it stops mail for minutes only.
     */
    mailsPerHour: r.int('MAILS_PER_HOUR', 1000, 1, 10_000_000),
  };
}
