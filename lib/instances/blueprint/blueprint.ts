/**
 * The instance blueprint: what one AppWrite instance is on Qovery, in one folder an operator can
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
 *
 * This file holds the operator's settings of an instance and their defaults; the rest is in its
 * siblings: `environment.ts` (names), `services.ts` (what runs), `containers.ts` (Qovery's
 * container of each service), `migrate.ts` (AppWrite's `migrate` job), `proxy.ts` (the Caddyfile
 * and its console gate), `secrets.ts`, `variables.ts` (AppWrite's settings) and
 * `variables-import.ts` (how they reach Qovery).
 */

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
  /**
   * QOVERY_DEPLOYMENT_ID: this deployment's random id, the mark ending its environments' names
   * (`<prefix>-appwrite-<id>-<mark>`), by which the reconciler knows an environment is its own.
   * Without it (a local stand-in only) names have no mark and no environment is ever proven its
   * own: the reconciler deletes none by name.
   */
  deploymentId?: string;
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

/** The operator's settings of every instance (lib/instances/settings.ts reads them, with these defaults). */
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
   * password derive from it (lib/platform/appwrite/console-api). Never sent to an instance as such.
   */
  consoleClaimKey: string;
}

/** A deployment's prefix (e.g. its stage): lower-case letters, digits and dashes. */
export const DEPLOYMENT_PREFIX = /^[a-z0-9][a-z0-9-]{0,29}$/;

/** Defaults sized for a small production instance (docs/instances.md). */
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
