import { AppError } from '../../basics/errors';
import type { Logger } from '../../basics/log';
import { HasuraError } from '../../platform/hasura/client';
import {
  ClaimProjectSlot,
  ProjectSlots,
  RemoveProject,
  SaveProvisionedProject,
} from '../../platform/hasura/documents';
import type { BucketOf } from '../../platform/storage';
import { APPWRITE_VERSION } from '../blueprint/versions';
import { requireStanding } from './shared';
import type { Caller, ProjectsDeps } from './types';

const CLEANUP_TIMEOUT_MS = 4000;

/**
 * CreateProject: a quota slot, then the instance on Qovery and its bucket, recorded on the row.
 * A failure leaves nothing behind: no environment on Qovery, no bucket, no row without an instance.
 */
export async function createProject(
  deps: ProjectsDeps,
  name: string,
  caller: Caller,
): Promise<{ id: number; name: string; url: string }> {
  const { hasura, instances, storage, cleanupTimeoutMs = CLEANUP_TIMEOUT_MS } = deps;
  const { deadline, log } = caller;
  await requireStanding(deps, caller);
  const { id, email } = await claimSlot(deps, name, caller);
  // The claim recorded the stem: the row names its bucket from now on (ProjectsDeps `storage`).
  const project = { id, bucket_stem: storage.stem };
  let environmentId: string | undefined;
  // Keep the clean-up's time inside the action's budget. The bucket is made while Qovery
  // creates the environment and its services.
  const budget = { deadline: deadline - cleanupTimeoutMs };
  const bucket = storage.create(project, budget);
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
    // The bucket is removed only once its creation is over, so that it cannot come back.
    await bucketSettled;
    await undoCreate(deps, project, environmentId, Date.now() + cleanupTimeoutMs, log);
    throw error;
  }
}

/**
 * Takes one of the user's quota slots; the unique (owner_id, slot) makes it hold under
 * concurrency. Answers the row id and the owner's e-mail (the one the console admits).
 */
async function claimSlot(
  { hasura, storage, maxProjectsPerUser, appwriteVersion = APPWRITE_VERSION }: ProjectsDeps,
  name: string,
  { userId, deadline }: Caller,
): Promise<{ id: number; email: string }> {
  const { project, user_by_pk } = await hasura.request(ProjectSlots, { ownerId: userId }, { deadline });
  if (!user_by_pk) throw new AppError('unauthorized');
  const used = new Set(project.map((p) => p.slot));
  for (let slot = 1; slot <= maxProjectsPerUser; slot++) {
    if (used.has(slot)) continue;
    const claimed = await hasura
      .request(
        ClaimProjectSlot,
        { ownerId: userId, slot, name, version: appwriteVersion, bucketStem: storage.stem },
        { deadline },
      )
      .catch((error: unknown) => {
        // The database refuses a project for an account DeleteAccount has marked, atomically with
        // the mark (lib/accounts/deletion.ts): no instance is left without an owner.
        throw isDeletingAccount(error)
          ? new AppError('account-not-found', { message: 'This account is being deleted.' })
          : error;
      });
    if (claimed.insert_project_one) return { id: claimed.insert_project_one.id, email: user_by_pk.email };
  }
  throw new AppError('quota-exceeded', {
    message: `You have reached the maximum of ${maxProjectsPerUser} projects. Delete one to create another.`,
    details: { limit: maxProjectsPerUser },
  });
}

/** The refusal of the 1795860017342_account_takeover migration's trigger (a check violation). */
function isDeletingAccount(error: unknown): boolean {
  return error instanceof HasuraError && error.message.includes('account_being_deleted');
}

/** Removes what a failed CreateProject made: the Qovery environment and the bucket, then the row. */
async function undoCreate(
  { hasura, instances, storage }: ProjectsDeps,
  project: BucketOf,
  environmentId: string | undefined,
  deadline: number,
  log: Logger,
): Promise<void> {
  const { id } = project;
  try {
    await Promise.all([
      environmentId !== undefined ? instances.destroy(environmentId, { deadline }) : undefined,
      storage.remove(project, { deadline }),
    ]);
    await hasura.request(RemoveProject, { id }, { deadline });
    log.info('rolled back a failed CreateProject', { projectId: id, environmentId });
  } catch (error) {
    log.error('could not roll back a failed CreateProject', { projectId: id, environmentId, error });
  }
}
