import { AppError } from '../../../../lib/basics/errors';
import { reasons } from '../../../../lib/instances/lifecycle';
import {
  failureOf,
  MAX_ATTEMPTS,
  runReserved,
  runTask,
  settle,
} from '../../../../lib/instances/queue/run-task';
import type { ClaimedTask, Outcome, QueueDeps, TaskKind } from '../../../../lib/instances/queue/types';
import { QoveryError, type QoveryErrorKind } from '../../../../lib/platform/qovery/client';
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
 * lib/instances/queue/run-task.ts: how a task's outcome is classified, run on a reservation of its
 * cost, and recorded in the queue (on Hasura and an instance port faked in memory).
 */

const qoveryError = (kind: QoveryErrorKind) =>
  new QoveryError(kind, 'getEnvironmentStatus', 500, undefined, 1);
const AT = '2026-03-01T10:00:00.000Z';

function setUp(
  observe: () => Promise<unknown>,
  deps: Partial<QueueDeps> = {},
  answers: Record<string, unknown> = {},
) {
  const hasura = fakeHasura({
    FindProject: { project_by_pk: projectRow() },
    MoveProject: { update_project: { affected_rows: 1 } },
    FinishInstanceTask: {},
    ReleaseInstanceTask: {},
    ...answers,
  });
  const instances = fakeInstances({
    observe,
    deploy: async () => undefined,
    cancelDeployment: async () => true,
  });
  const { log, lines } = memoryLog();
  const all = {
    hasura: hasura.hasura,
    instances: instances.port,
    storage: fakeStorage().storage,
    maxProjectsPerUser: 3,
    requireEmailVerification: false,
    ...deps,
  } as QueueDeps;
  return { deps: all, hasura, instances, log, lines };
}

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});
afterEach(() => jest.restoreAllMocks());

describe('runTask: one outcome for every way a task ends', () => {
  it("runs the task's own operation", async () => {
    const started = setUp(async () => 'STOPPED');
    expect(await runTask(started.deps, task({ kind: 'start' }), caller(started.log))).toEqual({
      kind: 'done',
    });
    expect(started.instances.called()).toEqual(['observe', 'deploy']);
    const stopped = setUp(async () => 'DEPLOYING');
    expect(await runTask(stopped.deps, task({ kind: 'stop' }), caller(stopped.log))).toEqual({
      kind: 'done',
    });
    expect(stopped.instances.called()).toEqual(['observe', 'cancelDeployment']);
  });

  it('ends on a state the user must act on (project-failed)', async () => {
    // An environment removed outside: observeFor turns the row ERROR and throws project-failed.
    const { deps, log } = setUp(async () => 'GONE');
    const outcome = await runTask(deps, task(), caller(log));
    expect(outcome.kind).toBe('failed');
    expect((outcome as { error: AppError }).error).toMatchObject({
      code: 'project-failed',
      message: reasons.removedOutside,
    });
  });

  it('puts the task back when Qovery is unavailable or timed out', async () => {
    for (const kind of ['unavailable', 'timeout'] as const) {
      const { deps, log } = setUp(() => Promise.reject(qoveryError(kind)));
      expect(await runTask(deps, task(), caller(log))).toEqual({ kind: 'later', retryAfterSeconds: 60 });
    }
  });

  it('counts anything else as an unexpected failure, other AppErrors and Qovery refusals included', async () => {
    for (const error of [new AppError('not-found'), qoveryError('rejected'), new Error('Hasura down')]) {
      const { deps, log } = setUp(() => Promise.reject(error));
      expect(await runTask(deps, task(), caller(log))).toEqual({ kind: 'error', error });
    }
  });
});

describe('runReserved: a task on a reservation of its cost', () => {
  function budget(answer: () => Promise<unknown>) {
    const reservations: [number, unknown][] = [];
    const runs: string[] = [];
    return {
      reservations,
      runs,
      budget: {
        reserve: async (cost: number, options?: unknown) => {
          reservations.push([cost, options]);
          return answer();
        },
      } as unknown as QueueDeps['budget'],
      granted: {
        granted: true,
        run: async <T>(work: () => Promise<T>) => {
          runs.push('run');
          return work();
        },
      },
    };
  }

  it('runs at once without a budget', async () => {
    const { deps, log } = setUp(async () => 'STOPPED');
    expect(await runReserved(deps, task(), caller(log))).toEqual({ kind: 'done' });
  });

  it("reserves the task's cost, never waiting, and runs the task on it", async () => {
    const fake = budget(async () => fake.granted);
    const { deps, log, instances } = setUp(async () => 'STOPPED', { budget: fake.budget });
    expect(
      await runReserved(deps, task({ kind: 'create', thenStart: true, retaken: true }), caller(log)),
    ).toMatchObject({
      kind: 'failed',
    });
    expect(await runReserved(deps, task({ kind: 'start' }), caller(log))).toEqual({ kind: 'done' });
    expect(fake.reservations).toEqual([
      [31, { deadline: NOW + 1999 }],
      [2, { deadline: NOW + 1999 }],
    ]);
    expect(fake.runs).toEqual(['run', 'run']);
    expect(instances.called()).toEqual(['observe', 'deploy']);
  });

  it('answers nothing when the budget refuses, without running the task', async () => {
    const fake = budget(async () => ({ granted: false, retryAfterSeconds: 30 }));
    const { deps, log, instances } = setUp(async () => 'STOPPED', { budget: fake.budget });
    expect(await runReserved(deps, task(), caller(log))).toBeUndefined();
    expect(instances.calls).toEqual([]);
  });

  it('takes a budget that did not answer for a refusal, and says so', async () => {
    const failure = new Error('Hasura timed out');
    const fake = budget(() => Promise.reject(failure));
    const { deps, log, lines, instances } = setUp(async () => 'STOPPED', { budget: fake.budget });
    expect(await runReserved(deps, task(), caller(log))).toBeUndefined();
    expect(instances.calls).toEqual([]);
    expect(lines).toEqual([['warn', 'queue.reserve-failed', { taskId: 41, error: failure }]]);
  });
});

describe('settle: the outcome recorded in the queue', () => {
  const on = { deadline: DEADLINE };
  const finished = (taskId = 41) => ({
    op: 'FinishInstanceTask',
    variables: { at: AT, perHour: 900, ownerPerHour: null, taskId },
    options: on,
  });
  const released = (mode: string, retryAfterSeconds: number) => ({
    op: 'ReleaseInstanceTask',
    variables: { at: AT, perHour: 900, ownerPerHour: null, taskId: 41, mode, retryAfterSeconds },
    options: on,
  });

  it('takes a task done or failed out of the queue', async () => {
    for (const outcome of [
      { kind: 'done' },
      { kind: 'failed', error: new AppError('project-failed') },
    ] as Outcome[]) {
      const { deps, hasura, log } = setUp(async () => 'STOPPED');
      await settle(deps, task(), outcome, caller(log));
      expect(hasura.requests).toEqual([finished()]);
    }
  });

  it('puts a task back for later after whole seconds', async () => {
    const { deps, hasura, log, lines } = setUp(async () => 'STOPPED');
    await settle(deps, task(), { kind: 'later', retryAfterSeconds: 12.2 }, caller(log));
    expect(hasura.requests).toEqual([released('later', 13)]);
    expect(lines).toEqual([]);
  });

  it('logs an unexpected failure and tries again in a minute, counted', async () => {
    const error = new Error('Hasura down');
    const { deps, hasura, log, lines } = setUp(async () => 'STOPPED');
    await settle(deps, task({ attempts: MAX_ATTEMPTS - 1 }), { kind: 'error', error }, caller(log));
    expect(hasura.requests).toEqual([released('error', 60)]);
    expect(lines).toEqual([
      ['error', 'queue.task-failed', { taskId: 41, projectId: 7, kind: 'start', attempts: 4, error }],
    ]);
  });

  it.each([
    ['create', reasons.creationInterrupted],
    ['start', reasons.deploymentFailed],
    ['stop', reasons.stopFailed],
    ['delete', reasons.deletionFailed],
  ] as [TaskKind, string][])(
    'gives a %s up after 5 attempts: the row says what did not happen',
    async (kind, reason) => {
      expect(MAX_ATTEMPTS).toBe(5);
      const { deps, hasura, log } = setUp(async () => 'STOPPED');
      await settle(deps, task({ kind, attempts: 5 }), { kind: 'error', error: new Error('x') }, caller(log));
      expect(hasura.requests).toEqual([
        { op: 'FindProject', variables: { id: 7 }, options: on },
        { op: 'MoveProject', variables: { id: 7, from: 'QUEUED', status: 'ERROR', reason }, options: on },
        finished(),
      ]);
    },
  );

  it('finishes a task given up whose project is gone', async () => {
    const { deps, hasura, log } = setUp(async () => 'STOPPED', {}, { FindProject: { project_by_pk: null } });
    await settle(
      deps,
      task({ attempts: 6 } as Partial<ClaimedTask>),
      { kind: 'error', error: 1 },
      caller(log),
    );
    expect(hasura.ops()).toEqual(['FindProject', 'FinishInstanceTask']);
  });
});

describe('failureOf: what an action that ran its own task throws', () => {
  it('throws the error of a failed or unexpected outcome, nothing otherwise', () => {
    const failed = new AppError('project-failed');
    expect(failureOf({ kind: 'failed', error: failed })).toBe(failed);
    expect(failureOf({ kind: 'error', error: 'boom' })).toBe('boom');
    expect(failureOf({ kind: 'done' })).toBeUndefined();
    expect(failureOf({ kind: 'later', retryAfterSeconds: 5 })).toBeUndefined();
  });
});
