/**
 * The queue of instance work: what users ask of their instances (create, start, stop, delete)
 * waits here when it does not fit the deployment's Qovery budget now, instead of being refused,
 * and is carried out in a fair order as the budget refills.
 *
 * - Rows in PostgreSQL, reached through Hasura as everything else is
 *   (hasura-metadata/migrations/default/1795860018417_instance_queue/up.sql): each step one
 *   mutation whose trigger does it under row locks (store.ts). At most one queued task a project:
 *   a later start, stop or delete replaces what the queued one would do.
 * - Fair order: the owner served least recently first, then the oldest task; a claim takes the
 *   head with FOR UPDATE SKIP LOCKED, and a task whose worker died is taken again once its lease
 *   expires.
 * - `runTask` (run-task.ts) is the one place instance work is done (create.ts, start.ts, stop.ts,
 *   delete.ts), each on a reservation of its cost (costs.ts) from lib/instances/budget.ts.
 * - `submit` (submit.ts): an action records its request, and runs it at once when nothing is
 *   ahead and the budget has room; `work` (worker.ts): the scheduled worker.
 * - Waiting is visible on the project row: status QUEUED, and `status_reason` says the position
 *   and an estimated start, refreshed by every step.
 */
export type { Submitted } from './submit';
export { submit } from './submit';
export type { ClaimedTask, Outcome, QueueDeps, TaskKind } from './types';
export type { WorkSummary } from './worker';
export { work } from './worker';
