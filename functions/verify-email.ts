import * as v from 'valibot';
import type { Accounts } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { TicketToken } from '../lib/basics/schemas';
import { accountChangesRuntime } from '../lib/runtime';

export const VerifyEmailInput = v.object({ token: TicketToken });

export const VerifyEmail = defineAction({
  name: 'VerifyEmail',
  access: 'public',
  input: VerifyEmailInput,
  run: ({ input, deadline }, { accounts }: { accounts: Pick<Accounts, 'verifyEmail'> }) =>
    accounts.verifyEmail(input.token, { deadline }),
});

export const handler = actionHandler(VerifyEmail, accountChangesRuntime);
