import * as v from 'valibot';
import { type Accounts, passwordCheckLimits } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { GivenPassword } from '../lib/basics/schemas';
import { accountDeletionRuntime } from '../lib/runtime';

export const DeleteAccountInput = v.object({ password: GivenPassword });

export const DeleteAccount = defineAction({
  name: 'DeleteAccount',
  access: 'user',
  input: DeleteAccountInput,
  // Failures counted before the check, like Signin's (lib/accounts/common.ts).
  limits: ({ userId }, settings) => passwordCheckLimits(userId, settings),
  run: ({ input, counted, ...caller }, { accounts }: { accounts: Pick<Accounts, 'deleteAccount'> }) =>
    accounts.deleteAccount(input.password, caller, counted),
});

export const handler = actionHandler(DeleteAccount, accountDeletionRuntime);
