import {
  clientAddress,
  createRateLimiter,
  digest,
  giveBack,
  type Limit,
} from '../../../lib/action/rate-limit';
import { AppError } from '../../../lib/basics/errors';
import { HitRateLimits } from '../../../lib/platform/hasura/documents';
import { startTestHasura, type TestHasura } from '../../helpers/hasura';
import { outcome } from '../../helpers/outcome';

let hasura: TestHasura;
let clock = Date.parse('2026-03-01T10:00:00Z');

beforeAll(async () => {
  hasura = await startTestHasura();
});
afterAll(() => hasura.close());
beforeEach(async () => {
  clock = Date.parse('2026-03-01T10:00:00Z');
  await hasura.db.exec('TRUNCATE rate_limit');
  hasura.calls.length = 0;
});

/** One limiter per call: as many Lambda instances, sharing only the database. */
const limiter = () => createRateLimiter({ hasura: hasura.client, now: () => clock });
const counters = async () =>
  (
    await hasura.db.query<{ key: string; hits: number }>('SELECT key, hits FROM rate_limit ORDER BY key')
  ).rows.map((r) => ({ ...r }));

const perMinute = (key: string, max: number): Limit => ({ key, max, windowSeconds: 60 });

describe('the rate limiter', () => {
  it('lets exactly max of many concurrent calls through, in one round trip each', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => outcome(limiter().hit([perMinute('action:X:user:1', 7)]))),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(7);
    expect(outcomes.filter((o) => o === 'rate-limited')).toHaveLength(33);
    expect(hasura.calls).toEqual(Array(40).fill('HitRateLimits'));
  });

  it('refuses with rate-limited, HTTP 429 and the seconds until the window ends', async () => {
    clock = Date.parse('2026-03-01T10:00:45Z');
    await limiter().hit([perMinute('k', 1)]);
    const refused = await limiter()
      .hit([perMinute('k', 1)])
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'rate-limited', status: 429, details: { retryAfterSeconds: 15 } });
  });

  it('starts again when the window has passed, and keeps one row per key', async () => {
    await limiter().hit([perMinute('k', 1)]);
    expect(await outcome(limiter().hit([perMinute('k', 1)]))).toBe('rate-limited');
    clock += 60_000;
    expect(await outcome(limiter().hit([perMinute('k', 1)]))).toBe('ok');
    expect(await counters()).toEqual([{ key: 'k', hits: 1 }]);
  });

  it('counts the limits in order and stops at the first exceeded: the later ones are not counted', async () => {
    const narrow = perMinute('narrow', 2);
    const wide = perMinute('wide', 100);
    for (let i = 0; i < 5; i++) await outcome(limiter().hit([narrow, wide]));
    expect(await counters()).toEqual([
      { key: 'narrow', hits: 5 },
      { key: 'wide', hits: 2 },
    ]);
  });

  it("answers the refused limit's own code", async () => {
    const limit: Limit = { ...perMinute('signin', 1), code: 'too-many-attempts' };
    await limiter().hit([limit]);
    expect(await outcome(limiter().hit([limit]))).toBe('too-many-attempts');
  });

  it('gives hits back in the window they were counted in, never below zero', async () => {
    const limits = [perMinute('a', 5), perMinute('b', 5)];
    const counted = await limiter().hit(limits);
    await limiter().hit(limits);
    await hasura.client.request(HitRateLimits, { hit: giveBack(counted) });
    expect(await counters()).toEqual([
      { key: 'a', hits: 1 },
      { key: 'b', hits: 1 },
    ]);
    await hasura.client.request(HitRateLimits, { hit: giveBack(counted) });
    await hasura.client.request(HitRateLimits, { hit: giveBack(counted) });
    expect(await counters()).toEqual([
      { key: 'a', hits: 0 },
      { key: 'b', hits: 0 },
    ]);
  });

  it('leaves nothing behind in rate_limit_hit', async () => {
    await limiter().hit([perMinute('k', 1)]);
    expect((await hasura.db.query('SELECT * FROM rate_limit_hit')).rows).toEqual([]);
  });

  it('makes no round trip for no limit', async () => {
    await limiter().hit([]);
    expect(hasura.calls).toEqual([]);
  });
});

describe('clientAddress', () => {
  // Production: client → load balancer (appends the client) → Hasura → API Gateway (appends Hasura).
  it('takes the entry the load balancer appended, whatever the client put before it', () => {
    expect(clientAddress('203.0.113.7, 10.0.0.5', 2)).toBe('203.0.113.7');
    expect(clientAddress('1.1.1.1, 6.6.6.6, 203.0.113.7, 10.0.0.5', 2)).toBe('203.0.113.7');
    expect(clientAddress('203.0.113.7', 1)).toBe('203.0.113.7');
  });

  it('knows no address when the header is missing, too short or not an IP address', () => {
    expect(clientAddress(undefined, 2)).toBeUndefined();
    expect(clientAddress('10.0.0.5', 2)).toBeUndefined();
    expect(clientAddress('evil, 10.0.0.5', 2)).toBeUndefined();
    expect(clientAddress('', 1)).toBeUndefined();
  });

  it('keys IPv6 clients by their /64 network, and IPv4-mapped ones by their IPv4 address', () => {
    expect(clientAddress('2001:db8:abcd:12:1::1', 1)).toBe('2001:db8:abcd:12::/64');
    expect(clientAddress('2001:DB8:ABCD:0012:ffff:ffff:ffff:ffff', 1)).toBe('2001:db8:abcd:12::/64');
    expect(clientAddress('2001:db8::1', 1)).toBe('2001:db8:0:0::/64');
    expect(clientAddress('::ffff:203.0.113.7', 1)).toBe('203.0.113.7');
  });

  it('digests personal values to a short stable string', () => {
    expect(digest('ada@example.com')).toBe(digest('ada@example.com'));
    expect(digest('ada@example.com')).not.toContain('ada');
    expect(digest('ada@example.com')).toHaveLength(22);
  });
});
