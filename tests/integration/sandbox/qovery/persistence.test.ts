import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startQoveryStandIn } from '../../../../sandbox/qovery';
import fixture from '../../../fixtures/qovery/settings.json';
import { containerBody, qoveryApi } from './helpers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qovery-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const start = (stateFile: string) =>
  startQoveryStandIn({
    token: fixture.token,
    stepMs: 10_000,
    projectIds: [fixture.projectId],
    registryIds: [fixture.registryId],
    stateFile,
  });

describe('Qovery stand-in: state kept across restarts (npm start)', () => {
  it('still knows environments, services and links after a restart, and finishes what was under way', async () => {
    const file = join(dir, 'qovery', 'state.json');
    const first = await start(file);
    const created = await qoveryApi(first.url, 'POST', `/project/${fixture.projectId}/environment`, {
      name: 'kept',
      mode: 'PRODUCTION',
    });
    const id = created.body.id as string;
    const container = await qoveryApi(
      first.url,
      'POST',
      `/environment/${id}/container`,
      containerBody('web'),
    );
    expect(container.status).toBe(201);
    // A deployment under way (10 s a step) when the stand-in stops.
    expect((await qoveryApi(first.url, 'POST', `/environment/${id}/deploy`)).status).toBe(202);
    await first.close();

    const second = await start(file);
    try {
      expect((await qoveryApi(second.url, 'GET', `/environment/${id}`)).body).toMatchObject({
        id,
        name: 'kept',
      });
      expect((await qoveryApi(second.url, 'GET', `/environment/${id}/status`)).body).toMatchObject({
        state: 'DEPLOYED',
      });
      const links = await qoveryApi(second.url, 'GET', `/container/${container.body.id}/link`);
      expect(links.body.results).toEqual([
        expect.objectContaining({ url: expect.stringMatching(/^https:/) }),
      ]);
      expect(second.takeViolations()).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('keeps nothing when no state file is given (tests)', async () => {
    const first = await startQoveryStandIn({ token: fixture.token, projectIds: [fixture.projectId] });
    await qoveryApi(first.url, 'POST', `/project/${fixture.projectId}/environment`, { name: 'gone' });
    await first.close();
    const second = await startQoveryStandIn({ token: fixture.token, projectIds: [fixture.projectId] });
    try {
      expect(second.state.environments.size).toBe(0);
    } finally {
      await second.close();
    }
  });
});
