/**
 * AppWrite instances on Qovery: provision, deploy, stop, destroy, status. `createInstances` puts
 * together the operations, one file each: provision.ts (and provision-cleanup.ts), deploy.ts,
 * observe.ts, open-console.ts and upgrade-step.ts.
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
 * | provision (clone)        | 4        | 3      | clone → (a pause) list containers → import     |
 * |                          |          |        |   env+mariadb vars ∥ proxy link (+1 list per   |
 * |                          |          |        |   pause while the clone's services are absent) |
 * | provision, failed        | +1       | +1     | delete env (own budget); when the create/clone |
 * |                          | (+2..3)  |        | had no answer: list, list again, delete        |
 * | deploy / stop            | 1        | 1      | 409 is the caller's to decide (it read first)  |
 * | destroy                  | 1        | 1      | 404 counts as success                          |
 * | cancelDeployment         | 1        | 1      | 409 (nothing to cancel) answers false          |
 * | findByName               | 1        | 1      | list the project's environments                |
 * | status / observe         | 1        | 1      | observe: 404 answers 'GONE'                    |
 * | observeAll               | 1        | 1      | every environment of the Qovery project        |
 * | listOwn                  | 1        | 1      | named with its prefix; its mark proves it ours |
 * | url                      | 1        | 1      |                                                |
 */
import type { CallOptions, QoveryClient } from '../platform/qovery/client';
import type { QoverySettings } from './blueprint/blueprint';
import { generateSecrets, type InstanceSecrets } from './blueprint/secrets';
import { services } from './blueprint/services';
import type { Release } from './blueprint/versions';
import { cancelDeployment, deploy, destroy, stop } from './deploy';
import type { Observed } from './lifecycle';
import { consoleLogger, type InstancesLogger } from './logger';
import { findByName, listOwn, type NamedLikeOwn, observe, observeAll, status, url } from './observe';
import { openConsole } from './open-console';
import { type ProvisionDeps, type ProvisionedInstance, type ProvisionInputs, provision } from './provision';
import type { ProjectStatus } from './status';
import { type MigrateStatus, migrateStatus, upgrade } from './upgrade-step';

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

export { projectStatusOf } from './observe';
export type { InstancesLogger, MigrateStatus, ProjectStatus, ProvisionedInstance, ProvisionInputs };

/** Qovery calls and stages of one provision with these settings (the benchmark reports them). */
export function provisionCalls(settings: QoverySettings): { calls: number; stages: number } {
  if (settings.templateEnvironmentId) return { calls: ROUND_TRIPS.provisionClone, stages: 3 };
  const list = services(settings.instance);
  const withVariables = list.filter((s) => s.variables && s.name !== 'mariadb').length;
  // environment; every container, the migrate job and its stage; env+mariadb import, other
  // container imports, file variable, link, the job attached to its stage.
  return { calls: 1 + list.length + 2 + 1 + withVariables + 3, stages: 3 };
}

export interface Instances {
  provision(
    projectRowId: number | string,
    inputs: ProvisionInputs,
    options?: CallOptions,
  ): Promise<ProvisionedInstance>;
  /**
   * Starts (or redeploys) the environment. Qovery answers 409 (a `conflict` QoveryError) while an
   * operation is in progress: the caller read the state first and decides (lib/instances/projects/).
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
  /** The environments named with this deployment's prefix, each said proven its own or not (its mark). */
  listOwn(options?: CallOptions): Promise<NamedLikeOwn[]>;
  /** AppWrite's public URL, or null while Qovery has none. */
  url(appwriteId: string, options?: CallOptions): Promise<string | null>;
  /**
   * Once the owner's console account exists: opens the proxy's console gate, gives the instance
   * AppWrite's e-mail (the operator's SMTP settings, if any; ENVIRONMENT-scoped) and redeploys it.
   * 2 calls (import through MariaDB's container, deploy).
   */
  openConsole(environmentId: string, mariadbId: string, options?: CallOptions): Promise<void>;
  /**
   * One upgrade step (lib/instances/upgrades/): adds the variables `release` introduced (never overwriting
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
  /** The recorded template and the ProvisionStrategy metric (lib/instances/provision-strategy.ts). */
  template?: ProvisionDeps['template'];
  metrics?: ProvisionDeps['metrics'];
}

export function createInstances(options: InstancesOptions): Instances {
  const { client, settings, log = consoleLogger, cleanupTimeoutMs = 4000, cleanupRecheckMs = 1000 } = options;
  const { cloneRecheckMs = 1000, secrets: makeSecrets = generateSecrets, template, metrics } = options;
  const deps = { client, settings, log, cleanupTimeoutMs, cleanupRecheckMs, cloneRecheckMs, makeSecrets };
  const provisionDeps: ProvisionDeps = { ...deps, template, metrics };
  return {
    ...createInstanceOperations(options),
    provision: (projectRowId, inputs, options) => provision(provisionDeps, projectRowId, inputs, options),
    upgrade: (environmentId, release, options) => upgrade(client, settings, environmentId, release, options),
    migrateStatus: (environmentId, options) => migrateStatus(client, environmentId, options),
  };
}

/** What neither provisions nor upgrades an instance. */
export type InstanceOperations = Omit<Instances, 'provision' | 'upgrade' | 'migrateStatus'>;

/**
 * Every operation but provisioning and upgrading: a function that needs no more (DeleteAccount,
 * lib/runtime/index.ts) carries neither the blueprint nor provision.ts in its bundle.
 */
export function createInstanceOperations({
  client,
  settings,
  log = consoleLogger,
}: Pick<InstancesOptions, 'client' | 'settings' | 'log'>): InstanceOperations {
  return {
    deploy: (environmentId, options) => deploy(client, environmentId, options),
    stop: (environmentId, options) => stop(client, environmentId, options),
    destroy: (environmentId, options) => destroy(client, environmentId, options),
    cancelDeployment: (environmentId, options) => cancelDeployment(client, environmentId, options),
    findByName: (projectRowId, options) => findByName(client, settings, projectRowId, options),
    status: (environmentId, options) => status(client, log, environmentId, options),
    observe: (environmentId, options) => observe(client, environmentId, options),
    observeAll: (options) => observeAll(client, settings, options),
    listOwn: (options) => listOwn(client, settings, options),
    url: (appwriteId, options) => url(client, appwriteId, options),
    openConsole: (environmentId, mariadbId, options) =>
      openConsole(client, settings, environmentId, mariadbId, options),
  };
}
