import { phaseOfObserved, statusFor } from '../lifecycle';
import { actionable, busyError, findOwn, moving, observeFor, ok, saveStatus } from './shared';
import type { Caller, ProjectsDeps } from './types';

/** StopProject: stops a running (or failed) instance, and cancels a deployment under way. */
export async function stopProject(deps: ProjectsDeps, id: number, caller: Caller): Promise<typeof ok> {
  const row = await findOwn(deps, id, caller);
  const environmentId = await actionable(deps, row, caller.deadline);
  const observed = await observeFor(deps, row, environmentId, caller);
  switch (phaseOfObserved(observed)) {
    case 'stopped':
    case 'stopping':
      await saveStatus(deps, row, statusFor(observed), caller.deadline);
      return ok;
    case 'starting':
      // Cancel the deployment under way; the stop follows once Qovery has wound it down (the
      // reconciler stops a STOPPING project whose deployment was cancelled, and a webhook
      // DEPLOYMENT_CANCELLED makes it look at once). 409: nothing left to cancel any more.
      if (!(await deps.instances.cancelDeployment(environmentId, caller)))
        throw busyError('moving', row.status);
      await saveStatus(deps, row, { status: 'STOPPING', reason: null }, caller.deadline);
      return ok;
    default:
      // running, or failed: stop what may still run.
      await moving(() => deps.instances.stop(environmentId, caller), row.status);
      await saveStatus(deps, row, { status: 'STOPPING', reason: null }, caller.deadline);
      return ok;
  }
}
