import * as v from 'valibot';
import type { Accounts } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { NewPassword, TicketToken } from '../lib/basics/schemas';
import { accountChangesRuntime } from '../lib/runtime';

// The password the clicker chooses: the link proves the mailbox, and only a password typed by
// whoever holds it may become the account's (lib/accounts/signup.ts says why).
export const VerifyEmailInput = v.object({ token: TicketToken, password: NewPassword });

export const VerifyEmail = defineAction({
  name: 'VerifyEmail',
  access: 'public',
  input: VerifyEmailInput,
  run: ({ input, deadline, address }, { accounts }: { accounts: Pick<Accounts, 'verifyEmail'> }) =>
    accounts.verifyEmail(input.token, input.password, { deadline, address }),
});

export const handler = actionHandler(VerifyEmail, accountChangesRuntime);
