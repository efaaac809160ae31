/**
 * The instance blueprint: what one AppWrite instance is on Qovery, in one place an operator can
 * read and change. It follows AppWrite's own self-hosting set-up for the pinned release
 * (`lib/instances/blueprint/inventory.json`, written from `appwrite/appwrite` 1.9.6's `docker-compose.yml`,
 * MariaDB rendering); `tests/unit/instances/blueprint/inventory.test.ts` holds the two together.
 *
 * One AppWrite instance = one Qovery environment, inside the one Qovery project configured in
 * `QoverySettings.projectId`, named `appwrite-<project row id>` (our own id, never user text).
 * Every service is a Qovery container, named as in AppWrite's compose:
 *
 * | service                          | image                    | entrypoint        | reachable          |
 * | -------------------------------- | ------------------------ | ----------------- | ------------------ |
 * | proxy (stands for traefik)       | caddy                    | caddy run         | public HTTP :80    |
 * | appwrite (API)                   | appwrite/appwrite        | (image's)         | private :80        |
 * | appwrite-console                 | appwrite/console         | (image's)         | private :80        |
 * | appwrite-realtime                | appwrite/appwrite        | realtime          | private :80        |
 * | appwrite-worker-* (9), -task-* (4) | appwrite/appwrite      | worker-… / task   | —                  |
 * | appwrite-browser                 | appwrite/browser         | (image's)         | private :3000      |
 * | mariadb                          | mariadb + storage        | mysqld --innodb…  | private TCP 3306   |
 * | redis                            | redis + storage          | redis-server …    | private TCP 6379   |
 *
 * With an operator executor (`InstanceSettings.executor`), the Functions and Sites services come
 * back: worker-builds, worker-functions, worker-executions, worker-screenshots and the functions
 * and executions schedulers. The services left out, and why, are listed in the inventory.
 *
 * One host: Qovery gives a public port to one service; the proxy (Caddy, file configuration
 * delivered as a Qovery file variable) routes `/v1/realtime` to realtime, `/console` to the
 * console and the rest to the API, as AppWrite's Traefik labels do.
 *
 * Wiring:
 * - AppWrite's settings are ENVIRONMENT-scoped variables (one import call for all services);
 *   the few values AppWrite's compose sets per service (`_APP_WORKER_MAX_COROUTINES=8`, realtime's
 *   `_APP_POOL_ADAPTER=swoole`, MariaDB's `MYSQL_*`) are CONTAINER-scoped.
 * - Every password and key is generated per instance with `crypto.randomBytes` and stored only as
 *   a Qovery *secret* (`is_secret: true`): never returned, never logged.
 * - Hosts come from Qovery's BUILT_IN variables, referenced with Qovery's interpolation `{{NAME}}`
 *   (resolved by Qovery at deployment). BUILT_IN names follow
 *   `QOVERY_<TYPE>_Z<first 8 hex of the service id, upper case>_<SPEC>`, e.g.
 *   `QOVERY_CONTAINER_Z04308DE2_HOST_INTERNAL` (the convention Qovery's own CLI and Terraform
 *   provider rely on). The `{{…}}` values are references, not secrets: stored as plain variables.
 */
import { randomBytes } from 'node:crypto';
import type {
  CloneEnvironmentRequest,
  ContainerRequest,
  CreateEnvironmentRequest,
  Healthcheck,
  JobRequest,
  VariableImportRequest,
  VariableRequest,
} from 'qovery-typescript-axios';
import { CONSOLE_GATE_HEADER, CONSOLE_GATE_REFUSAL } from '../../platform/appwrite/console';
import { type Release, releases } from './versions';

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
  /** What an instance is made of: AppWrite version, sizes, e-mail, executor. */
  instance: InstanceSettings;
  /**
   * When set, instances are cloned from this environment instead of being built from the
   * blueprint. It must hold one container per blueprint service, named as in `services()`, and the
   * proxy's file variable; every per-instance value is replaced after the clone.
   */
  templateEnvironmentId?: string;
}

/** CPU in millicores, memory in MB, persistent storage in GB (Qovery's units). */
export interface Size {
  cpu: number;
  memory: number;
  storage?: number;
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** '' (STARTTLS when offered), 'tls' or 'ssl', as AppWrite reads `_APP_SMTP_SECURE`. */
  secure: '' | 'tls' | 'ssl';
  username?: string;
  password?: string;
}

/** The operator's settings of every instance (lib/basics/config.ts reads them, with these defaults). */
export interface InstanceSettings {
  /** AppWrite release (a key of lib/instances/blueprint/versions `releases`); default APPWRITE_VERSION. */
  version: string;
  /** Size of each service, by service name (defaults: `DEFAULT_SIZES`). */
  sizes: Readonly<Record<string, Size>>;
  /** AppWrite's own e-mails (verification, recovery, invitations); none when absent. */
  smtp?: SmtpSettings;
  /** Sender name and address of AppWrite's e-mails. */
  emailFrom: { name: string; address: string };
  /** Where AppWrite sends security notices (`_APP_EMAIL_SECURITY`, `_APP_EMAIL_CERTIFICATES`). */
  operatorEmail: string;
  /**
   * An openruntimes executor the operator runs on a Docker host of their own: Functions and Sites
   * services are deployed only when it is set.
   */
  executor?: { url: string; secret: string };
  /**
   * The operator's CONSOLE_CLAIM_KEY: each instance's console gate token and first console
   * password derive from it (lib/platform/appwrite/console). Never sent to an instance as such.
   */
  consoleClaimKey: string;
}

// ---------------------------------------------------------------------------------------------
// Environment.

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

/** The proxy that stands for AppWrite's Traefik: a maintained image with a file configuration. */
export const PROXY_IMAGE = { name: 'caddy', tag: '2.10-alpine' } as const;
/** Where the proxy's configuration (a Qovery file variable) is mounted. */
export const CADDYFILE_PATH = '/etc/appwrite-cloud/Caddyfile';

/** The schema and user AppWrite uses inside MariaDB (not secrets). */
const DB_SCHEMA = 'appwrite';
const DB_USER = 'appwrite';
const MARIADB_PORT = 3306;
const REDIS_PORT = 6379;
const HTTP_PORT = 80;
const BROWSER_PORT = 3000;

type Image = 'appwrite' | 'console' | 'mariadb' | 'redis' | 'browser' | 'proxy';

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

/** Defaults sized for a small production instance (README: "Resources of one instance"). */
export const DEFAULT_SIZES: Readonly<Record<string, Size>> = {
  proxy: { cpu: 100, memory: 128 },
  appwrite: { cpu: 1000, memory: 1024 },
  'appwrite-console': { cpu: 100, memory: 128 },
  'appwrite-realtime': { cpu: 250, memory: 512 },
  'appwrite-browser': { cpu: 250, memory: 512 },
  mariadb: { cpu: 500, memory: 1024, storage: 20 },
  redis: { cpu: 250, memory: 640, storage: 4 },
  // AppWrite's `migrate` (a job that runs for the length of a deployment, not a service).
  'appwrite-migrate': { cpu: 500, memory: 1024 },
  // Every worker and task.
  default: { cpu: 100, memory: 256 },
};

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

export function releaseOf(settings: InstanceSettings): Release {
  const release = releases[settings.version];
  if (!release) throw new TypeError(`Unknown AppWrite release: ${settings.version}`);
  return release;
}

/** Image name and tag of a service for a release. */
export function imageOf(spec: ServiceSpec, release: Release): { image_name: string; tag: string } {
  switch (spec.image) {
    case 'appwrite':
      return { image_name: 'appwrite/appwrite', tag: release.appwrite };
    case 'console':
      return { image_name: 'appwrite/console', tag: release.console };
    case 'mariadb':
      return { image_name: 'mariadb', tag: release.mariadb };
    case 'redis':
      return { image_name: 'redis', tag: release.redis };
    case 'browser':
      return { image_name: 'appwrite/browser', tag: release.browser ?? '0.3.3' };
    case 'proxy':
      return { image_name: PROXY_IMAGE.name, tag: PROXY_IMAGE.tag };
  }
}

function healthchecks(spec: ServiceSpec): Healthcheck {
  if (!spec.port) return {};
  const port = spec.port.number;
  const check = spec.readyPath ? { http: { path: spec.readyPath, port, scheme: 'HTTP' } } : { tcp: { port } };
  // AppWrite's API takes up to 2 minutes on a first start (its compose: start_period 120s).
  const slow = spec.name === 'appwrite' || spec.image === 'mariadb';
  return {
    readiness_probe: {
      type: check,
      initial_delay_seconds: slow ? 30 : 5,
      period_seconds: 10,
      failure_threshold: slow ? 12 : 6,
    },
    liveness_probe: {
      type: { tcp: { port } },
      initial_delay_seconds: slow ? 120 : 30,
      period_seconds: 20,
    },
  };
}

export function containerRequest(
  settings: QoverySettings,
  spec: ServiceSpec,
  release: Release = releaseOf(settings.instance),
): ContainerRequest {
  const size = sizeOf(settings.instance, spec.name);
  return {
    name: spec.name,
    description: `AppWrite ${spec.name} (managed by AppWrite Cloud)`,
    registry_id: settings.registryId,
    ...imageOf(spec, release),
    ...(spec.entrypoint ? { entrypoint: spec.entrypoint } : {}),
    ...(spec.arguments ? { arguments: spec.arguments } : {}),
    cpu: size.cpu,
    memory: size.memory,
    min_running_instances: 1,
    max_running_instances: 1,
    ports: spec.port
      ? [
          {
            name: spec.port.protocol === 'HTTP' ? 'http' : 'tcp',
            internal_port: spec.port.number,
            publicly_accessible: spec.port.public === true,
            protocol: spec.port.protocol,
            ...(spec.port.public ? { external_port: 443, is_default: true } : {}),
          },
        ]
      : [],
    storage:
      spec.mount && size.storage ? [{ type: 'FAST_SSD', size: size.storage, mount_point: spec.mount }] : [],
    healthchecks: healthchecks(spec),
    auto_preview: false,
    auto_deploy: false,
  };
}

// ---------------------------------------------------------------------------------------------
// AppWrite's `migrate`.

/**
 * AppWrite's `migrate` (`docker compose exec appwrite migrate` in its set-up: `bin/migrate`, i.e.
 * `php app/cli.php migrate`, for the image's own version) as a Qovery LIFECYCLE job that runs on
 * every deployment of the environment (`on_start`): after an upgrade step it migrates the data to
 * the new release; on any other deployment it finds nothing to do (it is idempotent). It runs the
 * API's image and reads the API's settings, which are ENVIRONMENT-scoped, so the job needs no
 * variable of its own.
 */
export const MIGRATE_JOB = 'appwrite-migrate';
/**
 * Its deployment stage, created after Qovery's default ones: Qovery deploys jobs before containers
 * by default, but `migrate` needs MariaDB, Redis and the API (which creates the console's
 * collections on boot) up first.
 */
export const MIGRATE_STAGE = 'appwrite-migrate';

export function migrateJobRequest(
  settings: QoverySettings,
  release: Release = releaseOf(settings.instance),
): JobRequest {
  const size = sizeOf(settings.instance, MIGRATE_JOB);
  return {
    name: MIGRATE_JOB,
    description: 'AppWrite migrate, run on every deployment (managed by AppWrite Cloud)',
    cpu: size.cpu,
    memory: size.memory,
    // A failed migration fails the deployment: no retry that could run it half-way twice at once.
    max_nb_restart: 0,
    // AppWrite: "its duration grows with data size".
    max_duration_seconds: 3600,
    auto_preview: false,
    auto_deploy: false,
    source: {
      image: { image_name: 'appwrite/appwrite', tag: release.appwrite, registry_id: settings.registryId },
    },
    healthchecks: {},
    schedule: { on_start: { entrypoint: 'migrate', arguments: [] }, lifecycle_type: 'GENERIC' },
  };
}

/** The total resources one instance takes (for the README and the benchmark). */
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

// ---------------------------------------------------------------------------------------------
// The proxy's configuration.

/**
 * The console gate (lib/platform/appwrite/console): until the owner's console account exists, the proxy
 * refuses every `/v1/account` route (e-mail sign-up, sessions, magic URL, e-mail OTP, phone, OAuth,
 * anonymous: every way to make a console account or session) unless the request carries the
 * instance's token in `header`. The token is the ENVIRONMENT-scoped secret `variable`, set at the
 * first deployment; once the seat is taken it becomes `open` and the routes pass (the owner's own
 * AppWrite projects need them). A missing variable (an instance made before the gate) lets every
 * request without the header through, as before.
 */
export const CONSOLE_GATE = {
  variable: 'APPWRITE_CLOUD_CONSOLE_GATE',
  header: CONSOLE_GATE_HEADER,
  open: 'open',
  /** Caddy path patterns (case-insensitive, matched on the cleaned, unescaped path). */
  paths: ['/v1/account', '/v1/account/*'],
  refusal: {
    message: "This instance's console is being set up for its owner. Try again in a minute.",
    code: 403,
    type: CONSOLE_GATE_REFUSAL,
  },
} as const;

/**
 * Caddy's configuration: one site on :80 behind Qovery's TLS-terminating gateway, routed as
 * AppWrite's Traefik labels route (longest prefix first). Hosts come from environment variables
 * (`{$VAR}` is read by Caddy at start, `{env.VAR}` at each request), so the file is the same for
 * every instance. `trusted_proxies private_ranges` keeps the gateway's X-Forwarded-For/-Proto
 * (AppWrite reads the client IP and the scheme from them); Caddy's admin API and automatic HTTPS
 * are off. The console gate (`CONSOLE_GATE`) is a CEL expression: `respond` runs before
 * `reverse_proxy` in Caddy's directive order, and the token never reaches AppWrite (`header_up`).
 */
export const CADDYFILE = `{
	admin off
	auto_https off
	servers {
		trusted_proxies static private_ranges
	}
}

:80 {
	handle /v1/realtime* {
		reverse_proxy {$APPWRITE_REALTIME_HOST}:80
	}
	handle /console* {
		reverse_proxy {$APPWRITE_CONSOLE_HOST}:80
	}
	handle {
		@console_gate {
			path ${CONSOLE_GATE.paths.join(' ')}
			expression \`{env.${CONSOLE_GATE.variable}} != "${CONSOLE_GATE.open}" && {header.${CONSOLE_GATE.header}} != {env.${CONSOLE_GATE.variable}}\`
		}
		header @console_gate Content-Type application/json
		respond @console_gate \`${JSON.stringify(CONSOLE_GATE.refusal)}\` ${CONSOLE_GATE.refusal.code}
		reverse_proxy {$APPWRITE_API_HOST}:80 {
			header_up -${CONSOLE_GATE.header}
		}
	}
}
`;

/** The file variable holding the proxy's configuration (POST /variable, CONTAINER scope). */
export function caddyfileVariable(proxyId: string): VariableRequest {
  return {
    key: 'APPWRITE_CLOUD_CADDYFILE',
    value: CADDYFILE,
    mount_path: CADDYFILE_PATH,
    is_secret: false,
    variable_scope: 'CONTAINER',
    variable_parent_id: proxyId,
    description: 'Caddy configuration: routes of the one public host (managed by AppWrite Cloud)',
  };
}

// ---------------------------------------------------------------------------------------------
// Secrets and variables.

/** Per-instance secrets. Serialising or inspecting the object shows `[redacted]`. */
export interface InstanceSecrets {
  readonly mariadbRootPassword: string;
  readonly mariadbPassword: string;
  readonly redisPassword: string;
  readonly appwriteOpensslKey: string;
  readonly appwriteExecutorSecret: string;
}

const secretBytes: Record<keyof InstanceSecrets, number> = {
  mariadbRootPassword: 24,
  mariadbPassword: 24,
  redisPassword: 24,
  appwriteOpensslKey: 32,
  appwriteExecutorSecret: 32,
};

/** Hides a secret-holding object from JSON.stringify and util.inspect. */
export function redacted<T extends object>(value: T): Readonly<T> {
  Object.defineProperty(value, 'toJSON', { value: () => '[redacted]' });
  Object.defineProperty(value, Symbol.for('nodejs.util.inspect.custom'), { value: () => '[redacted]' });
  return Object.freeze(value);
}

/** Fresh random secrets (base64url: safe in env vars, DSNs and shells). */
export function generateSecrets(random: (size: number) => Buffer = randomBytes): InstanceSecrets {
  const secrets = {} as Record<keyof InstanceSecrets, string>;
  for (const [key, size] of Object.entries(secretBytes) as [keyof InstanceSecrets, number][]) {
    secrets[key] = random(size).toString('base64url');
  }
  return redacted(secrets);
}

/** The instance's bucket and the credentials that reach it (lib/platform/storage makes them). */
export interface StorageGrant {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint; absent for Amazon S3. */
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** What one instance's variables are made of, besides the operator's settings. */
export interface InstanceInputs {
  secrets: InstanceSecrets;
  storage: StorageGrant;
  /** The owner's (verified) e-mail: the only one allowed to create the console's first account. */
  ownerEmail: string;
  /**
   * Whether the owner's console account exists. Until it does, every sign-up path that skips the
   * e-mail whitelist stays closed: no SMTP (magic URL, e-mail OTP), no SMS, no console OAuth, and
   * the proxy's console gate is shut to all but `consoleGate`.
   */
  ownerAccountExists: boolean;
  /** The instance's gate token (lib/platform/appwrite/console `consoleGateToken`). */
  consoleGate: string;
}

/** A resolved value: literal, secret (stored as a Qovery secret), or `{service}` host text. */
export type Value = { value: string; secret: boolean } | { hosts: string };

const plain = (value: string): Value => ({ value, secret: false });
const secret = (value: string): Value => ({ value, secret: true });
const hosts = (text: string): Value => ({ hosts: text });

/**
 * AppWrite's settings, ENVIRONMENT-scoped (every service reads what it needs, as from the
 * compose's shared `.env`). Values are AppWrite's defaults (1.9.6 `app/config/variables.php` and
 * `.env`) except where a hosted instance needs otherwise, as commented. Variables of the
 * inventory that are deliberately not set are listed, with reasons, in `inventory.json`.
 */
export function environmentVariables(
  settings: InstanceSettings,
  inputs: InstanceInputs,
): Record<string, Value> {
  const { secrets, storage } = inputs;
  const functions = settings.executor !== undefined;
  const vars: Record<string, Value> = {
    _APP_ENV: plain('production'),
    _APP_EDITION: plain('self-hosted'),
    _APP_LOCALE: plain('en'),
    _APP_WORKER_PER_CORE: plain('6'),
    // swoole_cpu_num() counts the node's CPUs, not the container's limit: size the API's and
    // realtime's worker pools from the container's CPU instead (app/http.php, realtime.php).
    _APP_CPU_NUM: plain('1'),
    _APP_OPENSSL_KEY_V1: secret(secrets.appwriteOpensslKey),
    _APP_COMPRESSION_ENABLED: plain('enabled'),
    _APP_COMPRESSION_MIN_SIZE_BYTES: plain('1024'),

    // One public host: the proxy's. TLS is Qovery's gateway's.
    _APP_DOMAIN: hosts('{public}'),
    _APP_CONSOLE_DOMAIN: hosts('{public}'),
    _APP_DOMAIN_TARGET_CNAME: hosts('{public}'),
    // The gateway redirects http to https and sends X-Forwarded-Proto; AppWrite's own redirect
    // would also catch Qovery's plain-HTTP probes.
    _APP_OPTIONS_FORCE_HTTPS: plain('disabled'),
    _APP_OPTIONS_ROUTER_FORCE_HTTPS: plain('disabled'),
    _APP_OPTIONS_ABUSE: plain('enabled'),
    // Probes send the pod's IP as Host: router protection would refuse them.
    _APP_OPTIONS_ROUTER_PROTECTION: plain('disabled'),
    _APP_TRUSTED_HEADERS: plain('x-forwarded-for'),

    // The console: one seat, and only the owner's e-mail may take it.
    _APP_CONSOLE_WHITELIST_ROOT: plain('enabled'),
    _APP_CONSOLE_WHITELIST_EMAILS: plain(inputs.ownerEmail.trim().toLowerCase()),
    // Until the seat is taken: no session alerts, and the proxy (CADDYFILE) shut to all but the
    // control plane; `openedConsoleVariables` replaces both, and adds the e-mail.
    _APP_CONSOLE_SESSION_ALERTS: plain('disabled'),
    [CONSOLE_GATE.variable]: secret(inputs.consoleGate),

    _APP_SYSTEM_EMAIL_NAME: plain(settings.emailFrom.name),
    _APP_SYSTEM_EMAIL_ADDRESS: plain(settings.emailFrom.address),
    _APP_SYSTEM_TEAM_EMAIL: plain(settings.operatorEmail),
    _APP_EMAIL_SECURITY: plain(settings.operatorEmail),
    _APP_EMAIL_CERTIFICATES: plain(settings.operatorEmail),

    _APP_DB_ADAPTER: plain('mariadb'),
    _APP_DB_HOST: hosts('{mariadb}'),
    _APP_DB_PORT: plain(String(MARIADB_PORT)),
    _APP_DB_SCHEMA: plain(DB_SCHEMA),
    _APP_DB_USER: plain(DB_USER),
    _APP_DB_PASS: secret(secrets.mariadbPassword),
    _APP_REDIS_HOST: hosts('{redis}'),
    _APP_REDIS_PORT: plain(String(REDIS_PORT)),
    _APP_REDIS_PASS: secret(secrets.redisPassword),

    // Files go to the instance's own bucket, shared by every service that needs them.
    _APP_STORAGE_DEVICE: plain('s3'),
    _APP_STORAGE_S3_ACCESS_KEY: secret(storage.accessKeyId),
    _APP_STORAGE_S3_SECRET: secret(storage.secretAccessKey),
    _APP_STORAGE_S3_REGION: plain(storage.region),
    _APP_STORAGE_S3_BUCKET: plain(storage.bucket),
    ...(storage.endpoint ? { _APP_STORAGE_S3_ENDPOINT: plain(storage.endpoint) } : {}),
    _APP_STORAGE_LIMIT: plain('30000000'),
    _APP_STORAGE_PREVIEW_LIMIT: plain('20000000'),
    _APP_STORAGE_ANTIVIRUS: plain('disabled'),

    _APP_USAGE_STATS: plain('enabled'),
    _APP_USAGE_AGGREGATION_INTERVAL: plain('30'),
    _APP_STATS_RESOURCES_INTERVAL: plain('30'),
    _APP_WEBHOOK_MAX_FAILED_ATTEMPTS: plain('10'),
    _APP_MAINTENANCE_INTERVAL: plain('86400'),
    _APP_MAINTENANCE_START_TIME: plain('00:00'),
    _APP_MAINTENANCE_RETENTION_EXECUTION: plain('1209600'),
    _APP_MAINTENANCE_RETENTION_CACHE: plain('2592000'),
    _APP_MAINTENANCE_RETENTION_ABUSE: plain('86400'),
    _APP_MAINTENANCE_RETENTION_AUDIT: plain('1209600'),
    _APP_MAINTENANCE_RETENTION_AUDIT_CONSOLE: plain('15778800'),
    _APP_MAINTENANCE_RETENTION_USAGE_HOURLY: plain('8640000'),
    _APP_MAINTENANCE_RETENTION_SCHEDULES: plain('86400'),
    _APP_INTERVAL_DOMAIN_VERIFICATION: plain('120'),
    _APP_INTERVAL_CLEANUP_STALE_EXECUTIONS: plain('300'),
    _APP_GRAPHQL_INTROSPECTION: plain('enabled'),
    _APP_GRAPHQL_MAX_BATCH_SIZE: plain('10'),
    _APP_GRAPHQL_MAX_COMPLEXITY: plain('250'),
    _APP_GRAPHQL_MAX_DEPTH: plain('3'),

    // Internal hosts AppWrite would otherwise hard-code (`appwrite`, `appwrite-browser`).
    _APP_MIGRATION_HOST: hosts('{appwrite}'),
    _APP_BROWSER_HOST: hosts('http://{appwrite-browser}:3000/v1'),
    _APP_WORKER_SCREENSHOTS_ROUTER: hosts('http://{appwrite}'),

    // Functions and Sites limits (read by the API whether or not an executor runs).
    _APP_COMPUTE_SIZE_LIMIT: plain('30000000'),
    _APP_COMPUTE_BUILD_TIMEOUT: plain('2700'),
    _APP_COMPUTE_CPUS: plain('0'),
    _APP_COMPUTE_MEMORY: plain('0'),
    _APP_FUNCTIONS_TIMEOUT: plain('900'),
    _APP_FUNCTIONS_RUNTIMES: plain('node-22'),
    _APP_SITES_TIMEOUT: plain('900'),
    _APP_SITES_RUNTIMES: plain('static-1,node-22'),
    _APP_OPEN_RUNTIMES_NFT: plain('enabled'),
    _APP_EXECUTOR_SECRET: secret(settings.executor?.secret ?? secrets.appwriteExecutorSecret),
    ...(functions && settings.executor ? { _APP_EXECUTOR_HOST: plain(settings.executor.url) } : {}),

    // The proxy's upstreams (read by its Caddyfile).
    APPWRITE_API_HOST: hosts('{appwrite}'),
    APPWRITE_CONSOLE_HOST: hosts('{appwrite-console}'),
    APPWRITE_REALTIME_HOST: hosts('{appwrite-realtime}'),
  };
  if (inputs.ownerAccountExists) Object.assign(vars, openedConsoleVariables(settings));
  return vars;
}

/**
 * What changes once the owner's console account exists (at a later provision, or by
 * Instances.openConsole): the proxy's gate opens, and the operator's SMTP settings, if any, give
 * the instance its e-mail and session alerts.
 */
export function openedConsoleVariables(settings: InstanceSettings): Record<string, Value> {
  return {
    [CONSOLE_GATE.variable]: secret(CONSOLE_GATE.open),
    _APP_CONSOLE_SESSION_ALERTS: plain(settings.smtp ? 'enabled' : 'disabled'),
    ...(settings.smtp ? smtpVariables(settings.smtp) : {}),
  };
}

/** AppWrite's SMTP settings: only once the owner's console account exists. */
function smtpVariables(smtp: SmtpSettings): Record<string, Value> {
  return {
    _APP_SMTP_HOST: plain(smtp.host),
    _APP_SMTP_PORT: plain(String(smtp.port)),
    ...(smtp.secure ? { _APP_SMTP_SECURE: plain(smtp.secure) } : {}),
    ...(smtp.username ? { _APP_SMTP_USERNAME: plain(smtp.username) } : {}),
    ...(smtp.password ? { _APP_SMTP_PASSWORD: secret(smtp.password) } : {}),
  };
}

/** A service's CONTAINER-scoped variables, resolved. */
export function containerVariables(spec: ServiceSpec, secrets: InstanceSecrets): Record<string, Value> {
  return Object.fromEntries(
    Object.entries(spec.variables ?? {}).map(([name, value]): [string, Value] => [
      name,
      typeof value === 'string'
        ? plain(value)
        : 'secret' in value
          ? secret(secrets[value.secret])
          : hosts(value.hosts),
    ]),
  );
}

/** Qovery's BUILT_IN variable name for a service, e.g. QOVERY_CONTAINER_Z04308DE2_HOST_INTERNAL. */
export function builtInName(
  type: 'CONTAINER' | 'REDIS',
  serviceId: string,
  spec: 'HOST_INTERNAL' | 'HOST_EXTERNAL' | 'PORT' | 'LOGIN' | 'PASSWORD',
): string {
  const short = serviceId.split('-')[0]?.toUpperCase() ?? '';
  if (!/^[0-9A-F]{8}$/.test(short)) throw new TypeError('A Qovery service id must be a uuid');
  return `QOVERY_${type}_Z${short}_${spec}`;
}

/** Container ids by service name. */
export type ServiceIds = Readonly<Record<string, string>>;

/** Replaces `{service}` with that service's internal host and `{public}` with the proxy's domain. */
export function interpolateHosts(text: string, ids: ServiceIds): string {
  return text.replace(/\{([a-z0-9-]+)\}/g, (_, name: string) => {
    const id = ids[name === 'public' ? 'proxy' : name];
    if (!id) throw new TypeError(`No service named ${name} in this instance`);
    return `{{${builtInName('CONTAINER', id, name === 'public' ? 'HOST_EXTERNAL' : 'HOST_INTERNAL')}}}`;
  });
}

/**
 * The import body of one call: `overwrite` true (so the call can be repeated, and a cloned
 * template's values are replaced), secrets flagged as such.
 */
export function variablesImport(
  groups: { scope: 'ENVIRONMENT' | 'CONTAINER'; vars: Record<string, Value> }[],
  ids: ServiceIds,
): VariableImportRequest {
  return {
    overwrite: true,
    vars: groups.flatMap(({ scope, vars }) =>
      Object.entries(vars).map(([name, value]) =>
        'hosts' in value
          ? { name, value: interpolateHosts(value.hosts, ids), scope, is_secret: false }
          : { name, value: value.value, scope, is_secret: value.secret },
      ),
    ),
  };
}
