/**
 * The life cycle of an instance, in one place: what each Qovery environment state means for a
 * project, the user-safe reasons an ERROR carries, and the messages of the answers that ask the user
 * to come back later. docs/lifecycle.md holds the full table (status × action → result) that
 * lib/instances/projects and lib/instances/reconciler carry out, and
 * tests/integration/instances/lifecycle.test.ts tests each cell.
 */
import type { StateEnum } from 'qovery-typescript-axios';
import type { ProjectStatus } from './status';

/**
 * Where an environment is in its life, as far as an action needs to know. `gone` is Qovery's 404:
 * the environment no longer exists.
 */
export type Phase =
  | 'stopped'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'failed'
  | 'deleting'
  | 'delete-failed'
  | 'gone';

/** Every Qovery state (a new one fails to type-check until it is placed here). */
export const phaseOf: Record<StateEnum, Phase> = {
  READY: 'stopped',
  STOPPED: 'stopped',
  CANCELED: 'stopped',
  QUEUED: 'starting',
  BUILDING: 'starting',
  DEPLOYMENT_QUEUED: 'starting',
  WAITING_RUNNING: 'starting',
  DEPLOYING: 'starting',
  EXECUTING: 'starting',
  RECAP: 'starting',
  RESTART_QUEUED: 'starting',
  WAITING_RESTARTING: 'starting',
  RESTARTING: 'starting',
  DEPLOYED: 'running',
  RESTARTED: 'running',
  STOP_QUEUED: 'stopping',
  WAITING_STOPPING: 'stopping',
  STOPPING: 'stopping',
  CANCELING: 'stopping',
  BUILD_ERROR: 'failed',
  DEPLOYMENT_ERROR: 'failed',
  RESTART_ERROR: 'failed',
  STOP_ERROR: 'failed',
  UNAVAILABLE: 'failed',
  DELETE_QUEUED: 'deleting',
  WAITING_DELETING: 'deleting',
  DELETING: 'deleting',
  DELETED: 'deleting',
  DELETE_ERROR: 'delete-failed',
};

/** What Qovery said about one environment: its state, or that it is gone. */
export type Observed = StateEnum | 'GONE';

export function phaseOfObserved(observed: Observed): Phase {
  // A state newer than our types reads as a failure the user can retry from.
  return observed === 'GONE' ? 'gone' : (phaseOf[observed] ?? 'failed');
}

/** The user-safe sentences an ERROR status carries (the `status_reason` column). */
export const reasons = {
  creationInterrupted:
    'The creation was interrupted before it finished. Delete this project and create it again.',
  removedOutside:
    'The instance was removed outside AppWrite Cloud. Delete this project and create a new one.',
  deploymentFailed: 'The instance failed to start. Start it again; if it keeps failing, contact support.',
  stopFailed: 'The instance failed to stop. Stop it again; if it keeps failing, contact support.',
  unavailable: 'The instance is unavailable. Start it again; if it keeps failing, contact support.',
  deletionFailed: 'The instance could not be deleted. Delete it again; if it keeps failing, contact support.',
} as const;

export interface StatusWithReason {
  status: ProjectStatus;
  reason: string | null;
}

/**
 * The status a project not being deleted shows for what Qovery said: an environment gone or being
 * deleted was removed by someone else. (A row being deleted keeps DELETING until its environment is
 * gone, and then goes: its callers decide that before asking.)
 */
export function statusFor(observed: Observed): StatusWithReason {
  const phase = phaseOfObserved(observed);
  const error = (reason: string): StatusWithReason => ({ status: 'ERROR', reason });
  switch (phase) {
    case 'stopped':
      return { status: 'STOPPED', reason: null };
    case 'starting':
      return { status: 'STARTING', reason: null };
    case 'running':
      return { status: 'RUNNING', reason: null };
    case 'stopping':
      return { status: 'STOPPING', reason: null };
    case 'failed':
      return error(
        observed === 'STOP_ERROR'
          ? reasons.stopFailed
          : observed === 'UNAVAILABLE'
            ? reasons.unavailable
            : reasons.deploymentFailed,
      );
    case 'delete-failed':
      return error(reasons.deletionFailed);
    case 'deleting':
    case 'gone':
      return error(reasons.removedOutside);
  }
}

/**
 * A deployment that failed during an upgrade says so: the row's `upgrade_error` (a user-safe
 * sentence written by lib/instances/upgrades) replaces the generic reason for as long as the
 * upgrade is stopped. Every writer of a status (actions, reconciler) goes through this, so none
 * undoes it.
 */
export function withUpgradeReason(
  next: StatusWithReason,
  upgradeError: string | null | undefined,
): StatusWithReason {
  return next.status === 'ERROR' && next.reason === reasons.deploymentFailed && upgradeError
    ? { status: 'ERROR', reason: upgradeError }
    : next;
}

/** The `project-busy` answers: what is happening, and when to try again. */
export const busy = {
  creating: {
    message: 'This project is still being created. Try again in a minute.',
    retryAfterSeconds: 60,
  },
  deleting: {
    message: 'This project is being deleted. It disappears from your list once its instance is gone.',
    retryAfterSeconds: 60,
  },
  stopping: {
    message: 'The instance is stopping. Start it again once it is stopped, usually within a few minutes.',
    retryAfterSeconds: 60,
  },
  moving: {
    message: 'The instance changed state while we asked. Try again in a few seconds.',
    retryAfterSeconds: 10,
  },
} as const satisfies Record<string, { message: string; retryAfterSeconds: number }>;

/**
 * A CreateProject answers within 30 s or dies with its Lambda. A row still CREATING after this
 * long was left behind by one that died: it may be deleted, and its status is ERROR.
 */
export const ABANDONED_AFTER_MS = 2 * 60 * 1000;
