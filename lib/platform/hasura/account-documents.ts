import { document } from './client';

/**
 * The GraphQL operations of email verification, password reset and change, and account deletion
 * (re-exported by documents.ts, so the same schema test covers them).
 */

export type TicketPurpose = 'verify-email' | 'reset-password';

export interface NewTicket {
  email: string;
  purpose: TicketPurpose;
  token_hash: string;
  password_hash: string | null;
  expires_at: string;
  created_at: string;
}

// Root fields that several mutations run, written once as fragments on mutation_root (each
// mutation declares the variables they use: $ticket, $email, $now) and passed to `document` after
// the operation. Not exported: every exported string here is an operation.

/** Stores a ticket, and drops every expired one (of any address: the table stays small). */
const STORE_TICKET = /* GraphQL */ `
  fragment StoreTicket on mutation_root {
    insert_account_ticket_one(object: $ticket) {
      id
    }
    delete_account_ticket(where: { expires_at: { _lt: $now } }) {
      affected_rows
    }
  }`;

/** Spends every pending reset ticket of the address (a new password makes them pointless). */
const SPEND_RESET_TICKETS = /* GraphQL */ `
  fragment SpendResetTickets on mutation_root {
    update_account_ticket(
      where: { email: { _eq: $email }, purpose: { _eq: "reset-password" }, used_at: { _is_null: true } }
      _set: { used_at: $now }
    ) {
      affected_rows
    }
  }`;

/** Ends every session of the address's account while it is not verified yet. */
const END_UNVERIFIED_SESSIONS = /* GraphQL */ `
  fragment EndUnverifiedSessions on mutation_root {
    update_refresh_token(
      where: { revoked_at: { _is_null: true }, user: { email: { _eq: $email }, email_verified: { _eq: false } } }
      _set: { revoked_at: $now }
    ) {
      affected_rows
    }
  }`;

/** Marks the address's account verified, answering its id (none when it was deleted since). */
const MARK_VERIFIED = /* GraphQL */ `
  fragment MarkVerified on mutation_root {
    verified: update_user(where: { email: { _eq: $email } }, _set: { email_verified: true }) {
      returning {
        id
      }
    }
  }`;

/** The address's account, if any: read the same way whether or not there is one. */
export const MailAccountLookup = /* @__PURE__ */ document<
  { user: { id: number; email_verified: boolean }[] },
  { email: string }
>(/* GraphQL */ `
  query MailAccountLookup($email: String!) {
    user(where: { email: { _eq: $email } }, limit: 1) {
      id
      email_verified
    }
  }`);

/**
 * Signup when the email must be verified: creates the account unless the address has one (no
 * error either way) and stores the verification ticket, in one transaction. A null
 * `insert_user_one` means the address already had an account.
 */
export const SignupAccount = /* @__PURE__ */ document<
  { insert_user_one: { id: number } | null; insert_account_ticket_one: { id: string } | null },
  { email: string; passwordHash: string; ticket: NewTicket; now: string }
>(
  /* GraphQL */ `
  mutation SignupAccount(
    $email: String!
    $passwordHash: String!
    $ticket: account_ticket_insert_input!
    $now: timestamptz!
  ) {
    insert_user_one(
      object: { email: $email, password_hash: $passwordHash }
      on_conflict: { constraint: user_email_key, update_columns: [] }
    ) {
      id
    }
    ...StoreTicket
  }`,
  STORE_TICKET,
);

/** A ticket stored on its own (ResendVerificationEmail, RequestPasswordReset, Signup without verification). */
export const InsertTicket = /* @__PURE__ */ document<
  { insert_account_ticket_one: { id: string } | null },
  { ticket: NewTicket; now: string }
>(
  /* GraphQL */ `
  mutation InsertTicket($ticket: account_ticket_insert_input!, $now: timestamptz!) {
    ...StoreTicket
  }`,
  STORE_TICKET,
);

/** Spends a ticket: only an unused, unexpired one of that very purpose, and only once. */
export const UseTicket = /* @__PURE__ */ document<
  { update_account_ticket: { returning: { email: string; password_hash: string | null }[] } | null },
  { hash: string; purpose: TicketPurpose; now: string }
>(/* GraphQL */ `
  mutation UseTicket($hash: String!, $purpose: String!, $now: timestamptz!) {
    update_account_ticket(
      where: {
        token_hash: { _eq: $hash }
        purpose: { _eq: $purpose }
        used_at: { _is_null: true }
        expires_at: { _gt: $now }
      }
      _set: { used_at: $now }
    ) {
      returning {
        email
        password_hash
      }
    }
  }`);

/**
 * Verifies an address. An account that was not verified yet loses every session and takes the
 * password chosen by the Signup that sent the ticket: whoever signed the address up before its
 * owner keeps nothing. A verified account is left as it is.
 */
export const VerifyAccount = /* @__PURE__ */ document<
  { verified: { returning: { id: number }[] } | null },
  { email: string; passwordHash: string; now: string }
>(
  /* GraphQL */ `
  mutation VerifyAccount($email: String!, $passwordHash: String!, $now: timestamptz!) {
    ...EndUnverifiedSessions
    update_user(where: { email: { _eq: $email }, email_verified: { _eq: false } }, _set: { password_hash: $passwordHash }) {
      affected_rows
    }
    ...MarkVerified
  }`,
  END_UNVERIFIED_SESSIONS,
  MARK_VERIFIED,
);

/** As VerifyAccount, for a ticket that carries no password (ResendVerificationEmail's). */
export const VerifyAccountKeepingPassword = /* @__PURE__ */ document<
  { verified: { returning: { id: number }[] } | null },
  { email: string; now: string }
>(
  /* GraphQL */ `
  mutation VerifyAccountKeepingPassword($email: String!, $now: timestamptz!) {
    ...EndUnverifiedSessions
    ...MarkVerified
  }`,
  END_UNVERIFIED_SESSIONS,
  MARK_VERIFIED,
);

/**
 * A reset through an emailed ticket: new password, the address counts as verified (the ticket
 * proves it), every session ends and every other reset ticket of the address is spent.
 */
export const ResetAccountPassword = /* @__PURE__ */ document<
  { update_user: { returning: { id: number }[] } | null },
  { email: string; passwordHash: string; now: string }
>(
  /* GraphQL */ `
  mutation ResetAccountPassword($email: String!, $passwordHash: String!, $now: timestamptz!) {
    update_user(where: { email: { _eq: $email } }, _set: { password_hash: $passwordHash, email_verified: true }) {
      returning {
        id
      }
    }
    update_refresh_token(
      where: { revoked_at: { _is_null: true }, user: { email: { _eq: $email } } }
      _set: { revoked_at: $now }
    ) {
      affected_rows
    }
    ...SpendResetTickets
  }`,
  SPEND_RESET_TICKETS,
);

/** The signed-in user's account, with what a password check needs. */
export const FindAccount = /* @__PURE__ */ document<
  { user_by_pk: { id: number; email: string; password_hash: string; email_verified: boolean } | null },
  { id: number }
>(/* GraphQL */ `
  query FindAccount($id: Int!) {
    user_by_pk(id: $id) {
      id
      email
      password_hash
      email_verified
    }
  }`);

/** ChangePassword: new password, every session ends, pending reset tickets are spent. */
export const ChangeAccountPassword = /* @__PURE__ */ document<
  { update_user_by_pk: { id: number } | null },
  { id: number; email: string; passwordHash: string; now: string }
>(
  /* GraphQL */ `
  mutation ChangeAccountPassword($id: Int!, $email: String!, $passwordHash: String!, $now: timestamptz!) {
    update_user_by_pk(pk_columns: { id: $id }, _set: { password_hash: $passwordHash }) {
      id
    }
    update_refresh_token(where: { user_id: { _eq: $id }, revoked_at: { _is_null: true } }, _set: { revoked_at: $now }) {
      affected_rows
    }
    ...SpendResetTickets
  }`,
  SPEND_RESET_TICKETS,
);

/** The projects an account owns, whatever their status (DeleteAccount deletes each). */
export const OwnedProjects = /* @__PURE__ */ document<
  { project: { id: number }[] },
  { ownerId: number }
>(/* GraphQL */ `
  query OwnedProjects($ownerId: Int!) {
    project(where: { owner_id: { _eq: $ownerId } }, order_by: { id: asc }) {
      id
    }
  }`);

/**
 * Deletes an account: its refresh tokens go with it (ON DELETE CASCADE), its tickets are forgotten, and a project still being deleted on Qovery stays, without owner
 * (ON DELETE SET NULL), until its deletion is confirmed.
 */
export const DeleteAccountRows = /* @__PURE__ */ document<
  { delete_user_by_pk: { id: number } | null },
  { id: number; email: string }
>(/* GraphQL */ `
  mutation DeleteAccountRows($id: Int!, $email: String!) {
    delete_account_ticket(where: { email: { _eq: $email } }) {
      affected_rows
    }
    delete_user_by_pk(id: $id) {
      id
    }
  }`);

/** Whether the caller's account exists and its email is verified (CreateProject, StartProject). */
export const AccountStanding = /* @__PURE__ */ document<
  { user_by_pk: { email_verified: boolean } | null },
  { id: number }
>(/* GraphQL */ `
  query AccountStanding($id: Int!) {
    user_by_pk(id: $id) {
      email_verified
    }
  }`);
