import * as v from 'valibot';
import type { Accounts } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { GivenPassword } from '../lib/basics/schemas';
import { accountDeletionRuntime } from '../lib/runtime';

export const DeleteAccountInput = v.object({ password: GivenPassword });

export const DeleteAccount = defineAction({
  name: 'DeleteAccount',
  access: 'user',
  input: DeleteAccountInput,
  run: ({ input, ...caller }, { accounts }: { accounts: Pick<Accounts, 'deleteAccount'> }) =>
    accounts.deleteAccount(input.password, caller),
});

export const handler = actionHandler(DeleteAccount, accountDeletionRuntime);
