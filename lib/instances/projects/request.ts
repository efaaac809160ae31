import { reasons } from '../lifecycle';
import { submit } from '../queue';
import { abandoned, busyError, failedError, findOwn, saveStatus } from './shared';
import type { Caller, ProjectsDeps } from './types';

/**
 * A start or stop of the caller's project, into the queue: refused at once (no Qovery call) for a
 * project being deleted, and for one whose create died (it never got an instance).
 */
export async function request(
  deps: ProjectsDeps,
  id: number,
  kind: 'start' | 'stop',
  caller: Caller,
): Promise<void> {
  const row = await findOwn(deps, id, caller);
  if (row.status === 'DELETING') throw busyError('deleting', 'DELETING');
  const waiting = row.status === 'CREATING' || row.status === 'QUEUED';
  if (row.qovery_environment_id === null && (!waiting || abandoned(row))) {
    if (row.status !== 'ERROR')
      await saveStatus(deps, row, { status: 'ERROR', reason: reasons.creationInterrupted }, caller.deadline);
    throw failedError(row.status_reason ?? reasons.creationInterrupted);
  }
  const submitted = await submit(deps, { projectId: row.id, ownerId: caller.userId, kind }, caller);
  if (submitted === 'deleting') throw busyError('deleting', 'QUEUED');
}
