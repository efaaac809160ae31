import {
  clientAddress,
  createRateLimiter,
  digest,
  giveBack,
  type Limit,
  limitKey,
} from '../../../lib/action/rate-limit';
import { AppError } from '../../../lib/basics/errors';
import type { HasuraClient } from '../../../lib/platform/hasura/client';

/**
 * lib/action/rate-limit.ts without Hasura: what a hit asks, how an answer is read, keys and client
 * addresses. tests/integration/action/rate-limit.test.ts counts against the real trigger.
 */

const NOW = Date.parse('2026-03-01T12:00:00.000Z');

function recording(answer: unknown) {
  const calls: { query: string; variables: unknown; options: unknown }[] = [];
  const hasura: HasuraClient = {
    async request(doc, variables, options) {
      calls.push({ query: String(doc).split('(')[0] ?? '', variables, options });
      return answer as never;
    },
  };
  return { limiter: createRateLimiter({ hasura, now: () => NOW }), calls };
}

const narrow: Limit = { key: 'signin:1.2.3.4', max: 5, windowSeconds: 300, code: 'too-many-attempts' };
const wide: Limit = { key: 'signins', max: 100, windowSeconds: 3600 };
const refusal = (refused_key: string | null, retry_after_seconds: number | null = null) => ({
  insert_rate_limit_hit_one: { refused_key, retry_after_seconds },
});

describe('createRateLimiter', () => {
  it('counts the limits in one request, in order, at the instant of the call, within the deadline', async () => {
    const { limiter, calls } = recording(refusal(null));
    expect(await limiter.hit([narrow, wide], { deadline: NOW + 4000 })).toEqual({
      at: '2026-03-01T12:00:00.000Z',
      limits: [narrow, wide],
    });
    expect(calls).toEqual([
      {
        query: 'mutation HitRateLimits',
        variables: {
          hit: {
            at: '2026-03-01T12:00:00.000Z',
            delta: 1,
            limits: [
              { key: 'signin:1.2.3.4', max: 5, window_seconds: 300 },
              { key: 'signins', max: 100, window_seconds: 3600 },
            ],
          },
        },
        options: { deadline: NOW + 4000 },
      },
    ]);
  });

  it('asks nothing for no limit', async () => {
    const { limiter, calls } = recording(refusal(null));
    expect(await limiter.hit([])).toEqual({ at: '2026-03-01T12:00:00.000Z', limits: [] });
    expect(calls).toEqual([]);
  });

  it("refuses with the refused limit's code and Hasura's wait", async () => {
    const refused = await recording(refusal('signin:1.2.3.4', 42))
      .limiter.hit([narrow, wide])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'too-many-attempts', details: { retryAfterSeconds: 42 } });
  });

  it('refuses as rate-limited for a limit without a code, waiting its window when Hasura gives no wait', async () => {
    const refused = await recording(refusal('signins'))
      .limiter.hit([narrow, wide])
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'rate-limited', details: { retryAfterSeconds: 3600 } });
  });

  it('refuses a key it did not send as rate-limited, for a minute', async () => {
    const refused = await recording(refusal('other'))
      .limiter.hit([narrow])
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'rate-limited', details: { retryAfterSeconds: 60 } });
  });

  it('fails when Hasura answers no row', async () => {
    await expect(recording({ insert_rate_limit_hit_one: null }).limiter.hit([narrow])).rejects.toThrow(
      'Hasura returned no row for insert_rate_limit_hit_one',
    );
  });

  it('gives back a counted call as the same limits, at the same instant, with a delta of -1', () => {
    expect(giveBack({ at: '2026-03-01T12:00:00.000Z', limits: [narrow] })).toEqual({
      at: '2026-03-01T12:00:00.000Z',
      delta: -1,
      limits: [{ key: 'signin:1.2.3.4', max: 5, window_seconds: 300 }],
    });
  });

  it('uses the real clock when given none', async () => {
    const hasura: HasuraClient = { request: async () => refusal(null) as never };
    const before = Date.now();
    const { at } = await createRateLimiter({ hasura }).hit([narrow]);
    expect(Date.parse(at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(at)).toBeLessThanOrEqual(Date.now());
  });
});

describe('keys', () => {
  it('join the name and the subject with colons, so that parts cannot run into each other', () => {
    expect(limitKey('action', 'CreateProject', 'user', 12)).toBe('action:CreateProject:user:12');
    expect(limitKey('x', 1, 23)).not.toBe(limitKey('x', 12, 3));
    expect(limitKey('mails')).toBe('mails');
  });

  it('digest a personal value to 22 url-safe characters of its SHA-256', () => {
    expect(digest('ada@example.com')).toBe('tfyF5VdV-eDQMKEKtEKbay');
  });
});

describe('clientAddress', () => {
  it('knows no address for a depth under 1', () => {
    expect(clientAddress('203.0.113.7', 0)).toBeUndefined();
    expect(clientAddress('203.0.113.7, 10.0.0.5', -1)).toBeUndefined();
  });

  it('trims the entries', () => {
    expect(clientAddress(' 203.0.113.7 ,10.0.0.5', 2)).toBe('203.0.113.7');
  });

  it.each([
    // IPv4-mapped: the IPv4 address, whatever the length of its groups.
    ['::ffff:203.10.113.77', '203.10.113.77'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    // Only at the start: anything else is an IPv6 address like any other.
    ['1::ffff:1.2.3.4', '1:0:0:0::/64'],
    // A leading `::`.
    ['::', '0:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::2:3:4:5:6:7:8', '0:2:3:4::/64'],
    // A trailing `::`.
    ['1:2:3:4:5:6:7::', '1:2:3:4::/64'],
    // A trailing dotted IPv4 part stands for two groups.
    ['64:ff9b::1.2.3.4', '64:ff9b:0:0::/64'],
    ['1::3:4:5:1.2.3.4', '1:0:0:3::/64'],
    ['1:2:3:4:5::1.2.3.4', '1:2:3:4::/64'],
    // A long right-hand side.
    ['2001:db8::1:2:3:4:5', '2001:db8:0:1::/64'],
    // Leading zeros dropped, a zero group kept as 0.
    ['2001:0db8:0000:0012::1', '2001:db8:0:12::/64'],
  ])('keys %s as %s', (address, key) => {
    expect(clientAddress(address, 1)).toBe(key);
  });
});
