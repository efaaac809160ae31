import type { StateEnum } from 'qovery-typescript-axios';
import { createLogger } from '../../../lib/basics/log';
import { reasons } from '../../../lib/instances/lifecycle';
import { createProjects } from '../../../lib/instances/projects';
import { createReconciler, type ReconcilerDeps, type ReconcileStep } from '../../../lib/instances/reconciler';
import type { HasuraClient } from '../../../lib/platform/hasura/client';
import { MoveProjects } from '../../../lib/platform/hasura/documents';
import { createQoveryClient } from '../../../lib/platform/qovery/client';
import type { QoveryStandIn } from '../../../sandbox/qovery';
import type { TestHasura } from '../../helpers/hasura';
import { memoryStorage } from '../../helpers/instance';
import {
  closeStandIns,
  QOVERY_PROJECT as PROJECT,
  resetStandIns,
  standInInstances,
  startStandIns,
  QOVERY_TOKEN as TOKEN,
} from '../../helpers/stand-ins';

const PREFIX = 'test';
/** This deployment's QOVERY_DEPLOYMENT_ID: the mark ending its environments' names. */
const MARK = '0a1b2c3d4e5f';
const silent = createLogger({ level: 'silent' });

let hasura: TestHasura;
let qovery: QoveryStandIn;

beforeAll(async () => {
  ({ hasura, qovery } = await startStandIns());
});
afterAll(() => closeStandIns({ hasura, qovery }));
beforeEach(async () => {
  storage = memoryStorage();
  await resetStandIns({ hasura, qovery });
});

const instances = (timeoutMs?: number) =>
  standInInstances(qovery, { timeoutMs, settings: { environmentPrefix: PREFIX, deploymentId: MARK } });

let storage = memoryStorage();
function reconciler(options: Partial<ReconcilerDeps> & { timeoutMs?: number } = {}) {
  return createReconciler({
    hasura: hasura.client,
    instances: instances(options.timeoutMs),
    storage,
    log: silent,
    orphanGraceMs: 0,
    ...options,
  });
}
const run = (r = reconciler(), budgetMs = 20_000) => r.run({ deadline: Date.now() + budgetMs });

/** n projects of user 1, each with its environment set to `state` and its row to `status`. */
async function projects(n: number, state: StateEnum, status: string) {
  const p = createProjects({
    hasura: hasura.client,
    instances: instances(),
    storage,
    maxProjectsPerUser: 2000,
    requireEmailVerification: true,
  });
  for (let i = 0; i < n; i++)
    await p.create(`p${i}`, { userId: 1, deadline: Date.now() + 20_000, log: silent });
  for (const environment of qovery.state.environments.values()) environment.state = state;
  await hasura.db.query('UPDATE project SET status = $1', [status]);
}
const rows = async () =>
  (
    await hasura.db.query<{ id: number; status: string; status_reason: string | null }>(
      'SELECT id, status, status_reason FROM project ORDER BY id',
    )
  ).rows;
const environment = (n: number) => [...qovery.state.environments.values()][n];

describe('statuses', () => {
  it('moves every row to the status Qovery shows, with one status listing and one batched write', async () => {
    await projects(3, 'DEPLOYED', 'STARTING');
    qovery.calls.length = 0;
    const summary = await run();
    expect((await rows()).map((r) => r.status)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    expect(summary).toMatchObject({ checked: 3, changed: 3, failures: [] });
    expect(qovery.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /project/${PROJECT}/environment/status`,
    ]);
    // Read the rows, write the changes, purge.
    expect(summary.hasuraCalls).toBe(3);
  });

  it('writes nothing when nothing changed', async () => {
    await projects(2, 'STOPPED', 'STOPPED');
    const calls = hasura.calls.length;
    const summary = await run();
    expect(summary).toMatchObject({ changed: 0, hasuraCalls: 2, qoveryCalls: 1 });
    expect(hasura.calls.slice(calls)).toEqual(['ReconcileRows', 'PurgeExpired']);
  });

  it('gives failed deployments their reason', async () => {
    await projects(1, 'DEPLOYMENT_ERROR', 'STARTING');
    await run();
    expect(await rows()).toEqual([{ id: 1, status: 'ERROR', status_reason: reasons.deploymentFailed }]);
  });

  it('marks an environment removed outside AppWrite Cloud, after confirming its absence', async () => {
    await projects(2, 'DEPLOYED', 'RUNNING');
    const removed = environment(0);
    qovery.state.environments.delete(removed?.resource.id ?? '');
    const summary = await run();
    expect(await rows()).toEqual([
      { id: 1, status: 'ERROR', status_reason: reasons.removedOutside },
      { id: 2, status: 'RUNNING', status_reason: null },
    ]);
    expect(summary.qoveryCalls).toBe(2); // the listing, and the confirmation of the absence
  });

  it('never condemns a row on a listing that lost it: the confirmation call decides', async () => {
    await projects(1, 'DEPLOYED', 'RUNNING');
    qovery.faults.inject({
      method: 'GET',
      path: `/project/${PROJECT}/environment/status`,
      status: 200,
      body: { results: [] },
    });
    await run();
    expect((await rows())[0]?.status).toBe('RUNNING');
  });

  it('turns a CreateProject that died into ERROR "creation interrupted", and leaves one in flight alone', async () => {
    await hasura.db.exec(`INSERT INTO project (owner_id, name, slot, status, created_at) VALUES
      (1, 'dead', 1, 'CREATING', now() - interval '10 minutes'), (1, 'busy', 2, 'CREATING', now())`);
    // The create began (the row turned CREATING) 10 minutes ago for the first.
    await hasura.db.exec(`UPDATE project SET status_changed_at = now() - interval '10 minutes' WHERE id = 1`);
    await run();
    expect(await rows()).toEqual([
      { id: 1, status: 'ERROR', status_reason: reasons.creationInterrupted },
      { id: 2, status: 'CREATING', status_reason: null },
    ]);
  });
});

describe('deletions', () => {
  it('removes a DELETING row (and frees its slot) only once Qovery confirms the environment gone', async () => {
    await projects(1, 'DEPLOYED', 'RUNNING');
    await hasura.db.exec(`UPDATE project SET status = 'DELETING'`);
    const deleting = environment(0);
    if (!deleting) throw new Error('no environment');
    deleting.state = 'DELETING';
    await run();
    expect((await rows()).map((r) => r.status)).toEqual(['DELETING']);
    expect(storage.buckets.has(1)).toBe(true);
    qovery.state.environments.delete(deleting.resource.id);
    const summary = await run();
    expect(await rows()).toEqual([]);
    expect(storage.buckets.has(1)).toBe(false); // the bucket goes with the row
    expect(summary.deletionsFinished).toBe(1);
  });

  it('turns a Qovery delete failure into ERROR with its reason; the user can delete again', async () => {
    await projects(1, 'DELETE_ERROR', 'DELETING');
    await run();
    expect(await rows()).toEqual([{ id: 1, status: 'ERROR', status_reason: reasons.deletionFailed }]);
    const p = createProjects({
      hasura: hasura.client,
      instances: instances(),
      storage,
      maxProjectsPerUser: 3,
      requireEmailVerification: true,
    });
    await p.remove(1, { userId: 1, deadline: Date.now() + 10_000, log: silent });
    expect((await rows())[0]?.status).toBe('DELETING');
  });

  it('asks Qovery again for a deletion that never reached it', async () => {
    await projects(1, 'STOPPED', 'DELETING');
    qovery.calls.length = 0;
    const summary = await run();
    expect(summary.deletionsAskedAgain).toBe(1);
    expect(qovery.calls.filter((c) => c.method === 'DELETE')).toHaveLength(1);
  });

  it('finishes a DeleteProject that died before storing the environment it found', async () => {
    await hasura.db.exec(`INSERT INTO project (owner_id, name, slot, status) VALUES (1, 'p', 1, 'DELETING')`);
    const summary = await run();
    expect(await rows()).toEqual([]);
    expect(summary.deletionsFinished).toBe(1);
  });
});

describe('buckets', () => {
  it('CreateProject records the bucket stem at the slot claim; each row, old or new, removes its own bucket', async () => {
    await projects(1, 'DELETING', 'DELETING');
    const { rows: recorded } = await hasura.db.query<{ bucket_stem: string | null }>(
      'SELECT bucket_stem FROM project',
    );
    expect(recorded).toEqual([{ bucket_stem: storage.stem }]);
    expect(storage.names.get(1)).toBe(`${storage.stem}-1`);
    // A row made before stems were recorded: its bucket has the old name, and keeps it.
    await hasura.db.exec(
      `INSERT INTO project (owner_id, name, slot, status) VALUES (1, 'old', 2, 'DELETING')`,
    );
    await storage.create({ id: 2, bucket_stem: null });
    expect(storage.names.get(2)).toBe('appwrite-cloud-2');
    for (const environment of qovery.state.environments.values())
      qovery.state.environments.delete(environment.resource.id);
    await run();
    expect(await rows()).toEqual([]);
    // Removed under the names they were made with (the stand-in forgets a name only when it matches).
    expect([...storage.names]).toEqual([]);
  });
});

describe('projects without an owner', () => {
  // A DeleteAccount that raced a CreateProject: the account went, the project stayed (owner_id null).
  it('are deleted with their environment and bucket, whatever their status', async () => {
    await projects(2, 'DEPLOYED', 'RUNNING');
    await hasura.db.exec('UPDATE project SET owner_id = NULL WHERE id = 1');
    const [orphaned, kept] = [environment(0), environment(1)];
    if (!orphaned || !kept) throw new Error('no environment');
    await run();
    expect(await rows()).toEqual([
      { id: 1, status: 'DELETING', status_reason: null },
      { id: 2, status: 'RUNNING', status_reason: null },
    ]);
    const deleted = qovery.calls.filter((c) => c.method === 'DELETE').map((c) => c.path);
    expect(deleted).toEqual([`/environment/${orphaned.resource.id}`]);
    qovery.state.environments.delete(orphaned.resource.id);
    await run();
    expect(await rows()).toEqual([{ id: 2, status: 'RUNNING', status_reason: null }]);
    expect([...storage.buckets]).toEqual([2]);
    expect(qovery.state.environments.has(kept.resource.id)).toBe(true);
  });

  it('without an environment go too; one whose CreateProject is under way is left to finish first', async () => {
    await hasura.db.exec(`INSERT INTO project (owner_id, name, slot, status, created_at) VALUES
      (NULL, 'failed', 1, 'ERROR', now() - interval '10 minutes'), (NULL, 'busy', 2, 'CREATING', now())`);
    await run();
    expect((await rows()).map((r) => r.status)).toEqual(['DELETING', 'CREATING']);
    await run(); // no environment of ours carries its id: the deletion is over
    expect(await rows()).toEqual([{ id: 2, status: 'CREATING', status_reason: null }]);
  });
});

describe('orphans', () => {
  const client = () => createQoveryClient({ baseUrl: qovery.url, token: TOKEN });

  it("removes this deployment's environments that no row knows, never another deployment's", async () => {
    await projects(1, 'DEPLOYED', 'RUNNING');
    const orphan = await client().createEnvironment(PROJECT, { name: `${PREFIX}-appwrite-99-${MARK}` });
    const theirs = await client().createEnvironment(PROJECT, { name: `prod-appwrite-99-${MARK}` });
    const legacy = await client().createEnvironment(PROJECT, { name: 'appwrite-99' });
    const summary = await run();
    expect(summary.orphansRemoved).toBe(1);
    const deleted = qovery.calls.filter((c) => c.method === 'DELETE').map((c) => c.path);
    expect(deleted).toEqual([`/environment/${orphan.id}`]);
    expect(qovery.state.environments.get(theirs.id)?.state).toBe('READY');
    expect(qovery.state.environments.get(legacy.id)?.state).toBe('READY');
    expect((await rows())[0]?.status).toBe('RUNNING');
  });

  it('leaves an environment younger than the grace period (a CreateProject in flight)', async () => {
    await client().createEnvironment(PROJECT, { name: `${PREFIX}-appwrite-7-${MARK}` });
    const summary = await run(reconciler({ orphanGraceMs: 15 * 60 * 1000 }));
    expect(summary.orphansRemoved).toBe(0);
    expect(qovery.calls.some((c) => c.method === 'DELETE')).toBe(false);
  });

  it('never deletes an environment named like ours without our mark, and says so in the log', async () => {
    await projects(1, 'DEPLOYED', 'RUNNING');
    // Made before marks existed (this deployment's, or not), and by another deployment that was
    // given the same prefix: the reconciler cannot tell them from its own by the prefix.
    const unmarked = await client().createEnvironment(PROJECT, { name: `${PREFIX}-appwrite-98` });
    const foreign = await client().createEnvironment(PROJECT, { name: `${PREFIX}-appwrite-97-ffff0000ffff` });
    const lines: string[] = [];
    const summary = await run(
      reconciler({ log: createLogger({ level: 'info', write: (l) => lines.push(l) }) }),
    );
    expect(summary).toMatchObject({ orphansRemoved: 0, failures: [] });
    expect(qovery.calls.some((c) => c.method === 'DELETE')).toBe(false);
    expect(qovery.state.environments.has(unmarked.id) && qovery.state.environments.has(foreign.id)).toBe(
      true,
    );
    const warned = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'reconcile.orphans.left-alone');
    expect(warned).toMatchObject({
      level: 'warn',
      environments: [`${PREFIX}-appwrite-98`, `${PREFIX}-appwrite-97-ffff0000ffff`],
    });
    // Proving costs no call: one status listing, one listing of names, no per-environment look.
    expect(summary.qoveryCalls).toBe(2);
  });

  it("does not let a deletion wait on, nor take, another deployment's environment of the same row id", async () => {
    await hasura.db.exec(`INSERT INTO project (owner_id, name, slot, status) VALUES (1, 'p', 1, 'DELETING')`);
    const theirs = await client().createEnvironment(PROJECT, { name: `${PREFIX}-appwrite-1-ffff0000ffff` });
    const summary = await run();
    expect(await rows()).toEqual([]);
    expect(summary.deletionsFinished).toBe(1);
    expect(qovery.state.environments.has(theirs.id)).toBe(true);
  });
});

describe('two deployments on one Qovery project', () => {
  const client = () => createQoveryClient({ baseUrl: qovery.url, token: TOKEN });
  const OTHER = '9f8e7d6c5b4a';

  it("with the old empty prefix, neither takes the other's instances for orphans", async () => {
    // Deployment A (this one, rows in this Hasura) and deployment B (rows in a Hasura of its own),
    // both without a prefix, as every deployment was before it was required. Row ids overlap.
    const a = () =>
      reconciler({
        instances: standInInstances(qovery, { settings: { environmentPrefix: '', deploymentId: MARK } }),
      });
    const p = createProjects({
      hasura: hasura.client,
      instances: standInInstances(qovery, { settings: { environmentPrefix: '', deploymentId: MARK } }),
      storage,
      maxProjectsPerUser: 10,
      requireEmailVerification: true,
    });
    await p.create('mine', { userId: 1, deadline: Date.now() + 20_000, log: silent });
    const mine = environment(0);
    if (!mine) throw new Error('no environment');
    expect(mine.resource.name).toBe(`appwrite-1-${MARK}`);
    // B's instances: its rows 1 and 2, and one it made before marks existed.
    const theirs = await Promise.all(
      [`appwrite-1-${OTHER}`, `appwrite-2-${OTHER}`, 'appwrite-3'].map((name) =>
        client().createEnvironment(PROJECT, { name }),
      ),
    );
    // A's own orphan (a CreateProject whose clean-up failed) still goes.
    const orphan = await client().createEnvironment(PROJECT, { name: `appwrite-9-${MARK}` });
    const summary = await run(a());
    expect(summary.orphansRemoved).toBe(1);
    expect(qovery.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual([
      `/environment/${orphan.id}`,
    ]);
    for (const environment of theirs) expect(qovery.state.environments.has(environment.id)).toBe(true);
    expect(qovery.state.environments.has(mine.resource.id)).toBe(true);
    expect((await rows()).map((r) => r.status)).toEqual(['STOPPED']);
  });

  it("a DeleteProject whose environment id was lost never deletes the other's environment of that row id", async () => {
    const settings = { environmentPrefix: PREFIX, deploymentId: MARK };
    await hasura.db.exec(`INSERT INTO project (owner_id, name, slot, status, created_at)
      VALUES (1, 'p', 1, 'ERROR', now() - interval '1 hour')`);
    const theirs = await client().createEnvironment(PROJECT, { name: `${PREFIX}-appwrite-1-${OTHER}` });
    const unmarked = await client().createEnvironment(PROJECT, { name: `${PREFIX}-appwrite-1` });
    const p = createProjects({
      hasura: hasura.client,
      instances: standInInstances(qovery, { settings }),
      storage,
      maxProjectsPerUser: 10,
      requireEmailVerification: true,
    });
    await expect(p.remove(1, { userId: 1, deadline: Date.now() + 10_000, log: silent })).resolves.toEqual({
      ok: true,
    });
    expect(qovery.calls.some((c) => c.method === 'DELETE')).toBe(false);
    expect(qovery.state.environments.has(theirs.id) && qovery.state.environments.has(unmarked.id)).toBe(true);
    expect(await rows()).toEqual([]);
  });
});

describe('orphans, cost', () => {
  it('costs no extra Qovery call when every environment has its row', async () => {
    await projects(2, 'DEPLOYED', 'RUNNING');
    expect((await run()).qoveryCalls).toBe(1);
  });
});

describe('purge', () => {
  it('forgets expired and long-revoked refresh tokens and past rate-limit windows, and keeps the rest', async () => {
    await hasura.db.exec(`
      INSERT INTO refresh_token (user_id, family_id, token_hash, expires_at, family_expires_at, revoked_at) VALUES
        (1, gen_random_uuid(), 'expired', now() - interval '1 minute', now() - interval '1 minute', NULL),
        (1, gen_random_uuid(), 'revoked-long-ago', now() + interval '1 day', now() + interval '1 day', now() - interval '2 days'),
        (1, gen_random_uuid(), 'revoked-just-now', now() + interval '1 day', now() + interval '1 day', now()),
        (1, gen_random_uuid(), 'live', now() + interval '1 day', now() + interval '1 day', NULL);
      INSERT INTO rate_limit (key, window_start, hits, expires_at) VALUES
        ('signin-email:old', now() - interval '1 hour', 3, now() - interval '55 minutes'),
        ('signin-email:now', now(), 1, now() + interval '5 minutes');`);
    const summary = await run();
    const left = await hasura.db.query<{ token_hash: string }>(
      'SELECT token_hash FROM refresh_token ORDER BY token_hash',
    );
    expect(left.rows.map((r) => r.token_hash)).toEqual(['live', 'revoked-just-now']);
    expect((await hasura.db.query<{ key: string }>('SELECT key FROM rate_limit')).rows).toEqual([
      { key: 'signin-email:now' },
    ]);
    expect(summary).toMatchObject({ purgedRefreshRows: 2, purgedRateLimits: 1 });
  });
});

describe('safety', () => {
  it('two overlapping runs reach the same state as one, each row changed once', async () => {
    await projects(4, 'DEPLOYED', 'STARTING');
    const [a, b] = await Promise.all([run(), run()]);
    expect((await rows()).map((r) => r.status)).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING']);
    expect((a?.changed ?? 0) + (b?.changed ?? 0)).toBe(4);
    expect([...(a?.failures ?? []), ...(b?.failures ?? [])]).toEqual([]);
  });

  it('never overwrites a status an action wrote after the run read the row', async () => {
    await projects(1, 'DEPLOYED', 'STARTING');
    const racing: HasuraClient = {
      async request(doc, variables, options) {
        if (String(doc).includes('mutation MoveProjects'))
          await hasura.db.exec(`UPDATE project SET status = 'STOPPING'`); // a StopProject got there first
        return hasura.client.request(doc, variables, options);
      },
    };
    const summary = await run(reconciler({ hasura: racing }));
    expect((await rows())[0]?.status).toBe('STOPPING');
    expect(summary.changed).toBe(0);
  });

  it('a run that dies half-way leaves nothing wrong, and the next run finishes', async () => {
    await projects(2, 'DEPLOYED', 'STARTING');
    const dying: HasuraClient = {
      request: (doc, variables, options) =>
        String(doc).includes('mutation MoveProjects')
          ? Promise.reject(new Error('Lambda killed'))
          : hasura.client.request(doc, variables, options),
    };
    expect((await run(reconciler({ hasura: dying }))).failures).toEqual(['statuses']);
    expect((await rows()).map((r) => r.status)).toEqual(['STARTING', 'STARTING']);
    await run();
    expect((await rows()).map((r) => r.status)).toEqual(['RUNNING', 'RUNNING']);
  });

  it('with Qovery down, changes no project but still purges', async () => {
    await projects(1, 'DEPLOYED', 'STARTING');
    qovery.faults.inject({ path: /^\/project\//, status: 503, times: Number.POSITIVE_INFINITY });
    const summary = await run();
    expect(summary.failures).toEqual(['qovery-status']);
    expect((await rows())[0]?.status).toBe('STARTING');
    expect(hasura.calls.at(-1)).toBe('PurgeExpired');
  });

  it('with Qovery slower than the budget, stops in time and changes nothing', async () => {
    await projects(1, 'DEPLOYED', 'STARTING');
    qovery.faults.inject({ path: /^\/project\//, delayMs: 1500, times: Number.POSITIVE_INFINITY });
    const summary = await run(reconciler({ timeoutMs: 500 }), 3000);
    expect(summary.failures[0]).toBe('qovery-status');
    expect((await rows())[0]?.status).toBe('STARTING');
  });

  it('writes one summary line per run', async () => {
    await projects(1, 'DEPLOYED', 'STARTING');
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
    await run(reconciler({ log }));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      message: 'reconcile',
      checked: 1,
      changed: 1,
      orphansRemoved: 0,
      failures: [],
    });
  });
});

describe('extension steps', () => {
  it('runs plugged-in steps with every row and its Qovery state (e.g. finishing a provisioning)', async () => {
    await projects(1, 'DEPLOYED', 'RUNNING');
    const seen: string[] = [];
    const step: ReconcileStep = {
      name: 'provisioning',
      async run({ rows, states }) {
        for (const row of rows) seen.push(`${row.id}:${states.get(row.qovery_environment_id ?? '')}`);
        return { changed: 0 };
      },
    };
    await run(reconciler({ steps: [step] }));
    expect(seen).toEqual(['1:DEPLOYED']);
  });
});

describe('MoveProjects', () => {
  it('builds one valid mutation for any number of groups', async () => {
    const { doc, variables } = MoveProjects([
      { ids: [1, 2], from: 'STARTING', status: 'RUNNING', reason: null },
      { ids: [3], from: 'RUNNING', status: 'ERROR', reason: reasons.removedOutside },
    ]);
    const { validate, parse } = await import('graphql');
    expect(validate(hasura.engine.schemaFor('admin'), parse(String(doc)))).toEqual([]);
    expect(variables).toMatchObject({ ids0: [1, 2], from1: 'RUNNING' });
  });
});
