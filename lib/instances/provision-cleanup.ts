/**
 * The clean-up after a failed provision: the environment is deleted, on a budget of its own (the
 * caller's deadline may be spent). It never throws, and never hides the original error.
 */
import { AppError } from '../basics/errors';
import { isQoveryError, type QoveryClient, QoveryError } from '../platform/qovery/client';
import type { QoverySettings } from './blueprint/blueprint';
import type { InstancesLogger } from './logger';

export interface CleanupDeps {
  client: QoveryClient;
  settings: QoverySettings;
  log: InstancesLogger;
  /** Budget of the clean-up, independent of the caller's deadline. */
  cleanupTimeoutMs: number;
  /** Pause before looking an environment up by name once more. */
  cleanupRecheckMs: number;
}

/** Qovery's clock and ours may differ: an environment this much older than the attempt may be its. */
const CLOCK_SKEW_MS = 60_000;

/** Deletes an environment we just created. */
export async function discard(deps: CleanupDeps, environmentId: string, original: unknown): Promise<void> {
  const { client, log } = deps;
  log.warn('qovery.provision.failed', {
    environmentId,
    error: describe(original),
    cleanup: 'deleting environment',
  });
  try {
    await client.deleteEnvironment(environmentId, { deadline: Date.now() + deps.cleanupTimeoutMs });
  } catch (error) {
    if (isQoveryError(error, 'not-found')) return;
    log.error('qovery.provision.cleanup-failed', {
      environmentId,
      error: describe(error),
      orphan: environmentId,
    });
  }
}

/**
 * The create (or clone) call got no clear answer: Qovery may have created the environment
 * anyway. Find it by its (unique) name and delete it, if it is younger than this attempt.
 */
export async function discardByName(
  deps: CleanupDeps,
  name: string,
  startedAt: number,
  original: unknown,
): Promise<void> {
  const { client, log, cleanupRecheckMs } = deps;
  log.warn('qovery.provision.failed', {
    environment: name,
    error: describe(original),
    cleanup: 'looking up',
  });
  const deadline = Date.now() + deps.cleanupTimeoutMs;
  try {
    // Qovery may still be processing the request we gave up on: keep looking while the
    // clean-up budget lasts.
    for (let look = 0; ; look++) {
      if (look > 0) {
        if (Date.now() + cleanupRecheckMs >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, cleanupRecheckMs));
      }
      const list = await client.listEnvironment(deps.settings.projectId, { deadline });
      const found = (list.results ?? []).find(
        (env) =>
          env.name.toLowerCase() === name.toLowerCase() &&
          Date.parse(env.created_at) >= startedAt - CLOCK_SKEW_MS,
      );
      if (found) {
        await client.deleteEnvironment(found.id, { deadline });
        return;
      }
    }
  } catch (error) {
    if (isQoveryError(error, 'not-found')) return;
    log.error('qovery.provision.cleanup-failed', {
      environment: name,
      error: describe(error),
      orphan: name,
    });
  }
}

/** A create whose outcome is unknown: no answer, or a gateway error that may hide a success. */
export function mayHaveHappened(error: unknown): boolean {
  return (
    isQoveryError(error) &&
    (error.kind === 'timeout' ||
      (error.kind === 'unavailable' && error.status !== 429 && error.status !== 503))
  );
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof QoveryError) return error.toLog();
  if (error instanceof AppError) return { code: error.code, cause: describe(error.cause) };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { value: String(error) };
}
