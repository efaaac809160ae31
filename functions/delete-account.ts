import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { accountDeletionRuntime } from '../lib/runtime';
import { GivenPassword } from '../lib/schemas';
import type { Users } from '../lib/users';

export const DeleteAccountInput = v.object({ password: GivenPassword });

export const DeleteAccount = defineAction({
  name: 'DeleteAccount',
  access: 'user',
  input: DeleteAccountInput,
  run: ({ input, ...caller }, { users }: { users: Pick<Users, 'deleteAccount'> }) =>
    users.deleteAccount(input.password, caller),
});

export const handler = actionHandler(DeleteAccount, accountDeletionRuntime);
