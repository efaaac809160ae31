import { findOwn } from './shared';
import type { Caller, ProjectStatusAnswer, ProjectsDeps } from './types';

/**
 * ProjectStatus: the row as it is, with no Qovery call (polling costs the budget nothing). The
 * reconciler keeps it true (lib/instances/reconciler: Qovery's states, finished deletions, the url
 * Qovery named late, the console seat), and the queue writes what its tasks do.
 */
export async function projectStatus(
  deps: ProjectsDeps,
  id: number,
  caller: Caller,
): Promise<ProjectStatusAnswer> {
  const row = await findOwn(deps, id, caller);
  return { id, status: row.status, url: row.url, reason: row.status_reason };
}
