import type { QoverySettings } from '../../../../lib/instances/blueprint/blueprint';
import { createInstances } from '../../../../lib/instances/instances';
import { createQoveryClient } from '../../../../lib/platform/qovery/client';
import { type QoveryStandIn, startQoveryStandIn } from '../../../../sandbox/qovery';
import fixture from '../../../fixtures/qovery/settings.json';
import { instanceSettings, provisionInputs } from '../../../helpers/instance';
import { eventually } from '../../../helpers/wait';

/**
 * The stand-in checks at deployment what Qovery (or the instance itself) would fail on: `{{…}}`
 * references that resolve to nothing, configuration files that are not mounted, and AppWrite
 * services started without a variable they cannot run without (lib/instances/blueprint/inventory.json).
 */

let qovery: QoveryStandIn;
beforeEach(async () => {
  qovery = await startQoveryStandIn({
    token: fixture.token,
    stepMs: 5,
    projectIds: [fixture.projectId],
    registryIds: [fixture.registryId],
  });
});
afterEach(() => qovery.close());

/** lib/instances/instances on this stand-in, with the fixture's settings (and `overrides`). */
function fixtureInstances(
  overrides: Partial<QoverySettings> = {},
  options: { cloneRecheckMs?: number } = {},
) {
  return createInstances({
    client: createQoveryClient({ baseUrl: qovery.url, token: fixture.token }),
    settings: {
      apiUrl: qovery.url,
      token: fixture.token,
      projectId: fixture.projectId,
      registryId: fixture.registryId,
      instance: instanceSettings,
      ...overrides,
    },
    ...options,
  });
}

async function provisioned() {
  const instances = fixtureInstances();
  const instance = await instances.provision(1, provisionInputs());
  return { instances, instance, env: qovery.state.environments.get(instance.environmentId) };
}

async function deployed(instances: Awaited<ReturnType<typeof provisioned>>['instances'], id: string) {
  await instances.deploy(id);
  return eventually(
    () => {
      const last = qovery.stateHistory(id).at(-1);
      return (last === 'DEPLOYED' || last === 'DEPLOYMENT_ERROR') && last;
    },
    { what: 'the end of the deployment' },
  );
}

describe('Qovery stand-in: what a deployment checks', () => {
  test('a complete instance from the blueprint deploys', async () => {
    const { instances, instance, env } = await provisioned();
    expect(await deployed(instances, instance.environmentId)).toBe('DEPLOYED');
    expect(env?.deploymentProblems).toEqual([]);
  });

  test('an AppWrite service without a variable it cannot run without ends in DEPLOYMENT_ERROR', async () => {
    const { instances, instance, env } = await provisioned();
    env?.variables.delete('_APP_OPENSSL_KEY_V1');
    expect(await deployed(instances, instance.environmentId)).toBe('DEPLOYMENT_ERROR');
    // Every AppWrite-image service reads it: each one is named.
    expect(env?.deploymentProblems).toEqual(
      expect.arrayContaining([
        'appwrite: _APP_OPENSSL_KEY_V1 is required by AppWrite and not set',
        'appwrite-worker-databases: _APP_OPENSSL_KEY_V1 is required by AppWrite and not set',
      ]),
    );
    expect(env?.deploymentProblems.some((p) => p.startsWith('proxy:'))).toBe(false);
  });

  test('an empty required variable counts as missing, and so does MariaDB’s own', async () => {
    const { instances, instance, env } = await provisioned();
    const migration = env?.variables.get('_APP_MIGRATION_HOST');
    if (migration) migration.value = '';
    const mariadb = qovery.state.services.get(instance.mariadbId);
    if (mariadb?.kind === 'CONTAINER') mariadb.variables.delete('MYSQL_PASSWORD');
    expect(await deployed(instances, instance.environmentId)).toBe('DEPLOYMENT_ERROR');
    expect(env?.deploymentProblems).toEqual(
      expect.arrayContaining([
        'appwrite-worker-migrations: _APP_MIGRATION_HOST is required by AppWrite and not set',
        'mariadb: MYSQL_PASSWORD is required by AppWrite and not set',
      ]),
    );
  });

  test('a reference to a variable that does not exist ends in DEPLOYMENT_ERROR', async () => {
    const { instances, instance, env } = await provisioned();
    const host = env?.variables.get('_APP_REDIS_HOST');
    if (host) host.value = '{{QOVERY_CONTAINER_ZDEADBEEF_HOST_INTERNAL}}';
    expect(await deployed(instances, instance.environmentId)).toBe('DEPLOYMENT_ERROR');
    expect(env?.deploymentProblems).toContain(
      'appwrite: {{QOVERY_CONTAINER_ZDEADBEEF_HOST_INTERNAL}} does not resolve',
    );
  });

  test('a proxy whose configuration file is not mounted ends in DEPLOYMENT_ERROR', async () => {
    const { instances, instance, env } = await provisioned();
    const proxy = qovery.state.services.get(instance.appwriteId);
    if (proxy?.kind === 'CONTAINER') proxy.files.clear();
    expect(await deployed(instances, instance.environmentId)).toBe('DEPLOYMENT_ERROR');
    expect(env?.deploymentProblems).toEqual([
      'proxy: /etc/appwrite-cloud/Caddyfile is not a mounted file variable',
    ]);
  });

  test('the blueprint’s migrate job runs once per deployment, with the API’s image, after the containers', async () => {
    const { instances, instance, env } = await provisioned();
    expect(await deployed(instances, instance.environmentId)).toBe('DEPLOYED');
    const [job] = jobsIn(instance.environmentId);
    expect(job?.resource.name).toBe('appwrite-migrate');
    expect(job?.runs).toEqual([
      {
        deploymentId: env?.lastDeploymentId,
        image: 'appwrite/appwrite:1.9.6',
        entrypoint: 'migrate',
        arguments: [],
        ok: true,
      },
    ]);
    expect(job?.state).toBe('DEPLOYED');
    // It is idempotent, and runs again on the next deployment.
    expect(await deployed(instances, instance.environmentId)).toBe('DEPLOYED');
    expect(job?.runs).toHaveLength(2);
  });

  test('a migrate job without the database settings, or before the containers, ends in DEPLOYMENT_ERROR', async () => {
    const { instances, instance, env } = await provisioned();
    env?.variables.delete('_APP_DB_PASS');
    const [job] = jobsIn(instance.environmentId);
    // Back in Qovery's default stage for jobs, which deploys before the containers.
    const stage = [...qovery.state.stages.values()].find(
      (s) => s.environmentId === instance.environmentId && s.resource.name === 'JOB DEFAULT',
    );
    const client = createQoveryClient({ baseUrl: qovery.url, token: fixture.token });
    await client.attachServiceToDeploymentStage(stage?.resource.id ?? '', job?.resource.id ?? '');
    expect(await deployed(instances, instance.environmentId)).toBe('DEPLOYMENT_ERROR');
    expect(env?.deploymentProblems).toEqual(
      expect.arrayContaining([
        'appwrite-migrate: _APP_DB_PASS is required by AppWrite and not set',
        'appwrite-migrate: deployed before the containers it needs (its stage comes first)',
      ]),
    );
    expect(job?.state).toBe('DEPLOYMENT_ERROR');
    expect(job?.runs.map((run) => run.ok)).toEqual([false]);
  });

  test('a failed migration fails the deployment, and its job status says so', async () => {
    const { instances, instance, env } = await provisioned();
    const [job] = jobsIn(instance.environmentId);
    qovery.failNextRun(job?.resource.id ?? '');
    expect(await deployed(instances, instance.environmentId)).toBe('DEPLOYMENT_ERROR');
    expect(env?.deploymentProblems).toEqual(['appwrite-migrate: the job exited with status 1']);
    const client = createQoveryClient({ baseUrl: qovery.url, token: fixture.token });
    const { results } = await client.getEnvironmentJobStatus(instance.environmentId);
    expect(results).toEqual([
      expect.objectContaining({
        id: job?.resource.id,
        state: 'DEPLOYMENT_ERROR',
        is_part_last_deployment: true,
      }),
    ]);
    // Only that run: the next one succeeds.
    expect(await deployed(instances, instance.environmentId)).toBe('DEPLOYED');
  });

  test('deploying services with new tags changes them, and the job runs with its new image', async () => {
    const { instance } = await provisioned();
    const client = createQoveryClient({ baseUrl: qovery.url, token: fixture.token });
    const [job] = jobsIn(instance.environmentId);
    const api = qovery.state.services.get(instance.serviceIds.appwrite ?? '');
    await client.deployAllServices(instance.environmentId, {
      containers: [{ id: api?.resource.id ?? '', image_tag: '1.9.7' }],
      jobs: [{ id: job?.resource.id ?? '', image_tag: '1.9.7' }],
    });
    const until = Date.now() + 5000;
    while (qovery.stateHistory(instance.environmentId).at(-1) !== 'DEPLOYED') {
      if (Date.now() > until) throw new Error('no end of deployment');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(api?.kind === 'CONTAINER' && api.resource.tag).toBe('1.9.7');
    expect(job?.runs.map((run) => run.image)).toEqual(['appwrite/appwrite:1.9.7']);
    // A job of another environment is refused, and nothing changes.
    await expect(
      client.deployAllServices(instance.environmentId, {
        jobs: [{ id: '00000000-0000-4000-8000-000000000001' }],
      }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe('Qovery stand-in: the template-clone strategy', () => {
  test('a clone keeps the template’s migrate job, in its stage after the containers, and deploys', async () => {
    const { instance: template } = await provisioned();
    const cloning = fixtureInstances(
      { templateEnvironmentId: template.environmentId },
      { cloneRecheckMs: 10 },
    );
    const clone = await cloning.provision(2, provisionInputs());
    const [job] = jobsIn(clone.environmentId);
    expect(job?.resource.name).toBe('appwrite-migrate');
    const stages = [...qovery.state.stages.values()]
      .filter((stage) => stage.environmentId === clone.environmentId)
      .sort((a, b) => (a.resource.deployment_order ?? 0) - (b.resource.deployment_order ?? 0));
    expect(stages.at(-1)?.resource.name).toBe('appwrite-migrate');
    expect(stages.at(-1)?.serviceIds).toEqual([job?.resource.id]);
    expect(await deployed(cloning, clone.environmentId)).toBe('DEPLOYED');
    expect(job?.runs.map((run) => run.ok)).toEqual([true]);
  });
});

function jobsIn(environmentId: string) {
  return [...qovery.state.jobs.values()].filter((job) => job.environmentId === environmentId);
}
