import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { accountChangesRuntime } from '../lib/runtime';
import { NewPassword, TicketToken } from '../lib/schemas';
import type { Users } from '../lib/users';

export const ResetPasswordInput = v.object({ token: TicketToken, newPassword: NewPassword });

export const ResetPassword = defineAction({
  name: 'ResetPassword',
  access: 'public',
  input: ResetPasswordInput,
  run: ({ input, deadline }, { users }: { users: Pick<Users, 'resetPassword'> }) =>
    users.resetPassword(input.token, input.newPassword, { deadline }),
});

export const handler = actionHandler(ResetPassword, accountChangesRuntime);
