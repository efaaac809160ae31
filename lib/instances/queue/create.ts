import type { Logger } from '../../basics/log';
import { RemoveProject, SaveProvisionedProject } from '../../platform/hasura/documents';
import { isQoveryError, toAppError } from '../../platform/qovery/client';
import type { BucketOf } from '../../platform/storage';
import { reasons } from '../lifecycle';
import { failedError, saveStatus } from '../projects/shared';
import { findProject } from './find';
import type { ClaimedTask, Outcome, QueueDeps, TaskCaller } from './types';

const CLEANUP_TIMEOUT_MS = 4000;

/**
 * A create: the instance on Qovery and its bucket, recorded on the row (STOPPED; STARTING when a
 * start followed it). A failure leaves nothing on Qovery nor in storage; Qovery unavailable puts
 * the task back, anything else ends it: the row goes when an action waits for the answer (the user
 * is told), else it turns ERROR "creation interrupted" (the user deletes it).
 */
export async function createTask(deps: QueueDeps, task: ClaimedTask, caller: TaskCaller): Promise<Outcome> {
  const { hasura, instances, storage, cleanupTimeoutMs = CLEANUP_TIMEOUT_MS } = deps;
  const { deadline, log } = caller;
  const row = await findProject(deps, task.projectId, caller);
  const email = row?.user?.email;
  if (!row) return { kind: 'done' };
  if (task.retaken || !email) {
    // Its worker died mid-way (or the owner is gone): as a CreateProject that died.
    await saveStatus(deps, row, { status: 'ERROR', reason: reasons.creationInterrupted }, deadline);
    return { kind: 'failed', error: failedError(reasons.creationInterrupted) };
  }
  const id = row.id;
  // The slot claim recorded the bucket's stem on the row: the row names its bucket.
  const project = { id, bucket_stem: row.bucket_stem };
  let environmentId: string | undefined;
  // Keep the clean-up's time inside the task's. The bucket is made while Qovery creates the
  // environment and its services.
  const budget = { deadline: deadline - cleanupTimeoutMs };
  const bucket = storage.create(project, budget);
  const bucketSettled = bucket.then(
    () => undefined,
    () => undefined,
  );
  try {
    const instance = await instances.provision(id, { ownerEmail: email, storage: bucket }, budget);
    environmentId = instance.environmentId;
    const set = {
      status: 'STOPPED',
      url: instance.url,
      qovery_environment_id: instance.environmentId,
      qovery_appwrite_id: instance.appwriteId,
      qovery_mariadb_id: instance.mariadbId,
      qovery_redis_id: instance.redisId,
    };
    await hasura.request(SaveProvisionedProject, { id, set }, { deadline });
    if (task.thenStart) await startAfterCreate(deps, row, instance.environmentId, caller);
    return { kind: 'done' };
  } catch (error) {
    // The bucket is removed only once its creation is over, so that it cannot come back.
    await bucketSettled;
    await undoCreate(deps, project, environmentId, Date.now() + cleanupTimeoutMs, log);
    if (isQoveryError(error) && (error.kind === 'unavailable' || error.kind === 'timeout'))
      return { kind: 'later', retryAfterSeconds: retryAfter(error) };
    if (caller.inline) await removeRow(deps, id, log);
    else await saveStatus(deps, row, { status: 'ERROR', reason: reasons.creationInterrupted }, deadline);
    return { kind: 'failed', error: toAppError(error) };
  }
}

/** A start asked while the create waited: deploy now (a 409 leaves it STOPPED: the user starts it). */
async function startAfterCreate(
  deps: QueueDeps,
  row: NonNullable<Awaited<ReturnType<typeof findProject>>>,
  environmentId: string,
  caller: TaskCaller,
): Promise<void> {
  row.status = 'STOPPED';
  row.status_reason = null;
  try {
    await deps.instances.deploy(environmentId, caller);
    await saveStatus(deps, row, { status: 'STARTING', reason: null }, caller.deadline);
  } catch (error) {
    caller.log.warn('could not start a new instance', { projectId: row.id, error });
  }
}

/** When to try again after Qovery (or the budget) said not now. */
export function retryAfter(error: unknown): number {
  const seconds = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : 60;
}

async function removeRow({ hasura }: QueueDeps, id: number, log: Logger): Promise<void> {
  await hasura
    .request(RemoveProject, { id }, { deadline: Date.now() + CLEANUP_TIMEOUT_MS })
    .catch((error) => {
      log.error('could not remove the row of a failed CreateProject', { projectId: id, error });
    });
}

/** Removes what a failed create made: the Qovery environment and the bucket. */
async function undoCreate(
  { instances, storage }: QueueDeps,
  project: BucketOf,
  environmentId: string | undefined,
  deadline: number,
  log: Logger,
): Promise<void> {
  try {
    await Promise.all([
      environmentId !== undefined ? instances.destroy(environmentId, { deadline }) : undefined,
      storage.remove(project, { deadline }),
    ]);
    log.info('rolled back a failed create', { projectId: project.id, environmentId });
  } catch (error) {
    log.error('could not roll back a failed create', { projectId: project.id, environmentId, error });
  }
}
