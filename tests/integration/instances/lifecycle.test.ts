import type { StateEnum } from 'qovery-typescript-axios';
import { createLogger } from '../../../lib/basics/log';
import { busy, phaseOf, reasons, statusFor } from '../../../lib/instances/lifecycle';
import type { Caller } from '../../../lib/instances/projects';
import { createReconciler } from '../../../lib/instances/reconciler';
import type { ProjectStatus } from '../../../lib/instances/status';
import { createQoveryClient } from '../../../lib/platform/qovery/client';
import type { QoveryStandIn } from '../../../sandbox/qovery';
import type { TestHasura } from '../../helpers/hasura';
import { memoryStorage } from '../../helpers/instance';
import { outcome } from '../../helpers/outcome';
import {
  closeStandIns,
  QOVERY_PROJECT,
  QOVERY_TOKEN,
  resetStandIns,
  standInInstances,
  standInProjects,
  startStandIns,
} from '../../helpers/stand-ins';
import { eventually } from '../../helpers/wait';

/**
 * Every cell of the state machine of docs/lifecycle.md: each situation (row status · Qovery state)
 * × each action, against the Hasura and Qovery stand-ins. The test names carry the table's numbers.
 */

const log = createLogger({ level: 'silent' });

let hasura: TestHasura;
let qovery: QoveryStandIn;

beforeAll(async () => {
  ({ hasura, qovery } = await startStandIns());
});
afterAll(() => closeStandIns({ hasura, qovery }));
beforeEach(() => resetStandIns({ hasura, qovery }));

const instances = () => standInInstances(qovery);
const projects = () => standInProjects({ hasura, qovery });
const reconciler = () =>
  createReconciler({ hasura: hasura.client, instances: instances(), storage: memoryStorage(), log });

const ada = (budgetMs = 20_000): Caller => ({ userId: 1, deadline: Date.now() + budgetMs, log });
const row = async () =>
  (
    await hasura.db.query<{ status: ProjectStatus; status_reason: string | null }>(
      'SELECT status, status_reason FROM project WHERE id = 1',
    )
  ).rows[0];

type Action = 'start' | 'stop' | 'remove' | 'status';
type Situation = () => Promise<void>;

/** A project (id 1) whose row says `status` and whose environment is in Qovery state `state`. */
function instance(state: StateEnum | 'GONE', status: ProjectStatus, reason: string | null = null): Situation {
  return async () => {
    await projects().create('p', ada());
    const environment = [...qovery.state.environments.values()][0];
    if (!environment) throw new Error('no environment');
    if (state === 'GONE') qovery.state.environments.delete(environment.resource.id);
    else environment.state = state;
    await hasura.db.query('UPDATE project SET status = $1, status_reason = $2', [status, reason]);
  };
}

/**
 * A row with no environment id: a create the queue is running (its task under a lease), or one
 * that died `ageMinutes` ago (its task gone).
 */
function creating(ageMinutes: number, status: ProjectStatus = 'CREATING', reason: string | null = null) {
  return async () => {
    await hasura.db.query(
      `INSERT INTO project (owner_id, name, slot, status, status_reason, created_at)
       VALUES (1, 'p', 1, $1, $2, now() - make_interval(mins => $3))`,
      [status, reason, ageMinutes],
    );
    await hasura.db.query(
      `UPDATE project SET status_changed_at = now() - make_interval(mins => $1) WHERE id = 1`,
      [ageMinutes],
    );
    if (ageMinutes === 0)
      await hasura.db.query(
        `INSERT INTO instance_task (project_id, owner_id, kind, cost, state, queued_at, started_at, lease_until)
         VALUES (1, 1, 'create', 30, 'running', now(), now(), now() + interval '1 minute')`,
      );
  };
}

const queued = async () =>
  (await hasura.rows<{ kind: string }>(`SELECT kind FROM instance_task WHERE state = 'queued'`)).map(
    (t) => t.kind,
  );

interface Expectation {
  /** 'ok' or the error code. */
  outcome: string;
  /** The row afterwards, or 'removed'. */
  row: ProjectStatus | 'removed';
  reason?: string | null;
  /** The changing Qovery calls made, in order of first use. */
  calls?: string[];
}

const callKind = (method: string, path: string): string | undefined => {
  if (method === 'DELETE') return 'delete';
  if (method !== 'POST') return undefined;
  if (path.endsWith('/deploy')) return 'deploy';
  if (path.endsWith('/stop')) return 'stop';
  if (path.endsWith('/cancelDeployment')) return 'cancel';
  return undefined;
};

async function check(
  situation: Situation,
  action: Action,
  expected: Expectation,
  extra: { budgetMs?: number; before?: () => void } = {},
) {
  await situation();
  qovery.calls.length = 0;
  extra.before?.();
  const before = await row();
  expect(await outcome(projects()[action](1, ada(extra.budgetMs)))).toBe(expected.outcome);
  if (action === 'status') {
    // ProjectStatus reads the row as it is, with no Qovery call; the reconciler keeps it true.
    expect(qovery.calls).toEqual([]);
    expect(await row()).toEqual(before);
    await reconciler().run({ deadline: Date.now() + 10_000 });
  }
  const after = await row();
  expect(after?.status ?? 'removed').toBe(expected.row);
  if (expected.reason !== undefined) expect(after?.status_reason).toBe(expected.reason);
  if (expected.calls) {
    const kinds = qovery.calls.map((c) => callKind(c.method, c.path)).filter((k) => k !== undefined);
    expect([...new Set(kinds)]).toEqual(expected.calls);
  }
}

const none: string[] = [];

describe('1. CREATING, the queue running its create', () => {
  const s = creating(0);
  it.each([
    ['start', 'start'],
    ['stop', 'stop'],
    ['remove', 'delete'],
  ] as const)('%s: ok, queued after the create, no Qovery call', async (action, kind) => {
    await check(s, action, { outcome: 'ok', row: 'CREATING', calls: none });
    expect(qovery.calls).toEqual([]);
    expect(await queued()).toEqual([kind]);
  });
  it('status: CREATING, no Qovery call', async () => {
    await check(s, 'status', { outcome: 'ok', row: 'CREATING', calls: none });
  });
});

describe('0. QUEUED, a create waiting its turn', () => {
  const s = async () => {
    await hasura.db.query(
      `INSERT INTO project (owner_id, name, slot, status) VALUES (1, 'p', 1, 'CREATING')`,
    );
    await hasura.db.query(
      `INSERT INTO instance_task (project_id, owner_id, kind, cost, queued_at) VALUES (1, 1, 'create', 30, now())`,
    );
    await hasura.db.query(`UPDATE project SET status = 'QUEUED', status_reason = 'Queued to be created.'`);
    // Someone else's operation, queued before: the head of the queue, so that nothing runs inline.
    await hasura.db.query(
      `INSERT INTO "user" (email, password_hash, email_verified) VALUES ('bob@example.com', 'x', true)`,
    );
    await hasura.db.query(`INSERT INTO project (owner_id, name, slot, status) VALUES (2, 'b', 1, 'STOPPED')`);
    await hasura.db.query(
      `INSERT INTO instance_task (project_id, owner_id, kind, cost, queued_at)
       VALUES (2, 2, 'start', 2, now() - interval '1 minute')`,
    );
  };
  it('start: ok, the create starts it once made, no Qovery call', async () => {
    await check(s, 'start', { outcome: 'ok', row: 'QUEUED', calls: none });
    expect(await hasura.rows('SELECT kind, then_start FROM instance_task WHERE project_id = 1')).toEqual([
      { kind: 'create', then_start: true },
    ]);
  });
  it('stop: ok, nothing more to do, no Qovery call', () =>
    check(s, 'stop', { outcome: 'ok', row: 'QUEUED', calls: none }));
  it('remove: ok, the row goes at once, no Qovery call', () =>
    check(s, 'remove', { outcome: 'ok', row: 'removed', calls: none }));
  it('status: QUEUED with its position, no Qovery call', () =>
    check(s, 'status', { outcome: 'ok', row: 'QUEUED', reason: 'Queued to be created.' }));
});

describe('2. a CreateProject that died (CREATING for minutes, or ERROR without an environment)', () => {
  for (const [label, s] of [
    ['CREATING > 2 min', creating(10)],
    ['ERROR, no environment', creating(10, 'ERROR', reasons.creationInterrupted)],
  ] as const) {
    it.each(['start', 'stop'] as const)(
      `${label} · %s: project-failed "creation interrupted"`,
      async (action) => {
        await check(s, action, {
          outcome: 'project-failed',
          row: 'ERROR',
          reason: reasons.creationInterrupted,
          calls: none,
        });
      },
    );
    it(`${label} · remove: ok, the row goes at once when no environment has its name`, async () => {
      await check(s, 'remove', { outcome: 'ok', row: 'removed', calls: none });
    });
    it(`${label} · status: ERROR with its reason`, async () => {
      await check(s, 'status', { outcome: 'ok', row: 'ERROR', reason: reasons.creationInterrupted });
    });
  }
  it('remove: an environment found by its name is deleted, and the row waits for Qovery', async () => {
    const s = async () => {
      await creating(10)();
      await createQoveryClient({ baseUrl: qovery.url, token: QOVERY_TOKEN }).createEnvironment(
        QOVERY_PROJECT,
        {
          name: 'appwrite-1',
        },
      );
    };
    await check(s, 'remove', { outcome: 'ok', row: 'DELETING', calls: ['delete'] });
  });
});

describe('3. Qovery stopped', () => {
  for (const state of ['READY', 'STOPPED', 'CANCELED'] as const) {
    const s = instance(state, 'STOPPED');
    it(`${state} · start: deploys, STARTING`, () =>
      check(s, 'start', { outcome: 'ok', row: 'STARTING', calls: ['deploy'] }));
    it(`${state} · stop: nothing to do`, () =>
      check(s, 'stop', { outcome: 'ok', row: 'STOPPED', calls: none }));
    it(`${state} · remove: deletes, DELETING until Qovery confirms`, () =>
      check(s, 'remove', { outcome: 'ok', row: 'DELETING', calls: ['delete'] }));
    it(`${state} · status: STOPPED`, () => check(s, 'status', { outcome: 'ok', row: 'STOPPED' }));
  }
});

describe('4. Qovery starting', () => {
  for (const state of ['DEPLOYMENT_QUEUED', 'DEPLOYING'] as const) {
    const s = instance(state, 'STARTING');
    it(`${state} · start: nothing to do`, () =>
      check(s, 'start', { outcome: 'ok', row: 'STARTING', calls: none }));
    it(`${state} · stop: cancels the deployment: ok, STOPPING (the stop follows)`, async () => {
      await check(s, 'stop', { outcome: 'ok', row: 'STOPPING', calls: ['cancel'] });
    });
    it(`${state} · remove: deletes`, () =>
      check(s, 'remove', { outcome: 'ok', row: 'DELETING', calls: ['delete'] }));
    it(`${state} · status: STARTING`, () => check(s, 'status', { outcome: 'ok', row: 'STARTING' }));
  }
  it('stop: cancel, then stop: the reconciler stops it once Qovery has cancelled, and it ends STOPPED', async () => {
    await check(instance('DEPLOYING', 'STARTING'), 'stop', { outcome: 'ok', row: 'STOPPING' });
    const environment = [...qovery.state.environments.values()][0];
    await eventually(() => environment?.state === 'CANCELED');
    await reconciler().run({ deadline: Date.now() + 10_000 });
    expect(qovery.calls.map((c) => callKind(c.method, c.path)).filter(Boolean)).toEqual(['cancel', 'stop']);
    await eventually(() => environment?.state === 'STOPPED');
    await reconciler().run({ deadline: Date.now() + 10_000 });
    expect((await row())?.status).toBe('STOPPED');
  });
  it('stop: when the deployment finished before the cancel, ok: queued, tried again in a few seconds', () =>
    check(
      instance('DEPLOYING', 'STARTING'),
      'stop',
      { outcome: 'ok', row: 'QUEUED', calls: ['cancel'] },
      {
        before: () =>
          qovery.faults.inject({ method: 'POST', path: /\/cancelDeployment$/, status: 409, times: 1 }),
      },
    ));
});

describe('5. Qovery running', () => {
  const s = instance('DEPLOYED', 'RUNNING');
  it('start: nothing to do', () => check(s, 'start', { outcome: 'ok', row: 'RUNNING', calls: none }));
  it('stop: stops, STOPPING', () => check(s, 'stop', { outcome: 'ok', row: 'STOPPING', calls: ['stop'] }));
  it('remove: deletes', () => check(s, 'remove', { outcome: 'ok', row: 'DELETING', calls: ['delete'] }));
  it('status: RUNNING', () => check(s, 'status', { outcome: 'ok', row: 'RUNNING' }));
  it('status catches up with a row that lagged behind', () =>
    check(instance('DEPLOYED', 'STARTING'), 'status', { outcome: 'ok', row: 'RUNNING' }));
});

describe('6. Qovery stopping', () => {
  for (const state of ['STOP_QUEUED', 'STOPPING', 'CANCELING'] as const) {
    const s = instance(state, 'STOPPING');
    it(`${state} · start: ok, queued until it is stopped`, async () => {
      await check(s, 'start', { outcome: 'ok', row: 'QUEUED', calls: none });
      expect(await queued()).toEqual(['start']);
    });
    it(`${state} · stop: nothing to do`, () =>
      check(s, 'stop', { outcome: 'ok', row: 'STOPPING', calls: none }));
    it(`${state} · remove: deletes`, () =>
      check(s, 'remove', { outcome: 'ok', row: 'DELETING', calls: ['delete'] }));
    it(`${state} · status: STOPPING`, () => check(s, 'status', { outcome: 'ok', row: 'STOPPING' }));
  }
});

describe('7. Qovery failed', () => {
  // The reasons spelled out (lib/instances/lifecycle.ts, `reasons`): computed with statusFor, they
  // would follow whatever it answered.
  for (const [state, reason] of [
    [
      'DEPLOYMENT_ERROR',
      'The instance failed to start. Start it again; if it keeps failing, contact support.',
    ],
    ['STOP_ERROR', 'The instance failed to stop. Stop it again; if it keeps failing, contact support.'],
    ['UNAVAILABLE', 'The instance is unavailable. Start it again; if it keeps failing, contact support.'],
  ] as const) {
    const s = instance(state, 'ERROR', reason);
    it(`${state} · start: deploys again, STARTING`, () =>
      check(s, 'start', { outcome: 'ok', row: 'STARTING', reason: null, calls: ['deploy'] }));
    it(`${state} · stop: stops, STOPPING`, () =>
      check(s, 'stop', { outcome: 'ok', row: 'STOPPING', calls: ['stop'] }));
    it(`${state} · remove: deletes`, () =>
      check(s, 'remove', { outcome: 'ok', row: 'DELETING', calls: ['delete'] }));
    it(`${state} · status: ERROR with its reason`, () =>
      check(instance(state, 'STARTING'), 'status', { outcome: 'ok', row: 'ERROR', reason }));
  }
});

describe('8. the environment is gone on Qovery', () => {
  const s = instance('GONE', 'RUNNING');
  it.each(['start', 'stop'] as const)(
    '%s: project-failed "removed outside AppWrite Cloud", row ERROR',
    (action) =>
      check(s, action, {
        outcome: 'project-failed',
        row: 'ERROR',
        reason: reasons.removedOutside,
        calls: none,
      }),
  );
  it('remove: ok, the row goes at once', () => check(s, 'remove', { outcome: 'ok', row: 'removed' }));
  it('status: ERROR "removed outside AppWrite Cloud"', () =>
    check(s, 'status', { outcome: 'ok', row: 'ERROR', reason: reasons.removedOutside }));
  it('the failed answer tells the user', async () => {
    await s();
    await expect(projects().start(1, ada())).rejects.toMatchObject({
      code: 'project-failed',
      message: reasons.removedOutside,
    });
  });
});

describe('9. Qovery deleting without our Delete', () => {
  const s = instance('DELETING', 'RUNNING');
  it.each(['start', 'stop'] as const)('%s: project-failed, row ERROR "removed outside"', (action) =>
    check(s, action, {
      outcome: 'project-failed',
      row: 'ERROR',
      reason: reasons.removedOutside,
      calls: none,
    }),
  );
  it('remove: ok, DELETING', () => check(s, 'remove', { outcome: 'ok', row: 'DELETING', calls: ['delete'] }));
  it('status: ERROR "removed outside"', () =>
    check(s, 'status', { outcome: 'ok', row: 'ERROR', reason: reasons.removedOutside }));
});

describe('10. Qovery DELETE_ERROR', () => {
  const s = instance('DELETE_ERROR', 'ERROR', reasons.deletionFailed);
  it.each(['start', 'stop'] as const)('%s: project-failed "could not be deleted"', (action) =>
    check(s, action, {
      outcome: 'project-failed',
      row: 'ERROR',
      reason: reasons.deletionFailed,
      calls: none,
    }),
  );
  it('remove: deletes again, DELETING', () =>
    check(s, 'remove', { outcome: 'ok', row: 'DELETING', calls: ['delete'] }));
  it('status: ERROR "could not be deleted"', () =>
    check(s, 'status', { outcome: 'ok', row: 'ERROR', reason: reasons.deletionFailed }));
});

describe('11. row DELETING', () => {
  const s = instance('DELETING', 'DELETING');
  it.each(['start', 'stop'] as const)('%s: project-busy "being deleted", no Qovery call', async (action) => {
    await check(s, action, { outcome: 'project-busy', row: 'DELETING', calls: none });
    expect(qovery.calls).toEqual([]);
  });
  it('remove: asks again, ok', () =>
    check(s, 'remove', { outcome: 'ok', row: 'DELETING', calls: ['delete'] }));
  it('status: DELETING while Qovery deletes', () => check(s, 'status', { outcome: 'ok', row: 'DELETING' }));
  it('status: once Qovery confirms the environment gone, the row goes (and its slot with it)', () =>
    check(instance('GONE', 'DELETING'), 'status', { outcome: 'ok', row: 'removed' }));
  it('status: a Qovery DELETE_ERROR turns it into ERROR with its reason', () =>
    check(instance('DELETE_ERROR', 'DELETING'), 'status', {
      outcome: 'ok',
      row: 'ERROR',
      reason: reasons.deletionFailed,
    }));
});

describe('12. Qovery unreachable', () => {
  const s = instance('DEPLOYED', 'RUNNING');
  const down = () =>
    qovery.faults.inject({ path: /^\/environment\//, status: 503, times: Number.POSITIVE_INFINITY });
  it.each(['start', 'stop', 'remove'] as const)(
    '%s: ok, queued: tried again once Qovery answers',
    async (action) => {
      await check(s, action, { outcome: 'ok', row: 'QUEUED' }, { before: down });
      expect(await queued()).toEqual([action === 'remove' ? 'delete' : action]);
    },
  );
  it('status: the row, unchanged (no Qovery call)', () =>
    check(s, 'status', { outcome: 'ok', row: 'RUNNING' }, { before: down }));
});

describe('13. Qovery moved between our read and our call (409)', () => {
  const conflict = (path: RegExp) => () => qovery.faults.inject({ method: 'POST', path, status: 409 });
  it('start: ok, queued: tried again in a few seconds', () =>
    check(
      instance('STOPPED', 'STOPPED'),
      'start',
      { outcome: 'ok', row: 'QUEUED', calls: ['deploy'] },
      { before: conflict(/\/deploy$/) },
    ));
  it('stop: ok, queued: tried again in a few seconds', () =>
    check(
      instance('DEPLOYED', 'RUNNING'),
      'stop',
      { outcome: 'ok', row: 'QUEUED', calls: ['stop'] },
      { before: conflict(/\/stop$/) },
    ));
  it('remove: ok, DELETING; the reconciler asks again, cancelling the deployment in the way', async () => {
    await check(
      instance('DEPLOYING', 'STARTING'),
      'remove',
      { outcome: 'ok', row: 'DELETING', calls: ['delete'] },
      {
        before: () =>
          qovery.faults.inject({ method: 'DELETE', path: /^\/environment\//, status: 409, times: 2 }),
      },
    );
    await reconciler().run({ deadline: Date.now() + 10_000 });
    expect(qovery.calls.map((c) => callKind(c.method, c.path)).filter(Boolean)).toEqual([
      'delete',
      'delete',
      'cancel',
    ]);
    await eventually(() => [...qovery.state.environments.values()][0]?.state === 'CANCELED');
    await reconciler().run({ deadline: Date.now() + 10_000 });
    await eventually(() => qovery.state.environments.size === 0);
    await reconciler().run({ deadline: Date.now() + 10_000 });
    expect(await row()).toBeUndefined();
  });
  it('the retry of a task put back comes a few seconds later', () => {
    expect(busy.moving).toEqual({ message: expect.stringMatching(/try again/i), retryAfterSeconds: 10 });
  });
});

describe('the mapping', () => {
  it('places every Qovery state, and the statuses it gives are ones the row may hold', () => {
    for (const state of Object.keys(phaseOf) as StateEnum[]) {
      const { status, reason } = statusFor(state);
      expect(status === 'ERROR').toBe(reason !== null);
    }
  });
});
