import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { accountEmailsRuntime } from '../lib/runtime';
import { Email } from '../lib/schemas';
import { resetMailLimit, type Users } from '../lib/users';

export const RequestPasswordResetInput = v.object({ email: Email });

export const RequestPasswordReset = defineAction({
  name: 'RequestPasswordReset',
  access: 'public',
  input: RequestPasswordResetInput,
  limits: ({ input }, settings) => [resetMailLimit(input.email, settings)],
  run: ({ input, deadline, log }, { users }: { users: Pick<Users, 'requestPasswordReset'> }) =>
    users.requestPasswordReset(input.email, { deadline, log }),
});

export const handler = actionHandler(RequestPasswordReset, accountEmailsRuntime);
