import * as v from 'valibot';
import { type Users, verificationMailLimit } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { Email } from '../lib/basics/schemas';
import { accountEmailsRuntime } from '../lib/runtime';

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
