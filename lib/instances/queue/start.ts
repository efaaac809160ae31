import { isQoveryError } from '../../platform/qovery/client';
import { busy, phaseOfObserved, statusFor } from '../lifecycle';
import { observeFor, saveStatus } from '../projects/shared';
import { environmentOf } from './environment';
import type { ClaimedTask, Outcome, QueueDeps, TaskCaller } from './types';

/** A start: deploys a stopped (or failed) instance; one starting or running is left as it is. */
export async function startTask(deps: QueueDeps, task: ClaimedTask, caller: TaskCaller): Promise<Outcome> {
  const found = await environmentOf(deps, task, caller);
  if (found.kind !== 'found') return found.outcome;
  const { row, environmentId } = found;
  const observed = await observeFor(deps, row, environmentId, caller);
  switch (phaseOfObserved(observed)) {
    case 'starting':
    case 'running':
      await saveStatus(deps, row, statusFor(observed), caller.deadline);
      return { kind: 'done' };
    case 'stopping':
      // Started once it is stopped.
      return { kind: 'later', retryAfterSeconds: busy.stopping.retryAfterSeconds };
    default:
      // stopped, or failed (a retry): deploy. A 409 means Qovery moved since we read it: again soon.
      try {
        await deps.instances.deploy(environmentId, caller);
      } catch (error) {
        if (isQoveryError(error, 'conflict'))
          return { kind: 'later', retryAfterSeconds: busy.moving.retryAfterSeconds };
        throw error;
      }
      await saveStatus(deps, row, { status: 'STARTING', reason: null }, caller.deadline);
      return { kind: 'done' };
  }
}
