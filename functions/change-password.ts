import * as v from 'valibot';
import type { Accounts } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { GivenPassword, NewPassword } from '../lib/basics/schemas';
import { accountChangesRuntime } from '../lib/runtime';

export const ChangePasswordInput = v.object({ oldPassword: GivenPassword, newPassword: NewPassword });

export const ChangePassword = defineAction({
  name: 'ChangePassword',
  access: 'user',
  input: ChangePasswordInput,
  run: ({ input, userId, deadline }, { accounts }: { accounts: Pick<Accounts, 'changePassword'> }) =>
    accounts.changePassword(userId, input, { deadline }),
});

export const handler = actionHandler(ChangePassword, accountChangesRuntime);
