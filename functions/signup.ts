import * as v from 'valibot';
import { type Accounts, verificationMailLimit } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { limitKey } from '../lib/action/rate-limit';
import { Email, NewPassword } from '../lib/basics/schemas';
import { signupRuntime } from '../lib/runtime';

export const SignupInput = v.object({ email: Email, password: NewPassword });

export const Signup = defineAction({
  name: 'Signup',
  access: 'public',
  input: SignupInput,
  // Per address first, so one address cannot use up the global ceiling on its own; then the
  // emails one address may be sent (shared with ResendVerificationEmail).
  limits: ({ address, input }, settings) => [
    {
      key: limitKey('signup', address ?? 'unknown'),
      max: settings.signupsPerAddressPerHour,
      windowSeconds: 3600,
    },
    { key: limitKey('signups'), max: settings.signupsPerHour, windowSeconds: 3600 },
    verificationMailLimit(input.email, settings),
  ],
  run: ({ input, deadline, log }, { accounts }: { accounts: Pick<Accounts, 'signup'> }) =>
    accounts.signup(input, { deadline, log }),
});

export const handler = actionHandler(Signup, signupRuntime);
