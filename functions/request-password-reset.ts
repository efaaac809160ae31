import * as v from 'valibot';
import { resetMailLimit, type Users } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { Email } from '../lib/basics/schemas';
import { accountEmailsRuntime } from '../lib/runtime';

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
