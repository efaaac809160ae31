/** What Qovery says of instances: their states, our status of them, their names and URLs. */
import type { StateEnum } from 'qovery-typescript-axios';
import { type CallOptions, isQoveryError, type QoveryClient } from '../platform/qovery/client';
import type { QoverySettings } from './blueprint/blueprint';
import { parseName, rowEnvironmentName } from './blueprint/environment';
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

/**
 * The id of a project row's environment, by its name; null when there is none. The name is
 * compared whole, with this deployment's mark: an environment named like the row's by another
 * deployment (same prefix, another or no mark) is never taken for it.
 */
export async function findByName(
  client: QoveryClient,
  settings: QoverySettings,
  projectRowId: number | string,
  options: CallOptions = {},
): Promise<string | null> {
  const name = rowEnvironmentName(settings, projectRowId).toLowerCase();
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

/** An environment named like one of this deployment's project environments (observe.ts `listOwn`). */
export interface NamedLikeOwn {
  id: string;
  name: string;
  rowId: number;
  createdAt: number;
  /**
   * Whether its name carries this deployment's mark (QOVERY_DEPLOYMENT_ID): the proof that this
   * deployment made it. False for a name with another deployment's mark (the same prefix used
   * twice) or with none (made before marks existed, or by a deployment without one): such an
   * environment may be anyone's, and only a row that references it may act on it.
   */
  proven: boolean;
}

/**
 * The environments named with this deployment's prefix and a row id (one listing, the names
 * only: proving costs no further call), each said proven or not.
 */
export async function listOwn(
  client: QoveryClient,
  settings: QoverySettings,
  options: CallOptions = {},
): Promise<NamedLikeOwn[]> {
  const list = await client.listEnvironment(settings.projectId, options);
  const mark = settings.deploymentId ?? '';
  return (list.results ?? []).flatMap((env) => {
    const parsed = parseName(env.name, settings.environmentPrefix);
    if (parsed === null) return [];
    const { rowId } = parsed;
    const proven = mark !== '' && parsed.mark === mark;
    return [{ id: env.id, name: env.name, rowId, createdAt: Date.parse(env.created_at), proven }];
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
