import { costOf } from '../../../../lib/instances/queue/costs';
import { claim, enqueue, finish, release } from '../../../../lib/instances/queue/store';
import type { QueueDeps } from '../../../../lib/instances/queue/types';
import { fakeHasura, NOW } from './fakes';

/**
 * The queue's steps as lib/instances/queue/store.ts sends them to Hasura (each one mutation whose
 * trigger does the work: tests/integration/instances/queue.test.ts runs them on the real triggers),
 * and what it makes of the answers; the cost each kind of task reserves (costs.ts).
 */

const AT = '2026-03-01T10:00:00.000Z';
const on = { deadline: NOW + 5000 };

function depsWith(answers: Record<string, unknown>, requestsPerHour?: number) {
  const fake = fakeHasura(answers);
  const deps = { hasura: fake.hasura, ...(requestsPerHour ? { requestsPerHour } : {}) } as QueueDeps;
  return { deps, ...fake };
}

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});
afterEach(() => jest.restoreAllMocks());

describe('enqueue', () => {
  const request = { projectId: 7, ownerId: 3, kind: 'start' as const, cost: 2 };
  const answering = (row: unknown, perHour?: number) =>
    depsWith({ EnqueueInstanceTask: { insert_instance_queue_op_one: row } }, perHour);

  it('records the task at this instant against the hourly budget (900 by default), within the deadline', async () => {
    const { deps, requests } = answering({ outcome: 'queued', task_id: '12', head: true, ahead: 0 });
    await enqueue(deps, request, on);
    expect(requests).toEqual([
      {
        op: 'EnqueueInstanceTask',
        variables: {
          at: AT,
          perHour: 900,
          ownerPerHour: null,
          projectId: 7,
          ownerId: 3,
          kind: 'start',
          cost: 2,
        },
        options: on,
      },
    ]);
    const configured = answering({ outcome: 'queued', task_id: 1, head: false, ahead: 0 }, 120);
    await enqueue(configured.deps, request, on);
    expect(configured.requests[0]?.variables.perHour).toBe(120);
  });

  it('answers a queued task with its id, whether it is the head, and how many are ahead', async () => {
    expect(
      await enqueue(answering({ outcome: 'queued', task_id: '12', head: true, ahead: 0 }).deps, request, on),
    ).toEqual({ outcome: 'queued', taskId: 12, head: true, ahead: 0 });
    expect(
      await enqueue(answering({ outcome: 'queued', task_id: 13, head: false, ahead: 4 }).deps, request, on),
    ).toEqual({ outcome: 'queued', taskId: 13, head: false, ahead: 4 });
    // Hasura's nulls: not the head, nothing counted ahead.
    expect(
      await enqueue(answering({ outcome: 'queued', task_id: 14, head: null, ahead: null }).deps, request, on),
    ).toEqual({ outcome: 'queued', taskId: 14, head: false, ahead: 0 });
  });

  it('answers a removed create and a project being deleted as they are', async () => {
    expect(await enqueue(answering({ outcome: 'removed', task_id: null }).deps, request, on)).toEqual({
      outcome: 'removed',
    });
    expect(await enqueue(answering({ outcome: 'deleting', task_id: null }).deps, request, on)).toEqual({
      outcome: 'deleting',
    });
  });

  it('fails when Hasura answers no row', async () => {
    await expect(enqueue(answering(null).deps, request, on)).rejects.toThrow(
      'Hasura returned no row for insert_instance_queue_op_one',
    );
  });
});

describe('claim', () => {
  const claimed = {
    outcome: 'claimed',
    claimed_id: '41',
    claimed_project_id: 7,
    claimed_owner_id: 3,
    claimed_kind: 'create',
    claimed_then_start: true,
    claimed_cost: 31,
    claimed_attempts: 2,
    claimed_retaken: true,
  };
  const answering = (row: unknown, perHour?: number) =>
    depsWith({ ClaimInstanceTask: { insert_instance_queue_op_one: row } }, perHour);

  it('takes the head under a lease in whole seconds, at least one', async () => {
    const { deps, requests } = answering(claimed);
    await claim(deps, { leaseUntil: NOW + 30_001, deadline: NOW + 5000 });
    await claim(deps, { leaseUntil: NOW + 200, taskId: 41, deadline: NOW + 5000 });
    await claim(deps, { leaseUntil: NOW - 5000, deadline: NOW + 5000 });
    expect(requests).toEqual([
      {
        op: 'ClaimInstanceTask',
        variables: { at: AT, perHour: 900, ownerPerHour: null, leaseSeconds: 31, taskId: null },
        options: on,
      },
      {
        op: 'ClaimInstanceTask',
        variables: { at: AT, perHour: 900, ownerPerHour: null, leaseSeconds: 1, taskId: 41 },
        options: on,
      },
      {
        op: 'ClaimInstanceTask',
        variables: { at: AT, perHour: 900, ownerPerHour: null, leaseSeconds: 1, taskId: null },
        options: on,
      },
    ]);
    const configured = answering(claimed, 60);
    await claim(configured.deps, { leaseUntil: NOW + 2000, deadline: NOW + 5000 });
    expect(configured.requests[0]?.variables).toMatchObject({ perHour: 60, leaseSeconds: 2 });
  });

  it('answers the claimed task', async () => {
    expect(await claim(answering(claimed).deps, { leaseUntil: NOW + 1000, deadline: NOW })).toEqual({
      id: 41,
      projectId: 7,
      ownerId: 3,
      kind: 'create',
      thenStart: true,
      cost: 31,
      attempts: 2,
      retaken: true,
    });
    const plain = { ...claimed, claimed_then_start: null, claimed_retaken: false };
    expect(await claim(answering(plain).deps, { leaseUntil: NOW + 1000, deadline: NOW })).toMatchObject({
      thenStart: false,
      retaken: false,
    });
    const unset = { ...claimed, claimed_then_start: false, claimed_retaken: null };
    expect(await claim(answering(unset).deps, { leaseUntil: NOW + 1000, deadline: NOW })).toMatchObject({
      thenStart: false,
      retaken: false,
    });
  });

  it('answers nothing when nothing was claimed', async () => {
    const nothing = async (row: unknown) =>
      claim(answering(row).deps, { leaseUntil: NOW + 1000, deadline: NOW });
    expect(await nothing(null)).toBeUndefined();
    expect(await nothing({ outcome: 'empty', claimed_id: null })).toBeUndefined();
    expect(await nothing({ ...claimed, outcome: 'empty' })).toBeUndefined();
    expect(await nothing({ ...claimed, claimed_id: null })).toBeUndefined();
    expect(await nothing({ ...claimed, claimed_id: undefined })).toBeUndefined();
  });
});

describe('release and finish', () => {
  it('puts a task back in a mode, after a wait', async () => {
    const { deps, requests } = depsWith({
      ReleaseInstanceTask: { insert_instance_queue_op_one: { outcome: 'x' } },
    });
    await release(deps, 41, 'later', 30, on);
    await release(deps, 42, 'refused', null, on);
    expect(requests).toEqual([
      {
        op: 'ReleaseInstanceTask',
        variables: {
          at: AT,
          perHour: 900,
          ownerPerHour: null,
          taskId: 41,
          mode: 'later',
          retryAfterSeconds: 30,
        },
        options: on,
      },
      {
        op: 'ReleaseInstanceTask',
        variables: {
          at: AT,
          perHour: 900,
          ownerPerHour: null,
          taskId: 42,
          mode: 'refused',
          retryAfterSeconds: null,
        },
        options: on,
      },
    ]);
    const configured = depsWith({ ReleaseInstanceTask: {} }, 60);
    await release(configured.deps, 41, 'error', 60, on);
    expect(configured.requests[0]?.variables.perHour).toBe(60);
  });

  it('takes a finished task out of the queue', async () => {
    const { deps, requests } = depsWith({ FinishInstanceTask: {} });
    await finish(deps, 41, on);
    expect(requests).toEqual([
      {
        op: 'FinishInstanceTask',
        variables: { at: AT, perHour: 900, ownerPerHour: null, taskId: 41 },
        options: on,
      },
    ]);
    const configured = depsWith({ FinishInstanceTask: {} }, 60);
    await finish(configured.deps, 41, on);
    expect(configured.requests[0]?.variables.perHour).toBe(60);
  });
});

describe("each step and the owner's share", () => {
  it('sends QOVERY_REQUESTS_PER_OWNER_PER_HOUR with every step when it is set, and null (no share) when not', async () => {
    const answers = {
      EnqueueInstanceTask: {
        insert_instance_queue_op_one: { outcome: 'queued', task_id: 1, head: false, ahead: 0 },
      },
      ClaimInstanceTask: { insert_instance_queue_op_one: { outcome: 'none' } },
      ReleaseInstanceTask: {},
      FinishInstanceTask: {},
    };
    const fake = fakeHasura(answers);
    const deps = { hasura: fake.hasura, requestsPerOwnerPerHour: 60 } as QueueDeps;
    await enqueue(deps, { projectId: 7, ownerId: 3, kind: 'start', cost: 2 }, on);
    await claim(deps, { leaseUntil: NOW + 1000, deadline: NOW + 5000 });
    await release(deps, 41, 'refused', null, on);
    await finish(deps, 41, on);
    expect(fake.requests.map((r) => [r.op, r.variables.ownerPerHour])).toEqual([
      ['EnqueueInstanceTask', 60],
      ['ClaimInstanceTask', 60],
      ['ReleaseInstanceTask', 60],
      ['FinishInstanceTask', 60],
    ]);
  });
});

describe('costOf: the Qovery requests each kind of task reserves', () => {
  it("counts a create as the blueprint's 30 requests, or the configured cost, and one more to start it", () => {
    expect(costOf({}, 'create')).toBe(30);
    expect(costOf({}, 'create', true)).toBe(31);
    expect(costOf({ createCost: 4 }, 'create')).toBe(4);
    expect(costOf({ createCost: 4 }, 'create', true)).toBe(5);
  });

  it('counts two requests for a start, a stop and a delete', () => {
    expect(costOf({}, 'start')).toBe(2);
    expect(costOf({}, 'stop')).toBe(2);
    expect(costOf({}, 'delete')).toBe(2);
    // thenStart concerns a create only.
    expect(costOf({}, 'start', true)).toBe(2);
  });
});
