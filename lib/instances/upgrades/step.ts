import type { Logger } from '../../basics/log';
import type { HasuraClient } from '../../platform/hasura/client';
import { PendingUpgrades, type UpgradeRow } from '../../platform/hasura/documents';
import { releases as knownReleases, type Release } from '../blueprint/versions';
import type { Instances } from '../instances';
import { type Observed, phaseOfObserved } from '../lifecycle';
import type { ReconcileStep } from '../reconciler';
import { beginStep, nextStep } from './begin';
import { checkStep, failStep } from './check';
import { describe, PAGE, type UpgradeRun } from './shared';

export interface UpgradesDeps {
  hasura: HasuraClient;
  instances: Pick<Instances, 'upgrade' | 'migrateStatus'>;
  log: Logger;
  /** The releases an instance can be moved through (tests may add a newer one). */
  releases?: Readonly<Record<string, Release>>;
  /**
   * Steps asked of Qovery per run (3 or 4 calls each, then about 2 to check it). Default 1: with a
   * run a minute that is at most ~360 Qovery calls an hour, beside the users' share of the token's
   * ~1000 (docs/limits.md).
   */
  maxStepsPerRun?: number;
  /** Steps under way checked per run (2 calls each). Default 20. */
  maxChecksPerRun?: number;
  /** A step whose `migrate` has not run this long after it was asked stops the upgrade. Default 30 min. */
  stalledAfterMs?: number;
  now?: () => number;
}

/** A step's three stages of Qovery calls: none starts with less than this left. */
const STEP_RESERVE_MS = 12_000;
/** A check's two calls in parallel. */
const CHECK_RESERVE_MS = 4000;

/** What is left of a run's steps and checks. */
interface Allowance {
  steps: number;
  checks: number;
}

/** The reconciler's step that takes each instance with a target one version step further. */
export function upgradesStep({
  hasura,
  instances,
  log,
  releases = knownReleases,
  maxStepsPerRun = 1,
  maxChecksPerRun = 20,
  stalledAfterMs = 30 * 60 * 1000,
  now = Date.now,
}: UpgradesDeps): ReconcileStep {
  return {
    name: 'upgrades',
    async run({ rows, states, deadline }) {
      const run: UpgradeRun = { hasura, instances, log, releases, stalledAfterMs, now, call: { deadline } };
      // The rows this run looks at: all on a schedule, the ones a webhook named otherwise.
      const inRun = new Set(rows.map((row) => row.id));
      const { project } = await hasura.request(PendingUpgrades, { limit: PAGE }, run.call);
      const allowance: Allowance = { steps: maxStepsPerRun, checks: maxChecksPerRun };
      let changed = 0;
      for (const row of project) {
        const environmentId = row.qovery_environment_id;
        if (!inRun.has(row.id) || !environmentId || row.status === 'DELETING' || row.status === 'CREATING')
          continue;
        const observed = states.get(environmentId);
        if (observed === undefined) continue;
        try {
          changed += await advance(run, allowance, row, environmentId, observed);
        } catch (error) {
          log.warn('upgrade.failed-run', { projectId: row.id, error: describe(error) });
        }
      }
      return { changed };
    },
  };
}

/**
 * What one row with a target calls for: its step under way checked (or failed), or the next step
 * begun. Answers the rows changed.
 */
async function advance(
  run: UpgradeRun,
  allowance: Allowance,
  row: UpgradeRow,
  environmentId: string,
  observed: Observed,
): Promise<number> {
  const phase = phaseOfObserved(observed);
  const timeFor = (reserve: number) => run.call.deadline - run.now() > reserve;
  if (row.upgrade_step !== null) {
    if (phase === 'running') {
      if (allowance.checks <= 0 || !timeFor(CHECK_RESERVE_MS)) return 0;
      allowance.checks--;
      return checkStep(run, row, row.upgrade_step, environmentId);
    }
    if (phase === 'failed' && row.upgrade_error === null)
      return failStep(run, row, row.upgrade_step, environmentId, observed);
    return 0;
  }
  if (row.upgrade_error !== null || row.appwrite_target_version === null) return 0;
  // Running, or a deployment that failed (a retry): never a stopped instance.
  if (phase !== 'running' && observed !== 'DEPLOYMENT_ERROR') return 0;
  if (allowance.steps <= 0 || !timeFor(STEP_RESERVE_MS)) return 0;
  const next = nextStep(run, row);
  if (next === undefined) return 0;
  allowance.steps--;
  return beginStep(run, row, next, environmentId);
}
