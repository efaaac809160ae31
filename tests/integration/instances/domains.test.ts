import { AppError } from '../../../lib/basics/errors';
import { createLogger } from '../../../lib/basics/log';
import { createQoveryBudget } from '../../../lib/instances/budget';
import { createDomains, type DomainCaller } from '../../../lib/instances/domains';
import { createReconciler } from '../../../lib/instances/reconciler';
import { domainsStep } from '../../../lib/instances/reconciler/domains';
import { createQoveryClient } from '../../../lib/platform/qovery/client';
import type { QoveryStandIn } from '../../../sandbox/qovery';
import { customDomainsOf, setDomainCheck } from '../../../sandbox/qovery/domains';
import type { TestHasura } from '../../helpers/hasura';
import { memoryStorage } from '../../helpers/instance';
import { memoryLogger } from '../../helpers/lambda';
import {
  closeStandIns,
  QOVERY_TOKEN,
  resetStandIns,
  standInInstances,
  standInProjects,
  startStandIns,
} from '../../helpers/stand-ins';
import { eventually } from '../../helpers/wait';

const log = createLogger({ level: 'silent' });
let hasura: TestHasura;
let qovery: QoveryStandIn;

beforeAll(async () => {
  ({ hasura, qovery } = await startStandIns({ stepMs: 10 }));
});
afterAll(() => closeStandIns({ hasura, qovery }));
beforeEach(() => resetStandIns({ hasura, qovery }, ['ada@example.com', 'bob@example.com']));

const ada = (): DomainCaller => ({ userId: 1, deadline: Date.now() + 20_000, log });
const bob = (): DomainCaller => ({ userId: 2, deadline: Date.now() + 20_000, log });
const client = () => createQoveryClient({ baseUrl: qovery.url, token: QOVERY_TOKEN, sleep: async () => {} });
const domains = () => createDomains({ hasura: hasura.client, client: client(), maxPerProject: 2 });

/** A running instance of `caller`: its project id and environment. */
async function runningInstance(caller: DomainCaller) {
  const projects = standInProjects({ hasura, qovery });
  const { id } = await projects.create(`p${caller.userId}`, caller);
  await projects.start(id, caller);
  const [row] = await hasura.rows<{ e: string }>(
    'SELECT qovery_environment_id AS e FROM project WHERE id = $1',
    [id],
  );
  const environmentId = String(row?.e);
  // ProjectStatus reads the row, which the reconciler keeps true.
  await eventually(
    async () => {
      await reconciler().run({ deadline: Date.now() + 10_000 });
      return (await projects.status(id, caller)).status === 'RUNNING';
    },
    { what: 'RUNNING' },
  );
  return { id, environmentId };
}

function reconciler(recording = log) {
  return createReconciler({
    hasura: hasura.client,
    instances: standInInstances(qovery),
    storage: memoryStorage(),
    log,
    steps: [domainsStep({ hasura: hasura.client, client: client(), log: recording, checksPerRun: 2 })],
  });
}
const run = (r = reconciler()) => r.run({ deadline: Date.now() + 20_000 });
const domainRow = async (name: string) =>
  (
    await hasura.rows<{
      status: string;
      status_reason: string | null;
      is_primary: boolean;
      needs_deploy: boolean;
    }>('SELECT status, status_reason, is_primary, needs_deploy FROM domain WHERE name = $1', [name])
  )[0];
const variable = (environmentId: string, name: string) =>
  qovery.state.environments.get(environmentId)?.variables.get(name)?.value;
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof AppError ? error.code : String(error)),
  );

describe('custom domains', () => {
  it('are added, validated, made primary and removed, and AppWrite follows the primary', async () => {
    const { id, environmentId } = await runningInstance(ada());
    const generated = variable(environmentId, '_APP_DOMAIN');
    expect(generated).toMatch(/^\{\{QOVERY_CONTAINER_Z[0-9A-F]{8}_HOST_EXTERNAL\}\}$/);

    // Added: the CNAME to create points at Qovery's validation domain of the proxy container. Two
    // Qovery calls: the proxy's id (the environment's containers), the custom domain.
    const sent = qovery.calls.length;
    const answer = await domains().add(id, { domain: 'API.Example.com' }, ada());
    expect(
      qovery.calls.slice(sent).map((c) => `${c.method} ${c.path.replace(/[0-9a-f-]{36}/g, '{id}')}`),
    ).toEqual(['GET /environment/{id}/container', 'POST /container/{id}/customDomain']);
    const [onQovery] = customDomainsOf(qovery.state);
    expect(onQovery).toMatchObject({ domain: 'api.example.com', generate_certificate: true, use_cdn: false });
    expect(answer).toEqual({
      domain: 'api.example.com',
      status: 'PENDING',
      reason: expect.stringContaining(String(onQovery?.validation_domain)),
      recordName: 'api.example.com',
      recordType: 'CNAME',
      recordTarget: onQovery?.validation_domain,
    });
    // Added again: the same answer, nothing more on Qovery.
    expect(await domains().add(id, { domain: 'api.example.com' }, ada())).toEqual(answer);
    expect(customDomainsOf(qovery.state)).toHaveLength(1);
    expect(await codeOf(domains().setPrimary(id, 'api.example.com', ada()))).toBe('domain-not-active');

    // No record yet: still pending, the owner reads what to do. One check call for the instance.
    const checked = qovery.calls.length;
    await run();
    expect(qovery.calls.slice(checked).filter((c) => c.path.includes('ustomDomain'))).toHaveLength(1);
    expect(await domainRow('api.example.com')).toMatchObject({
      status: 'PENDING',
      status_reason: expect.stringMatching(/No DNS record was found/),
    });

    // The record is right: the instance is redeployed with it, and the name is active.
    setDomainCheck(qovery.state, 'api.example.com', 'MATCHES_LOAD_BALANCER_HOST');
    const deploys = () =>
      qovery.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/deploy')).length;
    const before = deploys();
    await run();
    expect(deploys()).toBe(before + 1);
    expect(await domainRow('api.example.com')).toMatchObject({ status: 'ACTIVE', status_reason: null });

    // Primary: AppWrite's own names become it.
    await domains().setPrimary(id, 'api.example.com', ada());
    expect(await domainRow('api.example.com')).toMatchObject({ is_primary: true });
    for (const name of ['_APP_DOMAIN', '_APP_CONSOLE_DOMAIN', '_APP_DOMAIN_TARGET_CNAME'])
      expect(variable(environmentId, name)).toBe('api.example.com');

    // Removed: gone from Qovery, and AppWrite is back on the generated host.
    await eventually(() => qovery.stateHistory(environmentId).at(-1) === 'DEPLOYED', { what: 'DEPLOYED' });
    await domains().remove(id, 'api.example.com', ada());
    expect(customDomainsOf(qovery.state)).toEqual([]);
    expect(await domainRow('api.example.com')).toBeUndefined();
    expect(variable(environmentId, '_APP_DOMAIN')).toBe(generated);
  });

  it('refuses what an instance cannot serve, with the catalogue’s errors, and changes nothing', async () => {
    const { id } = await runningInstance(ada());
    const [{ url = '' } = {}] = await hasura.rows<{ url: string }>('SELECT url FROM project');
    const add = (domain: string, caller = ada(), projectId = id, more = {}) =>
      codeOf(domains().add(projectId, { domain, ...more }, caller));
    expect(await add('*.example.com')).toBe('domain-invalid');
    expect(await add('not a domain')).toBe('domain-invalid');
    expect(await add(new URL(url).hostname)).toBe('domain-reserved');
    expect(await add('example.com')).toBe('domain-apex');
    expect(await add('api.example.com', bob())).toBe('not-found');
    expect(customDomainsOf(qovery.state)).toEqual([]);
    expect(await hasura.rows('SELECT id FROM domain')).toEqual([]);

    expect(await add('example.com', ada(), id, { cnameFlattening: true })).toBe('ok');
    expect(await add('www.example.com')).toBe('ok');
    expect(await add('api.example.com')).toBe('domain-quota-exceeded');
    expect(await codeOf(domains().remove(id, 'api.example.com', ada()))).toBe('domain-not-found');

    const other = await runningInstance(bob());
    expect(await add('www.example.com', bob(), other.id)).toBe('domain-taken');
    expect(await codeOf(domains().remove(id, 'www.example.com', bob()))).toBe('not-found');
  });

  it('fails a name still wrong after an hour, and gives it up after a day, reported', async () => {
    const { id } = await runningInstance(ada());
    await domains().add(id, { domain: 'api.example.com' }, ada());
    setDomainCheck(qovery.state, 'api.example.com', 'DOMAIN_LINKED_TO_WRONG_HOST');
    await hasura.db.query("UPDATE domain SET pending_since = now() - interval '2 hours'");
    await run();
    expect(await domainRow('api.example.com')).toMatchObject({
      status: 'FAILED',
      status_reason: expect.stringMatching(/points somewhere else/),
    });

    const recording = memoryLogger();
    await hasura.db.query(
      "UPDATE domain SET failed_at = now() - interval '25 hours', checked_at = now() - interval '1 hour'",
    );
    await run(reconciler(recording.log));
    expect(recording.lines).toContainEqual(
      expect.objectContaining({ message: 'domain.given-up', level: 'warn' }),
    );
    expect((await domainRow('api.example.com'))?.status_reason).toMatch(/stopped checking/);
    // Not checked again...
    const checks = () => qovery.calls.filter((c) => c.path.endsWith('/checkCustomDomain')).length;
    const before = checks();
    await run();
    expect(checks()).toBe(before);
    // ...until the owner adds it again.
    expect(await domains().add(id, { domain: 'api.example.com' }, ada())).toMatchObject({
      status: 'PENDING',
    });
  });

  it('checks within the Qovery budget, and not at all when it has no room', async () => {
    const { id } = await runningInstance(ada());
    await domains().add(id, { domain: 'api.example.com' }, ada());
    const refusing = createQoveryBudget({
      perHour: 10,
      store: {
        draw: async () => ({ granted: false, retryAfterSeconds: 60 }),
        giveBack: async () => {},
        pause: async () => {},
      } as never,
    });
    const r = createReconciler({
      hasura: hasura.client,
      instances: standInInstances(qovery),
      storage: memoryStorage(),
      log,
      steps: [
        domainsStep({ hasura: hasura.client, client: client(), budget: refusing, log, checksPerRun: 2 }),
      ],
    });
    const checks = () => qovery.calls.filter((c) => c.path.endsWith('/checkCustomDomain')).length;
    await run(r);
    expect(checks()).toBe(0);
    await run();
    expect(checks()).toBe(1);
  });
});
