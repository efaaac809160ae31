import { phaseOfObserved, statusFor } from '../lifecycle';
import {
  actionable,
  busyError,
  findOwn,
  moving,
  observeFor,
  ok,
  requireStanding,
  saveStatus,
} from './shared';
import type { Caller, ProjectsDeps } from './types';

/** StartProject: deploys a stopped (or failed) instance; one starting or running is left as it is. */
export async function startProject(deps: ProjectsDeps, id: number, caller: Caller): Promise<typeof ok> {
  await requireStanding(deps, caller);
  const row = await findOwn(deps, id, caller);
  const environmentId = await actionable(deps, row, caller.deadline);
  const observed = await observeFor(deps, row, environmentId, caller);
  switch (phaseOfObserved(observed)) {
    case 'starting':
    case 'running':
      await saveStatus(deps, row, statusFor(observed), caller.deadline);
      return ok;
    case 'stopping':
      await saveStatus(deps, row, statusFor(observed), caller.deadline);
      throw busyError('stopping', 'STOPPING');
    default:
      // stopped, or failed (a retry): deploy. A 409 means Qovery moved since we read it.
      await moving(() => deps.instances.deploy(environmentId, caller), row.status);
      await saveStatus(deps, row, { status: 'STARTING', reason: null }, caller.deadline);
      return ok;
  }
}
