import * as v from 'valibot';
import { type Accounts, signinLimits } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { Email, GivenPassword } from '../lib/basics/schemas';
import { sessionsRuntime } from '../lib/runtime';

export const SigninInput = v.object({ email: Email, password: GivenPassword });

export const Signin = defineAction({
  name: 'Signin',
  access: 'public',
  input: SigninInput,
  // Counted with the per-caller limit, before the password is checked (see signinLimits).
  limits: ({ input, address }, settings) => signinLimits(input.email, address, settings),
  run: ({ input, deadline, log, address, counted }, { accounts }: { accounts: Pick<Accounts, 'signin'> }) =>
    accounts.signin(input, { deadline, log, address, attempt: counted }),
});

export const handler = actionHandler(Signin, sessionsRuntime);
