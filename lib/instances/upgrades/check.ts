import {
  FinishUpgradeStep,
  MoveProject,
  StopUpgrade,
  type UpgradeRow,
} from '../../platform/hasura/documents';
import type { MigrateStatus } from '../instances';
import { type Observed, phaseOfObserved } from '../lifecycle';
import { type UpgradeRun, upgradeReasons } from './shared';

/**
 * Qovery's clock against ours, when comparing the `migrate` job's last deployment with the time a
 * step was asked. The job must also carry the step's image, which only the step's own deployment
 * request gives it, so a run of the deployment before the step never counts.
 */
const CLOCK_SKEW_MS = 60_000;
/** Qovery states of a job run that failed. */
const FAILED_RUN = new Set<Observed | 'ABSENT'>(['DEPLOYMENT_ERROR', 'BUILD_ERROR', 'CANCELED']);

/**
 * A step under way on a running instance: recorded once its `migrate` ran, stopped if it failed or
 * has not run long after it was asked. Answers the rows changed.
 */
export async function checkStep(
  run: UpgradeRun,
  row: UpgradeRow,
  step: string,
  environmentId: string,
): Promise<number> {
  const { hasura, instances, log, releases, stalledAfterMs, now, call } = run;
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
    const { update_project } = await hasura.request(FinishUpgradeStep, { id: row.id, step, target }, call);
    log.info('upgrade.step-done', {
      projectId: row.id,
      from: row.appwrite_version,
      to: step,
      target: row.appwrite_target_version,
    });
    return update_project?.affected_rows ?? 0;
  }
  if (ranSince && FAILED_RUN.has(migrate.state))
    return failStep(run, row, step, environmentId, 'DEPLOYED', migrate);
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

/**
 * A step whose deployment failed (the instance's containers or its migration): the upgrade stops,
 * the operator is told, and a failed instance shows the upgrade's reason at once.
 */
export async function failStep(
  { hasura, instances, log, call }: UpgradeRun,
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
