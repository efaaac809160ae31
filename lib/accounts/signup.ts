import { AppError } from '../basics/errors';
import { type HasuraClient, isUniquenessViolation } from '../platform/hasura/client';
import { InsertTicket, InsertUser, SignupAccount } from '../platform/hasura/documents';
import type { Mailer } from '../platform/mail';
import { type CallOptions, type Credentials, iso, type Session } from './common';
import type { Passwords } from './passwords';
import type { Sessions } from './sessions';
import type { AccountsConfig } from './settings';
import { createTickets } from './tickets';

/**
 * Signup's answer. When emails must be verified it carries no session, whether or not the address
 * already had an account (the email tells its owner which): the client says "check your inbox",
 * and VerifyEmail answers the session. When verification is off it is a session, as in the tutorial.
 */
export type SignupResult =
  | (Session & { emailVerificationRequired: false })
  | { accessToken: null; refreshToken: null; emailVerificationRequired: true };

export interface SignupDeps {
  hasura: HasuraClient;
  passwords: Passwords;
  sessions: Pick<Sessions, 'start'>;
  mailer: Mailer;
  accounts: AccountsConfig;
  now: () => number;
}

export interface Signup {
  signup(credentials: Credentials, options?: CallOptions): Promise<SignupResult>;
}

export function createSignup({ hasura, passwords, sessions, mailer, accounts, now }: SignupDeps): Signup {
  const tickets = createTickets({ hasura, accounts, now });
  return {
    async signup({ email, password }, { deadline, log } = {}) {
      if (!accounts.requireEmailVerification) {
        // A private deployment: the tutorial's Signup (a session; a taken address is refused),
        // plus a best-effort verification email.
        const passwordHash = await passwords.hash(password);
        const inserted = await hasura
          .request(InsertUser, { email, passwordHash }, { deadline })
          .catch((error) => {
            throw isUniquenessViolation(error, 'user_email_key')
              ? new AppError('email-already-in-use')
              : error;
          });
        if (!inserted.insert_user_one) throw new Error('Hasura returned no row for insert_user_one');
        const { token, ticket } = tickets.issue(email, 'verify-email');
        await hasura.request(InsertTicket, { ticket, now: iso(now()) }, { deadline });
        await mailer.deliver(
          email,
          { kind: 'verify-email', token, ttlHours: tickets.ttlHours('verify-email') },
          { deadline, log },
        );
        const session = await sessions.start(inserted.insert_user_one.id, deadline);
        return { ...session, emailVerificationRequired: false };
      }
      // Pre-hijacking (Sudhodanan and Paverd, "Pre-hijacked accounts", USENIX Security 2022): the
      // password typed here is NOT stored. Whoever calls Signup has proved nothing about the
      // mailbox, and the email goes to the mailbox whoever typed the password: a link that carried
      // (or activated) the password typed at a Signup would hand the account to an attacker who
      // signed up first (the owner clicks the older email) or second (the owner clicks the newer
      // one). So every verification link carries no password: VerifyEmail takes the password from
      // its clicker, who holds the mailbox, and that is the first password the account ever has.
      // Until then the account has none, and Signin answers it exactly like a wrong password.
      // The same calls for a new address and a taken one: one lookup, one mutation, one email.
      // Only the email's words differ, and only the address's owner reads them.
      const account = await tickets.accountOf(email, deadline);
      const { token, ticket } = tickets.issue(email, 'verify-email');
      const result = await hasura.request(SignupAccount, { email, ticket, now: iso(now()) }, { deadline });
      // A verified account needs no verification link (and would refuse one): the email says how
      // to get back in instead.
      const verified = !result.insert_user_one && account?.email_verified === true;
      await mailer.deliver(
        email,
        verified
          ? { kind: 'account-exists' }
          : { kind: 'verify-email', token, ttlHours: tickets.ttlHours('verify-email') },
        { deadline, log },
      );
      return { accessToken: null, refreshToken: null, emailVerificationRequired: true };
    },
  };
}
