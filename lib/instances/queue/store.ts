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

export type Enqueued =
  | { outcome: 'queued'; taskId: number; head: boolean; ahead: number }
  | { outcome: 'removed' | 'deleting' };

export async function enqueue(
  { hasura, requestsPerHour = DEFAULT_PER_HOUR, requestsPerOwnerPerHour }: QueueDeps,
  task: { projectId: number; ownerId: number; kind: TaskKind; cost: number },
  { deadline }: { deadline: number },
): Promise<Enqueued> {
  const { insert_instance_queue_op_one: row } = await hasura.request(
    EnqueueInstanceTask,
    { at: iso(Date.now()), perHour: requestsPerHour, ownerPerHour: requestsPerOwnerPerHour ?? null, ...task },
    { deadline },
  );
  if (!row) throw new Error('Hasura returned no row for insert_instance_queue_op_one');
  if (row.outcome === 'removed' || row.outcome === 'deleting') return { outcome: row.outcome };
  return { outcome: 'queued', taskId: Number(row.task_id), head: row.head === true, ahead: row.ahead ?? 0 };
}

/** The head of the fair order (only `taskId`, when given), under a lease until `leaseUntil`. */
export async function claim(
  { hasura, requestsPerHour = DEFAULT_PER_HOUR, requestsPerOwnerPerHour }: QueueDeps,
  { leaseUntil, taskId, deadline }: { leaseUntil: number; taskId?: number; deadline: number },
): Promise<ClaimedTask | undefined> {
  const now = Date.now();
  const { insert_instance_queue_op_one: row } = await hasura.request(
    ClaimInstanceTask,
    {
      at: iso(now),
      perHour: requestsPerHour,
      ownerPerHour: requestsPerOwnerPerHour ?? null,
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
  { hasura, requestsPerHour = DEFAULT_PER_HOUR, requestsPerOwnerPerHour }: QueueDeps,
  taskId: number,
  mode: 'refused' | 'later' | 'error',
  retryAfterSeconds: number | null,
  { deadline }: { deadline: number },
): Promise<void> {
  await hasura.request(
    ReleaseInstanceTask,
    {
      at: iso(Date.now()),
      perHour: requestsPerHour,
      ownerPerHour: requestsPerOwnerPerHour ?? null,
      taskId,
      mode,
      retryAfterSeconds,
    },
    { deadline },
  );
}

/** A task done: it leaves the queue (the row holds its outcome). */
export async function finish(
  { hasura, requestsPerHour = DEFAULT_PER_HOUR, requestsPerOwnerPerHour }: QueueDeps,
  taskId: number,
  { deadline }: { deadline: number },
): Promise<void> {
  await hasura.request(
    FinishInstanceTask,
    { at: iso(Date.now()), perHour: requestsPerHour, ownerPerHour: requestsPerOwnerPerHour ?? null, taskId },
    { deadline },
  );
}
