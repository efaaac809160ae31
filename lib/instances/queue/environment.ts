import type { ProjectRow } from '../../platform/hasura/documents';
import { reasons } from '../lifecycle';
import { failedError, saveStatus } from '../projects/shared';
import type { ProjectStatus } from '../status';
import { findProject } from './find';
import type { ClaimedTask, Outcome, QueueDeps, TaskCaller } from './types';

type Found =
  | { kind: 'found'; row: ProjectRow & { status: ProjectStatus }; environmentId: string }
  | { kind: 'over'; outcome: Outcome };

/**
 * The environment a start or stop acts on. A project gone meanwhile ends the task; one that never
 * got an instance (a create that died) turns ERROR "creation interrupted".
 */
export async function environmentOf(deps: QueueDeps, task: ClaimedTask, caller: TaskCaller): Promise<Found> {
  const row = await findProject(deps, task.projectId, caller);
  if (!row) return { kind: 'over', outcome: { kind: 'done' } };
  if (row.qovery_environment_id === null) {
    const reason =
      row.status === 'ERROR' && row.status_reason ? row.status_reason : reasons.creationInterrupted;
    await saveStatus(deps, row, { status: 'ERROR', reason }, caller.deadline);
    return { kind: 'over', outcome: { kind: 'failed', error: failedError(reason) } };
  }
  return { kind: 'found', row, environmentId: row.qovery_environment_id };
}
