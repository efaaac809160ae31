/**
 * AppWrite instances on Qovery: provision, deploy, stop, destroy, status.
 *
 * Round trips per operation (Qovery calls; requests in one stage run in parallel, so the latency
 * is the number of stages). Retries of safe calls come on top; see client.ts.
 *
 * | operation                | requests | stages | calls                                          |
 * | ------------------------ | -------- | ------ | ---------------------------------------------- |
 * | provision (blueprint)    | 30       | 3      | create env → create every container (20) ∥     |
 * |                          |          |        |   migrate job ∥ its deployment stage           |
 * |                          |          |        | → import env+mariadb vars ∥ 3 container vars ∥ |
 * |                          |          |        |   proxy file variable ∥ proxy link ∥ job to    |
 * |                          |          |        |   its stage                                    |
 * | provision (clone)        | 4        | 3      | clone → list containers → import env+mariadb   |
 * |                          |          |        |   vars ∥ proxy link (+1 list per second while  |
 * |                          |          |        |   the clone's services are not listed yet)     |
 * | provision, failed        | +1       | +1     | delete env (own budget); when the create/clone |
 * |                          | (+2..3)  |        | had no answer: list, list again, delete        |
 * | deploy / stop            | 1        | 1      | 409 is the caller's to decide (it read first)  |
 * | destroy                  | 1        | 1      | 404 counts as success                          |
 * | cancelDeployment         | 1        | 1      | 409 (nothing to cancel) answers false          |
 * | findByName               | 1        | 1      | list the project's environments                |
 * | status / observe         | 1        | 1      | observe: 404 answers 'GONE'                    |
 * | observeAll               | 1        | 1      | every environment of the Qovery project        |
 * | listOwn                  | 1        | 1      | this deployment's environments, by name        |
 * | url                      | 1        | 1      |                                                |
 */
import type { Environment, LinkResponseList, StateEnum } from 'qovery-typescript-axios';
import { AppError } from '../basics/errors';
import { consoleGateToken } from '../platform/appwrite/console';
import { type CallOptions, isQoveryError, type QoveryClient, QoveryError } from '../platform/qovery/client';
import {
  caddyfileVariable,
  cloneRequest,
  containerRequest,
  containerVariables,
  environmentName,
  environmentRequest,
  environmentVariables,
  generateSecrets,
  type InstanceSecrets,
  imageOf,
  MIGRATE_JOB,
  MIGRATE_STAGE,
  migrateJobRequest,
  openedConsoleVariables,
  ownRowId,
  type QoverySettings,
  SERVICES,
  type ServiceIds,
  type StorageGrant,
  services,
  type Value,
  variablesImport,
} from './blueprint/blueprint';
import type { Release } from './blueprint/versions';
import { type Observed, phaseOf, statusFor } from './lifecycle';
import type { ProjectStatus } from './status';

/** Requests each operation sends on its success path (see the table above). */
export const ROUND_TRIPS = {
  /** With the default settings (no executor): see `provisionCalls` for any settings. */
  provisionBlueprint: 30,
  provisionClone: 4,
  cleanupAfterFailure: 1,
  deploy: 1,
  stop: 1,
  destroy: 1,
  cancelDeployment: 1,
  findByName: 1,
  status: 1,
  observeAll: 1,
  listOwn: 1,
  url: 1,
} as const;

export type { ProjectStatus };

/**
 * Every Qovery environment state, mapped to our project status (lib/instances/lifecycle.ts decides). Qovery has
 * no RUNNING state: DEPLOYED is running. READY (created, never deployed) is STOPPED, as Qovery's own
 * CLI shows it. CREATING is ours: the row exists while provision runs.
 */
export const projectStatusOf = /* @__PURE__ */ Object.fromEntries(
  (Object.keys(phaseOf) as StateEnum[]).map((state) => [
    state,
    phaseOf[state] === 'deleting' ? 'DELETING' : statusFor(state, false).status,
  ]),
) as Record<StateEnum, ProjectStatus>;

/** Qovery calls and stages of one provision with these settings (the benchmark reports them). */
export function provisionCalls(settings: QoverySettings): { calls: number; stages: number } {
  if (settings.templateEnvironmentId) return { calls: ROUND_TRIPS.provisionClone, stages: 3 };
  const list = services(settings.instance);
  const withVariables = list.filter((s) => s.variables && s.name !== 'mariadb').length;
  // environment; every container, the migrate job and its stage; env+mariadb import, other
  // container imports, file variable, link, the job attached to its stage.
  return { calls: 1 + list.length + 2 + 1 + withVariables + 3, stages: 3 };
}

export interface ProvisionedInstance {
  environmentId: string;
  /** The public entry point (the proxy): its link is the instance's URL. */
  appwriteId: string;
  mariadbId: string;
  redisId: string;
  /** Every container's id, by service name. */
  serviceIds: ServiceIds;
  /** AppWrite's public URL; null only if Qovery has not assigned a domain yet (see `url`). */
  url: string | null;
}

/** What one instance is made for: its owner, and its bucket (made while Qovery works). */
export interface ProvisionInputs {
  ownerEmail: string;
  storage: Promise<StorageGrant>;
}

export interface Instances {
  provision(
    projectRowId: number | string,
    inputs: ProvisionInputs,
    options?: CallOptions,
  ): Promise<ProvisionedInstance>;
  /**
   * Starts (or redeploys) the environment. Qovery answers 409 (a `conflict` QoveryError) while an
   * operation is in progress: the caller read the state first and decides (lib/instances/projects.ts).
   */
  deploy(environmentId: string, options?: CallOptions): Promise<void>;
  /** Stops the environment; 409 (`conflict`) when already stopped or an operation is in progress. */
  stop(environmentId: string, options?: CallOptions): Promise<void>;
  /**
   * Deletes the environment and everything in it: 'gone' when Qovery no longer has it (404),
   * 'deleting' when Qovery accepted the deletion (it takes minutes; `observe` tells when it is done).
   */
  destroy(environmentId: string, options?: CallOptions): Promise<'gone' | 'deleting'>;
  /**
   * Cancels the deployment under way; false when Qovery says there is nothing to cancel (409:
   * "already cancelled or an operation is in progress").
   */
  cancelDeployment(environmentId: string, options?: CallOptions): Promise<boolean>;
  /**
   * The id of a project row's environment, found by its name: for a row whose id was never stored
   * (a CreateProject that died mid-way). Null when there is none.
   */
  findByName(projectRowId: number | string, options?: CallOptions): Promise<string | null>;
  status(environmentId: string, options?: CallOptions): Promise<ProjectStatus>;
  /** The environment's Qovery state, or 'GONE' when Qovery no longer has it. */
  observe(environmentId: string, options?: CallOptions): Promise<Observed>;
  /** Every environment of the Qovery project and its state, in one call (for the reconciler). */
  observeAll(options?: CallOptions): Promise<Map<string, Observed>>;
  /** This deployment's environments (named with its prefix), with their row id and creation time. */
  listOwn(options?: CallOptions): Promise<{ id: string; rowId: number; createdAt: number }[]>;
  /** AppWrite's public URL, or null while Qovery has none. */
  url(appwriteId: string, options?: CallOptions): Promise<string | null>;
  /**
   * Once the owner's console account exists: opens the proxy's console gate, gives the instance
   * AppWrite's e-mail (the operator's SMTP settings, if any; ENVIRONMENT-scoped) and redeploys it.
   * 2 calls (import through MariaDB's container, deploy).
   */
  openConsole(environmentId: string, mariadbId: string, options?: CallOptions): Promise<void>;
  /**
   * One upgrade step (lib/instances/upgrades.ts): adds the variables `release` introduced (never overwriting
   * one already set), then, in ONE deployment request, gives every AppWrite-image service, the
   * console, Redis, MariaDB and the browser their tags of `release` and the `migrate` job the new
   * AppWrite image, and deploys them. The job is created first if the instance predates it.
   * 3 stages: list containers ∥ list jobs → import the new variables (when the release has any)
   * → deploy: 3 or 4 calls, +3 for an instance without the job.
   */
  upgrade(environmentId: string, release: Release, options?: CallOptions): Promise<void>;
  /** How the `migrate` job fared in its last run (2 calls: list jobs ∥ job statuses). */
  migrateStatus(environmentId: string, options?: CallOptions): Promise<MigrateStatus>;
}

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

/** Structurally compatible with lib/basics/log's Logger. */
export interface InstancesLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface InstancesOptions {
  client: QoveryClient;
  settings: QoverySettings;
  log?: InstancesLogger;
  /** Budget of the clean-up after a failed provision, independent of the caller's deadline. */
  cleanupTimeoutMs?: number;
  /**
   * After a create or clone with no clear answer, the environment is looked up by name, and
   * once more after this pause if it is not there yet. Default 1000.
   */
  cleanupRecheckMs?: number;
  /**
   * Qovery's clone is asynchronous (202 "clone has been requested"): the cloned services may not
   * be listed yet right after it. They are listed again after this pause while the caller's
   * deadline allows. Default 1000.
   */
  cloneRecheckMs?: number;
  /** Tests: replace secret generation. */
  secrets?: () => InstanceSecrets;
}

const CLOCK_SKEW_MS = 60_000;

/** The stage of the `migrate` job, after Qovery's default ones (lib/instances/blueprint/blueprint). */
const migrateStageRequest = {
  name: MIGRATE_STAGE,
  description: 'AppWrite migrate, once every container is up (managed by AppWrite Cloud)',
};

export function createInstances({
  client,
  settings,
  log = consoleLogger,
  cleanupTimeoutMs = 4000,
  cleanupRecheckMs = 1000,
  cloneRecheckMs = 1000,
  secrets: makeSecrets = generateSecrets,
}: InstancesOptions): Instances {
  /** Deletes an environment we just created; never throws, never hides the original error. */
  async function discard(environmentId: string, original: unknown): Promise<void> {
    log.warn('qovery.provision.failed', {
      environmentId,
      error: describe(original),
      cleanup: 'deleting environment',
    });
    try {
      await client.deleteEnvironment(environmentId, { deadline: Date.now() + cleanupTimeoutMs });
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
  async function discardByName(name: string, startedAt: number, original: unknown): Promise<void> {
    log.warn('qovery.provision.failed', {
      environment: name,
      error: describe(original),
      cleanup: 'looking up',
    });
    const deadline = Date.now() + cleanupTimeoutMs;
    try {
      // Qovery may still be processing the request we gave up on: keep looking while the
      // clean-up budget lasts.
      for (let look = 0; ; look++) {
        if (look > 0) {
          if (Date.now() + cleanupRecheckMs >= deadline) break;
          await new Promise((resolve) => setTimeout(resolve, cleanupRecheckMs));
        }
        const list = await client.listEnvironment(settings.projectId, { deadline });
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

  async function createEnvironment(
    projectRowId: number | string,
    options: CallOptions,
  ): Promise<Environment> {
    const startedAt = Date.now();
    const name = environmentName(projectRowId, settings.environmentPrefix);
    try {
      return settings.templateEnvironmentId
        ? await client.cloneEnvironment(
            settings.templateEnvironmentId,
            cloneRequest(settings, projectRowId),
            options,
          )
        : await client.createEnvironment(
            settings.projectId,
            environmentRequest(settings, projectRowId),
            options,
          );
    } catch (error) {
      if (mayHaveHappened(error)) await discardByName(name, startedAt, error);
      throw error;
    }
  }

  /**
   * Creates every container of the blueprint, the `migrate` job and its deployment stage, all at
   * once. Answers the containers' ids and the job's and stage's, which the next stage attaches.
   */
  async function fromBlueprint(
    environmentId: string,
    options: CallOptions,
  ): Promise<{ ids: ServiceIds; jobId: string; stageId: string }> {
    const list = services(settings.instance);
    const [job, stage, ...created] = await all([
      client.createJob(environmentId, migrateJobRequest(settings), options),
      client.createEnvironmentDeploymentStage(environmentId, migrateStageRequest, options),
      ...list.map((spec) => client.createContainer(environmentId, containerRequest(settings, spec), options)),
    ] as const);
    return {
      ids: Object.fromEntries(list.map((spec, i) => [spec.name, idOf(created[i])])),
      jobId: idOf(job),
      stageId: idOf(stage),
    };
  }

  /** Finds every container of the blueprint in a clone of the template environment. */
  async function fromClone(environmentId: string, options: CallOptions): Promise<ServiceIds> {
    let { results } = await client.listContainer(environmentId, options);
    // The clone's services appear some time after its 202: none listed yet means "not yet".
    const until = options.deadline ?? Date.now() + 10 * cloneRecheckMs;
    while ((results ?? []).length === 0 && Date.now() + cloneRecheckMs < until) {
      await new Promise((resolve) => setTimeout(resolve, cloneRecheckMs));
      ({ results } = await client.listContainer(environmentId, options));
    }
    return Object.fromEntries(
      services(settings.instance).map((spec) => {
        const found = (results ?? []).filter((service) => service.name.toLowerCase() === spec.name);
        if (found.length !== 1 || !found[0]) {
          throw new AppError('internal-error', {
            cause: new Error(`The template environment must hold exactly one container named "${spec.name}"`),
          });
        }
        return [spec.name, idOf(found[0])];
      }),
    );
  }

  async function provision(
    projectRowId: number | string,
    inputs: ProvisionInputs,
    options: CallOptions = {},
  ): Promise<ProvisionedInstance> {
    const call = { deadline: options.deadline };
    // Settle the bucket whatever happens here, so a failure never leaves a rejection unheard.
    const storage = inputs.storage.then(
      (grant) => ({ grant }),
      (error: unknown) => ({ error }),
    );
    const environment = await createEnvironment(projectRowId, call);
    const environmentId = idOf(environment);
    try {
      const cloned = settings.templateEnvironmentId !== undefined;
      // A clone has the template's `migrate` job, in its own stage already.
      const built = cloned ? undefined : await fromBlueprint(environmentId, call);
      const ids = built ? built.ids : await fromClone(environmentId, call);
      const bucket = await storage;
      if ('error' in bucket) throw bucket.error;
      const secrets = makeSecrets();
      const list = services(settings.instance);
      const env = environmentVariables(settings.instance, {
        secrets,
        storage: bucket.grant,
        ownerEmail: inputs.ownerEmail,
        ownerAccountExists: false,
        consoleGate: consoleGateToken(settings.instance.consoleClaimKey, environmentId),
      });
      const mariadb = list.find((spec) => spec.name === 'mariadb');
      if (!mariadb) throw new TypeError('The blueprint has no mariadb');
      const imports = [
        // Everything environment-wide rides with MariaDB's own variables: one call.
        client.importContainerEnvironmentVariable(
          need(ids, 'mariadb'),
          variablesImport(
            [
              { scope: 'ENVIRONMENT', vars: env },
              { scope: 'CONTAINER', vars: containerVariables(mariadb, secrets) },
            ],
            ids,
          ),
          call,
        ),
        // A clone already holds the other services' own (constant) variables.
        ...(cloned
          ? []
          : list
              .filter((spec) => spec.variables && spec !== mariadb)
              .map((spec) =>
                client.importContainerEnvironmentVariable(
                  need(ids, spec.name),
                  variablesImport([{ scope: 'CONTAINER', vars: containerVariables(spec, secrets) }], ids),
                  call,
                ),
              )),
      ];
      const [links, , , ...results] = await all([
        client.listContainerLinks(need(ids, 'proxy'), call),
        cloned
          ? Promise.resolve(undefined)
          : client.createVariable(caddyfileVariable(need(ids, 'proxy')), call),
        built
          ? client.attachServiceToDeploymentStage(built.stageId, built.jobId, call)
          : Promise.resolve(undefined),
        ...imports,
      ] as const);
      for (const result of results) {
        const total = result?.total_variables_to_import;
        const imported = result?.successful_imported_variables?.length;
        if (typeof total === 'number' && typeof imported === 'number' && imported < total) {
          throw new QoveryError(
            'rejected',
            'importContainerEnvironmentVariable',
            201,
            `imported ${imported} of ${total}`,
            1,
          );
        }
      }
      return {
        environmentId,
        appwriteId: need(ids, 'proxy'),
        mariadbId: need(ids, 'mariadb'),
        redisId: need(ids, 'redis'),
        serviceIds: ids,
        url: publicUrl(links),
      };
    } catch (error) {
      await discard(environmentId, error);
      throw error;
    }
  }

  /** Deletes an environment; already gone counts as success. */
  async function deleteEnvironment(
    environmentId: string,
    options: CallOptions = {},
  ): Promise<'gone' | 'deleting'> {
    try {
      await client.deleteEnvironment(environmentId, options);
      return 'deleting';
    } catch (error) {
      if (!isQoveryError(error, 'not-found')) throw error;
      return 'gone';
    }
  }

  return {
    provision,

    async deploy(environmentId, options = {}) {
      await client.deployEnvironment(environmentId, options);
    },

    async stop(environmentId, options = {}) {
      await client.stopEnvironment(environmentId, options);
    },

    destroy: deleteEnvironment,

    async cancelDeployment(environmentId, options = {}) {
      try {
        await client.cancelEnvironmentDeployment(environmentId, { force_cancel: false }, options);
        return true;
      } catch (error) {
        if (isQoveryError(error, 'conflict')) return false;
        throw error;
      }
    },

    async findByName(projectRowId, options = {}) {
      const name = environmentName(projectRowId, settings.environmentPrefix).toLowerCase();
      const list = await client.listEnvironment(settings.projectId, options);
      return (list.results ?? []).find((env) => env.name.toLowerCase() === name)?.id ?? null;
    },

    async observe(environmentId, options = {}) {
      try {
        return (await client.getEnvironmentStatus(environmentId, options)).state;
      } catch (error) {
        if (isQoveryError(error, 'not-found')) return 'GONE';
        throw error;
      }
    },

    async observeAll(options = {}) {
      const list = await client.getProjectEnvironmentsStatus(settings.projectId, options);
      return new Map((list.results ?? []).map((env) => [env.id, env.state] as const));
    },

    async listOwn(options = {}) {
      const list = await client.listEnvironment(settings.projectId, options);
      return (list.results ?? []).flatMap((env) => {
        const rowId = ownRowId(env.name, settings.environmentPrefix);
        return rowId === null ? [] : [{ id: env.id, rowId, createdAt: Date.parse(env.created_at) }];
      });
    },

    async status(environmentId, options = {}) {
      const { state } = await client.getEnvironmentStatus(environmentId, options);
      const status = projectStatusOf[state];
      if (status === undefined) {
        // Qovery sent a state newer than our types: say so in the logs, show it as an error.
        log.warn('qovery.status.unknown-state', { environmentId, state });
        return 'ERROR';
      }
      return status;
    },

    async url(appwriteId, options = {}) {
      return publicUrl(await client.listContainerLinks(appwriteId, options));
    },

    async openConsole(environmentId, mariadbId, options = {}) {
      await client.importContainerEnvironmentVariable(
        mariadbId,
        variablesImport([{ scope: 'ENVIRONMENT', vars: openedConsoleVariables(settings.instance) }], {}),
        options,
      );
      try {
        await client.deployEnvironment(environmentId, options);
      } catch (error) {
        // A deployment under way: the reconciler's or the owner's next one picks the change up.
        if (!isQoveryError(error, 'conflict')) throw error;
      }
    },

    async upgrade(environmentId, release, options = {}) {
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
        found ? Promise.resolve(found.id) : addMigrateJob(environmentId, release, options),
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
    },

    async migrateStatus(environmentId, options = {}) {
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
    },
  };

  /** The `migrate` job of an instance made before it existed: its stage (found or made), then it. */
  async function addMigrateJob(
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
}

/** Like Promise.all, but waits for every call to settle, so nothing is still in flight. */
async function all<T extends readonly Promise<unknown>[]>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** A create whose outcome is unknown: no answer, or a gateway error that may hide a success. */
function mayHaveHappened(error: unknown): boolean {
  return (
    isQoveryError(error) &&
    (error.kind === 'timeout' ||
      (error.kind === 'unavailable' && error.status !== 429 && error.status !== 503))
  );
}

function need(ids: ServiceIds, name: string): string {
  const id = ids[name];
  if (!id) throw new AppError('internal-error', { cause: new Error(`No ${name} container`) });
  return id;
}

function idOf(resource: { id?: unknown } | undefined): string {
  if (typeof resource?.id !== 'string' || resource.id === '') {
    throw new AppError('internal-error', { cause: new Error('Qovery answered without an id') });
  }
  return resource.id;
}

function publicUrl(links: LinkResponseList | undefined): string | null {
  const usable = (links?.results ?? []).filter((link) => /^https?:\/\/[^\s/]+/.test(link.url ?? ''));
  const chosen = usable.find((link) => link.is_default) ?? usable[0];
  return chosen ? chosen.url : null;
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof QoveryError) return error.toLog();
  if (error instanceof AppError) return { code: error.code, cause: describe(error.cause) };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { value: String(error) };
}

const consoleLogger: InstancesLogger = {
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};
