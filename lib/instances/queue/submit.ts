import { costOf } from './costs';
import { failureOf, runReserved, settle } from './run-task';
import { claim, enqueue, release } from './store';
import type { QueueDeps, TaskCaller, TaskKind } from './types';

/** The lease of a task an action runs: its deadline, and this margin. */
const LEASE_MARGIN_MS = 30_000;

/**
 * What an action's request came to: `done` (run within the action: today's answer), `queued`
 * (waiting its turn: the row says QUEUED with its position), `removed` (a delete of a create
 * that never began: the row is gone) or `deleting` (a start or stop of a project being deleted).
 */
export type Submitted = 'done' | 'queued' | 'removed' | 'deleting';

/**
 * Records the request in the queue and answers at once; when nothing is ahead of it and the budget
 * grants its cost now (a quiet day), it is run here, within the action's deadline. A failure the
 * user must act on is thrown (as before the queue); Qovery unavailable leaves it queued.
 */
export async function submit(
  deps: QueueDeps,
  request: { projectId: number; ownerId: number; kind: TaskKind },
  caller: Omit<TaskCaller, 'inline'>,
): Promise<Submitted> {
  const { deadline } = caller;
  const enqueued = await enqueue(deps, { ...request, cost: costOf(deps, request.kind) }, caller);
  if (enqueued.outcome !== 'queued') return enqueued.outcome;
  if (!enqueued.head) return 'queued';
  const task = await claim(deps, {
    taskId: enqueued.taskId,
    leaseUntil: deadline + LEASE_MARGIN_MS,
    deadline,
  });
  if (!task) return 'queued';
  const inline = { ...caller, inline: true };
  const outcome = await runReserved(deps, task, inline);
  if (!outcome) {
    await release(deps, task.id, 'refused', null, caller);
    return 'queued';
  }
  await settle(deps, task, outcome, inline);
  const failure = failureOf(outcome);
  if (failure !== undefined) throw failure;
  return outcome.kind === 'done' ? 'done' : 'queued';
}
