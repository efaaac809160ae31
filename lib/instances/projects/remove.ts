import { UpdateProject } from '../../platform/hasura/documents';
import { isQoveryError } from '../../platform/qovery/client';
import { abandoned, busyError, findOwn, ok, removeDeletedProjects, saveStatus } from './shared';
import type { Caller, ProjectsDeps } from './types';

/**
 * DeleteProject: the row turns DELETING and Qovery is asked to delete the environment; the row (and
 * its quota slot) goes once the environment is gone, now or when a later look sees it gone.
 */
export async function removeProject(deps: ProjectsDeps, id: number, caller: Caller): Promise<typeof ok> {
  const { hasura, instances } = deps;
  const row = await findOwn(deps, id, caller);
  const { deadline } = caller;
  if (row.status === 'CREATING' && !abandoned(row)) throw busyError('creating', 'CREATING');
  await saveStatus(deps, row, { status: 'DELETING', reason: null }, deadline);
  let environmentId = row.qovery_environment_id;
  if (environmentId === null) {
    // A CreateProject that died before storing its environment id: look for it by name.
    environmentId = await instances.findByName(id, caller);
    if (environmentId === null) {
      await removeDeletedProjects(deps, [row], deadline);
      return ok;
    }
    await hasura.request(UpdateProject, { id, set: { qovery_environment_id: environmentId } }, { deadline });
  }
  try {
    if ((await instances.destroy(environmentId, caller)) === 'gone')
      await removeDeletedProjects(deps, [row], deadline);
    // Otherwise Qovery deletes it over the next minutes; the row (and its quota slot) goes once
    // the reconciler, or ProjectStatus, sees it gone.
  } catch (error) {
    if (!isQoveryError(error, 'conflict')) throw error;
    // An operation is in progress on Qovery: the reconciler asks again for the deletion of a
    // DELETING row whose environment is not being deleted (cancelling a deployment if need be).
  }
  return ok;
}
