import { AppError } from './errors';
import type { HasuraClient } from './hasura/client';
import {
  ClaimProjectSlot,
  FindOwnProject,
  MoveProject,
  type ProjectRow,
  ProjectSlots,
  RemoveDeletedProjects,
  RemoveProject,
  SaveProvisionedProject,
  UpdateProject,
} from './hasura/documents';
import {
  ABANDONED_AFTER_MS,
  busy,
  type Observed,
  phaseOfObserved,
  reasons,
  type StatusWithReason,
  statusFor,
} from './lifecycle';
import type { Logger } from './log';
import type { ProjectStatus } from './project-status';
import { isQoveryError, toAppError } from './qovery/client';
import type { Instances } from './qovery/instances';
import type { Storage } from './storage';

export type { ProjectStatus };
export { ABANDONED_AFTER_MS };

/** What the projects logic needs from the infrastructure (lib/qovery/instances implements it). */
export type InstancePort = Pick<
  Instances,
  'provision' | 'deploy' | 'stop' | 'cancelDeployment' | 'destroy' | 'findByName' | 'observe' | 'url'
>;

export interface Caller {
  userId: number;
  deadline: number;
  log: Logger;
}

export interface ProjectStatusAnswer {
  id: number;
  status: ProjectStatus;
  url: string | null;
  /** Why, when the status is ERROR: a user-safe sentence. */
  reason: string | null;
}

export interface Projects {
  create(name: string, caller: Caller): Promise<{ id: number; name: string; url: string }>;
  start(id: number, caller: Caller): Promise<{ ok: true }>;
  stop(id: number, caller: Caller): Promise<{ ok: true }>;
  remove(id: number, caller: Caller): Promise<{ ok: true }>;
  status(id: number, caller: Caller): Promise<ProjectStatusAnswer>;
}

export interface ProjectsDeps {
  hasura: HasuraClient;
  instances: InstancePort;
  /** One bucket per instance (lib/storage): made at create, removed with the row. */
  storage: Pick<Storage, 'create' | 'remove'>;
  maxProjectsPerUser: number;
  /** Budget of the clean-up after a failed CreateProject, independent of the action's. */
  cleanupTimeoutMs?: number;
  /** Pause between two status reads while a cancelled deployment winds down. Default 1000. */
  pollMs?: number;
}

/** Time kept, after waiting for a cancellation, for the stop call and the row's update. */
const AFTER_WAIT_RESERVE_MS = 3000;

const ok = { ok: true } as const;

function busyError(kind: keyof typeof busy, status: ProjectStatus): AppError {
  const { message, retryAfterSeconds } = busy[kind];
  return new AppError('project-busy', { message, details: { status, retryAfterSeconds } });
}

function failedError(reason: string | null): AppError {
  return new AppError('project-failed', {
    ...(reason ? { message: reason } : {}),
    details: { status: 'ERROR' },
  });
}

/**
 * AppWrite instances owned by users. Every lookup is filtered by owner, so another user's project
 * answers exactly like one that does not exist: `not-found`. Each action's result for each status
 * and each Qovery state is the table of docs/lifecycle.md.
 */
export function createProjects({
  hasura,
  instances,
  storage,
  maxProjectsPerUser,
  cleanupTimeoutMs = 4000,
  pollMs = 1000,
}: ProjectsDeps): Projects {
  /** The final removal of rows Qovery confirmed deleted: their buckets, then the rows. */
  const removeDeleted = (ids: number[], deadline: number) =>
    removeDeletedProjects({ hasura, storage }, ids, deadline);

  async function find(id: number, { userId, deadline }: Caller): Promise<ProjectRow> {
    const { project } = await hasura.request(FindOwnProject, { id, ownerId: userId }, { deadline });
    const row = project[0];
    if (!row) throw new AppError('not-found');
    return row;
  }

  /** Writes the row's new status (and reason) unless someone moved it meanwhile. */
  async function save(row: ProjectRow, next: StatusWithReason, deadline: number): Promise<void> {
    if (row.status === next.status && row.status_reason === next.reason) return;
    await hasura.request(
      MoveProject,
      { id: row.id, from: row.status, status: next.status, reason: next.reason },
      { deadline },
    );
    row.status = next.status;
    row.status_reason = next.reason;
  }

  /**
   * The environment of a project that start/stop may act on. Refuses, with what is happening, a
   * project being created or deleted, and one that never got an instance.
   */
  async function actionable(row: ProjectRow, deadline: number): Promise<string> {
    if (row.status === 'DELETING') throw busyError('deleting', 'DELETING');
    if (row.status === 'CREATING' && !abandoned(row)) throw busyError('creating', 'CREATING');
    if (row.qovery_environment_id === null) {
      if (row.status === 'CREATING')
        await save(row, { status: 'ERROR', reason: reasons.creationInterrupted }, deadline);
      throw failedError(row.status_reason ?? reasons.creationInterrupted);
    }
    return row.qovery_environment_id;
  }

  /** What Qovery says of an environment the row does not expect to vanish: saved, then decided on. */
  async function observeFor(row: ProjectRow, environmentId: string, caller: Caller): Promise<Observed> {
    const observed = await instances.observe(environmentId, caller);
    const phase = phaseOfObserved(observed);
    if (phase === 'gone' || phase === 'deleting' || phase === 'delete-failed') {
      const next = statusFor(observed, false);
      await save(row, next, caller.deadline);
      throw failedError(next.reason);
    }
    return observed;
  }

  /** Polls while Qovery winds a cancelled deployment down; false if the wait outlasts the budget. */
  async function settleCancel(environmentId: string, caller: Caller): Promise<boolean> {
    const until = caller.deadline - AFTER_WAIT_RESERVE_MS;
    for (;;) {
      const observed = await instances.observe(environmentId, caller);
      if (observed !== 'CANCELING' && phaseOfObserved(observed) !== 'starting') return true;
      if (Date.now() + pollMs > until) return false;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Removes what a failed CreateProject made: the Qovery environment and the bucket, then the row. */
  async function undoCreate(id: number, environmentId: string | undefined, log: Logger) {
    const deadline = Date.now() + cleanupTimeoutMs;
    try {
      await Promise.all([
        environmentId !== undefined ? instances.destroy(environmentId, { deadline }) : undefined,
        storage.remove(id, { deadline }),
      ]);
      await hasura.request(RemoveProject, { id }, { deadline });
      log.info('rolled back a failed CreateProject', { projectId: id, environmentId });
    } catch (error) {
      log.error('could not roll back a failed CreateProject', { projectId: id, environmentId, error });
    }
  }

  async function start(id: number, caller: Caller) {
    const row = await find(id, caller);
    const environmentId = await actionable(row, caller.deadline);
    // A second pass only after a 409: Qovery moved between our read and our call.
    for (let pass = 0; pass < 2; pass++) {
      const observed = await observeFor(row, environmentId, caller);
      switch (phaseOfObserved(observed)) {
        case 'starting':
        case 'running':
          await save(row, statusFor(observed, false), caller.deadline);
          return ok;
        case 'stopping':
          await save(row, statusFor(observed, false), caller.deadline);
          throw busyError('stopping', 'STOPPING');
        default:
          // stopped, or failed (a retry): deploy.
          try {
            await instances.deploy(environmentId, caller);
          } catch (error) {
            if (isQoveryError(error, 'conflict')) continue;
            throw error;
          }
          await save(row, { status: 'STARTING', reason: null }, caller.deadline);
          return ok;
      }
    }
    throw busyError('deploying', row.status);
  }

  async function stop(id: number, caller: Caller) {
    const row = await find(id, caller);
    const environmentId = await actionable(row, caller.deadline);
    let cancelled = false;
    for (let pass = 0; pass < 3; pass++) {
      const observed = await observeFor(row, environmentId, caller);
      const phase = phaseOfObserved(observed);
      if (phase === 'stopping' || (phase === 'stopped' && !(cancelled && observed === 'CANCELED'))) {
        await save(row, statusFor(observed, false), caller.deadline);
        return ok;
      }
      if (phase === 'starting') {
        // Cancel the deployment under way, wait for Qovery to wind it down, then stop.
        if (!(await instances.cancelDeployment(environmentId, caller))) continue;
        cancelled = true;
        await save(row, { status: 'STOPPING', reason: null }, caller.deadline);
        if (!(await settleCancel(environmentId, caller))) throw busyError('cancelling', 'STOPPING');
        continue;
      }
      // running, failed, or cancelled by us: stop what may still run.
      try {
        await instances.stop(environmentId, caller);
      } catch (error) {
        if (isQoveryError(error, 'conflict')) continue;
        throw error;
      }
      await save(row, { status: 'STOPPING', reason: null }, caller.deadline);
      return ok;
    }
    throw busyError('deploying', row.status);
  }

  async function remove(id: number, caller: Caller) {
    const row = await find(id, caller);
    const { deadline } = caller;
    if (row.status === 'CREATING' && !abandoned(row)) throw busyError('creating', 'CREATING');
    await save(row, { status: 'DELETING', reason: null }, deadline);
    let environmentId = row.qovery_environment_id;
    if (environmentId === null) {
      // A CreateProject that died before storing its environment id: look for it by name.
      environmentId = await instances.findByName(id, caller);
      if (environmentId === null) {
        await removeDeleted([id], deadline);
        return ok;
      }
      await hasura.request(
        UpdateProject,
        { id, set: { qovery_environment_id: environmentId } },
        { deadline },
      );
    }
    try {
      if ((await instances.destroy(environmentId, caller)) === 'gone') await removeDeleted([id], deadline);
      // Otherwise Qovery deletes it over the next minutes; the row (and its quota slot) goes once
      // the reconciler, or ProjectStatus, sees it gone.
    } catch (error) {
      if (!isQoveryError(error, 'conflict')) throw error;
      // An operation is in progress on Qovery: cancel a deployment if that is it; the reconciler
      // asks again for the deletion of a DELETING row whose environment is not being deleted.
      await instances.cancelDeployment(environmentId, caller);
    }
    return ok;
  }

  async function status(id: number, caller: Caller): Promise<ProjectStatusAnswer> {
    const row = await find(id, caller);
    const { deadline } = caller;
    const answer = () => ({ id, status: row.status, url: row.url, reason: row.status_reason });
    if (row.status === 'CREATING' && abandoned(row))
      await save(row, { status: 'ERROR', reason: reasons.creationInterrupted }, deadline);
    const environmentId = row.qovery_environment_id;
    if (row.status === 'CREATING' || environmentId === null) return answer();
    const [observed, url] = await Promise.all([
      instances.observe(environmentId, caller),
      row.url || row.qovery_appwrite_id === null || row.status === 'DELETING'
        ? row.url
        : instances.url(row.qovery_appwrite_id, caller).catch(() => null),
    ]);
    if (row.status === 'DELETING') {
      const phase = phaseOfObserved(observed);
      if (phase === 'gone') await removeDeleted([id], deadline);
      else if (phase === 'delete-failed') await save(row, statusFor(observed, false), deadline);
      return answer();
    }
    await save(row, statusFor(observed, false), deadline);
    if (url && url !== row.url) {
      await hasura.request(UpdateProject, { id, set: { url } }, { deadline });
      row.url = url;
    }
    return answer();
  }

  /** Qovery's failures become catalogue errors (their details stay in `cause`, for the logs). */
  const catalogued =
    <A extends unknown[], R>(operation: (...args: A) => Promise<R>) =>
    (...args: A) =>
      operation(...args).catch((error: unknown) => {
        throw isQoveryError(error) ? toAppError(error) : error;
      });

  return {
    create: catalogued(async (name: string, caller: Caller) => {
      const { deadline, log } = caller;
      const { id, email } = await claimSlot(name, caller);
      let environmentId: string | undefined;
      // Keep the clean-up's time inside the action's budget. The bucket is made while Qovery
      // creates the environment and its services.
      const budget = { deadline: deadline - cleanupTimeoutMs };
      const bucket = storage.create(id, budget);
      const bucketSettled = bucket.then(
        () => undefined,
        () => undefined,
      );
      try {
        const instance = await instances.provision(id, { ownerEmail: email, storage: bucket }, budget);
        environmentId = instance.environmentId;
        await hasura.request(
          SaveProvisionedProject,
          {
            id,
            set: {
              status: 'STOPPED',
              url: instance.url,
              qovery_environment_id: instance.environmentId,
              qovery_appwrite_id: instance.appwriteId,
              qovery_mariadb_id: instance.mariadbId,
              qovery_redis_id: instance.redisId,
            },
          },
          { deadline },
        );
        // Qovery names the domain when the service is created; an empty URL is filled in later
        // by ProjectStatus if it ever lags behind.
        return { id, name, url: instance.url ?? '' };
      } catch (error) {
        // Leave nothing behind: no environment on Qovery, no bucket, no row without an instance.
        // The bucket is removed only once its creation is over, so that it cannot come back.
        await bucketSettled;
        await undoCreate(id, environmentId, log);
        throw error;
      }
    }),
    start: catalogued(start),
    stop: catalogued(stop),
    remove: catalogued(remove),
    status: catalogued(status),
  };

  /**
   * Takes one of the user's quota slots; the unique (owner_id, slot) makes it hold under
   * concurrency. Answers the row id and the owner's e-mail (the one the console admits).
   */
  async function claimSlot(
    name: string,
    { userId, deadline }: Caller,
  ): Promise<{ id: number; email: string }> {
    const { project, user_by_pk } = await hasura.request(ProjectSlots, { ownerId: userId }, { deadline });
    if (!user_by_pk) throw new AppError('unauthorized');
    const used = new Set(project.map((p) => p.slot));
    for (let slot = 1; slot <= maxProjectsPerUser; slot++) {
      if (used.has(slot)) continue;
      const claimed = await hasura.request(ClaimProjectSlot, { ownerId: userId, slot, name }, { deadline });
      if (claimed.insert_project_one) return { id: claimed.insert_project_one.id, email: user_by_pk.email };
    }
    throw new AppError('quota-exceeded', {
      message: `You have reached the maximum of ${maxProjectsPerUser} projects. Delete one to create another.`,
      details: { limit: maxProjectsPerUser },
    });
  }
}

/**
 * The final removal of projects whose environments Qovery confirmed deleted: each one's bucket
 * (and its credentials), then the rows. Idempotent: a bucket already gone is fine, and a failure
 * leaves the rows DELETING for the next pass (ProjectStatus, the reconciler) to finish.
 */
export async function removeDeletedProjects(
  { hasura, storage }: Pick<ProjectsDeps, 'hasura' | 'storage'>,
  ids: number[],
  deadline: number,
): Promise<void> {
  if (ids.length === 0) return;
  await Promise.all(ids.map((id) => storage.remove(id, { deadline })));
  await hasura.request(RemoveDeletedProjects, { ids }, { deadline });
}

export function abandoned(row: Pick<ProjectRow, 'status' | 'created_at'>, now = Date.now()): boolean {
  return row.status === 'CREATING' && now - Date.parse(row.created_at) > ABANDONED_AFTER_MS;
}
