import { AppError } from '../../../../lib/basics/errors';
import { reasons } from '../../../../lib/instances/lifecycle';
import { createTask, retryAfter } from '../../../../lib/instances/queue/create';
import { deleteTask } from '../../../../lib/instances/queue/delete';
import { environmentOf } from '../../../../lib/instances/queue/environment';
import { startTask } from '../../../../lib/instances/queue/start';
import { stopTask } from '../../../../lib/instances/queue/stop';
import type { QueueDeps } from '../../../../lib/instances/queue/types';
import type { ProjectRow } from '../../../../lib/platform/hasura/documents';
import {
  QoveryBudgetExhausted,
  QoveryError,
  type QoveryErrorKind,
} from '../../../../lib/platform/qovery/client';
import {
  caller,
  DEADLINE,
  fakeHasura,
  fakeInstances,
  fakeStorage,
  memoryLog,
  NOW,
  projectRow,
  task,
} from './fakes';

/**
 * What each kind of task does (lib/instances/queue/create.ts, start.ts, stop.ts, delete.ts and
 * environment.ts): the Qovery calls, the row's statuses and the outcome, on Hasura and an instance
 * port faked in memory. The whole queue on the stand-ins is tests/integration/instances/queue.test.ts.
 */

const qoveryError = (kind: QoveryErrorKind) => new QoveryError(kind, 'deployEnvironment', 500, undefined, 1);

const moved = (from: string, status: string, reason: string | null, id = 7) => ({
  op: 'MoveProject',
  variables: { id, from, status, reason },
  options: { deadline: DEADLINE },
});

function setUp(
  row: ProjectRow | null,
  port: Parameters<typeof fakeInstances>[0] = {},
  extra: Record<string, unknown> = {},
  deps: Partial<QueueDeps> = {},
) {
  const hasura = fakeHasura({
    FindProject: { project_by_pk: row },
    MoveProject: { update_project: { affected_rows: 1 } },
    ...extra,
  });
  const instances = fakeInstances(port);
  const storage = fakeStorage();
  const { log, lines } = memoryLog();
  const all = {
    hasura: hasura.hasura,
    instances: instances.port,
    storage: storage.storage,
    maxProjectsPerUser: 3,
    requireEmailVerification: false,
    ...deps,
  } as QueueDeps;
  return { deps: all, hasura, instances, storage, log, lines };
}

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});
afterEach(() => jest.restoreAllMocks());

describe('a start or stop whose project has no instance (environment.ts)', () => {
  it.each([
    ['start', startTask],
    ['stop', stopTask],
  ] as const)('%s: ends without a call when the project is gone', async (_kind, run) => {
    const { deps, hasura, instances, log } = setUp(null);
    expect(await run(deps, task(), caller(log))).toEqual({ kind: 'done' });
    expect(hasura.requests).toEqual([
      { op: 'FindProject', variables: { id: 7 }, options: { deadline: DEADLINE } },
    ]);
    expect(instances.calls).toEqual([]);
  });

  it('turns a project that never got an instance ERROR, creation interrupted', async () => {
    const { deps, hasura, instances, log } = setUp(
      projectRow({ status: 'QUEUED', qovery_environment_id: null }),
    );
    const outcome = await startTask(deps, task(), caller(log));
    expect(outcome).toEqual({ kind: 'failed', error: expect.any(AppError) });
    const error = (outcome as { error: AppError }).error;
    expect([error.code, error.message]).toEqual(['project-failed', reasons.creationInterrupted]);
    expect(hasura.requests[1]).toEqual(moved('QUEUED', 'ERROR', reasons.creationInterrupted));
    expect(instances.calls).toEqual([]);
  });

  it('says the task is over, with its outcome, or answers the environment found', async () => {
    const gone = setUp(null);
    expect(await environmentOf(gone.deps, task(), caller(gone.log))).toEqual({
      kind: 'over',
      outcome: { kind: 'done' },
    });
    const never = setUp(projectRow({ qovery_environment_id: null }));
    expect(await environmentOf(never.deps, task(), caller(never.log))).toMatchObject({
      kind: 'over',
      outcome: { kind: 'failed' },
    });
    const found = setUp(projectRow());
    expect(await environmentOf(found.deps, task(), caller(found.log))).toMatchObject({
      kind: 'found',
      row: { id: 7 },
      environmentId: 'env-7',
    });
  });

  it('keeps the reason of a project already ERROR; a reason under another status is not kept', async () => {
    const failed = setUp(
      projectRow({ status: 'ERROR', status_reason: 'It broke.', qovery_environment_id: null }),
    );
    const outcome = await stopTask(failed.deps, task({ kind: 'stop' }), caller(failed.log));
    expect((outcome as { error: AppError }).error.message).toBe('It broke.');
    expect(failed.hasura.ops()).toEqual(['FindProject']);

    const queued = setUp(
      projectRow({ status: 'QUEUED', status_reason: 'Position 2', qovery_environment_id: null }),
    );
    await stopTask(queued.deps, task({ kind: 'stop' }), caller(queued.log));
    expect(queued.hasura.requests[1]).toEqual(moved('QUEUED', 'ERROR', reasons.creationInterrupted));

    const unexplained = setUp(
      projectRow({ status: 'ERROR', status_reason: null, qovery_environment_id: null }),
    );
    await stopTask(unexplained.deps, task({ kind: 'stop' }), caller(unexplained.log));
    expect(unexplained.hasura.requests[1]).toEqual(moved('ERROR', 'ERROR', reasons.creationInterrupted));
  });
});

describe('startTask', () => {
  const observing = (state: string, deploy: () => Promise<unknown> = async () => undefined) => ({
    observe: async () => state,
    deploy,
  });

  it('deploys a stopped instance, which turns STARTING', async () => {
    const { deps, hasura, instances, log } = setUp(projectRow(), observing('STOPPED'));
    expect(await startTask(deps, task(), caller(log))).toEqual({ kind: 'done' });
    expect(instances.calls.map((call) => call.slice(0, 2))).toEqual([
      ['observe', 'env-7'],
      ['deploy', 'env-7'],
    ]);
    expect(hasura.requests[1]).toEqual(moved('QUEUED', 'STARTING', null));
  });

  it('deploys a failed instance again', async () => {
    const { deps, instances, log } = setUp(projectRow(), observing('DEPLOYMENT_ERROR'));
    expect(await startTask(deps, task(), caller(log))).toEqual({ kind: 'done' });
    expect(instances.called()).toEqual(['observe', 'deploy']);
  });

  it.each([
    ['DEPLOYING', 'STARTING'],
    ['DEPLOYED', 'RUNNING'],
  ])('leaves an instance %s as it is, and the row says %s', async (state, status) => {
    const { deps, hasura, instances, log } = setUp(projectRow(), observing(state));
    expect(await startTask(deps, task(), caller(log))).toEqual({ kind: 'done' });
    expect(instances.called()).toEqual(['observe']);
    expect(hasura.requests[1]).toEqual(moved('QUEUED', status, null));
  });

  it('tries a stopping instance again in a minute, without a change', async () => {
    const { deps, hasura, instances, log } = setUp(projectRow(), observing('STOPPING'));
    expect(await startTask(deps, task(), caller(log))).toEqual({ kind: 'later', retryAfterSeconds: 60 });
    expect(instances.called()).toEqual(['observe']);
    expect(hasura.ops()).toEqual(['FindProject']);
  });

  it('tries again in 10 s when Qovery moved (409), and throws any other failure', async () => {
    const conflict = setUp(
      projectRow(),
      observing('STOPPED', async () => Promise.reject(qoveryError('conflict'))),
    );
    expect(await startTask(conflict.deps, task(), caller(conflict.log))).toEqual({
      kind: 'later',
      retryAfterSeconds: 10,
    });
    expect(conflict.hasura.ops()).toEqual(['FindProject']);
    const rejected = setUp(
      projectRow(),
      observing('STOPPED', async () => Promise.reject(qoveryError('rejected'))),
    );
    await expect(startTask(rejected.deps, task(), caller(rejected.log))).rejects.toMatchObject({
      kind: 'rejected',
    });
    expect(rejected.hasura.ops()).toEqual(['FindProject']);
  });
});

describe('stopTask', () => {
  const stopping = { kind: 'stop' as const };

  it('stops a running instance, which turns STOPPING', async () => {
    const { deps, hasura, instances, log } = setUp(projectRow({ status: 'RUNNING', status_reason: null }), {
      observe: async () => 'DEPLOYED',
      stop: async () => undefined,
    });
    expect(await stopTask(deps, task(stopping), caller(log))).toEqual({ kind: 'done' });
    expect(instances.calls.map((call) => call.slice(0, 2))).toEqual([
      ['observe', 'env-7'],
      ['stop', 'env-7'],
    ]);
    expect(hasura.requests[1]).toEqual(moved('RUNNING', 'STOPPING', null));
  });

  it('tries again in 10 s when Qovery moved (409), and throws any other failure', async () => {
    const conflict = setUp(projectRow(), {
      observe: async () => 'DEPLOYED',
      stop: () => Promise.reject(qoveryError('conflict')),
    });
    expect(await stopTask(conflict.deps, task(stopping), caller(conflict.log))).toEqual({
      kind: 'later',
      retryAfterSeconds: 10,
    });
    expect(conflict.hasura.ops()).toEqual(['FindProject']);
    const broken = setUp(projectRow(), {
      observe: async () => 'DEPLOYED',
      stop: () => Promise.reject(qoveryError('rejected')),
    });
    await expect(stopTask(broken.deps, task(stopping), caller(broken.log))).rejects.toMatchObject({
      kind: 'rejected',
    });
    expect(broken.hasura.ops()).toEqual(['FindProject']);
  });

  it('cancels a deployment under way; the row turns STOPPING', async () => {
    const { deps, hasura, instances, log } = setUp(projectRow(), {
      observe: async () => 'DEPLOYING',
      cancelDeployment: async () => true,
    });
    expect(await stopTask(deps, task(stopping), caller(log))).toEqual({ kind: 'done' });
    expect(instances.calls.map((call) => call.slice(0, 2))).toEqual([
      ['observe', 'env-7'],
      ['cancelDeployment', 'env-7'],
    ]);
    expect(hasura.requests[1]).toEqual(moved('QUEUED', 'STOPPING', null));
  });

  it('tries again in 10 s when there was nothing left to cancel', async () => {
    const { deps, hasura, log } = setUp(projectRow(), {
      observe: async () => 'DEPLOYING',
      cancelDeployment: async () => false,
    });
    expect(await stopTask(deps, task(stopping), caller(log))).toEqual({
      kind: 'later',
      retryAfterSeconds: 10,
    });
    expect(hasura.ops()).toEqual(['FindProject']);
  });

  it.each([
    ['STOPPED', 'STOPPED'],
    ['STOPPING', 'STOPPING'],
  ])('leaves an instance %s as it is, and the row says %s', async (state, status) => {
    const { deps, hasura, instances, log } = setUp(projectRow(), { observe: async () => state });
    expect(await stopTask(deps, task(stopping), caller(log))).toEqual({ kind: 'done' });
    expect(instances.called()).toEqual(['observe']);
    expect(hasura.requests[1]).toEqual(moved('QUEUED', status, null));
  });
});

describe('deleteTask', () => {
  const deleting = { kind: 'delete' as const };
  const extra = {
    RemoveDeletedProjects: { delete_project: { affected_rows: 1 } },
    UpdateProject: { update_project_by_pk: { id: 7 } },
  };
  const removed = { op: 'RemoveDeletedProjects', variables: { ids: [7] }, options: { deadline: DEADLINE } };

  it('ends without a call when the project is gone', async () => {
    const { deps, hasura, instances, log } = setUp(null);
    expect(await deleteTask(deps, task(deleting), caller(log))).toEqual({ kind: 'done' });
    expect(hasura.ops()).toEqual(['FindProject']);
    expect(instances.calls).toEqual([]);
  });

  it('turns the row DELETING and removes it (and its bucket) once Qovery has no environment', async () => {
    const { deps, hasura, instances, storage, log } = setUp(
      projectRow(),
      { destroy: async () => 'gone' },
      extra,
    );
    expect(await deleteTask(deps, task(deleting), caller(log))).toEqual({ kind: 'done' });
    expect(instances.calls.map((call) => call.slice(0, 2))).toEqual([['destroy', 'env-7']]);
    expect(hasura.requests.slice(1)).toEqual([moved('QUEUED', 'DELETING', null), removed]);
    expect(storage.calls).toEqual([
      ['remove', expect.objectContaining({ id: 7, bucket_stem: 'stem-7' }), { deadline: DEADLINE }],
    ]);
  });

  it('keeps the row DELETING while Qovery deletes the environment', async () => {
    const { deps, hasura, storage, log } = setUp(projectRow(), { destroy: async () => 'deleting' }, extra);
    expect(await deleteTask(deps, task(deleting), caller(log))).toEqual({ kind: 'done' });
    expect(hasura.ops()).toEqual(['FindProject', 'MoveProject']);
    expect(storage.calls).toEqual([]);
  });

  it('leaves a 409 to the reconciler, and throws any other failure', async () => {
    const conflict = setUp(projectRow(), { destroy: () => Promise.reject(qoveryError('conflict')) }, extra);
    expect(await deleteTask(conflict.deps, task(deleting), caller(conflict.log))).toEqual({ kind: 'done' });
    expect(conflict.hasura.ops()).toEqual(['FindProject', 'MoveProject']);
    const broken = setUp(projectRow(), { destroy: () => Promise.reject(qoveryError('unavailable')) }, extra);
    await expect(deleteTask(broken.deps, task(deleting), caller(broken.log))).rejects.toMatchObject({
      kind: 'unavailable',
    });
  });

  it('looks a create that died before storing its environment up by name', async () => {
    const found = setUp(
      projectRow({ qovery_environment_id: null }),
      { findByName: async () => 'env-9', destroy: async () => 'deleting' },
      extra,
    );
    expect(await deleteTask(found.deps, task(deleting), caller(found.log))).toEqual({ kind: 'done' });
    expect(found.instances.calls.map((call) => call.slice(0, 2))).toEqual([
      ['findByName', 7],
      ['destroy', 'env-9'],
    ]);
    expect(found.hasura.requests[2]).toEqual({
      op: 'UpdateProject',
      variables: { id: 7, set: { qovery_environment_id: 'env-9' } },
      options: { deadline: DEADLINE },
    });
  });

  it('removes the row at once when no environment has its name', async () => {
    const { deps, hasura, instances, storage, log } = setUp(
      projectRow({ qovery_environment_id: null }),
      { findByName: async () => null },
      extra,
    );
    expect(await deleteTask(deps, task(deleting), caller(log))).toEqual({ kind: 'done' });
    expect(instances.called()).toEqual(['findByName']);
    expect(hasura.requests.slice(1)).toEqual([moved('QUEUED', 'DELETING', null), removed]);
    expect(storage.calls.map((call) => call[0])).toEqual(['remove']);
  });
});

describe('createTask', () => {
  const instance = {
    environmentId: 'env-7',
    url: 'https://x7.example.net',
    appwriteId: 'aw',
    mariadbId: 'db',
    redisId: 'rd',
  };
  const extra = {
    SaveProvisionedProject: { update_project_by_pk: { id: 7 } },
    RemoveProject: { delete_project_by_pk: { id: 7 } },
  };
  const creating = (over = {}) => task({ kind: 'create', ...over });
  const row = () => projectRow({ status: 'CREATING', status_reason: null, qovery_environment_id: null });
  const saved = {
    op: 'SaveProvisionedProject',
    variables: {
      id: 7,
      set: {
        status: 'STOPPED',
        url: 'https://x7.example.net',
        qovery_environment_id: 'env-7',
        qovery_appwrite_id: 'aw',
        qovery_mariadb_id: 'db',
        qovery_redis_id: 'rd',
      },
    },
    options: { deadline: DEADLINE },
  };

  it('ends without a call when the project is gone', async () => {
    const { deps, instances, storage, log } = setUp(null);
    expect(await createTask(deps, creating(), caller(log))).toEqual({ kind: 'done' });
    expect([instances.calls, storage.calls]).toEqual([[], []]);
  });

  it.each([
    ['whose worker died (retaken)', row(), { retaken: true }],
    ['whose owner is gone', projectRow({ status: 'CREATING', status_reason: null, user: null }), {}],
  ])('turns a create %s ERROR, creation interrupted', async (_case, found, over) => {
    const { deps, hasura, instances, storage, log } = setUp(found);
    const outcome = await createTask(deps, creating(over), caller(log));
    expect((outcome as { error: AppError }).error.message).toBe(reasons.creationInterrupted);
    expect(outcome.kind).toBe('failed');
    expect(hasura.requests[1]).toEqual(moved('CREATING', 'ERROR', reasons.creationInterrupted));
    expect([instances.calls, storage.calls]).toEqual([[], []]);
  });

  it('provisions the instance and its bucket within the task less the clean-up time, and records them', async () => {
    const { deps, hasura, instances, storage, log } = setUp(
      row(),
      { provision: async () => instance },
      extra,
    );
    expect(await createTask(deps, creating(), caller(log))).toEqual({ kind: 'done' });
    const within = { deadline: DEADLINE - 4000 };
    expect(storage.calls).toEqual([['create', { id: 7, bucket_stem: 'stem-7' }, within]]);
    expect(instances.calls).toEqual([
      ['provision', 7, { ownerEmail: 'ada@example.com', storage: expect.any(Promise) }, within],
    ]);
    expect(hasura.requests.slice(1)).toEqual([saved]);
  });

  it('keeps the configured clean-up time out of the task', async () => {
    const { deps, instances, log } = setUp(row(), { provision: async () => instance }, extra, {
      cleanupTimeoutMs: 1000,
    });
    await createTask(deps, creating(), caller(log));
    expect(instances.calls[0]?.[3]).toEqual({ deadline: DEADLINE - 1000 });
  });

  it('starts the new instance when a start was asked meanwhile', async () => {
    const { deps, hasura, instances, log } = setUp(
      row(),
      { provision: async () => instance, deploy: async () => undefined },
      extra,
    );
    expect(await createTask(deps, creating({ thenStart: true }), caller(log))).toEqual({ kind: 'done' });
    expect(instances.calls[1]?.slice(0, 2)).toEqual(['deploy', 'env-7']);
    expect(hasura.requests.slice(1)).toEqual([saved, moved('STOPPED', 'STARTING', null)]);
  });

  it('leaves the new instance STOPPED, with a warning, when its start fails', async () => {
    const { deps, hasura, log, lines } = setUp(
      row(),
      { provision: async () => instance, deploy: () => Promise.reject(qoveryError('conflict')) },
      extra,
    );
    expect(await createTask(deps, creating({ thenStart: true }), caller(log))).toEqual({ kind: 'done' });
    expect(hasura.ops()).toEqual(['FindProject', 'SaveProvisionedProject']);
    expect(lines).toEqual([
      ['warn', 'could not start a new instance', { projectId: 7, error: expect.any(QoveryError) }],
    ]);
  });

  it('rolls back and tries again later when Qovery is unavailable', async () => {
    const { deps, hasura, storage, instances, log, lines } = setUp(
      row(),
      { provision: () => Promise.reject(qoveryError('unavailable')) },
      extra,
    );
    expect(await createTask(deps, creating(), caller(log))).toEqual({ kind: 'later', retryAfterSeconds: 60 });
    expect(instances.called()).toEqual(['provision']);
    expect(storage.calls.map((call) => [call[0], call[2]])).toEqual([
      ['create', { deadline: DEADLINE - 4000 }],
      ['remove', { deadline: NOW + 4000 }],
    ]);
    expect(hasura.ops()).toEqual(['FindProject']);
    expect(lines).toEqual([
      ['info', 'rolled back a failed create', { projectId: 7, environmentId: undefined }],
    ]);
  });

  it('tries again when the budget says, or after a timeout', async () => {
    const exhausted = setUp(row(), {
      provision: () => Promise.reject(new QoveryBudgetExhausted('createEnvironment', 42)),
    });
    expect(await createTask(exhausted.deps, creating(), caller(exhausted.log))).toEqual({
      kind: 'later',
      retryAfterSeconds: 42,
    });
    const timeout = setUp(row(), { provision: () => Promise.reject(qoveryError('timeout')) });
    expect(await createTask(timeout.deps, creating(), caller(timeout.log))).toEqual({
      kind: 'later',
      retryAfterSeconds: 60,
    });
  });

  it('removes the environment too when the failure came after it was made', async () => {
    const { deps, instances, log, lines } = setUp(
      row(),
      { provision: async () => instance, destroy: async () => 'deleting' },
      { SaveProvisionedProject: qoveryError('unavailable') },
    );
    expect(await createTask(deps, creating(), caller(log))).toEqual({ kind: 'later', retryAfterSeconds: 60 });
    expect(instances.calls[1]).toEqual(['destroy', 'env-7', { deadline: NOW + 4000 }]);
    expect(lines).toEqual([
      ['info', 'rolled back a failed create', { projectId: 7, environmentId: 'env-7' }],
    ]);
  });

  it('says so when the roll-back fails', async () => {
    const failure = new Error('S3 down');
    const { deps, log, lines } = setUp(
      row(),
      { provision: async () => instance, destroy: () => Promise.reject(failure) },
      { SaveProvisionedProject: qoveryError('timeout') },
    );
    await createTask(deps, creating(), caller(log));
    expect(lines).toEqual([
      [
        'error',
        'could not roll back a failed create',
        { projectId: 7, environmentId: 'env-7', error: failure },
      ],
    ]);
  });

  it('waits for the bucket, made or not, before removing it', async () => {
    const order: string[] = [];
    const { deps, hasura, instances, log } = setUp(
      row(),
      { provision: () => Promise.reject(qoveryError('rejected')) },
      extra,
    );
    const storage = fakeStorage(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('bucket settled');
      throw new Error('bucket refused');
    });
    deps.storage = {
      ...storage.storage,
      remove: async (...args) => {
        order.push('remove');
        return storage.storage.remove(...args);
      },
    };
    const outcome = await createTask(deps, creating(), caller(log));
    expect(order).toEqual(['bucket settled', 'remove']);
    expect(outcome.kind).toBe('failed');
    expect(instances.called()).toEqual(['provision']);
    expect(hasura.ops()).toContain('MoveProject');
  });

  it('turns the row ERROR on any other failure, or removes it when an action waits for the answer', async () => {
    const queued = setUp(row(), { provision: () => Promise.reject(qoveryError('rejected')) }, extra);
    const outcome = await createTask(queued.deps, creating(), caller(queued.log));
    expect(outcome).toEqual({ kind: 'failed', error: expect.any(AppError) });
    expect((outcome as { error: AppError }).error.code).toBe('internal-error');
    expect(queued.hasura.requests.slice(1)).toEqual([
      moved('CREATING', 'ERROR', reasons.creationInterrupted),
    ]);

    const inline = setUp(row(), { provision: () => Promise.reject(qoveryError('conflict')) }, extra);
    const answer = await createTask(inline.deps, creating(), caller(inline.log, { inline: true }));
    expect((answer as { error: AppError }).error.code).toBe('infrastructure-conflict');
    expect(inline.hasura.requests.slice(1)).toEqual([
      { op: 'RemoveProject', variables: { id: 7 }, options: { deadline: NOW + 4000 } },
    ]);
  });

  it('says so when the row of a failed inline create could not be removed', async () => {
    const failure = new Error('Hasura down');
    const { deps, log, lines } = setUp(
      row(),
      { provision: () => Promise.reject(qoveryError('rejected')) },
      { RemoveProject: failure },
    );
    await createTask(deps, creating(), caller(log, { inline: true }));
    expect(lines).toContainEqual([
      'error',
      'could not remove the row of a failed CreateProject',
      { projectId: 7, error: failure },
    ]);
  });
});

describe('retryAfter', () => {
  it("takes the error's wait when it is a positive number, else a minute", () => {
    expect(retryAfter({ retryAfterSeconds: 42 })).toBe(42);
    expect(retryAfter({ retryAfterSeconds: 0.5 })).toBe(0.5);
    expect(retryAfter({ retryAfterSeconds: 0 })).toBe(60);
    expect(retryAfter({ retryAfterSeconds: -3 })).toBe(60);
    expect(retryAfter({ retryAfterSeconds: '42' })).toBe(60);
    expect(retryAfter(new Error('x'))).toBe(60);
  });
});
