import { AppError } from '../../../../lib/basics/errors';
import { submit } from '../../../../lib/instances/queue/submit';
import type { QueueDeps } from '../../../../lib/instances/queue/types';
import { TASK_MS, work } from '../../../../lib/instances/queue/worker';
import { QoveryError } from '../../../../lib/platform/qovery/client';
import { DEADLINE, fakeHasura, fakeInstances, fakeStorage, memoryLog, NOW, projectRow } from './fakes';

/**
 * How an action submits its request (lib/instances/queue/submit.ts) and how the scheduled worker
 * drains the queue (worker.ts), on Hasura, the budget and an instance port faked in memory. The
 * real triggers and the fair order are tests/integration/instances/queue.test.ts's.
 */

const claimedRow = (id: number, over: Record<string, unknown> = {}) => ({
  outcome: 'claimed',
  claimed_id: id,
  claimed_project_id: 7,
  claimed_owner_id: 3,
  claimed_kind: 'start',
  claimed_then_start: false,
  claimed_cost: 2,
  claimed_attempts: 0,
  claimed_retaken: false,
  ...over,
});

/** Answers the claims in turn, then an empty queue. */
function claims(...rows: unknown[]) {
  return () => ({ insert_instance_queue_op_one: rows.shift() ?? { outcome: 'empty', claimed_id: null } });
}

function budgetSaying(granted: boolean) {
  const reserved: number[] = [];
  const budget = {
    reserve: async (cost: number) => {
      reserved.push(cost);
      return granted
        ? { granted: true, run: <T>(work: () => Promise<T>) => work() }
        : { granted: false, retryAfterSeconds: 30 };
    },
  } as unknown as QueueDeps['budget'];
  return { budget, reserved };
}

function setUp(
  answers: Record<string, unknown>,
  observe: () => Promise<unknown> = async () => 'STOPPED',
  over: Partial<QueueDeps> = {},
  port: Parameters<typeof fakeInstances>[0] = {},
) {
  const hasura = fakeHasura({
    FindProject: { project_by_pk: projectRow() },
    MoveProject: { update_project: { affected_rows: 1 } },
    FinishInstanceTask: {},
    ReleaseInstanceTask: {},
    RemoveProject: {},
    ...answers,
  });
  const instances = fakeInstances({ observe, deploy: async () => undefined, ...port });
  const { log, lines } = memoryLog();
  const deps = {
    hasura: hasura.hasura,
    instances: instances.port,
    storage: fakeStorage().storage,
    maxProjectsPerUser: 3,
    requireEmailVerification: false,
    ...over,
  } as QueueDeps;
  return { deps, hasura, instances, log, lines };
}

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});
afterEach(() => jest.restoreAllMocks());

describe('submit: an action records its request, and runs it when nothing is ahead', () => {
  const enqueued = (row: unknown) => ({ EnqueueInstanceTask: { insert_instance_queue_op_one: row } });
  const head = { outcome: 'queued', task_id: 41, head: true, ahead: 0 };
  const request = { projectId: 7, ownerId: 3, kind: 'start' as const };

  it("records the request with its kind's cost", async () => {
    const { deps, hasura, log } = setUp(enqueued({ outcome: 'queued', task_id: 41, head: false, ahead: 2 }));
    expect(await submit(deps, request, { userId: 3, deadline: DEADLINE, log })).toBe('queued');
    await submit(deps, { ...request, kind: 'create' }, { userId: 3, deadline: DEADLINE, log });
    expect(hasura.requests.map((r) => [r.op, r.variables.kind, r.variables.cost])).toEqual([
      ['EnqueueInstanceTask', 'start', 2],
      ['EnqueueInstanceTask', 'create', 30],
    ]);
  });

  it.each(['removed', 'deleting'])('answers %s without running anything', async (outcome) => {
    const { deps, hasura, log } = setUp(enqueued({ outcome, task_id: null }));
    expect(await submit(deps, request, { userId: 3, deadline: DEADLINE, log })).toBe(outcome);
    expect(hasura.ops()).toEqual(['EnqueueInstanceTask']);
  });

  it("claims its own task, leased past the action's deadline, and runs it: done", async () => {
    const { deps, hasura, instances, log } = setUp({
      ...enqueued(head),
      ClaimInstanceTask: claims(claimedRow(41)),
    });
    expect(await submit(deps, request, { userId: 3, deadline: DEADLINE, log })).toBe('done');
    expect(hasura.requests[1]?.variables).toMatchObject({ taskId: 41, leaseSeconds: 55 });
    expect(hasura.requests[1]?.options).toEqual({ deadline: DEADLINE });
    expect(instances.called()).toEqual(['observe', 'deploy']);
    expect(hasura.ops().at(-1)).toBe('FinishInstanceTask');
  });

  it('stays queued when its task could not be claimed', async () => {
    const { deps, hasura, log } = setUp({
      ...enqueued(head),
      ClaimInstanceTask: claims({ outcome: 'empty' }),
    });
    expect(await submit(deps, request, { userId: 3, deadline: DEADLINE, log })).toBe('queued');
    expect(hasura.ops()).toEqual(['EnqueueInstanceTask', 'ClaimInstanceTask']);
  });

  it('gives its task back, keeping its place, when the budget has no room', async () => {
    const { budget, reserved } = budgetSaying(false);
    const { deps, hasura, instances, log } = setUp(
      { ...enqueued(head), ClaimInstanceTask: claims(claimedRow(41)) },
      undefined,
      { budget },
    );
    expect(await submit(deps, request, { userId: 3, deadline: DEADLINE, log })).toBe('queued');
    expect(reserved).toEqual([2]);
    expect(instances.calls).toEqual([]);
    expect(hasura.requests.at(-1)).toMatchObject({
      op: 'ReleaseInstanceTask',
      variables: { taskId: 41, mode: 'refused', retryAfterSeconds: null },
      options: { deadline: DEADLINE },
    });
  });

  it('stays queued when its task must wait (put back for later)', async () => {
    const { deps, hasura, log } = setUp(
      { ...enqueued(head), ClaimInstanceTask: claims(claimedRow(41)) },
      async () => 'STOPPING',
    );
    expect(await submit(deps, request, { userId: 3, deadline: DEADLINE, log })).toBe('queued');
    expect(hasura.requests.at(-1)).toMatchObject({ op: 'ReleaseInstanceTask', variables: { mode: 'later' } });
  });

  it('throws what the user must act on, and an unexpected failure, once the task is settled', async () => {
    const gone = setUp({ ...enqueued(head), ClaimInstanceTask: claims(claimedRow(41)) }, async () => 'GONE');
    await expect(
      submit(gone.deps, request, { userId: 3, deadline: DEADLINE, log: gone.log }),
    ).rejects.toMatchObject({
      code: 'project-failed',
    });
    expect(gone.hasura.ops().at(-1)).toBe('FinishInstanceTask');

    const failure = new Error('Hasura down');
    const broken = setUp({ ...enqueued(head), ClaimInstanceTask: claims(claimedRow(41)) }, () =>
      Promise.reject(failure),
    );
    await expect(
      submit(broken.deps, request, { userId: 3, deadline: DEADLINE, log: broken.log }),
    ).rejects.toBe(failure);
    expect(broken.hasura.requests.at(-1)).toMatchObject({
      op: 'ReleaseInstanceTask',
      variables: { mode: 'error' },
    });
  });

  it('runs its task inline: a failed create leaves no row', async () => {
    const { deps, hasura, log } = setUp(
      { ...enqueued(head), ClaimInstanceTask: claims(claimedRow(41, { claimed_kind: 'create' })) },
      undefined,
      {},
      {
        provision: () => Promise.reject(new QoveryError('rejected', 'createEnvironment', 400, undefined, 1)),
      },
    );
    const thrown = await submit(
      deps,
      { ...request, kind: 'create' },
      { userId: 3, deadline: DEADLINE, log },
    ).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(AppError);
    expect(hasura.ops()).toContain('RemoveProject');
    expect(hasura.ops()).not.toContain('MoveProject');
  });
});

describe('work: the scheduled worker', () => {
  it('claims until the queue is empty, each task leased past its own deadline, and counts what it did', async () => {
    const deadline = NOW + 60_000;
    const { deps, hasura, instances, log, lines } = setUp({
      ClaimInstanceTask: claims(claimedRow(1), claimedRow(2, { claimed_owner_id: 5 })),
    });
    expect(await work(deps, { deadline, log, parallel: 1 })).toEqual({
      done: 2,
      putBack: 0,
      stopped: 'empty',
    });
    const claimsSent = hasura.requests.filter((r) => r.op === 'ClaimInstanceTask');
    expect(claimsSent.map((r) => [r.variables.leaseSeconds, r.variables.taskId, r.options])).toEqual([
      [55, null, { deadline }],
      [55, null, { deadline }],
      [55, null, { deadline }],
    ]);
    // Each task runs for its owner, within TASK_MS.
    expect(TASK_MS).toBe(25_000);
    expect(instances.calls.filter((call) => call[0] === 'deploy').map((call) => call[2])).toEqual([
      { userId: 3, deadline: NOW + 25_000, log, inline: false },
      { userId: 5, deadline: NOW + 25_000, log, inline: false },
    ]);
    expect(lines.filter((line) => line[1] === 'queue.work')).toEqual([
      ['info', 'queue.work', { done: 2, putBack: 0, stopped: 'empty' }],
    ]);
  });

  it("keeps a task's deadline within the worker's", async () => {
    const { deps, hasura, instances, log } = setUp({ ClaimInstanceTask: claims(claimedRow(1)) });
    await work(deps, { deadline: NOW + 10_000, log, parallel: 1 });
    expect(hasura.requests.find((r) => r.op === 'ClaimInstanceTask')?.variables.leaseSeconds).toBe(40);
    expect(instances.calls.find((call) => call[0] === 'deploy')?.[2]).toMatchObject({
      deadline: NOW + 10_000,
    });
  });

  it('counts tasks put back (busy, or failed unexpectedly) apart from those done or failed', async () => {
    const states = ['STOPPING', 'GONE', 'broken', 'STOPPED'];
    const { deps, log } = setUp(
      { ClaimInstanceTask: claims(claimedRow(1), claimedRow(2), claimedRow(3), claimedRow(4)) },
      async () => {
        const state = states.shift();
        if (state === 'broken') throw new Error('Hasura down');
        return state;
      },
    );
    expect(await work(deps, { deadline: NOW + 60_000, log, parallel: 1 })).toEqual({
      done: 2,
      putBack: 2,
      stopped: 'empty',
    });
  });

  it('stops when the budget refuses the head, which keeps its place', async () => {
    const { budget } = budgetSaying(false);
    const deadline = NOW + 60_000;
    const { deps, hasura, instances, log } = setUp(
      { ClaimInstanceTask: claims(claimedRow(1), claimedRow(2)) },
      undefined,
      { budget },
    );
    expect(await work(deps, { deadline, log, parallel: 1 })).toEqual({
      done: 0,
      putBack: 0,
      stopped: 'budget',
    });
    expect(instances.calls).toEqual([]);
    expect(hasura.requests.slice(1)).toEqual([
      {
        op: 'ReleaseInstanceTask',
        variables: expect.objectContaining({ taskId: 1, mode: 'refused', retryAfterSeconds: null }),
        options: { deadline },
      },
    ]);
  });

  it('begins no task with less than 8 s left', async () => {
    const short = setUp({ ClaimInstanceTask: claims(claimedRow(1)) });
    expect(await work(short.deps, { deadline: NOW + 7999, log: short.log })).toEqual({
      done: 0,
      putBack: 0,
      stopped: 'time',
    });
    expect(short.hasura.requests).toEqual([]);
    expect(short.lines).toEqual([['info', 'queue.work', { done: 0, putBack: 0, stopped: 'time' }]]);
    const enough = setUp({ ClaimInstanceTask: claims() });
    await work(enough.deps, { deadline: NOW + 8000, log: enough.log, parallel: 1 });
    expect(enough.hasura.ops()).toEqual(['ClaimInstanceTask']);
  });

  it('stops on time once the clock passes the last start', async () => {
    const { deps, log } = setUp({ ClaimInstanceTask: claims(claimedRow(1), claimedRow(2)) });
    const clock = jest.spyOn(Date, 'now');
    // The first task takes the worker to 1 ms short of the last start.
    let ticks = 0;
    clock.mockImplementation(() => (ticks++ < 3 ? NOW : NOW + 2001));
    expect(await work(deps, { deadline: NOW + 10_000, log, parallel: 1 })).toEqual({
      done: 1,
      putBack: 0,
      stopped: 'time',
    });
  });

  it('stops the other loop once one finds the queue empty', async () => {
    const { deps, hasura, log } = setUp({ ClaimInstanceTask: claims(claimedRow(1)) });
    expect(await work(deps, { deadline: NOW + 60_000, log, parallel: 2 })).toEqual({
      done: 1,
      putBack: 0,
      stopped: 'empty',
    });
    // The loop that ran task 1 claims no more.
    expect(hasura.ops().filter((op) => op === 'ClaimInstanceTask')).toHaveLength(2);
  });

  it('stops the other loop once the budget refused one', async () => {
    let grants = 1;
    const budget = {
      reserve: async () =>
        grants-- > 0
          ? { granted: true, run: <T>(run: () => Promise<T>) => run() }
          : { granted: false, retryAfterSeconds: 30 },
    } as unknown as QueueDeps['budget'];
    const { deps, hasura, log } = setUp(
      { ClaimInstanceTask: claims(claimedRow(1), claimedRow(2), claimedRow(3)) },
      undefined,
      { budget },
    );
    expect(await work(deps, { deadline: NOW + 60_000, log, parallel: 2 })).toEqual({
      done: 1,
      putBack: 0,
      stopped: 'budget',
    });
    expect(hasura.ops().filter((op) => op === 'ClaimInstanceTask')).toHaveLength(2);
  });

  it('runs two loops side by side by default, at least one', async () => {
    const two = setUp({ ClaimInstanceTask: claims() });
    await work(two.deps, { deadline: NOW + 60_000, log: two.log });
    expect(two.hasura.ops()).toEqual(['ClaimInstanceTask', 'ClaimInstanceTask']);
    const one = setUp({ ClaimInstanceTask: claims() });
    await work(one.deps, { deadline: NOW + 60_000, log: one.log, parallel: 0 });
    expect(one.hasura.ops()).toEqual(['ClaimInstanceTask']);
  });
});
