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
}

/** The default: the newest stable release verified (tag 1.9.6, 2026-07-22; no newer tag exists). */
export const APPWRITE_VERSION = '1.9.6';

export const releases: Readonly<Record<string, Release>> = {
  '1.6.1': { appwrite: '1.6.1', console: '5.2.27', redis: '7.2.4-alpine', mariadb: '10.11', browser: null },
  '1.6.2': { appwrite: '1.6.2', console: '5.2.58', redis: '7.2.4-alpine', mariadb: '10.11', browser: null },
  '1.7.4': {
    appwrite: '1.7.4',
    console: '6.0.13',
    redis: '7.2.4-alpine',
    mariadb: '10.11',
    browser: '0.2.4',
  },
  '1.8.1': { appwrite: '1.8.1', console: '7.5.7', redis: '7.2.4-alpine', mariadb: '10.11', browser: '0.3.2' },
  '1.9.6': {
    appwrite: '1.9.6',
    console: '8.7.30',
    redis: '7.4.7-alpine',
    mariadb: '10.11',
    browser: '0.3.3',
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
 * minor after `from`'s, then `to`. Throws when `to` is older than `from` (AppWrite has no
 * downgrade) or when either is not in `releases`.
 */
export function upgradePath(from: string, to: string): string[] {
  if (!releases[to]) throw new TypeError(`Unknown AppWrite release: ${to}`);
  if (compareVersions(to, from) < 0) throw new RangeError(`AppWrite cannot go back from ${from} to ${to}`);
  if (compareVersions(to, from) === 0) return [];
  const minor = (v: string) => parse(v).slice(0, 2).join('.');
  const latestOfMinor = new Map<string, string>();
  for (const version of Object.keys(releases)) {
    const key = minor(version);
    const known = latestOfMinor.get(key);
    if (!known || compareVersions(version, known) > 0) latestOfMinor.set(key, version);
  }
  const steps = [...latestOfMinor.values()]
    .filter((v) => compareVersions(v, from) > 0 && compareVersions(v, to) < 0 && minor(v) !== minor(to))
    .sort(compareVersions);
  return [...steps, to];
}
