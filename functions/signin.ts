import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { usersRuntime } from '../lib/runtime';
import { Email, GivenPassword } from '../lib/schemas';
import type { Users } from '../lib/users';

export const SigninInput = v.object({ email: Email, password: GivenPassword });

export const Signin = defineAction({
  name: 'Signin',
  access: 'public',
  input: SigninInput,
  run: ({ input, deadline, log }, { users }: { users: Users }) => users.signin(input, { deadline, log }),
});

export const handler = actionHandler(Signin, usersRuntime);
