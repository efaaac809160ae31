import type { Env } from '../../../lib/basics/settings';
import { generateSecrets } from '../../../lib/instances/blueprint/secrets';
import { ensureTemplate } from '../../../lib/instances/provision-template';
import { createQoveryClient } from '../../../lib/platform/qovery/client';
import type { QoveryStandIn } from '../../../sandbox/qovery';
import { UPGRADE_USAGE, upgradeCommand } from '../../../scripts/upgrade';
import type { TestHasura } from '../../helpers/hasura';
import { instanceSettings } from '../../helpers/instance';
import { memoryLogger } from '../../helpers/lambda';
import { operatorEnv, operatorIo, recordedTemplates } from '../../helpers/operator';
import {
  closeStandIns,
  QOVERY_TOKEN,
  resetStandIns,
  standInProjects,
  standInSettings,
  startStandIns,
} from '../../helpers/stand-ins';

/** `npm run upgrade` asks the upgrades, then refreshes the template to APPWRITE_VERSION. */
let hasura: TestHasura;
let qovery: QoveryStandIn;
beforeAll(async () => {
  ({ hasura, qovery } = await startStandIns({ stepMs: 10 }));
});
afterAll(() => closeStandIns({ hasura, qovery }));
beforeEach(() => resetStandIns({ hasura, qovery }));

const stageEnv = (): Env => operatorEnv(qovery, { APPWRITE_VERSION: '1.9.6' });

const io = (env: Env = stageEnv()) => operatorIo(hasura, env);

const recorded = () => recordedTemplates(hasura);

/** A template of an older release, as the last `npm run template` before APPWRITE_VERSION moved. */
async function olderTemplate(): Promise<string> {
  const outcome = await ensureTemplate({
    client: createQoveryClient({ baseUrl: qovery.url, token: QOVERY_TOKEN }),
    settings: standInSettings(qovery, { instance: { ...instanceSettings, version: '1.8.1' } }),
    hasura: hasura.client,
    log: memoryLogger().log,
    cleanupTimeoutMs: 2000,
    cleanupRecheckMs: 100,
    makeSecrets: generateSecrets,
  });
  return outcome.environmentId;
}

describe('npm run upgrade', () => {
  it('refreshes the template to APPWRITE_VERSION once the upgrades are asked', async () => {
    const old = await olderTemplate();
    const p = standInProjects({ hasura, qovery });
    const { id } = await p.create('myproject', {
      userId: 1,
      deadline: Date.now() + 20_000,
      log: memoryLogger().log,
    });
    await hasura.db.query(`UPDATE project SET appwrite_version = '1.8.1' WHERE id = $1`, [id]);

    const out = io();
    expect(await upgradeCommand(['--all'], out)).toBe(0);
    expect(out.said[0]).toBe(`Upgrade to AppWrite 1.9.6 asked for 1 project(s): ${id}`);
    const [row] = await recorded();
    expect(row?.appwrite_version).toBe('1.9.6');
    expect(row?.qovery_environment_id).not.toBe(old);
    expect(out.said).toContain(
      `Template refreshed: environment ${row?.qovery_environment_id}, AppWrite 1.9.6 (was ${old}, AppWrite 1.8.1).`,
    );
    expect(out.errors).toEqual([]);
  });

  it('says why the template was not refreshed when its settings are missing, the upgrades asked all the same', async () => {
    const out = io({ HASURA_GRAPHQL_ENDPOINT: 'http://localhost:9/v1/graphql' });
    expect(await upgradeCommand(['--all'], out)).toBe(0);
    expect(out.said[0]).toBe('Upgrade to AppWrite 1.9.6 asked for 0 project(s): -');
    expect(out.errors.join('\n')).toMatch(
      /^The template was not refreshed \(Invalid configuration[\s\S]*QOVERY_API_TOKEN is required[\s\S]*\): run `npm run template` with the stage's settings\.$/,
    );
    expect(await recorded()).toEqual([]);
  });

  it('does not touch the template for --status', async () => {
    const out = io();
    expect(await upgradeCommand(['--status'], out)).toBe(0);
    expect(await recorded()).toEqual([]);
    expect(qovery.calls).toEqual([]);
  });

  it('prints its usage with --help (0) and refuses an unknown option with it (2)', async () => {
    const help = io();
    expect(await upgradeCommand(['--help'], help)).toBe(0);
    expect(help.said).toEqual([UPGRADE_USAGE]);
    const wrong = io();
    expect(await upgradeCommand(['--everything'], wrong)).toBe(2);
    expect(wrong.errors.join('\n')).toContain(UPGRADE_USAGE);
    expect(wrong.errors.join('\n')).not.toMatch(/\n\s+at /);
  });
});
