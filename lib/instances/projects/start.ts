import { request } from './request';
import { ok, requireStanding } from './shared';
import type { Caller, ProjectsDeps } from './types';

/**
 * StartProject: the start goes through the queue (lib/instances/queue/start.ts deploys a stopped
 * or failed instance, and leaves one starting or running as it is); it runs within this call on a
 * quiet day, else waits its turn.
 */
export async function startProject(deps: ProjectsDeps, id: number, caller: Caller): Promise<typeof ok> {
  await requireStanding(deps, caller);
  await request(deps, id, 'start', caller);
  return ok;
}
