import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { accountChangesRuntime } from '../lib/runtime';
import { GivenPassword, NewPassword } from '../lib/schemas';
import type { Users } from '../lib/users';

export const ChangePasswordInput = v.object({ oldPassword: GivenPassword, newPassword: NewPassword });

export const ChangePassword = defineAction({
  name: 'ChangePassword',
  access: 'user',
  input: ChangePasswordInput,
  run: ({ input, userId, deadline }, { users }: { users: Pick<Users, 'changePassword'> }) =>
    users.changePassword(userId, input, { deadline }),
});

export const handler = actionHandler(ChangePassword, accountChangesRuntime);
