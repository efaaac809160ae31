/**
 * The instance blueprint: what one AppWrite instance is on Qovery, in one place an operator can
 * read and change.
 *
 * One AppWrite instance = one Qovery environment, inside the one Qovery project configured in
 * `QoverySettings.projectId`, named `appwrite-<project row id>` (our own id, never user text).
 * It holds three services:
 *
 * | service  | Qovery kind                 | image / type          | reachable                    |
 * | -------- | --------------------------- | --------------------- | ---------------------------- |
 * | appwrite | container                   | appwrite/appwrite:tag | public HTTP, port 80         |
 * | mariadb  | container (+ 10 GB storage) | mariadb:10.11         | private TCP 3306             |
 * | redis    | database REDIS, CONTAINER   | Redis 7               | private (Qovery-managed pwd) |
 *
 * Qovery has no managed MariaDB, so MariaDB is a plain container with persistent storage at
 * /var/lib/mysql. Redis is a Qovery container database: Qovery generates its password.
 *
 * Wiring (container-scoped variables, set with one import call per container):
 * - Every password and key is generated per instance with `crypto.randomBytes` and stored only
 *   as a Qovery *secret* (`is_secret: true`): never returned, never logged.
 * - Hosts, ports and Redis' password come from Qovery's BUILT_IN variables, referenced with
 *   Qovery's variable interpolation `{{NAME}}` (resolved by Qovery at deployment). BUILT_IN names
 *   follow `QOVERY_<TYPE>_Z<first 8 hex of the service id, upper case>_<SPEC>`, e.g.
 *   `QOVERY_REDIS_ZCDDA3D69_HOST_INTERNAL` or `QOVERY_CONTAINER_Z04308DE2_HOST_INTERNAL` (the
 *   convention Qovery's own CLI and Terraform provider rely on). Interpolation costs no round
 *   trip; an alias (`POST /variable/{id}/alias`) would need the BUILT_IN variable's id first.
 *   The `{{…}}` values are references, not secrets, so they are stored as plain variables.
 */
import { randomBytes } from 'node:crypto';
import type {
  CloneEnvironmentRequest,
  ContainerRequest,
  CreateEnvironmentRequest,
  DatabaseRequest,
  VariableImportRequest,
} from 'qovery-typescript-axios';

/** What the lead wires from configuration (environment variables). */
export interface QoverySettings {
  /** Qovery API base URL, e.g. https://api.qovery.com */
  apiUrl: string;
  /** Qovery API token (sent as `Authorization: Token …`). */
  token: string;
  /** The Qovery project that holds every instance's environment. */
  projectId: string;
  /**
   * This deployment's prefix of environment names (e.g. the stage): `<prefix>-appwrite-<id>`.
   * Deployments sharing a Qovery project must use different prefixes. Empty: `appwrite-<id>`.
   */
  environmentPrefix?: string;
  /** Cluster to run instances on; Qovery's default cluster of the organization when absent. */
  clusterId?: string;
  /** A container registry linked in the organization that serves public images (Docker Hub). */
  registryId: string;
  /** Tag of the public `appwrite/appwrite` image, e.g. "1.5.7". */
  appwriteImageTag: string;
  /**
   * When set, instances are cloned from this environment instead of being built from the
   * blueprint. It must hold containers named `appwrite` and `mariadb` and a database named
   * `redis` (see `names`); their secrets and wiring are replaced per instance after the clone.
   */
  templateEnvironmentId?: string;
}

/** Service names inside an instance's environment (Qovery: case-insensitive, unique per env). */
export const names = { appwrite: 'appwrite', mariadb: 'mariadb', redis: 'redis' } as const;

export const ENVIRONMENT_PREFIX = 'appwrite-';
const ROW_ID = /^[a-z0-9][a-z0-9-]{0,39}$/i;
/** A deployment's prefix (e.g. its stage): lower-case letters, digits and dashes. */
export const DEPLOYMENT_PREFIX = /^[a-z0-9][a-z0-9-]{0,29}$/;

/**
 * The environment name of a project row: `<deployment>-appwrite-<id>` (`appwrite-<id>` without a
 * deployment prefix). The prefix keeps deployments that share a Qovery project (two stages, say)
 * from ever touching each other's environments. Refuses anything but a plain id.
 */
export function environmentName(projectRowId: number | string, deployment = ''): string {
  if (deployment !== '' && !DEPLOYMENT_PREFIX.test(deployment))
    throw new TypeError('A deployment prefix must be lower-case letters, digits and dashes');
  const id = String(projectRowId);
  if (
    typeof projectRowId === 'number'
      ? !Number.isSafeInteger(projectRowId) || projectRowId < 0
      : !ROW_ID.test(id)
  ) {
    throw new TypeError('A project row id must be a non-negative integer or a short [a-z0-9-] id');
  }
  return `${deployment === '' ? '' : `${deployment}-`}${ENVIRONMENT_PREFIX}${id}`;
}

/** The project row id of one of this deployment's environments, from its name; null if not ours. */
export function ownRowId(name: string, deployment = ''): number | null {
  const head = `${deployment === '' ? '' : `${deployment}-`}${ENVIRONMENT_PREFIX}`;
  if (!name.toLowerCase().startsWith(head)) return null;
  const rest = name.slice(head.length);
  return /^[1-9]\d{0,15}$/.test(rest) ? Number(rest) : null;
}

// ---------------------------------------------------------------------------------------------
// Environment.

export function environmentRequest(
  settings: QoverySettings,
  projectRowId: number | string,
): CreateEnvironmentRequest {
  return {
    name: environmentName(projectRowId, settings.environmentPrefix),
    mode: 'PRODUCTION',
    ...(settings.clusterId ? { cluster: settings.clusterId } : {}),
  };
}

export function cloneRequest(
  settings: QoverySettings,
  projectRowId: number | string,
): CloneEnvironmentRequest {
  return {
    name: environmentName(projectRowId, settings.environmentPrefix),
    project_id: settings.projectId,
    mode: 'PRODUCTION',
    ...(settings.clusterId ? { cluster_id: settings.clusterId } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Services.

const MARIADB_IMAGE = 'mariadb';
const MARIADB_TAG = '10.11';
const MARIADB_PORT = 3306;
const APPWRITE_IMAGE = 'appwrite/appwrite';
const APPWRITE_PORT = 80;
const REDIS_VERSION = '7';
/** The schema and user AppWrite uses inside MariaDB (not secrets). */
const DB_SCHEMA = 'appwrite';
const DB_USER = 'appwrite';

export function mariadbContainer(settings: QoverySettings): ContainerRequest {
  return {
    name: names.mariadb,
    description: 'MariaDB for AppWrite (managed by AppWrite Cloud)',
    registry_id: settings.registryId,
    image_name: MARIADB_IMAGE,
    tag: MARIADB_TAG,
    // As AppWrite's own docker-compose runs it.
    arguments: ['--innodb-flush-method=fsync'],
    cpu: 500,
    memory: 1024,
    min_running_instances: 1,
    max_running_instances: 1,
    ports: [{ name: 'mysql', internal_port: MARIADB_PORT, publicly_accessible: false, protocol: 'TCP' }],
    storage: [{ type: 'FAST_SSD', size: 10, mount_point: '/var/lib/mysql' }],
    healthchecks: {
      readiness_probe: {
        type: { tcp: { port: MARIADB_PORT } },
        initial_delay_seconds: 15,
        period_seconds: 10,
      },
      liveness_probe: {
        type: { tcp: { port: MARIADB_PORT } },
        initial_delay_seconds: 60,
        period_seconds: 20,
      },
    },
    auto_preview: false,
    auto_deploy: false,
  };
}

export function redisDatabase(): DatabaseRequest {
  return {
    name: names.redis,
    description: 'Redis for AppWrite (managed by AppWrite Cloud)',
    type: 'REDIS',
    version: REDIS_VERSION,
    mode: 'CONTAINER',
    accessibility: 'PRIVATE',
    cpu: 250,
    memory: 256,
    storage: 10,
  };
}

export function appwriteContainer(settings: QoverySettings): ContainerRequest {
  return {
    name: names.appwrite,
    description: 'AppWrite (managed by AppWrite Cloud)',
    registry_id: settings.registryId,
    image_name: APPWRITE_IMAGE,
    tag: settings.appwriteImageTag,
    cpu: 1000,
    memory: 2048,
    min_running_instances: 1,
    max_running_instances: 1,
    ports: [
      {
        name: 'http',
        internal_port: APPWRITE_PORT,
        external_port: 443,
        publicly_accessible: true,
        is_default: true,
        protocol: 'HTTP',
      },
    ],
    // Users' uploaded files survive restarts and redeployments.
    storage: [{ type: 'FAST_SSD', size: 10, mount_point: '/storage/uploads' }],
    healthchecks: {
      readiness_probe: {
        type: { http: { path: '/v1/health/version', port: APPWRITE_PORT, scheme: 'HTTP' } },
        initial_delay_seconds: 30,
        period_seconds: 10,
        failure_threshold: 6,
      },
      liveness_probe: {
        type: { tcp: { port: APPWRITE_PORT } },
        initial_delay_seconds: 90,
        period_seconds: 20,
      },
    },
    auto_preview: false,
    auto_deploy: false,
  };
}

// ---------------------------------------------------------------------------------------------
// Secrets and variables.

/** Per-instance secrets. Serialising or inspecting the object shows `[redacted]`. */
export interface InstanceSecrets {
  readonly mariadbRootPassword: string;
  readonly mariadbPassword: string;
  readonly appwriteOpensslKey: string;
  readonly appwriteExecutorSecret: string;
}

const secretBytes: Record<keyof InstanceSecrets, number> = {
  mariadbRootPassword: 24,
  mariadbPassword: 24,
  appwriteOpensslKey: 32,
  appwriteExecutorSecret: 32,
};

/** Fresh random secrets (base64url: safe in env vars, DSNs and shells). */
export function generateSecrets(random: (size: number) => Buffer = randomBytes): InstanceSecrets {
  const secrets = {} as Record<keyof InstanceSecrets, string>;
  for (const [key, size] of Object.entries(secretBytes) as [keyof InstanceSecrets, number][]) {
    secrets[key] = random(size).toString('base64url');
  }
  Object.defineProperty(secrets, 'toJSON', { value: () => '[redacted]' });
  Object.defineProperty(secrets, Symbol.for('nodejs.util.inspect.custom'), { value: () => '[redacted]' });
  return Object.freeze(secrets);
}

/** The ids a variable value may refer to. */
export interface ServiceIds {
  appwriteId: string;
  mariadbId: string;
  redisId: string;
}

type BuiltInSpec = 'HOST_INTERNAL' | 'HOST_EXTERNAL' | 'PORT' | 'LOGIN' | 'PASSWORD';

/** A variable's value: a literal, one of the instance secrets, or a Qovery BUILT_IN variable. */
type ValueSpec =
  | string
  | { secret: keyof InstanceSecrets }
  | { builtIn: { service: keyof ServiceIds; spec: BuiltInSpec } };

/** Qovery's BUILT_IN variable name for a service, e.g. QOVERY_REDIS_ZCDDA3D69_PASSWORD. */
export function builtInName(type: 'CONTAINER' | 'REDIS', serviceId: string, spec: BuiltInSpec): string {
  const short = serviceId.split('-')[0]?.toUpperCase() ?? '';
  if (!/^[0-9A-F]{8}$/.test(short)) throw new TypeError('A Qovery service id must be a uuid');
  return `QOVERY_${type}_Z${short}_${spec}`;
}

const builtInType: Record<keyof ServiceIds, 'CONTAINER' | 'REDIS'> = {
  appwriteId: 'CONTAINER',
  mariadbId: 'CONTAINER',
  redisId: 'REDIS',
};

/** MariaDB's own variables (official image: creates the schema and user on first start). */
export const mariadbVariables: Readonly<Record<string, ValueSpec>> = {
  MARIADB_ROOT_PASSWORD: { secret: 'mariadbRootPassword' },
  MARIADB_DATABASE: DB_SCHEMA,
  MARIADB_USER: DB_USER,
  MARIADB_PASSWORD: { secret: 'mariadbPassword' },
};

/** AppWrite's variables (https://appwrite.io/docs/advanced/self-hosting/environment-variables). */
export const appwriteVariables: Readonly<Record<string, ValueSpec>> = {
  _APP_ENV: 'production',
  _APP_DOMAIN: { builtIn: { service: 'appwriteId', spec: 'HOST_EXTERNAL' } },
  _APP_DOMAIN_TARGET: { builtIn: { service: 'appwriteId', spec: 'HOST_EXTERNAL' } },
  // Qovery's gateway terminates TLS and forwards plain HTTP: AppWrite must not redirect.
  _APP_OPTIONS_FORCE_HTTPS: 'disabled',
  _APP_OPENSSL_KEY_V1: { secret: 'appwriteOpensslKey' },
  _APP_EXECUTOR_SECRET: { secret: 'appwriteExecutorSecret' },
  _APP_DB_HOST: { builtIn: { service: 'mariadbId', spec: 'HOST_INTERNAL' } },
  _APP_DB_PORT: String(MARIADB_PORT),
  _APP_DB_SCHEMA: DB_SCHEMA,
  _APP_DB_USER: DB_USER,
  _APP_DB_PASS: { secret: 'mariadbPassword' },
  _APP_REDIS_HOST: { builtIn: { service: 'redisId', spec: 'HOST_INTERNAL' } },
  _APP_REDIS_PORT: { builtIn: { service: 'redisId', spec: 'PORT' } },
  _APP_REDIS_PASS: { builtIn: { service: 'redisId', spec: 'PASSWORD' } },
  // No InfluxDB/StatsD in the blueprint.
  _APP_USAGE_STATS: 'disabled',
};

/**
 * The import body for one container: container-scoped, secrets flagged as such, `overwrite`
 * true (so the call can be repeated, and a cloned template's values are replaced).
 */
export function variablesImport(
  spec: Readonly<Record<string, ValueSpec>>,
  secrets: InstanceSecrets,
  ids: ServiceIds,
): VariableImportRequest {
  return {
    overwrite: true,
    vars: Object.entries(spec).map(([name, value]) => {
      if (typeof value === 'string') return { name, value, scope: 'CONTAINER', is_secret: false };
      if ('secret' in value)
        return { name, value: secrets[value.secret], scope: 'CONTAINER', is_secret: true };
      const { service, spec: what } = value.builtIn;
      const reference = `{{${builtInName(builtInType[service], ids[service], what)}}}`;
      return { name, value: reference, scope: 'CONTAINER', is_secret: false };
    }),
  };
}
