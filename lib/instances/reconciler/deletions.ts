import { RemoveDeletedProjects } from '../../platform/hasura/documents';
import { isQoveryError } from '../../platform/qovery/client';
import type { BucketOf } from '../../platform/storage';
import { type Pass, timeLeft } from './pass';

/**
 * The rows whose environments Qovery confirmed deleted go: buckets first, then the rows (as
 * lib/instances/projects/shared removeDeletedProjects, with the rows removed counted).
 */
export async function finishDeletions(
  { hasura, storage, call, summary }: Pass,
  rows: readonly BucketOf[],
): Promise<void> {
  if (rows.length === 0) return;
  await Promise.all(rows.map((row) => storage.remove(row, call)));
  const ids = rows.map((row) => row.id);
  const { delete_project } = await hasura.request(RemoveDeletedProjects, { ids }, call);
  summary.deletionsFinished += delete_project?.affected_rows ?? 0;
}

/** Asks again for the deletion of environments whose rows are DELETING but which are not being deleted. */
export async function askDeletionsAgain(pass: Pass, environmentIds: readonly string[]): Promise<void> {
  const { qovery, call, summary } = pass;
  for (const environmentId of new Set(environmentIds)) {
    if (!timeLeft(pass)) break;
    try {
      await qovery.destroy(environmentId, call);
    } catch (error) {
      if (!isQoveryError(error, 'conflict')) throw error;
      // An operation in progress: cancel it if it is a deployment; delete on the next run.
      await qovery.cancelDeployment(environmentId, call);
    }
    summary.deletionsAskedAgain++;
  }
}
