/** Qovery environments: one per instance, named after its project row. */
import type { CloneEnvironmentRequest, CreateEnvironmentRequest } from 'qovery-typescript-axios';
import { DEPLOYMENT_PREFIX, type QoverySettings } from './blueprint';

export const ENVIRONMENT_PREFIX = 'appwrite-';
const ROW_ID = /^[a-z0-9][a-z0-9-]{0,39}$/i;
/** QOVERY_DEPLOYMENT_ID: the mark at the end of this deployment's environment names. */
export const DEPLOYMENT_ID = /^[a-z0-9]{8,16}$/;

/**
 * The environment name of a project row: `<deployment>-appwrite-<id>-<mark>` (`appwrite-<id>`
 * without a deployment prefix or mark). The prefix keeps deployments that share a Qovery project
 * (two stages, say) apart by name; the mark, this deployment's random id, is what proves an
 * environment is its own (`parseName`): a name is given when Qovery creates the environment, in the
 * same request, so even one whose CreateProject died at once carries it, and it costs no Qovery
 * call to read (the reconciler's listing has every name). Refuses anything but a plain id.
 */
export function environmentName(projectRowId: number | string, deployment = '', mark = ''): string {
  if (deployment !== '' && !DEPLOYMENT_PREFIX.test(deployment))
    throw new TypeError('A deployment prefix must be lower-case letters, digits and dashes');
  if (mark !== '' && !DEPLOYMENT_ID.test(mark))
    throw new TypeError('A deployment id must be 8 to 16 lower-case letters and digits');
  const id = String(projectRowId);
  if (
    typeof projectRowId === 'number'
      ? !Number.isSafeInteger(projectRowId) || projectRowId < 0
      : !ROW_ID.test(id)
  ) {
    throw new TypeError('A project row id must be a non-negative integer or a short [a-z0-9-] id');
  }
  return `${deployment === '' ? '' : `${deployment}-`}${ENVIRONMENT_PREFIX}${id}${mark === '' ? '' : `-${mark}`}`;
}

/**
 * A name of the shape of this deployment's project environments (its prefix, a row id, then a
 * mark or none): the row id and the mark ('' for none, as every name had before marks). Null for
 * any other name. Whose it is, the mark alone says: another deployment may use the same prefix.
 */
export function parseName(name: string, deployment = ''): { rowId: number; mark: string } | null {
  const head = `${deployment === '' ? '' : `${deployment}-`}${ENVIRONMENT_PREFIX}`;
  if (!name.toLowerCase().startsWith(head)) return null;
  const match = /^([1-9]\d{0,15})(?:-([a-z0-9]{8,16}))?$/.exec(name.slice(head.length).toLowerCase());
  return match?.[1] ? { rowId: Number(match[1]), mark: match[2] ?? '' } : null;
}

/** The name of a project row's environment, from the settings. */
export function rowEnvironmentName(settings: QoverySettings, projectRowId: number | string): string {
  return environmentName(projectRowId, settings.environmentPrefix, settings.deploymentId);
}

export function environmentRequest(
  settings: QoverySettings,
  projectRowId: number | string,
): CreateEnvironmentRequest {
  return {
    name: rowEnvironmentName(settings, projectRowId),
    mode: 'PRODUCTION',
    ...(settings.clusterId ? { cluster: settings.clusterId } : {}),
  };
}

export function cloneRequest(
  settings: QoverySettings,
  projectRowId: number | string,
): CloneEnvironmentRequest {
  return {
    name: rowEnvironmentName(settings, projectRowId),
    project_id: settings.projectId,
    mode: 'PRODUCTION',
    ...(settings.clusterId ? { cluster_id: settings.clusterId } : {}),
  };
}
