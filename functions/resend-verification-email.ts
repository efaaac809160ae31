import * as v from 'valibot';
import { type Accounts, verificationMailLimit } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { CaptchaToken, Email } from '../lib/basics/schemas';
import { accountEmailsRuntime } from '../lib/runtime';

export const ResendVerificationEmailInput = v.object({ email: Email, captchaToken: CaptchaToken });

export const ResendVerificationEmail = defineAction({
  name: 'ResendVerificationEmail',
  access: 'public',
  input: ResendVerificationEmailInput,
  captcha: true,
  limits: ({ input }, settings) => [verificationMailLimit(input.email, settings)],
  run: ({ input, deadline, log }, { accounts }: { accounts: Pick<Accounts, 'resendVerificationEmail'> }) =>
    accounts.resendVerificationEmail(input.email, { deadline, log }),
});

export const handler = actionHandler(ResendVerificationEmail, accountEmailsRuntime);
