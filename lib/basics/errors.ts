/**
 * The one error catalogue. Every failure a caller can see is one of these codes.
 *
 * Hasura passes a webhook's `message` and `extensions` through to the client only when the
 * webhook answers with a 4xx status; a 5xx body is masked as "internal error". So every entry,
 * including `internal-error`, answers with a 4xx status: the client always gets a useful,
 * user-safe message and a code to branch on. Unexpected failures are still logged at level
 * "error" with the request id, which is what alarms should watch (not the HTTP status).
 */
export const catalogue = {
  unauthorized: { status: 401, message: 'This endpoint only accepts calls from Hasura.' },
  'invalid-payload': { status: 400, message: 'The request is not a valid Hasura action call.' },
  'invalid-input': { status: 400, message: 'The input is not valid.' },
  'unknown-action': { status: 400, message: 'This endpoint does not serve that action.' },
  'role-not-allowed': { status: 403, message: 'This action is not available to your role.' },
  'email-already-in-use': { status: 409, message: 'An account with this email already exists.' },
  'invalid-credentials': { status: 401, message: 'Wrong email or password.' },
  'email-not-verified': {
    status: 403,
    message:
      'Verify your email address first: open the link we emailed you, or ask for a new one with ResendVerificationEmail.',
  },
  'invalid-ticket': {
    status: 400,
    message: 'This link is invalid, has expired or was already used. Ask for a new one.',
  },
  'too-many-emails': {
    status: 429,
    message: 'Too many emails were asked for this address. Try again later.',
  },
  'account-not-found': { status: 401, message: 'This account no longer exists. Sign up again.' },
  'too-many-attempts': {
    status: 429,
    message: 'Too many failed sign-in attempts for this email. Try again later.',
  },
  'captcha-required': {
    status: 400,
    message: 'Complete the bot check (CAPTCHA) first, and send its token as captchaToken.',
  },
  'captcha-invalid': {
    status: 403,
    message: 'The bot check (CAPTCHA) failed, expired or was already used. Complete it again.',
  },
  'captcha-unavailable': {
    status: 424,
    message: 'The bot check (CAPTCHA) cannot be verified right now. Try again in a moment.',
  },
  'rate-limited': {
    status: 429,
    message: 'Too many requests. Try again after the number of seconds in retryAfterSeconds.',
  },
  'invalid-refresh-token': {
    status: 401,
    message: 'The refresh token is invalid, expired or revoked. Sign in again.',
  },
  'not-found': { status: 404, message: 'Project not found.' },
  'quota-exceeded': { status: 403, message: 'You have reached the maximum number of projects.' },
  'project-busy': {
    status: 409,
    message: 'The project is busy with another operation. Try again in a moment.',
  },
  'project-failed': {
    status: 409,
    message: 'This project is in error and cannot do that. Delete it and create another.',
  },
  'domain-invalid': {
    status: 400,
    message:
      'This is not a domain name an instance can serve: give a full host name such as api.example.com (letters, digits and hyphens, at least two labels, no wildcard).',
  },
  'domain-taken': { status: 409, message: 'This domain already serves another instance.' },
  'domain-reserved': {
    status: 400,
    message: "This is the instance's generated host (or its provider's zone): it needs no custom domain.",
  },
  'domain-apex': {
    status: 400,
    message:
      'This is the apex of a zone (like example.com), where DNS allows no CNAME record. Use a subdomain (api.example.com, www.example.com), or, if your DNS provider offers CNAME flattening (an ALIAS or ANAME record, as Cloudflare, Route 53, DNSimple and others do), add it again with cnameFlattening: true and create that record instead.',
  },
  'domain-quota-exceeded': {
    status: 403,
    message: 'This instance already has the most custom domains allowed. Remove one first.',
  },
  'domain-not-found': { status: 404, message: 'This instance has no such custom domain.' },
  'domain-not-active': {
    status: 409,
    message:
      'This domain is not active yet: its DNS record has not been found. Wait until its status is ACTIVE.',
  },
  'infrastructure-unavailable': {
    status: 424,
    message: 'The infrastructure provider is unavailable right now. Try again in a moment.',
  },
  'infrastructure-conflict': {
    status: 409,
    message: 'The infrastructure provider refused the change because of a conflicting state.',
  },
  'internal-error': {
    status: 400,
    message: 'Something went wrong on our side. Try again; if it keeps happening, quote the request id.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof catalogue;

/** Extra, user-safe details sent to the client in `extensions` (never secrets or upstream text). */
export type ErrorDetails = Record<string, string | number | boolean | readonly string[]>;

/** An expected failure: its code picks the status and message from the catalogue. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    options: { message?: string; details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(options.message ?? catalogue[code].message, { cause: options.cause });
    this.status = catalogue[code].status;
    this.details = options.details;
  }

  readonly details: ErrorDetails | undefined;
}

/** The body Hasura expects from a failing action handler. */
export interface HasuraErrorBody {
  message: string;
  extensions: { code: ErrorCode } & ErrorDetails;
}

/** Turns any thrown value into status + Hasura body. Unknown errors never leak their text. */
export function toHasuraError(error: unknown, requestId: string): { status: number; body: HasuraErrorBody } {
  if (error instanceof AppError && error.code !== 'internal-error') {
    return {
      status: error.status,
      body: { message: error.message, extensions: { ...error.details, code: error.code } },
    };
  }
  const entry = catalogue['internal-error'];
  return {
    status: entry.status,
    body: {
      message: `${entry.message} (request id ${requestId})`,
      extensions: { code: 'internal-error', requestId },
    },
  };
}
