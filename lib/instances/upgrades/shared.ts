import type { Logger } from '../../basics/log';
import type { HasuraClient } from '../../platform/hasura/client';
import { QoveryError } from '../../platform/qovery/client';
import type { Release } from '../blueprint/versions';
import type { Instances } from '../instances';

/** Rows read per request (the operator's listing) or per run (the ones with a target only). */
export const PAGE = 2000;

/** The user-safe sentences of an upgrade that stopped (the project's reason while it is ERROR). */
export const upgradeReasons = {
  failed: (version: string) =>
    `The upgrade to AppWrite ${version} did not start. We have been told; start the instance again to retry.`,
  stalled: (version: string) =>
    `The upgrade to AppWrite ${version} did not complete. We have been told and will retry it.`,
  refused: (version: string) =>
    `The upgrade to AppWrite ${version} could not be started. We have been told and will retry it.`,
};

/** What one run of the upgrades step works with. */
export interface UpgradeRun {
  hasura: HasuraClient;
  instances: Pick<Instances, 'upgrade' | 'migrateStatus'>;
  log: Logger;
  releases: Readonly<Record<string, Release>>;
  stalledAfterMs: number;
  now: () => number;
  call: { deadline: number };
}

/** An error as the logs may show it: Qovery's own summary, or the error's name only. */
export function describe(error: unknown): Record<string, unknown> | string {
  if (error instanceof QoveryError) return error.toLog();
  return error instanceof Error ? error.name : 'unknown';
}
