import type { RateLimiter } from '../action/rate-limit';
import type { Projects } from '../instances/projects';
import type { HasuraClient } from '../platform/hasura/client';
import type { Mailer } from '../platform/mail';
import { type AccountChanges, createAccountChanges } from './changes';
import { type AccountDeletion, createAccountDeletion } from './deletion';
import { type AccountEmails, createAccountEmails } from './emails';
import type { Passwords } from './passwords';
import { createSessions, type Sessions, type SessionsConfig } from './sessions';
import type { AccountsConfig } from './settings';
import { createSignup, type Signup } from './signup';
import type { AccessTokens } from './tokens';

/**
 * Accounts and sessions, one module per concern, each built from only what it needs:
 * - sessions.ts: Signin, RefreshToken, Signout (bcrypt, the JWT key);
 * - signup.ts: Signup (bcrypt, a mailer, the JWT key when verification is off);
 * - emails.ts: ResendVerificationEmail, RequestPasswordReset (a mailer only);
 * - changes.ts: VerifyEmail, ResetPassword, ChangePassword (bcrypt, the JWT key);
 * - deletion.ts: DeleteAccount (bcrypt and DeleteProject's path; no JWT key).
 * lib/runtime/index.ts builds for each function the part its action calls, so that a bundle carries
 * only that part's dependencies. Emails arrive here already trimmed and lower-cased by the input
 * schema.
 */

export { type AccountChanges, createAccountChanges } from './changes';
export { type CallOptions, type Credentials, passwordCheckLimits, type Session } from './common';
export { type AccountDeletion, createAccountDeletion } from './deletion';
export { type AccountEmails, createAccountEmails } from './emails';
export { mailboxOf } from './mailbox';
export {
  createSessions,
  type Sessions,
  type SessionsConfig,
  type SigninOptions,
  signinEmailLimit,
  signinLimits,
} from './sessions';
export { createSignup, type Signup, type SignupResult } from './signup';
export { hashTicketToken, mailLimits, newTicketToken } from './tickets';

/** Every account action: what tests and tools use; a function's runtime builds only its part. */
export type Accounts = Omit<Sessions, 'start'> & Signup & AccountEmails & AccountChanges & AccountDeletion;

export interface AccountsDeps {
  hasura: HasuraClient;
  passwords: Passwords;
  accessTokens: AccessTokens;
  limiter: RateLimiter;
  config: SessionsConfig;
  accounts: AccountsConfig;
  /** Needed by the actions that send email (Signup, ResendVerificationEmail, RequestPasswordReset). */
  mailer?: Mailer;
  /** Needed by DeleteAccount: each project goes through DeleteProject's path. */
  projects?: Pick<Projects, 'remove'>;
  now?: () => number;
}

/** Every part put together over the same dependencies. */
export function createAccounts({ mailer, projects, now = Date.now, ...deps }: AccountsDeps): Accounts {
  const { hasura, passwords, accounts } = deps;
  const sessions = createSessions({ ...deps, now });
  const mail = mailer ?? missing<Mailer>('a mailer');
  const { start: _start, ...sessionActions } = sessions;
  return {
    ...sessionActions,
    ...createSignup({ hasura, passwords, sessions, mailer: mail, accounts, now }),
    ...createAccountEmails({ hasura, mailer: mail, accounts, now }),
    ...createAccountChanges({ hasura, passwords, sessions, accounts, now }),
    ...createAccountDeletion({ hasura, passwords, projects: projects ?? missing('projects'), now }),
  };
}

/** A dependency the caller did not give: any use of it fails loudly. */
function missing<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get() {
      throw new Error(`this function was built without ${what}`);
    },
  });
}
