import { AppError } from '../../../lib/basics/errors';
import { type CaptchaVerifier, createCaptchaVerifier } from '../../../lib/platform/captcha';

/**
 * lib/platform/captcha with siteverify faked at fetch: what is sent, and how each answer or failure
 * is read. tests/integration/platform/captcha.test.ts runs it against the siteverify stand-in.
 */

const URL = 'https://siteverify.test/verify';

interface Sent {
  url: string;
  method: string | undefined;
  form: Record<string, string>;
  signal: boolean;
}

/** A fetch that answers `body` with `status`, or fails with `failure`; keeps what it was sent. */
function siteverify(answer: { status?: number; body?: string; failure?: unknown }) {
  const sent: Sent[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    sent.push({
      url,
      method: init.method,
      form: Object.fromEntries(init.body as URLSearchParams),
      signal: init.signal instanceof AbortSignal,
    });
    if ('failure' in answer) throw answer.failure;
    return new Response(answer.body ?? '{"success": true}', { status: answer.status ?? 200 });
  }) as unknown as typeof fetch;
  return { fetchImpl, sent };
}

function verifier(
  fetchImpl: typeof fetch,
  provider: 'turnstile' | 'hcaptcha' = 'turnstile',
): CaptchaVerifier {
  const built = createCaptchaVerifier(
    { provider, secret: 'the-secret', verifyUrl: URL, timeoutMs: 3000 },
    fetchImpl,
  );
  if (!built) throw new Error('no verifier');
  return built;
}

/** The AppError a verification threw, with what it tells operators (its cause's message). */
async function refusal(promise: Promise<void>): Promise<{ code: string; reason: string | undefined }> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return { code: error.code, reason: (error.cause as Error | undefined)?.message };
}

const refusedWith = (codes: unknown) =>
  siteverify({ body: JSON.stringify({ success: false, 'error-codes': codes }) }).fetchImpl;

describe('createCaptchaVerifier', () => {
  it('builds nothing when the check is off', () => {
    expect(createCaptchaVerifier({ provider: 'none' }, siteverify({}).fetchImpl)).toBeUndefined();
  });

  it.each(['turnstile', 'hcaptcha'] as const)('builds a %s verifier', (provider) => {
    expect(verifier(siteverify({}).fetchImpl, provider).provider).toBe(provider);
  });
});

describe('verify: what is sent', () => {
  it('posts the secret, the token and the client address as a form, with a time limit', async () => {
    const { fetchImpl, sent } = siteverify({});
    await verifier(fetchImpl).verify('the-token', { remoteIp: '203.0.113.7' });
    expect(sent).toEqual([
      {
        url: URL,
        method: 'POST',
        form: { secret: 'the-secret', response: 'the-token', remoteip: '203.0.113.7' },
        signal: true,
      },
    ]);
  });

  it('sends no remoteip when the address is unknown', async () => {
    const { fetchImpl, sent } = siteverify({});
    await verifier(fetchImpl).verify('the-token');
    expect(sent[0]?.form).toEqual({ secret: 'the-secret', response: 'the-token' });
  });
});

describe('verify: how long it waits', () => {
  const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
    name: 'TimeoutError',
  });

  it('its own timeout without a deadline', async () => {
    const { reason } = await refusal(verifier(siteverify({ failure: timeout }).fetchImpl).verify('t'));
    expect(reason).toBe('CAPTCHA siteverify did not answer within 3000 ms');
  });

  it('its own timeout when the deadline is further', async () => {
    const { reason } = await refusal(
      verifier(siteverify({ failure: timeout }).fetchImpl).verify('t', { deadline: Date.now() + 60_000 }),
    );
    expect(reason).toBe('CAPTCHA siteverify did not answer within 3000 ms');
  });

  it('no longer than the deadline allows, and a millisecond when it has passed', async () => {
    const soon = await refusal(
      verifier(siteverify({ failure: timeout }).fetchImpl).verify('t', { deadline: Date.now() + 2000 }),
    );
    expect(soon.reason).toMatch(/^CAPTCHA siteverify did not answer within (19\d\d|2000) ms$/);
    const passed = await refusal(
      verifier(siteverify({ failure: timeout }).fetchImpl).verify('t', { deadline: Date.now() - 5000 }),
    );
    expect(passed.reason).toBe('CAPTCHA siteverify did not answer within 1 ms');
  });

  it('reads an abort like a timeout', async () => {
    const abort = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    expect(await refusal(verifier(siteverify({ failure: abort }).fetchImpl).verify('t'))).toEqual({
      code: 'captcha-unavailable',
      reason: 'CAPTCHA siteverify did not answer within 3000 ms',
    });
  });
});

describe('verify: when siteverify cannot be asked (fail closed)', () => {
  it.each([
    [
      'a system error',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      'TypeError ECONNREFUSED',
    ],
    ['an error without a cause', new TypeError('fetch failed'), 'TypeError'],
    [
      'a cause whose code is not text',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 42 } }),
      'TypeError',
    ],
    ['something not an Error', undefined, 'Error'],
    ['an object without a name', {}, 'Error'],
  ])('%s is captcha-unavailable, named for operators', async (_label, failure, named) => {
    expect(await refusal(verifier(siteverify({ failure }).fetchImpl).verify('t'))).toEqual({
      code: 'captcha-unavailable',
      reason: `CAPTCHA siteverify could not be reached: ${named}`,
    });
  });

  it.each([
    ['an HTTP 503', 503, '{"success": true}', 'answered HTTP 503'],
    ['an answer that is not JSON', 200, '<html>', 'answered something that is not JSON'],
    ['JSON null', 200, 'null', 'answered JSON without a boolean "success"'],
    ['a JSON string', 200, '"true"', 'answered JSON without a boolean "success"'],
    ['success as text', 200, '{"success": "true"}', 'answered JSON without a boolean "success"'],
  ])('%s is captcha-unavailable', async (_label, status, body, why) => {
    expect(await refusal(verifier(siteverify({ status, body }).fetchImpl).verify('t'))).toEqual({
      code: 'captcha-unavailable',
      reason: `CAPTCHA siteverify ${why}`,
    });
  });
});

describe('verify: what a refusal means', () => {
  it('passes when siteverify says success', async () => {
    await expect(
      verifier(siteverify({ body: '{"success": true, "error-codes": []}' }).fetchImpl).verify('t'),
    ).resolves.toBeUndefined();
  });

  it("refuses the user's token as captcha-invalid, naming the provider and its codes", async () => {
    expect(await refusal(verifier(refusedWith(['invalid-input-response'])).verify('t'))).toEqual({
      code: 'captcha-invalid',
      reason: 'turnstile siteverify refused the token (invalid-input-response)',
    });
    expect(await refusal(verifier(refusedWith([]), 'hcaptcha').verify('t'))).toEqual({
      code: 'captcha-invalid',
      reason: 'hcaptcha siteverify refused the token (no error code)',
    });
  });

  it('reads a refusal without a list of codes as one without codes', async () => {
    for (const body of ['{"success": false}', '{"success": false, "error-codes": "invalid-input-secret"}'])
      expect(await refusal(verifier(siteverify({ body }).fetchImpl).verify('t'))).toEqual({
        code: 'captcha-invalid',
        reason: 'turnstile siteverify refused the token (no error code)',
      });
  });

  it('names only well-formed codes, five at most: never text the provider (or someone in between) made up', async () => {
    const codes = [42, 'Bad Code', '<b>x', 'x<b>', 'c'.repeat(65), 'a', 'b-1', 'c', 'd', 'e', 'f'];
    expect(await refusal(verifier(refusedWith(codes)).verify('t'))).toEqual({
      code: 'captcha-invalid',
      reason: 'turnstile siteverify refused the token (a, b-1, c, d, e)',
    });
  });

  it.each([
    'missing-input-secret',
    'invalid-input-secret',
    'sitekey-secret-mismatch',
    'not-using-dummy-passcode',
    'not-using-dummy-secret',
  ])('takes %s as our own mistake (internal-error), even beside a code about the token', async (code) => {
    const { code: answered, reason } = await refusal(
      verifier(refusedWith(['invalid-input-response', code])).verify('t'),
    );
    expect(answered).toBe('internal-error');
    expect(reason).toBe(
      `turnstile siteverify refused the token (invalid-input-response, ${code}): check CAPTCHA_SECRET against CAPTCHA_PROVIDER`,
    );
  });

  it("takes the provider's own internal error as captcha-unavailable, even beside a code about the token", async () => {
    expect(
      await refusal(verifier(refusedWith(['timeout-or-duplicate', 'internal-error'])).verify('t')),
    ).toEqual({
      code: 'captcha-unavailable',
      reason: 'turnstile siteverify refused the token (timeout-or-duplicate, internal-error)',
    });
  });
});
