import type { HasuraClient } from '../platform/hasura/client';
import { DrawQoveryBudget, GiveBackQoveryBudget, PauseQoveryBudget } from '../platform/hasura/documents';

/**
 * Where the Qovery budget is counted: what lib/instances/budget.ts needs of the database, each step
 * one Hasura mutation whose trigger does the work under a lock
 * (hasura-metadata/migrations/default/1795860015000_qovery_budget/up.sql). Instants are epoch ms
 * of the caller's clock.
 */
export interface BudgetStore {
  /** Draws `units` (at most the budget) in the minute of `at`, or says in how many seconds they would fit. */
  draw(units: number, at: number, deadline?: number): Promise<Draw>;
  /** Gives back `units` drawn at `at` and not used; never below zero. */
  giveBack(units: number, at: number): Promise<void>;
  /** No draw is granted before `until` (a later pause already set wins). */
  pause(until: number, at: number): Promise<void>;
}

export type Draw = { granted: true } | { granted: false; retryAfterSeconds: number };

/** The budget of `perHour` requests an hour (QOVERY_REQUESTS_PER_HOUR), counted through Hasura. */
export function hasuraBudgetStore(hasura: HasuraClient, perHour: number): BudgetStore {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    async draw(units, at, deadline) {
      const { insert_qovery_budget_draw_one: row } = await hasura.request(
        DrawQoveryBudget,
        { at: iso(at), units, perHour },
        { deadline },
      );
      if (!row) throw new Error('Hasura returned no row for insert_qovery_budget_draw_one');
      return row.granted
        ? { granted: true }
        : { granted: false, retryAfterSeconds: row.retry_after_seconds ?? 60 };
    },
    async giveBack(units, at) {
      await hasura.request(GiveBackQoveryBudget, { at: iso(at), units: -units });
    },
    async pause(until, at) {
      await hasura.request(PauseQoveryBudget, { at: iso(at), until: iso(until) });
    },
  };
}
