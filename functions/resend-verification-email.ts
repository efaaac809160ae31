import * as v from 'valibot';
import { type Accounts, mailLimits } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { CaptchaToken, Email } from '../lib/basics/schemas';
import { accountEmailsRuntime } from '../lib/runtime';

export const ResendVerificationEmailInput = v.object({ email: Email, captchaToken: CaptchaToken });

export const ResendVerificationEmail = defineAction({
  name: 'ResendVerificationEmail',
  access: 'public',
  input: ResendVerificationEmailInput,
  captcha: true,
  limits: ({ input, address }, settings) => mailLimits('verify-email', input.email, address, settings),
  run: ({ input, deadline, log }, { accounts }: { accounts: Pick<Accounts, 'resendVerificationEmail'> }) =>
    accounts.resendVerificationEmail(input.email, { deadline, log }),
});

export const handler = actionHandler(ResendVerificationEmail, accountEmailsRuntime);
