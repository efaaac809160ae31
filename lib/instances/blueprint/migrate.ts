import type { DeploymentStageRequest, JobRequest } from 'qovery-typescript-axios';
import type { QoverySettings } from './blueprint';
import { releaseOf } from './containers';
import { sizeOf } from './services';
import type { Release } from './versions';

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

/** The stage of the `migrate` job, after Qovery's default ones. */
export const migrateStageRequest: DeploymentStageRequest = {
  name: MIGRATE_STAGE,
  description: 'AppWrite migrate, once every container is up (managed by AppWrite Cloud)',
};
