/** How an environment moves through Qovery's states: one step per `stepMs`. */
import type { StateEnum } from 'qovery-typescript-axios';
import { type Context, later } from './context';
import type { EnvironmentRecord } from './state';

/** States in which a deployment (or restart) can be cancelled. */
export const CANCELLABLE = new Set<StateEnum>([
  'QUEUED',
  'BUILDING',
  'DEPLOYMENT_QUEUED',
  'WAITING_RUNNING',
  'DEPLOYING',
  'EXECUTING',
  'RESTART_QUEUED',
  'WAITING_RESTARTING',
  'RESTARTING',
]);
/** States of an operation under way: a cancellable deployment, a stop, a cancel or a delete. */
export const IN_PROGRESS = new Set<StateEnum>([
  ...CANCELLABLE,
  'STOP_QUEUED',
  'WAITING_STOPPING',
  'STOPPING',
  'CANCELING',
  'DELETE_QUEUED',
  'WAITING_DELETING',
  'DELETING',
]);

/**
 * Moves an environment through `steps`, one per stepMs, replacing any transition under way;
 * `onLast` runs as the last step is entered, `done` one step after it.
 */
export function transition(
  context: Context,
  record: EnvironmentRecord,
  steps: StateEnum[],
  done?: () => void,
  onLast?: () => void,
): void {
  const { transitions, histories, stepMs } = context;
  const id = record.resource.id;
  const previous = transitions.get(id);
  if (previous) {
    clearTimeout(previous);
    context.timers.delete(previous);
  }
  let index = 0;
  const apply = () => {
    const step = steps[index];
    if (step) {
      record.state = step;
      record.lastDeploymentState = step;
      histories.set(id, [...(histories.get(id) ?? []), step]);
      if (index === steps.length - 1) onLast?.();
      context.persist();
    }
    index++;
    if (index < steps.length) transitions.set(id, later(context, stepMs, apply));
    else if (done) transitions.set(id, later(context, stepMs, finish));
    else transitions.delete(id);
  };
  const finish = () => {
    transitions.delete(id);
    done?.();
    context.persist();
  };
  apply();
}
