/** The services of an instance: AppWrite's compose, one Qovery container each, and their sizes. */
import { DEFAULT_SIZES, type InstanceSettings, type Size } from './blueprint';
import { CADDYFILE_PATH } from './proxy';
import type { InstanceSecrets } from './secrets';

/** The schema and user AppWrite uses inside MariaDB (not secrets). */
export const DB_SCHEMA = 'appwrite';
export const DB_USER = 'appwrite';
export const MARIADB_PORT = 3306;
export const REDIS_PORT = 6379;
const HTTP_PORT = 80;
const BROWSER_PORT = 3000;

export type Image = 'appwrite' | 'console' | 'mariadb' | 'redis' | 'browser' | 'proxy';

/** A value: a literal, an instance secret, or a text where `{service}` is that service's host. */
export type ValueSpec = string | { secret: keyof InstanceSecrets } | { hosts: string };

export interface ServiceSpec {
  /** Qovery container name: the service's name in AppWrite's compose (`proxy` stands for traefik). */
  name: string;
  image: Image;
  entrypoint?: string;
  arguments?: string[];
  /** HTTP or TCP port the service listens on (none for workers and tasks). */
  port?: { number: number; protocol: 'HTTP' | 'TCP'; public?: boolean };
  /** Persistent storage mount (size from the settings). */
  mount?: string;
  /** Readiness: an HTTP path on `port`, or a TCP check of `port` when absent. */
  readyPath?: string;
  /** CONTAINER-scoped variables (everything else is ENVIRONMENT-scoped). */
  variables?: Readonly<Record<string, ValueSpec>>;
  /** Only deployed when the operator runs an executor (Functions and Sites). */
  functions?: true;
}

const worker = (name: string, coroutines: 1 | 8, functions?: true): ServiceSpec => ({
  name: `appwrite-worker-${name}`,
  image: 'appwrite',
  entrypoint: `worker-${name}`,
  // AppWrite's compose sets `_APP_WORKERS_NUM=1` and `_APP_WORKER_MAX_COROUTINES` (1 or 8) per
  // worker; 1 is the code's default for both (app/worker.php), so only the 8s are set.
  ...(coroutines === 8 ? { variables: { _APP_WORKER_MAX_COROUTINES: '8' } } : {}),
  ...(functions ? { functions } : {}),
});
const task = (name: string, entrypoint: string, functions?: true): ServiceSpec => ({
  name: `appwrite-task-${name}`,
  image: 'appwrite',
  entrypoint,
  ...(functions ? { functions } : {}),
});

/** Every service of an instance, in AppWrite's compose order (proxy first). */
export const SERVICES: readonly ServiceSpec[] = [
  {
    name: 'proxy',
    image: 'proxy',
    arguments: ['caddy', 'run', '--config', CADDYFILE_PATH, '--adapter', 'caddyfile'],
    port: { number: HTTP_PORT, protocol: 'HTTP', public: true },
  },
  {
    name: 'appwrite',
    image: 'appwrite',
    port: { number: HTTP_PORT, protocol: 'HTTP' },
    readyPath: '/v1/health/version',
  },
  { name: 'appwrite-console', image: 'console', port: { number: HTTP_PORT, protocol: 'HTTP' } },
  {
    name: 'appwrite-realtime',
    image: 'appwrite',
    entrypoint: 'realtime',
    port: { number: HTTP_PORT, protocol: 'HTTP' },
    // As the compose; every other service keeps the code default, `stack` (app/init/registers.php).
    variables: { _APP_POOL_ADAPTER: 'swoole' },
  },
  worker('audits', 1),
  worker('webhooks', 8),
  worker('deletes', 8),
  worker('databases', 1),
  worker('builds', 8, true),
  worker('screenshots', 8, true),
  worker('executions', 8, true),
  worker('functions', 8, true),
  worker('mails', 1),
  worker('messaging', 1),
  worker('migrations', 1),
  task('maintenance', 'maintenance'),
  task('interval', 'interval'),
  task('stats-resources', 'stats-resources'),
  worker('stats-resources', 1),
  worker('stats-usage', 1),
  task('scheduler-functions', 'schedule-functions', true),
  task('scheduler-executions', 'schedule-executions', true),
  task('scheduler-messages', 'schedule-messages'),
  { name: 'appwrite-browser', image: 'browser', port: { number: BROWSER_PORT, protocol: 'HTTP' } },
  {
    name: 'mariadb',
    image: 'mariadb',
    arguments: ['mysqld', '--innodb-flush-method=fsync'],
    port: { number: MARIADB_PORT, protocol: 'TCP' },
    mount: '/var/lib/mysql',
    variables: {
      MYSQL_ROOT_PASSWORD: { secret: 'mariadbRootPassword' },
      MYSQL_DATABASE: DB_SCHEMA,
      MYSQL_USER: DB_USER,
      MYSQL_PASSWORD: { secret: 'mariadbPassword' },
      MARIADB_AUTO_UPGRADE: '1',
    },
  },
  {
    name: 'redis',
    image: 'redis',
    // AppWrite's command, with a password: Qovery's network is shared by the cluster's namespaces.
    // The shell expands the secret from the environment; the entrypoint drops root as usual.
    entrypoint: 'sh',
    arguments: [
      '-c',
      'exec docker-entrypoint.sh redis-server --maxmemory 512mb --maxmemory-policy allkeys-lru --maxmemory-samples 5 --requirepass "$_APP_REDIS_PASS"',
    ],
    port: { number: REDIS_PORT, protocol: 'TCP' },
    mount: '/data',
  },
];

export function sizeOf(settings: InstanceSettings, service: string): Size {
  const size =
    settings.sizes[service] ?? DEFAULT_SIZES[service] ?? settings.sizes.default ?? DEFAULT_SIZES.default;
  if (!size) throw new TypeError(`No size for ${service}`);
  return size;
}

/** The services an instance runs with these settings. */
export function services(settings: InstanceSettings): ServiceSpec[] {
  return SERVICES.filter((service) => !service.functions || settings.executor !== undefined);
}

/** The total resources one instance takes (for docs/instances.md and the benchmark). */
export function totalResources(settings: InstanceSettings): Required<Size> & { services: number } {
  const list = services(settings);
  return list.reduce(
    (total, spec) => {
      const size = sizeOf(settings, spec.name);
      return {
        services: total.services + 1,
        cpu: total.cpu + size.cpu,
        memory: total.memory + size.memory,
        storage: total.storage + (spec.mount ? (size.storage ?? 0) : 0),
      };
    },
    { services: 0, cpu: 0, memory: 0, storage: 0 },
  );
}
