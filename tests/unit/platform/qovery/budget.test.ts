import { AppError } from '../../../../lib/basics/errors';
import { pauseAfter, type QoveryBudgetPort } from '../../../../lib/platform/qovery/budget';
import {
  createQoveryClient,
  QoveryBudgetExhausted,
  QoveryError,
  toAppError,
} from '../../../../lib/platform/qovery/client';

/** The Qovery client's budget port: drawn before every request, told every response. */

const BASE = 'https://qovery.example';
const NOW = Date.parse('2026-03-01T10:00:00Z');

function recordingBudget(refuse?: number): QoveryBudgetPort & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    async take({ operation, deadline }) {
      events.push(`take ${operation}${deadline === undefined ? '' : ` by ${deadline - NOW}`}`);
      if (refuse !== undefined) throw new QoveryBudgetExhausted(operation, refuse);
    },
    observe({ status, headers }) {
      events.push(`observe ${status} remaining=${headers.get('x-ratelimit-remaining')}`);
    },
  };
}

function clientWith(
  budget: QoveryBudgetPort,
  answers: { status: number; headers?: Record<string, string> }[],
) {
  let sent = 0;
  const fetch: typeof globalThis.fetch = async () => {
    const answer = answers[Math.min(sent++, answers.length - 1)] ?? { status: 500 };
    return new Response(answer.status === 204 ? null : '{"results":[]}', answer);
  };
  const client = createQoveryClient({
    baseUrl: BASE,
    token: 'qov_test_token',
    fetch,
    budget,
    now: () => NOW,
    sleep: async () => {},
    random: () => 0,
  });
  return { client, sent: () => sent };
}

describe('the Qovery client with a budget', () => {
  it('takes from the budget before every request, retries included, and tells it every response', async () => {
    const budget = recordingBudget();
    const { client } = clientWith(budget, [
      { status: 503 },
      { status: 200, headers: { 'x-ratelimit-remaining': '41' } },
    ]);
    await client.listEnvironment('p-1', { deadline: NOW + 25_000 });
    expect(budget.events).toEqual([
      'take listEnvironment by 25000',
      'observe 503 remaining=null',
      'take listEnvironment by 25000',
      'observe 200 remaining=41',
    ]);
  });

  it('sends nothing the budget refuses, and fails with its QoveryBudgetExhausted', async () => {
    const budget = recordingBudget(120);
    const { client, sent } = clientWith(budget, [{ status: 200 }]);
    const refused = await client.listEnvironment('p-1').catch((error: unknown) => error);
    expect(sent()).toBe(0);
    expect(refused).toBeInstanceOf(QoveryBudgetExhausted);
    expect(refused).toMatchObject({ kind: 'unavailable', retryAfterSeconds: 120 });
  });

  it("still answers Qovery's own 429 as before: unavailable, infrastructure-unavailable", async () => {
    const budget = recordingBudget();
    const { client } = clientWith(budget, [{ status: 429, headers: { 'retry-after': '600' } }]);
    const failure = await client.listEnvironment('p-1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QoveryError);
    expect(failure).not.toBeInstanceOf(QoveryBudgetExhausted);
    expect(failure).toMatchObject({ kind: 'unavailable', status: 429, attempts: 1 });
    const answer = toAppError(failure);
    expect(answer).toBeInstanceOf(AppError);
    expect(answer).toMatchObject({ code: 'infrastructure-unavailable', details: undefined });
    expect(budget.events).toEqual(['take listEnvironment', 'observe 429 remaining=null']);
  });
});

describe('pauseAfter', () => {
  const response = (status: number, headers: Record<string, string> = {}) => ({
    status,
    headers: new Headers(headers),
  });
  const reset = String((NOW + 900_000) / 1000);

  it("reads a 429's Retry-After, in seconds or as a date, before X-RateLimit-Reset", () => {
    expect(pauseAfter(response(429, { 'retry-after': '30', 'x-ratelimit-reset': reset }), NOW)).toBe(
      NOW + 30_000,
    );
    expect(pauseAfter(response(429, { 'retry-after': new Date(NOW + 45_000).toUTCString() }), NOW)).toBe(
      NOW + 45_000,
    );
    expect(pauseAfter(response(429, { 'x-ratelimit-reset': reset }), NOW)).toBe(NOW + 900_000);
    expect(pauseAfter(response(429, { 'retry-after': 'soon' }), NOW)).toBe(NOW + 60_000);
  });

  it('pauses until the reset when no request is left, and not otherwise', () => {
    expect(pauseAfter(response(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }), NOW)).toBe(
      NOW + 900_000,
    );
    expect(pauseAfter(response(201, { 'x-ratelimit-remaining': '0' }), NOW)).toBe(NOW + 60_000);
    expect(pauseAfter(response(200, { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': reset }), NOW)).toBe(
      undefined,
    );
    expect(pauseAfter(response(503, { 'retry-after': '5' }), NOW)).toBe(undefined);
  });
});
