import { type QoveryStandIn, startQoveryStandIn } from '../../../../sandbox/qovery';
import fixture from '../../../fixtures/qovery/settings.json';
import { eventually } from '../../../helpers/wait';
import { containerBody, qoveryApi } from './helpers';

const TOKEN = fixture.token;
const PROJECT = fixture.projectId;
const STEP = 20;

let qovery: QoveryStandIn;

beforeEach(async () => {
  qovery = await startQoveryStandIn({
    token: TOKEN,
    stepMs: STEP,
    projectIds: [PROJECT],
    registryIds: [fixture.registryId],
  });
});
afterEach(async () => {
  await qovery.close();
});

const api = (method: string, path: string, body?: unknown, token: string | null = TOKEN) =>
  qoveryApi(qovery.url, method, path, body, token);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function newEnvironment(name = 'appwrite-1'): Promise<string> {
  const created = await api('POST', `/project/${PROJECT}/environment`, { name, mode: 'PRODUCTION' });
  expect(created.status).toBe(201);
  return created.body.id;
}

/**
 * Replaces this test's stand-in by one whose states last `stepMs`: a test that reads a state under
 * way one call after the call that began it must not lose it to a busy machine (at 20 ms a step the
 * deployment can be over before the next call).
 */
async function slowSteps(stepMs: number): Promise<void> {
  await qovery.close();
  qovery = await startQoveryStandIn({
    token: TOKEN,
    stepMs,
    projectIds: [PROJECT],
    registryIds: [fixture.registryId],
  });
}
const SLOW_STEP = 250;

async function stateOf(id: string): Promise<string> {
  return (await api('GET', `/environment/${id}/status`)).body.state;
}

describe('Qovery stand-in: authentication', () => {
  test.each([
    ['no token', null],
    ['a wrong token', 'wrong-token'],
  ])('refuses a call with %s (401, {status, detail}) and changes nothing', async (_label, token) => {
    const answer = await api('POST', `/project/${PROJECT}/environment`, { name: 'x' }, token);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ status: 401, detail: expect.any(String) });
    expect(JSON.stringify(answer.body)).not.toContain(TOKEN);
    expect(qovery.state.environments.size).toBe(0);
  });

  test('refuses a Bearer token: Qovery API tokens go as "Token <token>"', async () => {
    const response = await fetch(`${qovery.url}/project/${PROJECT}/environment`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(401);
  });
});

describe('Qovery stand-in: resources', () => {
  test('creates an environment in READY, with Qovery shapes', async () => {
    const created = await api('POST', `/project/${PROJECT}/environment`, {
      name: 'appwrite-1',
      mode: 'PRODUCTION',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      created_at: expect.any(String),
      name: 'appwrite-1',
      project: { id: PROJECT },
      organization: { id: expect.any(String) },
      mode: 'PRODUCTION',
      cluster_id: expect.any(String),
    });
    const status = await api('GET', `/environment/${created.body.id}/status`);
    expect(status.body).toMatchObject({
      id: created.body.id,
      state: 'READY',
      last_deployment_state: 'READY',
    });
  });

  test('refuses a second environment with the same name in the project (409)', async () => {
    await newEnvironment('appwrite-7');
    const again = await api('POST', `/project/${PROJECT}/environment`, { name: 'APPWRITE-7' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ status: 409, detail: expect.any(String) });
    expect(qovery.state.environments.size).toBe(1);
  });

  test.each([
    ['GET', '/environment/00000000-0000-4000-8000-000000000000/status'],
    ['DELETE', '/environment/00000000-0000-4000-8000-000000000000'],
    ['POST', '/environment/00000000-0000-4000-8000-000000000000/deploy'],
    ['GET', '/container/00000000-0000-4000-8000-000000000000/link'],
    ['POST', '/project/00000000-0000-4000-8000-000000000000/environment'],
  ])('answers 404 with {status, detail} for an unknown id: %s %s', async (method, path) => {
    const answer = await api(method, path, path.endsWith('/environment') ? { name: 'x' } : undefined);
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ status: 404, detail: expect.any(String) });
  });

  test('refuses a container without the fields ContainerRequest requires (400)', async () => {
    const env = await newEnvironment();
    const answer = await api('POST', `/environment/${env}/container`, { name: 'x' });
    expect(answer.status).toBe(400);
    expect(qovery.state.services.size).toBe(0);
    const [violation] = qovery.takeViolations();
    expect(violation?.operationId).toBe('createContainer');
    expect(violation?.problems).toContain(
      `body must have required property 'registry_id' ({"missingProperty":"registry_id"})`,
    );
  });

  test('refuses a container from a registry the organization has not linked (400)', async () => {
    const env = await newEnvironment();
    const answer = await api('POST', `/environment/${env}/container`, {
      ...containerBody('web'),
      registry_id: 'docker-hub',
    });
    expect(answer.status).toBe(400);
    expect(qovery.state.services.size).toBe(0);
  });

  test('gives a public container a tutorial-shaped link, and a private one none', async () => {
    const env = await newEnvironment();
    const web = await api('POST', `/environment/${env}/container`, containerBody('web'));
    const db = await api('POST', `/environment/${env}/container`, containerBody('db', false));
    expect(web.body).toMatchObject({
      id: expect.any(String),
      service_type: 'CONTAINER',
      ports: [{ id: expect.any(String) }],
    });

    const links = await api('GET', `/container/${web.body.id}/link`);
    expect(links.body.results).toEqual([
      expect.objectContaining({
        service_id: web.body.id,
        url: expect.stringMatching(/^https:\/\/z[0-9a-f]{8}-z[0-9a-f]{8}-gtw\.oom\.sh$/),
        is_default: true,
        is_qovery_domain: true,
      }),
    ]);
    expect((await api('GET', `/container/${db.body.id}/link`)).body.results).toEqual([]);
  });

  test('imports variables and secrets without ever answering a secret value', async () => {
    const env = await newEnvironment();
    const web = await api('POST', `/environment/${env}/container`, containerBody('web'));
    const imported = await api('POST', `/container/${web.body.id}/environmentVariable/import`, {
      overwrite: true,
      vars: [
        { name: 'PLAIN', value: 'visible', scope: 'CONTAINER', is_secret: false },
        { name: 'HIDDEN', value: 's3cr3t-value', scope: 'CONTAINER', is_secret: true },
      ],
    });
    expect(imported.status).toBe(201);
    expect(imported.body.total_variables_to_import).toBe(2);
    expect(imported.body.successful_imported_variables).toHaveLength(2);
    expect(JSON.stringify(imported.body)).not.toContain('s3cr3t-value');
    expect(qovery.resolveVariables(web.body.id).values).toMatchObject({
      PLAIN: 'visible',
      HIDDEN: 's3cr3t-value',
    });
  });
});

describe('Qovery stand-in: states over time', () => {
  test('deploy goes DEPLOYMENT_QUEUED → DEPLOYING → DEPLOYED; stop STOP_QUEUED → STOPPING → STOPPED', async () => {
    const env = await newEnvironment();
    const deploy = await api('POST', `/environment/${env}/deploy`);
    expect(deploy.status).toBe(202);
    expect(deploy.body).toMatchObject({ id: env, state: 'DEPLOYMENT_QUEUED' });
    await eventually(async () => (await stateOf(env)) === 'DEPLOYED');
    expect(qovery.stateHistory(env)).toEqual(['DEPLOYMENT_QUEUED', 'DEPLOYING', 'DEPLOYED']);

    const stop = await api('POST', `/environment/${env}/stop`);
    expect(stop.status).toBe(202);
    expect(stop.body).toMatchObject({ id: env, state: 'STOP_QUEUED' });
    await eventually(async () => (await stateOf(env)) === 'STOPPED');
    expect(qovery.stateHistory(env).slice(3)).toEqual(['STOP_QUEUED', 'STOPPING', 'STOPPED']);
  });

  test('delete goes DELETE_QUEUED → DELETING → gone, with its services and links', async () => {
    const env = await newEnvironment();
    await api('POST', `/environment/${env}/container`, containerBody('web'));
    const deleted = await api('DELETE', `/environment/${env}`);
    expect(deleted.status).toBe(204);
    await eventually(() => !qovery.state.environments.has(env));
    expect(qovery.stateHistory(env)).toEqual(['DELETE_QUEUED', 'DELETING']);
    expect(qovery.state.services.size).toBe(0);
    expect(qovery.state.links.size).toBe(0);
    expect((await api('GET', `/environment/${env}/status`)).status).toBe(404);
  });

  test('refuses to deploy during a transition and to stop a stopped environment (409)', async () => {
    await slowSteps(60_000);
    const env = await newEnvironment();
    expect((await api('POST', `/environment/${env}/stop`)).status).toBe(409);
    await api('POST', `/environment/${env}/deploy`);
    expect((await api('POST', `/environment/${env}/deploy`)).status).toBe(409);
  });

  test('lists every environment of a project with its state in one call', async () => {
    const a = await newEnvironment('appwrite-1');
    const b = await newEnvironment('appwrite-2');
    // Set directly: a deploy's short QUEUED state may be over before a busy machine lists it.
    const record = qovery.state.environments.get(b);
    if (!record) throw new Error('environment b not stored');
    record.state = 'DEPLOYMENT_QUEUED';
    const listed = await api('GET', `/project/${PROJECT}/environment/status`);
    expect(listed.status).toBe(200);
    expect(listed.body.results.map((r: { id: string; state: string }) => [r.id, r.state]).sort()).toEqual(
      [
        [a, 'READY'],
        [b, 'DEPLOYMENT_QUEUED'],
      ].sort(),
    );
    expect(
      (await api('GET', '/project/00000000-0000-4000-8000-000000000000/environment/status')).status,
    ).toBe(404);
  });

  test('cancels a deployment in progress (CANCELING → CANCELED), and answers 409 when there is none', async () => {
    await slowSteps(SLOW_STEP);
    const id = await newEnvironment();
    expect((await api('POST', `/environment/${id}/cancelDeployment`, { force_cancel: false })).status).toBe(
      409,
    );
    await api('POST', `/environment/${id}/deploy`);
    const cancelled = await api('POST', `/environment/${id}/cancelDeployment`, {});
    expect(cancelled).toMatchObject({ status: 202, body: { id, state: 'CANCELING' } });
    await eventually(async () => (await stateOf(id)) === 'CANCELED');
    // The cancelled deployment does not come back (it would have ended DEPLOYED two steps later).
    await sleep(SLOW_STEP * 4);
    expect(await stateOf(id)).toBe('CANCELED');
  });

  test('ends a deployment in DEPLOYMENT_ERROR when a {{reference}} does not resolve', async () => {
    const env = await newEnvironment();
    const web = await api('POST', `/environment/${env}/container`, containerBody('web'));
    await api('POST', `/container/${web.body.id}/environmentVariable/import`, {
      overwrite: true,
      vars: [
        {
          name: 'REDIS',
          value: '{{QOVERY_REDIS_ZDEADBEEF_HOST_INTERNAL}}',
          scope: 'CONTAINER',
          is_secret: false,
        },
      ],
    });
    expect(qovery.resolveVariables(web.body.id).missing).toEqual(['QOVERY_REDIS_ZDEADBEEF_HOST_INTERNAL']);
    await api('POST', `/environment/${env}/deploy`);
    await eventually(async () => (await stateOf(env)) === 'DEPLOYMENT_ERROR');
  });

  test('resolves BUILT_IN references of a Redis database named after its id', async () => {
    const env = await newEnvironment();
    const web = await api('POST', `/environment/${env}/container`, containerBody('web'));
    const redis = await api('POST', `/environment/${env}/database`, {
      name: 'redis',
      type: 'REDIS',
      version: '7',
      mode: 'CONTAINER',
    });
    const short = String(redis.body.id).split('-')[0]?.toUpperCase();
    await api('POST', `/container/${web.body.id}/environmentVariable/import`, {
      overwrite: true,
      vars: [
        { name: 'PASS', value: `{{QOVERY_REDIS_Z${short}_PASSWORD}}`, scope: 'CONTAINER', is_secret: false },
      ],
    });
    const { values, missing } = qovery.resolveVariables(web.body.id);
    expect(missing).toEqual([]);
    const stored = qovery.state.services.get(redis.body.id);
    expect(stored?.kind === 'DATABASE' && values.PASS === stored.password).toBe(true);
    await api('POST', `/environment/${env}/deploy`);
    await eventually(async () => (await stateOf(env)) === 'DEPLOYED');
  });
});

describe('Qovery stand-in: clone', () => {
  test('answers 202 before the copy is done: right after it, the clone lists no service yet', async () => {
    const slow = await startQoveryStandIn({
      token: TOKEN,
      stepMs: 60_000,
      projectIds: [PROJECT],
      registryIds: [fixture.registryId],
    });
    try {
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${slow.url}${path}`, {
          method,
          headers: { Authorization: `Token ${TOKEN}`, 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        // biome-ignore lint/suspicious/noExplicitAny: test helper reading loose JSON.
        return { status: response.status, body: (await response.json()) as any };
      };
      const source = await call('POST', `/project/${PROJECT}/environment`, { name: 'template' });
      await call('POST', `/environment/${source.body.id}/container`, containerBody('web'));
      const clone = await call('POST', `/environment/${source.body.id}/clone`, { name: 'copy' });
      expect(clone.status).toBe(202);
      expect((await call('GET', `/environment/${clone.body.id}/container`)).body).toEqual({ results: [] });
    } finally {
      await slow.close();
    }
  });

  test('clones services under new ids and names, with variables but not generated passwords', async () => {
    const source = await newEnvironment('template');
    const web = await api('POST', `/environment/${source}/container`, containerBody('web'));
    await api('POST', `/container/${web.body.id}/environmentVariable/import`, {
      overwrite: true,
      vars: [{ name: 'KEEP', value: 'me', scope: 'CONTAINER', is_secret: false }],
    });
    const redis = await api('POST', `/environment/${source}/database`, {
      name: 'redis',
      type: 'REDIS',
      version: '7',
      mode: 'CONTAINER',
    });

    const clone = await api('POST', `/environment/${source}/clone`, {
      name: 'appwrite-9',
      project_id: PROJECT,
    });
    expect(clone.status).toBe(202);
    expect(clone.body).toMatchObject({ name: 'appwrite-9', project: { id: PROJECT } });
    // The services appear once Qovery has done the clone it accepted (one step later here).
    await eventually(
      async () => (await api('GET', `/environment/${clone.body.id}/database`)).body.results.length > 0,
    );
    const containers = (await api('GET', `/environment/${clone.body.id}/container`)).body.results;
    const databases = (await api('GET', `/environment/${clone.body.id}/database`)).body.results;
    expect(containers).toHaveLength(1);
    expect(databases).toHaveLength(1);
    expect(containers[0].id).not.toBe(web.body.id);
    expect(databases[0].id).not.toBe(redis.body.id);
    expect(qovery.resolveVariables(containers[0].id).values.KEEP).toBe('me');
    const [original, copy] = [redis.body.id, databases[0].id].map((id) => qovery.state.services.get(id));
    expect(
      original?.kind === 'DATABASE' && copy?.kind === 'DATABASE' && original.password !== copy.password,
    ).toBe(true);

    expect((await api('POST', `/environment/${source}/clone`, { name: 'appwrite-9' })).status).toBe(409);
  });
});

describe('Qovery stand-in: faults and call log', () => {
  test('records every call with method, path, body and status', async () => {
    await api('POST', `/project/${PROJECT}/environment`, { name: 'appwrite-3' });
    expect(qovery.calls).toEqual([
      {
        method: 'POST',
        path: `/project/${PROJECT}/environment`,
        query: '',
        body: { name: 'appwrite-3' },
        status: 201,
      },
    ]);
  });

  test('answers an injected status the given number of times, then normally', async () => {
    qovery.faults.inject({ method: 'POST', path: `/project/${PROJECT}/environment`, status: 503, times: 2 });
    expect((await api('POST', `/project/${PROJECT}/environment`, { name: 'a' })).status).toBe(503);
    const second = await api('POST', `/project/${PROJECT}/environment`, { name: 'a' });
    expect(second).toEqual({ status: 503, body: { status: 503, detail: 'Injected fault' } });
    expect(qovery.state.environments.size).toBe(0);
    expect((await api('POST', `/project/${PROJECT}/environment`, { name: 'a' })).status).toBe(201);
    expect(qovery.faults.pending).toBe(0);
  });

  test('matches faults on method, path pattern and body; clear() removes them', async () => {
    qovery.faults.inject({ method: 'GET', path: /\/status$/, status: 500, times: Number.POSITIVE_INFINITY });
    qovery.faults.inject({
      path: `/project/${PROJECT}/environment`,
      when: ({ body }) => (body as { name?: string }).name === 'b',
      status: 429,
      headers: { 'Retry-After': '1' },
    });
    expect((await api('POST', `/project/${PROJECT}/environment`, { name: 'a' })).status).toBe(201);
    const limited = await fetch(`${qovery.url}/project/${PROJECT}/environment`, {
      method: 'POST',
      headers: { Authorization: `Token ${TOKEN}` },
      body: JSON.stringify({ name: 'b' }),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    const env = [...qovery.state.environments.keys()][0] ?? '';
    expect((await api('GET', `/environment/${env}/status`)).status).toBe(500);
    qovery.faults.clear();
    expect((await api('GET', `/environment/${env}/status`)).status).toBe(200);
  });

  test('drops the connection when asked', async () => {
    qovery.faults.inject({ path: /\/environment$/, drop: true });
    await expect(api('POST', `/project/${PROJECT}/environment`, { name: 'a' })).rejects.toThrow();
    expect(qovery.calls[0]?.status).toBe('dropped');
    expect(qovery.state.environments.size).toBe(0);
  });

  test('delays an answer', async () => {
    qovery.faults.inject({ path: /\/environment$/, delayMs: 120 });
    const started = Date.now();
    expect((await api('POST', `/project/${PROJECT}/environment`, { name: 'a' })).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  test('with `after`, processes the request and then loses the answer', async () => {
    qovery.faults.inject({ path: /\/environment$/, after: true, drop: true });
    await expect(api('POST', `/project/${PROJECT}/environment`, { name: 'a' })).rejects.toThrow();
    expect(qovery.state.environments.size).toBe(1);
  });
});
