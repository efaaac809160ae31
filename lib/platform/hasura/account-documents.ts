import type { Columns } from './columns';
import type { Account_Ticket_Insert_Input } from './generated';

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
  OwnedProjects,
  ResetAccountPassword,
  SignupAccount,
  UseTicket,
  VerifyAccount,
  VerifyAccountKeepingPassword,
} from './generated';

export type TicketPurpose = 'verify-email' | 'reset-password';

export type NewTicket = Columns<
  Account_Ticket_Insert_Input,
  'email' | 'token_hash' | 'expires_at' | 'created_at'
> & {
  purpose: TicketPurpose;
  password_hash: string | null;
};
