import { isQoveryError } from '../../platform/qovery/client';
import { busy, phaseOfObserved, statusFor } from '../lifecycle';
import { observeFor, saveStatus } from '../projects/shared';
import { environmentOf } from './environment';
import type { ClaimedTask, Outcome, QueueDeps, TaskCaller } from './types';

const again: Outcome = { kind: 'later', retryAfterSeconds: busy.moving.retryAfterSeconds };

/** A stop: stops a running (or failed) instance, and cancels a deployment under way. */
export async function stopTask(deps: QueueDeps, task: ClaimedTask, caller: TaskCaller): Promise<Outcome> {
  const found = await environmentOf(deps, task, caller);
  if (found.kind !== 'found') return found.outcome;
  const { row, environmentId } = found;
  const observed = await observeFor(deps, row, environmentId, caller);
  switch (phaseOfObserved(observed)) {
    case 'stopped':
    case 'stopping':
      await saveStatus(deps, row, statusFor(observed), caller.deadline);
      return { kind: 'done' };
    case 'starting':
      // Cancel the deployment under way; the stop follows once Qovery has wound it down (the
      // reconciler stops a STOPPING project whose deployment was cancelled, and a webhook
      // DEPLOYMENT_CANCELLED makes it look at once). 409: nothing left to cancel: again soon.
      if (!(await deps.instances.cancelDeployment(environmentId, caller))) return again;
      await saveStatus(deps, row, { status: 'STOPPING', reason: null }, caller.deadline);
      return { kind: 'done' };
    default:
      // running, or failed: stop what may still run. 409: Qovery moved since we read it.
      try {
        await deps.instances.stop(environmentId, caller);
      } catch (error) {
        if (isQoveryError(error, 'conflict')) return again;
        throw error;
      }
      await saveStatus(deps, row, { status: 'STOPPING', reason: null }, caller.deadline);
      return { kind: 'done' };
  }
}
