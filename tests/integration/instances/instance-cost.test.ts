import { createLogger } from '../../../lib/basics/log';
import { createQoveryBudget, hasuraBudgetStore } from '../../../lib/instances/budget';
import { createOwnerConsole, secureConsolesStep } from '../../../lib/instances/console-seat';
import { createInstances, provisionCalls } from '../../../lib/instances/instances';
import { createProjects } from '../../../lib/instances/projects';
import { blueprintDigest, recordedTemplate } from '../../../lib/instances/provision-strategy';
import { work } from '../../../lib/instances/queue';
import { createReconciler } from '../../../lib/instances/reconciler';
import { createQoveryClient } from '../../../lib/platform/qovery/client';
import { memoryStorage, storageGrant } from '../../helpers/instance';
import {
  closeStandIns,
  QOVERY_TOKEN,
  resetStandIns,
  type StandIns,
  standInSettings,
  startStandIns,
} from '../../helpers/stand-ins';
import { eventually } from '../../helpers/wait';

/**
 * Every Qovery call one instance costs, from CreateProject to the owner's open console, through the
 * stand-ins and the code that runs in production: CreateProject and StartProject (the queue, on the
 * deployment's budget), the reconciler (its worker, the statuses, the console seat). What the
 * reconciler spends per run whatever the number of instances (its listing) is counted apart.
 * BENCHMARKS.md (part 9) and docs/limits.md ("Round trips per action") give these figures.
 */

const log = createLogger({ level: 'silent' });
let standIns: StandIns;

beforeAll(async () => {
  standIns = await startStandIns({ stepMs: 10 });
});
afterAll(() => closeStandIns(standIns));
beforeEach(() => resetStandIns(standIns));

/** A fresh AppWrite's console API: healthy, and it makes the owner's account. */
const appwrite: typeof fetch = async (input) => {
  const url = String(input instanceof Request ? input.url : input);
  return new Response('{}', { status: url.endsWith('/v1/account') ? 201 : 200 });
};

const route = (c: { method: string; path: string }) =>
  `${c.method} ${c.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')}`;
/** The reconciler's per-run calls, shared by every instance (not one instance's). */
const PER_RUN = new Set(['GET /project/{id}/environment/status', 'GET /project/{id}/environment']);

async function oneInstance(strategy: 'blueprint' | 'clone') {
  const { hasura, qovery } = standIns;
  const settings = standInSettings(qovery);
  const budget = createQoveryBudget({ store: hasuraBudgetStore(hasura.client, 900), perHour: 900, log });
  const client = createQoveryClient({
    baseUrl: qovery.url,
    token: QOVERY_TOKEN,
    budget,
    sleep: async () => {},
  });
  const instances = createInstances({
    client,
    settings,
    log,
    cloneRecheckMs: 20,
    template: recordedTemplate(hasura.client),
  });
  if (strategy === 'clone') {
    const template = await createInstances({
      client: createQoveryClient({ baseUrl: qovery.url, token: QOVERY_TOKEN }),
      settings,
      log,
    }).provision('template', { ownerEmail: 'ops@example.com', storage: Promise.resolve(storageGrant('t')) });
    await hasura.db.query(
      'INSERT INTO instance_template (qovery_environment_id, appwrite_version, blueprint_digest) VALUES ($1, $2, $3)',
      [template.environmentId, settings.instance.version, blueprintDigest(settings)],
    );
  }
  const storage = memoryStorage();
  const deps = {
    hasura: hasura.client,
    instances,
    storage,
    maxProjectsPerUser: 3,
    requireEmailVerification: true,
    budget,
    createCost: provisionCalls(settings).calls,
  };
  const ownerConsole = createOwnerConsole({
    hasura: hasura.client,
    instances,
    claimKey: settings.instance.consoleClaimKey,
    fetch: appwrite,
  });
  const reconciler = createReconciler({
    hasura: hasura.client,
    instances,
    storage,
    log,
    worker: ({ deadline }) => work(deps, { deadline, log }),
    steps: [secureConsolesStep(ownerConsole, { hasura: hasura.client, log })],
  });
  qovery.calls.length = 0;
  const projects = createProjects(deps);
  const caller = { userId: 1, deadline: Date.now() + 20_000, log };
  const { id } = await projects.create('mine', caller);
  await projects.start(id, caller);
  let runs = 0;
  await eventually(
    async () => {
      runs++;
      await reconciler.run({ deadline: Date.now() + 20_000 });
      const { rows } = await hasura.db.query<{ at: string | null }>(
        'SELECT console_account_at AS at FROM project WHERE id = $1',
        [id],
      );
      return rows[0]?.at != null;
    },
    { what: 'the console open' },
  );
  const own = qovery.calls.filter((c) => !PER_RUN.has(route(c))).map(route);
  const counts: Record<string, number> = {};
  for (const r of own) counts[r] = (counts[r] ?? 0) + 1;
  const perRun = (qovery.calls.length - own.length) / runs;
  return { counts, total: own.length, perRun };
}

describe('the Qovery calls of one instance, from CreateProject to the owner’s open console', () => {
  it('a clone of the recorded template: 8 (its services listed once, after a pause)', async () => {
    const { counts, total, perRun } = await oneInstance('clone');
    const relists = (counts['GET /environment/{id}/container'] ?? 1) - 1;
    expect(relists).toBe(0);
    expect({ ...counts, 'GET /environment/{id}/container': 1 }).toEqual({
      'POST /environment/{id}/clone': 1,
      'GET /environment/{id}/container': 1,
      'POST /container/{id}/environmentVariable/import': 2,
      'GET /container/{id}/link': 1,
      'GET /environment/{id}/status': 1,
      'POST /environment/{id}/deploy': 2,
    });
    expect(total - relists).toBe(8);
    // A run lists the statuses once, and no more although the template has no row.
    expect(perRun).toBe(1);
  });

  it('the blueprint: 34 with the default settings', async () => {
    const { counts, total, perRun } = await oneInstance('blueprint');
    expect(counts['POST /environment/{id}/container']).toBe(20);
    expect(counts['POST /environment/{id}/deploy']).toBe(2);
    expect(counts['GET /environment/{id}/status']).toBe(1);
    expect(total).toBe(34);
    expect(perRun).toBe(1);
  });
});
