import { AppError } from '../../basics/errors';
import type { CaptchaVerifier } from '../../platform/captcha';
import type { ActionCall } from '../contract';
import type { ActionMiddleware } from './request';

export interface CaptchaOptions {
  /** Whether the action opts in (`captcha: true` in `defineAction`). */
  action: { captcha?: boolean };
  /** The configured provider's verifier; absent when CAPTCHA_PROVIDER is `none`. */
  captcha?: CaptchaVerifier;
}

/**
 * The CAPTCHA check of the actions that opt in, when a provider is configured: the call's
 * `captchaToken` must be one the provider accepts (`captcha-required` without one,
 * `captcha-invalid` when refused). It runs after the payload is validated and BEFORE the rate
 * limits are counted, so that a call refused here counts against nothing: bots that cannot pass
 * the check cannot spend the limits humans share (the global sign-up ceiling, an address's
 * emails). A call that passes is marked `captchaPassed`, which the action's own limits may read.
 * Admin calls (our own back end, with the admin secret) are not checked, as they are not counted.
 * Off (no provider, or an action that does not opt in), it does nothing at all.
 */
export const captchaCheck = ({ action, captcha }: CaptchaOptions): ActionMiddleware => ({
  before: async (request) => {
    if (!action.captcha || !captcha) return;
    const call = request.event.call as ActionCall<{ captchaToken?: string | null }> | undefined;
    if (!call || call.role === 'admin') return;
    const token = call.input.captchaToken;
    if (token === undefined || token === null || token === '') throw new AppError('captcha-required');
    await captcha.verify(token, { remoteIp: call.address, deadline: call.deadline });
    call.captchaPassed = true;
  },
});
