import * as v from 'valibot';
import type { Accounts } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { RefreshTokenField } from '../lib/basics/schemas';
import { sessionsRuntime } from '../lib/runtime';

export const SignoutInput = v.object({ refreshToken: RefreshTokenField });

export const Signout = defineAction({
  name: 'Signout',
  access: 'public',
  input: SignoutInput,
  run: ({ input, deadline }, { accounts }: { accounts: Pick<Accounts, 'signout'> }) =>
    accounts.signout(input.refreshToken, { deadline }),
});

export const handler = actionHandler(Signout, sessionsRuntime);
