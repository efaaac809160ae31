import { AppError } from '../../basics/errors';
import { HasuraError } from '../../platform/hasura/client';
import { ClaimProjectSlot, ProjectSlots } from '../../platform/hasura/documents';
import { APPWRITE_VERSION } from '../blueprint/versions';
import { submit } from '../queue';
import { findOwn, requireStanding } from './shared';
import type { Caller, CreatedProject, ProjectsDeps } from './types';

/**
 * CreateProject: a quota slot, then the create in the queue (lib/instances/queue). On a quiet day
 * it runs at once, within this call, and the answer carries the instance's url; otherwise the
 * answer says QUEUED, with an empty url that the row gets once the instance exists. A create that
 * fails within this call leaves nothing behind: no environment, no bucket, no row.
 */
export async function createProject(
  deps: ProjectsDeps,
  name: string,
  caller: Caller,
): Promise<CreatedProject> {
  await requireStanding(deps, caller);
  const { id } = await claimSlot(deps, name, caller);
  await submit(deps, { projectId: id, ownerId: caller.userId, kind: 'create' }, caller);
  const row = await findOwn(deps, id, caller);
  return { id, name, url: row.url ?? '', status: row.status };
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
