/** What Qovery says of instances: their states, our status of them, their names and URLs. */
import type { StateEnum } from 'qovery-typescript-axios';
import { type CallOptions, isQoveryError, type QoveryClient } from '../platform/qovery/client';
import type { QoverySettings } from './blueprint/blueprint';
import { environmentName, ownRowId } from './blueprint/environment';
import { publicUrl } from './calls';
import { type Observed, phaseOf, statusFor } from './lifecycle';
import type { InstancesLogger } from './logger';
import type { ProjectStatus } from './status';

/**
 * Every Qovery environment state, mapped to our project status (lib/instances/lifecycle.ts decides). Qovery has
 * no RUNNING state: DEPLOYED is running. READY (created, never deployed) is STOPPED, as Qovery's own
 * CLI shows it. CREATING is ours: the row exists while provision runs.
 */
export const projectStatusOf = /* @__PURE__ */ Object.fromEntries(
  (Object.keys(phaseOf) as StateEnum[]).map((state) => [
    state,
    phaseOf[state] === 'deleting' ? 'DELETING' : statusFor(state).status,
  ]),
) as Record<StateEnum, ProjectStatus>;

/** The id of a project row's environment, by its name; null when there is none. */
export async function findByName(
  client: QoveryClient,
  settings: QoverySettings,
  projectRowId: number | string,
  options: CallOptions = {},
): Promise<string | null> {
  const name = environmentName(projectRowId, settings.environmentPrefix).toLowerCase();
  const list = await client.listEnvironment(settings.projectId, options);
  return (list.results ?? []).find((env) => env.name.toLowerCase() === name)?.id ?? null;
}

/** The environment's Qovery state, or 'GONE' when Qovery no longer has it. */
export async function observe(
  client: QoveryClient,
  environmentId: string,
  options: CallOptions = {},
): Promise<Observed> {
  try {
    return (await client.getEnvironmentStatus(environmentId, options)).state;
  } catch (error) {
    if (isQoveryError(error, 'not-found')) return 'GONE';
    throw error;
  }
}

export async function observeAll(
  client: QoveryClient,
  settings: QoverySettings,
  options: CallOptions = {},
): Promise<Map<string, Observed>> {
  const list = await client.getProjectEnvironmentsStatus(settings.projectId, options);
  return new Map((list.results ?? []).map((env) => [env.id, env.state] as const));
}

/** This deployment's environments (named with its prefix), with their row id and creation time. */
export async function listOwn(
  client: QoveryClient,
  settings: QoverySettings,
  options: CallOptions = {},
): Promise<{ id: string; rowId: number; createdAt: number }[]> {
  const list = await client.listEnvironment(settings.projectId, options);
  return (list.results ?? []).flatMap((env) => {
    const rowId = ownRowId(env.name, settings.environmentPrefix);
    return rowId === null ? [] : [{ id: env.id, rowId, createdAt: Date.parse(env.created_at) }];
  });
}

export async function status(
  client: QoveryClient,
  log: InstancesLogger,
  environmentId: string,
  options: CallOptions = {},
): Promise<ProjectStatus> {
  const { state } = await client.getEnvironmentStatus(environmentId, options);
  const status = projectStatusOf[state];
  if (status === undefined) {
    // Qovery sent a state newer than our types: say so in the logs, show it as an error.
    log.warn('qovery.status.unknown-state', { environmentId, state });
    return 'ERROR';
  }
  return status;
}

/** AppWrite's public URL, or null while Qovery has none. */
export async function url(
  client: QoveryClient,
  appwriteId: string,
  options: CallOptions = {},
): Promise<string | null> {
  return publicUrl(await client.listContainerLinks(appwriteId, options));
}
