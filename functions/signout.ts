import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { sessionsRuntime } from '../lib/runtime';
import { RefreshTokenField } from '../lib/schemas';
import type { Users } from '../lib/users';

export const SignoutInput = v.object({ refreshToken: RefreshTokenField });

export const Signout = defineAction({
  name: 'Signout',
  access: 'public',
  input: SignoutInput,
  run: ({ input, deadline }, { users }: { users: Pick<Users, 'signout'> }) =>
    users.signout(input.refreshToken, { deadline }),
});

export const handler = actionHandler(Signout, sessionsRuntime);
