import { AppError } from '../../basics/errors';
import type { CaptchaConfig } from './settings';

/**
 * Server-side verification of a CAPTCHA token with the provider's siteverify API: Cloudflare
 * Turnstile (https://developers.cloudflare.com/turnstile/get-started/server-side-validation/) or
 * hCaptcha (https://docs.hcaptcha.com/#verify-the-user-response-server-side). Both take the same
 * form-encoded POST (`secret`, `response`, optional `remoteip`) and answer JSON
 * `{"success": bool, "error-codes": [...]}`, so one small client serves both, with the platform's
 * fetch (no library: this is one request).
 *
 * Fail closed. When the provider cannot be asked (network failure, timeout, HTTP 5xx, an answer
 * that is not siteverify's), the call is refused with `captcha-unavailable` and changes nothing.
 * Failing open would let every outage or slow answer (which nobody but the provider controls, and
 * which a bot can wait for) switch the protection off; and failing closed costs a legitimate user
 * little more, since the widget in their browser depends on the same provider and would not have
 * given them a token during an outage anyway. Signin is not behind the check: accounts stay usable.
 *
 * The secret and the token never reach a log or an error: an error names the provider's error
 * codes (its fixed vocabulary) or the transport failure, nothing else.
 */

export interface CaptchaVerifier {
  readonly provider: 'turnstile' | 'hcaptcha';
  /**
   * Resolves when the provider accepts `token`; otherwise throws AppError `captcha-invalid` (a
   * bad, expired or spent token), `captcha-unavailable` (the provider could not be asked) or
   * `internal-error` (the provider refused our secret: an operator's mistake, logged as such).
   */
  verify(token: string, options?: { remoteIp?: string; deadline?: number }): Promise<void>;
}

/** siteverify's answer, as far as we read it. */
interface SiteverifyAnswer {
  success: boolean;
  'error-codes': string[];
}

/** Error codes that mean our own configuration is wrong (the secret, or a test key mismatch), not the user's token. */
const CONFIGURATION_CODES = /* @__PURE__ */ new Set([
  'missing-input-secret',
  'invalid-input-secret',
  'sitekey-secret-mismatch',
  'not-using-dummy-passcode',
  'not-using-dummy-secret',
]);

/** Turnstile's own failure: nothing the user's token says. */
const PROVIDER_FAILURE_CODES = /* @__PURE__ */ new Set(['internal-error']);

/** The verifier of the configured provider, or undefined when the check is off. */
export function createCaptchaVerifier(
  config: CaptchaConfig,
  fetchImpl: typeof fetch = fetch,
): CaptchaVerifier | undefined {
  if (config.provider === 'none') return undefined;
  const { provider, secret, verifyUrl, timeoutMs } = config;
  return {
    provider,
    async verify(token, { remoteIp, deadline } = {}) {
      const budget = Math.max(
        1,
        deadline === undefined ? timeoutMs : Math.min(timeoutMs, deadline - Date.now()),
      );
      const body = new URLSearchParams({ secret, response: token });
      if (remoteIp !== undefined) body.set('remoteip', remoteIp);
      const answer = await ask(fetchImpl, verifyUrl, body, budget);
      if (answer.success) return;
      const codes = answer['error-codes'].filter((code) => /^[a-z0-9-]{1,64}$/.test(code)).slice(0, 5);
      const reason = `${provider} siteverify refused the token (${codes.join(', ') || 'no error code'})`;
      if (codes.some((code) => CONFIGURATION_CODES.has(code)))
        throw new AppError('internal-error', {
          cause: new Error(`${reason}: check CAPTCHA_SECRET against CAPTCHA_PROVIDER`),
        });
      if (codes.some((code) => PROVIDER_FAILURE_CODES.has(code)))
        throw new AppError('captcha-unavailable', { cause: new Error(reason) });
      throw new AppError('captcha-invalid', { cause: new Error(reason) });
    },
  };
}

/** One siteverify request; any failure to get siteverify's answer is `captcha-unavailable`. */
async function ask(
  fetchImpl: typeof fetch,
  url: string,
  body: URLSearchParams,
  budget: number,
): Promise<SiteverifyAnswer> {
  const unavailable = (why: string) =>
    new AppError('captcha-unavailable', { cause: new Error(`CAPTCHA siteverify ${why}`) });
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, { method: 'POST', body, signal: AbortSignal.timeout(budget) });
    text = await response.text();
  } catch (error) {
    const name = (error as Error | undefined)?.name;
    // A fetch failure's message names the address and the system error, never the body we sent.
    throw unavailable(
      name === 'TimeoutError' || name === 'AbortError'
        ? `did not answer within ${budget} ms`
        : `could not be reached: ${describe(error)}`,
    );
  }
  if (!response.ok) throw unavailable(`answered HTTP ${response.status}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw unavailable('answered something that is not JSON');
  }
  // Checked by hand rather than with a valibot schema: lib/runtime imports this module for every
  // function, and a schema built at the top of a module stays in every bundle.
  // (A primitive has no `success` of its own: only null needs telling apart from an object.)
  const answer = json as { success?: unknown; 'error-codes'?: unknown } | null;
  if (answer === null || typeof answer.success !== 'boolean')
    throw unavailable('answered JSON without a boolean "success"');
  // Mutation testing's one survivor here, equivalent: its stand-in for `[]` holds a string that the
  // well-formed-code filter in verify() drops, so a refusal without a list still names no code.
  // Stryker disable next-line ArrayDeclaration
  const codes = Array.isArray(answer['error-codes']) ? answer['error-codes'] : [];
  return { success: answer.success, 'error-codes': codes.filter((c): c is string => typeof c === 'string') };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return [(error as Error | undefined)?.name ?? 'Error', code].filter(Boolean).join(' ');
}
