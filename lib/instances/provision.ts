/**
 * Provision: one Qovery environment per instance, built from the blueprint or cloned from the
 * template (lib/instances/provision-strategy.ts chooses), its variables imported, and deleted again
 * if any step fails.
 */
import type { Environment } from 'qovery-typescript-axios';
import { AppError } from '../basics/errors';
import { consoleGateToken } from '../platform/appwrite/console-api';
import { type CallOptions, isQoveryError, type QoveryClient, QoveryError } from '../platform/qovery/client';
import type { StorageGrant } from '../platform/storage';
import type { QoverySettings } from './blueprint/blueprint';
import { containerRequest } from './blueprint/containers';
import { cloneRequest, environmentRequest, rowEnvironmentName } from './blueprint/environment';
import { migrateJobRequest, migrateStageRequest } from './blueprint/migrate';
import { caddyfileVariable } from './blueprint/proxy';
import type { InstanceSecrets } from './blueprint/secrets';
import { services } from './blueprint/services';
import { containerVariables, environmentVariables } from './blueprint/variables';
import { type ServiceIds, variablesImport } from './blueprint/variables-import';
import type { Release } from './blueprint/versions';
import { all, idOf, need, publicUrl } from './calls';
import { type CleanupDeps, discard, discardByName, mayHaveHappened } from './provision-cleanup';
import {
  type Choice,
  chooseStrategy,
  reportStrategy,
  type StrategyReporting,
  type TemplateReader,
} from './provision-strategy';

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

export interface ProvisionDeps extends CleanupDeps, Pick<StrategyReporting, 'metrics'> {
  /** Pause before listing a clone's services again (they appear some time after the clone). */
  cloneRecheckMs: number;
  makeSecrets: () => InstanceSecrets;
  /** The recorded template; without it only QOVERY_TEMPLATE_ENVIRONMENT_ID is ever cloned. */
  template?: TemplateReader;
}

/** The bucket's grant, or why it could not be made. */
type SettledGrant = { grant: StorageGrant } | { error: unknown };

export async function provision(
  deps: ProvisionDeps,
  projectRowId: number | string,
  inputs: ProvisionInputs,
  options: CallOptions = {},
): Promise<ProvisionedInstance> {
  const call = { deadline: options.deadline };
  // Settle the bucket whatever happens here, so a failure never leaves a rejection unheard.
  const storage: Promise<SettledGrant> = inputs.storage.then(
    (grant) => ({ grant }),
    (error: unknown) => ({ error }),
  );
  const chosen = await chooseStrategy(deps.settings, deps.template, call);
  const { environment, strategy } = await createEnvironment(deps, projectRowId, chosen, call);
  reportStrategy(deps, strategy, projectRowId);
  const environmentId = idOf(environment);
  try {
    const cloned = strategy.strategy === 'clone';
    return await furnish(deps, environmentId, inputs.ownerEmail, storage, cloned, call);
  } catch (error) {
    await discard(deps, environmentId, error);
    throw error;
  }
}

/** Clones the template, or creates an empty environment: also when the template is gone (404). */
async function createEnvironment(
  deps: ProvisionDeps,
  projectRowId: number | string,
  chosen: Choice,
  options: CallOptions,
): Promise<{ environment: Environment; strategy: Choice }> {
  const { client, settings } = deps;
  const startedAt = Date.now();
  const name = rowEnvironmentName(settings, projectRowId);
  try {
    if (chosen.strategy === 'clone') {
      try {
        const request = cloneRequest(settings, projectRowId);
        return {
          environment: await client.cloneEnvironment(chosen.templateId, request, options),
          strategy: chosen,
        };
      } catch (error) {
        if (!isQoveryError(error, 'not-found')) throw error;
      }
    }
    const environment = await client.createEnvironment(
      settings.projectId,
      environmentRequest(settings, projectRowId),
      options,
    );
    const strategy: Choice =
      chosen.strategy === 'clone' ? { strategy: 'blueprint', reason: 'template-missing' } : chosen;
    return { environment, strategy };
  } catch (error) {
    if (mayHaveHappened(error)) await discardByName(deps, name, startedAt, error);
    throw error;
  }
}

/** Fills a new environment: its services, their variables, the proxy's file; answers their ids. */
async function furnish(
  deps: ProvisionDeps,
  environmentId: string,
  ownerEmail: string,
  storage: Promise<SettledGrant>,
  cloned: boolean,
  call: CallOptions,
): Promise<ProvisionedInstance> {
  const { client, settings } = deps;
  // A clone has the template's `migrate` job, in its own stage already.
  const built = cloned ? undefined : await fromBlueprint(client, settings, environmentId, call);
  const ids = built ? built.ids : await fromClone(client, settings, environmentId, deps.cloneRecheckMs, call);
  const bucket = await storage;
  if ('error' in bucket) throw bucket.error;
  const secrets = deps.makeSecrets();
  const env = environmentVariables(settings.instance, {
    secrets,
    storage: bucket.grant,
    ownerEmail,
    ownerAccountExists: false,
    consoleGate: consoleGateToken(settings.instance.consoleClaimKey, environmentId),
  });
  const mariadb = services(settings.instance).find((spec) => spec.name === 'mariadb');
  if (!mariadb) throw new TypeError('The blueprint has no mariadb');
  const [links] = await all([
    client.listContainerLinks(need(ids, 'proxy'), call),
    // Everything environment-wide rides with MariaDB's own variables: one call.
    client
      .importContainerEnvironmentVariable(
        need(ids, 'mariadb'),
        variablesImport(
          [
            { scope: 'ENVIRONMENT', vars: env },
            { scope: 'CONTAINER', vars: containerVariables(mariadb, secrets) },
          ],
          ids,
        ),
        call,
      )
      .then(allImported),
    // A clone already holds the rest (the template's).
    ...(built ? fittings(client, settings, built, secrets, call) : []),
  ] as const);
  return {
    environmentId,
    appwriteId: need(ids, 'proxy'),
    mariadbId: need(ids, 'mariadb'),
    redisId: need(ids, 'redis'),
    serviceIds: ids,
    url: publicUrl(links),
  };
}

/** An import that left some variables out failed. */
function allImported(result: Awaited<ReturnType<QoveryClient['importContainerEnvironmentVariable']>>) {
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
  return result;
}

/** The blueprint's containers, job and stage, as `fromBlueprint` made them. */
export interface Built {
  ids: ServiceIds;
  jobId: string;
  stageId: string;
}

/**
 * What the blueprint gives every instance alike once its containers exist, all at once: each
 * service's own (constant) variables but MariaDB's, the proxy's file, the `migrate` job in its
 * stage. A template holds them, so a clone does not ask for them again.
 */
export function fittings(
  client: QoveryClient,
  settings: QoverySettings,
  built: Built,
  secrets: InstanceSecrets,
  call: CallOptions,
): Promise<unknown>[] {
  const { ids } = built;
  const own = services(settings.instance).filter((spec) => spec.variables && spec.name !== 'mariadb');
  return [
    client.createVariable(caddyfileVariable(need(ids, 'proxy')), call),
    client.attachServiceToDeploymentStage(built.stageId, built.jobId, call),
    ...own.map((spec) =>
      client
        .importContainerEnvironmentVariable(
          need(ids, spec.name),
          variablesImport([{ scope: 'CONTAINER', vars: containerVariables(spec, secrets) }], ids),
          call,
        )
        .then(allImported),
    ),
  ];
}

/**
 * Creates every container of the blueprint, the `migrate` job and its deployment stage, all at
 * once. Answers the containers' ids and the job's and stage's, which the next stage attaches.
 */
export async function fromBlueprint(
  client: QoveryClient,
  settings: QoverySettings,
  environmentId: string,
  options: CallOptions,
  release?: Release,
): Promise<Built> {
  const list = services(settings.instance);
  const [job, stage, ...created] = await all([
    client.createJob(environmentId, migrateJobRequest(settings, release), options),
    client.createEnvironmentDeploymentStage(environmentId, migrateStageRequest, options),
    ...list.map((spec) =>
      client.createContainer(environmentId, containerRequest(settings, spec, release), options),
    ),
  ] as const);
  return {
    ids: Object.fromEntries(list.map((spec, i) => [spec.name, idOf(created[i])])),
    jobId: idOf(job),
    stageId: idOf(stage),
  };
}

/** Finds every container of the blueprint in a clone of the template environment. */
async function fromClone(
  client: QoveryClient,
  settings: QoverySettings,
  environmentId: string,
  cloneRecheckMs: number,
  options: CallOptions,
): Promise<ServiceIds> {
  // The clone's services appear some time after its 202: none listed yet means "not yet". The first
  // listing waits one pause too: asked at once, it found none nearly every time, a request for
  // nothing (against the stand-in: 285 listings for 150 clones, bench/parts/launch-day.ts).
  const pause = () => new Promise((resolve) => setTimeout(resolve, cloneRecheckMs));
  await pause();
  let { results } = await client.listContainer(environmentId, options);
  const until = options.deadline ?? Date.now() + 10 * cloneRecheckMs;
  while ((results ?? []).length === 0 && Date.now() + cloneRecheckMs < until) {
    await pause();
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
