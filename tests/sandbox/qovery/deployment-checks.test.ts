import { createQoveryClient } from '../../../lib/qovery/client';
import { createInstances } from '../../../lib/qovery/instances';
import { type QoveryStandIn, startQoveryStandIn } from '../../../sandbox/qovery';
import fixture from '../../fixtures/qovery/settings.json';
import { instanceSettings, provisionInputs } from '../../helpers/instance';
import { eventually } from '../../helpers/wait';

/**
 * The stand-in checks at deployment what Qovery (or the instance itself) would fail on: `{{…}}`
 * references that resolve to nothing, configuration files that are not mounted, and AppWrite
 * services started without a variable they cannot run without (lib/appwrite/inventory.json).
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

async function provisioned() {
  const instances = createInstances({
    client: createQoveryClient({ baseUrl: qovery.url, token: fixture.token }),
    settings: {
      apiUrl: qovery.url,
      token: fixture.token,
      projectId: fixture.projectId,
      registryId: fixture.registryId,
      instance: instanceSettings,
    },
  });
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
});
