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
        const { token, ticket } = tickets.issue(email, 'verify-email', passwordHash);
        await hasura.request(InsertTicket, { ticket, now: iso(now()) }, { deadline });
        await mailer.deliver(
          email,
          { kind: 'verify-email', token, ttlHours: tickets.ttlHours('verify-email') },
          { deadline, log },
        );
        const session = await sessions.start(inserted.insert_user_one.id, deadline);
        return { ...session, emailVerificationRequired: false };
      }
      // The same calls for a new address and a taken one: one bcrypt hash, one mutation, one
      // email. Only the email's words differ, and only the address's owner reads them.
      const passwordHash = await passwords.hash(password);
      const { token, ticket } = tickets.issue(email, 'verify-email', passwordHash);
      const result = await hasura.request(
        SignupAccount,
        { email, passwordHash, ticket, now: iso(now()) },
        { deadline },
      );
      const ttl = tickets.ttlHours('verify-email');
      await mailer.deliver(
        email,
        result.insert_user_one
          ? { kind: 'verify-email', token, ttlHours: ttl }
          : { kind: 'account-exists', token, ttlHours: ttl },
        { deadline, log },
      );
      return { accessToken: null, refreshToken: null, emailVerificationRequired: true };
    },
  };
}
