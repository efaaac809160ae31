import { createAccountDeletion } from '../../../lib/accounts/deletion';
import { createLogger } from '../../../lib/basics/log';
import { createQoveryBudget, hasuraBudgetStore, type QoveryBudget } from '../../../lib/instances/budget';
import { createInstances, type Instances } from '../../../lib/instances/instances';
import { reasons } from '../../../lib/instances/lifecycle';
import { createProjects, type Projects, type ProjectsDeps } from '../../../lib/instances/projects';
import { work } from '../../../lib/instances/queue';
import { claim } from '../../../lib/instances/queue/store';
import { createQoveryClient } from '../../../lib/platform/qovery/client';
import { type QoveryStandIn, startQoveryStandIn } from '../../../sandbox/qovery';
import { startTestHasura, type TestHasura } from '../../helpers/hasura';
import { memoryStorage } from '../../helpers/instance';
import { outcome } from '../../helpers/outcome';
import { QOVERY_PROJECT, QOVERY_TOKEN, resetStandIns, standInSettings } from '../../helpers/stand-ins';
import { eventually } from '../../helpers/wait';

/**
 * The queue of instance work (lib/instances/queue) against the Hasura stand-in's PostgreSQL and the
 * Qovery stand-in: the quiet day's inline path, the queued answers, coalescing, the fair order, the
 * budget, concurrent workers and leases, and DeleteAccount's deletions.
 */

const log = createLogger({ level: 'silent' });

let hasura: TestHasura;
let qovery: QoveryStandIn;

beforeAll(async () => {
  hasura = await startTestHasura();
  qovery = await startQoveryStandIn({ token: QOVERY_TOKEN, stepMs: 30, projectIds: [QOVERY_PROJECT] });
});
afterAll(() => Promise.all([hasura.close(), qovery.close()]));
beforeEach(() => resetStandIns({ hasura, qovery }, ['ada@example.com', 'bob@example.com', 'cy@example.com']));

const caller = (userId = 1) => ({ userId, deadline: Date.now() + 20_000, log });

/** A budget whose room a test opens and closes. */
function gate(): Pick<QoveryBudget, 'reserve'> & { open: boolean } {
  const budget = {
    open: true,
    reserve: async () =>
      budget.open
        ? { granted: true as const, run: <T>(work: () => Promise<T>) => work() }
        : { granted: false as const, retryAfterSeconds: 60 },
  };
  return budget;
}

/** The instances on the stand-in, every request drawn from `budget` when given; provisions recorded. */
function instancesOn(budget?: QoveryBudget, on = qovery): Instances & { provisioned: number[] } {
  const client = createQoveryClient({
    baseUrl: on.url,
    token: QOVERY_TOKEN,
    retries: 2,
    sleep: async () => {},
    ...(budget ? { budget } : {}),
  });
  const instances = createInstances({ client, settings: standInSettings(on), log });
  const provisioned: number[] = [];
  return {
    ...instances,
    provisioned,
    provision: (id, inputs, options) => {
      provisioned.push(Number(id));
      return instances.provision(id, inputs, options);
    },
  };
}

function depsWith(overrides: Partial<ProjectsDeps> = {}): ProjectsDeps {
  return {
    hasura: hasura.client,
    instances: instancesOn(),
    storage: memoryStorage(),
    maxProjectsPerUser: 50,
    requireEmailVerification: true,
    ...overrides,
  };
}

const projectsOf = (deps: ProjectsDeps): Projects => createProjects(deps);
const rows = () =>
  hasura.rows<{ id: number; status: string; status_reason: string | null; url: string | null }>(
    'SELECT id, status, status_reason, url FROM project ORDER BY id',
  );
const tasks = () =>
  hasura.rows<{ project_id: number; kind: string; then_start: boolean; state: string }>(
    'SELECT project_id, kind, then_start, state FROM instance_task ORDER BY id',
  );
const deploys = () => qovery.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/deploy')).length;

describe('a quiet day: the action runs its own task at once', () => {
  it('CreateProject answers the url and STOPPED, and leaves nothing queued; StartProject deploys at once', async () => {
    const projects = projectsOf(depsWith({ budget: gate() }));
    const created = await projects.create('p', caller());
    expect(created).toEqual({
      id: 1,
      name: 'p',
      url: expect.stringMatching(/^https:\/\//),
      status: 'STOPPED',
    });
    expect(await tasks()).toEqual([]);
    await projects.start(1, caller());
    expect((await rows())[0]?.status).toBe('STARTING');
    expect(deploys()).toBe(1);
    expect(await tasks()).toEqual([]);
  });
});

describe('a busy day: the answer says QUEUED, and the row where it stands', () => {
  it('CreateProject answers at once with its id, name, an empty url and QUEUED; ProjectStatus reads the row without Qovery', async () => {
    const budget = gate();
    budget.open = false;
    const projects = projectsOf(depsWith({ budget }));
    expect(await projects.create('p', caller())).toEqual({ id: 1, name: 'p', url: '', status: 'QUEUED' });
    qovery.calls.length = 0;
    const status = await projects.status(1, caller());
    expect(status).toEqual({
      id: 1,
      status: 'QUEUED',
      url: null,
      reason: 'Queued to be created: next in line; it should begin within a minute.',
    });
    expect(qovery.calls).toEqual([]);
    // The worker carries it out once the budget has room.
    budget.open = true;
    expect(await work(depsWith({ budget }), { deadline: Date.now() + 20_000, log })).toMatchObject({
      done: 1,
      stopped: 'empty',
    });
    expect(await projects.status(1, caller())).toMatchObject({ status: 'STOPPED', url: expect.any(String) });
    expect(await tasks()).toEqual([]);
  });

  it('the reason gives the position and an estimate from the costs ahead and the budget', async () => {
    const budget = gate();
    budget.open = false;
    const projects = projectsOf(depsWith({ budget, requestsPerHour: 60 }));
    for (let i = 0; i < 3; i++) await projects.create(`p${i}`, caller(1));
    await projects.create('mine', caller(2));
    // Round robin: ada's first, then bob's first, then ada's others.
    const reasonsNow = (await rows()).map((r) => r.status_reason);
    expect(reasonsNow[0]).toBe('Queued to be created: next in line; it should begin within a minute.');
    expect(reasonsNow[3]).toBe(
      'Queued to be created: 1 operation ahead of yours; it should begin within a minute.',
    );
    // 30 calls ahead of ada's third and 30 more for bob's and her second, at 60 an hour: about 60 minutes.
    expect(reasonsNow[2]).toMatch(
      /^Queued to be created: 3 operations ahead of yours; it should begin in about \d+ minutes\.$/,
    );
  });

  it('StartProject, StopProject and DeleteProject answer ok and leave the row QUEUED', async () => {
    const budget = gate();
    const projects = projectsOf(depsWith({ budget }));
    await projects.create('p', caller());
    budget.open = false;
    qovery.calls.length = 0;
    for (const action of ['start', 'stop', 'remove'] as const) {
      expect(await outcome(projects[action](1, caller()))).toBe('ok');
      expect((await rows())[0]?.status).toBe('QUEUED');
    }
    expect(qovery.calls).toEqual([]);
    expect((await rows())[0]?.status_reason).toMatch(/^Queued to be deleted: next in line/);
  });
});

describe('coalescing: one queued task a project', () => {
  it('a later start or stop replaces what the queued one would do', async () => {
    const budget = gate();
    const deps = depsWith({ budget });
    const projects = projectsOf(deps);
    await projects.create('p', caller());
    budget.open = false;
    await projects.start(1, caller());
    await projects.stop(1, caller());
    await projects.start(1, caller());
    expect(await tasks()).toEqual([{ project_id: 1, kind: 'start', then_start: false, state: 'queued' }]);
    budget.open = true;
    await work(deps, { deadline: Date.now() + 20_000, log });
    expect((await rows())[0]?.status).toBe('STARTING');
    expect(deploys()).toBe(1);
  });

  it('a start asked while the create waits runs with it, in one task', async () => {
    const budget = gate();
    budget.open = false;
    const deps = depsWith({ budget });
    const projects = projectsOf(deps);
    await projects.create('p', caller());
    await projects.start(1, caller());
    expect(await tasks()).toEqual([{ project_id: 1, kind: 'create', then_start: true, state: 'queued' }]);
    budget.open = true;
    await work(deps, { deadline: Date.now() + 20_000, log });
    expect((await rows())[0]).toMatchObject({ status: 'STARTING', url: expect.any(String) });
    expect(deploys()).toBe(1);
  });

  it('a delete of a create still waiting removes the row at once, with no Qovery call; a start of a project being deleted is busy', async () => {
    const budget = gate();
    budget.open = false;
    const projects = projectsOf(depsWith({ budget }));
    await projects.create('p', caller());
    await projects.remove(1, caller());
    expect(await rows()).toEqual([]);
    expect(qovery.calls).toEqual([]);
    budget.open = true;
    await projects.create('q', caller());
    budget.open = false;
    await projects.remove(2, caller());
    expect(await outcome(projects.start(2, caller()))).toBe('project-busy');
  });
});

describe('fairness', () => {
  it("an abusive user's 50 queued operations delay a newcomer's first by at most one operation", async () => {
    const budget = gate();
    budget.open = false;
    const instances = instancesOn();
    const deps = depsWith({ budget, instances });
    const projects = projectsOf(deps);
    for (let i = 0; i < 50; i++) await projects.create(`flood-${i}`, caller(1));
    const { id } = await projects.create('first', caller(2));
    expect((await rows()).find((r) => r.id === id)?.status_reason).toMatch(/1 operation ahead of yours/);
    budget.open = true;
    // One worker, a few tasks: the newcomer's is the second one run.
    await work(deps, { deadline: Date.now() + 9_000, log, parallel: 1 });
    expect(instances.provisioned.indexOf(id)).toBeLessThanOrEqual(1);
    expect(instances.provisioned.length).toBeGreaterThan(2);
  }, 60_000);

  it('someone just served goes behind a newcomer, and the quota still holds', async () => {
    const budget = gate();
    const instances = instancesOn();
    const deps = depsWith({ budget, instances, maxProjectsPerUser: 2 });
    const projects = projectsOf(deps);
    await projects.create('a1', caller(1));
    budget.open = false;
    await projects.create('a2', caller(1));
    expect(await outcome(projects.create('a3', caller(1)))).toBe('quota-exceeded');
    const { id } = await projects.create('b1', caller(2));
    expect((await rows()).find((r) => r.id === id)?.status_reason).toMatch(/next in line/);
    budget.open = true;
    await work(deps, { deadline: Date.now() + 20_000, log, parallel: 1 });
    expect(instances.provisioned).toEqual([1, id, 2]);
  });
});

describe("fairness over the budget's hour", () => {
  const spentBy = async (ownerId: number) =>
    (
      await hasura.rows<{ spent: number }>(
        'SELECT coalesce(sum(spent), 0)::integer AS spent FROM instance_queue_owner_minute WHERE owner_id = $1',
        [ownerId],
      )
    )[0]?.spent;

  it('the owner who spent least of the hour goes first, even when served more recently', async () => {
    // Owner 1 was served long ago but spent 40 units this hour; owner 2 was served a minute ago and spent 2.
    await hasura.rows(
      `INSERT INTO instance_queue_owner (owner_id, last_served_at) VALUES
         (1, now() - interval '50 minutes'), (2, now() - interval '1 minute')`,
    );
    await hasura.rows(
      `INSERT INTO instance_queue_owner_minute (owner_id, minute, spent) VALUES
         (1, date_trunc('minute', now()) - interval '50 minutes', 40),
         (2, date_trunc('minute', now()) - interval '1 minute', 2)`,
    );
    const budget = gate();
    budget.open = false;
    const instances = instancesOn();
    const deps = depsWith({ budget, instances });
    const projects = projectsOf(deps);
    const first = await projects.create('asked-first', caller(1));
    const second = await projects.create('asked-second', caller(2));
    const reasons = new Map((await rows()).map((r) => [r.id, r.status_reason]));
    expect(reasons.get(second.id)).toMatch(/next in line/);
    expect(reasons.get(first.id)).toMatch(/1 operation ahead of yours/);
    budget.open = true;
    await work(deps, { deadline: Date.now() + 20_000, log, parallel: 1 });
    expect(instances.provisioned).toEqual([second.id, first.id]);
  }, 60_000);

  it("an owner past their hourly share waits, and says so, while another owner's operation runs; it runs once that spending has left the hour", async () => {
    const instances = instancesOn();
    const deps = depsWith({ budget: gate(), instances, createCost: 30, requestsPerOwnerPerHour: 40 });
    const projects = projectsOf(deps);
    // The first create runs at once: 30 units of owner 1's 40.
    const a1 = await projects.create('a1', caller(1));
    expect(await spentBy(1)).toBe(30);
    // The second would pass the share: it waits, though the budget has room.
    const a2 = await projects.create('a2', caller(1));
    const held = (await rows()).find((r) => r.id === a2.id);
    expect(held?.status).toBe('QUEUED');
    expect(held?.status_reason).toMatch(/your operations have used your share of this hour's capacity/);
    expect(held?.status_reason).toMatch(/it should begin in about (5[89]|6[01]) minutes/);
    // Another owner's first operation is not held behind it.
    const b1 = await projects.create('b1', caller(2));
    expect((await rows()).find((r) => r.id === b1.id)?.status).toBe('STOPPED');
    await work(deps, { deadline: Date.now() + 9_000, log, parallel: 1 });
    expect(instances.provisioned).toEqual([a1.id, b1.id]);
    // An hour later, owner 1's spending has left the window.
    await hasura.rows("UPDATE instance_queue_owner_minute SET minute = minute - interval '2 hours'");
    await work(deps, { deadline: Date.now() + 20_000, log, parallel: 1 });
    expect(instances.provisioned).toEqual([a1.id, b1.id, a2.id]);
    expect((await rows()).find((r) => r.id === a2.id)?.status).toBe('STOPPED');
  }, 60_000);

  it('an operation that costs more than the share runs when its owner has spent nothing', async () => {
    const instances = instancesOn();
    const deps = depsWith({ budget: gate(), instances, createCost: 30, requestsPerOwnerPerHour: 10 });
    const { id } = await projectsOf(deps).create('big', caller(1));
    expect(instances.provisioned).toEqual([id]);
    expect(await spentBy(1)).toBe(30);
  });

  it("a claim the budget refused gives its owner's spending back", async () => {
    const budget = gate();
    budget.open = false;
    const deps = depsWith({ budget, createCost: 30, requestsPerOwnerPerHour: 40 });
    await projectsOf(deps).create('refused', caller(1));
    expect(await spentBy(1)).toBe(0);
    // And so the owner's next operation is not held by a spending that never happened.
    expect((await rows())[0]?.status_reason).toMatch(/next in line/);
  });
});

describe('workers', () => {
  it('concurrent workers never run the same task', async () => {
    const budget = gate();
    budget.open = false;
    const instances = instancesOn();
    const deps = depsWith({ budget, instances });
    const projects = projectsOf(deps);
    for (let i = 0; i < 8; i++) await projects.create(`p${i}`, caller(1 + (i % 3)));
    budget.open = true;
    await Promise.all([1, 2, 3].map(() => work(deps, { deadline: Date.now() + 20_000, log, parallel: 2 })));
    expect([...instances.provisioned].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await rows()).every((r) => r.status === 'STOPPED')).toBe(true);
  }, 60_000);

  it("a dead worker's task is taken again once its lease has expired", async () => {
    const budget = gate();
    const deps = depsWith({ budget });
    const projects = projectsOf(deps);
    await projects.create('p', caller());
    budget.open = false;
    await projects.start(1, caller());
    budget.open = true;
    // A worker claims it and dies.
    const claimed = await claim(deps, { leaseUntil: Date.now() + 1000, deadline: Date.now() + 5000 });
    expect(claimed).toMatchObject({ projectId: 1, kind: 'start', retaken: false });
    expect(await work(deps, { deadline: Date.now() + 20_000, log })).toMatchObject({
      done: 0,
      stopped: 'empty',
    });
    expect(deploys()).toBe(0);
    // Once the lease has run out, the next worker takes it again.
    await eventually(async () => (await work(deps, { deadline: Date.now() + 20_000, log })).done === 1);
    expect((await rows())[0]?.status).toBe('STARTING');
    expect(deploys()).toBe(1);
  });

  it('a create whose worker died turns ERROR "creation interrupted" (the user deletes it)', async () => {
    const budget = gate();
    budget.open = false;
    const deps = depsWith({ budget });
    await projectsOf(deps).create('p', caller());
    budget.open = true;
    await claim(deps, { leaseUntil: Date.now() + 1000, deadline: Date.now() + 5000 });
    await eventually(async () => (await work(deps, { deadline: Date.now() + 20_000, log })).done === 1);
    expect((await rows())[0]).toMatchObject({ status: 'ERROR', status_reason: reasons.creationInterrupted });
    expect(await tasks()).toEqual([]);
  });

  it('Qovery unavailable puts the task back instead of failing it', async () => {
    const budget = gate();
    const deps = depsWith({ budget });
    const projects = projectsOf(deps);
    await projects.create('p', caller());
    qovery.faults.inject({ path: /^\/environment\//, status: 503, times: Number.POSITIVE_INFINITY });
    expect(await outcome(projects.start(1, caller()))).toBe('ok');
    expect((await rows())[0]?.status).toBe('QUEUED');
    expect(await tasks()).toEqual([{ project_id: 1, kind: 'start', then_start: false, state: 'queued' }]);
  });
});

describe('the budget', () => {
  // stepMs 3: this stand-in's clock runs 500 times the wall clock, its rate-limit hour in 7.2 s.
  let limited: QoveryStandIn;
  beforeAll(async () => {
    limited = await startQoveryStandIn({
      token: QOVERY_TOKEN,
      stepMs: 3,
      projectIds: [QOVERY_PROJECT],
      rateLimit: { requests: 100, windowSeconds: 3600 },
    });
  });
  afterAll(() => limited.close());

  it('a burst of CreateProjects beyond the budget: all recorded, none refused, carried out as it refills, and Qovery never answers 429', async () => {
    // The budget's clock runs as the stand-in's: its hour lasts 7.2 s too.
    const start = Date.now();
    const budget = createQoveryBudget({
      store: hasuraBudgetStore(hasura.client, 90),
      perHour: 90,
      now: () => start + (Date.now() - start) * 500,
      log,
    });
    const deps = depsWith({
      budget,
      instances: instancesOn(budget, limited),
      requestsPerHour: 90,
      createCost: 30,
    });
    const projects = projectsOf(deps);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => outcome(projects.create(`p${i}`, caller(1 + (i % 3))))),
    );
    expect(answers).toEqual(Array(6).fill('ok'));
    expect((await rows()).some((r) => r.status === 'QUEUED')).toBe(true);
    await eventually(
      async () => {
        await work(deps, { deadline: Date.now() + 10_000, log });
        return (await rows()).every((r) => r.status === 'STOPPED');
      },
      { timeoutMs: 40_000, everyMs: 200 },
    );
    expect(limited.rateLimit.refused).toBe(0);
  }, 60_000);
});

describe('DeleteAccount', () => {
  it("queues the account's deletions, which the worker carries out after the account is gone", async () => {
    const budget = gate();
    const deps = depsWith({ budget });
    const projects = projectsOf(deps);
    await projects.create('a', caller());
    await projects.create('b', caller());
    budget.open = false;
    const deletion = createAccountDeletion({
      hasura: hasura.client,
      passwords: { hash: async () => 'x', verify: async () => true },
      projects,
    });
    await deletion.deleteAccount('pw', caller());
    expect(await hasura.rows('SELECT id FROM "user" WHERE id = 1')).toEqual([]);
    expect((await rows()).map((r) => r.status)).toEqual(['QUEUED', 'QUEUED']);
    budget.open = true;
    await work(deps, { deadline: Date.now() + 20_000, log });
    expect((await rows()).every((r) => r.status === 'DELETING')).toBe(true);
    await eventually(() => qovery.state.environments.size === 0);
  });
});
