import { AppError } from '../../basics/errors';
import { isQoveryError } from '../../platform/qovery/client';
import { reasons } from '../lifecycle';
import { saveStatus } from '../projects/shared';
import { costOf } from './costs';
import { createTask, retryAfter } from './create';
import { deleteTask } from './delete';
import { findProject } from './find';
import { startTask } from './start';
import { stopTask } from './stop';
import { finish, release } from './store';
import type { ClaimedTask, Outcome, QueueDeps, TaskCaller, TaskKind } from './types';

/** An unexpected failure is tried this many times before the row turns ERROR. */
export const MAX_ATTEMPTS = 5;
/** A deadline under which the budget never waits (its shortest wait, 1 s, and a request of 1 s). */
const NO_WAIT_MS = 1999;
/** Wait before trying again after an unexpected failure. */
const ERROR_RETRY_SECONDS = 60;

const operations = { create: createTask, start: startTask, stop: stopTask, delete: deleteTask };

/**
 * The ONE place instance work is done: the task's operation, within its share of the deployment's
 * Qovery budget (`budget.reserve(cost).run(...)`; the caller reserved it), its outcome classified.
 * Qovery unavailable (429, 5xx, a timeout, the budget out of room mid-way) is never the user's
 * problem: the task goes back to the queue.
 */
export async function runTask(deps: QueueDeps, task: ClaimedTask, caller: TaskCaller): Promise<Outcome> {
  try {
    return await operations[task.kind](deps, task, caller);
  } catch (error) {
    // A state the user must act on (the row says ERROR and why: shared.ts observeFor).
    if (error instanceof AppError && error.code === 'project-failed') return { kind: 'failed', error };
    if (isQoveryError(error) && (error.kind === 'unavailable' || error.kind === 'timeout'))
      return { kind: 'later', retryAfterSeconds: retryAfter(error) };
    return { kind: 'error', error };
  }
}

/** Runs a claimed task on a reservation of its cost; undefined when the budget has no room now. */
export async function runReserved(
  deps: QueueDeps,
  task: ClaimedTask,
  caller: TaskCaller,
): Promise<Outcome | undefined> {
  const cost = costOf(deps, task.kind, task.thenStart);
  if (!deps.budget) return runTask(deps, task, caller);
  // No wait: a refusal answers at once (the task keeps its place). The budget waits only when the
  // wait and a second after it fit the deadline, and it never says less than a second.
  const reserved = await deps.budget
    .reserve(cost, { deadline: Date.now() + NO_WAIT_MS })
    .catch((error: unknown) => {
      // The budget's database did not answer in time: as a refusal, the task keeps its place.
      caller.log.warn('queue.reserve-failed', { taskId: task.id, error });
      return undefined;
    });
  if (!reserved?.granted) return undefined;
  return reserved.run(() => runTask(deps, task, caller));
}

/** Records a task's outcome in the queue: finished, or put back (counted when unexpected). */
export async function settle(
  deps: QueueDeps,
  task: ClaimedTask,
  outcome: Outcome,
  caller: TaskCaller,
): Promise<void> {
  const options = { deadline: caller.deadline };
  switch (outcome.kind) {
    case 'done':
    case 'failed':
      return finish(deps, task.id, options);
    case 'later':
      return release(deps, task.id, 'later', Math.ceil(outcome.retryAfterSeconds), options);
    case 'error':
      caller.log.error('queue.task-failed', {
        taskId: task.id,
        projectId: task.projectId,
        kind: task.kind,
        attempts: task.attempts,
        error: outcome.error,
      });
      if (task.attempts < MAX_ATTEMPTS) return release(deps, task.id, 'error', ERROR_RETRY_SECONDS, options);
      await giveUp(deps, task, caller);
      return finish(deps, task.id, options);
  }
}

const givenUp: Record<TaskKind, string> = {
  create: reasons.creationInterrupted,
  start: reasons.deploymentFailed,
  stop: reasons.stopFailed,
  delete: reasons.deletionFailed,
};

/** A task that kept failing for no reason the user caused: its row says what did not happen. */
async function giveUp(deps: QueueDeps, task: ClaimedTask, caller: TaskCaller): Promise<void> {
  const row = await findProject(deps, task.projectId, caller);
  if (row) await saveStatus(deps, row, { status: 'ERROR', reason: givenUp[task.kind] }, caller.deadline);
}

/** What an action that ran its own task throws for a failure (nothing when done or put back). */
export function failureOf(outcome: Outcome): unknown {
  // Equivalent if always true (mutation testing): a done or later outcome has no error, so
  // returning its `error` is returning undefined.
  // Stryker disable next-line ConditionalExpression
  if (outcome.kind === 'failed') return outcome.error;
  // Stryker disable next-line ConditionalExpression
  if (outcome.kind === 'error') return outcome.error;
  return undefined;
}
