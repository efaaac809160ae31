import type { Logger } from '../../basics/log';
import { runReserved, settle } from './run-task';
import { claim, release } from './store';
import type { QueueDeps } from './types';

/** The longest a task is given (an action's budget): a create from the blueprint takes seconds. */
export const TASK_MS = 25_000;
/** No task begins with less than this left before the worker's deadline. */
const MIN_TASK_MS = 8000;
/** A task's lease outlives its deadline by this much, so that only a dead worker's task is taken again. */
const LEASE_MARGIN_MS = 30_000;

export interface WorkSummary {
  /** Tasks run to an end (done, or failed with the row saying why). */
  done: number;
  /** Tasks put back: Qovery busy with the instance or unavailable, or an unexpected failure. */
  putBack: number;
  /** Why the worker stopped: the queue was empty, the budget said wait, or its time ran out. */
  stopped: 'empty' | 'budget' | 'time';
}

/**
 * The worker: claims tasks in the fair order and runs each on a reservation of its cost, until the
 * queue has nothing due, the budget refuses the head (which keeps its place: the next run starts
 * with it), or too little time is left. `parallel` loops claim side by side (the claim's
 * FOR UPDATE SKIP LOCKED gives each a different task).
 */
export async function work(
  deps: QueueDeps,
  { deadline, log, parallel = 2 }: { deadline: number; log: Logger; parallel?: number },
): Promise<WorkSummary> {
  const summary: WorkSummary = { done: 0, putBack: 0, stopped: 'time' };
  let over = false;
  const loop = async () => {
    while (!over && deadline - Date.now() >= MIN_TASK_MS) {
      const taskDeadline = Math.min(deadline, Date.now() + TASK_MS);
      const task = await claim(deps, { leaseUntil: taskDeadline + LEASE_MARGIN_MS, deadline });
      if (!task) {
        over = true;
        summary.stopped = 'empty';
        return;
      }
      const caller = { userId: task.ownerId, deadline: taskDeadline, log, inline: false };
      const outcome = await runReserved(deps, task, caller);
      if (!outcome) {
        await release(deps, task.id, 'refused', null, { deadline });
        over = true;
        summary.stopped = 'budget';
        return;
      }
      await settle(deps, task, outcome, caller);
      if (outcome.kind === 'done' || outcome.kind === 'failed') summary.done++;
      else summary.putBack++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, loop));
  log.info('queue.work', { ...summary });
  return summary;
}
