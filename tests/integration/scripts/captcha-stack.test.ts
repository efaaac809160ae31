import { AppError } from '../../../lib/basics/errors';
import { EnvReader } from '../../../lib/basics/settings';
import { createCaptchaVerifier } from '../../../lib/platform/captcha';
import { readCaptcha } from '../../../lib/platform/captcha/settings';
import { HCAPTCHA_TEST, TURNSTILE_TEST } from '../../../sandbox/captcha';
import { startCaptcha } from '../../../scripts/stack';

/** The local stack's CAPTCHA: a stand-in only when CAPTCHA_PROVIDER asks, and handlers pointed at it. */

/** The verifier the handlers build from the stack's settings. */
function verifierFrom(env: Record<string, string>) {
  const reader = new EnvReader(env);
  const config = readCaptcha(reader);
  expect(reader.problems).toEqual([]);
  return createCaptchaVerifier(config);
}

describe('startCaptcha', () => {
  it.each([{}, { CAPTCHA_PROVIDER: 'none' }, { CAPTCHA_PROVIDER: '' }])(
    'starts nothing for %p',
    async (env) => {
      expect(await startCaptcha(env)).toBeUndefined();
    },
  );

  it.each([
    ['turnstile', TURNSTILE_TEST.token, TURNSTILE_TEST.passes],
    ['hcaptcha', HCAPTCHA_TEST.token, HCAPTCHA_TEST.secret],
  ] as const)(
    'for %s, serves its siteverify with the passing test secret',
    async (provider, token, secret) => {
      const started = await startCaptcha({ CAPTCHA_PROVIDER: provider });
      try {
        expect(started?.env).toEqual({
          CAPTCHA_PROVIDER: provider,
          CAPTCHA_SECRET: secret,
          CAPTCHA_VERIFY_URL: started?.standIn.verifyUrl[provider],
        });
        const verifier = verifierFrom(started?.env ?? {});
        await expect(verifier?.verify(token)).resolves.toBeUndefined();
        await expect(verifier?.verify('not-the-test-token')).rejects.toEqual(new AppError('captcha-invalid'));
        expect(started?.standIn.calls).toHaveLength(2);
      } finally {
        await started?.standIn.close();
      }
    },
  );

  it('keeps a secret (another test key) and a verify URL the operator set', async () => {
    const started = await startCaptcha({
      CAPTCHA_PROVIDER: 'turnstile',
      CAPTCHA_SECRET: TURNSTILE_TEST.spent,
      CAPTCHA_VERIFY_URL: 'https://elsewhere.example/siteverify',
    });
    try {
      expect(started?.env).toMatchObject({
        CAPTCHA_SECRET: TURNSTILE_TEST.spent,
        CAPTCHA_VERIFY_URL: 'https://elsewhere.example/siteverify',
      });
    } finally {
      await started?.standIn.close();
    }
  });
});
