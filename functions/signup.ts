import * as v from 'valibot';
import { type Accounts, mailLimits } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { type Limit, limitKey } from '../lib/action/rate-limit';
import type { LimitsConfig } from '../lib/action/settings';
import { CaptchaToken, Email, NewPassword } from '../lib/basics/schemas';
import { signupRuntime } from '../lib/runtime';

export const SignupInput = v.object({ email: Email, password: NewPassword, captchaToken: CaptchaToken });

export const Signup = defineAction({
  name: 'Signup',
  access: 'public',
  input: SignupInput,
  captcha: true,
  // Per address first, so one address cannot use up the global ceiling on its own; then the
  // emails (shared with ResendVerificationEmail: lib/accounts/tickets.ts, mailLimits). The global
  // ceiling counts only calls that passed no CAPTCHA: see `signupCeiling`.
  limits: ({ address, input, captchaPassed }, settings) => [
    {
      key: limitKey('signup', address ?? 'unknown'),
      max: settings.signupsPerAddressPerHour,
      windowSeconds: 3600,
    },
    ...signupCeiling(captchaPassed, settings),
    ...mailLimits('verify-email', input.email, address, settings),
  ],
  run: ({ input, deadline, log }, { accounts }: { accounts: Pick<Accounts, 'signup'> }) =>
    accounts.signup(input, { deadline, log }),
});

/**
 * The global ceiling on sign-ups (SIGNUPS_PER_HOUR) counts only calls that passed no CAPTCHA.
 * Without the check it is the last guard against a bot with many addresses, at a price: anyone
 * with 41 addresses can spend it for everyone. With the check on (CAPTCHA_PROVIDER) it no longer
 * applies, rather than being raised: any global counter, however high, stays something one actor
 * can spend for everyone (solved challenges are sold by the thousand), while each sign-up still
 * costs its caller a solved challenge and counts against its address's and its mailbox's limits.
 */
function signupCeiling(captchaPassed: true | undefined, settings: LimitsConfig): Limit[] {
  if (captchaPassed) return [];
  return [{ key: limitKey('signups'), max: settings.signupsPerHour, windowSeconds: 3600 }];
}

export const handler = actionHandler(Signup, signupRuntime);
