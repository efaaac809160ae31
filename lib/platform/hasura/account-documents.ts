import type { Columns } from './columns';
import type { Account_Address_Insert_Input, Account_Ticket_Insert_Input } from './generated';

/**
 * The GraphQL operations of email verification, password reset and change, and account deletion
 * (operations/accounts.graphql), with the types of what they store.
 */
export {
  AccountStanding,
  ChangeAccountPassword,
  DeleteAccountRows,
  FindAccount,
  InsertTicket,
  MailAccountLookup,
  MarkAccountDeleting,
  OwnedProjects,
  ResetAccountPassword,
  SignupAccount,
  UseTicket,
  VerifyAccount,
} from './generated';

export type TicketPurpose = 'verify-email' | 'reset-password';

export type NewTicket = Columns<
  Account_Ticket_Insert_Input,
  'email' | 'token_hash' | 'expires_at' | 'created_at'
> & {
  purpose: TicketPurpose;
};

/** A client address an account was reached from (its digest), remembered (lib/accounts/sessions.ts). */
export type KnownAddress = Columns<Account_Address_Insert_Input, 'email' | 'address' | 'seen_at'>;
