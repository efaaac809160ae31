import { StateEnum } from 'qovery-typescript-axios';
import { AppError } from '../../../lib/basics/errors';
import type { QoverySettings } from '../../../lib/instances/blueprint/blueprint';
import { CADDYFILE, CADDYFILE_PATH } from '../../../lib/instances/blueprint/proxy';
import { services } from '../../../lib/instances/blueprint/services';
import {
  createInstances,
  type ProjectStatus,
  projectStatusOf,
  provisionCalls,
  ROUND_TRIPS,
} from '../../../lib/instances/instances';
import {
  createQoveryClient,
  QoveryError,
  type QoveryErrorKind,
  toAppError,
} from '../../../lib/platform/qovery/client';
import { type Fault, type QoveryStandIn, startQoveryStandIn } from '../../../sandbox/qovery';
import fixture from '../../fixtures/qovery/settings.json';
import { instanceSettings, provisionInputs } from '../../helpers/instance';
import { eventually } from '../../helpers/wait';

const STEP_MS = 10;
/** Short enough for fast timeout tests, long enough for a loaded CI machine. */
const TIMEOUT_MS = 300;
const SLOW_MS = 500;
const RECHECK_MS = 600;

interface Logged {
  level: 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

async function setUp(overrides: Partial<QoverySettings> = {}, standIn?: QoveryStandIn, timeoutMs = 5000) {
  const qovery =
    standIn ??
    (await startQoveryStandIn({
      token: fixture.token,
      stepMs: STEP_MS,
      projectIds: [fixture.projectId],
      registryIds: [fixture.registryId],
    }));
  const settings: QoverySettings = {
    apiUrl: qovery.url,
    token: fixture.token,
    projectId: fixture.projectId,
    registryId: fixture.registryId,
    instance: instanceSettings,
    ...overrides,
  };
  const client = createQoveryClient({
    baseUrl: settings.apiUrl,
    token: settings.token,
    timeoutMs,
    retries: 2,
    random: () => 0,
  });
  const logs: Logged[] = [];
  const instances = createInstances({
    client,
    settings,
    cleanupTimeoutMs: 1500,
    cleanupRecheckMs: RECHECK_MS,
    cloneRecheckMs: RECHECK_MS,
    log: {
      warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
      error: (message, fields) => logs.push({ level: 'error', message, fields }),
    },
  });
  return { qovery, settings, instances, logs };
}

const deadline = () => Date.now() + 10_000;

function containerNamed(qovery: QoveryStandIn, environmentId: string, name: string) {
  return [...qovery.state.services.values()].find(
    (s) => s.environmentId === environmentId && s.resource.name === name,
  );
}

function storedVariable(qovery: QoveryStandIn, serviceId: string, key: string) {
  const service = qovery.state.services.get(serviceId);
  return service?.kind === 'CONTAINER' ? service.variables.get(key) : undefined;
}

describe('provision from the blueprint', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  beforeEach(async () => {
    env = await setUp();
  });
  afterEach(() => env.qovery.close());

  test('creates one environment named after the row, holding every service of the blueprint', async () => {
    const { qovery, instances } = env;
    const result = await instances.provision(42, provisionInputs(), { deadline: deadline() });

    expect(result).toEqual({
      environmentId: expect.any(String),
      appwriteId: result.serviceIds.proxy,
      mariadbId: result.serviceIds.mariadb,
      redisId: result.serviceIds.redis,
      serviceIds: expect.any(Object),
      url: expect.stringMatching(/^https:\/\/z[0-9a-f]{8}-z[0-9a-f]{8}-gtw\.oom\.sh$/),
    });
    expect([...qovery.state.environments.values()].map((e) => e.resource)).toEqual([
      expect.objectContaining({
        id: result.environmentId,
        name: 'appwrite-42',
        mode: 'PRODUCTION',
        project: { id: fixture.projectId },
      }),
    ]);
    const created = [...qovery.state.services.values()].map((s) => s.resource.name).sort();
    expect(created).toEqual(
      services(instanceSettings)
        .map((s) => s.name)
        .sort(),
    );
    expect(Object.keys(result.serviceIds).sort()).toEqual(created);

    const api = qovery.state.services.get(result.serviceIds.appwrite ?? '');
    expect(api?.kind === 'CONTAINER' && api.resource).toMatchObject({
      image_name: 'appwrite/appwrite',
      tag: '1.9.6',
      registry_id: fixture.registryId,
      ports: [expect.objectContaining({ internal_port: 80, publicly_accessible: false })],
    });
    // Only the proxy is public: the instance's one host.
    const publicOnes = [...qovery.state.links.keys()];
    expect(publicOnes).toEqual([result.serviceIds.proxy]);
    const mariadb = qovery.state.services.get(result.mariadbId);
    expect(mariadb?.kind === 'CONTAINER' && mariadb.resource).toMatchObject({
      image_name: 'mariadb',
      ports: [expect.objectContaining({ internal_port: 3306, publicly_accessible: false })],
      storage: [expect.objectContaining({ mount_point: '/var/lib/mysql' })],
    });
    // The proxy's configuration is a file variable mounted where its command reads it.
    const proxy = qovery.state.services.get(result.appwriteId);
    expect(proxy?.kind === 'CONTAINER' && proxy.resource.arguments).toContain(CADDYFILE_PATH);
    expect(proxy?.kind === 'CONTAINER' && proxy.files.get(CADDYFILE_PATH)?.value).toBe(CADDYFILE);
  });

  test('wires every service to its own MariaDB, Redis, bucket and host, so the deployment succeeds', async () => {
    const { qovery, instances } = env;
    const result = await instances.provision(7, provisionInputs('Owner@Example.com'), {
      deadline: deadline(),
    });
    const app = qovery.resolveVariables(result.serviceIds.appwrite ?? '');
    const db = qovery.resolveVariables(result.mariadbId);
    const proxy = qovery.resolveVariables(result.appwriteId);
    expect(app.missing).toEqual([]);
    expect(db.missing).toEqual([]);

    expect(app.values).toMatchObject({
      _APP_ENV: 'production',
      _APP_DB_ADAPTER: 'mariadb',
      _APP_DB_PORT: '3306',
      _APP_DB_SCHEMA: db.values.MYSQL_DATABASE,
      _APP_DB_USER: db.values.MYSQL_USER,
      _APP_DB_PASS: db.values.MYSQL_PASSWORD,
      _APP_DB_HOST: expect.stringContaining('mariadb'),
      _APP_REDIS_PORT: '6379',
      _APP_REDIS_HOST: expect.stringContaining('redis'),
      _APP_DOMAIN: new URL(result.url ?? '').host,
      _APP_STORAGE_DEVICE: 's3',
      _APP_STORAGE_S3_BUCKET: 'appwrite-cloud-1',
      _APP_CONSOLE_WHITELIST_ROOT: 'enabled',
      _APP_CONSOLE_WHITELIST_EMAILS: 'owner@example.com',
    });
    expect(db.values.MARIADB_AUTO_UPGRADE).toBe('1');
    // The sign-up paths that skip the whitelist stay closed until the owner's account exists.
    expect(app.values._APP_SMTP_HOST).toBeUndefined();
    expect(app.values._APP_SMS_PROVIDER).toBeUndefined();
    expect(app.values._APP_OPENSSL_KEY_V1).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(db.values.MYSQL_ROOT_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(proxy.values.APPWRITE_API_HOST).toContain('appwrite');
    expect(proxy.values.APPWRITE_REALTIME_HOST).toContain('appwrite-realtime');
    const realtime = qovery.resolveVariables(result.serviceIds['appwrite-realtime'] ?? '');
    expect(realtime.values._APP_POOL_ADAPTER).toBe('swoole');
    expect(app.values._APP_POOL_ADAPTER).toBeUndefined();

    await instances.deploy(result.environmentId);
    await eventually(() => qovery.state.environments.get(result.environmentId)?.state === 'DEPLOYED');
    expect(await instances.status(result.environmentId)).toBe('RUNNING');
  });

  test('stores every password and key as a Qovery secret, fresh for each instance, and never returns it', async () => {
    const { qovery, instances } = env;
    const first = await instances.provision(1, provisionInputs(), { deadline: deadline() });
    const second = await instances.provision(2, provisionInputs(), { deadline: deadline() });
    const environmentVariable = (environmentId: string, key: string) =>
      qovery.state.environments.get(environmentId)?.variables.get(key);
    for (const key of [
      '_APP_DB_PASS',
      '_APP_REDIS_PASS',
      '_APP_OPENSSL_KEY_V1',
      '_APP_EXECUTOR_SECRET',
      '_APP_STORAGE_S3_SECRET',
    ]) {
      const a = environmentVariable(first.environmentId, key);
      const b = environmentVariable(second.environmentId, key);
      expect({ key, secret: a?.isSecret }).toEqual({ key, secret: true });
      if (key !== '_APP_STORAGE_S3_SECRET') expect(a?.value).not.toBe(b?.value);
      expect(JSON.stringify([first, second])).not.toContain(a?.value);
    }
    for (const key of ['MYSQL_ROOT_PASSWORD', 'MYSQL_PASSWORD']) {
      expect(storedVariable(qovery, first.mariadbId, key)?.isSecret).toBe(true);
    }
    expect(storedVariable(qovery, first.mariadbId, 'MYSQL_PASSWORD')?.value).not.toBe(
      storedVariable(qovery, first.mariadbId, 'MYSQL_ROOT_PASSWORD')?.value,
    );
    expect(environmentVariable(first.environmentId, '_APP_ENV')?.isSecret).toBe(false);
  });

  test(`takes ${ROUND_TRIPS.provisionBlueprint} requests in 3 stages`, async () => {
    await env.instances.provision(3, provisionInputs(), { deadline: deadline() });
    expect(env.qovery.calls).toHaveLength(ROUND_TRIPS.provisionBlueprint);
    expect(provisionCalls(env.settings)).toEqual({ calls: ROUND_TRIPS.provisionBlueprint, stages: 3 });
  });

  test('a bucket that could not be made fails the provision and leaves no environment', async () => {
    const { qovery, instances } = env;
    const failed = Promise.reject(new Error('S3 said no'));
    const error = await instances
      .provision(4, { ownerEmail: 'o@example.com', storage: failed }, { deadline: deadline() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'S3 said no' });
    await eventually(() => qovery.state.environments.size === 0);
  });

  test('refuses a row id that is not a plain id, before any call', async () => {
    await expect(
      env.instances.provision('../x y', provisionInputs(), { deadline: deadline() }),
    ).rejects.toThrow();
    await expect(env.instances.provision(-1, provisionInputs(), { deadline: deadline() })).rejects.toThrow();
    expect(env.qovery.calls).toHaveLength(0);
  });

  test('a taken environment name is a conflict, and the existing environment is left alone', async () => {
    const { qovery, instances } = env;
    const existing = await instances.provision(5, provisionInputs(), { deadline: deadline() });
    const error = await instances
      .provision(5, provisionInputs(), { deadline: deadline() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'conflict' });
    expect(toAppError(error).code).toBe('infrastructure-conflict');
    expect(qovery.state.environments.get(existing.environmentId)?.state).toBe('READY');
  });

  test('a created environment whose answer was lost is found by name and deleted', async () => {
    const { qovery, instances, logs } = env;
    qovery.faults.inject({
      method: 'POST',
      path: /^\/project\/[^/]+\/environment$/,
      after: true,
      drop: true,
    });
    await expect(instances.provision(8, provisionInputs(), { deadline: deadline() })).rejects.toMatchObject({
      kind: 'unavailable',
    });
    await eventually(() => qovery.state.environments.size === 0);
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  test('a failed clean-up is logged with the orphan, and the original error is what the caller gets', async () => {
    const { qovery, instances, logs } = env;
    qovery.faults.inject({
      method: 'POST',
      path: /\/container$/,
      when: named('redis'),
      status: 422,
      body: { status: 422, detail: 'bad' },
    });
    qovery.faults.inject({
      method: 'DELETE',
      path: /^\/environment\/[^/]+$/,
      status: 500,
      times: Number.POSITIVE_INFINITY,
    });
    const error = await instances
      .provision(9, provisionInputs(), { deadline: deadline() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'rejected', status: 422, operation: 'createContainer' });
    const orphan = [...qovery.state.environments.keys()][0];
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'qovery.provision.cleanup-failed',
        fields: expect.objectContaining({ orphan }),
      }),
    );
  });

  test('an expired deadline fails as a timeout and leaves nothing behind', async () => {
    const { qovery, instances } = env;
    qovery.faults.inject({ method: 'POST', path: /\/container$/, when: named('redis'), delayMs: SLOW_MS });
    const error = await instances
      .provision(10, provisionInputs(), { deadline: Date.now() + 150 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QoveryError);
    expect(toAppError(error).code).toBe('infrastructure-unavailable');
    await eventually(() => qovery.calls.every((c) => c.status !== undefined), {
      what: 'the slow call landing',
    });
    await eventually(() => qovery.state.environments.size === 0 && qovery.state.services.size === 0);
  });
});

describe('provision by cloning a template environment', () => {
  async function withTemplate() {
    const base = await setUp();
    const template = await base.instances.provision('template', provisionInputs(), { deadline: deadline() });
    const cloning = await setUp({ templateEnvironmentId: template.environmentId }, base.qovery);
    base.qovery.calls.length = 0;
    return { ...cloning, template };
  }

  test('clones the template and gives the copy its own services, secrets and wiring', async () => {
    const { qovery, instances, template } = await withTemplate();
    try {
      const result = await instances.provision(11, provisionInputs(), { deadline: deadline() });
      // Listing the clone's containers again while Qovery has not listed them yet is the one extra.
      const lists = qovery.calls.filter((c) => c.method === 'GET' && /\/container$/.test(c.path)).length;
      expect(lists).toBeGreaterThanOrEqual(1);
      expect(qovery.calls).toHaveLength(ROUND_TRIPS.provisionClone + lists - 1);
      expect(qovery.state.environments.get(result.environmentId)?.resource.name).toBe('appwrite-11');
      for (const key of ['appwriteId', 'mariadbId', 'redisId'] as const) {
        expect(result[key]).not.toBe(template[key]);
        expect(qovery.state.services.get(result[key])?.environmentId).toBe(result.environmentId);
      }
      expect(result.url).not.toBe(template.url);
      expect(result.url).toMatch(/^https:\/\/z[0-9a-f]{8}-z[0-9a-f]{8}-gtw\.oom\.sh$/);

      const app = qovery.resolveVariables(result.serviceIds.appwrite ?? '');
      expect(app.missing).toEqual([]);
      expect(app.values._APP_DB_PASS).toBe(qovery.resolveVariables(result.mariadbId).values.MYSQL_PASSWORD);
      expect(app.values._APP_DB_HOST).toContain(result.mariadbId.split('-')[0]);
      const variable = (environmentId: string, key: string) =>
        qovery.state.environments.get(environmentId)?.variables.get(key)?.value;
      for (const key of ['_APP_DB_PASS', '_APP_REDIS_PASS', '_APP_OPENSSL_KEY_V1', '_APP_EXECUTOR_SECRET']) {
        expect(variable(result.environmentId, key)).not.toBe(variable(template.environmentId, key));
      }
      const proxy = qovery.state.services.get(result.appwriteId);
      expect(proxy?.kind === 'CONTAINER' && proxy.files.get(CADDYFILE_PATH)?.value).toBe(CADDYFILE);

      await instances.deploy(result.environmentId);
      await eventually(() => qovery.state.environments.get(result.environmentId)?.state === 'DEPLOYED');
    } finally {
      await qovery.close();
    }
  });

  test("waits for the clone's services: Qovery's clone answers 202 and lists them only later", async () => {
    const { qovery, instances } = await withTemplate();
    try {
      // The first listing comes back empty, as right after Qovery's 202.
      qovery.faults.inject({ method: 'GET', path: /\/container$/, status: 200, body: { results: [] } });
      const result = await instances.provision(12, provisionInputs(), { deadline: deadline() });
      const lists = qovery.calls.filter((c) => c.method === 'GET' && /\/container$/.test(c.path));
      expect(lists).toHaveLength(2);
      expect(qovery.state.services.get(result.appwriteId)?.environmentId).toBe(result.environmentId);
    } finally {
      await qovery.close();
    }
  });

  test('refuses a template without the blueprint services, and deletes the clone', async () => {
    const base = await setUp();
    try {
      const created = await base.instances.provision('template', provisionInputs(), { deadline: deadline() });
      base.qovery.state.services.delete(created.redisId);
      const { instances } = await setUp({ templateEnvironmentId: created.environmentId }, base.qovery);
      const error = await instances
        .provision(12, provisionInputs(), { deadline: deadline() })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('internal-error');
      await eventually(() => base.qovery.state.environments.size === 1);
      expect([...base.qovery.state.environments.keys()]).toEqual([created.environmentId]);
    } finally {
      await base.qovery.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// A fault at each step of provision leaves nothing behind.

type Step = [name: string, fault: Pick<Fault, 'method' | 'path' | 'when'>];
const hasVar = (name: string) => (request: { body: unknown }) =>
  ((request.body as { vars?: { name: string }[] }).vars ?? []).some((v) => v.name === name);
const named = (name: string) => (request: { body: unknown }) =>
  (request.body as { name?: string }).name === name;

const blueprintSteps: Step[] = [
  ['create the environment', { method: 'POST', path: /^\/project\/[^/]+\/environment$/ }],
  ['create the MariaDB container', { method: 'POST', path: /\/container$/, when: named('mariadb') }],
  ['create the Redis container', { method: 'POST', path: /\/container$/, when: named('redis') }],
  ['create the AppWrite container', { method: 'POST', path: /\/container$/, when: named('appwrite') }],
  [
    'import the environment and MariaDB variables',
    { method: 'POST', path: /\/import$/, when: hasVar('MYSQL_PASSWORD') },
  ],
  ["import realtime's variables", { method: 'POST', path: /\/import$/, when: hasVar('_APP_POOL_ADAPTER') }],
  ["create the proxy's file variable", { method: 'POST', path: /^\/variable$/ }],
  ["read the proxy's link", { method: 'GET', path: /\/link$/ }],
];
const cloneSteps: Step[] = [
  ['clone the template', { method: 'POST', path: /\/clone$/ }],
  ['list the containers', { method: 'GET', path: /\/container$/ }],
  blueprintSteps[4] as Step,
  blueprintSteps[7] as Step,
];
const faults: [name: string, fault: Partial<Fault>, kind: QoveryErrorKind][] = [
  ['HTTP 500', { status: 500 }, 'unavailable'],
  ['HTTP 429', { status: 429 }, 'unavailable'],
  ['a dropped connection', { drop: true }, 'unavailable'],
  ['a timeout', { delayMs: SLOW_MS }, 'timeout'],
];
const cases = (strategy: string, steps: Step[]) =>
  steps.flatMap(([step, where]) =>
    faults.map(([what, fault, kind]) => ({ strategy, step, where, what, fault, kind })),
  );

describe('a fault at each step of provision', () => {
  test.concurrent.each([...cases('blueprint', blueprintSteps), ...cases('clone', cloneSteps)])(
    '$strategy: $what when we $step leaves nothing behind',
    async ({ strategy, where, fault, kind }) => {
      const base = await setUp();
      const { qovery } = base;
      try {
        // A short client timeout only where a timeout is the fault: an instance is some 27 calls, and
        // on a loaded machine an answered one may take longer than that.
        const timeoutMs = fault.delayMs ? TIMEOUT_MS : 5000;
        let instances = (await setUp({}, qovery, timeoutMs)).instances;
        let keep = new Set<string>();
        if (strategy === 'clone') {
          const template = await base.instances.provision('template', provisionInputs(), {
            deadline: deadline(),
          });
          keep = new Set([template.environmentId]);
          instances = (await setUp({ templateEnvironmentId: template.environmentId }, qovery, timeoutMs))
            .instances;
        }
        const before = new Set(qovery.state.services.keys());
        qovery.faults.inject({ ...where, ...fault, times: Number.POSITIVE_INFINITY });

        const error = await instances
          .provision(99, provisionInputs(), { deadline: deadline() })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(QoveryError);
        expect((error as QoveryError).kind).toBe(kind);
        expect(toAppError(error).code).toBe('infrastructure-unavailable');

        qovery.faults.clear();
        // Let the slow calls land (each does its work once its delay is over), then look.
        await eventually(() => qovery.calls.every((c) => c.status !== undefined), {
          what: 'the slow calls landing',
        });
        await eventually(() => [...qovery.state.environments.keys()].every((id) => keep.has(id)));
        expect([...qovery.state.services.keys()].filter((id) => !before.has(id))).toEqual([]);
        expect([...qovery.state.links.keys()].filter((id) => !before.has(id))).toEqual([]);
      } finally {
        await qovery.close();
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Lifecycle and status.

describe('lifecycle', () => {
  /**
   * Each test reads a state under way (STARTING, STOPPING, DELETING, a queued deployment) one call
   * after the call that began it: at 10 ms a step a loaded machine lets the state move on between
   * the two calls (a flake seen under load), at 250 ms it does not.
   */
  const LIFECYCLE_STEP_MS = 250;
  let env: Awaited<ReturnType<typeof setUp>>;
  let environmentId: string;
  beforeEach(async () => {
    env = await setUp(
      {},
      await startQoveryStandIn({
        token: fixture.token,
        stepMs: LIFECYCLE_STEP_MS,
        projectIds: [fixture.projectId],
        registryIds: [fixture.registryId],
      }),
    );
    environmentId = (await env.instances.provision(20, provisionInputs(), { deadline: deadline() }))
      .environmentId;
    env.qovery.calls.length = 0;
  });
  afterEach(() => env.qovery.close());

  const stateIs = (state: string) => () => env.qovery.state.environments.get(environmentId)?.state === state;

  test(`deploy starts the environment in ${ROUND_TRIPS.deploy} request; Qovery's 409 while starting is the caller's to decide`, async () => {
    await env.instances.deploy(environmentId);
    expect(env.qovery.calls).toHaveLength(ROUND_TRIPS.deploy);
    expect(await env.instances.status(environmentId)).toBe('STARTING');
    await expect(env.instances.deploy(environmentId)).rejects.toMatchObject({ kind: 'conflict' });
    await eventually(stateIs('DEPLOYED'));
    expect(await env.instances.status(environmentId)).toBe('RUNNING');
  });

  test('stop stops a running environment; stopping a stopped or never started one is a conflict', async () => {
    await expect(env.instances.stop(environmentId)).rejects.toMatchObject({ kind: 'conflict' });
    await env.instances.deploy(environmentId);
    await eventually(stateIs('DEPLOYED'));
    env.qovery.calls.length = 0;
    await env.instances.stop(environmentId);
    expect(env.qovery.calls).toHaveLength(ROUND_TRIPS.stop);
    expect(await env.instances.status(environmentId)).toBe('STOPPING');
    await eventually(stateIs('STOPPED'));
    await expect(env.instances.stop(environmentId)).rejects.toMatchObject({ kind: 'conflict' });
    expect(await env.instances.status(environmentId)).toBe('STOPPED');
  });

  test('a real conflict is still a conflict: stopping while a deployment is queued', async () => {
    await env.instances.deploy(environmentId);
    const error = await env.instances.stop(environmentId).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'conflict' });
    expect(toAppError(error).code).toBe('infrastructure-conflict');
  });

  test('destroy deletes the environment and everything in it; destroying it again is fine', async () => {
    await env.instances.destroy(environmentId);
    expect(env.qovery.calls).toHaveLength(ROUND_TRIPS.destroy);
    expect(await env.instances.status(environmentId)).toBe('DELETING');
    await eventually(() => env.qovery.state.environments.size === 0);
    expect(env.qovery.state.services.size).toBe(0);
    await expect(env.instances.destroy(environmentId)).resolves.toBe('gone');
  });

  test('observe answers the Qovery state, and GONE once the environment no longer exists', async () => {
    await expect(env.instances.observe(environmentId)).resolves.toBe('READY');
    await expect(env.instances.destroy(environmentId)).resolves.toBe('deleting');
    await eventually(() => env.qovery.state.environments.size === 0);
    await expect(env.instances.observe(environmentId)).resolves.toBe('GONE');
  });

  test('cancelDeployment cancels a deployment in progress, and answers false when there is none', async () => {
    await expect(env.instances.cancelDeployment(environmentId)).resolves.toBe(false);
    await env.instances.deploy(environmentId);
    await expect(env.instances.cancelDeployment(environmentId)).resolves.toBe(true);
    await eventually(() => env.qovery.state.environments.get(environmentId)?.state === 'CANCELED');
  });

  test(`observeAll reads every environment's state in ${ROUND_TRIPS.observeAll} request`, async () => {
    env.qovery.calls.length = 0;
    const states = await env.instances.observeAll();
    expect(env.qovery.calls).toHaveLength(ROUND_TRIPS.observeAll);
    expect(states.get(environmentId)).toBe('READY');
  });

  test('status of a vanished environment is a not-found error (an internal error for users)', async () => {
    await env.instances.destroy(environmentId);
    await eventually(() => env.qovery.state.environments.size === 0);
    const error = await env.instances.status(environmentId).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'not-found' });
    expect(toAppError(error).code).toBe('internal-error');
  });

  test('url reads the public link again', async () => {
    const appwrite = [...env.qovery.state.services.values()].find((s) => s.resource.name === 'proxy');
    await expect(env.instances.url(appwrite?.resource.id ?? '')).resolves.toMatch(
      /^https:\/\/.+-gtw\.oom\.sh$/,
    );
    expect(containerNamed(env.qovery, environmentId, 'mariadb')).toBeDefined();
  });

  // Written out independently of projectStatusOf, so a wrong mapping fails here.
  const expected: Record<string, ProjectStatus> = {
    READY: 'STOPPED',
    QUEUED: 'STARTING',
    BUILDING: 'STARTING',
    BUILD_ERROR: 'ERROR',
    DEPLOYMENT_QUEUED: 'STARTING',
    WAITING_RUNNING: 'STARTING',
    DEPLOYING: 'STARTING',
    EXECUTING: 'STARTING',
    RECAP: 'STARTING',
    DEPLOYED: 'RUNNING',
    DEPLOYMENT_ERROR: 'ERROR',
    RESTART_QUEUED: 'STARTING',
    WAITING_RESTARTING: 'STARTING',
    RESTARTING: 'STARTING',
    RESTARTED: 'RUNNING',
    RESTART_ERROR: 'ERROR',
    STOP_QUEUED: 'STOPPING',
    WAITING_STOPPING: 'STOPPING',
    STOPPING: 'STOPPING',
    STOPPED: 'STOPPED',
    STOP_ERROR: 'ERROR',
    CANCELING: 'STOPPING',
    CANCELED: 'STOPPED',
    DELETE_QUEUED: 'DELETING',
    WAITING_DELETING: 'DELETING',
    DELETING: 'DELETING',
    DELETED: 'DELETING',
    DELETE_ERROR: 'ERROR',
    UNAVAILABLE: 'ERROR',
  };

  test('maps exactly the states Qovery publishes', () => {
    expect(Object.keys(projectStatusOf).sort()).toEqual(Object.values(StateEnum).sort());
    expect(Object.keys(expected).sort()).toEqual(Object.values(StateEnum).sort());
  });

  test.each(Object.values(StateEnum))(
    'reports Qovery state %s as the expected project status',
    async (state) => {
      const record = env.qovery.state.environments.get(environmentId);
      if (!record) throw new Error('environment missing');
      record.state = state;
      expect(await env.instances.status(environmentId)).toBe(expected[state]);
    },
  );
});
