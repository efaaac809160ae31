import {
  type BudgetStore,
  createQoveryBudget,
  hasuraBudgetStore,
  isBudgetExhausted,
  type QoveryBudget,
} from '../../../lib/instances/budget';
import { PurgeExpired } from '../../../lib/platform/hasura/documents';
import { createQoveryClient, isQoveryError, type QoveryClient } from '../../../lib/platform/qovery/client';
import { type QoveryStandIn, startQoveryStandIn } from '../../../sandbox/qovery';
import { startTestHasura, type TestHasura } from '../../helpers/hasura';

/**
 * The Qovery budget in the database (hasura-metadata/migrations/default/1795860015000_qovery_budget),
 * through the Hasura stand-in's real PostgreSQL. Every draw carries the caller's clock (`at`), so
 * an hour passes without sleeping.
 */

let hasura: TestHasura;

beforeAll(async () => {
  hasura = await startTestHasura();
});
afterAll(() => hasura.close());
beforeEach(() => hasura.emptyTables());

const T = (time: string) => Date.parse(`2026-03-01T${time}Z`);
/** One store per call: as many Lambda instances, sharing only the database. */
const store = (perHour = 10): BudgetStore => hasuraBudgetStore(hasura.client, perHour);
const minutes = async () =>
  (
    await hasura.rows<{ minute: Date; spent: number }>(
      'SELECT minute, spent FROM qovery_budget_minute ORDER BY minute',
    )
  ).map((row) => ({ minute: row.minute.toISOString().slice(11, 16), spent: row.spent }));

describe('the Qovery budget in the database', () => {
  it('grants draws up to the budget and refuses past it, with the seconds until the oldest minute leaves the hour', async () => {
    expect(await store().draw(4, T('10:00:30'))).toEqual({ granted: true });
    expect(await store().draw(6, T('10:10:00'))).toEqual({ granted: true });
    // The 10:00 minute leaves the window (the current minute and the 60 before it) at 11:01.
    expect(await store().draw(1, T('10:20:00'))).toEqual({ granted: false, retryAfterSeconds: 41 * 60 });
    // Seven units need the 10:10 minute gone too.
    expect(await store().draw(7, T('10:20:00'))).toEqual({ granted: false, retryAfterSeconds: 51 * 60 });
    expect(await minutes()).toEqual([
      { minute: '10:00', spent: 4 },
      { minute: '10:10', spent: 6 },
    ]);
  });

  it('slides: the units of a minute fit again once it has left the hour, and not before', async () => {
    await store().draw(4, T('10:00:30'));
    await store().draw(6, T('10:10:00'));
    expect(await store().draw(1, T('11:00:59'))).toEqual({ granted: false, retryAfterSeconds: 1 });
    expect(await store().draw(5, T('11:01:00'))).toEqual({ granted: false, retryAfterSeconds: 600 });
    expect(await store().draw(4, T('11:01:00'))).toEqual({ granted: true });
    expect(await store().draw(6, T('11:11:00'))).toEqual({ granted: true });
  });

  it('never grants more than the budget to draws made all at once', async () => {
    const at = T('10:00:00');
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) => store(25).draw(1 + (i % 2), at + i * 100)),
    );
    const granted = outcomes.flatMap((outcome, i) => (outcome.granted ? [1 + (i % 2)] : []));
    expect(granted.reduce((sum, units) => sum + units, 0)).toBeLessThanOrEqual(25);
    expect(granted.reduce((sum, units) => sum + units, 0)).toBeGreaterThanOrEqual(24);
    expect(await minutes()).toEqual([{ minute: '10:00', spent: granted.reduce((a, b) => a + b, 0) }]);
  });

  it('refuses every draw while paused, a later pause winning over a shorter one', async () => {
    await store().pause(T('10:02:00'), T('10:00:00'));
    await store().pause(T('10:01:00'), T('10:00:10'));
    expect(await store().draw(1, T('10:00:30'))).toEqual({ granted: false, retryAfterSeconds: 90 });
    expect(await store().draw(1, T('10:02:00'))).toEqual({ granted: true });
  });

  it('waits out both the pause and the window when both refuse', async () => {
    await store().draw(10, T('10:00:00'));
    await store().pause(T('10:30:00'), T('10:05:00'));
    expect(await store().draw(1, T('10:10:00'))).toEqual({ granted: false, retryAfterSeconds: 51 * 60 });
  });

  it('takes back units given back in the minute they were drawn in, never below zero', async () => {
    await store().draw(5, T('10:00:30'));
    await store().draw(3, T('10:01:00'));
    await store().giveBack(2, T('10:00:30'));
    expect(await minutes()).toEqual([
      { minute: '10:00', spent: 3 },
      { minute: '10:01', spent: 3 },
    ]);
    await store().giveBack(10, T('10:00:30'));
    expect(await minutes()).toEqual([
      { minute: '10:00', spent: 0 },
      { minute: '10:01', spent: 3 },
    ]);
    expect(await store().draw(7, T('10:02:00'))).toEqual({ granted: true });
  });

  it('leaves nothing behind in qovery_budget_draw', async () => {
    await store().draw(1, T('10:00:00'));
    await store().pause(T('10:05:00'), T('10:00:00'));
    expect(await hasura.rows('SELECT * FROM qovery_budget_draw')).toEqual([]);
  });

  it("drops minutes two hours old when drawing, and the reconciler's purge drops those it is given", async () => {
    await store().draw(1, T('08:00:00'));
    await store().draw(1, T('09:30:00'));
    await store().draw(1, T('10:01:00'));
    expect((await minutes()).map((m) => m.minute)).toEqual(['09:30', '10:01']);
    const purged = await hasura.client.request(PurgeExpired, {
      now: new Date(T('10:02:00')).toISOString(),
      revokedBefore: new Date(T('09:00:00')).toISOString(),
      budgetBefore: new Date(T('10:00:00')).toISOString(),
    });
    expect(purged.delete_qovery_budget_minute?.affected_rows).toBe(1);
    expect((await minutes()).map((m) => m.minute)).toEqual(['10:01']);
  });
});

describe('the Qovery budget over Hasura', () => {
  let clock = T('10:00:00');
  const budget = (perHour = 100): QoveryBudget =>
    createQoveryBudget({
      store: hasuraBudgetStore(hasura.client, perHour),
      perHour,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
  const request = { operation: 'listEnvironment' as const, deadline: Number.POSITIVE_INFINITY };
  beforeEach(() => {
    clock = T('10:00:00');
  });

  it('costs an operation one round trip for its reservation and one per unit past it', async () => {
    const shared = budget();
    const reserved = await shared.reserve(5);
    if (!reserved.granted) throw new Error('refused');
    await reserved.run(async () => {
      for (let i = 0; i < 7; i++) await shared.take(request);
    });
    expect(hasura.calls).toEqual(['DrawQoveryBudget', 'DrawQoveryBudget', 'DrawQoveryBudget']);
    expect(await minutes()).toEqual([{ minute: '10:00', spent: 7 }]);
  });

  it('gives back what an operation did not use', async () => {
    const shared = budget();
    const reserved = await shared.reserve(30);
    if (!reserved.granted) throw new Error('refused');
    await reserved.run(async () => {
      for (let i = 0; i < 4; i++) await shared.take(request);
    });
    expect(hasura.calls).toEqual(['DrawQoveryBudget', 'GiveBackQoveryBudget']);
    expect(await minutes()).toEqual([{ minute: '10:00', spent: 4 }]);
  });

  it('answers a reservation that does not fit with when it would', async () => {
    await budget().reserve(90);
    expect(await budget().reserve(30, { deadline: clock + 25_000 })).toEqual({
      granted: false,
      retryAfterSeconds: 61 * 60,
    });
  });

  it('refuses a request past the budget before the deadline with QoveryBudgetExhausted', async () => {
    await budget(1).take(request);
    const refused = await budget(1)
      .take({ ...request, deadline: clock + 25_000 })
      .catch((error: unknown) => error);
    expect(isBudgetExhausted(refused)).toBe(true);
    expect(isQoveryError(refused, 'unavailable')).toBe(true);
    expect(refused).toMatchObject({ retryAfterSeconds: 61 * 60 });
  });
});

/**
 * Qovery's rate limit in front of the Qovery stand-in, as Qovery documents it
 * (https://www.qovery.com/docs/api-reference/introduction): `limit` requests an hour per token,
 * X-RateLimit-Limit/Remaining/Reset on every response, 429 past it. The hour slides (any hour-long
 * span), the strictest a window can be: a budget that holds here holds whatever Qovery's alignment.
 */
function rateLimited(qovery: QoveryStandIn, limit: number, now: () => number) {
  const sent: number[] = [];
  let refused = 0;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const at = now();
    const inHour = sent.filter((time) => time > at - 3_600_000);
    const reset = String(Math.ceil(((inHour[0] ?? at) + 3_600_000) / 1000));
    if (inHour.length >= limit) {
      refused++;
      return new Response('{"status":429,"error":"Too Many Requests"}', {
        status: 429,
        headers: {
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': reset,
        },
      });
    }
    sent.push(at);
    const answer = await globalThis.fetch(String(input).replace('https://qovery.test', qovery.url), init);
    const headers = new Headers(answer.headers);
    headers.set('x-ratelimit-limit', String(limit));
    headers.set('x-ratelimit-remaining', String(limit - inHour.length - 1));
    headers.set('x-ratelimit-reset', reset);
    return new Response(await answer.text(), { status: answer.status, headers });
  };
  /** The most requests Qovery saw in any hour-long span. */
  const busiestHour = () =>
    Math.max(0, ...sent.map((start) => sent.filter((t) => t >= start && t < start + 3_600_000).length));
  return { fetch, refused: () => refused, busiestHour };
}

describe('Qovery behind the budget', () => {
  const PROJECT = '00000000-0000-4000-8000-0000000000bb';
  let qovery: QoveryStandIn;
  beforeAll(async () => {
    qovery = await startQoveryStandIn({ token: 'qov-budget-token', projectIds: [PROJECT] });
  });
  afterAll(() => qovery.close());

  /**
   * A launch day's demand, twice what the budget allows: for two hours, an operation of about 30
   * Qovery calls (a CreateProject from the blueprint) every 30 s, on the real client.
   */
  async function launchDay(withBudget: boolean) {
    let clock = T('10:00:00');
    const now = () => clock;
    const sleep = async (ms: number) => {
      clock += ms;
    };
    const limited = rateLimited(qovery, 1000, now);
    const budget = createQoveryBudget({
      store: hasuraBudgetStore(hasura.client, 900),
      perHour: 900,
      now,
      sleep,
    });
    const client: QoveryClient = createQoveryClient({
      baseUrl: 'https://qovery.test',
      token: 'qov-budget-token',
      fetch: limited.fetch,
      now,
      sleep,
      ...(withBudget ? { budget } : {}),
    });
    const outcomes = { done: 0, refusedByBudget: 0, failed: 0 };
    for (let operation = 0; operation < 240; operation++) {
      clock = T('10:00:00') + operation * 30_000;
      const deadline = clock + 25_000;
      // Estimates miss by a few calls either way: the reservation draws or gives back the difference.
      const calls = 28 + (operation % 5);
      const work = async () => {
        for (let call = 0; call < calls; call++) await client.listEnvironment(PROJECT, { deadline });
      };
      const reserved = withBudget ? await budget.reserve(30, { deadline }) : undefined;
      if (reserved && !reserved.granted) {
        outcomes.refusedByBudget++;
        continue;
      }
      const ran = await (reserved ? reserved.run(work) : work()).then(
        () => 'done' as const,
        (error: unknown) => (isBudgetExhausted(error) ? ('refusedByBudget' as const) : ('failed' as const)),
      );
      outcomes[ran]++;
    }
    return { outcomes, refusedByQovery: limited.refused(), busiestHour: limited.busiestHour() };
  }

  it('never meets a 429: the budget refuses before Qovery would', async () => {
    const day = await launchDay(true);
    expect(day.refusedByQovery).toBe(0);
    expect(day.outcomes.failed).toBe(0);
    expect(day.busiestHour).toBeLessThanOrEqual(900);
    // The budget is used, not just guarded: most of an hour's 900 requests went out.
    expect(day.busiestHour).toBeGreaterThan(850);
    expect(day.outcomes.refusedByBudget).toBeGreaterThan(0);
    expect(day.outcomes.done).toBeGreaterThanOrEqual(50);
  }, 120_000);

  it('meets 429s without it, under the same demand', async () => {
    const day = await launchDay(false);
    expect(day.refusedByQovery).toBeGreaterThan(0);
    expect(day.outcomes.failed).toBeGreaterThan(0);
  }, 120_000);
});
