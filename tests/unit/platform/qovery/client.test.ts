import {
  ContainerCustomDomainApiAxiosParamCreator,
  ContainerEnvironmentVariableApiAxiosParamCreator,
  ContainerMainCallsApiAxiosParamCreator,
  ContainersApiAxiosParamCreator,
  DatabasesApiAxiosParamCreator,
  DeploymentStageMainCallsApiAxiosParamCreator,
  EnvironmentActionsApiAxiosParamCreator,
  EnvironmentMainCallsApiAxiosParamCreator,
  EnvironmentsApiAxiosParamCreator,
  JobsApiAxiosParamCreator,
  VariableMainCallsApiAxiosParamCreator,
} from 'qovery-typescript-axios';
import { AppError } from '../../../../lib/basics/errors';
import {
  createQoveryClient,
  kindForStatus,
  type OperationId,
  type QoveryClient,
  type QoveryClientOptions,
  QoveryError,
  routes,
  toAppError,
} from '../../../../lib/platform/qovery/client';

const TOKEN = 'qov_test_token_do_not_leak_123';
const BASE = 'https://qovery.example';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status: number; body?: unknown; text?: string; headers?: Record<string, string> } | Error;

/** A fake fetch that answers from a script (the last answer repeats) and records each request. */
function fakeFetch(...answers: Answer[]) {
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    sent.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const answer = answers[Math.min(sent.length - 1, answers.length - 1)];
    if (!answer) throw new Error('no answer scripted');
    if (answer instanceof Error) throw answer;
    const text = answer.text ?? (answer.body === undefined ? null : JSON.stringify(answer.body));
    return new Response(answer.status === 204 ? null : text, {
      status: answer.status,
      headers: answer.headers,
    });
  };
  return { fetch, sent };
}

function client(fetch: typeof globalThis.fetch, options: Partial<QoveryClientOptions> = {}) {
  const sleeps: number[] = [];
  const qovery = createQoveryClient({
    baseUrl: `${BASE}/`,
    token: TOKEN,
    fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
  return { qovery, sleeps };
}

const connectionError = () =>
  new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  });

// One sample call per operation: how our client is called, and how the generated client would be.
const ID = 'id-1';
const bodies = {
  createEnvironment: { name: 'appwrite-1', mode: 'PRODUCTION' as const },
  cloneEnvironment: { name: 'appwrite-2', project_id: 'p-1' },
  cancelEnvironmentDeployment: { force_cancel: false },
  createContainer: { name: 'c', registry_id: 'r', image_name: 'i', tag: 't', healthchecks: {} },
  createDatabase: { name: 'redis', type: 'REDIS' as const, version: '7', mode: 'CONTAINER' as const },
  importContainerEnvironmentVariable: {
    overwrite: true,
    vars: [{ name: 'A', value: 'b', scope: 'CONTAINER' as const, is_secret: false }],
  },
  createVariable: {
    key: 'F',
    value: 'file content',
    mount_path: '/etc/f',
    is_secret: false,
    variable_scope: 'CONTAINER' as const,
    variable_parent_id: 'id-1',
  },
  deployAllServices: { containers: [{ id: ID, image_tag: '1.9.6' }], jobs: [{ id: ID, image_tag: '1.9.6' }] },
  createJob: { name: 'appwrite-migrate', healthchecks: {} },
  createEnvironmentDeploymentStage: { name: 'appwrite-migrate' },
  createContainerCustomDomain: { domain: 'api.example.com', generate_certificate: true, use_cdn: false },
};
const samples: Record<
  OperationId,
  {
    ours: (c: QoveryClient) => Promise<unknown>;
    theirs: () => Promise<{ url: string; options: { method?: string } }>;
  }
> = {
  createEnvironment: {
    ours: (c) => c.createEnvironment(ID, bodies.createEnvironment),
    theirs: () => EnvironmentsApiAxiosParamCreator().createEnvironment(ID, bodies.createEnvironment),
  },
  listEnvironment: {
    ours: (c) => c.listEnvironment(ID),
    theirs: () => EnvironmentsApiAxiosParamCreator().listEnvironment(ID),
  },
  getProjectEnvironmentsStatus: {
    ours: (c) => c.getProjectEnvironmentsStatus(ID),
    theirs: () => EnvironmentsApiAxiosParamCreator().getProjectEnvironmentsStatus(ID),
  },
  cancelEnvironmentDeployment: {
    ours: (c) => c.cancelEnvironmentDeployment(ID, bodies.cancelEnvironmentDeployment),
    theirs: () =>
      EnvironmentActionsApiAxiosParamCreator().cancelEnvironmentDeployment(
        ID,
        bodies.cancelEnvironmentDeployment,
      ),
  },
  cloneEnvironment: {
    ours: (c) => c.cloneEnvironment(ID, bodies.cloneEnvironment),
    theirs: () => EnvironmentActionsApiAxiosParamCreator().cloneEnvironment(ID, bodies.cloneEnvironment),
  },
  deployEnvironment: {
    ours: (c) => c.deployEnvironment(ID),
    theirs: () => EnvironmentActionsApiAxiosParamCreator().deployEnvironment(ID),
  },
  stopEnvironment: {
    ours: (c) => c.stopEnvironment(ID),
    theirs: () => EnvironmentActionsApiAxiosParamCreator().stopEnvironment(ID),
  },
  deleteEnvironment: {
    ours: (c) => c.deleteEnvironment(ID),
    theirs: () => EnvironmentMainCallsApiAxiosParamCreator().deleteEnvironment(ID),
  },
  getEnvironmentStatus: {
    ours: (c) => c.getEnvironmentStatus(ID),
    theirs: () => EnvironmentMainCallsApiAxiosParamCreator().getEnvironmentStatus(ID),
  },
  createContainer: {
    ours: (c) => c.createContainer(ID, bodies.createContainer),
    theirs: () => ContainersApiAxiosParamCreator().createContainer(ID, bodies.createContainer),
  },
  listContainer: {
    ours: (c) => c.listContainer(ID),
    theirs: () => ContainersApiAxiosParamCreator().listContainer(ID),
  },
  createDatabase: {
    ours: (c) => c.createDatabase(ID, bodies.createDatabase),
    theirs: () => DatabasesApiAxiosParamCreator().createDatabase(ID, bodies.createDatabase),
  },
  listDatabase: {
    ours: (c) => c.listDatabase(ID),
    theirs: () => DatabasesApiAxiosParamCreator().listDatabase(ID),
  },
  importContainerEnvironmentVariable: {
    ours: (c) => c.importContainerEnvironmentVariable(ID, bodies.importContainerEnvironmentVariable),
    theirs: () =>
      ContainerEnvironmentVariableApiAxiosParamCreator().importContainerEnvironmentVariable(
        ID,
        bodies.importContainerEnvironmentVariable,
      ),
  },
  listContainerLinks: {
    ours: (c) => c.listContainerLinks(ID),
    theirs: () => ContainerMainCallsApiAxiosParamCreator().listContainerLinks(ID),
  },
  createVariable: {
    ours: (c) => c.createVariable(bodies.createVariable),
    theirs: () => VariableMainCallsApiAxiosParamCreator().createVariable(bodies.createVariable),
  },
  deployAllServices: {
    ours: (c) => c.deployAllServices(ID, bodies.deployAllServices),
    theirs: () => EnvironmentActionsApiAxiosParamCreator().deployAllServices(ID, bodies.deployAllServices),
  },
  createJob: {
    ours: (c) => c.createJob(ID, bodies.createJob),
    theirs: () => JobsApiAxiosParamCreator().createJob(ID, bodies.createJob),
  },
  listJobs: {
    ours: (c) => c.listJobs(ID),
    theirs: () => JobsApiAxiosParamCreator().listJobs(ID),
  },
  getEnvironmentJobStatus: {
    ours: (c) => c.getEnvironmentJobStatus(ID),
    theirs: () => JobsApiAxiosParamCreator().getEnvironmentJobStatus(ID),
  },
  createEnvironmentDeploymentStage: {
    ours: (c) => c.createEnvironmentDeploymentStage(ID, bodies.createEnvironmentDeploymentStage),
    theirs: () =>
      DeploymentStageMainCallsApiAxiosParamCreator().createEnvironmentDeploymentStage(
        ID,
        bodies.createEnvironmentDeploymentStage,
      ),
  },
  listEnvironmentDeploymentStage: {
    ours: (c) => c.listEnvironmentDeploymentStage(ID),
    theirs: () => DeploymentStageMainCallsApiAxiosParamCreator().listEnvironmentDeploymentStage(ID),
  },
  attachServiceToDeploymentStage: {
    ours: (c) => c.attachServiceToDeploymentStage(ID, ID),
    theirs: () => DeploymentStageMainCallsApiAxiosParamCreator().attachServiceToDeploymentStage(ID, ID),
  },
  createContainerCustomDomain: {
    ours: (c) => c.createContainerCustomDomain(ID, bodies.createContainerCustomDomain),
    theirs: () =>
      ContainerCustomDomainApiAxiosParamCreator().createContainerCustomDomain(
        ID,
        bodies.createContainerCustomDomain,
      ),
  },
  listContainerCustomDomain: {
    ours: (c) => c.listContainerCustomDomain(ID),
    theirs: () => ContainerCustomDomainApiAxiosParamCreator().listContainerCustomDomain(ID),
  },
  deleteContainerCustomDomain: {
    ours: (c) => c.deleteContainerCustomDomain(ID, 'cd-1'),
    theirs: () => ContainerCustomDomainApiAxiosParamCreator().deleteContainerCustomDomain(ID, 'cd-1'),
  },
  checkContainerCustomDomain: {
    ours: (c) => c.checkContainerCustomDomain(ID),
    theirs: () => ContainerCustomDomainApiAxiosParamCreator().checkContainerCustomDomain(ID),
  },
};

describe('Qovery client requests', () => {
  test.each(Object.keys(samples) as OperationId[])(
    '%s uses the method and path of the generated Qovery client, the token and a JSON body',
    async (operation) => {
      const { fetch, sent } = fakeFetch({ status: 200, body: { id: 'x' } });
      const sample = samples[operation];
      await sample.ours(client(fetch).qovery);
      const expected = await sample.theirs();

      expect(sent).toHaveLength(1);
      expect(sent[0]?.method).toBe(expected.options.method);
      expect(sent[0]?.url).toBe(`${BASE}${expected.url}`);
      expect(sent[0]?.headers.authorization).toBe(`Token ${TOKEN}`);
      expect(sent[0]?.headers.accept).toBe('application/json');
      const body = (bodies as Record<string, unknown>)[operation];
      expect(sent[0]?.body).toEqual(body);
      expect(sent[0]?.headers['content-type']).toBe(body === undefined ? undefined : 'application/json');
    },
  );

  test('the route table covers exactly the operations of the client', () => {
    expect(Object.keys(routes).sort()).toEqual(Object.keys(samples).sort());
  });

  test('encodes path parameters', async () => {
    const { fetch, sent } = fakeFetch({ status: 200, body: {} });
    await client(fetch).qovery.getEnvironmentStatus('../organization/x?y');
    expect(sent[0]?.url).toBe(`${BASE}/environment/..%2Forganization%2Fx%3Fy/status`);
  });

  test('returns the parsed body, and undefined for a 204', async () => {
    const { fetch } = fakeFetch({ status: 201, body: { id: 'env-1', name: 'appwrite-1' } }, { status: 204 });
    const { qovery } = client(fetch);
    await expect(qovery.createEnvironment('p', { name: 'appwrite-1' })).resolves.toEqual({
      id: 'env-1',
      name: 'appwrite-1',
    });
    await expect(qovery.deleteEnvironment('env-1')).resolves.toBeUndefined();
  });

  test('a 2xx that is not JSON is an unavailable Qovery', async () => {
    const { fetch } = fakeFetch({ status: 200, text: '<html>maintenance</html>' });
    await expect(client(fetch).qovery.getEnvironmentStatus('e')).rejects.toMatchObject({
      kind: 'unavailable',
    });
  });
});

describe('Qovery client retries', () => {
  test.each([429, 502, 503, 504])(
    'retries a safe call after %i with exponential backoff and full jitter',
    async (status) => {
      const { fetch, sent } = fakeFetch({ status }, { status }, { status: 200, body: { state: 'DEPLOYED' } });
      const { qovery, sleeps } = client(fetch);
      await expect(qovery.getEnvironmentStatus('e')).resolves.toEqual({ state: 'DEPLOYED' });
      expect(sent).toHaveLength(3);
      // random() = 0.5 of 250 ms, then of 500 ms.
      expect(sleeps).toEqual([125, 250]);
    },
  );

  test('retries a safe call after a connection error', async () => {
    const { fetch, sent } = fakeFetch(connectionError(), { status: 204 });
    await expect(client(fetch).qovery.deleteEnvironment('e')).resolves.toBeUndefined();
    expect(sent).toHaveLength(2);
  });

  test.each([
    'deployEnvironment',
    'stopEnvironment',
    'deleteEnvironment',
    'listContainer',
    'listContainerLinks',
  ] as const)('%s is retried', async (operation) => {
    const { fetch, sent } = fakeFetch({ status: 503 }, { status: 200, body: {} });
    await samples[operation].ours(client(fetch).qovery);
    expect(sent).toHaveLength(2);
  });

  test.each(['createEnvironment', 'cloneEnvironment', 'createContainer', 'createDatabase'] as const)(
    '%s is never retried, whatever the failure',
    async (operation) => {
      for (const answer of [{ status: 503 }, { status: 429 }, connectionError()]) {
        const { fetch, sent } = fakeFetch(answer, { status: 201, body: { id: 'x' } });
        await expect(samples[operation].ours(client(fetch).qovery)).rejects.toBeInstanceOf(QoveryError);
        expect(sent).toHaveLength(1);
      }
    },
  );

  test('the variable import is retried only when it overwrites', async () => {
    const overwrite = fakeFetch({ status: 503 }, { status: 201, body: {} });
    await client(overwrite.fetch).qovery.importContainerEnvironmentVariable('c', {
      overwrite: true,
      vars: [],
    });
    expect(overwrite.sent).toHaveLength(2);

    const keep = fakeFetch({ status: 503 }, { status: 201, body: {} });
    await expect(
      client(keep.fetch).qovery.importContainerEnvironmentVariable('c', { overwrite: false, vars: [] }),
    ).rejects.toMatchObject({ kind: 'unavailable', status: 503 });
    expect(keep.sent).toHaveLength(1);
  });

  test.each([400, 401, 403, 404, 409, 422, 500])('does not retry a %i', async (status) => {
    const { fetch, sent } = fakeFetch({ status }, { status: 200, body: {} });
    await expect(client(fetch).qovery.getEnvironmentStatus('e')).rejects.toMatchObject({ status });
    expect(sent).toHaveLength(1);
  });

  test('gives up after the configured number of retries', async () => {
    const { fetch, sent } = fakeFetch({ status: 503 });
    const { qovery, sleeps } = client(fetch, { retries: 3 });
    await expect(qovery.getEnvironmentStatus('e')).rejects.toMatchObject({
      kind: 'unavailable',
      attempts: 4,
    });
    expect(sent).toHaveLength(4);
    expect(sleeps).toEqual([125, 250, 500]);
  });

  test('waits a small Retry-After, and does not wait for a large one', async () => {
    const small = fakeFetch({ status: 429, headers: { 'retry-after': '2' } }, { status: 200, body: {} });
    const { qovery, sleeps } = client(small.fetch);
    await qovery.getEnvironmentStatus('e');
    expect(sleeps).toEqual([2000]);

    const large = fakeFetch({ status: 429, headers: { 'retry-after': '3600' } }, { status: 200, body: {} });
    await expect(client(large.fetch).qovery.getEnvironmentStatus('e')).rejects.toMatchObject({ status: 429 });
    expect(large.sent).toHaveLength(1);
  });
});

describe('Qovery client deadlines', () => {
  /**
   * A fetch that never answers, but honours its abort signal (kept in `signals`). A client that
   * forgot its timeout or the deadline would wait for ever: Jest's time limit fails the test then;
   * nothing here measures how fast the call ended.
   */
  const signals: AbortSignal[] = [];
  const hangingFetch: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) => {
      if (init?.signal) signals.push(init.signal);
      init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
    });
  beforeEach(() => {
    signals.length = 0;
  });

  test('an attempt lasts at most timeoutMs', async () => {
    const { qovery } = client(hangingFetch, { timeoutMs: 40, retries: 0 });
    await expect(qovery.getEnvironmentStatus('e')).rejects.toMatchObject({
      kind: 'timeout',
      status: undefined,
    });
    expect(signals.map((s) => (s.reason as Error).name)).toEqual(['TimeoutError']);
  });

  test('an attempt lasts at most until the deadline', async () => {
    // timeoutMs alone would outlast Jest's time limit: only the deadline ends this attempt in time.
    const { qovery } = client(hangingFetch, { timeoutMs: 600_000, retries: 0 });
    await expect(qovery.getEnvironmentStatus('e', { deadline: Date.now() + 50 })).rejects.toMatchObject({
      kind: 'timeout',
    });
    expect(signals.map((s) => (s.reason as Error).name)).toEqual(['TimeoutError']);
  });

  test('sends nothing once the deadline has passed', async () => {
    const { fetch, sent } = fakeFetch({ status: 200, body: {} });
    await expect(
      client(fetch).qovery.getEnvironmentStatus('e', { deadline: Date.now() - 1 }),
    ).rejects.toMatchObject({ kind: 'timeout', attempts: 0 });
    expect(sent).toHaveLength(0);
  });

  test('starts no retry that could not finish before the deadline', async () => {
    const { fetch, sent } = fakeFetch({ status: 503 }, { status: 200, body: {} });
    const { qovery, sleeps } = client(fetch, { timeoutMs: 5000 });
    await expect(qovery.getEnvironmentStatus('e', { deadline: Date.now() + 800 })).rejects.toMatchObject({
      status: 503,
    });
    expect(sent).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  test('retries a timed-out safe call while the deadline allows', async () => {
    let calls = 0;
    const fetch: typeof globalThis.fetch = (input, init) => {
      calls++;
      return calls === 1 ? hangingFetch(input, init) : Promise.resolve(Response.json({ state: 'DEPLOYED' }));
    };
    const { qovery } = client(fetch, { timeoutMs: 30 });
    await expect(qovery.getEnvironmentStatus('e', { deadline: Date.now() + 5000 })).resolves.toEqual({
      state: 'DEPLOYED',
    });
    expect(calls).toBe(2);
  });
});

describe('Qovery client errors', () => {
  test.each([
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [404, 'not-found'],
    [409, 'conflict'],
    [429, 'unavailable'],
    [500, 'unavailable'],
    [503, 'unavailable'],
    [400, 'rejected'],
    [422, 'rejected'],
  ] as const)('HTTP %i is a %s error', (status, kind) => {
    expect(kindForStatus(status)).toBe(kind);
  });

  test.each([
    ['conflict', 'infrastructure-conflict'],
    ['unavailable', 'infrastructure-unavailable'],
    ['timeout', 'infrastructure-unavailable'],
    ['unauthorized', 'internal-error'],
    ['rejected', 'internal-error'],
    ['not-found', 'internal-error'],
  ] as const)('a %s error becomes %s, with the catalogue message', (kind, code) => {
    const appError = toAppError(new QoveryError(kind, 'deployEnvironment', 400, 'Qovery says: boom', 1));
    expect(appError).toBeInstanceOf(AppError);
    expect(appError.code).toBe(code);
    expect(appError.message).not.toContain('boom');
  });

  test('unknown errors become internal-error; AppErrors pass through', () => {
    expect(toAppError(new Error('database exploded')).code).toBe('internal-error');
    expect(toAppError(new Error('database exploded')).message).not.toContain('exploded');
    const own = new AppError('not-found');
    expect(toAppError(own)).toBe(own);
  });

  test.each([
    [{ status: 409, detail: 'Operation is in progress' }, 'Operation is in progress'],
    [{ status: 400, error: 'Bad Request', message: 'name is invalid' }, 'Bad Request: name is invalid'],
  ])('keeps what Qovery said (%j) in the log field only', async (body, upstream) => {
    const { fetch } = fakeFetch({ status: body.status, body });
    const error = await client(fetch)
      .qovery.deployEnvironment('e')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QoveryError);
    expect((error as QoveryError).upstream).toBe(upstream);
    expect((error as QoveryError).message).not.toContain(upstream);
    expect((error as QoveryError).toLog()).toMatchObject({
      upstream,
      status: body.status,
      operation: 'deployEnvironment',
    });
  });

  test('never shows the token, even when Qovery or the network echo it', async () => {
    const failures: Answer[] = [
      { status: 401, body: { status: 401, detail: `invalid token ${TOKEN}` } },
      { status: 500, text: `Authorization: Token ${TOKEN}` },
      { status: 200, text: `not json ${TOKEN}` },
      new TypeError(`fetch failed for ${TOKEN}`, { cause: new Error(`socket ${TOKEN}`) }),
    ];
    for (const failure of failures) {
      const { fetch } = fakeFetch(failure);
      const error = (await client(fetch, { retries: 0 })
        .qovery.getEnvironmentStatus('e')
        .catch((e: unknown) => e)) as QoveryError;
      expect(error).toBeInstanceOf(QoveryError);
      const cause = error.cause as Error | undefined;
      const seen = [
        error.message,
        String(error.stack),
        JSON.stringify(error.toLog()),
        cause?.message ?? '',
        (cause?.cause as Error | undefined)?.message ?? '',
        toAppError(error).message,
      ].join('\n');
      expect(seen).not.toContain(TOKEN);
    }
  });
});
