import { createLogger } from '../../../lib/basics/log';
import type { Env } from '../../../lib/basics/settings';
import { services } from '../../../lib/instances/blueprint/services';
import { APPWRITE_VERSION, type Release, releases } from '../../../lib/instances/blueprint/versions';
import { createReconciler } from '../../../lib/instances/reconciler';
import { createQoveryClient } from '../../../lib/platform/qovery/client';
import type { ContainerRecord, QoveryStandIn } from '../../../sandbox/qovery';
import {
  loadOperatorConfig,
  refreshTemplate,
  TEMPLATE_USAGE,
  templateCommand,
} from '../../../scripts/template';
import type { TestHasura } from '../../helpers/hasura';
import { instanceSettings, memoryStorage } from '../../helpers/instance';
import { operatorEnv, operatorIo, recordedTemplates } from '../../helpers/operator';
import {
  closeStandIns,
  QOVERY_PROJECT,
  QOVERY_TOKEN,
  resetStandIns,
  standInInstances,
  startStandIns,
} from '../../helpers/stand-ins';
import { eventually } from '../../helpers/wait';

/**
 * `npm run template` against the stand-ins: the Qovery stand-in (every request checked against
 * Qovery's OpenAPI) and the Hasura stand-in, which records the template. The blueprint deploys 1.9's
 * service set only, so the newer release is made up, as in the upgrade tests.
 */
const base = releases[APPWRITE_VERSION] as Release;
const table: Record<string, Release> = {
  ...releases,
  '1.11.2': { ...base, appwrite: '1.11.2', console: '9.4.0', redis: '7.4.8-alpine' },
};

let hasura: TestHasura;
let qovery: QoveryStandIn;
beforeAll(async () => {
  ({ hasura, qovery } = await startStandIns({ stepMs: 10 }));
});
afterAll(() => closeStandIns({ hasura, qovery }));
beforeEach(() => resetStandIns({ hasura, qovery }));

const stageEnv = (): Env => operatorEnv(qovery, { QOVERY_ENVIRONMENT_PREFIX: 'test' });

const io = (env: Env = stageEnv()) => operatorIo(hasura, env);

const recorded = () => recordedTemplates(hasura);
const environments = () => [...qovery.state.environments.values()].map((env) => env.resource);
const containersOf = (environmentId: string) =>
  [...qovery.state.services.values()].filter(
    (s): s is ContainerRecord => s.kind === 'CONTAINER' && s.environmentId === environmentId,
  );
const jobsOf = (environmentId: string) =>
  [...qovery.state.jobs.values()].filter((job) => job.environmentId === environmentId);

describe('npm run template', () => {
  it('prints its usage with --help and exits 0', async () => {
    const out = io();
    expect(await templateCommand(['--help'], out)).toBe(0);
    expect(out.said).toEqual([TEMPLATE_USAGE]);
    expect(qovery.calls).toEqual([]);
  });

  it.each([[['--bogus']], [['--stage']], [['prod']]])(
    'refuses %j with its usage and exit 2, never a stack trace',
    async (argv) => {
      const out = io();
      expect(await templateCommand(argv, out)).toBe(2);
      expect(out.errors.join('\n')).toContain(TEMPLATE_USAGE);
      expect(out.errors.join('\n')).not.toMatch(/\n\s+at /);
      expect(qovery.calls).toEqual([]);
    },
  );

  it('says which settings are missing and exits 1', async () => {
    const out = io({ HASURA_GRAPHQL_ENDPOINT: 'http://hasura.test/v1/graphql' });
    expect(await templateCommand([], out)).toBe(1);
    expect(out.errors.join('\n')).toMatch(/QOVERY_API_TOKEN is required/);
    expect(out.errors.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('creates the template from the blueprint, records it, and finds it current the second time', async () => {
    const first = io();
    expect(await templateCommand([], first)).toBe(0);
    expect(first.said[0]).toMatch(/^Template created: environment [0-9a-f-]{36}, AppWrite 1\.9\.6\.$/);
    const [row] = await recorded();
    expect(row?.appwrite_version).toBe(APPWRITE_VERSION);
    const [environment] = environments();
    expect(environments()).toHaveLength(1);
    expect(environment?.id).toBe(row?.qovery_environment_id);
    expect(environment?.name).toMatch(/^test-appwrite-template-1-9-6-[0-9a-z]+$/);
    const id = environment?.id ?? '';
    // Every blueprint container at the configured release, the migrate job; never deployed.
    expect(
      containersOf(id)
        .map((c) => c.resource.name)
        .sort(),
    ).toEqual(
      services(instanceSettings)
        .map((s) => s.name)
        .sort(),
    );
    const api = containersOf(id).find((c) => c.resource.name === 'appwrite');
    expect(api?.resource.tag).toBe('1.9.6');
    expect(jobsOf(id).map((job) => job.resource.name)).toEqual(['appwrite-migrate']);
    expect(qovery.calls.some((c) => /\/deploy$/.test(c.path))).toBe(false);

    qovery.calls.length = 0;
    const second = io();
    expect(await templateCommand([], second)).toBe(0);
    expect(second.said[0]).toBe(`Template up to date: environment ${id}, AppWrite 1.9.6.`);
    expect(environments().map((env) => env.id)).toEqual([id]);
    expect(qovery.calls.map((c) => c.method)).toEqual(['GET']);
  });

  it('is never taken for an orphan by the reconciler', async () => {
    expect(await templateCommand([], io())).toBe(0);
    const id = environments()[0]?.id;
    const summary = await createReconciler({
      hasura: hasura.client,
      instances: standInInstances(qovery, { settings: { environmentPrefix: 'test' } }),
      storage: memoryStorage(),
      log: createLogger({ level: 'silent' }),
      orphanGraceMs: 0,
    }).run({ deadline: Date.now() + 10_000 });
    expect(summary).toMatchObject({ orphansRemoved: 0, failures: [] });
    expect(environments().map((env) => env.id)).toEqual([id]);
  });

  it("never deletes another deployment's template that shares the prefix (its mark differs)", async () => {
    const theirs = await createQoveryClient({ baseUrl: qovery.url, token: QOVERY_TOKEN }).createEnvironment(
      QOVERY_PROJECT,
      { name: 'test-appwrite-template-1-9-6-abc12-their5678', mode: 'PRODUCTION' },
    );
    const ours = { ...stageEnv(), QOVERY_DEPLOYMENT_ID: 'ours1234' };
    // The first run builds ours; the second finds it current and removes strays: never theirs.
    expect(await templateCommand([], io(ours))).toBe(0);
    expect(await templateCommand([], io(ours))).toBe(0);
    const names = environments().map((env) => env.name);
    expect(names).toContain('test-appwrite-template-1-9-6-abc12-their5678');
    expect(names.filter((name) => name.endsWith('-ours1234'))).toHaveLength(1);
    expect(qovery.calls.filter((c) => c.method === 'DELETE' && c.path.includes(theirs.id))).toEqual([]);
  });

  it('refreshes it at a newer release: a new template recorded, the old one deleted; then current', async () => {
    expect(await templateCommand([], io())).toBe(0);
    const old = environments()[0]?.id ?? '';
    const config = await loadOperatorConfig(undefined, stageEnv());
    const newer = { ...config, instance: { ...config.instance, version: '1.11.2' } };

    const out = { ...io(), releases: table };
    const outcome = await refreshTemplate(newer, out);
    expect(outcome).toMatchObject({
      action: 'refreshed',
      version: '1.11.2',
      replaced: { environmentId: old, version: '1.9.6' },
      removed: [old],
    });
    expect(out.said[0]).toBe(
      `Template refreshed: environment ${outcome.environmentId}, AppWrite 1.11.2 (was ${old}, AppWrite 1.9.6).`,
    );
    expect(await recorded()).toEqual([
      { qovery_environment_id: outcome.environmentId, appwrite_version: '1.11.2' },
    ]);
    const tagOf = (name: string) =>
      containersOf(outcome.environmentId).find((c) => c.resource.name === name)?.resource.tag;
    expect([tagOf('appwrite'), tagOf('appwrite-console'), tagOf('redis')]).toEqual([
      '1.11.2',
      '9.4.0',
      '7.4.8-alpine',
    ]);
    expect(jobsOf(outcome.environmentId)[0]?.resource.source).toMatchObject({ image: { tag: '1.11.2' } });
    await eventually(() => !qovery.state.environments.has(old), { what: 'the old template deleted' });

    const again = await refreshTemplate(newer, { ...io(), releases: table });
    expect(again).toMatchObject({ action: 'unchanged', environmentId: outcome.environmentId, removed: [] });
  });

  it('builds a new one when the recorded template is gone from Qovery', async () => {
    expect(await templateCommand([], io())).toBe(0);
    qovery.state.environments.clear();
    const out = io();
    expect(await templateCommand([], out)).toBe(0);
    expect(out.said[0]).toMatch(/^Template refreshed: /);
    expect(environments()).toHaveLength(1);
    expect((await recorded())[0]?.qovery_environment_id).toBe(environments()[0]?.id);
  });
});
