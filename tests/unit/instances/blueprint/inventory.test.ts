import type { InstanceSettings, QoverySettings } from '../../../../lib/instances/blueprint/blueprint';
import { containerRequest, releaseOf } from '../../../../lib/instances/blueprint/containers';
import { inventory } from '../../../../lib/instances/blueprint/inventory';
import { generateSecrets } from '../../../../lib/instances/blueprint/secrets';
import { SERVICES, services } from '../../../../lib/instances/blueprint/services';
import { containerVariables, environmentVariables } from '../../../../lib/instances/blueprint/variables';
import { APPWRITE_VERSION, releases } from '../../../../lib/instances/blueprint/versions';
import { instanceSettings, storageGrant } from '../../../helpers/instance';

/** Every option on: an executor (Functions and Sites) and SMTP, once the owner's account exists. */
const full: InstanceSettings = {
  ...instanceSettings,
  executor: { url: 'http://executor.internal/v1', secret: 'executor-secret-0123456789' },
  smtp: { host: 'smtp.example', port: 587, secure: 'tls', username: 'mailer', password: 'smtp-password-123' },
};
const qovery = (instance: InstanceSettings): QoverySettings => ({
  apiUrl: 'https://api.qovery.com',
  token: 'token',
  projectId: 'p',
  registryId: 'r',
  instance,
});
/** The compose service a blueprint service stands for. */
const composeName = (name: string) => (name === 'proxy' ? 'traefik' : name);

function variablesOf(settings: InstanceSettings, name: string) {
  const secrets = generateSecrets();
  const spec = SERVICES.find((s) => s.name === name);
  if (!spec) throw new Error(name);
  return {
    ...environmentVariables(settings, {
      secrets,
      storage: storageGrant(),
      ownerEmail: 'owner@example.com',
      ownerAccountExists: true,
      consoleGate: 'gate-token-of-the-instance',
    }),
    ...containerVariables(spec, secrets),
  };
}

describe('the blueprint against the inventory of AppWrite self-hosting set-up', () => {
  test('the pinned version is the inventory’s, with the companion images its set-up pins', () => {
    expect(inventory.appwrite).toBe(APPWRITE_VERSION);
    const release = releases[APPWRITE_VERSION];
    expect(release).toBeDefined();
    const image = (service: string) => inventory.services[service]?.image;
    expect(`appwrite/appwrite:${release?.appwrite}`).toBe(image('appwrite'));
    expect(`appwrite/console:${release?.console}`).toBe(image('appwrite-console'));
    expect(`redis:${release?.redis}`).toBe(image('redis'));
    expect(`mariadb:${release?.mariadb}`).toBe(image('mariadb'));
    expect(`appwrite/browser:${release?.browser}`).toBe(image('appwrite-browser'));
    expect(inventory.source).toContain(`tag ${APPWRITE_VERSION}`);
  });

  test('every service of the set-up is deployed, or excluded with its reason and what the user loses', () => {
    const deployed = new Set(services(full).map((s) => composeName(s.name)));
    for (const name of Object.keys(inventory.services)) {
      const exclusion = inventory.excluded.services[name];
      if (deployed.has(name) && name !== 'traefik') continue;
      expect(exclusion?.reason.length).toBeGreaterThan(20);
      expect(exclusion?.userLoses.length).toBeGreaterThan(3);
    }
  });

  test('without an executor, exactly the Functions and Sites services are left out, and the inventory says so', () => {
    const left = SERVICES.filter((s) => !services(instanceSettings).includes(s)).map((s) => s.name);
    expect(left.sort()).toEqual(
      [
        'appwrite-worker-builds',
        'appwrite-worker-screenshots',
        'appwrite-worker-executions',
        'appwrite-worker-functions',
        'appwrite-task-scheduler-functions',
        'appwrite-task-scheduler-executions',
      ].sort(),
    );
    for (const name of left) expect(inventory.excluded.services[name]?.reason).toMatch(/Functions|Sites/);
    expect(inventory.excluded.services['openruntimes-executor']?.reason).toMatch(/Docker socket/);
  });

  test.each(SERVICES.map((s) => [s.name]))(
    '%s runs the image and entrypoint AppWrite’s set-up runs',
    (name) => {
      const spec = SERVICES.find((s) => s.name === name);
      const composed = inventory.services[composeName(name)];
      expect(spec && composed).toBeTruthy();
      if (!spec || !composed) return;
      const request = containerRequest(qovery(full), spec, releaseOf(full));
      if (name === 'proxy') {
        expect(request.image_name).toBe('caddy');
        return;
      }
      expect(`${request.image_name}:${request.tag}`).toBe(composed.image);
      if (name === 'redis') {
        // AppWrite's command, behind a shell that adds the password.
        expect(request.arguments?.join(' ')).toContain(composed.command?.join(' '));
        return;
      }
      expect(request.entrypoint ?? null).toBe(composed.entrypoint?.join(' ') ?? null);
      expect(request.arguments ?? null).toEqual(composed.command);
    },
  );

  test.each(SERVICES.map((s) => [s.name]))(
    '%s gets every variable it reads, unless excluded with a reason',
    (name) => {
      const composed = inventory.services[composeName(name)];
      const vars = variablesOf(full, name);
      const missing = Object.keys(composed?.variables ?? {}).filter(
        (v) => !(v in vars) && !inventory.excluded.variables[v],
      );
      expect(missing).toEqual([]);
      for (const [v, value] of Object.entries(composed?.variables ?? {})) {
        const ours = vars[v];
        // Where the compose fixes a value (and we set the variable), it is the same value.
        if (value !== null && !value.includes('$') && ours && 'value' in ours)
          expect([v, ours.value]).toEqual([v, value]);
      }
      for (const v of composed?.required ?? []) expect([v, v in vars]).toEqual([v, true]);
    },
  );

  test('every exclusion says why and what the user loses', () => {
    for (const [name, exclusion] of [
      ...Object.entries(inventory.excluded.services),
      ...Object.entries(inventory.excluded.variables),
    ]) {
      expect({ name, reason: exclusion.reason.length > 10, loses: exclusion.userLoses.length > 2 }).toEqual({
        name,
        reason: true,
        loses: true,
      });
    }
  });

  test('a version without an inventory cannot be deployed', () => {
    expect(() => releaseOf({ ...instanceSettings, version: '9.9.9' })).toThrow(TypeError);
  });
});
