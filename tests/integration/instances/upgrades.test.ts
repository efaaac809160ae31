import { createLogger } from '../../../lib/basics/log';
import { APPWRITE_VERSION, type Release, releases } from '../../../lib/instances/blueprint/versions';
import type { Caller } from '../../../lib/instances/projects';
import { createReconciler } from '../../../lib/instances/reconciler';
import { listUpgrades, requestUpgrades, upgradeReasons, upgradesStep } from '../../../lib/instances/upgrades';
import type { ContainerRecord, QoveryStandIn } from '../../../sandbox/qovery';
import type { TestHasura } from '../../helpers/hasura';
import { memoryStorage } from '../../helpers/instance';
import {
  closeStandIns,
  resetStandIns,
  standInInstances,
  standInProjects,
  startStandIns,
} from '../../helpers/stand-ins';
import { eventually } from '../../helpers/wait';

/**
 * Upgrades driven end to end: the operator's request on the rows, the reconciler's runs, the Qovery
 * stand-in (every request and answer checked against Qovery's OpenAPI) deploying each step and
 * running `migrate`. The blueprint deploys 1.9's service set only, so the newer releases are made
 * up for the test: a 1.10.0 (a minor's latest patch) and a 1.11.2 (the target).
 */
const log = createLogger({ level: 'silent' });
const base = releases[APPWRITE_VERSION] as Release;
const table: Record<string, Release> = {
  ...releases,
  '1.10.0': {
    ...base,
    appwrite: '1.10.0',
    console: '9.0.1',
    redis: '7.4.8-alpine',
    variables: { _APP_NEW_SETTING: 'on', _APP_NEW_HOST: { hosts: 'http://{appwrite}' } },
  },
  '1.11.2': {
    ...base,
    appwrite: '1.11.2',
    console: '9.4.0',
    redis: '7.4.8-alpine',
    // Already set on every instance: an upgrade adds, it never overwrites.
    variables: { _APP_OPTIONS_ABUSE: 'disabled' },
  },
};

let hasura: TestHasura;
let qovery: QoveryStandIn;
beforeAll(async () => {
  ({ hasura, qovery } = await startStandIns({ stepMs: 10 }));
});
afterAll(() => closeStandIns({ hasura, qovery }));
beforeEach(() => resetStandIns({ hasura, qovery }));

const ada = (): Caller => ({ userId: 1, deadline: Date.now() + 20_000, log });
const instances = () => standInInstances(qovery);
const projects = () => standInProjects({ hasura, qovery });
const reconciler = () =>
  createReconciler({
    hasura: hasura.client,
    instances: instances(),
    storage: memoryStorage(),
    log,
    steps: [upgradesStep({ hasura: hasura.client, instances: instances(), log, releases: table })],
  });
const run = () => reconciler().run({ deadline: Date.now() + 20_000 });
const row = async (id: number) =>
  (await listUpgrades(hasura.client, Date.now() + 5000)).find((project) => project.id === id);
const deployed = (environmentId: string) =>
  eventually(() => qovery.stateHistory(environmentId).at(-1) === 'DEPLOYED', { what: 'DEPLOYED' });

async function runningInstance() {
  const p = projects();
  const { id } = await p.create('myproject', ada());
  await p.start(id, ada());
  const environmentId = String((await row(id))?.qovery_environment_id);
  await deployed(environmentId);
  await run();
  return { p, id, environmentId };
}

const containersOf = (environmentId: string) =>
  [...qovery.state.services.values()].filter(
    (s): s is ContainerRecord => s.kind === 'CONTAINER' && s.environmentId === environmentId,
  );
const migrateOf = (environmentId: string) =>
  [...qovery.state.jobs.values()].find(
    (job) => job.environmentId === environmentId && job.resource.name === 'appwrite-migrate',
  );
const serviceDeploys = () => qovery.calls.filter((c) => c.path.endsWith('/service/deploy'));

/** Runs the reconciler until the project is at `version` with nothing under way. */
async function upgradedTo(id: number, version: string) {
  return eventually(
    async () => {
      await run();
      const r = await row(id);
      return r?.appwrite_version === version && r.upgrade_step === null && r.status === 'RUNNING' ? r : null;
    },
    { what: `the upgrade to ${version}`, everyMs: 50 },
  );
}

describe('upgrades', () => {
  it('takes a running instance to the target one step at a time: images, variables, redeploy, migrate once per step', async () => {
    const { id, environmentId } = await runningInstance();
    expect((await row(id))?.appwrite_version).toBe('1.9.6');
    const env = qovery.state.environments.get(environmentId);
    expect(env?.variables.get('_APP_OPTIONS_ABUSE')?.value).toBe('enabled');

    expect(
      await requestUpgrades(
        hasura.client,
        { projects: [id], target: '1.11.2', releases: table },
        Date.now() + 5000,
      ),
    ).toEqual({ asked: [id], skipped: [] });
    const done = await upgradedTo(id, '1.11.2');
    expect(done).toMatchObject({ appwrite_target_version: null, upgrade_error: null, upgrade_step_at: null });

    // Each step was one deployment request, and migrate ran once with each new image.
    expect(serviceDeploys()).toHaveLength(2);
    expect(migrateOf(environmentId)?.runs.map((r) => `${r.image} ${r.entrypoint} ${r.ok}`)).toEqual([
      'appwrite/appwrite:1.9.6 migrate true',
      'appwrite/appwrite:1.10.0 migrate true',
      'appwrite/appwrite:1.11.2 migrate true',
    ]);
    // The 1.10.0 step happened before the 1.11.2 one: its request carried 1.10.0 everywhere.
    const first = serviceDeploys()[0]?.body as { containers: { id: string; image_tag?: string }[] };
    const api = containersOf(environmentId).find((c) => c.resource.name === 'appwrite');
    expect(first.containers.find((c) => c.id === api?.resource.id)?.image_tag).toBe('1.10.0');

    // Every AppWrite-image service and the companions changed together; the proxy did not.
    for (const container of containersOf(environmentId)) {
      const { name, image_name, tag } = container.resource;
      if (image_name === 'appwrite/appwrite') expect(`${name} ${tag}`).toBe(`${name} 1.11.2`);
    }
    const tagOf = (name: string) =>
      containersOf(environmentId).find((c) => c.resource.name === name)?.resource.tag;
    expect(tagOf('appwrite-console')).toBe('9.4.0');
    expect(tagOf('redis')).toBe('7.4.8-alpine');
    expect(tagOf('mariadb')).toBe('10.11');
    expect(tagOf('proxy')).toMatch(/alpine$/);

    // The variables the new releases read were added; one the instance had kept its value.
    expect(env?.variables.get('_APP_NEW_SETTING')?.value).toBe('on');
    expect(env?.variables.get('_APP_NEW_HOST')?.value).toMatch(
      /^http:\/\/\{\{QOVERY_CONTAINER_Z[0-9A-F]{8}_HOST_INTERNAL\}\}$/,
    );
    expect(env?.variables.get('_APP_OPTIONS_ABUSE')?.value).toBe('enabled');
    expect(env?.deploymentProblems).toEqual([]);

    // Nothing left to do: further runs deploy nothing.
    await run();
    expect(serviceDeploys()).toHaveLength(2);
  });

  it('stops at a failed deployment with a visible reason, and goes on once the instance starts with the new release', async () => {
    const { p, id, environmentId } = await runningInstance();
    qovery.failNextRun(migrateOf(environmentId)?.resource.id ?? '');
    await requestUpgrades(
      hasura.client,
      { projects: [id], target: '1.11.2', releases: table },
      Date.now() + 5000,
    );

    const reason = upgradeReasons.failed('1.10.0');
    const stopped = await eventually(
      async () => {
        await run();
        const r = await row(id);
        return r?.upgrade_error ? r : null;
      },
      { what: 'the failure', everyMs: 50 },
    );
    expect(stopped).toMatchObject({
      appwrite_version: '1.9.6',
      upgrade_step: '1.10.0',
      upgrade_error: reason,
    });
    expect(await p.status(id, ada())).toEqual(expect.objectContaining({ status: 'ERROR', reason }));
    // Further runs keep the reason (never internal-error, never the generic one) and deploy nothing.
    await run();
    await run();
    expect(serviceDeploys()).toHaveLength(1);
    expect(await p.status(id, ada())).toEqual(expect.objectContaining({ status: 'ERROR', reason }));

    // The owner starts it again: 1.10.0 deploys and migrates, and the upgrade goes on to 1.11.2.
    await p.start(id, ada());
    await upgradedTo(id, '1.11.2');
    expect(migrateOf(environmentId)?.runs.map((r) => `${r.image} ${r.ok}`)).toEqual([
      'appwrite/appwrite:1.9.6 true',
      'appwrite/appwrite:1.10.0 false',
      'appwrite/appwrite:1.10.0 true',
      'appwrite/appwrite:1.11.2 true',
    ]);
  });

  it('waits for a stopped instance to be started again, and never starts it', async () => {
    const { p, id, environmentId } = await runningInstance();
    await p.stop(id, ada());
    await eventually(() => qovery.stateHistory(environmentId).at(-1) === 'STOPPED', { what: 'STOPPED' });
    await requestUpgrades(
      hasura.client,
      { projects: 'all', target: '1.10.0', releases: table },
      Date.now() + 5000,
    );
    await run();
    await run();
    expect(serviceDeploys()).toHaveLength(0);
    expect(qovery.state.environments.get(environmentId)?.state).toBe('STOPPED');
    expect(await row(id)).toMatchObject({ appwrite_version: '1.9.6', appwrite_target_version: '1.10.0' });

    await p.start(id, ada());
    await upgradedTo(id, '1.10.0');
    expect(serviceDeploys()).toHaveLength(1);
  });

  it('gives an instance made before the migrate job existed its job, in a stage after the containers', async () => {
    const { id, environmentId } = await runningInstance();
    const job = migrateOf(environmentId);
    qovery.state.jobs.delete(job?.resource.id ?? '');
    for (const [stageId, stage] of qovery.state.stages)
      if (stage.environmentId === environmentId && stage.resource.name === 'appwrite-migrate')
        qovery.state.stages.delete(stageId);
    await requestUpgrades(
      hasura.client,
      { projects: [id], target: '1.10.0', releases: table },
      Date.now() + 5000,
    );
    await upgradedTo(id, '1.10.0');
    expect(migrateOf(environmentId)?.runs.map((r) => `${r.image} ${r.ok}`)).toEqual([
      'appwrite/appwrite:1.10.0 true',
    ]);
    const stages = [...qovery.state.stages.values()]
      .filter((stage) => stage.environmentId === environmentId)
      .sort((a, b) => (a.resource.deployment_order ?? 0) - (b.resource.deployment_order ?? 0));
    expect(stages.at(-1)?.resource.name).toBe('appwrite-migrate');
  });

  it('asks again later when Qovery is busy (409), and records nothing meanwhile', async () => {
    const { id } = await runningInstance();
    qovery.faults.inject({ method: 'POST', path: /\/service\/deploy$/, status: 409 });
    await requestUpgrades(
      hasura.client,
      { projects: [id], target: '1.10.0', releases: table },
      Date.now() + 5000,
    );
    await run();
    expect(await row(id)).toMatchObject({
      appwrite_version: '1.9.6',
      upgrade_step: null,
      upgrade_error: null,
    });
    await upgradedTo(id, '1.10.0');
  });

  it('stops for the operator when Qovery refuses the step (400), leaving the instance as it was', async () => {
    const { p, id } = await runningInstance();
    qovery.faults.inject({ method: 'POST', path: /\/service\/deploy$/, status: 400 });
    const request = () =>
      requestUpgrades(
        hasura.client,
        { projects: [id], target: '1.10.0', releases: table },
        Date.now() + 5000,
      );
    await request();
    await run();
    expect(await row(id)).toMatchObject({
      appwrite_version: '1.9.6',
      upgrade_step: null,
      upgrade_error: upgradeReasons.refused('1.10.0'),
    });
    expect(await p.status(id, ada())).toEqual(expect.objectContaining({ status: 'RUNNING', reason: null }));
    await run();
    expect(serviceDeploys().filter((c) => c.status === 202)).toHaveLength(0);
    // The operator asks again: the upgrade is retried.
    await request();
    await upgradedTo(id, '1.10.0');
  });

  it('stops a step whose migrate never ran (Qovery answered but did not deploy)', async () => {
    const { id, environmentId } = await runningInstance();
    qovery.faults.inject({ method: 'POST', path: /\/service\/deploy$/, status: 202, body: {} });
    await requestUpgrades(
      hasura.client,
      { projects: [id], target: '1.10.0', releases: table },
      Date.now() + 5000,
    );
    const impatient = createReconciler({
      hasura: hasura.client,
      instances: instances(),
      storage: memoryStorage(),
      log,
      steps: [
        upgradesStep({
          hasura: hasura.client,
          instances: instances(),
          log,
          releases: table,
          stalledAfterMs: 0,
        }),
      ],
    });
    await impatient.run({ deadline: Date.now() + 20_000 });
    expect(await row(id)).toMatchObject({ upgrade_step: '1.10.0', upgrade_error: null });
    await impatient.run({ deadline: Date.now() + 20_000 });
    expect(await row(id)).toMatchObject({
      appwrite_version: '1.9.6',
      upgrade_step: '1.10.0',
      upgrade_error: upgradeReasons.stalled('1.10.0'),
    });
    expect(migrateOf(environmentId)?.runs).toHaveLength(1);
  });

  it('asks only what can be done: no downgrade, no unknown release, nothing for an instance already there', async () => {
    const { id } = await runningInstance();
    const deadline = Date.now() + 5000;
    await expect(
      requestUpgrades(hasura.client, { projects: 'all', target: '2.0.0', releases: table }, deadline),
    ).rejects.toThrow(RangeError);
    expect(
      await requestUpgrades(
        hasura.client,
        { projects: [id, 99], target: '1.9.6', releases: table },
        deadline,
      ),
    ).toEqual({
      asked: [],
      skipped: [
        { id: 99, version: null, why: 'no such project' },
        { id, version: '1.9.6', why: 'already there' },
      ],
    });
    await hasura.db.query(`UPDATE project SET appwrite_version = '1.10.0'`);
    expect(
      (await requestUpgrades(hasura.client, { projects: [id], target: '1.9.6', releases: table }, deadline))
        .skipped,
    ).toEqual([{ id, version: '1.10.0', why: 'AppWrite cannot go back from 1.10.0 to 1.9.6' }]);
    expect((await row(id))?.appwrite_target_version).toBeNull();
  });
});
