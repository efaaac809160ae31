import { submit } from '../queue';
import { findOwn, ok } from './shared';
import type { Caller, ProjectsDeps } from './types';

/**
 * DeleteProject: the deletion goes through the queue (lib/instances/queue/delete.ts: the row turns
 * DELETING, Qovery deletes the environment, and the row and its quota slot go once it is gone). A
 * create still waiting its turn made nothing yet: its row goes at once.
 */
export async function removeProject(deps: ProjectsDeps, id: number, caller: Caller): Promise<typeof ok> {
  const row = await findOwn(deps, id, caller);
  await submit(deps, { projectId: row.id, ownerId: caller.userId, kind: 'delete' }, caller);
  return ok;
}
