import type { Access, ActionCall, OwnLimits, RuntimeLimits } from '../contract';
import { type Limit, limitKey } from '../rate-limit';
import type { ActionMiddleware } from './request';

export interface RateLimitsOptions<I, A extends Access> {
  /** The action counted, and its own limits beyond the per-caller one. */
  action: { name: string; limits?: OwnLimits<I, A> };
  /** Without them (tests with fakes) calls are not counted. */
  limits?: RuntimeLimits;
}

/**
 * Counts the call against its rate limits in one Hasura round trip (lib/action/rate-limit.ts):
 * per user for role `user`, per client address otherwise, then the action's own, in order. The
 * call keeps what was counted against the action's own limits, so that the action can give it back.
 */
export const rateLimits = <I, A extends Access>({
  action,
  limits,
}: RateLimitsOptions<I, A>): ActionMiddleware => ({
  before: async (request) => {
    const call = request.event.call as ActionCall<I, A> | undefined;
    // Admin calls come from our own back end with the admin secret: not limited.
    if (!limits || !call || call.role === 'admin') return;
    const { limiter, settings } = limits;
    const caller: Limit =
      call.role === 'user' && call.userId !== undefined
        ? {
            key: limitKey('action', action.name, 'user', call.userId),
            max: settings.perUser,
            windowSeconds: settings.windowSeconds,
          }
        : {
            key: limitKey('action', action.name, 'address', call.address ?? 'unknown'),
            max: settings.perAddress,
            windowSeconds: settings.windowSeconds,
          };
    const own = action.limits?.(call, settings) ?? [];
    const counted = await limiter.hit([caller, ...own], { deadline: call.deadline });
    call.counted = { at: counted.at, limits: own };
  },
});
