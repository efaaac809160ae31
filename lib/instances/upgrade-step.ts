/** One upgrade step of an instance (lib/instances/upgrades/ runs them), and how its `migrate` fared. */
import type { StateEnum } from 'qovery-typescript-axios';
import type { CallOptions, QoveryClient } from '../platform/qovery/client';
import type { QoverySettings } from './blueprint/blueprint';
import { imageOf } from './blueprint/containers';
import { MIGRATE_JOB, MIGRATE_STAGE, migrateJobRequest, migrateStageRequest } from './blueprint/migrate';
import { SERVICES } from './blueprint/services';
import type { Value } from './blueprint/variables';
import { type ServiceIds, variablesImport } from './blueprint/variables-import';
import type { Release } from './blueprint/versions';
import { all, idOf, need } from './calls';

/** The `migrate` job's state in its last run, when that run was asked, and whether it was part of the
 * environment's last deployment; ABSENT when the environment has no such job. */
export interface MigrateStatus {
  state: StateEnum | 'ABSENT';
  /** The AppWrite image tag the job has now (a step gives it the new one), or null. */
  tag: string | null;
  /** Epoch ms of its last deployment, or null. */
  at: number | null;
  inLastDeployment: boolean;
}

/** Adds the release's new variables, then gives every service and the job their new tags, deployed at once. */
export async function upgrade(
  client: QoveryClient,
  settings: QoverySettings,
  environmentId: string,
  release: Release,
  options: CallOptions = {},
): Promise<void> {
  const [containers, jobs] = await all([
    client.listContainer(environmentId, options),
    client.listJobs(environmentId, options),
  ] as const);
  const list = containers.results ?? [];
  const ids: ServiceIds = Object.fromEntries(list.map((c) => [c.name.toLowerCase(), c.id]));
  const found = (jobs.results ?? []).find((job) => job.name.toLowerCase() === MIGRATE_JOB);
  const added = Object.entries(release.variables ?? {}).map(([name, value]): [string, Value] => [
    name,
    typeof value === 'string' ? { value, secret: false } : value,
  ]);
  const [jobId] = await all([
    found ? Promise.resolve(found.id) : addMigrateJob(client, settings, environmentId, release, options),
    added.length === 0
      ? Promise.resolve(undefined)
      : client.importContainerEnvironmentVariable(
          need(ids, 'mariadb'),
          // Added, never overwritten: a value the operator changed stays theirs.
          {
            ...variablesImport([{ scope: 'ENVIRONMENT', vars: Object.fromEntries(added) }], ids),
            overwrite: false,
          },
          options,
        ),
  ] as const);
  await client.deployAllServices(
    environmentId,
    {
      containers: list.map((container) => {
        const spec = SERVICES.find((s) => s.name === container.name.toLowerCase());
        // A container the blueprint does not know is redeployed as it is.
        return spec ? { id: container.id, image_tag: imageOf(spec, release).tag } : { id: container.id };
      }),
      jobs: [{ id: jobId, image_tag: release.appwrite }],
    },
    options,
  );
}

/** The `migrate` job of an instance made before it existed: its stage (found or made), then it. */
async function addMigrateJob(
  client: QoveryClient,
  settings: QoverySettings,
  environmentId: string,
  release: Release,
  options: CallOptions,
): Promise<string> {
  const [stages, job] = await all([
    client.listEnvironmentDeploymentStage(environmentId, options),
    client.createJob(environmentId, migrateJobRequest(settings, release), options),
  ] as const);
  const stage =
    (stages.results ?? []).find((s) => s.name?.toLowerCase() === MIGRATE_STAGE) ??
    (await client.createEnvironmentDeploymentStage(environmentId, migrateStageRequest, options));
  await client.attachServiceToDeploymentStage(idOf(stage), idOf(job), options);
  return idOf(job);
}

/** How the `migrate` job fared in its last run. */
export async function migrateStatus(
  client: QoveryClient,
  environmentId: string,
  options: CallOptions = {},
): Promise<MigrateStatus> {
  const [jobs, statuses] = await all([
    client.listJobs(environmentId, options),
    client.getEnvironmentJobStatus(environmentId, options),
  ] as const);
  const job = (jobs.results ?? []).find((j) => j.name.toLowerCase() === MIGRATE_JOB);
  const status = job && (statuses.results ?? []).find((s) => s.id === job.id);
  if (!status) return { state: 'ABSENT', tag: null, at: null, inLastDeployment: false };
  const tag = 'image' in job.source && job.source.image ? job.source.image.tag : null;
  const at = status.last_deployment_date ? Date.parse(status.last_deployment_date) : Number.NaN;
  return {
    state: status.state,
    tag,
    at: Number.isNaN(at) ? null : at,
    inLastDeployment: status.is_part_last_deployment,
  };
}
