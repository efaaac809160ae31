/**
 * AppWrite releases an instance can run, with the companion images each release's own
 * self-hosting set-up pins (from `app/views/install/compose.phtml` up to 1.9.0 and
 * `docker-compose.yml` from 1.9.5, at each tag of appwrite/appwrite). MariaDB is 10.11 in every
 * one of them.
 *
 * Upgrades go through each minor's latest patch, running `migrate` after every step, as AppWrite
 * documents (https://appwrite.io/docs/advanced/self-hosting/production/updates: "1.5.1 → 1.5.11 →
 * 1.6.2 → 1.7.4"): here 1.6.1 → 1.6.2 → 1.7.4 → 1.8.1 → 1.9.6.
 */

export interface Release {
  /** `appwrite/appwrite` tag: API, realtime, every worker and task, and the migrate job. */
  appwrite: string;
  /** `appwrite/console` tag: the console is version-locked to the AppWrite release. */
  console: string;
  /** `redis` tag. */
  redis: string;
  /** `mariadb` tag (`MARIADB_AUTO_UPGRADE=1` upgrades its system tables after a change). */
  mariadb: string;
  /** `appwrite/browser` tag (from 1.7). */
  browser: string | null;
  /**
   * Variables this release reads that the one before it in this table did not (AppWrite's own
   * `upgrade` adds them to `.env` from the new template), with the value an instance gets: a
   * literal, or a text where `{service}` is that service's internal host (`{public}`: the
   * instance's public host), as in lib/instances/blueprint/variables.ts. An upgrade adds them and never overwrites
   * a value already set. A test holds them to the blueprint's own values.
   */
  variables?: Readonly<Record<string, string | { hosts: string }>>;
}

/** The default: the newest stable release verified (tag 1.9.6, 2026-07-22; no newer tag exists). */
export const APPWRITE_VERSION = '1.9.6';

export const releases: Readonly<Record<string, Release>> = {
  '1.6.1': { appwrite: '1.6.1', console: '5.2.27', redis: '7.2.4-alpine', mariadb: '10.11', browser: null },
  '1.6.2': {
    appwrite: '1.6.2',
    console: '5.2.58',
    redis: '7.2.4-alpine',
    mariadb: '10.11',
    browser: null,
    // 1.6.2:app/views/install/compose.phtml (the S3 endpoint is set when the operator has one).
    variables: { _APP_MAINTENANCE_RETENTION_AUDIT_CONSOLE: '15778800' },
  },
  '1.7.4': {
    appwrite: '1.7.4',
    console: '6.0.13',
    redis: '7.2.4-alpine',
    mariadb: '10.11',
    browser: '0.2.4',
    // 1.7.0: compute limits, DNS targets, the router's HTTPS option, Sites, the headless browser.
    variables: {
      _APP_DOMAIN_TARGET_CNAME: { hosts: '{public}' },
      _APP_OPTIONS_ROUTER_FORCE_HTTPS: 'disabled',
      _APP_COMPUTE_SIZE_LIMIT: '30000000',
      _APP_COMPUTE_BUILD_TIMEOUT: '2700',
      _APP_COMPUTE_CPUS: '0',
      _APP_COMPUTE_MEMORY: '0',
      _APP_SITES_TIMEOUT: '900',
      _APP_SITES_RUNTIMES: 'static-1,node-22',
      _APP_BROWSER_HOST: { hosts: 'http://{appwrite-browser}:3000/v1' },
    },
  },
  '1.8.1': {
    appwrite: '1.8.1',
    console: '7.5.7',
    redis: '7.2.4-alpine',
    mariadb: '10.11',
    browser: '0.3.2',
    // 1.8.0: the client IP's header is configurable.
    variables: { _APP_TRUSTED_HEADERS: 'x-forwarded-for' },
  },
  '1.9.6': {
    appwrite: '1.9.6',
    console: '8.7.30',
    redis: '7.4.7-alpine',
    mariadb: '10.11',
    browser: '0.3.3',
    // 1.9.0: MongoDB is the code's default (an upgraded install keeps MariaDB: Tasks/Upgrade.php),
    // the migrations worker throws without its host; the interval task and the screenshots worker.
    variables: {
      _APP_DB_ADAPTER: 'mariadb',
      _APP_MIGRATION_HOST: { hosts: '{appwrite}' },
      _APP_INTERVAL_DOMAIN_VERIFICATION: '120',
      _APP_INTERVAL_CLEANUP_STALE_EXECUTIONS: '300',
      _APP_WORKER_SCREENSHOTS_ROUTER: { hosts: 'http://{appwrite}' },
    },
  },
};

/**
 * Versions the blueprint can deploy as a complete instance (its service set is 1.9's: the
 * inventory is written for the pinned release only). Older releases are upgrade steps.
 */
export const DEPLOYABLE = ['1.9.6'] as const;

function parse(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new TypeError(`Not an AppWrite version: ${version}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/**
 * The versions to go through from `from` to `to`, `to` included: the latest known patch of every
 * minor after `from`'s, then `to`; none when they are equal. Throws when `to` is older than `from`
 * (AppWrite has no downgrade), when `to` is not in the table, or when either is not a version.
 * `table` is `releases` unless a test brings its own.
 */
export function upgradePath(
  from: string,
  to: string,
  table: Readonly<Record<string, Release>> = releases,
): string[] {
  if (!table[to]) throw new TypeError(`Unknown AppWrite release: ${to}`);
  parse(from);
  if (compareVersions(to, from) < 0) throw new RangeError(`AppWrite cannot go back from ${from} to ${to}`);
  if (compareVersions(to, from) === 0) return [];
  const minor = (v: string) => parse(v).slice(0, 2).join('.');
  const latestOfMinor = new Map<string, string>();
  for (const version of Object.keys(table)) {
    const key = minor(version);
    const known = latestOfMinor.get(key);
    if (!known || compareVersions(version, known) > 0) latestOfMinor.set(key, version);
  }
  const steps = [...latestOfMinor.values()]
    .filter((v) => compareVersions(v, from) > 0 && compareVersions(v, to) < 0 && minor(v) !== minor(to))
    .sort(compareVersions);
  return [...steps, to];
}
