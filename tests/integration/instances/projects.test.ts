import { createLogger } from '../../../lib/basics/log';
import { APPWRITE_VERSION } from '../../../lib/instances/blueprint/versions';
import { type Caller, createProjects } from '../../../lib/instances/projects';
import { createReconciler } from '../../../lib/instances/reconciler';
import type { HasuraClient } from '../../../lib/platform/hasura/client';
import { createQoveryClient } from '../../../lib/platform/qovery/client';
import { createStorage } from '../../../lib/platform/storage';
import type { QoveryStandIn } from '../../../sandbox/qovery';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3';
import type { TestHasura } from '../../helpers/hasura';
import { outcome as code } from '../../helpers/outcome';
import {
  closeStandIns,
  QOVERY_PROJECT as PROJECT,
  resetStandIns,
  standInInstances,
  startStandIns,
  QOVERY_TOKEN as TOKEN,
} from '../../helpers/stand-ins';
import { eventually } from '../../helpers/wait';

const log = createLogger({ level: 'silent' });

let hasura: TestHasura;
let qovery: QoveryStandIn;
let s3: S3StandIn;
let storage: ReturnType<typeof createStorage>;

beforeAll(async () => {
  [{ hasura, qovery }, s3] = await Promise.all([startStandIns(), startS3StandIn()]);
  storage = createStorage({
    provider: 's3-compatible',
    region: s3.region,
    endpoint: s3.endpoint,
    bucketPrefix: 'appwrite-test',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
});
afterAll(async () => {
  await Promise.all([closeStandIns({ hasura, qovery }), s3.close()]);
});
/** The S3 stand-in's buckets. */
async function buckets(): Promise<string[]> {
  const { S3Client, ListBucketsCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const { Buckets } = await client.send(new ListBucketsCommand({}));
  return (Buckets ?? []).flatMap((b) => (b.Name ? [b.Name] : [])).sort();
}
beforeEach(async () => {
  for (const bucket of await buckets())
    await storage.remove({ id: Number(bucket.replace('appwrite-test-', '')), bucket_stem: null });
  await resetStandIns({ hasura, qovery }, ['ada@example.com', 'bob@example.com']);
});

function projects(
  options: {
    maxProjectsPerUser?: number;
    hasura?: HasuraClient;
    timeoutMs?: number;
    requireEmailVerification?: boolean;
  } = {},
) {
  const instances = standInInstances(qovery, {
    timeoutMs: options.timeoutMs,
    cleanupTimeoutMs: 2000,
    cleanupRecheckMs: 50,
  });
  return createProjects({
    hasura: options.hasura ?? hasura.client,
    instances,
    storage,
    maxProjectsPerUser: options.maxProjectsPerUser ?? 3,
    requireEmailVerification: options.requireEmailVerification ?? true,
    cleanupTimeoutMs: 2000,
  });
}

/** A run of the scheduled reconciler, which keeps the rows true (ProjectStatus reads them only). */
const reconcile = () =>
  createReconciler({ hasura: hasura.client, instances: standInInstances(qovery), storage, log }).run({
    deadline: Date.now() + 10_000,
  });
/** The status of a project once the reconciler has looked at it. */
const looked = async (id: number) => {
  await reconcile();
  return projects().status(id, ada());
};

const ada = (): Caller => ({ userId: 1, deadline: Date.now() + 20_000, log });
const bob = (): Caller => ({ userId: 2, deadline: Date.now() + 20_000, log });
const rows = (sql: string) => hasura.rows(sql);
const liveEnvironments = () => [...qovery.state.environments.values()].filter((e) => e.state !== 'DELETED');

describe('CreateProject', () => {
  it('creates an environment with every AppWrite service and a bucket, and stores the row with the Qovery ids', async () => {
    const created = await projects().create('myproject', ada());
    expect(created).toEqual({
      id: 1,
      name: 'myproject',
      url: expect.stringMatching(/^https:\/\/z[0-9a-f]{8}-z[0-9a-f]{8}-gtw\.oom\.sh$/),
      status: 'STOPPED',
    });
    const [row] = await rows('SELECT * FROM project');
    expect(row).toMatchObject({
      id: 1,
      owner_id: 1,
      name: 'myproject',
      status: 'STOPPED',
      url: created.url,
      slot: 1,
      // The release it was created with: what an upgrade starts from.
      appwrite_version: APPWRITE_VERSION,
      appwrite_target_version: null,
    });
    for (const column of [
      'qovery_environment_id',
      'qovery_appwrite_id',
      'qovery_mariadb_id',
      'qovery_redis_id',
    ])
      expect(row?.[column]).toEqual(expect.any(String));
    const [environment] = liveEnvironments();
    expect(environment?.resource.id).toBe(row?.qovery_environment_id);
    expect(environment?.resource.name).toBe('appwrite-1');
    const services = [...qovery.state.services.values()].filter(
      (s) => s.environmentId === row?.qovery_environment_id,
    );
    expect(services.map((s) => s.resource.name)).toEqual(
      expect.arrayContaining(['proxy', 'appwrite', 'mariadb', 'redis']),
    );
    expect(services).toHaveLength(20);
    expect(await buckets()).toContain('appwrite-test-1');
    // The owner's e-mail, from the users table, is the only one the console admits.
    const variables = qovery.state.environments.get(String(row?.qovery_environment_id))?.variables;
    expect(variables?.get('_APP_CONSOLE_WHITELIST_EMAILS')?.value).toBe('ada@example.com');
    expect(variables?.get('_APP_STORAGE_S3_BUCKET')?.value).toBe('appwrite-test-1');
  });

  it('a failed create leaves neither an environment nor a bucket nor a row', async () => {
    qovery.faults.inject({
      method: 'POST',
      path: /^\/variable$/,
      status: 400,
      times: Number.POSITIVE_INFINITY,
    });
    expect(await code(projects().create('broken', ada()))).toBe('internal-error');
    await eventually(() => liveEnvironments().length === 0);
    expect(await rows('SELECT * FROM project')).toEqual([]);
    expect((await buckets()).filter((b) => b.startsWith('appwrite-test-'))).toEqual([]);
  });

  it('names environments from our ids, so two projects with the same name do not collide', async () => {
    await projects().create('same', ada());
    await projects().create('same', bob());
    expect(
      liveEnvironments()
        .map((e) => e.resource.name)
        .sort(),
    ).toEqual(['appwrite-1', 'appwrite-2']);
  });

  it('holds the quota under 20 simultaneous calls: exactly 3 instances, and nothing else left', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => code(projects().create(`p${i}`, ada()))),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'quota-exceeded')).toHaveLength(17);
    expect(await rows('SELECT count(*)::int AS n FROM project WHERE owner_id = 1')).toEqual([{ n: 3 }]);
    expect(liveEnvironments()).toHaveLength(3);
  });

  it('frees a quota slot when a project is deleted', async () => {
    const p = projects({ maxProjectsPerUser: 1 });
    const first = await p.create('one', ada());
    expect(await code(p.create('two', ada()))).toBe('quota-exceeded');
    await p.remove(first.id, ada());
    // The slot stays taken until Qovery confirms the environment gone.
    expect(await code(p.create('two', ada()))).toBe('quota-exceeded');
    await eventually(() => liveEnvironments().length === 0);
    await reconcile();
    expect(await code(p.create('two', ada()))).toBe('ok');
  });

  const steps: [string, string, RegExp][] = [
    ['creating the environment', 'POST', /^\/project\/[^/]+\/environment$/],
    ['creating a container', 'POST', /^\/environment\/[^/]+\/container$/],
    ["creating the proxy's file variable", 'POST', /^\/variable$/],
    ['importing variables and secrets', 'POST', /^\/container\/[^/]+\/environmentVariable\/import$/],
    ['reading the public link', 'GET', /^\/container\/[^/]+\/link$/],
  ];
  const faults: [string, { status?: number; drop?: boolean; delayMs?: number; times?: number }][] = [
    ['a 500', { status: 500, times: Number.POSITIVE_INFINITY }],
    ['a 429', { status: 429, times: Number.POSITIVE_INFINITY }],
    ['a dropped connection', { drop: true, times: Number.POSITIVE_INFINITY }],
    // Longer than the client's 800 ms timeout, shorter than the 2 s clean-up budget: Qovery
    // carries out the request after the client gave up, and the clean-up must still find it.
    ['a timeout', { delayMs: 1500, times: Number.POSITIVE_INFINITY }],
  ];
  describe.each(steps)('when Qovery fails while %s', (_step, method, path) => {
    it.each(faults)(
      'with %s, answers QUEUED (the create waits for Qovery) and leaves nothing on Qovery or in storage',
      async (_fault, fault) => {
        qovery.faults.inject({ method, path, ...fault });
        const created = await projects({ timeoutMs: 800 }).create('myproject', ada());
        expect(created).toMatchObject({ url: '', status: 'QUEUED' });
        qovery.faults.clear();
        // Nothing in flight any more (a late request could still create something), and nothing left.
        await eventually(
          () => qovery.calls.every((c) => c.status !== undefined) && liveEnvironments().length === 0,
        );
        expect(await rows('SELECT status FROM project')).toEqual([{ status: 'QUEUED' }]);
        expect(await rows(`SELECT kind FROM instance_task WHERE state = 'queued'`)).toEqual([
          { kind: 'create' },
        ]);
        expect(await buckets()).toEqual([]);
      },
    );
  });

  it('removes the environment again when the row cannot be saved after provisioning', async () => {
    const failing: HasuraClient = {
      request: (doc, variables, options) =>
        String(doc).includes('mutation SaveProvisionedProject')
          ? Promise.reject(new Error('Hasura is down'))
          : hasura.client.request(doc, variables, options),
    };
    expect(await code(projects({ hasura: failing }).create('myproject', ada()))).toBe('internal-error');
    await eventually(() => liveEnvironments().length === 0);
    expect(await rows('SELECT * FROM project')).toEqual([]);
  });
});

describe('StartProject, StopProject, ProjectStatus', () => {
  it('starts, reports the status as it moves, and writes it back to the row', async () => {
    const { id } = await projects().create('myproject', ada());
    await expect(projects().start(id, ada())).resolves.toEqual({ ok: true });
    expect(await rows('SELECT status FROM project')).toEqual([{ status: 'STARTING' }]);
    await eventually(async () => (await looked(id)).status === 'RUNNING');
    expect(await rows('SELECT status FROM project')).toEqual([{ status: 'RUNNING' }]);
    expect(await projects().status(id, ada())).toEqual({
      id,
      status: 'RUNNING',
      url: expect.stringMatching(/^https:/),
      reason: null,
    });
  });

  it('is idempotent: starting a running instance is ok and deploys nothing', async () => {
    const { id } = await projects().create('myproject', ada());
    await projects().start(id, ada());
    await eventually(async () => (await looked(id)).status === 'RUNNING');
    const deploys = () =>
      qovery.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/deploy')).length;
    const before = deploys();
    await expect(projects().start(id, ada())).resolves.toEqual({ ok: true });
    expect(deploys()).toBe(before);
  });

  it('stops, and stopping a stopped instance is ok and stops nothing', async () => {
    const { id } = await projects().create('myproject', ada());
    await projects().start(id, ada());
    await eventually(async () => (await looked(id)).status === 'RUNNING');
    await expect(projects().stop(id, ada())).resolves.toEqual({ ok: true });
    expect(await rows('SELECT status FROM project')).toEqual([{ status: 'STOPPING' }]);
    await eventually(async () => (await looked(id)).status === 'STOPPED');
    const stops = () => qovery.calls.filter((c) => c.path.endsWith('/stop')).length;
    const before = stops();
    await expect(projects().stop(id, ada())).resolves.toEqual({ ok: true });
    expect(stops()).toBe(before);
  });

  it.each(['start', 'stop', 'status', 'remove'] as const)(
    '%s answers not-found for another user’s project and for an unknown id, touching nothing',
    async (method) => {
      const { id } = await projects().create('myproject', ada());
      qovery.calls.length = 0;
      expect(await code(projects()[method](id, bob()))).toBe('not-found');
      expect(await code(projects()[method](999, ada()))).toBe('not-found');
      expect(qovery.calls).toEqual([]);
      expect(await rows('SELECT status FROM project')).toEqual([{ status: 'STOPPED' }]);
    },
  );

  it('puts a start Qovery cannot take back in the queue, and asked again once Qovery answers, runs it', async () => {
    const { id } = await projects().create('myproject', ada());
    qovery.faults.inject({ method: 'POST', path: /\/deploy$/, status: 503, times: Number.POSITIVE_INFINITY });
    expect(await code(projects().start(id, ada()))).toBe('ok');
    expect(await rows('SELECT status FROM project')).toEqual([{ status: 'QUEUED' }]);
    qovery.faults.clear();
    expect(await code(projects().start(id, ada()))).toBe('ok');
    expect(await rows('SELECT status FROM project')).toEqual([{ status: 'STARTING' }]);
  });
});

describe('an unverified email or a deleted account', () => {
  const unverify = () => hasura.db.exec(`UPDATE "user" SET email_verified = false WHERE id = 1`);

  it('refuses CreateProject with email-not-verified, and creates nothing anywhere', async () => {
    await unverify();
    expect(await code(projects().create('myproject', ada()))).toBe('email-not-verified');
    expect(await rows('SELECT * FROM project')).toEqual([]);
    expect(qovery.calls).toEqual([]);
  });

  it('refuses StartProject with email-not-verified, and deploys nothing', async () => {
    const { id } = await projects().create('myproject', ada());
    await unverify();
    qovery.calls.length = 0;
    expect(await code(projects().start(id, ada()))).toBe('email-not-verified');
    expect(qovery.calls).toEqual([]);
  });

  it('still lets an unverified owner stop, look at and delete what they have', async () => {
    const { id } = await projects().create('myproject', ada());
    await unverify();
    expect(await code(projects().stop(id, ada()))).toBe('ok');
    expect(await code(projects().status(id, ada()))).toBe('ok');
    expect(await code(projects().remove(id, ada()))).toBe('ok');
  });

  it('creates and starts for an unverified owner when the operator lifted the requirement', async () => {
    await unverify();
    const lifted = projects({ requireEmailVerification: false });
    const { id } = await lifted.create('myproject', ada());
    expect(await code(lifted.start(id, ada()))).toBe('ok');
  });

  it('refuses CreateProject and StartProject to an access token whose account was deleted', async () => {
    const { id } = await projects().create('myproject', ada());
    await hasura.db.exec(`DELETE FROM "user" WHERE id = 1`);
    expect(await code(projects().create('other', ada()))).toBe('account-not-found');
    expect(await code(projects({ requireEmailVerification: false }).start(id, ada()))).toBe(
      'account-not-found',
    );
  });
});

describe('DeleteProject', () => {
  it('deletes the environment on Qovery, then the bucket and the row once Qovery confirms it gone', async () => {
    const { id } = await projects().create('myproject', ada());
    expect(await buckets()).toContain(`appwrite-test-${id}`);
    await expect(projects().remove(id, ada())).resolves.toEqual({ ok: true });
    expect(await rows('SELECT status FROM project')).toEqual([{ status: 'DELETING' }]);
    // The files stay until Qovery confirms the instance that uses them gone.
    expect(await buckets()).toContain(`appwrite-test-${id}`);
    await eventually(() => liveEnvironments().length === 0);
    await reconcile();
    expect(await rows('SELECT * FROM project')).toEqual([]);
    expect(await buckets()).not.toContain(`appwrite-test-${id}`);
    expect(qovery.calls.some((c) => c.method === 'DELETE' && /^\/environment\/[^/]+$/.test(c.path))).toBe(
      true,
    );
  });

  it('succeeds when the environment is already gone on Qovery', async () => {
    const { id } = await projects().create('myproject', ada());
    qovery.state.environments.clear();
    await expect(projects().remove(id, ada())).resolves.toEqual({ ok: true });
    expect(await rows('SELECT * FROM project')).toEqual([]);
  });

  it('queues the deletion of a project being created, to follow its create', async () => {
    await hasura.db.exec(`INSERT INTO project (owner_id, name, slot, status) VALUES (1, 'p', 1, 'CREATING')`);
    await hasura.db.exec(`INSERT INTO instance_task (project_id, owner_id, kind, cost, state, queued_at, started_at, lease_until)
      VALUES (1, 1, 'create', 30, 'running', now(), now(), now() + interval '1 minute')`);
    expect(await code(projects().remove(1, ada()))).toBe('ok');
    expect(await rows('SELECT status FROM project')).toEqual([{ status: 'CREATING' }]);
    expect(await rows(`SELECT kind FROM instance_task WHERE state = 'queued'`)).toEqual([{ kind: 'delete' }]);
    expect(await projects().status(1, ada())).toEqual({ id: 1, status: 'CREATING', url: null, reason: null });
  });

  it('cleans up after a CreateProject that died mid-way: status ERROR, then delete finds its environment by name', async () => {
    await hasura.db.exec(
      `INSERT INTO project (owner_id, name, slot, status, created_at) VALUES (1, 'p', 1, 'CREATING', now() - interval '10 minutes')`,
    );
    await hasura.db.exec(`UPDATE project SET status_changed_at = now() - interval '10 minutes'`);
    const client = createQoveryClient({ baseUrl: qovery.url, token: TOKEN });
    await client.createEnvironment(PROJECT, { name: 'appwrite-1' });
    await client.createEnvironment(PROJECT, { name: 'appwrite-10' });
    expect(await looked(1)).toEqual({
      id: 1,
      status: 'ERROR',
      url: null,
      reason: expect.stringMatching(/interrupted/),
    });
    await expect(projects().remove(1, ada())).resolves.toEqual({ ok: true });
    await eventually(() => liveEnvironments().every((e) => e.resource.name !== 'appwrite-1'));
    await reconcile();
    expect(await rows('SELECT * FROM project')).toEqual([]);
    expect(liveEnvironments().map((e) => e.resource.name)).toEqual(['appwrite-10']);
  });

  it('keeps the deletion queued when Qovery cannot delete; asked again, it finishes the job', async () => {
    const { id } = await projects().create('myproject', ada());
    qovery.faults.inject({
      method: 'DELETE',
      path: /^\/environment\//,
      status: 503,
      times: Number.POSITIVE_INFINITY,
    });
    expect(await code(projects().remove(id, ada()))).toBe('ok');
    expect(await rows('SELECT status FROM project')).toEqual([{ status: 'QUEUED' }]);
    expect(await code(projects().start(id, ada()))).toBe('project-busy');
    qovery.faults.clear();
    await expect(projects().remove(id, ada())).resolves.toEqual({ ok: true });
    await eventually(() => liveEnvironments().length === 0);
    await reconcile();
    expect(await rows('SELECT * FROM project')).toEqual([]);
  });
});
