import type { ActionCall } from '../../../../lib/action/contract';
import { rateLimits } from '../../../../lib/action/middlewares/rate-limits';
import type { Limit, RateLimiter } from '../../../../lib/action/rate-limit';
import type { LimitsConfig } from '../../../../lib/action/settings';
import { AppError } from '../../../../lib/basics/errors';
import { actionRequest, memoryLogger, phase } from '../../../helpers/lambda';

const settings = { windowSeconds: 60, perUser: 30, perAddress: 20 } as LimitsConfig;
const own: Limit = { key: 'echo:ada', max: 3, windowSeconds: 3600 };

function limiter(): jest.Mocked<RateLimiter> {
  return { hit: jest.fn(async (limits) => ({ at: '2030-01-01T00:00:00.000Z', limits })) };
}

function call(overrides: Partial<ActionCall<unknown>> = {}): ActionCall<unknown> {
  return {
    input: {},
    role: 'anonymous',
    userId: undefined,
    address: '1.2.3.4',
    counted: undefined,
    requestId: 'aws-req-1',
    log: memoryLogger().log,
    deadline: 12345,
    ...overrides,
  };
}

async function count(given: ActionCall<unknown> | undefined, counter = limiter(), ownLimits = true) {
  const request = actionRequest();
  request.event.call = given;
  const action = { name: 'Echo', ...(ownLimits ? { limits: () => [own] } : {}) };
  await phase(rateLimits({ action, limits: { limiter: counter, settings } }), 'before')(request);
  return counter;
}

describe('rateLimits', () => {
  it('counts a user per user id, then the action’s own limits, in one hit before the deadline', async () => {
    const given = call({ role: 'user', userId: 7 });
    const counter = await count(given);
    expect(counter.hit).toHaveBeenCalledWith(
      [{ key: 'action:Echo:user:7', max: 30, windowSeconds: 60 }, own],
      { deadline: 12345 },
    );
    // The call keeps what its own limits counted, so that the action can give it back.
    expect(given.counted).toEqual({ at: '2030-01-01T00:00:00.000Z', limits: [own] });
  });

  it('counts any other caller per client address, or in the one unknown bucket without it', async () => {
    expect((await count(call(), limiter(), false)).hit.mock.calls[0]?.[0]).toEqual([
      { key: 'action:Echo:address:1.2.3.4', max: 20, windowSeconds: 60 },
    ]);
    expect((await count(call({ address: undefined }), limiter(), false)).hit.mock.calls[0]?.[0]).toEqual([
      { key: 'action:Echo:address:unknown', max: 20, windowSeconds: 60 },
    ]);
  });

  it('does not count admin calls, nor anything without limits', async () => {
    expect((await count(call({ role: 'admin' }))).hit).not.toHaveBeenCalled();
    const request = actionRequest();
    request.event.call = call();
    await phase(rateLimits({ action: { name: 'Echo' } }), 'before')(request);
    expect(request.event.call.counted).toBeUndefined();
  });

  it('lets a refusal through to the error middleware, and leaves the call uncounted', async () => {
    const counter = limiter();
    counter.hit.mockRejectedValue(new AppError('rate-limited', { details: { retryAfterSeconds: 30 } }));
    const given = call();
    await expect(count(given, counter)).rejects.toMatchObject({ code: 'rate-limited' });
    expect(given.counted).toBeUndefined();
  });
});
