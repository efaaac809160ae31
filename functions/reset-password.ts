import * as v from 'valibot';
import type { Accounts } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { NewPassword, TicketToken } from '../lib/basics/schemas';
import { accountChangesRuntime } from '../lib/runtime';

export const ResetPasswordInput = v.object({ token: TicketToken, newPassword: NewPassword });

export const ResetPassword = defineAction({
  name: 'ResetPassword',
  access: 'public',
  input: ResetPasswordInput,
  run: ({ input, deadline, address }, { accounts }: { accounts: Pick<Accounts, 'resetPassword'> }) =>
    accounts.resetPassword(input.token, input.newPassword, { deadline, address }),
});

export const handler = actionHandler(ResetPassword, accountChangesRuntime);
