/** Qovery environments: one per instance, named after its project row. */
import type { CloneEnvironmentRequest, CreateEnvironmentRequest } from 'qovery-typescript-axios';
import { DEPLOYMENT_PREFIX, type QoverySettings } from './blueprint';

export const ENVIRONMENT_PREFIX = 'appwrite-';
const ROW_ID = /^[a-z0-9][a-z0-9-]{0,39}$/i;

/**
 * The environment name of a project row: `<deployment>-appwrite-<id>` (`appwrite-<id>` without a
 * deployment prefix). The prefix keeps deployments that share a Qovery project (two stages, say)
 * from ever touching each other's environments. Refuses anything but a plain id.
 */
export function environmentName(projectRowId: number | string, deployment = ''): string {
  if (deployment !== '' && !DEPLOYMENT_PREFIX.test(deployment))
    throw new TypeError('A deployment prefix must be lower-case letters, digits and dashes');
  const id = String(projectRowId);
  if (
    typeof projectRowId === 'number'
      ? !Number.isSafeInteger(projectRowId) || projectRowId < 0
      : !ROW_ID.test(id)
  ) {
    throw new TypeError('A project row id must be a non-negative integer or a short [a-z0-9-] id');
  }
  return `${deployment === '' ? '' : `${deployment}-`}${ENVIRONMENT_PREFIX}${id}`;
}

/** The project row id of one of this deployment's environments, from its name; null if not ours. */
export function ownRowId(name: string, deployment = ''): number | null {
  const head = `${deployment === '' ? '' : `${deployment}-`}${ENVIRONMENT_PREFIX}`;
  if (!name.toLowerCase().startsWith(head)) return null;
  const rest = name.slice(head.length);
  return /^[1-9]\d{0,15}$/.test(rest) ? Number(rest) : null;
}

export function environmentRequest(
  settings: QoverySettings,
  projectRowId: number | string,
): CreateEnvironmentRequest {
  return {
    name: environmentName(projectRowId, settings.environmentPrefix),
    mode: 'PRODUCTION',
    ...(settings.clusterId ? { cluster: settings.clusterId } : {}),
  };
}

export function cloneRequest(
  settings: QoverySettings,
  projectRowId: number | string,
): CloneEnvironmentRequest {
  return {
    name: environmentName(projectRowId, settings.environmentPrefix),
    project_id: settings.projectId,
    mode: 'PRODUCTION',
    ...(settings.clusterId ? { cluster_id: settings.clusterId } : {}),
  };
}
