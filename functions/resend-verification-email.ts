import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { accountEmailsRuntime } from '../lib/runtime';
import { Email } from '../lib/schemas';
import { type Users, verificationMailLimit } from '../lib/users';

export const ResendVerificationEmailInput = v.object({ email: Email });

export const ResendVerificationEmail = defineAction({
  name: 'ResendVerificationEmail',
  access: 'public',
  input: ResendVerificationEmailInput,
  limits: ({ input }, settings) => [verificationMailLimit(input.email, settings)],
  run: ({ input, deadline, log }, { users }: { users: Pick<Users, 'resendVerificationEmail'> }) =>
    users.resendVerificationEmail(input.email, { deadline, log }),
});

export const handler = actionHandler(ResendVerificationEmail, accountEmailsRuntime);
