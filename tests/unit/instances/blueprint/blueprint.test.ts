import { inspect } from 'node:util';
import type { QoverySettings } from '../../../../lib/instances/blueprint/blueprint';
import { containerRequest } from '../../../../lib/instances/blueprint/containers';
import {
  cloneRequest,
  environmentName,
  environmentRequest,
  parseName,
} from '../../../../lib/instances/blueprint/environment';
import {
  CADDYFILE,
  CONSOLE_GATE,
  caddyfileVariable,
  renderCaddyfile,
} from '../../../../lib/instances/blueprint/proxy';
import { generateSecrets } from '../../../../lib/instances/blueprint/secrets';
import { SERVICES, totalResources } from '../../../../lib/instances/blueprint/services';
import { environmentVariables } from '../../../../lib/instances/blueprint/variables';
import {
  builtInName,
  interpolateHosts,
  variablesImport,
} from '../../../../lib/instances/blueprint/variables-import';
import fixture from '../../../fixtures/qovery/settings.json';
import { instanceSettings, storageGrant } from '../../../helpers/instance';

/** An instance's console gate token (lib/platform/appwrite/console-api consoleGateToken). */
const GATE = 'gate-token-of-the-instance-0123456789abcdef';

const settings: QoverySettings = {
  apiUrl: 'https://api.qovery.com',
  token: fixture.token,
  projectId: fixture.projectId,
  registryId: fixture.registryId,
  instance: instanceSettings,
};
const ids = {
  ...Object.fromEntries(
    SERVICES.map((s, i) => [s.name, `${(0xf0000000 + i).toString(16)}-1111-4000-8000-000000000000`]),
  ),
  proxy: '04308de2-1111-4000-8000-000000000001',
  mariadb: '909e13c8-2222-4000-8000-000000000002',
  redis: 'cdda3d69-3333-4000-8000-000000000003',
  appwrite: 'aa11bb22-4444-4000-8000-000000000004',
} as Record<string, string> & { proxy: string; mariadb: string; redis: string; appwrite: string };
const spec = (name: string) => {
  const found = SERVICES.find((s) => s.name === name);
  if (!found) throw new Error(name);
  return found;
};

describe('instance blueprint', () => {
  test('names the environment after our row id, never after user text', () => {
    expect(environmentName(42)).toBe('appwrite-42');
    expect(environmentName('a1b2')).toBe('appwrite-a1b2');
    for (const bad of ['my project', '../x', '', 'x'.repeat(41), -1, 1.5, Number.NaN]) {
      expect(() => environmentName(bad)).toThrow(TypeError);
    }
  });

  test('carries the deployment prefix, so deployments sharing a Qovery project never match each other', () => {
    expect(environmentName(42, 'prod')).toBe('prod-appwrite-42');
    expect(environmentRequest({ ...settings, environmentPrefix: 'dev' }, 7)).toMatchObject({
      name: 'dev-appwrite-7',
    });
    expect(parseName('prod-appwrite-42', 'prod')).toEqual({ rowId: 42, mark: '' });
    expect(parseName('dev-appwrite-42', 'prod')).toBeNull();
    expect(parseName('appwrite-42', 'prod')).toBeNull();
    expect(parseName('prod-appwrite-42', '')).toBeNull();
    expect(parseName('appwrite-42', '')).toEqual({ rowId: 42, mark: '' });
    expect(parseName('prod-appwrite-4-appwrite-2', 'prod')).toBeNull();
    expect(parseName('prod-appwrite-042', 'prod')).toBeNull();
    expect(parseName('prod-appwrite-template-1-9-6-x-0a1b2c3d', 'prod')).toBeNull();
    expect(() => environmentName(1, 'Prod_1')).toThrow(TypeError);
  });

  test("ends the name with the deployment's mark, which tells two deployments of one prefix apart", () => {
    const marked = { ...settings, environmentPrefix: 'prod', deploymentId: '0a1b2c3d4e5f' };
    expect(environmentName(42, 'prod', '0a1b2c3d4e5f')).toBe('prod-appwrite-42-0a1b2c3d4e5f');
    expect(environmentRequest(marked, 7).name).toBe('prod-appwrite-7-0a1b2c3d4e5f');
    expect(cloneRequest(marked, 7).name).toBe('prod-appwrite-7-0a1b2c3d4e5f');
    expect(parseName('prod-appwrite-42-0a1b2c3d4e5f', 'prod')).toEqual({ rowId: 42, mark: '0a1b2c3d4e5f' });
    expect(parseName('prod-appwrite-42-ffff0000ffff', 'prod')).toEqual({ rowId: 42, mark: 'ffff0000ffff' });
    for (const bad of ['short', 'UPPERCASE1', 'with-dash1', 'x'.repeat(17)])
      expect(() => environmentName(1, 'prod', bad)).toThrow(TypeError);
  });

  test('creates or clones into the configured project and cluster', () => {
    expect(environmentRequest(settings, 1)).toEqual({ name: 'appwrite-1', mode: 'PRODUCTION' });
    expect(
      environmentRequest({ ...settings, clusterId: '5c1a7e2d-0000-4000-8000-00000000c1a5' }, 1),
    ).toMatchObject({ cluster: '5c1a7e2d-0000-4000-8000-00000000c1a5' });
    expect(cloneRequest({ ...settings, clusterId: '5c1a7e2d-0000-4000-8000-00000000c1a5' }, 2)).toEqual({
      name: 'appwrite-2',
      project_id: fixture.projectId,
      mode: 'PRODUCTION',
      cluster_id: '5c1a7e2d-0000-4000-8000-00000000c1a5',
    });
  });

  test('only the proxy is public; the API runs the pinned AppWrite from the organization registry', () => {
    const publicOnes = SERVICES.filter((s) =>
      containerRequest(settings, s).ports?.some((p) => p.publicly_accessible),
    );
    expect(publicOnes.map((s) => s.name)).toEqual(['proxy']);
    expect(containerRequest(settings, spec('proxy')).ports).toEqual([
      expect.objectContaining({ internal_port: 80, external_port: 443, protocol: 'HTTP', is_default: true }),
    ]);
    expect(containerRequest(settings, spec('appwrite'))).toMatchObject({
      image_name: 'appwrite/appwrite',
      tag: '1.9.6',
      registry_id: fixture.registryId,
      healthchecks: { readiness_probe: { type: { http: { path: '/v1/health/version', port: 80 } } } },
    });
    // Workers have no port and so no probe; every container has the healthchecks object Qovery needs.
    expect(containerRequest(settings, spec('appwrite-worker-audits'))).toMatchObject({
      entrypoint: 'worker-audits',
      ports: [],
      healthchecks: {},
    });
  });

  test('the proxy routes realtime, the console and the rest of one host, as AppWrite’s Traefik does', () => {
    const blocks = CADDYFILE.split(/\n\t\thandle/).slice(1);
    const routes = blocks.map((block) => [
      /^( \S+)? \{/.exec(block)?.[1]?.trim() ?? '*',
      /reverse_proxy \{\$(\w+)\}:80/.exec(block)?.[1],
      /header_up -X-AppWrite-Cloud-Gate\n/.test(block),
    ]);
    // Every upstream loses the gate token: it never reaches AppWrite.
    expect(routes).toEqual([
      ['/v1/realtime*', 'APPWRITE_REALTIME_HOST', true],
      ['/console*', 'APPWRITE_CONSOLE_HOST', true],
      ['*', 'APPWRITE_API_HOST', true],
    ]);
    expect(CADDYFILE).toMatch(/\n:80 \{\n/);
    expect(CADDYFILE).toMatch(/auto_https off/);
    // The production file trusts the gateway's forwarding headers; only tests/real, on Caddy 2.6.2, leaves it out.
    expect(CADDYFILE).toMatch(/\n\tservers \{\n\t\ttrusted_proxies static private_ranges\n\t\}\n/);
    expect(renderCaddyfile({ trustedProxies: false })).not.toMatch(/trusted_proxies/);
    expect(caddyfileVariable(ids.proxy)).toMatchObject({
      value: CADDYFILE,
      variable_scope: 'CONTAINER',
      variable_parent_id: ids.proxy,
      mount_path: '/etc/appwrite-cloud/Caddyfile',
      is_secret: false,
    });
  });

  test('the proxy shuts every route but health checks and the console’s files until the console seat is taken', () => {
    const matcher =
      /@console_gate \{\n\t+not \{\n\t+method ([^\n]+)\n\t+path ([^\n]+)\n\t+\}\n\t+not path ([^\n]+)\n\t+expression `([^`]+)`\n\t+\}/.exec(
        CADDYFILE,
      );
    expect(matcher?.slice(1, 4).map((list) => list?.split(' '))).toEqual([
      ['GET', 'HEAD'],
      ['/v1/health', '/v1/health/*'],
      ['/console', '/console/*'],
    ]);
    expect(matcher?.[4]).toBe(
      '{env.APPWRITE_CLOUD_CONSOLE_GATE} != "open" && {header.X-AppWrite-Cloud-Gate} != {env.APPWRITE_CLOUD_CONSOLE_GATE}',
    );
    // AppWrite-shaped JSON, 403: the console shows the message; our client tells it from AppWrite's.
    const respond = /respond @console_gate `([^`]+)` (\d+)/.exec(CADDYFILE);
    expect(JSON.parse(respond?.[1] ?? 'null')).toEqual({
      message: "This instance's console is being set up for its owner. Try again in a minute.",
      code: 403,
      type: 'console_setup_pending',
    });
    expect(respond?.[2]).toBe('403');
    expect(CADDYFILE).toMatch(/header @console_gate Content-Type application\/json/);
    // One `route`, run in the order written: the gate answers before any upstream is chosen
    // (outside a route, Caddy would sort `handle` before `respond`).
    const route = CADDYFILE.slice(CADDYFILE.indexOf('\troute {'));
    expect(route.indexOf('respond @console_gate')).toBeGreaterThan(0);
    expect(route.indexOf('respond @console_gate')).toBeLessThan(route.indexOf('handle'));
    expect(CADDYFILE.slice(0, CADDYFILE.indexOf('\troute {'))).not.toMatch(/handle|reverse_proxy|respond/);

    const inputs = { secrets: generateSecrets(), storage: storageGrant(), ownerEmail: 'o@example.com' };
    const shut = environmentVariables(instanceSettings, {
      ...inputs,
      ownerAccountExists: false,
      consoleGate: GATE,
    });
    const open = environmentVariables(instanceSettings, {
      ...inputs,
      ownerAccountExists: true,
      consoleGate: GATE,
    });
    expect(shut[CONSOLE_GATE.variable]).toEqual({ value: GATE, secret: true });
    expect(open[CONSOLE_GATE.variable]).toEqual({ value: 'open', secret: true });
  });

  test('names BUILT_IN variables as Qovery does and interpolates hosts through them', () => {
    expect(builtInName('CONTAINER', ids.mariadb, 'HOST_INTERNAL')).toBe(
      'QOVERY_CONTAINER_Z909E13C8_HOST_INTERNAL',
    );
    expect(() => builtInName('CONTAINER', 'not-a-uuid', 'PORT')).toThrow(TypeError);
    expect(interpolateHosts('http://{appwrite}/v1 {public}', ids)).toBe(
      'http://{{QOVERY_CONTAINER_ZAA11BB22_HOST_INTERNAL}}/v1 {{QOVERY_CONTAINER_Z04308DE2_HOST_EXTERNAL}}',
    );
    expect(() => interpolateHosts('{nope}', ids)).toThrow(TypeError);
  });

  test('generates fresh, strong secrets that never serialise or print', () => {
    const a = generateSecrets();
    const b = generateSecrets();
    const values = Object.values(a);
    expect(values).toHaveLength(5);
    expect(new Set(values).size).toBe(5);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(a.mariadbPassword).not.toBe(b.mariadbPassword);
    expect(JSON.stringify({ a })).toBe('{"a":"[redacted]"}');
    expect(inspect(a)).toBe('[redacted]');
  });

  test('imports passwords and keys as secrets, everything else as plain variables', () => {
    const secrets = generateSecrets();
    const storage = storageGrant();
    const vars = environmentVariables(instanceSettings, {
      secrets,
      storage,
      ownerEmail: ' Owner@Example.COM ',
      ownerAccountExists: false,
      consoleGate: GATE,
    });
    const body = variablesImport([{ scope: 'ENVIRONMENT', vars }], ids);
    expect(body.overwrite).toBe(true);
    const byName = Object.fromEntries(body.vars.map((v) => [v.name, v]));
    const secretValues = [...Object.values(secrets), storage.secretAccessKey, storage.accessKeyId, GATE];
    for (const v of body.vars) {
      expect({ name: v.name, is_secret: v.is_secret }).toEqual({
        name: v.name,
        is_secret: secretValues.includes(v.value),
      });
      expect(v.scope).toBe('ENVIRONMENT');
    }
    expect(byName._APP_CONSOLE_WHITELIST_EMAILS?.value).toBe('owner@example.com');
    expect(byName._APP_DB_HOST?.value).toBe('{{QOVERY_CONTAINER_Z909E13C8_HOST_INTERNAL}}');
    expect(byName._APP_DOMAIN?.value).toBe('{{QOVERY_CONTAINER_Z04308DE2_HOST_EXTERNAL}}');
    expect(byName._APP_MIGRATION_HOST?.value).toBe('{{QOVERY_CONTAINER_ZAA11BB22_HOST_INTERNAL}}');
  });

  test('SMTP reaches the instance only once the owner’s console account exists', () => {
    const smtp = { host: 'smtp.example', port: 587, secure: '' as const, password: 'smtp-secret-value' };
    const inputs = {
      secrets: generateSecrets(),
      storage: storageGrant(),
      ownerEmail: 'o@example.com',
      consoleGate: GATE,
    };
    const before = environmentVariables(
      { ...instanceSettings, smtp },
      { ...inputs, ownerAccountExists: false },
    );
    const after = environmentVariables(
      { ...instanceSettings, smtp },
      { ...inputs, ownerAccountExists: true },
    );
    expect(before._APP_SMTP_HOST).toBeUndefined();
    expect(after._APP_SMTP_HOST).toEqual({ value: 'smtp.example', secret: false });
    expect(after._APP_SMTP_PASSWORD).toEqual({ value: 'smtp-secret-value', secret: true });
  });

  test('an operator executor brings the Functions services back, with its host and secret', () => {
    const executor = { url: 'http://executor.internal/v1', secret: 'operator-executor-secret' };
    const vars = environmentVariables(
      { ...instanceSettings, executor },
      {
        secrets: generateSecrets(),
        storage: storageGrant(),
        ownerEmail: 'o@example.com',
        ownerAccountExists: false,
        consoleGate: GATE,
      },
    );
    expect(vars._APP_EXECUTOR_HOST).toEqual({ value: executor.url, secret: false });
    expect(vars._APP_EXECUTOR_SECRET).toEqual({ value: executor.secret, secret: true });
  });

  test('adds up the resources of one instance from the sizes', () => {
    const total = totalResources(instanceSettings);
    expect(total.services).toBe(20);
    // 7 sized services (2450 m, 3968 MB) + 13 workers and tasks at 100 m / 256 MB; MariaDB 20 GB + Redis 4 GB.
    expect(total).toEqual({ services: 20, cpu: 2450 + 1300, memory: 3968 + 3328, storage: 24 });
  });
});
