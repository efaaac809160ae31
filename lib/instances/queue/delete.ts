import { UpdateProject } from '../../platform/hasura/documents';
import { isQoveryError } from '../../platform/qovery/client';
import { removeDeletedProjects, saveStatus } from '../projects/shared';
import { findProject } from './find';
import type { ClaimedTask, Outcome, QueueDeps, TaskCaller } from './types';

/**
 * A delete: the row turns DELETING and Qovery is asked to delete the environment; the row (and its
 * quota slot) goes once the environment is gone, now or when the reconciler sees it gone.
 */
export async function deleteTask(deps: QueueDeps, task: ClaimedTask, caller: TaskCaller): Promise<Outcome> {
  const { hasura, instances } = deps;
  const { deadline } = caller;
  const row = await findProject(deps, task.projectId, caller);
  if (!row) return { kind: 'done' };
  const id = row.id;
  await saveStatus(deps, row, { status: 'DELETING', reason: null }, deadline);
  let environmentId = row.qovery_environment_id;
  if (environmentId === null) {
    // A create that died before storing its environment id: look for it by name.
    environmentId = await instances.findByName(id, caller);
    if (environmentId === null) {
      await removeDeletedProjects(deps, [row], deadline);
      return { kind: 'done' };
    }
    await hasura.request(UpdateProject, { id, set: { qovery_environment_id: environmentId } }, { deadline });
  }
  try {
    if ((await instances.destroy(environmentId, caller)) === 'gone')
      await removeDeletedProjects(deps, [row], deadline);
    // Otherwise Qovery deletes it over the next minutes; the row (and its quota slot) goes once
    // the reconciler sees it gone.
  } catch (error) {
    if (!isQoveryError(error, 'conflict')) throw error;
    // An operation is in progress on Qovery: the reconciler asks again for the deletion of a
    // DELETING row whose environment is not being deleted (cancelling a deployment if need be).
  }
  return { kind: 'done' };
}
