import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { sessionsRuntime } from '../lib/runtime';
import { Email, GivenPassword } from '../lib/schemas';
import { signinLimits, type Users } from '../lib/users';

export const SigninInput = v.object({ email: Email, password: GivenPassword });

export const Signin = defineAction({
  name: 'Signin',
  access: 'public',
  input: SigninInput,
  // Counted with the per-caller limit, before the password is checked (see signinLimits).
  limits: ({ input, address }, settings) => signinLimits(input.email, address, settings),
  run: ({ input, deadline, log, address, counted }, { users }: { users: Pick<Users, 'signin'> }) =>
    users.signin(input, { deadline, log, address, attempt: counted }),
});

export const handler = actionHandler(Signin, sessionsRuntime);
