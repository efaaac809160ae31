import * as v from 'valibot';
import { type Accounts, mailLimits } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { CaptchaToken, Email } from '../lib/basics/schemas';
import { accountEmailsRuntime } from '../lib/runtime';

export const RequestPasswordResetInput = v.object({ email: Email, captchaToken: CaptchaToken });

export const RequestPasswordReset = defineAction({
  name: 'RequestPasswordReset',
  access: 'public',
  input: RequestPasswordResetInput,
  captcha: true,
  limits: ({ input, address }, settings) => mailLimits('reset-password', input.email, address, settings),
  run: ({ input, deadline, log }, { accounts }: { accounts: Pick<Accounts, 'requestPasswordReset'> }) =>
    accounts.requestPasswordReset(input.email, { deadline, log }),
});

export const handler = actionHandler(RequestPasswordReset, accountEmailsRuntime);
