import * as v from 'valibot';
import type { Users } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { TicketToken } from '../lib/basics/schemas';
import { accountChangesRuntime } from '../lib/runtime';

export const VerifyEmailInput = v.object({ token: TicketToken });

export const VerifyEmail = defineAction({
  name: 'VerifyEmail',
  access: 'public',
  input: VerifyEmailInput,
  run: ({ input, deadline }, { users }: { users: Pick<Users, 'verifyEmail'> }) =>
    users.verifyEmail(input.token, { deadline }),
});

export const handler = actionHandler(VerifyEmail, accountChangesRuntime);
