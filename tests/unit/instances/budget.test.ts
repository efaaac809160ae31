import { AppError } from '../../../lib/basics/errors';
import type { Logger } from '../../../lib/basics/log';
import {
  type BudgetStore,
  createQoveryBudget,
  type Draw,
  hasuraBudgetStore,
  isBudgetExhausted,
  MIN_REQUEST_MS,
} from '../../../lib/instances/budget';
import type { HasuraClient } from '../../../lib/platform/hasura/client';
import { isQoveryError, toAppError } from '../../../lib/platform/qovery/client';

/**
 * The reservation logic of lib/instances/budget.ts on a fake store: what it asks the store, when
 * it waits and when it refuses. The store's own counting is tests/integration/instances/budget.test.ts's.
 */

const START = Date.parse('2026-03-01T10:00:00Z');

/**
 * A store that grants while `left` lasts, else refuses for `retryAfterSeconds` (and refuses the
 * first `refusals` draws whatever is left); records every call.
 */
function fakeStore(left: number, retryAfterSeconds = 30, refusals = 0) {
  const calls: string[] = [];
  const state = { left, retryAfterSeconds, refusals };
  const store: BudgetStore = {
    async draw(units, at): Promise<Draw> {
      calls.push(`draw ${units} at +${(at - START) / 1000}s`);
      if (units > state.left || state.refusals-- > 0)
        return { granted: false, retryAfterSeconds: state.retryAfterSeconds };
      state.left -= units;
      return { granted: true };
    },
    async giveBack(units, at) {
      calls.push(`give back ${units} at +${(at - START) / 1000}s`);
      state.left += units;
    },
    async pause(until, at) {
      calls.push(`pause until +${(until - START) / 1000}s at +${(at - START) / 1000}s`);
    },
  };
  return { store, calls, state };
}

/** A logger that keeps its warnings. */
function warnings() {
  const warned: [string, unknown][] = [];
  const log: Logger = {
    debug() {},
    info() {},
    warn: (message, fields) => warned.push([message, fields]),
    error() {},
    child: () => log,
  };
  return { log, warned };
}

function budgetOn(store: BudgetStore, perHour = 100, log?: Logger) {
  let clock = START;
  const sleeps: number[] = [];
  const budget = createQoveryBudget({
    store,
    perHour,
    log,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
  return {
    budget,
    sleeps,
    advance: (ms: number) => {
      clock += ms;
    },
    now: () => clock,
  };
}

const request = (deadline?: number) => ({ operation: 'listEnvironment' as const, deadline });
const headers = (entries: Record<string, string>) => new Headers(entries);

describe('the Qovery budget', () => {
  it('draws one unit for each request made outside a reservation', async () => {
    const { store, calls } = fakeStore(10);
    const { budget } = budgetOn(store);
    await budget.take(request());
    await budget.take(request());
    expect(calls).toEqual(['draw 1 at +0s', 'draw 1 at +0s']);
  });

  it("draws an operation's cost once, then takes its requests from the reservation", async () => {
    const { store, calls } = fakeStore(10);
    const { budget, advance } = budgetOn(store);
    const reserved = await budget.reserve(3);
    if (!reserved.granted) throw new Error('refused');
    advance(90_000);
    await reserved.run(async () => {
      for (let i = 0; i < 3; i++) await budget.take(request());
    });
    expect(calls).toEqual(['draw 3 at +0s']);
  });

  it('draws one more unit at a time when the reservation runs out', async () => {
    const { store, calls } = fakeStore(10);
    const { budget } = budgetOn(store);
    const reserved = await budget.reserve(2);
    if (!reserved.granted) throw new Error('refused');
    await reserved.run(async () => {
      for (let i = 0; i < 4; i++) await budget.take(request());
    });
    expect(calls).toEqual(['draw 2 at +0s', 'draw 1 at +0s', 'draw 1 at +0s']);
  });

  it('gives back the units not used, to the minute they were drawn in, even when the operation fails', async () => {
    const { store, calls } = fakeStore(10);
    const { budget, advance } = budgetOn(store);
    const reserved = await budget.reserve(5);
    if (!reserved.granted) throw new Error('refused');
    const failure = new Error('Qovery said no');
    const ran = reserved.run(async () => {
      await budget.take(request());
      advance(120_000);
      await budget.take(request());
      throw failure;
    });
    await expect(ran).rejects.toBe(failure);
    expect(calls).toEqual(['draw 5 at +0s', 'give back 3 at +0s']);
  });

  it("lets an operation's concurrent requests share no unit", async () => {
    const { store, calls } = fakeStore(10);
    const { budget } = budgetOn(store);
    const reserved = await budget.reserve(2);
    if (!reserved.granted) throw new Error('refused');
    await reserved.run(() => Promise.all([1, 2, 3, 4].map(() => budget.take(request()))));
    expect(calls).toEqual(['draw 2 at +0s', 'draw 1 at +0s', 'draw 1 at +0s']);
  });

  it('keeps each reservation to the requests made inside its run', async () => {
    const { store, calls } = fakeStore(10);
    const { budget } = budgetOn(store);
    const reserved = await budget.reserve(3);
    if (!reserved.granted) throw new Error('refused');
    await Promise.all([
      reserved.run(() => budget.take(request())),
      // Another operation of the same function, without a reservation.
      budget.take(request()),
    ]);
    expect(calls.sort()).toEqual(['draw 1 at +0s', 'draw 3 at +0s', 'give back 2 at +0s']);
  });

  it('draws no more than the budget for one reservation, and nothing for none', async () => {
    const { store, calls } = fakeStore(1000);
    const { budget } = budgetOn(store, 50);
    await budget.reserve(80);
    await budget.reserve(0);
    expect(calls).toEqual(['draw 50 at +0s']);
  });

  it('grants a reservation of nothing without asking the store; its requests draw their own unit', async () => {
    const { store, calls } = fakeStore(0);
    const { budget } = budgetOn(store);
    const reserved = await budget.reserve(0);
    expect(reserved.granted).toBe(true);
    if (!reserved.granted) return;
    expect(await reserved.run(async () => 'done')).toBe('done');
    expect(calls).toEqual([]);
    const refused = await reserved.run(() => budget.take(request(START))).catch((error: unknown) => error);
    expect(isBudgetExhausted(refused)).toBe(true);
    expect(calls).toEqual(['draw 1 at +0s']);
  });

  it('rounds a fractional cost up', async () => {
    const { store, calls } = fakeStore(10);
    await budgetOn(store).budget.reserve(2.1);
    expect(calls).toEqual(['draw 3 at +0s']);
  });

  it('waits for a refused draw when the wait and a request fit the deadline', async () => {
    const { store, calls } = fakeStore(10, 20, 1);
    const { budget, sleeps, now } = budgetOn(store);
    await budget.take(request(START + 21_000));
    expect(sleeps).toEqual([20_000]);
    expect(calls).toEqual(['draw 1 at +0s', 'draw 1 at +20s']);
    expect(now()).toBe(START + 20_000);
  });

  it('refuses with QoveryBudgetExhausted when the wait does not fit the deadline', async () => {
    const { store } = fakeStore(0, 20);
    const { budget, sleeps } = budgetOn(store);
    const refused = await budget
      .take(request(START + 20_000 + MIN_REQUEST_MS - 1))
      .catch((error: unknown) => error);
    expect(sleeps).toEqual([]);
    expect(isBudgetExhausted(refused)).toBe(true);
    // Handled as a 429 is: unavailable, and for users infrastructure-unavailable, never a 5xx.
    expect(isQoveryError(refused, 'unavailable')).toBe(true);
    expect(refused).toMatchObject({ operation: 'listEnvironment', retryAfterSeconds: 20, status: undefined });
    const answer = toAppError(refused);
    expect(answer).toBeInstanceOf(AppError);
    expect(answer).toMatchObject({
      code: 'infrastructure-unavailable',
      status: 424,
      details: { retryAfterSeconds: 20 },
    });
  });

  it('answers a reservation that does not fit with when it would, without throwing', async () => {
    const { store } = fakeStore(10, 600);
    const { budget } = budgetOn(store);
    expect(await budget.reserve(30, { deadline: START + 25_000 })).toEqual({
      granted: false,
      retryAfterSeconds: 600,
    });
  });

  it('waits as long as it takes without a deadline', async () => {
    const { store } = fakeStore(10, 600, 1);
    const { budget, sleeps } = budgetOn(store);
    await budget.take(request());
    expect(sleeps).toEqual([600_000]);
  });
});

describe('the Qovery budget told what Qovery answered', () => {
  it('pauses on a 429 for its Retry-After, for everyone and for the reservation under way', async () => {
    const { store, calls } = fakeStore(10);
    const { budget, sleeps } = budgetOn(store);
    const reserved = await budget.reserve(5);
    if (!reserved.granted) throw new Error('refused');
    await reserved.run(async () => {
      await budget.take(request());
      await budget.observe({ status: 429, headers: headers({ 'retry-after': '40' }) });
      // The units left are Qovery's no longer: wait, or refuse when that does not fit.
      const refused = await budget.take(request(START + 30_000)).catch((error: unknown) => error);
      expect(isBudgetExhausted(refused) && refused.retryAfterSeconds).toBe(40);
      await budget.take(request(START + 60_000));
    });
    expect(sleeps).toEqual([40_000]);
    expect(calls).toEqual(['draw 5 at +0s', 'pause until +40s at +0s', 'give back 3 at +0s']);
  });

  it('pauses on a 429 until X-RateLimit-Reset without a Retry-After, and a minute without either', async () => {
    const { store, calls } = fakeStore(10);
    const reset = String((START + 300_000) / 1000);
    await budgetOn(store).budget.observe({ status: 429, headers: headers({ 'x-ratelimit-reset': reset }) });
    await budgetOn(store).budget.observe({ status: 429, headers: headers({}) });
    expect(calls).toEqual(['pause until +300s at +0s', 'pause until +60s at +0s']);
  });

  it('pauses when Qovery says no request is left, until its reset', async () => {
    const { store, calls } = fakeStore(10);
    const { budget } = budgetOn(store);
    const reset = String((START + 120_000) / 1000);
    await budget.observe({
      status: 200,
      headers: headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }),
    });
    expect(calls).toEqual(['pause until +120s at +0s']);
  });

  it('costs nothing when Qovery has room, or repeats a pause already recorded', async () => {
    const { store, calls } = fakeStore(10);
    const { budget } = budgetOn(store);
    await budget.observe({ status: 200, headers: headers({ 'x-ratelimit-remaining': '12' }) });
    await budget.observe({ status: 503, headers: headers({ 'retry-after': '2' }) });
    await budget.observe({ status: 429, headers: headers({ 'retry-after': '40' }) });
    await budget.observe({ status: 429, headers: headers({ 'retry-after': '30' }) });
    expect(calls).toEqual(['pause until +40s at +0s']);
  });

  it('carries on when the pause cannot be recorded, and says so', async () => {
    const { store } = fakeStore(10);
    const down = new Error('Hasura is down');
    store.pause = () => Promise.reject(down);
    const { log, warned } = warnings();
    const { budget } = budgetOn(store, 100, log);
    await expect(budget.observe({ status: 429, headers: headers({}) })).resolves.toBeUndefined();
    expect(warned).toEqual([
      ['qovery-budget.paused', { status: 429, seconds: 60 }],
      ['qovery-budget.pause-not-recorded', { error: down }],
    ]);
  });

  it('carries on when the pause cannot be recorded, with no logger either', async () => {
    const { store } = fakeStore(10);
    store.pause = () => Promise.reject(new Error('Hasura is down'));
    await expect(
      budgetOn(store).budget.observe({ status: 429, headers: headers({}) }),
    ).resolves.toBeUndefined();
  });

  it('logs a pause in whole seconds, rounded up', async () => {
    const { store } = fakeStore(10);
    const { log, warned } = warnings();
    const reset = new Date(START + 1000).toUTCString();
    const { budget, advance } = budgetOn(store, 100, log);
    advance(-1);
    await budget.observe({ status: 429, headers: headers({ 'retry-after': reset }) });
    expect(warned).toEqual([['qovery-budget.paused', { status: 429, seconds: 2 }]]);
  });

  it('records a pause once, however many answers repeat it', async () => {
    const { store, calls } = fakeStore(10);
    const { budget } = budgetOn(store);
    await budget.observe({ status: 429, headers: headers({ 'retry-after': '40' }) });
    await budget.observe({ status: 429, headers: headers({ 'retry-after': '40' }) });
    // A Retry-After of 0 is no pause at all.
    await budgetOn(store).budget.observe({ status: 429, headers: headers({ 'retry-after': '0' }) });
    expect(calls).toEqual(['pause until +40s at +0s']);
  });

  it('does not ask the store for a unit while paused beyond the deadline', async () => {
    const { store, calls } = fakeStore(10);
    const { budget } = budgetOn(store);
    await budget.observe({ status: 429, headers: headers({ 'retry-after': '40' }) });
    const refused = await budget.take(request(START + 30_000)).catch((error: unknown) => error);
    expect(isBudgetExhausted(refused) && refused.retryAfterSeconds).toBe(40);
    expect(calls).toEqual(['pause until +40s at +0s']);
  });

  it('does not wait once the pause is over, to the millisecond', async () => {
    const { store, calls } = fakeStore(10);
    const { budget, advance, sleeps } = budgetOn(store);
    await budget.observe({ status: 429, headers: headers({ 'retry-after': '40' }) });
    advance(40_000);
    await budget.take(request());
    expect(sleeps).toEqual([]);
    expect(calls).toEqual(['pause until +40s at +0s', 'draw 1 at +40s']);
  });

  it("waits with the platform's timers and clock when given none", async () => {
    jest.useFakeTimers({ now: START });
    try {
      const { store, calls } = fakeStore(10);
      const budget = createQoveryBudget({ store, perHour: 100 });
      await budget.observe({ status: 429, headers: headers({ 'retry-after': '2' }) });
      let done = false;
      const taken = budget.take(request()).then(() => {
        done = true;
      });
      await jest.advanceTimersByTimeAsync(1999);
      expect(done).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await taken;
      expect(calls).toEqual(['pause until +2s at +0s', 'draw 1 at +2s']);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('giving back', () => {
  it('logs, and carries on, when the units cannot be given back', async () => {
    const { store } = fakeStore(10);
    const down = new Error('Hasura is down');
    store.giveBack = () => Promise.reject(down);
    const { log, warned } = warnings();
    const reserved = await budgetOn(store, 100, log).budget.reserve(4);
    if (!reserved.granted) throw new Error('refused');
    expect(await reserved.run(async () => 7)).toBe(7);
    expect(warned).toEqual([['qovery-budget.give-back-failed', { unused: 4, error: down }]]);
  });

  it('carries on when the units cannot be given back, with no logger either', async () => {
    const { store } = fakeStore(10);
    store.giveBack = () => Promise.reject(new Error('Hasura is down'));
    const reserved = await budgetOn(store).budget.reserve(4);
    if (!reserved.granted) throw new Error('refused');
    expect(await reserved.run(async () => 7)).toBe(7);
  });
});

describe('hasuraBudgetStore: the budget counted through Hasura', () => {
  function recording(answer: unknown) {
    const calls: { query: string; variables: unknown; options: unknown }[] = [];
    const hasura: HasuraClient = {
      async request(doc, variables, options) {
        calls.push({ query: String(doc).split('(')[0] ?? '', variables, options });
        return answer as never;
      },
    };
    return { store: hasuraBudgetStore(hasura, 300), calls };
  }

  it('draws units at an instant, against the hourly budget, within the deadline', async () => {
    const { store, calls } = recording({
      insert_qovery_budget_draw_one: { granted: true, retry_after_seconds: null },
    });
    expect(await store.draw(3, START, START + 5000)).toEqual({ granted: true });
    expect(calls).toEqual([
      {
        query: 'mutation DrawQoveryBudget',
        variables: { at: '2026-03-01T10:00:00.000Z', units: 3, perHour: 300 },
        options: { deadline: START + 5000 },
      },
    ]);
  });

  it('answers a refusal with its wait, a minute when Hasura gives none', async () => {
    const refused = (retry: number | null) =>
      recording({ insert_qovery_budget_draw_one: { granted: false, retry_after_seconds: retry } }).store;
    expect(await refused(17).draw(1, START)).toEqual({ granted: false, retryAfterSeconds: 17 });
    expect(await refused(null).draw(1, START)).toEqual({ granted: false, retryAfterSeconds: 60 });
  });

  it('fails when Hasura answers no row', async () => {
    await expect(recording({ insert_qovery_budget_draw_one: null }).store.draw(1, START)).rejects.toThrow(
      'Hasura returned no row for insert_qovery_budget_draw_one',
    );
  });

  it('gives back units as a negative draw at the instant they were drawn, and records pauses', async () => {
    const { store, calls } = recording({});
    await store.giveBack(4, START);
    await store.pause(START + 40_000, START + 1000);
    expect(calls).toEqual([
      {
        query: 'mutation GiveBackQoveryBudget',
        variables: { at: '2026-03-01T10:00:00.000Z', units: -4 },
        options: undefined,
      },
      {
        query: 'mutation PauseQoveryBudget',
        variables: { at: '2026-03-01T10:00:01.000Z', until: '2026-03-01T10:00:40.000Z' },
        options: undefined,
      },
    ]);
  });
});
