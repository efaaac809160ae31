import { createMetrics } from '../../../lib/basics/metrics';
import type { QoverySettings } from '../../../lib/instances/blueprint/blueprint';
import { generateSecrets } from '../../../lib/instances/blueprint/secrets';
import { ROUND_TRIPS } from '../../../lib/instances/instances';
import { recordedTemplate } from '../../../lib/instances/provision-strategy';
import { ensureTemplate } from '../../../lib/instances/provision-template';
import { createQoveryClient } from '../../../lib/platform/qovery/client';
import type { QoveryStandIn } from '../../../sandbox/qovery';
import type { TestHasura } from '../../helpers/hasura';
import { instanceSettings, provisionInputs } from '../../helpers/instance';
import { memoryLogger } from '../../helpers/lambda';
import {
  closeStandIns,
  QOVERY_TOKEN,
  resetStandIns,
  standInInstances,
  standInProjects,
  standInSettings,
  startStandIns,
} from '../../helpers/stand-ins';

/**
 * CreateProject's choice between the recorded template (4 Qovery calls) and the blueprint (about
 * 30): a clone only of a template of the configured release built from this blueprint; the choice
 * and its reason in the logs (`provision.strategy`) and in the ProvisionStrategy metric.
 */
let hasura: TestHasura;
let qovery: QoveryStandIn;
beforeAll(async () => {
  ({ hasura, qovery } = await startStandIns({ stepMs: 10 }));
});
afterAll(() => closeStandIns({ hasura, qovery }));
beforeEach(() => resetStandIns({ hasura, qovery }));

/** Builds and records the template as `npm run template` would, with these settings. */
async function template(settings: Partial<QoverySettings> = {}) {
  const client = createQoveryClient({ baseUrl: qovery.url, token: QOVERY_TOKEN, sleep: async () => {} });
  const outcome = await ensureTemplate({
    client,
    settings: standInSettings(qovery, settings),
    hasura: hasura.client,
    log: memoryLogger().log,
    cleanupTimeoutMs: 2000,
    cleanupRecheckMs: 100,
    makeSecrets: generateSecrets,
    retireAfterMs: 0,
  });
  qovery.calls.length = 0;
  return outcome.environmentId;
}

function creating(settings: Partial<QoverySettings> = {}) {
  const memory = memoryLogger();
  const counted: [string, Record<string, string>][] = [];
  const instances = standInInstances(qovery, {
    settings,
    log: memory.log,
    template: recordedTemplate(hasura.client),
    metrics: { count: (name, dimensions) => counted.push([name, dimensions]) },
    cloneRecheckMs: 50,
  });
  const strategy = () => memory.lines.filter((line) => line.message === 'provision.strategy');
  return { instances, memory, counted, strategy };
}

const clones = () => qovery.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/clone'));
const deadline = () => Date.now() + 20_000;

describe('CreateProject: clone or blueprint', () => {
  it('clones the recorded template when it is the configured release, in 4 Qovery calls', async () => {
    const templateId = await template();
    const { instances, counted, strategy } = creating();
    const projects = standInProjects({ hasura, qovery }, { instances });
    const created = await projects.create('myproject', {
      userId: 1,
      deadline: deadline(),
      log: memoryLogger().log,
    });
    expect(created.url).toMatch(/^https:\/\//);
    // The clone is a whole instance: every variable AppWrite reads resolves.
    const api = [...qovery.state.services.values()].find(
      (service) =>
        service.resource.name === 'appwrite' &&
        qovery.state.environments.get(service.environmentId)?.resource.name === `appwrite-${created.id}`,
    );
    expect(qovery.resolveVariables(api?.resource.id ?? '').missing).toEqual([]);
    expect(clones().map((c) => c.path)).toEqual([`/environment/${templateId}/clone`]);
    const lists = qovery.calls.filter((c) => c.method === 'GET' && /\/container$/.test(c.path)).length;
    expect(qovery.calls).toHaveLength(ROUND_TRIPS.provisionClone + lists - 1);
    expect(strategy()).toEqual([
      expect.objectContaining({
        level: 'info',
        strategy: 'clone',
        reason: 'template-current',
        appwriteVersion: '1.9.6',
        templateVersion: '1.9.6',
      }),
    ]);
    expect(counted).toEqual([['ProvisionStrategy', { strategy: 'clone', reason: 'template-current' }]]);
  });

  it('builds from the blueprint when the template is of another release, and says so', async () => {
    await template({ instance: { ...instanceSettings, version: '1.8.1' } });
    const { instances, counted, strategy } = creating();
    await instances.provision(7, provisionInputs(), { deadline: deadline() });
    expect(clones()).toEqual([]);
    expect(qovery.calls).toHaveLength(ROUND_TRIPS.provisionBlueprint);
    expect(strategy()).toEqual([
      expect.objectContaining({
        strategy: 'blueprint',
        reason: 'template-outdated',
        appwriteVersion: '1.9.6',
        templateVersion: '1.8.1',
      }),
    ]);
    expect(counted).toEqual([['ProvisionStrategy', { strategy: 'blueprint', reason: 'template-outdated' }]]);
  });

  it('builds from the blueprint when the instances’ settings changed since the template was built', async () => {
    await template();
    const sizes = { ...instanceSettings.sizes, appwrite: { cpu: 2000, memory: 2048 } };
    const { instances, counted } = creating({ instance: { ...instanceSettings, sizes } });
    await instances.provision(8, provisionInputs(), { deadline: deadline() });
    expect(clones()).toEqual([]);
    expect(counted).toEqual([['ProvisionStrategy', { strategy: 'blueprint', reason: 'blueprint-changed' }]]);
  });

  it('builds from the blueprint when no template is recorded', async () => {
    const { instances, counted } = creating();
    await instances.provision(9, provisionInputs(), { deadline: deadline() });
    expect(clones()).toEqual([]);
    expect(counted).toEqual([['ProvisionStrategy', { strategy: 'blueprint', reason: 'no-template' }]]);
  });

  it('falls back to the blueprint, with a warning, when the recorded template is gone from Qovery', async () => {
    const templateId = await template();
    qovery.state.environments.delete(templateId);
    const { instances, counted, strategy } = creating();
    const made = await instances.provision(10, provisionInputs(), { deadline: deadline() });
    expect(qovery.state.environments.get(made.environmentId)?.resource.name).toBe('appwrite-10');
    expect(strategy()).toEqual([
      expect.objectContaining({ level: 'warn', strategy: 'blueprint', reason: 'template-missing' }),
    ]);
    expect(counted).toEqual([['ProvisionStrategy', { strategy: 'blueprint', reason: 'template-missing' }]]);
  });

  it('clones QOVERY_TEMPLATE_ENVIRONMENT_ID when it is set, as before, whatever is recorded', async () => {
    const recorded = await template({ instance: { ...instanceSettings, version: '1.8.1' } });
    const own = await standInInstances(qovery).provision('own-template', provisionInputs(), {
      deadline: deadline(),
    });
    qovery.calls.length = 0;
    const { instances, counted } = creating({ templateEnvironmentId: own.environmentId });
    await instances.provision(11, provisionInputs(), { deadline: deadline() });
    expect(clones().map((c) => c.path)).toEqual([`/environment/${own.environmentId}/clone`]);
    expect(recorded).not.toBe(own.environmentId);
    expect(counted).toEqual([['ProvisionStrategy', { strategy: 'clone', reason: 'configured-template' }]]);
  });

  it('writes the metric as an EMF line in the stage’s namespace', () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      createMetrics('AppWriteCloud/test')?.count('ProvisionStrategy', {
        strategy: 'clone',
        reason: 'template-current',
      });
    } finally {
      spy.mockRestore();
    }
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: 'AppWriteCloud/test',
              Dimensions: [['service', 'strategy', 'reason']],
              Metrics: [{ Name: 'ProvisionStrategy', Unit: 'Count' }],
            },
          ],
        }),
        strategy: 'clone',
        reason: 'template-current',
        ProvisionStrategy: 1,
      }),
    ]);
  });
});
