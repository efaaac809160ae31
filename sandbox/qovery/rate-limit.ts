/**
 * Qovery's rate limit, imitated: a budget of requests per API token over a fixed window. Qovery
 * documents 1000 requests per hour per API token, `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
 * `X-RateLimit-Reset` (a Unix timestamp, in seconds) on every answer, and `429 Too Many Requests`
 * past the limit (https://www.qovery.com/docs/api-reference/introduction). Whether it sends
 * `Retry-After` is not documented: the stand-in does (the seconds until the window resets), so that
 * a client reading either is served.
 *
 * A token's window opens with its first call and lasts `windowSeconds` of the stand-in's time
 * (context.ts: compressed or stretched with `stepMs`), so a benchmark that speeds the stand-in up
 * shortens the window with it. The headers tell the wall clock's time, which is the one a client
 * that waits on them sleeps by.
 */
import { type Context, realMs } from './context';
import { problem, type Reply } from './reply';

export interface RateLimit {
  /** Calls each token may make per window (Qovery: 1000). */
  requests: number;
  /** The window's length in the stand-in's seconds (Qovery: 3600). */
  windowSeconds: number;
}

/** What a test reads of the rate limit: `standIn.rateLimit`. */
export interface RateLimitView {
  /** 429s the budget answered since the start (an injected 429 fault is not one). */
  readonly refused: number;
  /**
   * Calls counted in the current window of `token` (default: the stand-in's `token`), refused ones
   * included: more than the budget means the client went on calling past a 429. 0 when the window
   * has passed, or when there is no limit.
   */
  counted(token?: string): number;
}

/** Whether a call goes through, and the headers its answer carries. */
export interface Admission {
  headers: Record<string, string>;
  /** The 429 to answer instead, when the token's window has no call left. */
  refusal?: Reply;
}

export interface RateLimiter {
  view: RateLimitView;
  /** Counts a call of `token` in its window. */
  admit(token: string): Admission;
}

interface Window {
  /** Wall-clock time (ms since the Unix epoch) at which the window ends. */
  endsAt: number;
  counted: number;
}

export function createRateLimiter(context: Context, limit: RateLimit, defaultToken: string): RateLimiter {
  checkRateLimit(limit);
  const windows = new Map<string, Window>();
  let refused = 0;
  const current = (token: string, now: number): Window | undefined => {
    const window = windows.get(token);
    return window && now < window.endsAt ? window : undefined;
  };
  return {
    view: {
      get refused() {
        return refused;
      },
      counted: (token = defaultToken) => current(token, Date.now())?.counted ?? 0,
    },
    admit(token) {
      const now = Date.now();
      let window = current(token, now);
      if (!window) {
        window = { endsAt: now + realMs(context, limit.windowSeconds * 1000), counted: 0 };
        windows.set(token, window);
      }
      window.counted++;
      const headers = {
        'X-RateLimit-Limit': String(limit.requests),
        'X-RateLimit-Remaining': String(Math.max(0, limit.requests - window.counted)),
        'X-RateLimit-Reset': String(Math.ceil(window.endsAt / 1000)),
      };
      if (window.counted <= limit.requests) return { headers };
      refused++;
      return { headers, refusal: tooManyRequests(limit, headers, window.endsAt - now) };
    },
  };
}

function tooManyRequests(limit: RateLimit, headers: Record<string, string>, msLeft: number): Reply {
  const detail = `Rate limit exceeded: ${limit.requests} requests per ${limit.windowSeconds} s per API token`;
  return {
    ...problem(429, detail),
    // Whole seconds (RFC 9110's delay-seconds), rounded up: a client that waits them finds the
    // window renewed.
    headers: { ...headers, 'Retry-After': String(Math.ceil(msLeft / 1000)) },
  };
}

export function checkRateLimit({ requests, windowSeconds }: RateLimit): void {
  if (!Number.isInteger(requests) || requests < 1 || !Number.isFinite(windowSeconds) || windowSeconds <= 0) {
    throw new Error(
      `A rate limit is a whole number of requests (≥ 1) per a positive number of seconds, not ${requests}/${windowSeconds}`,
    );
  }
}

/**
 * `<requests>/<seconds>` (`1000/3600`: Qovery's budget), as `QOVERY_STANDIN_RATE_LIMIT` gives it;
 * undefined (no limit) when empty, absent or `off`.
 */
export function parseRateLimit(text: string | undefined): RateLimit | undefined {
  const value = text?.trim() ?? '';
  if (value === '' || value === 'off') return undefined;
  const match = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(value);
  if (!match) {
    throw new Error(
      `QOVERY_STANDIN_RATE_LIMIT must be <requests>/<seconds> (e.g. 1000/3600) or off, not "${value}"`,
    );
  }
  const limit = { requests: Number(match[1]), windowSeconds: Number(match[2]) };
  checkRateLimit(limit);
  return limit;
}
