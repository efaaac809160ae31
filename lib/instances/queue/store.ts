import {
  ClaimInstanceTask,
  EnqueueInstanceTask,
  FinishInstanceTask,
  ReleaseInstanceTask,
} from '../../platform/hasura/documents';
import type { ClaimedTask, QueueDeps, TaskKind } from './types';

/**
 * The queue's steps on Hasura, each one mutation whose trigger does it under row locks
 * (hasura-metadata/migrations/default/1795860018417_instance_queue/up.sql). Every step refreshes
 * the queued projects' position and estimated start, from `requestsPerHour`; one owner's
 * operations past `requestsPerOwnerPerHour` wait (1795860031877_queue_owner_share).
 */

const DEFAULT_PER_HOUR = 900;

const iso = (ms: number) => new Date(ms).toISOString();

/** What every step tells the queue of the budget: its size an hour, and one owner's share (null: none). */
const budgetOf = ({ requestsPerHour = DEFAULT_PER_HOUR, requestsPerOwnerPerHour }: QueueDeps) => ({
  perHour: requestsPerHour,
  ownerPerHour: requestsPerOwnerPerHour ?? null,
});

export type Enqueued =
  | { outcome: 'queued'; taskId: number; head: boolean; ahead: number }
  | { outcome: 'removed' | 'deleting' };

export async function enqueue(
  deps: QueueDeps,
  task: { projectId: number; ownerId: number; kind: TaskKind; cost: number },
  { deadline }: { deadline: number },
): Promise<Enqueued> {
  const { insert_instance_queue_op_one: row } = await deps.hasura.request(
    EnqueueInstanceTask,
    { at: iso(Date.now()), ...budgetOf(deps), ...task },
    { deadline },
  );
  if (!row) throw new Error('Hasura returned no row for insert_instance_queue_op_one');
  if (row.outcome === 'removed' || row.outcome === 'deleting') return { outcome: row.outcome };
  return { outcome: 'queued', taskId: Number(row.task_id), head: row.head === true, ahead: row.ahead ?? 0 };
}

/** The head of the fair order (only `taskId`, when given), under a lease until `leaseUntil`. */
export async function claim(
  deps: QueueDeps,
  { leaseUntil, taskId, deadline }: { leaseUntil: number; taskId?: number; deadline: number },
): Promise<ClaimedTask | undefined> {
  const now = Date.now();
  const { insert_instance_queue_op_one: row } = await deps.hasura.request(
    ClaimInstanceTask,
    {
      at: iso(now),
      ...budgetOf(deps),
      leaseSeconds: Math.max(1, Math.ceil((leaseUntil - now) / 1000)),
      taskId: taskId ?? null,
    },
    { deadline },
  );
  if (row?.outcome !== 'claimed' || row.claimed_id == null) return undefined;
  return {
    id: Number(row.claimed_id),
    projectId: row.claimed_project_id as number,
    ownerId: row.claimed_owner_id as number,
    kind: row.claimed_kind as TaskKind,
    thenStart: row.claimed_then_start === true,
    cost: row.claimed_cost as number,
    attempts: row.claimed_attempts as number,
    retaken: row.claimed_retaken === true,
  };
}

/**
 * Puts a running task back: `refused` (the budget said wait: it keeps its place and its owner's
 * turn), `later` or `error` (after `retryAfterSeconds`; only `error` counts as an attempt).
 */
export async function release(
  deps: QueueDeps,
  taskId: number,
  mode: 'refused' | 'later' | 'error',
  retryAfterSeconds: number | null,
  { deadline }: { deadline: number },
): Promise<void> {
  await deps.hasura.request(
    ReleaseInstanceTask,
    {
      at: iso(Date.now()),
      ...budgetOf(deps),
      taskId,
      mode,
      retryAfterSeconds,
    },
    { deadline },
  );
}

/** A task done: it leaves the queue (the row holds its outcome). */
export async function finish(
  deps: QueueDeps,
  taskId: number,
  { deadline }: { deadline: number },
): Promise<void> {
  await deps.hasura.request(
    FinishInstanceTask,
    { at: iso(Date.now()), ...budgetOf(deps), taskId },
    { deadline },
  );
}
