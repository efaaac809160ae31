import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { usersRuntime } from '../lib/runtime';
import { Email, NewPassword } from '../lib/schemas';
import type { Users } from '../lib/users';

export const SignupInput = v.object({ email: Email, password: NewPassword });

export const Signup = defineAction({
  name: 'Signup',
  access: 'public',
  input: SignupInput,
  run: ({ input, deadline }, { users }: { users: Users }) => users.signup(input, { deadline }),
});

export const handler = actionHandler(Signup, usersRuntime);
