import {
  parseRateLimit,
  type QoveryStandIn,
  qoveryContract,
  type StandInOptions,
  startQoveryStandIn,
} from '../../../../sandbox/qovery';
import fixture from '../../../fixtures/qovery/settings.json';

const TOKEN = fixture.token;
const OTHER_TOKEN = 'another-organization-token';
const PROJECT = fixture.projectId;
const UNKNOWN_ENVIRONMENT = '00000000-0000-4000-8000-000000000404';
const HOUR = { requests: 1000, windowSeconds: 3600 };

let qovery: QoveryStandIn | undefined;

async function standIn(options: Partial<StandInOptions> = {}): Promise<QoveryStandIn> {
  qovery = await startQoveryStandIn({
    token: TOKEN,
    projectIds: [PROJECT],
    registryIds: [fixture.registryId],
    ...options,
  });
  return qovery;
}
afterEach(async () => {
  await qovery?.close();
  qovery = undefined;
});

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: read by the assertions that follow
  body: any;
  headers: Headers;
}

/** One call, its headers kept (the shared helper keeps status and body only). */
async function call(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<Answer> {
  const response = await fetch(`${qovery?.url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { Authorization: `Token ${token}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

const listEnvironments = (token: string | null = TOKEN) =>
  call('GET', `/project/${PROJECT}/environment`, undefined, token);

const budgetOf = ({ headers }: Answer) => ({
  limit: headers.get('x-ratelimit-limit'),
  remaining: headers.get('x-ratelimit-remaining'),
  reset: headers.get('x-ratelimit-reset'),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Qovery stand-in: rate limit', () => {
  test('is off by default: no X-RateLimit headers, no 429 however many calls', async () => {
    const { rateLimit, calls } = await standIn();
    const answers = await Promise.all(Array.from({ length: 30 }, () => listEnvironments()));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(budgetOf(answer)).toEqual({ limit: null, remaining: null, reset: null });
    }
    expect(rateLimit.refused).toBe(0);
    expect(rateLimit.counted()).toBe(0);
    expect(calls.some((c) => c.rateLimited)).toBe(false);
  });

  test('every authenticated answer, success or error, carries the budget; a 401 neither counts nor does', async () => {
    const before = Date.now();
    const { rateLimit } = await standIn({ rateLimit: { requests: 5, windowSeconds: 3600 } });
    const answers = [
      await call('POST', `/project/${PROJECT}/environment`, { name: 'a', mode: 'PRODUCTION' }),
      await listEnvironments(),
      await call('GET', `/environment/${UNKNOWN_ENVIRONMENT}`),
      await call('GET', '/no/such/route'),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 200, 404, 404]);
    expect(answers.map((a) => budgetOf(a).remaining)).toEqual(['4', '3', '2', '1']);
    const resets = new Set(answers.map((a) => Number(budgetOf(a).reset)));
    expect(resets.size).toBe(1);
    const [reset = 0] = resets;
    // A Unix timestamp in seconds, an hour after the first call.
    expect(reset).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 3600);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
    for (const answer of answers) expect(budgetOf(answer).limit).toBe('5');
    // The unknown route is a call Qovery's API does not have: the contract check records it.
    expect(qovery?.takeViolations()).toHaveLength(1);

    const refused = await listEnvironments('wrong-token');
    expect(refused.status).toBe(401);
    expect(budgetOf(refused)).toEqual({ limit: null, remaining: null, reset: null });
    expect(rateLimit.counted()).toBe(4);
  });

  test('past the budget: 429 with Retry-After and the headers, nothing done, the call recorded as refused', async () => {
    const { rateLimit, calls, state } = await standIn({ rateLimit: { requests: 2, windowSeconds: 3600 } });
    expect((await listEnvironments()).status).toBe(200);
    expect((await listEnvironments()).status).toBe(200);
    const limited = await call('POST', `/project/${PROJECT}/environment`, { name: 'a', mode: 'PRODUCTION' });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ status: 429, detail: expect.stringMatching(/rate limit/i) });
    expect(limited.headers.get('content-type')).toBe('application/json');
    expect(budgetOf(limited)).toEqual({ limit: '2', remaining: '0', reset: expect.stringMatching(/^\d+$/) });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3590);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(state.environments.size).toBe(0);
    expect((await listEnvironments()).status).toBe(429);

    expect(rateLimit.refused).toBe(2);
    expect(rateLimit.counted()).toBe(4);
    expect(calls.map((c) => [c.status, c.rateLimited ?? false])).toEqual([
      [200, false],
      [200, false],
      [429, true],
      [429, true],
    ]);
    // setup-contract.ts fails this test if either 429 broke Qovery's OpenAPI document.
  });

  test("an injected 429 is the test's, not the budget's", async () => {
    const { rateLimit, calls, faults } = await standIn({ rateLimit: HOUR });
    faults.inject({ path: `/project/${PROJECT}/environment`, status: 429, headers: { 'Retry-After': '1' } });
    expect((await listEnvironments()).status).toBe(429);
    expect(rateLimit.refused).toBe(0);
    expect(calls[0]?.rateLimited).toBeUndefined();
  });

  test('counts each token on its own', async () => {
    const { rateLimit } = await standIn({
      tokens: [OTHER_TOKEN],
      rateLimit: { requests: 1, windowSeconds: 3600 },
    });
    expect((await listEnvironments(TOKEN)).status).toBe(200);
    expect((await listEnvironments(TOKEN)).status).toBe(429);
    const other = await listEnvironments(OTHER_TOKEN);
    expect(other.status).toBe(200);
    expect(budgetOf(other).remaining).toBe('0');
    expect((await listEnvironments(OTHER_TOKEN)).status).toBe(429);
    expect(rateLimit.counted(TOKEN)).toBe(2);
    expect(rateLimit.counted(OTHER_TOKEN)).toBe(2);
    expect(rateLimit.counted('never-seen')).toBe(0);
    expect(rateLimit.refused).toBe(2);
  });

  test("resets its window on the stand-in's clock: compressed 100 times, 200 s pass in 2 real seconds", async () => {
    const { rateLimit } = await standIn({ stepMs: 15, rateLimit: { requests: 2, windowSeconds: 200 } });
    const before = Date.now();
    expect((await listEnvironments()).status).toBe(200);
    const opened = Date.now();
    expect((await listEnvironments()).status).toBe(200);
    const limited = await listEnvironments();
    expect(limited.status).toBe(429);
    // The headers tell the wall clock, which a client sleeps by: 2 s away, not 200.
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(2);
    const reset = Number(budgetOf(limited).reset);
    expect(reset).toBeGreaterThanOrEqual(Math.floor((before + 2000) / 1000));
    expect(reset).toBeLessThanOrEqual(Math.ceil((opened + 2000) / 1000));

    await sleep(opened + 2000 + 50 - Date.now());
    expect(rateLimit.counted()).toBe(0);
    const renewed = await listEnvironments();
    expect(renewed.status).toBe(200);
    expect(budgetOf(renewed).remaining).toBe('1');
    expect(rateLimit.counted()).toBe(1);
    expect(rateLimit.refused).toBe(1);
  });

  test('refuses a limit that is not a whole number of requests per positive seconds', async () => {
    await expect(
      startQoveryStandIn({ token: TOKEN, rateLimit: { requests: 0, windowSeconds: 60 } }),
    ).rejects.toThrow(/rate limit/);
    await expect(
      startQoveryStandIn({ token: TOKEN, rateLimit: { requests: 10, windowSeconds: 0 } }),
    ).rejects.toThrow(/rate limit/);
  });
});

describe('Qovery stand-in: QOVERY_STANDIN_RATE_LIMIT', () => {
  test('reads <requests>/<seconds>; off when empty, absent or "off"', () => {
    expect(parseRateLimit('1000/3600')).toEqual(HOUR);
    expect(parseRateLimit(' 10 / 1.5 ')).toEqual({ requests: 10, windowSeconds: 1.5 });
    expect(parseRateLimit(undefined)).toBeUndefined();
    expect(parseRateLimit('')).toBeUndefined();
    expect(parseRateLimit('off')).toBeUndefined();
  });

  test.each(['1000', '1000 per hour', '0/3600', '10/0', '-1/60'])('refuses %p', (text) => {
    expect(() => parseRateLimit(text)).toThrow(/1000\/3600|rate limit/);
  });
});

describe("Qovery contract: the API's 429", () => {
  const body = { status: 429, detail: 'Rate limit exceeded' };

  test.each([
    ['an operation that declares no 429', 'GET', `/environment/${UNKNOWN_ENVIRONMENT}`],
    ['a POST that declares no 429', 'POST', `/project/${PROJECT}/environment`],
    [
      'the one operation declaring 429 (the git provider limit)',
      'POST',
      `/service/${UNKNOWN_ENVIRONMENT}/gitWebhook/sync`,
    ],
  ])('is allowed on %s', (_label, method, path) => {
    expect(qoveryContract().checkResponse({ method, path, status: 429, body }).problems).toEqual([]);
  });
});
