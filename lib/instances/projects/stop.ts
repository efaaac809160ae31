import { request } from './request';
import { ok } from './shared';
import type { Caller, ProjectsDeps } from './types';

/**
 * StopProject: the stop goes through the queue (lib/instances/queue/stop.ts stops a running or
 * failed instance, and cancels a deployment under way).
 */
export async function stopProject(deps: ProjectsDeps, id: number, caller: Caller): Promise<typeof ok> {
  await request(deps, id, 'stop', caller);
  return ok;
}
