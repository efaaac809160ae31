import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { accountChangesRuntime } from '../lib/runtime';
import { TicketToken } from '../lib/schemas';
import type { Users } from '../lib/users';

export const VerifyEmailInput = v.object({ token: TicketToken });

export const VerifyEmail = defineAction({
  name: 'VerifyEmail',
  access: 'public',
  input: VerifyEmailInput,
  run: ({ input, deadline }, { users }: { users: Pick<Users, 'verifyEmail'> }) =>
    users.verifyEmail(input.token, { deadline }),
});

export const handler = actionHandler(VerifyEmail, accountChangesRuntime);
