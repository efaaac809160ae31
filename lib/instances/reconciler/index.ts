/**
 * The reconciler: keeps every project's status true without anyone asking, finishes deletions,
 * removes orphans and forgets expired sessions. Run by a schedule (functions/reconcile.ts, every
 * minute by default), by Qovery's webhooks (functions/qovery-webhook.ts) and by `npm start`.
 *
 * One run, inside its deadline:
 * 1. reads every project row (Hasura, one request per 2,000 rows: read-rows.ts), then
 * 2. every environment's state (Qovery, ONE `GET /project/{id}/environment/status`);
 * 3. decides each row's status (lib/instances/lifecycle.ts) and writes only the rows that changed,
 *    in one request, each write conditional on the status it read (statuses.ts, plan.ts); a project
 *    whose owner is gone (owner_id null: its account deleted while a CreateProject was under way)
 *    goes DELETING and its environment's deletion is asked (plan.ts `ownerless`);
 * 4. finishes deletions: a DELETING row whose environment Qovery confirms gone is removed (its quota
 *    slot with it); DELETE_ERROR turns it into ERROR; a DELETING row whose environment is not being
 *    deleted gets its deletion asked again (a deployment in the way is cancelled first); and
 *    finishes stops: a STOPPING row whose deployment StopProject cancelled gets its stop
 *    (deletions.ts, stops.ts);
 * 5. removes orphans: this deployment's environments (by name prefix) that no row references,
 *    older than the grace period (so a CreateProject in flight is never touched: orphans.ts);
 * 6. runs the plugged-in steps (`steps`: e.g. finishing a background provisioning);
 * 7. purges expired and long-revoked refresh tokens, and rate-limit counters (sign-in failures
 *    among them) whose window has passed (purge.ts);
 * and writes one summary log line (run.ts). Every call a run makes is counted (pass.ts).
 *
 * Rows are read before Qovery is, so an environment absent from the listing existed when its row
 * was read: it is gone. Before a row that is not being deleted is marked "removed outside", its
 * absence is confirmed with its own status call (at most 50 per run), so a short or broken listing
 * never condemns a row. Every write is conditional and every Qovery call idempotent, so runs that
 * overlap, a run racing an action, or a run that dies half-way leave nothing wrong: the next run
 * finishes the job.
 */

import { runReconcile } from './run';
import type { Reconciler, ReconcilerDeps } from './types';

export type {
  ReconcileOptions,
  Reconciler,
  ReconcilerDeps,
  ReconcilerInstances,
  ReconcileStep,
  ReconcileSummary,
  StepContext,
} from './types';

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  return { run: (options) => runReconcile(deps, options) };
}
