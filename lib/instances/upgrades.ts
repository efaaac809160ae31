/**
 * Upgrades: an operator moves instances to the configured AppWrite release, and the reconciler
 * takes each one there, one version step at a time, as AppWrite documents (each minor's latest
 * patch, `migrate` after every step: lib/instances/blueprint/versions `upgradePath`).
 *
 * `npm run upgrade` (scripts/upgrade.ts) only records the target on the rows
 * (`appwrite_target_version`): an upgrade of many instances takes hours, far beyond an action's
 * 30 s. Then, on every run (a step of lib/instances/reconciler.ts, `upgradesStep`), for each row with a target:
 *
 * 1. No step under way, the instance RUNNING (or failed to deploy): the next version of its path is
 *    written on the row (`upgrade_step`, `upgrade_step_at`) BEFORE Qovery is asked, then
 *    `Instances.upgrade` adds that release's new variables and, in one deployment request, gives
 *    every AppWrite-image service, the console, Redis, MariaDB and the browser their tags of that
 *    release and the `migrate` job the new AppWrite image. A stopped instance waits: it is upgraded
 *    once its owner starts it again (nobody's instance is started behind their back).
 * 2. A step under way: once Qovery reports the environment deployed and the `migrate` job
 *    succeeded in a deployment asked after the step, the step is recorded (`appwrite_version`) and
 *    the next run takes the next one. The deployment failing (the instance's containers or its
 *    migration) stops the upgrade: `upgrade_error` holds a user-safe sentence, which the project
 *    shows as its ERROR reason (lib/instances/lifecycle `withUpgradeReason`), and the operator is told in the
 *    logs (`upgrade.failed`). Nothing is rolled back (AppWrite has no downgrade); the owner's next
 *    successful start, which runs `migrate` again, completes the step, and the upgrade goes on. The
 *    operator retries with `npm run upgrade` again.
 *
 * Every write is conditional on what was read, every Qovery call is idempotent or guarded by the
 * row, so overlapping runs cannot take two steps at once.
 */

import type { Logger } from '../basics/log';
import type { HasuraClient } from '../platform/hasura/client';
import {
  BeginUpgradeStep,
  FinishUpgradeStep,
  ForgetUpgradeStep,
  MoveProject,
  PendingUpgrades,
  ProjectVersions,
  RequestUpgrade,
  StopUpgrade,
  type UpgradeRow,
} from '../platform/hasura/documents';
import { isQoveryError, QoveryError } from '../platform/qovery/client';
import { releases as knownReleases, type Release, upgradePath } from './blueprint/versions';
import type { Instances, MigrateStatus } from './instances';
import { type Observed, phaseOfObserved } from './lifecycle';
import type { ReconcileStep } from './reconciler';

/** The user-safe sentences of an upgrade that stopped (the project's reason while it is ERROR). */
export const upgradeReasons = {
  failed: (version: string) =>
    `The upgrade to AppWrite ${version} did not start. We have been told; start the instance again to retry.`,
  stalled: (version: string) =>
    `The upgrade to AppWrite ${version} did not complete. We have been told and will retry it.`,
  refused: (version: string) =>
    `The upgrade to AppWrite ${version} could not be started. We have been told and will retry it.`,
};

export interface UpgradesDeps {
  hasura: HasuraClient;
  instances: Pick<Instances, 'upgrade' | 'migrateStatus'>;
  log: Logger;
  /** The releases an instance can be moved through (tests may add a newer one). */
  releases?: Readonly<Record<string, Release>>;
  /**
   * Steps asked of Qovery per run (3 or 4 calls each, then about 2 to check it). Default 1: with a
   * run a minute that is at most ~360 Qovery calls an hour, beside the users' share of the token's
   * ~1000 (README "Limits").
   */
  maxStepsPerRun?: number;
  /** Steps under way checked per run (2 calls each). Default 20. */
  maxChecksPerRun?: number;
  /** A step whose `migrate` has not run this long after it was asked stops the upgrade. Default 30 min. */
  stalledAfterMs?: number;
  now?: () => number;
}

/** Rows read per run (the ones with a target only). */
const PAGE = 2000;
/** A step's three stages of Qovery calls: none starts with less than this left. */
const STEP_RESERVE_MS = 12_000;
/** A check's two calls in parallel. */
const CHECK_RESERVE_MS = 4000;
/**
 * Qovery's clock against ours, when comparing the `migrate` job's last deployment with the time a
 * step was asked. The job must also carry the step's image, which only the step's own deployment
 * request gives it, so a run of the deployment before the step never counts.
 */
const CLOCK_SKEW_MS = 60_000;
/** Qovery states of a job run that failed. */
const FAILED_RUN = new Set<Observed | 'ABSENT'>(['DEPLOYMENT_ERROR', 'BUILD_ERROR', 'CANCELED']);

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
      const call = { deadline };
      // The rows this run looks at: all on a schedule, the ones a webhook named otherwise.
      const inRun = new Set(rows.map((row) => row.id));
      const timeFor = (reserve: number) => deadline - now() > reserve;
      const { project } = await hasura.request(PendingUpgrades, { limit: PAGE }, call);
      let changed = 0;
      let started = 0;
      let checked = 0;
      for (const row of project) {
        const environmentId = row.qovery_environment_id;
        if (!inRun.has(row.id) || !environmentId || row.status === 'DELETING' || row.status === 'CREATING')
          continue;
        const observed = states.get(environmentId);
        if (observed === undefined) continue;
        const phase = phaseOfObserved(observed);
        try {
          if (row.upgrade_step !== null) {
            if (phase === 'running') {
              if (checked >= maxChecksPerRun || !timeFor(CHECK_RESERVE_MS)) continue;
              checked++;
              changed += await check(row, row.upgrade_step, environmentId);
            } else if (phase === 'failed' && row.upgrade_error === null) {
              changed += await fail(row, row.upgrade_step, environmentId, observed);
            }
            continue;
          }
          if (row.upgrade_error !== null || row.appwrite_target_version === null) continue;
          // Running, or a deployment that failed (a retry): never a stopped instance.
          if (phase !== 'running' && observed !== 'DEPLOYMENT_ERROR') continue;
          if (started >= maxStepsPerRun || !timeFor(STEP_RESERVE_MS)) continue;
          const next = nextStep(row);
          if (next === undefined) continue;
          started++;
          changed += await begin(row, next, environmentId);
        } catch (error) {
          log.warn('upgrade.failed-run', { projectId: row.id, error: describe(error) });
        }
      }
      return { changed };

      function nextStep(row: UpgradeRow): string | undefined {
        try {
          return upgradePath(row.appwrite_version, row.appwrite_target_version ?? '', releases)[0];
        } catch (error) {
          // A target older than the instance, or one this code does not know: nothing to do.
          log.warn('upgrade.impossible', {
            projectId: row.id,
            from: row.appwrite_version,
            to: row.appwrite_target_version,
            error: describe(error),
          });
          return undefined;
        }
      }

      async function begin(row: UpgradeRow, step: string, environmentId: string): Promise<number> {
        const release = releases[step];
        if (!release) return 0;
        const { update_project } = await hasura.request(
          BeginUpgradeStep,
          { id: row.id, from: row.appwrite_version, step, at: new Date(now()).toISOString() },
          call,
        );
        if (!update_project?.affected_rows) return 0; // another run took it
        try {
          await instances.upgrade(environmentId, release, call);
        } catch (error) {
          // No answer: Qovery may have done it. The checks decide (or find it stalled).
          if (isQoveryError(error, 'timeout')) {
            log.warn('upgrade.step-unknown', { projectId: row.id, step, error: describe(error) });
            return 1;
          }
          await hasura.request(ForgetUpgradeStep, { id: row.id, step }, call);
          // Busy (a deployment under way) or unavailable: the next run asks again.
          if (isQoveryError(error, 'conflict') || isQoveryError(error, 'unavailable')) {
            log.info('upgrade.step-deferred', { projectId: row.id, step, error: describe(error) });
            return 0;
          }
          // Qovery refused our request: the upgrade stops until the operator looks.
          log.error('upgrade.step-refused', { projectId: row.id, step, error: describe(error) });
          await hasura.request(StopUpgrade, { id: row.id, reason: upgradeReasons.refused(step) }, call);
          return 1;
        }
        log.info('upgrade.step-asked', { projectId: row.id, from: row.appwrite_version, to: step });
        return 1;
      }

      async function check(row: UpgradeRow, step: string, environmentId: string): Promise<number> {
        const migrate = await instances.migrateStatus(environmentId, call);
        const askedAt = Date.parse(row.upgrade_step_at ?? '');
        // It ran with the step's image, in the environment's last deployment, asked after the step.
        const ranSince =
          migrate.tag === releases[step]?.appwrite &&
          migrate.inLastDeployment &&
          migrate.at !== null &&
          migrate.at >= askedAt - CLOCK_SKEW_MS;
        if (ranSince && migrate.state === 'DEPLOYED') {
          const target = row.appwrite_target_version === step ? null : row.appwrite_target_version;
          const { update_project } = await hasura.request(
            FinishUpgradeStep,
            { id: row.id, step, target },
            call,
          );
          log.info('upgrade.step-done', {
            projectId: row.id,
            from: row.appwrite_version,
            to: step,
            target: row.appwrite_target_version,
          });
          return update_project?.affected_rows ?? 0;
        }
        if (ranSince && FAILED_RUN.has(migrate.state))
          return fail(row, step, environmentId, 'DEPLOYED', migrate);
        if (row.upgrade_error === null && !(now() - askedAt < stalledAfterMs)) {
          log.error('upgrade.stalled', { projectId: row.id, step, migrate });
          const { update_project } = await hasura.request(
            StopUpgrade,
            { id: row.id, reason: upgradeReasons.stalled(step) },
            call,
          );
          return update_project?.affected_rows ?? 0;
        }
        return 0;
      }

      async function fail(
        row: UpgradeRow,
        step: string,
        environmentId: string,
        observed: Observed,
        known?: MigrateStatus,
      ): Promise<number> {
        const reason = upgradeReasons.failed(step);
        const migrate = known ?? (await instances.migrateStatus(environmentId, call).catch(() => undefined));
        log.error('upgrade.failed', {
          projectId: row.id,
          from: row.appwrite_version,
          step,
          environment: observed,
          migrate: migrate?.state ?? 'unknown',
        });
        const { update_project } = await hasura.request(StopUpgrade, { id: row.id, reason }, call);
        // Shown at once as the project's reason (the reconciler keeps it: lib/instances/lifecycle).
        if (phaseOfObserved(observed) === 'failed')
          await hasura.request(MoveProject, { id: row.id, from: row.status, status: 'ERROR', reason }, call);
        return update_project?.affected_rows ?? 0;
      }
    },
  };
}

function describe(error: unknown): Record<string, unknown> | string {
  if (error instanceof QoveryError) return error.toLog();
  return error instanceof Error ? error.name : 'unknown';
}

// ---------------------------------------------------------------------------------------------
// The operator's side (scripts/upgrade.ts).

export interface UpgradeRequest {
  /** Project ids, or every project. */
  projects: readonly number[] | 'all';
  /** The release to go to: a key of `releases`, normally the configured APPWRITE_VERSION. */
  target: string;
  releases?: Readonly<Record<string, Release>>;
}

export interface UpgradeRequestAnswer {
  /** Projects whose target is now `target` (the reconciler takes them there). */
  asked: number[];
  /** Projects left alone, and why. */
  skipped: { id: number; version: string | null; why: string }[];
}

/** Every project's release and upgrade, in id order (paged). */
export async function listUpgrades(hasura: HasuraClient, deadline: number): Promise<UpgradeRow[]> {
  const rows: UpgradeRow[] = [];
  for (let after = 0; ; ) {
    const { project } = await hasura.request(ProjectVersions, { after, limit: PAGE }, { deadline });
    rows.push(...project);
    const last = project.at(-1);
    if (project.length < PAGE || !last) return rows;
    after = last.id;
  }
}

/**
 * Records `target` on the projects that can go there (known release, not older than theirs, not
 * being deleted), clearing a stopped upgrade so that it is retried; says which were left alone.
 */
export async function requestUpgrades(
  hasura: HasuraClient,
  { projects, target, releases = knownReleases }: UpgradeRequest,
  deadline: number,
): Promise<UpgradeRequestAnswer> {
  if (!releases[target]) throw new RangeError(`AppWrite ${target} is not a release this code knows`);
  const rows = await listUpgrades(hasura, deadline);
  const wanted = projects === 'all' ? undefined : new Set(projects);
  const answer: UpgradeRequestAnswer = { asked: [], skipped: [] };
  for (const id of wanted ?? []) {
    if (!rows.some((row) => row.id === id))
      answer.skipped.push({ id, version: null, why: 'no such project' });
  }
  for (const row of rows) {
    if (wanted && !wanted.has(row.id)) continue;
    const skip = (why: string) => answer.skipped.push({ id: row.id, version: row.appwrite_version, why });
    if (row.status === 'DELETING') skip('being deleted');
    else if (row.appwrite_version === target && row.upgrade_step === null) skip('already there');
    else {
      try {
        upgradePath(row.appwrite_version, target, releases);
        answer.asked.push(row.id);
      } catch (error) {
        skip(error instanceof Error ? error.message : 'no upgrade path');
      }
    }
  }
  for (let i = 0; i < answer.asked.length; i += PAGE) {
    await hasura.request(RequestUpgrade, { ids: answer.asked.slice(i, i + PAGE), target }, { deadline });
  }
  return answer;
}
