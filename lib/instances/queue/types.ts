import type { AppError } from '../../basics/errors';
import type { Caller, ProjectsDeps } from '../projects/types';

export type TaskKind = 'create' | 'start' | 'stop' | 'delete';

/** A task a worker (or an action, for its own task) claimed (ClaimInstanceTask). */
export interface ClaimedTask {
  id: number;
  projectId: number;
  ownerId: number;
  kind: TaskKind;
  /** A create followed by a start asked while it waited: the task does both. */
  thenStart: boolean;
  /** The Qovery requests it is expected to send (./costs.ts). */
  cost: number;
  attempts: number;
  /** Its lease expired before it was finished: the worker that ran it died. */
  retaken: boolean;
}

/**
 * What running a task came to (./run-task.ts):
 * - `done`: finished; the row says the outcome.
 * - `failed`: finished on a state the user must act on; the row is ERROR with its reason, and
 *   `error` is the answer an action that ran it inline gives (project-failed).
 * - `later`: not now (Qovery is busy with the instance, unavailable, or the budget ran out): the
 *   task goes back to the queue, to be tried after `retryAfterSeconds`.
 * - `error`: something unexpected (Hasura down, a bug): back to the queue, counted; past
 *   MAX_ATTEMPTS the row turns ERROR.
 */
export type Outcome =
  | { kind: 'done' }
  | { kind: 'failed'; error: AppError }
  | { kind: 'later'; retryAfterSeconds: number }
  | { kind: 'error'; error: unknown };

/** How a task is run: for whom (the row's owner), until when, and whether an action waits for it. */
export interface TaskCaller extends Caller {
  /** Run inside the action that asked for it: a create that fails leaves no row (the user got an error). */
  inline: boolean;
}

/** The queue's dependencies: the projects' (Hasura, Qovery, storage), the budget, the costs. */
export type QueueDeps = ProjectsDeps;
