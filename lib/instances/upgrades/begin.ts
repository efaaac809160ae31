import {
  BeginUpgradeStep,
  ForgetUpgradeStep,
  StopUpgrade,
  type UpgradeRow,
} from '../../platform/hasura/documents';
import { isQoveryError } from '../../platform/qovery/client';
import { upgradePath } from '../blueprint/versions';
import { describe, type UpgradeRun, upgradeReasons } from './shared';

/** The next version of the row's path to its target; none when there is no path. */
export function nextStep({ releases, log }: UpgradeRun, row: UpgradeRow): string | undefined {
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

/**
 * Takes a step: written on the row BEFORE Qovery is asked (so that overlapping runs cannot take two),
 * then `Instances.upgrade`. Answers the rows changed.
 */
export async function beginStep(
  { hasura, instances, log, releases, now, call }: UpgradeRun,
  row: UpgradeRow,
  step: string,
  environmentId: string,
): Promise<number> {
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
