import { AppError } from '../basics/errors';
import type { Logger } from '../basics/log';
import type { HasuraClient } from '../platform/hasura/client';
import {
  AccountStanding,
  ClaimProjectSlot,
  FindOwnProject,
  MoveProject,
  type ProjectRow,
  ProjectSlots,
  RemoveDeletedProjects,
  RemoveProject,
  SaveProvisionedProject,
  UpdateProject,
} from '../platform/hasura/documents';
import { isQoveryError, toAppError } from '../platform/qovery/client';
import type { Storage } from '../platform/storage';
import { APPWRITE_VERSION } from './blueprint/versions';
import type { OwnerConsole } from './console-seat';
import type { Instances } from './instances';
import {
  ABANDONED_AFTER_MS,
  busy,
  type Observed,
  phaseOfObserved,
  reasons,
  type StatusWithReason,
  statusFor,
  withUpgradeReason,
} from './lifecycle';
import type { ProjectStatus } from './status';

export type { ProjectStatus };
export { ABANDONED_AFTER_MS };

/** What the projects logic needs from the infrastructure (lib/instances/instances implements it). */
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
  /** The owner's own password for the instance's console (lib/instances/console-seat). */
  claimConsole(id: number, password: string, caller: Caller): Promise<{ ok: true }>;
}

export interface ProjectsDeps {
  hasura: HasuraClient;
  instances: InstancePort;
  /** One bucket per instance (lib/platform/storage): made at create, removed with the row. */
  storage: Pick<Storage, 'create' | 'remove'>;
  /** The console seat of each instance: taken for its owner once it runs. */
  ownerConsole?: OwnerConsole;
  maxProjectsPerUser: number;
  /** CreateProject and StartProject refuse `email-not-verified` until the owner verified their email. */
  requireEmailVerification: boolean;
  /** Budget of the clean-up after a failed CreateProject, independent of the action's. */
  cleanupTimeoutMs?: number;
  /** The AppWrite release new instances get (the operator's APPWRITE_VERSION), recorded on the row. */
  appwriteVersion?: string;
}

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
  ownerConsole,
  maxProjectsPerUser,
  requireEmailVerification,
  cleanupTimeoutMs = 4000,
  appwriteVersion = APPWRITE_VERSION,
}: ProjectsDeps): Projects {
  /** The final removal of rows Qovery confirmed deleted: their buckets, then the rows. */
  const removeDeleted = (ids: number[], deadline: number) =>
    removeDeletedProjects({ hasura, storage }, ids, deadline);

  /**
   * What costs the operator money (a new instance, a running one) needs an account that still
   * exists (an access token outlives a deleted account by up to its TTL) with a verified email.
   */
  async function requireStanding({ userId, deadline }: Caller) {
    const { user_by_pk: account } = await hasura.request(AccountStanding, { id: userId }, { deadline });
    if (!account) throw new AppError('account-not-found');
    if (requireEmailVerification && !account.email_verified) throw new AppError('email-not-verified');
  }

  async function find(
    id: number,
    { userId, deadline }: Caller,
  ): Promise<ProjectRow & { status: ProjectStatus }> {
    const { project } = await hasura.request(FindOwnProject, { id, ownerId: userId }, { deadline });
    const row = project[0];
    if (!row) throw new AppError('not-found');
    // The schema says String; the column's CHECK constraint admits only the statuses.
    return row as ProjectRow & { status: ProjectStatus };
  }

  /** Writes the row's new status (and reason) unless someone moved it meanwhile. */
  async function save(row: ProjectRow, wanted: StatusWithReason, deadline: number): Promise<void> {
    const next = withUpgradeReason(wanted, row.upgrade_error);
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
        // stopped, or failed (a retry): deploy. A 409 means Qovery moved since we read it.
        await moving(() => instances.deploy(environmentId, caller), row.status);
        await save(row, { status: 'STARTING', reason: null }, caller.deadline);
        return ok;
    }
  }

  async function stop(id: number, caller: Caller) {
    const row = await find(id, caller);
    const environmentId = await actionable(row, caller.deadline);
    const observed = await observeFor(row, environmentId, caller);
    switch (phaseOfObserved(observed)) {
      case 'stopped':
      case 'stopping':
        await save(row, statusFor(observed, false), caller.deadline);
        return ok;
      case 'starting':
        // Cancel the deployment under way; the stop follows once Qovery has wound it down (the
        // reconciler stops a STOPPING project whose deployment was cancelled, and a webhook
        // DEPLOYMENT_CANCELLED makes it look at once). 409: nothing left to cancel any more.
        if (!(await instances.cancelDeployment(environmentId, caller))) throw busyError('moving', row.status);
        await save(row, { status: 'STOPPING', reason: null }, caller.deadline);
        return ok;
      default:
        // running, or failed: stop what may still run.
        await moving(() => instances.stop(environmentId, caller), row.status);
        await save(row, { status: 'STOPPING', reason: null }, caller.deadline);
        return ok;
    }
  }

  /** A Qovery call right after our read; its 409 means Qovery moved meanwhile: busy, try again. */
  async function moving(call: () => Promise<void>, status: ProjectStatus): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (isQoveryError(error, 'conflict')) throw busyError('moving', status);
      throw error;
    }
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
      // An operation is in progress on Qovery: the reconciler asks again for the deletion of a
      // DELETING row whose environment is not being deleted (cancelling a deployment if need be).
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
    // Running and answering: the owner's console account is made before anyone else can.
    if (row.status === 'RUNNING' && !row.console_account_at && ownerConsole)
      await ownerConsole.secure(row, { deadline, log: caller.log }).catch((error: unknown) => {
        caller.log.warn('could not secure the instance console yet', { projectId: id, error });
      });
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
      await requireStanding(caller);
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
    start: catalogued(async (id: number, caller: Caller) => {
      await requireStanding(caller);
      return start(id, caller);
    }),
    stop: catalogued(stop),
    remove: catalogued(remove),
    status: catalogued(status),
    claimConsole: catalogued(async (id: number, password: string, caller: Caller) => {
      if (!ownerConsole) throw new AppError('internal-error');
      // What Qovery says now (and the seat taken, if it was not yet), then the owner's password.
      await status(id, caller);
      const row = await find(id, caller);
      await ownerConsole.claim(row, password, caller);
      return ok;
    }),
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
      const claimed = await hasura.request(
        ClaimProjectSlot,
        { ownerId: userId, slot, name, version: appwriteVersion },
        { deadline },
      );
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
