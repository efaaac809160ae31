import type { EnvReader } from '../../basics/settings';

/** Which CAPTCHA checks Signup, RequestPasswordReset and ResendVerificationEmail; none by default. */
export const captchaProviders = ['none', 'turnstile', 'hcaptcha'] as const;
export type CaptchaProvider = (typeof captchaProviders)[number];

/**
 * The providers' server-side verification endpoints (siteverify):
 * - Cloudflare Turnstile: https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
 * - hCaptcha: https://docs.hcaptcha.com/#verify-the-user-response-server-side
 */
export const SITEVERIFY_URLS: Record<Exclude<CaptchaProvider, 'none'>, string> = {
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  hcaptcha: 'https://api.hcaptcha.com/siteverify',
};

export type CaptchaConfig =
  | { provider: 'none' }
  | {
      provider: Exclude<CaptchaProvider, 'none'>;
      /** The widget's secret key (a secret: SSM on AWS). */
      secret: string;
      /** Where siteverify is: the provider's own, or a local stand-in (sandbox/captcha). */
      verifyUrl: string;
      /** One verification's time, cut to the action's deadline. */
      timeoutMs: number;
    };

export function readCaptcha(r: EnvReader): CaptchaConfig {
  // Every setting is read whatever the provider, so that each is declared to packaging.
  /**
   * CAPTCHA_PROVIDER: Which CAPTCHA checks Signup, RequestPasswordReset and ResendVerificationEmail: none,
   * Cloudflare Turnstile or hCaptcha.
   */
  const provider = r.oneOf('CAPTCHA_PROVIDER', captchaProviders, 'none');
  // Optional as a secret (no SSM parameter while the check is off), required once it is on.
  /**
   * CAPTCHA_SECRET: The CAPTCHA widget's secret key; required when CAPTCHA_PROVIDER is not none (no SSM
   * parameter needed while it is).
   */
  const secret = r.optionalSecret('CAPTCHA_SECRET');
  /**
   * CAPTCHA_TIMEOUT_MS: Time one CAPTCHA verification may take, cut to what is left of the action's budget.
   */
  const timeoutMs = r.int('CAPTCHA_TIMEOUT_MS', 3000, 500, 10000);
  if (provider === 'none' || !captchaProviders.includes(provider)) {
    r.optional('CAPTCHA_VERIFY_URL');
    return { provider: 'none' };
  }
  /**
   * CAPTCHA_VERIFY_URL: Where tokens are verified: by default the provider's own siteverify endpoint
   * (https://challenges.cloudflare.com/turnstile/v0/siteverify, https://api.hcaptcha.com/siteverify); a
   * local stand-in with npm start.
   */
  const verifyUrl = r.url('CAPTCHA_VERIFY_URL', SITEVERIFY_URLS[provider]);
  if (secret === undefined && !r.skippingSecrets)
    r.problems.push(`CAPTCHA_SECRET is required when CAPTCHA_PROVIDER=${provider}`);
  return { provider, secret: secret ?? '', verifyUrl, timeoutMs };
}
