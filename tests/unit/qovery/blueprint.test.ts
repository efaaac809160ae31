import { inspect } from 'node:util';
import {
  appwriteContainer,
  appwriteVariables,
  builtInName,
  cloneRequest,
  environmentName,
  environmentRequest,
  generateSecrets,
  mariadbVariables,
  ownRowId,
  type QoverySettings,
  variablesImport,
} from '../../../lib/qovery/blueprint';
import fixture from '../../fixtures/qovery/settings.json';

const settings: QoverySettings = {
  apiUrl: 'https://api.qovery.com',
  token: fixture.token,
  projectId: fixture.projectId,
  registryId: fixture.registryId,
  appwriteImageTag: fixture.appwriteImageTag,
};
const ids = {
  appwriteId: '04308de2-1111-4000-8000-000000000001',
  mariadbId: '909e13c8-2222-4000-8000-000000000002',
  redisId: 'cdda3d69-3333-4000-8000-000000000003',
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
    expect(ownRowId('prod-appwrite-42', 'prod')).toBe(42);
    expect(ownRowId('dev-appwrite-42', 'prod')).toBeNull();
    expect(ownRowId('appwrite-42', 'prod')).toBeNull();
    expect(ownRowId('prod-appwrite-42', '')).toBeNull();
    expect(ownRowId('appwrite-42', '')).toBe(42);
    expect(ownRowId('prod-appwrite-4-appwrite-2', 'prod')).toBeNull();
    expect(ownRowId('prod-appwrite-042', 'prod')).toBeNull();
    expect(() => environmentName(1, 'Prod_1')).toThrow(TypeError);
  });

  test('creates or clones into the configured project and cluster', () => {
    expect(environmentRequest(settings, 1)).toEqual({ name: 'appwrite-1', mode: 'PRODUCTION' });
    expect(environmentRequest({ ...settings, clusterId: 'c-1' }, 1)).toMatchObject({ cluster: 'c-1' });
    expect(cloneRequest({ ...settings, clusterId: 'c-1' }, 2)).toEqual({
      name: 'appwrite-2',
      project_id: fixture.projectId,
      mode: 'PRODUCTION',
      cluster_id: 'c-1',
    });
  });

  test('runs the configured AppWrite tag from the organization registry, public on HTTP port 80', () => {
    expect(appwriteContainer(settings)).toMatchObject({
      image_name: 'appwrite/appwrite',
      tag: fixture.appwriteImageTag,
      registry_id: fixture.registryId,
      ports: [{ internal_port: 80, publicly_accessible: true, protocol: 'HTTP', is_default: true }],
    });
  });

  test('names BUILT_IN variables as Qovery does: QOVERY_<TYPE>_Z<first 8 hex of the id>_<SPEC>', () => {
    expect(builtInName('REDIS', ids.redisId, 'PASSWORD')).toBe('QOVERY_REDIS_ZCDDA3D69_PASSWORD');
    expect(builtInName('CONTAINER', ids.mariadbId, 'HOST_INTERNAL')).toBe(
      'QOVERY_CONTAINER_Z909E13C8_HOST_INTERNAL',
    );
    expect(() => builtInName('REDIS', 'not-a-uuid', 'PORT')).toThrow(TypeError);
  });

  test('generates fresh, strong secrets that never serialise or print', () => {
    const a = generateSecrets();
    const b = generateSecrets();
    const values = Object.values(a);
    expect(values).toHaveLength(4);
    expect(new Set(values).size).toBe(4);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(a.mariadbPassword).not.toBe(b.mariadbPassword);
    expect(JSON.stringify({ a })).toBe('{"a":"[redacted]"}');
    expect(inspect(a)).toBe('[redacted]');
  });

  test('imports passwords and keys as secrets, and wires hosts through BUILT_IN references', () => {
    const secrets = generateSecrets();
    const app = variablesImport(appwriteVariables, secrets, ids);
    const db = variablesImport(mariadbVariables, secrets, ids);
    expect(app.overwrite).toBe(true);
    const byName = Object.fromEntries([...app.vars, ...db.vars].map((v) => [v.name, v]));
    expect(byName._APP_DB_PASS).toEqual({
      name: '_APP_DB_PASS',
      value: secrets.mariadbPassword,
      scope: 'CONTAINER',
      is_secret: true,
    });
    expect(byName.MARIADB_PASSWORD?.value).toBe(secrets.mariadbPassword);
    expect(byName.MARIADB_ROOT_PASSWORD).toMatchObject({
      value: secrets.mariadbRootPassword,
      is_secret: true,
    });
    expect(byName._APP_OPENSSL_KEY_V1).toMatchObject({ value: secrets.appwriteOpensslKey, is_secret: true });
    expect(byName._APP_DB_HOST?.value).toBe('{{QOVERY_CONTAINER_Z909E13C8_HOST_INTERNAL}}');
    expect(byName._APP_REDIS_HOST?.value).toBe('{{QOVERY_REDIS_ZCDDA3D69_HOST_INTERNAL}}');
    expect(byName._APP_REDIS_PASS?.value).toBe('{{QOVERY_REDIS_ZCDDA3D69_PASSWORD}}');
    expect(byName._APP_ENV).toMatchObject({ value: 'production', is_secret: false });
    for (const v of [...app.vars, ...db.vars]) {
      const isSecretValue = Object.values(secrets).includes(v.value);
      expect({ name: v.name, is_secret: v.is_secret }).toEqual({ name: v.name, is_secret: isSecretValue });
    }
  });
});
