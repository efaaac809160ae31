/**
 * `npx tsx bench/instance.ts` (part 8 of `npm run bench`): what one instance costs, from the blueprint. Qovery calls and
 * stages of CreateProject per strategy (counted against the Qovery stand-in, next to the figure
 * lib/instances/instances states), and the resources one instance takes with the default sizes.
 */

import {
  DEFAULT_SIZES,
  type InstanceSettings,
  type QoverySettings,
} from '../lib/instances/blueprint/blueprint';
import { totalResources } from '../lib/instances/blueprint/services';
import { APPWRITE_VERSION, type Release, releases } from '../lib/instances/blueprint/versions';
import { createInstances, provisionCalls } from '../lib/instances/instances';
import { createQoveryClient } from '../lib/platform/qovery/client';
import { LOCAL_REGISTRY_ID, startQoveryStandIn } from '../sandbox/qovery';

const instance: InstanceSettings = {
  version: APPWRITE_VERSION,
  sizes: DEFAULT_SIZES,
  emailFrom: { name: 'Appwrite', address: 'noreply@example.com' },
  operatorEmail: 'ops@example.com',
  consoleClaimKey: 'bench-console-claim-key-0123456789abcdef',
};
const grant = { bucket: 'b', region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 's' };

async function measure(strategy: 'blueprint' | 'clone', settings: InstanceSettings) {
  const project = '00000000-0000-4000-8000-0000000000b1';
  const qovery = await startQoveryStandIn({ token: 't', stepMs: 5, projectIds: [project] });
  try {
    const base: QoverySettings = {
      apiUrl: qovery.url,
      token: 't',
      projectId: project,
      registryId: LOCAL_REGISTRY_ID,
      instance: settings,
    };
    const make = (s: QoverySettings) =>
      createInstances({ client: createQoveryClient({ baseUrl: qovery.url, token: 't' }), settings: s });
    let qoverySettings = base;
    if (strategy === 'clone') {
      const template = await make(base).provision('template', {
        ownerEmail: 'o@x.io',
        storage: Promise.resolve(grant),
      });
      qoverySettings = { ...base, templateEnvironmentId: template.environmentId };
    }
    qovery.calls.length = 0;
    const started = performance.now();
    await make(qoverySettings).provision(1, { ownerEmail: 'o@x.io', storage: Promise.resolve(grant) });
    const ms = performance.now() - started;
    return { calls: qovery.calls.length, stated: provisionCalls(qoverySettings), ms };
  } finally {
    await qovery.close();
  }
}

/**
 * One upgrade step of one running instance (lib/instances/upgrades/): the Qovery calls `Instances.upgrade`
 * makes, and those of one check of its `migrate` job. The release is made up (1.9's service set,
 * new tags and one new variable), as the blueprint deploys 1.9 only.
 */
async function measureUpgrade() {
  const project = '00000000-0000-4000-8000-0000000000b2';
  const qovery = await startQoveryStandIn({ token: 't', stepMs: 5, projectIds: [project] });
  try {
    const instances = createInstances({
      client: createQoveryClient({ baseUrl: qovery.url, token: 't' }),
      settings: {
        apiUrl: qovery.url,
        token: 't',
        projectId: project,
        registryId: LOCAL_REGISTRY_ID,
        instance,
      },
    });
    const { environmentId } = await instances.provision(1, {
      ownerEmail: 'o@x.io',
      storage: Promise.resolve(grant),
    });
    await instances.deploy(environmentId);
    while (qovery.state.environments.get(environmentId)?.state !== 'DEPLOYED')
      await new Promise((resolve) => setTimeout(resolve, 5));
    const next: Release = {
      ...(releases[APPWRITE_VERSION] as Release),
      appwrite: '1.10.0',
      variables: { _APP_NEW_SETTING: 'on' },
    };
    qovery.calls.length = 0;
    await instances.upgrade(environmentId, next);
    const step = qovery.calls.map((c) => `${c.method} ${c.path.replace(/[0-9a-f-]{36}/g, '{id}')}`);
    qovery.calls.length = 0;
    await instances.migrateStatus(environmentId);
    return { step, check: qovery.calls.length };
  } finally {
    await qovery.close();
  }
}

/**
 * Part 8 of `npm run bench` (and `npx tsx bench/instance.ts` alone): CreateProject's Qovery calls
 * and stages per strategy next to the figure of the first instances (API, MariaDB and Redis only), one upgrade step, and the resources one
 * instance takes with the default sizes, as a section of BENCHMARKS.md.
 */
export async function instanceSection(): Promise<string> {
  const withExecutor = { ...instance, executor: { url: 'http://executor/v1', secret: 'x'.repeat(20) } };
  const rows = ['| first instances (API + MariaDB + Redis only) | 7 | 7 / 3 | — |'];
  for (const [name, strategy, settings] of [
    ['blueprint, default (no executor)', 'blueprint', instance],
    ['blueprint, with an operator executor', 'blueprint', withExecutor],
    ['template clone', 'clone', instance],
  ] as const) {
    const m = await measure(strategy, settings);
    rows.push(`| ${name} | ${m.calls} | ${m.stated.calls} / ${m.stated.stages} | ${m.ms.toFixed(0)} ms |`);
  }
  const upgrade = await measureUpgrade();
  const resources = (
    [
      ['default sizes', instance],
      ['default sizes, with an operator executor', withExecutor],
    ] as const
  ).map(([name, settings]) => {
    const t = totalResources(settings);
    return `| ${name} | ${t.services} | ${(t.cpu / 1000).toFixed(2)} vCPU | ${(t.memory / 1024).toFixed(2)} GiB | ${t.storage} GB |`;
  });
  return `## 8. One instance: CreateProject's Qovery calls, an upgrade step, resources

Counted against the Qovery stand-in (every request checked against Qovery's OpenAPI document),
next to the figure lib/instances/instances states (\`provisionCalls\`). A clone's count can exceed the
stated one by a listing: Qovery's clone is asynchronous and its services are listed again until
they appear. The local time is the stand-in's, not Qovery's.

| CreateProject strategy | Qovery calls (counted) | stated calls / stages | local stand-in time |
| --- | --- | --- | --- |
${rows.join('\n')}

One upgrade step of a running instance (lib/instances/upgrades/, a made-up release with one new variable):
${upgrade.step.length} Qovery calls in 3 stages (${upgrade.step.map((c) => `\`${c}\``).join(', ')}); each check of
its \`migrate\` job: ${upgrade.check} calls in 1 stage.

| Resources of one instance | Containers | CPU | Memory | Storage |
| --- | --- | --- | --- | --- |
${resources.join('\n')}
`;
}

if (require.main === module)
  instanceSection()
    .then((section) => process.stdout.write(section))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
