import * as v from 'valibot';
import { type Accounts, passwordCheckLimits } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { GivenPassword, NewPassword } from '../lib/basics/schemas';
import { accountChangesRuntime } from '../lib/runtime';

export const ChangePasswordInput = v.object({ oldPassword: GivenPassword, newPassword: NewPassword });

export const ChangePassword = defineAction({
  name: 'ChangePassword',
  access: 'user',
  input: ChangePasswordInput,
  // Failures counted before the check, like Signin's (lib/accounts/common.ts).
  limits: ({ userId }, settings) => passwordCheckLimits(userId, settings),
  run: (
    { input, userId, deadline, address, counted },
    { accounts }: { accounts: Pick<Accounts, 'changePassword'> },
  ) => accounts.changePassword(userId, input, { deadline, address, attempt: counted }),
});

export const handler = actionHandler(ChangePassword, accountChangesRuntime);
