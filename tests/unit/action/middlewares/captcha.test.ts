import * as v from 'valibot';
import { actionHandler, defineAction } from '../../../../lib/action/handler';
import type { RateLimiter } from '../../../../lib/action/rate-limit';
import type { LimitsConfig } from '../../../../lib/action/settings';
import { AppError } from '../../../../lib/basics/errors';
import { CaptchaToken } from '../../../../lib/basics/schemas';
import type { CaptchaVerifier } from '../../../../lib/platform/captcha';
import { actionEvent, invoke, memoryLogger, TEST_SECRET } from '../../../helpers/lambda';

/**
 * The CAPTCHA middleware inside the whole action stack (lib/action/handler.ts), with a fake
 * verifier and a fake rate limiter: what a call gets, and whether it is counted and run.
 */

const GOOD = 'good-token';
const settings = { windowSeconds: 60, perUser: 30, perAddress: 30, clientAddressDepth: 1 } as LimitsConfig;

function fakeVerifier(): jest.Mocked<CaptchaVerifier> {
  return {
    provider: 'turnstile',
    verify: jest.fn(async (token: string) => {
      if (token !== GOOD) throw new AppError('captcha-invalid');
    }),
  };
}

function setup(options: { optIn?: boolean; verifier?: CaptchaVerifier } = {}) {
  const { optIn = true, verifier } = options;
  const run = jest.fn(async (call: { input: unknown; captchaPassed?: true }) => ({
    ok: true,
    passed: call.captchaPassed === true,
  }));
  const limiter: jest.Mocked<RateLimiter> = {
    hit: jest.fn(async (limits) => ({ at: '2030-01-01T00:00:00.000Z', limits })),
  };
  const ownLimits = jest.fn(() => []);
  const action = defineAction({
    name: 'Echo',
    access: 'public',
    input: v.object({ email: v.string(), captchaToken: CaptchaToken }),
    ...(optIn ? { captcha: true } : {}),
    limits: ownLimits,
    run: (call) => run(call),
  });
  const handler = actionHandler(action, () => ({
    actionsSecret: TEST_SECRET,
    log: memoryLogger().log,
    budgetMs: 5000,
    limits: { limiter, settings },
    ...(verifier ? { captcha: verifier } : {}),
    deps: {},
  }));
  return { handler, run, limiter, ownLimits };
}

const call = (input: Record<string, unknown>, role = 'anonymous') =>
  actionEvent(
    'Echo',
    { email: 'ada@example.com', ...input },
    { session: { 'x-hasura-role': role }, headers: { 'x-forwarded-for': '203.0.113.9' } },
  );

describe('captcha middleware', () => {
  it('off by default (no provider): nothing changes, a token or none', async () => {
    const { handler, run, limiter } = setup();
    expect(await invoke(handler, call({}))).toEqual({ status: 200, body: { ok: true, passed: false } });
    expect(await invoke(handler, call({ captchaToken: 'anything' }))).toMatchObject({ status: 200 });
    expect(run).toHaveBeenCalledTimes(2);
    expect(limiter.hit).toHaveBeenCalledTimes(2);
  });

  it('does nothing for an action that does not opt in, even with a provider', async () => {
    const verifier = fakeVerifier();
    const { handler, run } = setup({ optIn: false, verifier });
    expect(await invoke(handler, call({}))).toMatchObject({ status: 200, body: { passed: false } });
    expect(verifier.verify).not.toHaveBeenCalled();
    expect(run).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['no token', {}],
    ['a null token', { captchaToken: null }],
    ['an empty token', { captchaToken: '  ' }],
  ])('on: %s is captcha-required, never counted nor run, the provider not asked', async (_label, input) => {
    const verifier = fakeVerifier();
    const { handler, run, limiter } = setup({ verifier });
    const answer = await invoke(handler, call(input));
    expect(answer.status).toBe(400);
    expect(answer.body.extensions).toEqual({ code: 'captcha-required' });
    expect(verifier.verify).not.toHaveBeenCalled();
    expect(limiter.hit).not.toHaveBeenCalled();
    expect(run).not.toHaveBeenCalled();
  });

  it('on: a token the provider refuses is captcha-invalid, never counted nor run', async () => {
    const verifier = fakeVerifier();
    const { handler, run, limiter, ownLimits } = setup({ verifier });
    const answer = await invoke(handler, call({ captchaToken: 'forged' }));
    expect(answer.status).toBe(403);
    expect(answer.body.extensions).toEqual({ code: 'captcha-invalid' });
    expect(limiter.hit).not.toHaveBeenCalled();
    expect(ownLimits).not.toHaveBeenCalled();
    expect(run).not.toHaveBeenCalled();
  });

  it('on: a good token is verified with the client address within the deadline, then counted and run', async () => {
    const verifier = fakeVerifier();
    const { handler, run, limiter, ownLimits } = setup({ verifier });
    const before = Date.now();
    const answer = await invoke(handler, call({ captchaToken: ` ${GOOD} ` }));
    expect(answer).toEqual({ status: 200, body: { ok: true, passed: true } });
    expect(verifier.verify).toHaveBeenCalledWith(GOOD, {
      remoteIp: '203.0.113.9',
      deadline: expect.any(Number),
    });
    const deadline = verifier.verify.mock.calls[0]?.[1]?.deadline ?? 0;
    expect(deadline).toBeGreaterThanOrEqual(before + 5000);
    // The action's own limits see that the caller passed (Signup drops its global ceiling then).
    expect(ownLimits).toHaveBeenCalledWith(expect.objectContaining({ captchaPassed: true }), settings);
    expect(limiter.hit).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('on: the provider out of reach refuses the call (fail closed) with captcha-unavailable', async () => {
    const verifier = fakeVerifier();
    verifier.verify.mockRejectedValue(new AppError('captcha-unavailable', { cause: new Error('timeout') }));
    const { handler, run, limiter } = setup({ verifier });
    const answer = await invoke(handler, call({ captchaToken: GOOD }));
    expect(answer.status).toBe(424);
    expect(answer.body.extensions).toEqual({ code: 'captcha-unavailable' });
    expect(limiter.hit).not.toHaveBeenCalled();
    expect(run).not.toHaveBeenCalled();
  });

  it('does not check admin calls (our own back end), as they are not counted either', async () => {
    const verifier = fakeVerifier();
    const { handler, run } = setup({ verifier });
    expect(await invoke(handler, call({}, 'admin'))).toMatchObject({ status: 200, body: { passed: false } });
    expect(verifier.verify).not.toHaveBeenCalled();
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('refuses a token longer than any provider issues as invalid input, before asking', async () => {
    const verifier = fakeVerifier();
    const { handler } = setup({ verifier });
    const answer = await invoke(handler, call({ captchaToken: 'x'.repeat(2049) }));
    expect(answer.body.extensions?.code).toBe('invalid-input');
    expect(verifier.verify).not.toHaveBeenCalled();
  });
});
