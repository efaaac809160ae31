import type { StateEnum } from 'qovery-typescript-axios';
import {
  ABANDONED_AFTER_MS,
  busy,
  phaseOf,
  phaseOfObserved,
  reasons,
  statusFor,
  withUpgradeReason,
} from '../../../lib/instances/lifecycle';

/**
 * The life cycle's tables as values, without stand-ins: every Qovery state's status and reason, and
 * the sentences users read. tests/integration/instances/lifecycle.test.ts runs each cell of
 * docs/lifecycle.md against the stand-ins.
 */

// The user-safe sentences, spelled out: a test that read them from `reasons` would pass whatever they say.
const DEPLOYMENT_FAILED =
  'The instance failed to start. Start it again; if it keeps failing, contact support.';
const STOP_FAILED = 'The instance failed to stop. Stop it again; if it keeps failing, contact support.';
const UNAVAILABLE = 'The instance is unavailable. Start it again; if it keeps failing, contact support.';
const REMOVED_OUTSIDE =
  'The instance was removed outside AppWrite Cloud. Delete this project and create a new one.';
const DELETION_FAILED =
  'The instance could not be deleted. Delete it again; if it keeps failing, contact support.';

describe('statusFor: what each Qovery state shows', () => {
  const expected: Record<StateEnum, [string, string | null]> = {
    READY: ['STOPPED', null],
    STOPPED: ['STOPPED', null],
    CANCELED: ['STOPPED', null],
    QUEUED: ['STARTING', null],
    BUILDING: ['STARTING', null],
    DEPLOYMENT_QUEUED: ['STARTING', null],
    WAITING_RUNNING: ['STARTING', null],
    DEPLOYING: ['STARTING', null],
    EXECUTING: ['STARTING', null],
    RECAP: ['STARTING', null],
    RESTART_QUEUED: ['STARTING', null],
    WAITING_RESTARTING: ['STARTING', null],
    RESTARTING: ['STARTING', null],
    DEPLOYED: ['RUNNING', null],
    RESTARTED: ['RUNNING', null],
    STOP_QUEUED: ['STOPPING', null],
    WAITING_STOPPING: ['STOPPING', null],
    STOPPING: ['STOPPING', null],
    CANCELING: ['STOPPING', null],
    BUILD_ERROR: ['ERROR', DEPLOYMENT_FAILED],
    DEPLOYMENT_ERROR: ['ERROR', DEPLOYMENT_FAILED],
    RESTART_ERROR: ['ERROR', DEPLOYMENT_FAILED],
    STOP_ERROR: ['ERROR', STOP_FAILED],
    UNAVAILABLE: ['ERROR', UNAVAILABLE],
    // Deleted by someone else: our own deletions never ask.
    DELETE_QUEUED: ['ERROR', REMOVED_OUTSIDE],
    WAITING_DELETING: ['ERROR', REMOVED_OUTSIDE],
    DELETING: ['ERROR', REMOVED_OUTSIDE],
    DELETED: ['ERROR', REMOVED_OUTSIDE],
    DELETE_ERROR: ['ERROR', DELETION_FAILED],
  };

  it.each(Object.entries(expected))('%s → %j', (state, [status, reason]) => {
    expect(statusFor(state as StateEnum)).toEqual({ status, reason });
  });

  it('places every Qovery state the table above names, and no other', () => {
    expect(Object.keys(phaseOf).sort()).toEqual(Object.keys(expected).sort());
  });

  it('shows an environment gone as removed outside', () => {
    expect(phaseOfObserved('GONE')).toBe('gone');
    expect(statusFor('GONE')).toEqual({ status: 'ERROR', reason: REMOVED_OUTSIDE });
  });

  it('reads a Qovery state newer than our types as a failure the user can retry from', () => {
    const newer = 'WARMING_UP' as StateEnum;
    expect(phaseOfObserved(newer)).toBe('failed');
    expect(statusFor(newer)).toEqual({ status: 'ERROR', reason: DEPLOYMENT_FAILED });
  });

  it('names the phases actions need', () => {
    expect(phaseOfObserved('DEPLOYED')).toBe('running');
    expect(phaseOfObserved('DELETE_ERROR')).toBe('delete-failed');
    expect(phaseOfObserved('DELETED')).toBe('deleting');
  });
});

describe('withUpgradeReason', () => {
  const upgradeError = 'The upgrade to 1.7.4 failed: the instance runs 1.6.2 again.';

  it('replaces the failed deployment reason with the upgrade error', () => {
    expect(withUpgradeReason({ status: 'ERROR', reason: DEPLOYMENT_FAILED }, upgradeError)).toEqual({
      status: 'ERROR',
      reason: upgradeError,
    });
  });

  it.each([
    ['removed outside', REMOVED_OUTSIDE],
    ['could not be deleted', DELETION_FAILED],
    ['failed to stop', STOP_FAILED],
    ['unavailable', UNAVAILABLE],
    ['creation interrupted', reasons.creationInterrupted],
  ])('never overwrites another ERROR reason (%s)', (_label, reason) => {
    expect(withUpgradeReason({ status: 'ERROR', reason }, upgradeError)).toEqual({ status: 'ERROR', reason });
  });

  it('leaves a status that is not ERROR alone', () => {
    expect(withUpgradeReason({ status: 'RUNNING', reason: null }, upgradeError)).toEqual({
      status: 'RUNNING',
      reason: null,
    });
    // A row's reason is never this without ERROR; if it were, the status would still win.
    expect(withUpgradeReason({ status: 'STARTING', reason: DEPLOYMENT_FAILED }, upgradeError)).toEqual({
      status: 'STARTING',
      reason: DEPLOYMENT_FAILED,
    });
  });

  it.each([null, undefined, ''])('keeps the generic reason without an upgrade error (%j)', (none) => {
    expect(withUpgradeReason({ status: 'ERROR', reason: DEPLOYMENT_FAILED }, none)).toEqual({
      status: 'ERROR',
      reason: DEPLOYMENT_FAILED,
    });
  });
});

describe('what users read', () => {
  it('the reasons of an ERROR', () => {
    expect(reasons).toEqual({
      creationInterrupted:
        'The creation was interrupted before it finished. Delete this project and create it again.',
      removedOutside: REMOVED_OUTSIDE,
      deploymentFailed: DEPLOYMENT_FAILED,
      stopFailed: STOP_FAILED,
      unavailable: UNAVAILABLE,
      deletionFailed: DELETION_FAILED,
    });
  });

  it('the busy answers: what is happening, and when to try again', () => {
    expect(busy).toEqual({
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
    });
  });

  it('a CREATING row is abandoned after two minutes', () => {
    expect(ABANDONED_AFTER_MS).toBe(120_000);
  });
});
