import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { AppError } from '../basics/errors';
import type { HasuraClient } from '../platform/hasura/client';
import { HitRateLimits, type RateLimitHitInput } from '../platform/hasura/documents';

/**
 * Rate limits kept in the database, so they hold across every Lambda instance.
 *
 * A limit is a fixed-window counter: at most `max` calls per `windowSeconds` for one `key`
 * (`<limit name>:<subject>`, see `limitKey`). `hit` counts one call against a list of limits in
 * ONE Hasura mutation (one SQL statement: an insert into `rate_limit_hit` whose trigger upserts
 * each counter under its row lock), in order, and stops at the first limit exceeded: the limits
 * after it are not counted. So a caller refused by a narrow limit (one address) does not use up
 * a wider one (one email, every sign-up). Because counting and checking are one atomic step,
 * N concurrent calls, from any number of Lambdas, get exactly `max` through.
 *
 *   const limiter = createRateLimiter({ hasura });
 *   await limiter.hit([{ key: limitKey('reset', digest(email)), max: 3, windowSeconds: 3600 }]);
 *
 * A refusal throws AppError `rate-limited` (or the limit's own `code`) with `retryAfterSeconds`.
 */

export interface Limit {
  /** One counter per key and window: `limitKey(name, ...subject)`. */
  key: string;
  max: number;
  windowSeconds: number;
  /** What a refusal answers; `rate-limited` when absent. */
  code?: 'rate-limited' | 'too-many-attempts' | 'too-many-emails';
}

/** A call counted by `hit`: the instant it was counted at and the limits it was counted against. */
export interface Counted {
  at: string;
  limits: readonly Limit[];
}

export interface RateLimiter {
  /** Counts one call against each limit, in order; throws at the first one exceeded. One round trip. */
  hit(limits: readonly Limit[], options?: { deadline?: number }): Promise<Counted>;
}

export interface RateLimiterDeps {
  hasura: HasuraClient;
  now?: () => number;
}

export function createRateLimiter({ hasura, now = Date.now }: RateLimiterDeps): RateLimiter {
  return {
    async hit(limits, { deadline } = {}) {
      const at = new Date(now()).toISOString();
      if (limits.length === 0) return { at, limits };
      const answer = await hasura.request(HitRateLimits, { hit: hitInput(limits, at, 1) }, { deadline });
      const outcome = answer.insert_rate_limit_hit_one;
      if (!outcome) throw new Error('Hasura returned no row for insert_rate_limit_hit_one');
      if (outcome.refused_key !== null) {
        const refused = limits.find((limit) => limit.key === outcome.refused_key);
        throw new AppError(refused?.code ?? 'rate-limited', {
          details: { retryAfterSeconds: outcome.retry_after_seconds ?? refused?.windowSeconds ?? 60 },
        });
      }
      return { at, limits };
    },
  };
}

/**
 * The row that gives back the hits of a counted call (e.g. a sign-in that turned out right is
 * not a failure), for a mutation that does it in the same transaction as its own work:
 * `insert_rate_limit_hit(objects: $giveBack)`.
 */
export function giveBack(counted: Counted): RateLimitHitInput {
  return hitInput(counted.limits, counted.at, -1);
}

function hitInput(limits: readonly Limit[], at: string, delta: 1 | -1): RateLimitHitInput {
  return {
    at,
    delta,
    limits: limits.map(({ key, max, windowSeconds }) => ({ key, max, window_seconds: windowSeconds })),
  };
}

/** `name:part:part`. Parts are caller-controlled text: keep them short (digest what is long or personal). */
export function limitKey(name: string, ...subject: readonly (string | number)[]): string {
  return [name, ...subject].join(':');
}

/** A short stable digest of a personal value (an email), so the counters hold no personal data. */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

/**
 * The client's address, from the X-Forwarded-For header of an action call.
 *
 * Only the entries our own infrastructure appended can be trusted: anything to their left is
 * whatever the client sent. `depth` says which entry, counted from the right (1 = last), holds the
 * client's address. In production (client → load balancer → Hasura → API Gateway → Lambda) the
 * load balancer appends the client's address and API Gateway appends Hasura's: depth 2. Hasura
 * forwards the header only for actions with `forward_client_headers: true`. Not enough entries, or
 * not an IP address: undefined (the caller then shares the one `unknown` bucket).
 *
 * IPv6 addresses are cut to their /64 network: one machine usually holds a whole /64.
 */
export function clientAddress(forwardedFor: string | undefined, depth: number): string | undefined {
  if (!forwardedFor) return undefined;
  const entries = forwardedFor.split(',').map((entry) => entry.trim());
  // A depth under 1, or more than there are entries, points past them: no entry, not an IP address.
  // (Equivalent for mutation testing: any stand-in for '' is not an IP address either.)
  // Stryker disable next-line StringLiteral
  const entry = entries[entries.length - depth] ?? '';
  const version = isIP(entry);
  if (version === 4) return entry;
  if (version === 6) return ipv6Network(entry);
  return undefined;
}

function ipv6Network(address: string): string {
  const lower = address.toLowerCase();
  // IPv4-mapped (::ffff:1.2.3.4): the IPv4 address is what identifies the client. (isIP has
  // checked the address: nothing can follow its dotted part.)
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)/.exec(lower);
  if (mapped?.[1]) return mapped[1];
  const [head, tail] = lower.split('::') as [string, string?];
  // Either side of `::` may be empty: no groups. (Equivalent for mutation testing: one group more
  // on the right never reaches the first four, the /64.)
  const left = head ? head.split(':') : [];
  // Stryker disable next-line ArrayDeclaration
  const right = tail ? tail.split(':') : [];
  // A trailing dotted IPv4 part (64:ff9b::1.2.3.4) stands for two groups.
  const size = (parts: string[]) => parts.length + (parts.at(-1)?.includes('.') ? 1 : 0);
  const groups = [...left, ...Array(Math.max(8 - size(left) - size(right), 0)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
