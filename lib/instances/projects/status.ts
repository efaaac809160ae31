import { UpdateProject } from '../../platform/hasura/documents';
import { phaseOfObserved, reasons, statusFor } from '../lifecycle';
import { abandoned, findOwn, removeDeletedProjects, saveStatus } from './shared';
import type { Caller, ProjectStatusAnswer, ProjectsDeps } from './types';

/**
 * ProjectStatus: what Qovery says now, written on the row (a deletion Qovery finished removes it),
 * the URL filled in if Qovery named it late, and the console seat taken once the instance runs.
 */
export async function projectStatus(
  deps: ProjectsDeps,
  id: number,
  caller: Caller,
): Promise<ProjectStatusAnswer> {
  const { hasura, instances, ownerConsole } = deps;
  const row = await findOwn(deps, id, caller);
  const { deadline } = caller;
  const answer = () => ({ id, status: row.status, url: row.url, reason: row.status_reason });
  if (row.status === 'CREATING' && abandoned(row))
    await saveStatus(deps, row, { status: 'ERROR', reason: reasons.creationInterrupted }, deadline);
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
    if (phase === 'gone') await removeDeletedProjects(deps, [row], deadline);
    else if (phase === 'delete-failed') await saveStatus(deps, row, statusFor(observed), deadline);
    return answer();
  }
  await saveStatus(deps, row, statusFor(observed), deadline);
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
