import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../basics/log';
import {
  pauseAfter,
  type QoveryBudgetPort,
  type QoveryRequest,
  type QoveryResponse,
} from '../platform/qovery/budget';
import { QoveryBudgetExhausted } from '../platform/qovery/client';
import type { BudgetStore } from './budget-store';

export type { BudgetStore, Draw } from './budget-store';
export { hasuraBudgetStore } from './budget-store';
export { QoveryBudgetExhausted };

/**
 * The deployment's Qovery request budget (QOVERY_REQUESTS_PER_HOUR), shared by every function and
 * the reconciler through the database (./budget-store.ts): every Qovery client the functions build
 * is given it (lib/runtime), so every request is drawn from it before it is sent, and a 429 or
 * `X-RateLimit-Remaining: 0` pauses it for everyone.
 *
 * A request outside any reservation draws its own unit: one Hasura round trip. An operation whose
 * count of Qovery calls is known reserves them at once instead (`reserve(cost)`, one round trip):
 * inside `run`, each request takes a unit of the reservation, one more unit is drawn whenever it
 * runs out, and what is left is given back when `run` ends.
 *
 *   const reserved = await budget.reserve(30, { deadline });
 *   if (!reserved.granted) return later(reserved.retryAfterSeconds);
 *   await reserved.run(() => instances.provision(...));
 *
 * A draw the budget refuses is waited for when the wait (and a request after it) fits the
 * caller's deadline; otherwise a request fails with QoveryBudgetExhausted (a QoveryError of kind
 * `unavailable`, as a 429, with `retryAfterSeconds`; users get `infrastructure-unavailable`), and
 * `reserve` answers the refusal.
 */
export interface QoveryBudget extends QoveryBudgetPort {
  /** Draws `cost` units now (at most the budget): a reservation to `run` an operation on, or when it would fit. */
  reserve(cost: number, options?: { deadline?: number }): Promise<Reserved>;
}

export type Reserved =
  | {
      granted: true;
      /** Runs `work` on the reservation, then gives back the units it did not use. Call it once. */
      run<T>(work: () => Promise<T>): Promise<T>;
    }
  | Refused;

export interface Refused {
  granted: false;
  retryAfterSeconds: number;
}

export interface BudgetDeps {
  store: BudgetStore;
  /** The budget (QOVERY_REQUESTS_PER_HOUR): no reservation draws more at once. */
  perHour: number;
  log?: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A refused draw is waited for only if this much time is left for the request after the wait. */
export const MIN_REQUEST_MS = 1000;

interface Budget extends Required<Omit<BudgetDeps, 'log'>> {
  log?: Logger;
  /** The reservation of the operation under way, if it made one. */
  scope: AsyncLocalStorage<Reservation>;
  /** What this function last heard from Qovery: no request before then (epoch ms). */
  pausedUntil: number;
}

interface Reservation {
  /** When it was drawn: its unused units are given back to that minute. */
  at: number;
  left: number;
}

type Outcome = { granted: true; at: number } | Refused;

export function createQoveryBudget(deps: BudgetDeps): QoveryBudget {
  const budget: Budget = {
    store: deps.store,
    perHour: deps.perHour,
    log: deps.log,
    now: deps.now ?? Date.now,
    sleep: deps.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    scope: new AsyncLocalStorage(),
    pausedUntil: 0,
  };
  return {
    take: (request) => take(budget, request),
    observe: (response) => observe(budget, response),
    reserve: (cost, options = {}) => reserve(budget, cost, options.deadline),
  };
}

/** Whether `error` is a request the budget did not let out (its `retryAfterSeconds` says when to try again). */
export function isBudgetExhausted(error: unknown): error is QoveryBudgetExhausted {
  return error instanceof QoveryBudgetExhausted;
}

/** Before a request: a unit of the reservation under way, else one drawn for it. */
async function take(budget: Budget, { operation, deadline }: QoveryRequest): Promise<void> {
  const reservation = budget.scope.getStore();
  if (reservation && reservation.left > 0) {
    // Taken before waiting, so that the operation's concurrent requests do not share one unit.
    reservation.left--;
    const paused = await waitOutPause(budget, deadline);
    if (paused.granted) return;
    reservation.left++;
    // Equivalent if removed (mutation testing): the draw below would wait out the same pause and
    // refuse alike. Refused here, so the refusal does not depend on that.
    // Stryker disable next-line all
    throw new QoveryBudgetExhausted(operation, paused.retryAfterSeconds);
  }
  const drawn = await drawWaiting(budget, 1, deadline);
  if (!drawn.granted) throw new QoveryBudgetExhausted(operation, drawn.retryAfterSeconds);
}

async function reserve(budget: Budget, cost: number, deadline: number | undefined): Promise<Reserved> {
  const units = Math.min(Math.max(0, Math.ceil(cost)), budget.perHour);
  const drawn: Outcome =
    units === 0 ? { granted: true, at: budget.now() } : await drawWaiting(budget, units, deadline);
  if (!drawn.granted) return drawn;
  const reservation: Reservation = { at: drawn.at, left: units };
  return {
    granted: true,
    run: async (work) => {
      try {
        return await budget.scope.run(reservation, work);
      } finally {
        await giveBack(budget, reservation);
      }
    },
  };
}

/** After a response: a 429 or `X-RateLimit-Remaining: 0` pauses the budget, here and for everyone. */
async function observe(budget: Budget, response: QoveryResponse): Promise<void> {
  const at = budget.now();
  const until = pauseAfter(response, at);
  // A pause this function already knows of was already recorded.
  if (until === undefined || until <= Math.max(at, budget.pausedUntil)) return;
  budget.pausedUntil = until;
  budget.log?.warn('qovery-budget.paused', {
    status: response.status,
    seconds: Math.ceil((until - at) / 1000),
  });
  await budget.store.pause(until, at).catch((error: unknown) => {
    budget.log?.warn('qovery-budget.pause-not-recorded', { error });
  });
}

/** Draws `units`, waiting for room while the wait fits the deadline. */
async function drawWaiting(budget: Budget, units: number, deadline: number | undefined): Promise<Outcome> {
  for (;;) {
    const paused = await waitOutPause(budget, deadline);
    if (!paused.granted) return paused;
    const at = budget.now();
    const drawn = await budget.store.draw(units, at, deadline);
    if (drawn.granted) return { granted: true, at };
    if (!fits(budget, drawn.retryAfterSeconds, deadline)) return drawn;
    await budget.sleep(drawn.retryAfterSeconds * 1000);
  }
}

/** Waits out the pause this function knows of, if the wait fits the deadline. */
async function waitOutPause(budget: Budget, deadline: number | undefined): Promise<Outcome> {
  const at = budget.now();
  const waitMs = budget.pausedUntil - at;
  if (waitMs <= 0) return { granted: true, at };
  const retryAfterSeconds = Math.ceil(waitMs / 1000);
  if (!fits(budget, retryAfterSeconds, deadline)) return { granted: false, retryAfterSeconds };
  await budget.sleep(waitMs);
  return { granted: true, at: budget.now() };
}

function fits(budget: Budget, retryAfterSeconds: number, deadline: number | undefined): boolean {
  return deadline === undefined || budget.now() + retryAfterSeconds * 1000 + MIN_REQUEST_MS <= deadline;
}

async function giveBack(budget: Budget, reservation: Reservation): Promise<void> {
  const unused = reservation.left;
  reservation.left = 0;
  if (unused > 0)
    // Best effort: units not given back only leave the budget tighter for the rest of the hour.
    await budget.store.giveBack(unused, reservation.at).catch((error: unknown) => {
      budget.log?.warn('qovery-budget.give-back-failed', { unused, error });
    });
}
